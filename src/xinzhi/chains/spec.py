"""A chain map as data: chain → nodes (each in a segment) → key technologies, "is input to"
edges between nodes, and the local enterprises named at each node.

Readers (YAML, .xlsx, database snapshots) build a ``ChainSpec``; writers and the analysis
read one. ``origin`` says where each record was read, for error messages; it takes no part
in equality, so a chain read back from its own export equals the original.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from .problems import NOWHERE, Origin
from .vocab import DomesticStatus, NodeKind, ProblemClass, Segment


@dataclass
class TechnologySpec:
    name: str
    name_en: str | None = None
    control: Decimal | None = None  # 技术受制于人: 1 controlled by others … 0 our own; None unknown
    maturity: int | None = None  # technology readiness level, 1–9; None unknown
    illustrative: bool = True
    note: str | None = None
    origin: Origin = field(default=NOWHERE, compare=False, repr=False)


@dataclass
class LinkSpec:
    """A local enterprise named at a node (explicitly, not found by a rule)."""

    enterprise_name: str
    credit_code: str | None = None
    capability: int | None = None  # 1–4 (vocab.Capability); None unknown
    role: str | None = None
    illustrative: bool = True
    note: str | None = None
    origin: Origin = field(default=NOWHERE, compare=False, repr=False)


@dataclass
class NodeSpec:
    key: str
    name: str
    segment: Segment
    kind: NodeKind
    name_en: str | None = None
    problem_class: ProblemClass | None = None  # None: derived from the kind
    domestic_status: DomesticStatus | None = None  # None: unknown
    import_dependence: Decimal | None = None  # share of demand met by imports; None: unknown
    foreign_suppliers: list[str] = field(default_factory=list)
    domestic_suppliers: list[str] = field(default_factory=list)  # capable firms elsewhere in China
    keywords: list[str] = field(default_factory=list)  # found in enterprise names → linked
    industry_codes: list[str] = field(default_factory=list)  # GB/T 4754 prefixes → linked
    platforms: list[str] = field(default_factory=list)  # innovation platforms named explicitly
    illustrative: bool = True  # written from public knowledge, not yet confirmed by a bureau
    source: str | None = None
    note: str | None = None
    technologies: list[TechnologySpec] = field(default_factory=list)
    enterprises: list[LinkSpec] = field(default_factory=list)
    origin: Origin = field(default=NOWHERE, compare=False, repr=False)

    @property
    def effective_class(self) -> ProblemClass:
        from .vocab import DEFAULT_PROBLEM_CLASS

        return self.problem_class or DEFAULT_PROBLEM_CLASS[self.kind]

    @property
    def match_terms(self) -> list[str]:
        """Words that name this node in free text: its keywords, or else its name."""
        return self.keywords or [self.name]


@dataclass
class EdgeSpec:
    """``source`` is an input to ``target`` (both node keys)."""

    source: str
    target: str
    origin: Origin = field(default=NOWHERE, compare=False, repr=False)


@dataclass
class ChainSpec:
    key: str
    name: str
    name_en: str | None = None
    description: str | None = None
    as_of: dt.date | None = None  # the date the map describes
    source: str | None = None
    nodes: list[NodeSpec] = field(default_factory=list)
    edges: list[EdgeSpec] = field(default_factory=list)
    origin: Origin = field(default=NOWHERE, compare=False, repr=False)

    def node(self, key: str) -> NodeSpec:
        for node in self.nodes:
            if node.key == key:
                return node
        raise KeyError(key)

    @property
    def technology_count(self) -> int:
        return sum(len(node.technologies) for node in self.nodes)

    @property
    def illustrative_share(self) -> float:
        return sum(node.illustrative for node in self.nodes) / len(self.nodes) if self.nodes else 0
