"""Which local enterprises (and patents, platforms) belong to which chain node.

An enterprise is linked to a node explicitly — named in the chain file, by credit code or
by name, with the capability a bureau assessed — or by rule: its name contains one of the
node's keywords, or its GB/T 4754 industry code starts with one of the node's codes. A
firm linked by rule has not been assessed; its capability is the one ``analysis.yaml``
declares for such firms (higher for a high-tech enterprise), and it is marked inferred.

Text is matched set-at-a-time: one SQL query selects the rows that contain any of the
chain's terms, then Arrow compute tells, term by term over all those rows, which node each
row belongs to.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import sqlalchemy as sa
from sqlalchemy import Connection, Engine

from ..store import models
from .rules import AnalysisRules
from .spec import ChainSpec

EXPLICIT, KEYWORD, INDUSTRY_CODE = "explicit", "keyword", "industry_code"
BASIS_ZH = {EXPLICIT: "明确关联", KEYWORD: "名称关键词", INDUSTRY_CODE: "行业代码"}


@dataclass
class LinkTable:
    """Enterprise links of one chain, one entry per (node, enterprise)."""

    node: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    capability: np.ndarray = field(default_factory=lambda: np.zeros(0))  # NaN: unknown
    names: list[str] = field(default_factory=list)
    credit_codes: list[str | None] = field(default_factory=list)
    enterprise_ids: list[int | None] = field(default_factory=list)
    basis: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.node)

    @property
    def inferred(self) -> np.ndarray:
        return np.array([b != EXPLICIT for b in self.basis], dtype=bool)

    def at(self, node: int) -> list[int]:
        return np.flatnonzero(self.node == node).tolist()


def explicit_links(
    chain: ChainSpec,
    ids_by_code: dict[str, int] | None = None,
    ids_by_name: dict[str, int] | None = None,
) -> LinkTable:
    """The links the chain names itself, with the registry ids when they are known."""
    ids_by_code = ids_by_code or {}
    ids_by_name = ids_by_name or {}
    table = LinkTable()
    nodes, capabilities = [], []
    for i, node in enumerate(chain.nodes):
        for link in node.enterprises:
            nodes.append(i)
            capabilities.append(np.nan if link.capability is None else float(link.capability))
            table.names.append(link.enterprise_name)
            table.credit_codes.append(link.credit_code)
            found = ids_by_code.get(link.credit_code) if link.credit_code else None
            table.enterprise_ids.append(found or ids_by_name.get(link.enterprise_name))
            table.basis.append(EXPLICIT)
    table.node = np.array(nodes, dtype=np.int64)
    table.capability = np.array(capabilities, dtype=np.float64)
    return table


def match_terms(
    conn: Connection,
    columns: Sequence[sa.ColumnElement],
    text: sa.ColumnElement,
    terms: list[list[str]],
    code: sa.ColumnElement | None = None,
    prefixes: list[list[str]] | None = None,
    rows: list | None = None,
):
    """Rows whose ``text`` contains one of node i's ``terms[i]`` (or whose ``code`` starts with
    one of ``prefixes[i]``), as (rows, node index array, row index array, length of the longest
    term matched — 0 when only the code matched).

    Case is ignored for Latin letters. ``rows``: the same select fetched once already (several
    chains matched against one registry read).
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    prefixes = prefixes or [[] for _ in terms]
    empty = ([], np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64))
    if not any(terms) and not (code is not None and any(prefixes)):
        return empty
    # All rows, filtered here: a WHERE of a hundred LIKEs costs SQLite far more than the fetch.
    selected = [*columns, text] + ([code] if code is not None else [])
    if rows is None:
        rows = conn.execute(sa.select(*selected)).all()
    if not rows:
        return empty
    texts = pa.array([row[len(columns)] or "" for row in rows], pa.string())
    codes = pa.array([row[-1] or "" for row in rows], pa.string()) if code is not None else None
    node_parts, row_parts, term_parts = [], [], []
    for i, (node_terms, node_prefixes) in enumerate(zip(terms, prefixes, strict=True)):
        longest = np.zeros(len(rows), dtype=np.int64)
        for term in node_terms:
            found = pc.match_substring(texts, term, ignore_case=True).to_numpy(zero_copy_only=False)
            longest = np.where(found, np.maximum(longest, len(term)), longest)
        by_code = np.zeros(len(rows), dtype=bool)
        if codes is not None:
            for prefix in node_prefixes:
                by_code |= pc.starts_with(codes, prefix).to_numpy(zero_copy_only=False)
        hit = np.flatnonzero((longest > 0) | by_code)
        node_parts.append(np.full(len(hit), i, dtype=np.int64))
        row_parts.append(hit)
        term_parts.append(longest[hit])
    return (rows, np.concatenate(node_parts), np.concatenate(row_parts), np.concatenate(term_parts))


def most_specific(rows: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Which matches to keep: for a row matched by name at several nodes, only the node(s)
    whose keyword was longest ("特种机器人" beats "机器人"); code-only matches (length 0) stay."""
    best = np.zeros(int(rows.max()) + 1 if len(rows) else 0, dtype=np.int64)
    np.maximum.at(best, rows, lengths)
    return (lengths == 0) | (lengths == best[rows])


_E = models.Enterprise.__table__.c
# What keyword and code linking reads of each enterprise, in ``match_terms``' order.
REGISTRY_COLUMNS = (_E.id, _E.credit_code, _E.hnte_certificate_no.is_not(None))


def registry_rows(engine: Engine) -> list:
    """The registry as keyword linking reads it: fetch once to link several chains."""
    with engine.connect() as conn:
        return conn.execute(sa.select(*REGISTRY_COLUMNS, _E.name, _E.industry_code)).all()


def resolve_links(
    engine: Engine | None, chain: ChainSpec, rules: AnalysisRules, registry: list | None = None
) -> LinkTable:
    """Explicit links plus the registry's enterprises linked by keyword or industry code
    (``registry``: ``registry_rows`` fetched once for several chains)."""
    if engine is None:
        return explicit_links(chain)
    enterprises = models.Enterprise.__table__.c
    with engine.connect() as conn:
        codes = [
            link.credit_code
            for node in chain.nodes
            for link in node.enterprises
            if link.credit_code
        ]
        names = [link.enterprise_name for node in chain.nodes for link in node.enterprises]
        ids_by_code = (
            dict(
                conn.execute(
                    sa.select(enterprises.credit_code, enterprises.id).where(
                        enterprises.credit_code.in_(codes)
                    )
                ).all()
            )
            if codes
            else {}
        )
        ids_by_name = (
            dict(
                conn.execute(
                    sa.select(enterprises.name, enterprises.id).where(enterprises.name.in_(names))
                ).all()
            )
            if names
            else {}
        )
        table = explicit_links(chain, ids_by_code, ids_by_name)
        rows, node, row, length = match_terms(
            conn,
            list(REGISTRY_COLUMNS),
            enterprises.name,
            [n.keywords for n in chain.nodes],
            enterprises.industry_code,
            [n.industry_codes for n in chain.nodes],
            rows=registry,
        )
    keep = most_specific(row, length)
    node, row, length = node[keep], row[keep], length[keep]
    explicit = {(n, e) for n, e in zip(table.node.tolist(), table.enterprise_ids) if e is not None}
    nodes, capabilities = table.node.tolist(), table.capability.tolist()
    for n, r, term in zip(node.tolist(), row.tolist(), length.tolist()):
        enterprise_id, credit_code, hnte, name = rows[r][0], rows[r][1], rows[r][2], rows[r][3]
        if (n, enterprise_id) in explicit:
            continue
        nodes.append(n)
        capabilities.append(rules.inferred_hnte if hnte else rules.inferred_other)
        table.names.append(name)
        table.credit_codes.append(credit_code)
        table.enterprise_ids.append(enterprise_id)
        table.basis.append(KEYWORD if term else INDUSTRY_CODE)
    table.node = np.array(nodes, dtype=np.int64)
    table.capability = np.array(capabilities, dtype=np.float64)
    return table
