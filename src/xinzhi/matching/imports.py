"""Importing the experts, results and demands lists: every row checked, then all or nothing.

The registry's readers, header binding and error report are reused as they are; what is
particular here is that a row also writes its links (a result's experts and patents) and
names records of other areas (districts, enterprises, chain nodes). Lists hold hundreds or
thousands of rows, so the write is plain ORM in one transaction: unchanged rows are left
alone, changed rows are updated with their new provenance, and the batch is in the audit log.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from ..domain.errors import InvalidValue
from ..domain.values import from_fen
from ..ingest.columns import CreditCodeChecker
from ..ingest.headers import bind_header, is_header_row
from ..ingest.kinds import Kind
from ..ingest.pipeline import MAX_ERRORS, ImportResult, RowError, file_sha256
from ..ingest.readers import ImportFileError, Table, open_table
from ..store.audit import Action, audit
from ..store.db import session_scope
from ..store.models import (
    CreditCodeVerification,
    District,
    Enterprise,
    ImportBatch,
    utcnow,
)
from ..store.models.matching import (
    Expert,
    ResearchResult,
    ResultExpert,
    ResultPatent,
    TechnicalDemand,
)
from .chainlink import ChainInfo, load_chain_info
from .kinds import MATCHING_KINDS


@dataclass
class _Parsed:
    number: int  # spreadsheet row
    values: dict
    headers: dict[str, str]  # column name → header as written, for error messages


@dataclass
class _Context:
    kind: Kind
    result: ImportResult
    as_of: dt.date | None
    rows: list[_Parsed] = field(default_factory=list)

    def error(
        self,
        number: int | None,
        column: str | None,
        value,
        error: InvalidValue | None,
        zh: str = "",
        en: str = "",
        code: str = "invalid",
    ) -> None:
        if error is not None:
            zh, en, code = error.zh, error.en, error.code
        self.result.error_count += 1
        if len(self.result.errors) < MAX_ERRORS:
            shown = None if value is None else str(value)
            self.result.errors.append(RowError(number, column, shown, zh, en, code))


_MISSING_AS_OF = InvalidValue(
    "as_of_unknown",
    "数据所描述的日期未知：请增加“数据日期”列或使用 --as-of 指定",
    "the date the data describes is unknown: add an as_of (数据日期) column or pass --as-of",
)


def import_list(
    engine: Engine,
    kind_name: str,
    path: Path,
    *,
    actor: str,
    as_of: dt.date | None = None,
    source: str | None = None,
) -> ImportResult:
    """Import ``path`` as experts, results or demands; nothing is written unless all is valid."""
    path = Path(path)
    return _import(
        engine,
        kind_name,
        lambda: open_table(path),
        lambda: file_sha256(path),
        actor=actor,
        as_of=as_of,
        source=source or path.name,
    )


def import_rows(
    engine: Engine,
    kind_name: str,
    header: list[str],
    rows: list[list],
    *,
    actor: str,
    source: str,
    as_of: dt.date | None = None,
) -> ImportResult:
    """Import rows given in memory (a header and cells as a file would hold them), with the
    same checks and the same all-or-nothing write as a file; for generated lists (the demo)."""

    @contextmanager
    def table():
        yield Table(list(header), enumerate(rows, start=2))  # row 1 is the header

    def digest() -> str:
        text = json.dumps([header, rows], ensure_ascii=False, default=str)
        return hashlib.sha256(text.encode()).hexdigest()

    return _import(engine, kind_name, table, digest, actor=actor, as_of=as_of, source=source)


def _import(
    engine: Engine,
    kind_name: str,
    open_rows,
    sha256,
    *,
    actor: str,
    as_of: dt.date | None,
    source: str,
) -> ImportResult:
    kind = MATCHING_KINDS.get(kind_name)
    if kind is None:
        raise ImportFileError(
            f"未知的清单类型“{kind_name}”；可选：{'、'.join(MATCHING_KINDS)}",
            f"unknown list '{kind_name}'; one of: {', '.join(MATCHING_KINDS)}",
        )
    context = _Context(kind, ImportResult(kind.name, source), as_of)
    started = utcnow()
    with session_scope(engine) as session:
        verified = set(session.scalars(sa.select(CreditCodeVerification.credit_code)))
        _parse_file(context, open_rows, CreditCodeChecker(verified))
        _check_duplicates(context)
        resolved = _resolve(session, context)
        if not context.result.ok:
            session.rollback()
            return context.result
        writer = _WRITERS[kind.name]
        batch = ImportBatch(
            kind=f"match_{kind.name}",
            source=context.result.source,
            sha256=sha256(),
            actor=actor,
            started_at=started,
            finished_at=started,
            as_of=as_of,
            rows_total=context.result.rows,
            rows_inserted=0,
            rows_updated=0,
            rows_unchanged=0,
        )
        session.add(batch)
        session.flush()
        context.result.batch_id = batch.id
        for parsed in context.rows:
            outcome = writer(session, parsed, resolved, batch)
            setattr(context.result, outcome, getattr(context.result, outcome) + 1)
        result = context.result
        batch.rows_inserted, batch.rows_updated = result.inserted, result.updated
        batch.rows_unchanged, batch.finished_at = result.unchanged, utcnow()
        audit(
            session,
            actor=actor,
            action=Action.IMPORT,
            subject=f"{batch.kind}:{result.source}",
            detail={
                "batch_id": batch.id,
                "rows": result.rows,
                "inserted": result.inserted,
                "updated": result.updated,
                "unchanged": result.unchanged,
            },
        )
    return context.result


# --- parsing -------------------------------------------------------------------------------


def _parse_file(context: _Context, open_rows, checker: CreditCodeChecker) -> None:
    kind = context.kind
    with open_rows() as table:
        bound = bind_header(kind, table.header)
        headers = {b.column.name: b.header for b in bound}
        first = True
        for number, cells in table.rows:
            if first and is_header_row(kind, cells):
                first = False
                continue  # the template's English header row
            first = False
            context.result.rows += 1
            row: dict = {column.name: None for column in kind.columns}
            failed = bad_as_of = False
            for b in bound:
                raw = cells[b.index] if b.index < len(cells) else None
                if raw is None or (isinstance(raw, str) and not raw.strip()):
                    if b.column.required:
                        context.error(
                            number,
                            b.header,
                            None,
                            None,
                            "必填项为空",
                            "required value is blank",
                            "required",
                        )
                        failed = True
                    continue
                try:
                    row[b.column.name] = (b.column.parse or checker)(raw, b.scale)
                except InvalidValue as error:
                    context.error(number, b.header, raw, error)
                    failed = True
                    bad_as_of |= b.column.name == "as_of"
            row["as_of"] = row.get("as_of") or context.as_of
            if row["as_of"] is None and not bad_as_of:  # a bad date cell is reported already
                context.error(number, "数据日期 as_of", None, _MISSING_AS_OF)
                failed = True
            if not failed:
                context.rows.append(_Parsed(number, row, headers))
    if context.result.rows == 0:
        raise ImportFileError("文件没有数据行", "the file has no data rows")


def _check_duplicates(context: _Context) -> None:
    first: dict[str, int] = {}
    for parsed in context.rows:
        code = parsed.values["code"]
        if code in first:
            context.error(
                parsed.number,
                parsed.headers.get("code"),
                code,
                None,
                f"与第{first[code]}行重复（同一编号在文件中出现多次）",
                f"duplicates row {first[code]} (the same code appears twice in the file)",
                "duplicate_key",
            )
        else:
            first[code] = parsed.number


# --- references ----------------------------------------------------------------------------


@dataclass
class _Resolved:
    districts: dict[str, int] = field(default_factory=dict)  # name or code → id
    enterprises: dict[str, int] = field(default_factory=dict)  # credit code → id
    experts: dict[str, int] = field(default_factory=dict)  # code → id
    chains: ChainInfo = field(default_factory=ChainInfo)


def _resolve(session: Session, context: _Context) -> _Resolved:
    """Look up every district, enterprise, expert and chain node the rows name."""
    resolved = _Resolved()
    names: dict[str, list[int]] = {}
    for district in session.execute(sa.select(District.id, District.code, District.name)):
        resolved.districts[district.code] = district.id
        names.setdefault(district.name, []).append(district.id)
    resolved.districts.update({name: ids[0] for name, ids in names.items() if len(ids) == 1})
    wanted = {v for p in context.rows for v in [p.values.get("enterprise_code")] if v}
    if wanted:
        resolved.enterprises = dict(
            session.execute(
                sa.select(Enterprise.credit_code, Enterprise.id).where(
                    Enterprise.credit_code.in_(wanted)
                )
            ).all()
        )
    codes = {code for p in context.rows for code in p.values.get("experts") or ()}
    if codes:
        resolved.experts = dict(
            session.execute(sa.select(Expert.code, Expert.id).where(Expert.code.in_(codes))).all()
        )
    if any(p.values.get("chain_node") for p in context.rows):
        resolved.chains = load_chain_info(session.connection())
    good = []
    for parsed in context.rows:
        problems = list(_row_problems(parsed, resolved, names))
        for column, value, zh, en, code in problems:
            context.error(
                parsed.number, parsed.headers.get(column, column), value, None, zh, en, code
            )
        if not problems:
            good.append(parsed)
    context.rows = good
    return resolved


def _row_problems(parsed: _Parsed, resolved: _Resolved, district_names: dict[str, list[int]]):
    values = parsed.values
    district = values.get("district")
    if district and district not in resolved.districts:
        if len(district_names.get(district, ())) > 1:
            yield (
                "district",
                district,
                f"区县名称“{district}”不唯一，请填写6位区划代码",
                f"district name '{district}' is ambiguous: give its 6-digit code",
                "district_ambiguous",
            )
        else:
            yield (
                "district",
                district,
                f"未登记的区县“{district}”（请先导入区县）",
                f"unknown district '{district}' (import districts first)",
                "unknown_district",
            )
    code = values.get("enterprise_code")
    if code and code not in resolved.enterprises:
        yield (
            "enterprise_code",
            code,
            "未登记的企业（请先导入企业名录）",
            "unknown enterprise (import it in the enterprise registry first)",
            "unknown_enterprise",
        )
    missing = [e for e in values.get("experts") or () if e not in resolved.experts]
    if missing:
        yield (
            "experts",
            "、".join(missing),
            f"未登记的专家编号：{'、'.join(missing)}（请先导入专家）",
            f"unknown expert codes: {', '.join(missing)} (import the experts first)",
            "unknown_expert",
        )
    node = values.get("chain_node")
    if node and resolved.chains.resolve(node) is None:
        yield (
            "chain_node",
            node,
            f"未找到产业链节点“{node}”：请写“链代号/节点代号”或唯一的节点名称，并先导入产业链",
            (
                f"unknown chain node '{node}': write 'chain_key/node_key' or a unique node "
                "name, and import the chain first"
            ),
            "unknown_chain_node",
        )


# --- writing -------------------------------------------------------------------------------


def _apply(record, target: dict) -> bool:
    """Set the changed attributes; True if anything changed."""
    changed = False
    for name, value in target.items():
        if getattr(record, name) != value:
            setattr(record, name, value)
            changed = True
    return changed


def _upsert(
    session: Session,
    model,
    parsed: _Parsed,
    target: dict,
    batch: ImportBatch,
    links_changed=lambda record: False,
) -> tuple[object, str]:
    record = session.scalar(sa.select(model).where(model.code == parsed.values["code"]))
    provenance = {
        "source": batch.source,
        "source_row": parsed.number,
        "imported_at": utcnow(),
        "import_batch_id": batch.id,
    }
    if record is None:
        record = model(code=parsed.values["code"], **target, **provenance)
        session.add(record)
        session.flush()
        links_changed(record)
        return record, "inserted"
    changed = _apply(record, target)
    changed = links_changed(record) or changed
    if not changed:
        return record, "unchanged"
    _apply(record, provenance)
    return record, "updated"


def _district(parsed: _Parsed, resolved: _Resolved) -> int | None:
    name = parsed.values.get("district")
    return resolved.districts[name] if name else None


def _node(parsed: _Parsed, resolved: _Resolved) -> int | None:
    node = parsed.values.get("chain_node")
    return resolved.chains.resolve(node) if node else None


def _write_expert(session, parsed: _Parsed, resolved: _Resolved, batch) -> str:
    v = parsed.values
    target = {
        "name": v["name"],
        "institution": v["institution"],
        "title": v["title"],
        "fields": v["fields"],
        "district_id": _district(parsed, resolved),
        "as_of": v["as_of"],
    }
    return _upsert(session, Expert, parsed, target, batch)[1]


def _write_result(session, parsed: _Parsed, resolved: _Resolved, batch) -> str:
    v = parsed.values
    target = {
        "title": v["title"],
        "abstract": v["abstract"],
        "field": v["field"],
        "trl": v["trl"],
        "institution": v["institution"],
        "institution_code": v["institution_code"],
        "district_id": _district(parsed, resolved),
        "chain_node_id": _node(parsed, resolved),
        "as_of": v["as_of"],
    }
    experts = [resolved.experts[code] for code in v.get("experts") or ()]
    patents = sorted(v.get("patents") or ())

    def links(record: ResearchResult) -> bool:
        current = session.scalars(
            sa.select(ResultExpert.expert_id)
            .where(ResultExpert.result_id == record.id)
            .order_by(ResultExpert.position)
        ).all()
        have = session.scalars(
            sa.select(ResultPatent.number)
            .where(ResultPatent.result_id == record.id)
            .order_by(ResultPatent.number)
        ).all()
        if list(current) == experts and list(have) == patents:
            return False
        # Core deletes run at once, before the inserts below are flushed: no unique clash.
        session.execute(sa.delete(ResultExpert).where(ResultExpert.result_id == record.id))
        session.execute(sa.delete(ResultPatent).where(ResultPatent.result_id == record.id))
        session.add_all(
            ResultExpert(result_id=record.id, expert_id=e, position=i)
            for i, e in enumerate(experts)
        )
        session.add_all(ResultPatent(result_id=record.id, number=n) for n in patents)
        return True

    return _upsert(session, ResearchResult, parsed, target, batch, links)[1]


def _write_demand(session, parsed: _Parsed, resolved: _Resolved, batch) -> str:
    v = parsed.values
    target = {
        "enterprise_id": resolved.enterprises[v["enterprise_code"]],
        "title": v["title"],
        "description": v["description"],
        "field": v["field"],
        "budget": None if v["budget"] is None else from_fen(v["budget"]),
        "deadline": v["deadline"],
        "min_trl": v["min_trl"],
        "chain_node_id": _node(parsed, resolved),
        "as_of": v["as_of"],
    }
    return _upsert(session, TechnicalDemand, parsed, target, batch)[1]


_WRITERS = {"experts": _write_expert, "results": _write_result, "demands": _write_demand}
