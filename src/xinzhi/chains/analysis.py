"""The 325 chokepoint analysis: every node scored, the 问题清单 and the 技术清单 ranked, each
entry with its tackling mode and the reason.

Two dimensions (关键技术受制于人, 进口产品国产替代) plus criticality (the share of the chain
downstream of a node), local capability (the best local enterprise linked to it) and
domestic capability (its supply status in China) make each node's chokepoint score, a
weighted mean whose weights are in ``analysis.yaml``. An unknown figure is left out and the
weights of the known ones renormalised; the entry names what was unknown — never a zero.

Everything is computed over whole arrays (numpy, scipy.sparse); only the entries that make
a list are turned into Python objects, to word their reasons.
"""

from __future__ import annotations

import operator
import string
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from math import isnan

import numpy as np
from sqlalchemy import Engine

from .graph import components, descendant_counts, heights
from .linking import LinkTable, resolve_links
from .rules import WEIGHTS, AnalysisRules, Condition, load_rules
from .spec import ChainSpec
from .vocab import Capability, Mode, ProblemClass, Segment

DIMENSIONS = {
    "technology_control": ("技术受制于人", "technology controlled by others"),
    "import_dependence": ("进口替代", "import substitution"),
}
_COMPARE = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
}


@dataclass
class ChainArrays:
    """One chain as arrays: node i is ``node_keys[i]``; NaN means unknown."""

    key: str
    node_keys: list[str]
    node_names: list[str]
    segment: np.ndarray  # 0 上游, 1 中游, 2 下游
    problem_class: list[ProblemClass]
    import_dependence: np.ndarray
    domestic_capability: np.ndarray
    domestic_suppliers: list[list[str]]
    foreign_suppliers: list[list[str]]
    src: np.ndarray
    dst: np.ndarray
    tech_node: np.ndarray
    tech_names: list[str]
    tech_names_en: list[str | None]
    tech_control: np.ndarray
    tech_maturity: np.ndarray
    links: LinkTable

    @property
    def n(self) -> int:
        return len(self.node_keys)


def _nan_array(values) -> np.ndarray:
    return np.array([np.nan if v is None else float(v) for v in values], dtype=np.float64)


def arrays_from_spec(chain: ChainSpec, links: LinkTable, rules: AnalysisRules) -> ChainArrays:
    index = {node.key: i for i, node in enumerate(chain.nodes)}
    techs = [(i, t) for i, node in enumerate(chain.nodes) for t in node.technologies]
    return ChainArrays(
        key=chain.key,
        node_keys=[n.key for n in chain.nodes],
        node_names=[n.name for n in chain.nodes],
        segment=np.array([n.segment.order for n in chain.nodes], dtype=np.int8),
        problem_class=[n.effective_class for n in chain.nodes],
        import_dependence=_nan_array(n.import_dependence for n in chain.nodes),
        domestic_capability=_nan_array(
            None if n.domestic_status is None else rules.domestic_capability[n.domestic_status]
            for n in chain.nodes
        ),
        domestic_suppliers=[n.domestic_suppliers for n in chain.nodes],
        foreign_suppliers=[n.foreign_suppliers for n in chain.nodes],
        src=np.array([index[e.source] for e in chain.edges], dtype=np.int64),
        dst=np.array([index[e.target] for e in chain.edges], dtype=np.int64),
        tech_node=np.array([i for i, _ in techs], dtype=np.int64),
        tech_names=[t.name for _, t in techs],
        tech_names_en=[t.name_en for _, t in techs],
        tech_control=_nan_array(t.control for _, t in techs),
        tech_maturity=_nan_array(t.maturity for _, t in techs),
        links=links,
    )


# --- results -------------------------------------------------------------------------------


@dataclass
class ProblemItem:
    """An entry of the 问题清单: a chokepoint product (整机, 零部件, 元器件, 材料, 软件)."""

    chain_key: str
    node_key: str
    node_name: str
    problem_class: str
    rank: int
    score: float
    dimensions: list[str]
    technology_control: float | None
    import_dependence: float | None
    criticality: float
    local_firms: int
    capable_local_firms: int
    leader: str | None
    foreign_suppliers: list[str]
    mode: str
    mode_en: str
    reason_zh: str
    reason_en: str
    basis_zh: str
    basis_en: str
    unknown: list[str] = field(default_factory=list)


@dataclass
class TechnologyItem:
    """An entry of the 技术清单: a key technology to tackle, with its mode and reason."""

    chain_key: str
    node_key: str
    node_name: str
    technology_name: str
    rank: int
    score: float
    mode: str
    mode_en: str
    reason_zh: str
    reason_en: str
    technology_name_en: str | None = None
    control: float | None = None
    maturity: int | None = None
    node_score: float | None = None
    in_problem_list: bool = False

    @property
    def reason(self) -> str:
        """The reason in Chinese (``reason_zh``), under the name other areas may look for."""
        return self.reason_zh

    @property
    def recommended_mode(self) -> str:
        return self.mode


@dataclass
class NodeScores:
    """Every node's figures, as arrays (NaN: unknown)."""

    technology_control: np.ndarray
    import_dependence: np.ndarray
    criticality: np.ndarray
    descendants: np.ndarray
    height: np.ndarray
    part: np.ndarray  # which disconnected part of the chain
    maturity: np.ndarray
    local_firms: np.ndarray
    capable_local_firms: np.ndarray
    leader_level: np.ndarray
    leader_link: np.ndarray  # index into the link table, -1 if none
    local_capability: np.ndarray
    domestic_capability: np.ndarray
    score: np.ndarray
    completeness: np.ndarray  # share of the weights whose dimension was known
    in_problem_list: np.ndarray
    mode: np.ndarray  # index into rules.modes


@dataclass
class ChainAnalysis:
    chain_key: str
    rules: AnalysisRules
    arrays: ChainArrays
    nodes: NodeScores
    problems: list[ProblemItem]
    technologies: list[TechnologyItem]

    def node_rows(self) -> list[dict]:
        """One plain row per node (for tables, JSON and the map)."""
        a, s = self.arrays, self.nodes
        rows = []
        for i in range(a.n):
            leader = s.leader_link[i]
            rows.append(
                {
                    "key": a.node_keys[i],
                    "name": a.node_names[i],
                    "segment": list(Segment)[a.segment[i]].zh,
                    "problem_class": a.problem_class[i].zh,
                    "score": _num(s.score[i]),
                    "completeness": _num(s.completeness[i]),
                    "technology_control": _num(s.technology_control[i]),
                    "import_dependence": _num(s.import_dependence[i]),
                    "criticality": _num(s.criticality[i]),
                    "descendants": int(s.descendants[i]),
                    "local_firms": int(s.local_firms[i]),
                    "capable_local_firms": int(s.capable_local_firms[i]),
                    "leader": a.links.names[leader] if leader >= 0 else None,
                    "leader_level": _num(s.leader_level[i]),
                    "domestic_capability": _num(s.domestic_capability[i]),
                    "maturity": _int(s.maturity[i]),
                    "part": int(s.part[i]),
                    "in_problem_list": bool(s.in_problem_list[i]),
                    "mode": self.rules.modes[s.mode[i]].mode.zh if len(self.rules.modes) else None,
                }
            )
        return rows

    def as_dict(self) -> dict:
        return {
            "chain": self.chain_key,
            "rules": {
                "label": self.rules.label,
                "source": self.rules.source,
                "sha256": self.rules.sha256,
            },
            "problems": [asdict(p) for p in self.problems],
            "technologies": [asdict(t) for t in self.technologies],
            "nodes": self.node_rows(),
        }


def _num(value: float) -> float | None:
    return None if np.isnan(value) else round(float(value), 4)


def _int(value: float) -> int | None:
    return None if np.isnan(value) else int(value)


# --- the analysis --------------------------------------------------------------------------


def _weighted_mean(columns: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row-wise mean of ``columns`` weighted by ``weights``, leaving unknown (NaN) cells out;
    and the share of the weight that was known. A row with nothing known stays NaN."""
    known = ~np.isnan(columns)
    known_weight = known.astype(np.float64) @ weights
    total = np.where(known, columns, 0.0) @ weights
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(known_weight > 0, total / known_weight, np.nan)
    return mean, known_weight / weights.sum()


def _holds(condition: Condition, values: np.ndarray) -> np.ndarray:
    known = ~np.isnan(values)
    if condition.operator == "unknown":
        return ~known
    if condition.operator == "known":
        return known
    with np.errstate(invalid="ignore"):
        return known & _COMPARE[condition.operator](values, condition.value)


def choose_modes(rules: AnalysisRules, variables: dict[str, np.ndarray], size: int) -> np.ndarray:
    """The index of the first mode rule whose conditions all hold, for each item."""
    chosen = np.full(size, len(rules.modes) - 1, dtype=np.int64)
    undecided = np.ones(size, dtype=bool)
    for i, rule in enumerate(rules.modes):
        holds = undecided.copy()
        for condition in rule.conditions:
            holds &= _holds(condition, variables[condition.variable])
        chosen[holds] = i
        undecided &= ~holds
    return chosen


def analyse(a: ChainArrays, rules: AnalysisRules) -> ChainAnalysis:
    """Score every node, and rank the 问题清单 and the 技术清单 (``CycleError`` on a cycle)."""
    n = a.n
    height = heights(n, a.src, a.dst)
    descendants = descendant_counts(n, a.src, a.dst, height=height)
    criticality = descendants / (n - 1) if n > 1 else np.zeros(n)

    technology_control = np.full(n, np.nan)
    np.fmax.at(technology_control, a.tech_node, a.tech_control)
    maturity = np.full(n, np.nan)
    np.fmin.at(maturity, a.tech_node, a.tech_maturity)

    links = a.links
    local_firms = np.bincount(links.node, minlength=n)
    with np.errstate(invalid="ignore"):
        capable = np.bincount(links.node[links.capability >= rules.capable_min], minlength=n)
    leader_level = np.full(n, np.nan)
    np.fmax.at(leader_level, links.node, links.capability)
    leader_level[local_firms == 0] = 0.0  # none found in the registry: a finding, not unknown
    leader_link = np.full(n, -1, dtype=np.int64)
    if len(links):
        order = np.lexsort((-np.nan_to_num(links.capability, nan=-1.0), links.node))
        firsts = order[np.r_[True, np.diff(links.node[order]) != 0]]
        leader_link[links.node[firsts]] = firsts
    local_capability = leader_level / 4.0

    dimensions = np.column_stack(
        [
            technology_control,
            a.import_dependence,
            criticality,
            1.0 - local_capability,
            1.0 - a.domestic_capability,
        ]
    )
    weights = np.array([rules.weights[name] for name in WEIGHTS], dtype=np.float64)
    score, completeness = _weighted_mean(dimensions, weights)

    in_class = np.array([c in rules.problem_classes for c in a.problem_class], dtype=bool)
    with np.errstate(invalid="ignore"):
        on_a_dimension = (technology_control >= rules.problem_min_dimension) | (
            a.import_dependence >= rules.problem_min_dimension
        )
        in_problem_list = in_class & (score >= rules.problem_min_score) & on_a_dimension
    domestic_suppliers = np.array([len(s) for s in a.domestic_suppliers], dtype=np.float64)
    node_variables = {
        "score": score,
        "technology_control": technology_control,
        "import_dependence": a.import_dependence,
        "criticality": criticality,
        "maturity": maturity,
        "local_firms": local_firms.astype(np.float64),
        "capable_local_firms": capable.astype(np.float64),
        "leader_level": leader_level,
        "domestic_capability": a.domestic_capability,
        "domestic_suppliers": domestic_suppliers,
    }
    node_mode = choose_modes(rules, node_variables, n)
    scores = NodeScores(
        technology_control=technology_control,
        import_dependence=a.import_dependence,
        criticality=criticality,
        descendants=descendants,
        height=height,
        part=components(n, a.src, a.dst),
        maturity=maturity,
        local_firms=local_firms,
        capable_local_firms=capable,
        leader_level=leader_level,
        leader_link=leader_link,
        local_capability=local_capability,
        domestic_capability=a.domestic_capability,
        score=score,
        completeness=completeness,
        in_problem_list=in_problem_list,
        mode=node_mode,
    )
    result = ChainAnalysis(a.key, rules, a, scores, [], [])
    result.problems = _problem_items(result, node_variables)
    result.technologies = _technology_items(result, node_variables)
    return result


def _ranked(selected: np.ndarray, score: np.ndarray, tiebreak: np.ndarray) -> np.ndarray:
    """Indices of ``selected`` by score, then tiebreak, high first; then file order."""
    idx = np.flatnonzero(selected)
    return idx[np.lexsort((idx, -tiebreak[idx], -score[idx]))]


def _problem_items(result: ChainAnalysis, variables: dict[str, np.ndarray]) -> list[ProblemItem]:
    a, s, rules = result.arrays, result.nodes, result.rules
    items = []
    for rank, i in enumerate(_ranked(s.in_problem_list, s.score, s.criticality).tolist(), start=1):
        rule = rules.modes[s.mode[i]]
        values = {name: column[i] for name, column in variables.items()}
        zh, en = _reason(rule, values, a, s, i, None)
        dims = [
            DIMENSIONS[d][0]
            for d in DIMENSIONS
            if not np.isnan(values[d]) and values[d] >= rules.problem_min_dimension
        ]
        basis_zh, basis_en, unknown = _basis(a, s, i)
        leader = s.leader_link[i]
        items.append(
            ProblemItem(
                chain_key=a.key,
                node_key=a.node_keys[i],
                node_name=a.node_names[i],
                problem_class=a.problem_class[i].zh,
                rank=rank,
                score=round(float(s.score[i]), 4),
                dimensions=dims,
                technology_control=_num(s.technology_control[i]),
                import_dependence=_num(s.import_dependence[i]),
                criticality=round(float(s.criticality[i]), 4),
                local_firms=int(s.local_firms[i]),
                capable_local_firms=int(s.capable_local_firms[i]),
                leader=a.links.names[leader] if leader >= 0 else None,
                foreign_suppliers=list(a.foreign_suppliers[i]),
                mode=rule.mode.zh,
                mode_en=rule.mode.en,
                reason_zh=zh,
                reason_en=en,
                basis_zh=basis_zh,
                basis_en=basis_en,
                unknown=unknown,
            )
        )
    return items


def _technology_items(
    result: ChainAnalysis, node_variables: dict[str, np.ndarray]
) -> list[TechnologyItem]:
    a, s, rules = result.arrays, result.nodes, result.rules
    node = a.tech_node
    if len(node) == 0:
        return []
    immaturity = 1.0 - (a.tech_maturity - 1.0) / 8.0
    columns = np.column_stack([s.score[node], a.tech_control, immaturity])
    weights = np.array(
        [rules.technology_weights[name] for name in ("node", "control", "immaturity")]
    )
    score, _ = _weighted_mean(columns, weights)
    with np.errstate(invalid="ignore"):
        selected = (score >= rules.technology_min_score) & (
            s.in_problem_list[node] | (a.tech_control >= rules.technology_min_control)
        )
    variables = {name: column[node] for name, column in node_variables.items()}
    variables |= {"score": score, "technology_control": a.tech_control, "maturity": a.tech_maturity}
    mode = choose_modes(rules, variables, len(node))
    items = []
    for rank, t in enumerate(_ranked(selected, score, s.score[node]).tolist(), start=1):
        i = int(node[t])
        rule = rules.modes[mode[t]]
        values = {name: column[t] for name, column in variables.items()}
        zh, en = _reason(rule, values, a, s, i, a.tech_names[t])
        items.append(
            TechnologyItem(
                chain_key=a.key,
                node_key=a.node_keys[i],
                node_name=a.node_names[i],
                technology_name=a.tech_names[t],
                rank=rank,
                score=round(float(score[t]), 4),
                mode=rule.mode.zh,
                mode_en=rule.mode.en,
                reason_zh=zh,
                reason_en=en,
                technology_name_en=a.tech_names_en[t],
                control=_num(a.tech_control[t]),
                maturity=_int(a.tech_maturity[t]),
                node_score=_num(s.score[i]),
                in_problem_list=bool(s.in_problem_list[i]),
            )
        )
    return items


# --- wording -------------------------------------------------------------------------------


def _percent(value: float, unknown: str) -> str:
    return unknown if isnan(value) else f"{float(value):.0%}"


def _names(names: list[str], none: str) -> str:
    return "、".join(names[:3]) + ("等" if len(names) > 3 else "") if names else none


_PERCENTS = frozenset(
    {"import_dependence", "technology_control", "criticality", "domestic_capability"}
)
_LEVEL_NAMES = {member.level: (member.zh, member.en) for member in Capability}


@lru_cache(maxsize=256)
def _fields(template: str) -> tuple[str, ...]:
    return tuple(name for _, name, _, _ in string.Formatter().parse(template) if name)


def _reason(
    rule, values: dict[str, float], a: ChainArrays, s: NodeScores, i: int, technology: str | None
) -> tuple[str, str]:
    """The rule's reason in Chinese and English, filled with this item's figures and names
    (only the placeholders the templates use are worked out)."""
    texts = []
    for template, language, unknown, none in (
        (rule.reason_zh, 0, "未知", "无"),
        (rule.reason_en, 1, "unknown", "none"),
    ):
        fill = {}
        for name in _fields(template):
            if name in _PERCENTS:
                fill[name] = _percent(values[name], unknown)
            elif name == "score":
                fill[name] = unknown if isnan(values[name]) else f"{values[name]:.2f}"
            elif name in values:
                fill[name] = unknown if isnan(values[name]) else f"{values[name]:g}"
            elif name == "node":
                fill[name] = a.node_names[i]
            elif name == "technology":
                fill[name] = technology or a.node_names[i]
            elif name == "leader":
                leader = s.leader_link[i]
                fill[name] = a.links.names[leader] if leader >= 0 else none
            elif name == "leader_level_name":
                level = s.leader_level[i]
                fill[name] = (
                    _LEVEL_NAMES[int(level)][language]
                    if level >= 1
                    else none
                    if level == 0
                    else unknown
                )
            elif name == "domestic_supplier_names":
                fill[name] = _names(a.domestic_suppliers[i], none)
            elif name == "foreign_supplier_names":
                fill[name] = _names(a.foreign_suppliers[i], none)
        texts.append(template.format(**fill))
    return texts[0], texts[1]


def _basis(a: ChainArrays, s: NodeScores, i: int) -> tuple[str, str, list[str]]:
    """Why the node scores as it does: each dimension's figure; and what was unknown."""
    zh, en, unknown = [], [], []
    for name, value, suffix_zh, suffix_en in (
        ("technology_control", s.technology_control[i], "", ""),
        (
            "import_dependence",
            s.import_dependence[i],
            f"（{_names(a.foreign_suppliers[i], '')}）" if a.foreign_suppliers[i] else "",
            f" ({_names(a.foreign_suppliers[i], '')})" if a.foreign_suppliers[i] else "",
        ),
        ("criticality", s.criticality[i], "", ""),
        ("domestic_capability", s.domestic_capability[i], "", ""),
    ):
        label_zh, label_en = _LABELS[name]
        if np.isnan(value):
            unknown.append(label_zh)
            zh.append(f"{label_zh}未知")
            en.append(f"{label_en} unknown")
        else:
            zh.append(f"{label_zh}{value:.0%}{suffix_zh}")
            en.append(f"{label_en} {value:.0%}{suffix_en}")
    level = s.leader_level[i]
    if np.isnan(level):
        unknown.append("本地能力")
        zh.append("本地能力未知")
        en.append("local capability unknown")
    else:
        zh.append(
            f"本地关联企业{int(s.local_firms[i])}家（有能力{int(s.capable_local_firms[i])}家）"
        )
        en.append(
            f"{int(s.local_firms[i])} local firms linked ({int(s.capable_local_firms[i])} capable)"
        )
    return "；".join(zh), "; ".join(en), unknown


_LABELS = {
    "technology_control": ("技术受制程度", "technology controlled"),
    "import_dependence": ("进口依赖度", "import dependence"),
    "criticality": ("下游依赖度", "downstream share"),
    "domestic_capability": ("国内供给能力", "domestic capability"),
}


# --- entry points for other areas ----------------------------------------------------------


def analyse_chain(
    engine: Engine | None,
    chain: ChainSpec,
    rules: AnalysisRules | None = None,
    registry: list | None = None,
) -> ChainAnalysis:
    """Analyse ``chain`` with the registry's enterprises linked (none when ``engine`` is None;
    ``registry``: ``linking.registry_rows`` read once for several chains)."""
    rules = rules or load_rules()
    links = resolve_links(engine, chain, rules, registry)
    return analyse(arrays_from_spec(chain, links, rules), rules)


def technology_list(
    engine: Engine | None, chain_key: str, rules: AnalysisRules | None = None
) -> list[TechnologyItem]:
    """The ranked 技术清单 of a chain (the database's current version, else the shipped map).

    Used by the matching area to turn technologies into 揭榜挂帅 challenges.
    """
    from .catalogue import resolve_chain

    chain = resolve_chain(engine, chain_key)
    return analyse_chain(engine, chain, rules).technologies


def problem_list(
    engine: Engine | None, chain_key: str, rules: AnalysisRules | None = None
) -> list[ProblemItem]:
    """The ranked 问题清单 of a chain."""
    from .catalogue import resolve_chain

    return analyse_chain(engine, resolve_chain(engine, chain_key), rules).problems


__all__ = [
    "ChainAnalysis",
    "ChainArrays",
    "Mode",
    "ProblemItem",
    "TechnologyItem",
    "analyse",
    "analyse_chain",
    "problem_list",
    "technology_list",
]


def record_analysis(
    engine: Engine,
    chain: ChainSpec,
    result,
    rule_set: AnalysisRules,
    version: int | None,
    output,
    *,
    actor: str,
) -> None:
    """Write the analysis to the audit log: which chain version, which rules, what was found."""
    from ..store.audit import Action, audit
    from ..store.db import session_scope

    with session_scope(engine) as session:
        audit(
            session,
            actor=actor,
            action=Action.CHAIN_ANALYSE,
            subject=f"chain:{chain.key}",
            detail={
                "version": version,
                "rules": rule_set.source,
                "rules_sha256": rule_set.sha256,
                "problems": len(result.problems),
                "technologies": len(result.technologies),
                "output": str(output) if output else None,
            },
        )
