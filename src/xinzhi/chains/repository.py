"""Chains in the database: every import or edit a new version, old versions kept.

Saving is one transaction, all or nothing. It checks what can only be checked against the
database — that credit codes name registered enterprises, and that a node dropped from the
map is not referred to by other records (technical demands, challenges …) — and then
writes the version (the whole map as JSON), the current map in the chain tables, an import
batch and an audit entry. Saving a map identical to the current version changes nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from ..store import models
from ..store.audit import Action, audit
from ..store.db import session_scope
from ..store.models.chains import (
    Chain,
    ChainEdge,
    ChainEnterpriseLink,
    ChainNode,
    ChainTechnology,
    ChainVersion,
)
from .fields import NODE_FIELDS, parse_fields
from .problems import ChainFileError, Origin, Problems
from .spec import ChainSpec
from .yamlio import chain_from_data, snapshot

MY_TABLES = {
    "chains",
    "chain_versions",
    "chain_nodes",
    "chain_edges",
    "chain_technologies",
    "chain_enterprise_links",
}


@dataclass
class SaveResult:
    chain_key: str
    version: int
    changed: bool  # False: identical to the current version, nothing written
    nodes_inserted: int = 0
    nodes_updated: int = 0
    nodes_unchanged: int = 0
    nodes_deleted: int = 0
    batch_id: int | None = None


@dataclass
class VersionInfo:
    version: int
    actor: str
    source: str
    imported_at: dt.datetime
    as_of: dt.date
    note: str | None
    node_count: int
    edge_count: int
    current: bool


def content_sha256(content: dict) -> str:
    text = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _has_tables(engine: Engine) -> bool:
    return sa.inspect(engine).has_table("chains")


def save_chain(
    engine: Engine,
    chain: ChainSpec,
    *,
    actor: str,
    source: str,
    as_of: dt.date | None = None,
    note: str | None = None,
    file_sha256: str | None = None,
    action: str = "chain.import",
) -> SaveResult:
    """Store ``chain`` as its new current version (``ChainFileError`` if it cannot be)."""
    problems = Problems()
    if chain.as_of is None:
        if as_of is None:
            problems.add(
                chain.origin,
                "as_of",
                None,
                "图谱所描述的日期未知：请在文件中填写“数据日期”或使用 --as-of 指定",
                "the date the map describes is unknown: fill in as_of or pass --as-of",
                "as_of_unknown",
            )
            raise ChainFileError(problems.items)
        chain.as_of = as_of
    started = models.utcnow()
    content = snapshot(chain)
    digest = content_sha256(content)
    with session_scope(engine) as session:
        ids_by_code, ids_by_name = _resolve_enterprises(session, chain, problems)
        record = session.scalar(sa.select(Chain).where(Chain.key == chain.key))
        old_nodes: dict[str, ChainNode] = {}
        old_content: dict = {}
        if record is not None:
            current = _version_row(session, record.id, record.version)
            if current is not None and current.sha256 == digest:
                return SaveResult(
                    chain.key, record.version, changed=False, nodes_unchanged=len(chain.nodes)
                )
            old_content = current.content if current is not None else {}
            old_nodes = {
                n.key: n
                for n in session.scalars(
                    sa.select(ChainNode).where(ChainNode.chain_id == record.id)
                )
            }
        keep = {node.key for node in chain.nodes}
        dropped = [node for key, node in old_nodes.items() if key not in keep]
        _check_not_referenced(session, chain, dropped, problems)
        problems.raise_if_any()

        if record is None:
            record = Chain(key=chain.key, name=chain.name, version=0)
            session.add(record)
        record.name, record.name_en, record.description = (
            chain.name,
            chain.name_en,
            chain.description,
        )
        record.version += 1
        record.updated_at = models.utcnow()
        session.flush()

        old_by_key = {n["key"]: n for n in old_content.get("nodes", [])}
        new_by_key = {n["key"]: n for n in content["nodes"]}
        inserted = sum(key not in old_by_key for key in new_by_key)
        unchanged = sum(old_by_key.get(key) == data for key, data in new_by_key.items())
        result = SaveResult(
            chain.key,
            record.version,
            changed=True,
            nodes_inserted=inserted,
            nodes_updated=len(new_by_key) - inserted - unchanged,
            nodes_unchanged=unchanged,
            nodes_deleted=len(dropped),
        )
        batch = models.ImportBatch(
            kind="chain",
            source=source,
            sha256=file_sha256,
            actor=actor,
            started_at=started,
            finished_at=models.utcnow(),
            as_of=chain.as_of,
            rows_total=len(chain.nodes),
            rows_inserted=inserted,
            rows_updated=result.nodes_updated,
            rows_unchanged=unchanged,
        )
        session.add(batch)
        session.flush()
        result.batch_id = batch.id
        session.add(
            ChainVersion(
                chain_id=record.id,
                version=record.version,
                actor=actor,
                note=note,
                sha256=digest,
                node_count=len(chain.nodes),
                edge_count=len(chain.edges),
                content=content,
                source=source,
                as_of=chain.as_of,
                import_batch_id=batch.id,
            )
        )
        _write_current(session, record, chain, old_nodes, dropped, ids_by_code, ids_by_name)
        audit(
            session,
            actor=actor,
            action=Action(action),
            subject=f"chain:{chain.key}",
            detail={
                "version": record.version,
                "sha256": digest,
                "source": source,
                "nodes": len(chain.nodes),
                "edges": len(chain.edges),
                "batch_id": batch.id,
                "inserted": inserted,
                "updated": result.nodes_updated,
                "deleted": len(dropped),
                "note": note,
            },
        )
    return result


def _version_row(session: Session, chain_id: int, version: int) -> ChainVersion | None:
    return session.scalar(
        sa.select(ChainVersion).where(
            ChainVersion.chain_id == chain_id, ChainVersion.version == version
        )
    )


def _resolve_enterprises(
    session: Session, chain: ChainSpec, problems: Problems
) -> tuple[dict[str, int], dict[str, int]]:
    enterprises = models.Enterprise.__table__.c
    links = [link for node in chain.nodes for link in node.enterprises]
    codes = sorted({link.credit_code for link in links if link.credit_code})
    names = sorted({link.enterprise_name for link in links})
    by_code = (
        dict(
            session.execute(
                sa.select(enterprises.credit_code, enterprises.id).where(
                    enterprises.credit_code.in_(codes)
                )
            ).all()
        )
        if codes
        else {}
    )
    by_name = (
        dict(
            session.execute(
                sa.select(enterprises.name, enterprises.id).where(enterprises.name.in_(names))
            ).all()
        )
        if names
        else {}
    )
    for link in links:
        if link.credit_code and link.credit_code not in by_code:
            problems.add(
                link.origin,
                "credit_code",
                link.credit_code,
                "未登记的企业（请先导入企业名录，或留空信用代码按名称关联）",
                "unknown enterprise (import it in the registry first, or leave the "
                "credit code blank to link by name)",
                "unknown_enterprise",
            )
    return by_code, by_name


def _check_not_referenced(
    session: Session, chain: ChainSpec, dropped: list[ChainNode], problems: Problems
) -> None:
    """A node dropped from the map must not be referred to by another area's records."""
    if not dropped:
        return
    ids = [node.id for node in dropped]
    key_of = {node.id: node.key for node in dropped}
    for table in models.Base.metadata.sorted_tables:
        if table.name in MY_TABLES:
            continue
        for fk in table.foreign_keys:
            if fk.column.table.name != "chain_nodes":
                continue
            rows = session.execute(
                sa.select(fk.parent, sa.func.count()).where(fk.parent.in_(ids)).group_by(fk.parent)
            ).all()
            for node_id, count in rows:
                problems.add(
                    chain.origin,
                    "nodes",
                    key_of[node_id],
                    f"节点“{key_of[node_id]}”被删除，但仍有{count}条“{table.name}”记录引用它："
                    "请保留该节点，或先修改这些记录",
                    f"node '{key_of[node_id]}' is dropped but {count} record(s) of "
                    f"'{table.name}' refer to it: keep the node or change them first",
                    "node_referenced",
                )


def _write_current(
    session: Session,
    record: Chain,
    chain: ChainSpec,
    old_nodes: dict[str, ChainNode],
    dropped: list[ChainNode],
    ids_by_code: dict[str, int],
    ids_by_name: dict[str, int],
) -> None:
    """Rewrite the current map; nodes keep their ids when their key is kept."""
    for node in dropped:
        session.delete(node)
    node_ids = [n.id for n in old_nodes.values()]
    if node_ids:
        session.execute(sa.delete(ChainEdge).where(ChainEdge.chain_id == record.id))
        session.execute(sa.delete(ChainTechnology).where(ChainTechnology.node_id.in_(node_ids)))
        session.execute(
            sa.delete(ChainEnterpriseLink).where(ChainEnterpriseLink.node_id.in_(node_ids))
        )
    session.flush()
    rows: dict[str, ChainNode] = {}
    for position, node in enumerate(chain.nodes):
        row = old_nodes.get(node.key) or ChainNode(chain_id=record.id, key=node.key)
        row.name, row.name_en = node.name, node.name_en
        row.segment, row.kind = node.segment.value, node.kind.value
        row.problem_class = node.effective_class.value
        row.domestic_status = node.domestic_status.value if node.domestic_status else None
        row.import_dependence = node.import_dependence
        row.foreign_suppliers, row.domestic_suppliers = (
            node.foreign_suppliers,
            node.domestic_suppliers,
        )
        row.keywords, row.industry_codes = node.keywords, node.industry_codes
        row.platforms, row.illustrative = node.platforms, node.illustrative
        row.source, row.note, row.position = node.source, node.note, position
        session.add(row)
        rows[node.key] = row
    session.flush()
    session.add_all(
        ChainEdge(
            chain_id=record.id, source_node_id=rows[e.source].id, target_node_id=rows[e.target].id
        )
        for e in chain.edges
    )
    for node in chain.nodes:
        node_id = rows[node.key].id
        session.add_all(
            ChainTechnology(
                node_id=node_id,
                name=t.name,
                name_en=t.name_en,
                control=t.control,
                maturity=t.maturity,
                illustrative=t.illustrative,
                note=t.note,
            )
            for t in node.technologies
        )
        session.add_all(
            ChainEnterpriseLink(
                node_id=node_id,
                enterprise_id=(
                    ids_by_code.get(link.credit_code)
                    if link.credit_code
                    else ids_by_name.get(link.enterprise_name)
                ),
                credit_code=link.credit_code,
                enterprise_name=link.enterprise_name,
                capability=link.capability,
                role=link.role,
                illustrative=link.illustrative,
                note=link.note,
            )
            for link in node.enterprises
        )


# --- reading ---------------------------------------------------------------------------------


def load_chain(engine: Engine, key: str, version: int | None = None) -> ChainSpec | None:
    """The chain's current version (or ``version``) from the database; None if it has none."""
    if not _has_tables(engine):
        return None
    with session_scope(engine) as session:
        record = session.scalar(sa.select(Chain).where(Chain.key == key))
        if record is None:
            return None
        row = _version_row(session, record.id, version or record.version)
        if row is None:
            return None
        return chain_from_data(row.content, f"{key} v{row.version}")


def list_chains(engine: Engine) -> list[dict]:
    if not _has_tables(engine):
        return []
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(
                Chain.key,
                Chain.name,
                Chain.version,
                Chain.updated_at,
                ChainVersion.node_count,
                ChainVersion.edge_count,
                ChainVersion.as_of,
            )
            .join(
                ChainVersion,
                sa.and_(ChainVersion.chain_id == Chain.id, ChainVersion.version == Chain.version),
            )
            .order_by(Chain.key)
        ).all()
    return [row._asdict() for row in rows]


def versions(engine: Engine, key: str) -> list[VersionInfo]:
    if not _has_tables(engine):
        return []
    with session_scope(engine) as session:
        current = session.scalar(sa.select(Chain.version).where(Chain.key == key))
        rows = session.scalars(
            sa.select(ChainVersion)
            .join(Chain, Chain.id == ChainVersion.chain_id)
            .where(Chain.key == key)
            .order_by(ChainVersion.version)
        ).all()
    return [
        VersionInfo(
            r.version,
            r.actor,
            r.source,
            r.imported_at,
            r.as_of,
            r.note,
            r.node_count,
            r.edge_count,
            r.version == current,
        )
        for r in rows
    ]


def node_ids(engine: Engine, key: str) -> dict[str, int]:
    """Node key → ``chain_nodes.id`` of the chain's current map (for references to nodes)."""
    if not _has_tables(engine):
        return {}
    with engine.connect() as conn:
        return dict(
            conn.execute(
                sa.select(ChainNode.key, ChainNode.id)
                .join(Chain, Chain.id == ChainNode.chain_id)
                .where(Chain.key == key)
            ).all()
        )


EDITABLE = tuple(column for column in NODE_FIELDS if column.name != "key")


def edit_node(
    engine: Engine,
    key: str,
    node_key: str,
    changes: dict[str, object],
    *,
    actor: str,
    note: str | None = None,
) -> SaveResult:
    """Change fields of one node (raw values, parsed like a file's) as a new version."""
    from .problems import ChainNotFound

    chain = load_chain(engine, key)
    if chain is None:
        raise ChainNotFound(key)
    problems = Problems()
    origin = Origin(file=f"{key}/{node_key}")
    try:
        node = chain.node(node_key)
    except KeyError:
        problems.add(
            origin,
            "node",
            node_key,
            f"没有节点“{node_key}”",
            f"no node '{node_key}'",
            "unknown_node",
        )
        raise ChainFileError(problems.items) from None
    allowed = {column.name: column for column in EDITABLE}
    for name in changes:
        if name not in allowed:
            problems.add(
                origin,
                name,
                None,
                f"不可修改或未知的字段“{name}”",
                f"unknown or read-only field '{name}'",
                "unknown_field",
            )
    problems.raise_if_any()
    columns = tuple(allowed[name] for name in changes)
    parsed = parse_fields(columns, changes, origin, problems)
    problems.raise_if_any()
    for name, value in (parsed or {}).items():
        if name == "illustrative" and value is None:
            value = True
        setattr(
            node, name, [] if value is None and isinstance(getattr(node, name), list) else value
        )
    return save_chain(
        engine, chain, actor=actor, source=f"edit:{actor}", note=note, action="chain.edit"
    )
