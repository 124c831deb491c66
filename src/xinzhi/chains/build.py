"""From parsed records to a ``ChainSpec``, and the checks across records.

Both readers (YAML and .xlsx) parse their records with ``fields.parse_fields`` and hand
them here: duplicate node keys, edges and technologies, references to unknown nodes,
self-loops and cycles are found over the whole chain, and every one is reported with the
place it was read.
"""

from __future__ import annotations

import numpy as np

from .graph import find_cycles
from .problems import Origin, Problems
from .spec import ChainSpec, EdgeSpec, LinkSpec, NodeSpec, TechnologySpec

Record = tuple[dict, Origin]


def _or_true(value: bool | None) -> bool:
    return True if value is None else value  # unconfirmed unless a bureau says otherwise


def node_from_record(fields: dict, origin: Origin) -> NodeSpec:
    lists = ("foreign_suppliers", "domestic_suppliers", "keywords", "industry_codes", "platforms")
    values = {
        name: fields.get(name)
        for name in (
            "key",
            "name",
            "segment",
            "kind",
            "name_en",
            "problem_class",
            "domestic_status",
            "import_dependence",
            "source",
            "note",
        )
    }
    return NodeSpec(
        **values,
        **{name: fields.get(name) or [] for name in lists},
        illustrative=_or_true(fields.get("illustrative")),
        origin=origin,
    )


def technology_from_record(fields: dict, origin: Origin) -> TechnologySpec:
    return TechnologySpec(
        name=fields["name"],
        name_en=fields.get("name_en"),
        control=fields.get("control"),
        maturity=fields.get("maturity"),
        illustrative=_or_true(fields.get("illustrative")),
        note=fields.get("note"),
        origin=origin,
    )


def link_from_record(fields: dict, origin: Origin) -> LinkSpec:
    return LinkSpec(
        enterprise_name=fields["enterprise_name"],
        credit_code=fields.get("credit_code"),
        capability=fields.get("capability"),
        role=fields.get("role"),
        illustrative=_or_true(fields.get("illustrative")),
        note=fields.get("note"),
        origin=origin,
    )


def assemble(
    chain: ChainSpec,
    nodes: list[NodeSpec],
    edges: list[EdgeSpec],
    technologies: list[tuple[str, TechnologySpec]],
    links: list[tuple[str, LinkSpec]],
    problems: Problems,
    *,
    node_label: str = "node",
) -> ChainSpec:
    """Put the records together (technologies and links name their node by key) and check
    the whole; problems are added to ``problems``, the caller raises them."""
    by_key: dict[str, NodeSpec] = {}
    for node in nodes:
        if node.key in by_key:
            first = by_key[node.key].origin
            problems.add(
                node.origin,
                "key",
                node.key,
                f"节点代号重复（首次出现于{first.zh()}）",
                f"duplicate node key (first at {first.en()})",
                "duplicate_node",
            )
            continue
        by_key[node.key] = node
    for node_key, technology in technologies:
        node = _find(by_key, node_key, technology.origin, problems, node_label)
        if node is None:
            continue
        if any(t.name == technology.name for t in node.technologies):
            problems.add(
                technology.origin,
                "name",
                technology.name,
                f"节点“{node_key}”的关键技术重复",
                f"technology repeated at node '{node_key}'",
                "duplicate_technology",
            )
            continue
        node.technologies.append(technology)
    for node_key, link in links:
        node = _find(by_key, node_key, link.origin, problems, node_label)
        if node is None:
            continue
        same = [other for other in node.enterprises if _same_enterprise(other, link)]
        if same:
            problems.add(
                link.origin,
                "enterprise_name",
                link.enterprise_name,
                f"企业在节点“{node_key}”重复关联",
                f"enterprise linked twice to node '{node_key}'",
                "duplicate_link",
            )
            continue
        node.enterprises.append(link)
    seen_edges: dict[tuple[str, str], Origin] = {}
    kept: list[EdgeSpec] = []
    for edge in edges:
        ends = [
            _find(by_key, key, edge.origin, problems, name)
            for key, name in ((edge.source, "source"), (edge.target, "target"))
        ]
        if None in ends:
            continue
        if edge.source == edge.target:
            problems.add(
                edge.origin,
                "target",
                edge.target,
                "节点不能作为自身的投入",
                "a node cannot be an input to itself",
                "self_loop",
            )
            continue
        pair = (edge.source, edge.target)
        if pair in seen_edges:
            problems.add(
                edge.origin,
                "target",
                f"{edge.source} → {edge.target}",
                f"连接重复（首次出现于{seen_edges[pair].zh()}）",
                f"duplicate edge (first at {seen_edges[pair].en()})",
                "duplicate_edge",
            )
            continue
        seen_edges[pair] = edge.origin
        kept.append(edge)
    chain.nodes = list(by_key.values())
    chain.edges = kept
    if not problems:
        report_cycles(chain, problems)
    return chain


def _same_enterprise(a: LinkSpec, b: LinkSpec) -> bool:
    if a.credit_code and b.credit_code:
        return a.credit_code == b.credit_code
    return a.enterprise_name == b.enterprise_name


def _find(
    by_key: dict[str, NodeSpec], key: str, origin: Origin, problems: Problems, field_name: str
) -> NodeSpec | None:
    node = by_key.get(key)
    if node is None:
        problems.add(
            origin,
            field_name,
            key,
            f"未定义的节点代号“{key}”",
            f"unknown node key '{key}'",
            "unknown_node",
        )
    return node


def report_cycles(chain: ChainSpec, problems: Problems) -> None:
    """Report every cycle of "is input to" edges as a path of node keys; nothing loops."""
    index = {node.key: i for i, node in enumerate(chain.nodes)}
    src = np.array([index[e.source] for e in chain.edges], dtype=np.int64)
    dst = np.array([index[e.target] for e in chain.edges], dtype=np.int64)
    edge_origin = {(e.source, e.target): e.origin for e in chain.edges}
    for cycle in find_cycles(len(chain.nodes), src, dst):
        keys = [chain.nodes[i].key for i in cycle]
        path = " → ".join(keys)
        origin = edge_origin.get((keys[-2], keys[-1]), chain.origin)
        problems.add(
            origin,
            "edges",
            path,
            f"连接构成环路：{path}（产业链中的投入关系不能循环）",
            f"the edges form a cycle: {path} (inputs along a chain cannot loop)",
            "cycle",
        )
