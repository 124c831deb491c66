"""The innovation chain: what each node of an industry chain can draw on — patents held in
the city, innovation platforms, and (when the matching area has them) research results,
their experts and open technical demands.

Patents and platforms are linked by the node's keywords in their titles and names (the most
specific keyword wins, as for enterprises); platforms also when the chain names them or
when an enterprise linked to the node hosts them. Research results and demands are linked
by their own ``chain_node_id``. Tables of the matching area are read by reflection, so this
works whether or not they exist yet.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import sqlalchemy as sa
from sqlalchemy import Connection, Engine

from ..store import models
from .linking import LinkTable, match_terms, most_specific
from .spec import ChainSpec

EXAMPLES = 5  # items listed per node and kind; the counts are complete


@dataclass
class NodeInnovation:
    node_key: str
    patents: int = 0
    patent_examples: list[dict] = field(default_factory=list)
    platforms: list[dict] = field(default_factory=list)
    results: list[dict] = field(default_factory=list)
    experts: list[dict] = field(default_factory=list)
    demands: list[dict] = field(default_factory=list)


def innovation_chain(
    engine: Engine, chain: ChainSpec, links: LinkTable | None = None
) -> dict[str, NodeInnovation]:
    out = {node.key: NodeInnovation(node.key) for node in chain.nodes}
    terms = [node.match_terms for node in chain.nodes]
    with engine.connect() as conn:
        _patents(conn, chain, terms, out)
        _platforms(conn, chain, terms, links, out)
        _matching_records(conn, chain, out)
    return out


def _patents(conn: Connection, chain: ChainSpec, terms, out) -> None:
    ip = models.IPRight.__table__.c
    enterprises = models.Enterprise.__table__.c
    rows, node, row, length = match_terms(
        conn, [ip.number, ip.kind, ip.enterprise_id], ip.title, terms
    )
    keep = most_specific(row, length)
    node, row = node[keep], row[keep]
    counts = np.bincount(node, minlength=len(chain.nodes))
    owners = {}
    example_rows = []
    for i in range(len(chain.nodes)):
        picks = row[node == i][:EXAMPLES].tolist()
        example_rows.append(picks)
        owners.update((rows[r][2], None) for r in picks)
    if owners:
        owners = dict(
            conn.execute(
                sa.select(enterprises.id, enterprises.name).where(enterprises.id.in_(list(owners)))
            ).all()
        )
    for i, n in enumerate(chain.nodes):
        out[n.key].patents = int(counts[i])
        out[n.key].patent_examples = [
            {
                "number": rows[r][0],
                "kind": rows[r][1],
                "title": rows[r][3],
                "owner": owners.get(rows[r][2]),
            }
            for r in example_rows[i]
        ]


def _platforms(conn: Connection, chain: ChainSpec, terms, links: LinkTable | None, out) -> None:
    p = models.Platform.__table__.c
    rows, node, row, length = match_terms(
        conn, [p.id, p.kind, p.level, p.enterprise_id], p.name, terms
    )
    keep = most_specific(row, length)
    found: dict[int, dict[int, dict]] = {i: {} for i in range(len(chain.nodes))}
    for i, r in zip(node[keep].tolist(), row[keep].tolist()):
        found[i][rows[r][0]] = _platform(rows[r], "keyword")
    named = sorted({name for n in chain.nodes for name in n.platforms})
    hosts = {e for e in (links.enterprise_ids if links else []) if e is not None}
    extra = (
        conn.execute(
            sa.select(p.id, p.kind, p.level, p.enterprise_id, p.name).where(
                sa.or_(p.name.in_(named), p.enterprise_id.in_(sorted(hosts)))
            )
        ).all()
        if named or hosts
        else []
    )
    by_host: dict[int, list] = {}
    for platform in extra:
        by_host.setdefault(platform[3], []).append(platform)
    for i, n in enumerate(chain.nodes):
        for platform in extra:
            if platform[4] in n.platforms:
                found[i][platform[0]] = _platform(platform, "named")
        if links is not None:
            for link in links.at(i):
                for platform in (
                    by_host.get(links.enterprise_ids[link], [])
                    if links.enterprise_ids[link]
                    else []
                ):
                    found[i].setdefault(platform[0], _platform(platform, "host"))
        out[n.key].platforms = sorted(
            found[i].values(), key=lambda x: (x["level"] != "national", x["name"])
        )


def _platform(row, basis: str) -> dict:
    return {"id": row[0], "kind": row[1], "level": row[2], "name": row[4], "basis": basis}


def _matching_records(conn: Connection, chain: ChainSpec, out) -> None:
    """Research results, their experts and technical demands that name a node of the chain."""
    inspector = sa.inspect(conn)
    node_ids = dict(
        conn.execute(
            sa.select(models.chains.ChainNode.id, models.chains.ChainNode.key)
            .join(models.chains.Chain, models.chains.Chain.id == models.chains.ChainNode.chain_id)
            .where(models.chains.Chain.key == chain.key)
        ).all()
    )
    if not node_ids:
        return
    metadata = sa.MetaData()
    if inspector.has_table("research_results"):
        results = sa.Table("research_results", metadata, autoload_with=conn)
        if {"chain_node_id", "title"} <= set(results.c.keys()):
            extra = [results.c[c] for c in ("trl", "institution") if c in results.c]
            rows = conn.execute(
                sa.select(results.c.id, results.c.chain_node_id, results.c.title, *extra)
                .where(results.c.chain_node_id.in_(list(node_ids)))
                .order_by(results.c.id)
            ).all()
            for r in rows:
                item = {"id": r[0], "title": r[2]} | {c.name: r[3 + k] for k, c in enumerate(extra)}
                out[node_ids[r[1]]].results.append(item)
            _experts(conn, inspector, metadata, rows, node_ids, out)
    if inspector.has_table("technical_demands"):
        demands = sa.Table("technical_demands", metadata, autoload_with=conn)
        if {"chain_node_id", "title"} <= set(demands.c.keys()):
            for r in conn.execute(
                sa.select(demands.c.id, demands.c.chain_node_id, demands.c.title)
                .where(demands.c.chain_node_id.in_(list(node_ids)))
                .order_by(demands.c.id)
            ).all():
                out[node_ids[r[1]]].demands.append({"id": r[0], "title": r[2]})


def _experts(conn, inspector, metadata, result_rows, node_ids, out) -> None:
    if not result_rows or not (
        inspector.has_table("research_result_experts") and inspector.has_table("experts")
    ):
        return
    link = sa.Table("research_result_experts", metadata, autoload_with=conn)
    experts = sa.Table("experts", metadata, autoload_with=conn)
    if not ({"result_id", "expert_id"} <= set(link.c.keys()) and "name" in experts.c):
        return
    node_of_result = {r[0]: node_ids[r[1]] for r in result_rows}
    institution = experts.c.institution if "institution" in experts.c else sa.null()
    rows = conn.execute(
        sa.select(link.c.result_id, experts.c.id, experts.c.name, institution)
        .join(experts, experts.c.id == link.c.expert_id)
        .where(link.c.result_id.in_(list(node_of_result)))
    ).all()
    seen: set[tuple[str, int]] = set()
    for result_id, expert_id, name, inst in rows:
        key = node_of_result[result_id]
        if (key, expert_id) not in seen:
            seen.add((key, expert_id))
            out[key].experts.append({"id": expert_id, "name": name, "institution": inst})
