"""An import as one transaction: parse and check every row, then write all or nothing.

Rows are parsed and checked in Python as they stream in, and the good ones are staged in a
temporary table (which lives outside the database file). Checks across rows — duplicate
keys, references to unknown enterprises — then run in SQL over the whole staged file.
Only if no error was found is the staging merged into the registry with one upsert on the
natural key; otherwise the transaction is rolled back and the database is untouched.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import Connection, Engine
from sqlalchemy.dialects import postgresql, sqlite

from ..domain.errors import InvalidValue
from ..domain.values import from_hundredths
from ..store import models
from ..store.audit import Action, audit
from ..store.models import utcnow
from ..store.models.search import refresh_enterprise_search
from ..store.types import ScaledDecimal
from . import columns as c
from . import fastpath
from .columns import CreditCodeChecker
from .errors import ImportFileError
from .headers import Bound, fold, is_header_row
from .kinds import KINDS, Kind, Ref
from .layout import DataRows, find_header
from .names import NAME_HEADERS, suggester
from .plan import Part, SavedMappings, plan
from .readers import Workbook, open_workbook

CHUNK = 20_000


@dataclass(frozen=True)
class RowError:
    """One problem, where it is: spreadsheet row and column as written in the file."""

    row: int | None
    column: str | None
    value: str | None
    zh: str
    en: str
    code: str = "invalid"
    sheet: str | None = None  # named when the file has several sheets


@dataclass
class PartResult:
    """One sheet imported as one kind: what the preview shows and the merge counted."""

    kind: str
    sheet: str
    source: str
    header_rows: tuple[int, ...] = ()
    unit: str = ""
    columns: list[tuple[str, str | None, str]] = field(default_factory=list)
    defaults: dict = field(default_factory=dict)
    mapping_name: str | None = None  # the saved mapping applied
    rows: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    batch_id: int | None = None


@dataclass
class ImportResult:
    kind: str
    source: str
    rows: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0  # may exceed len(errors): the report keeps the first MAX_ERRORS
    batch_id: int | None = None
    dry_run: bool = False  # checked and counted, then rolled back
    parts: list[PartResult] = field(default_factory=list)
    notices: list[tuple[str, str]] = field(default_factory=list)  # (zh, en): totals, notes …

    @property
    def ok(self) -> bool:
        return self.error_count == 0


MAX_ERRORS = 10_000


class _Errors:
    def __init__(self, result: ImportResult) -> None:
        self.result = result
        self.sheet: str | None = None

    def add(self, row, column, value, zh, en, code="invalid") -> None:
        self.result.error_count += 1
        if len(self.result.errors) < MAX_ERRORS:
            shown = None if value is None else str(value)
            self.result.errors.append(RowError(row, column, shown, zh, en, code, self.sheet))


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def import_file(
    engine: Engine,
    kind_name: str,
    path: Path,
    *,
    actor: str,
    as_of: dt.date | None = None,
    source: str | None = None,
    on_rows: Callable[[int], None] | None = None,
    sheet: str | None = None,
    year: int | None = None,
    dry_run: bool = False,
    mapping: dict[str, str | None] | None = None,
    save_mapping: str | None = None,
) -> ImportResult:
    """Import ``path`` as ``kind_name``; nothing is written unless every row is valid.

    A workbook's sheets (or ``sheet``) and a sheet's registry and yearly columns are parts of
    one transaction (``plan``). With ``dry_run`` everything is checked and counted, then
    rolled back. ``mapping`` maps headers to column names (None: ignore), as chosen on the
    upload page or saved for a sender; ``save_mapping`` saves it under that name when the
    import commits, for files with the same header row. Raises ``ImportFileError`` (with ``.parts``, the
    planned columns) when the file as a whole cannot be read.
    """
    kind = KINDS.get(kind_name)
    if kind is None:
        raise ImportFileError(
            f"未知的数据类型“{kind_name}”；可选：{'、'.join(KINDS)}",
            f"unknown kind '{kind_name}'; one of: {', '.join(KINDS)}",
        )
    fields = {column.name for k in KINDS.values() for column in k.columns}
    for header, target in (mapping or {}).items():
        if target is not None and target not in fields:
            raise ImportFileError(
                f"列“{header}”对应的字段“{target}”不存在", f"column '{header}': no field '{target}'"
            )
    path = Path(path)
    result = ImportResult(kind.name, source or path.name, dry_run=dry_run)
    errors = _Errors(result)
    started = utcnow()
    with open_workbook(path) as workbook:
        with engine.connect() as conn:
            saved = saved_mappings(conn)
        parts, notices = plan(workbook, kind, sheet=sheet, year=year, mapping=mapping, saved=saved)
        result.notices += notices
        several = len(workbook.sheet_names) > 1
        for part in parts:
            result.parts.append(
                PartResult(
                    part.kind.name,
                    part.sheet,
                    f"{result.source}#{part.sheet}" if several else result.source,
                    part.layout.header_rows,
                    part.layout.unit,
                    part.columns,
                    part.defaults,
                    part.mapping_name,
                )
            )
        problems = [
            (
                f"工作表“{part.sheet}”：{zh}" if several else zh,
                f"sheet '{part.sheet}': {en}" if several else en,
            )
            for part in parts
            for zh, en in part.binding.problems
        ]
        if problems:
            error = ImportFileError(
                "；".join(p[0] for p in problems), "; ".join(p[1] for p in problems)
            )
            error.parts = result.parts
            raise error
        sha256 = file_sha256(path)
        with engine.connect() as conn:
            transaction = conn.begin()
            try:
                lookups = _Lookups.load(conn)
                for number, (part, counted) in enumerate(zip(parts, result.parts, strict=True)):
                    errors.sheet = part.sheet if several else None
                    _import_part(
                        conn,
                        workbook,
                        part,
                        counted,
                        number,
                        lookups,
                        errors,
                        as_of,
                        on_rows,
                        actor=actor,
                        started=started,
                        sha256=sha256,
                        # a preview writes only what a later part reads (its enterprises)
                        write=not (dry_run and number + 1 == len(parts)),
                    )
                    if not result.ok:
                        if number + 1 < len(parts):
                            result.notices.append(
                                (
                                    "有错误：其后的部分未检查",
                                    "errors found: the parts after this one were not checked",
                                )
                            )
                        break
                for counted in result.parts:
                    result.rows += counted.rows
                    result.inserted += counted.inserted
                    result.updated += counted.updated
                    result.unchanged += counted.unchanged
                result.notices = list(dict.fromkeys(result.notices))  # a sheet's parts share notes
                main = next((p for p in result.parts if p.kind == kind.name), result.parts[0])
                result.batch_id = None if dry_run else main.batch_id
                if dry_run:  # batches a preview wrote for a later part are rolled back
                    for counted in result.parts:
                        counted.batch_id = None
                if not result.ok or dry_run:
                    transaction.rollback()
                    return result
                if save_mapping and mapping:
                    _save_mapping(conn, parts[0], save_mapping, mapping, actor)
                transaction.commit()
            except BaseException:
                if transaction.is_active:
                    transaction.rollback()
                raise
    return result


def saved_mappings(conn: Connection) -> SavedMappings:
    rows = conn.execute(
        sa.select(
            models.ImportMapping.kind,
            models.ImportMapping.headers_key,
            models.ImportMapping.name,
            models.ImportMapping.mapping,
        )
    ).all()
    return {(row.kind, row.headers_key): (row.name, row.mapping) for row in rows}


def _save_mapping(conn: Connection, part: Part, name: str, mapping: dict, actor: str) -> None:
    """Save (or replace) the mapping ``name`` for the header row of ``part``'s sheet."""
    table = models.ImportMapping.__table__
    kind = part.kind.name  # a mixed sheet's mapping belongs to its first kind (enterprises)
    conn.execute(table.delete().where(table.c.kind == kind, table.c.name == name))
    conn.execute(
        table.insert().values(
            kind=kind,
            name=name[:100],
            headers_key=part.headers_key,
            headers=part.layout.header,
            mapping=mapping,
            created_by=actor,
            created_at=utcnow(),
        )
    )
    audit(
        conn,
        actor=actor,
        action=Action.IMPORT_MAPPING_SAVE,
        subject=f"{kind}:{name[:100]}",
        detail={"headers": part.layout.header, "mapping": mapping},
    )


def _import_part(
    conn: Connection,
    workbook: Workbook,
    part: Part,
    counted: PartResult,
    number: int,
    lookups: _Lookups,
    errors: _Errors,
    as_of: dt.date | None,
    on_rows: Callable[[int], None] | None,
    **merge_args,
) -> None:
    """Stage, check and (if the whole file is good so far) merge one part."""
    kind = part.kind
    _, rest = find_header(kind, part.sheet, workbook.rows(part.sheet))
    data = DataRows(rest)
    bound = part.binding.bound
    staging = _create_staging(conn, kind, f"staging_{kind.name}_{number}")
    write = _staging_writer(conn, staging)
    names = {fold(header) for header in NAME_HEADERS}
    name_index = next((i for i, text in enumerate(part.layout.header) if fold(text) in names), None)
    parse_chunk = _chunk_parser(
        kind,
        bound,
        lookups,
        as_of,
        [column.name for column in staging.columns],
        part.defaults,
        suggester(conn),
        name_index,
    )
    before = errors.result.error_count
    for chunk in _chunks(kind, data):
        counted.rows += len(chunk)
        parsed = parse_chunk(chunk, errors)
        if parsed:
            write(parsed)
        if on_rows:
            on_rows(counted.rows)
    if counted.rows == 0:
        raise ImportFileError(
            f"工作表“{part.sheet}”没有数据行", f"the sheet '{part.sheet}' has no data rows"
        )
    notices = errors.result.notices
    for row, text in data.notes:
        notices.append(
            (f"第{row}行是表注，未导入：{text}", f"row {row} is a note, not imported: {text}")
        )
    _check_in_sql(conn, kind, staging, bound, errors)
    if errors.result.error_count > before:
        return
    for row, cells in data.totals:
        notices.append((f"第{row}行是合计行，未导入", f"row {row} is a totals row, not imported"))
        notices += _check_totals(conn, staging, bound, row, cells)
    _merge(conn, kind, staging, counted, as_of=as_of, **merge_args)
    if not merge_args["write"]:
        return
    if kind.name == "enterprises":  # the name search index commits with the import
        refresh_enterprise_search(conn, import_batch_id=counted.batch_id)
    staging.drop(conn)


def _check_totals(conn, staging: sa.Table, bound: list[Bound], row: int, cells: list) -> list:
    """Compare a totals row with the sums of its columns; each difference is a notice."""
    notices = []
    for b in bound:
        if not (b.column.money or b.column.parse in (c.count, c.headcount)) or b.index >= len(
            cells
        ):
            continue
        raw = cells[b.index]
        if raw is None or (raw.__class__ is str and not raw.strip()):
            continue
        actual = conn.scalar(sa.select(sa.func.coalesce(sa.func.sum(staging.c[b.column.name]), 0)))
        try:
            stated = b.column.parse(raw, b.scale)
        except InvalidValue as error:
            notices.append(
                (
                    f"第{row}行合计“{b.header}”无法读取（{error.zh}），未核对",
                    f"row {row}: the total of '{b.header}' cannot be read ({error.en}); not checked",
                )
            )
            continue
        if stated != actual:
            if b.column.money:
                shown = (f"{stated / 100:,.2f} 元", f"{actual / 100:,.2f} 元")
            elif b.column.parse is c.headcount:  # hundredths of a person
                shown = (f"{from_hundredths(stated):,}", f"{from_hundredths(int(actual)):,}")
            else:
                shown = (f"{stated:,}", f"{actual:,}")
            notices.append(
                (
                    f"第{row}行合计“{b.header}”为 {shown[0]}，与各行之和 {shown[1]} 不符",
                    f"row {row}: the total of '{b.header}' is {shown[0]}, the rows add up to {shown[1]}",
                )
            )
    return notices


# --- staging -----------------------------------------------------------------------------


def _staging_type(column: sa.Column):
    # Parsers already scale decimals to integers: skip the per-value bind processing.
    return sa.BigInteger() if isinstance(column.type, ScaledDecimal) else column.type


def _staging_columns(kind: Kind) -> list[sa.Column]:
    """The target's data columns, the file's reference codes, and the row's provenance."""
    target = kind.table.c
    names = list(kind.data_columns)
    columns = [sa.Column(name, _staging_type(target[name])) for name in names]
    for ref in kind.refs:
        if ref.column not in names:
            columns.append(sa.Column(ref.column, sa.String(200)))
    columns += [sa.Column("source_row", sa.Integer), sa.Column("as_of", sa.Date)]
    return columns


def _create_staging(conn: Connection, kind: Kind, name: str) -> sa.Table:
    staging = sa.Table(name, sa.MetaData(), *_staging_columns(kind), prefixes=["TEMPORARY"])
    staging.create(conn)
    return staging


def _staging_writer(conn: Connection, staging: sa.Table) -> Callable[[list[tuple]], None]:
    """Write parsed rows with the driver's executemany: SQLAlchemy's per-row parameter
    processing would cost more than the parsing itself on a million-row file."""
    names = [column.name for column in staging.columns]
    marker = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    sql = f"INSERT INTO {staging.name} ({', '.join(names)}) VALUES ({', '.join([marker] * len(names))})"
    dates = [i for i, column in enumerate(staging.columns) if isinstance(column.type, sa.Date)]
    as_text = conn.dialect.name == "sqlite"  # SQLAlchemy stores SQLite dates as ISO text

    def write(rows: list[tuple]) -> None:
        if as_text and dates:
            rows = [_dates_as_text(row, dates) for row in rows]
        conn.exec_driver_sql(sql, rows)

    return write


def _dates_as_text(row: tuple, positions: list[int]) -> tuple:
    values = list(row)
    for i in positions:
        if values[i] is not None:
            values[i] = values[i].isoformat()
    return tuple(values)


# --- per-row parsing -----------------------------------------------------------------------


@dataclass
class _Lookups:
    """Small reference tables held in memory for the row loop."""

    district_by_code: dict[str, int]
    districts_by_name: dict[str, list[int]]
    park_by_name: dict[str, int]
    regions: set[str]
    verified_codes: set[str]

    @classmethod
    def load(cls, conn: Connection) -> _Lookups:
        districts = conn.execute(
            sa.select(
                models.District.id, models.District.code, models.District.name, models.District.city
            )
        ).all()
        by_name: dict[str, list[int]] = {}
        for district in districts:
            by_name.setdefault(district.name, []).append(district.id)
        return cls(
            district_by_code={d.code: d.id for d in districts},
            districts_by_name=by_name,
            park_by_name=dict(conn.execute(sa.select(models.Park.name, models.Park.id)).all()),
            regions={d.name for d in districts} | {d.city for d in districts},
            verified_codes=set(
                conn.scalars(sa.select(models.CreditCodeVerification.credit_code)).all()
            ),
        )

    def resolve(self, ref: Ref, value: str) -> int | str:
        """The id (or, for a region, the name) a reference names; raise if it names nothing."""
        if ref.lookup == "district":
            if value in self.district_by_code:
                return self.district_by_code[value]
            ids = self.districts_by_name.get(value, [])
            if len(ids) == 1:
                return ids[0]
            if len(ids) > 1:
                raise InvalidValue(
                    "district_ambiguous",
                    f"区县名称“{value}”不唯一，请填写6位区划代码",
                    f"district name '{value}' is ambiguous: give its 6-digit code",
                )
            raise InvalidValue(
                "unknown_district",
                f"未登记的区县“{value}”（请先导入区县）",
                f"unknown district '{value}' (import districts first)",
            )
        if ref.lookup == "park":
            if value in self.park_by_name:
                return self.park_by_name[value]
            raise InvalidValue(
                "unknown_park",
                f"未登记的园区“{value}”（请先导入园区）",
                f"unknown park '{value}' (import parks first)",
            )
        if ref.lookup == "region":
            if value in self.regions:
                return value
            raise InvalidValue(
                "unknown_region",
                f"地区“{value}”既不是已登记城市也不是已登记区县",
                f"'{value}' is neither a registered city nor a registered district",
            )
        raise AssertionError(ref.lookup)


_MISSING_AS_OF = InvalidValue(
    "as_of_unknown",
    "数据所描述的日期未知：请增加“数据日期”列或使用 --as-of 指定",
    "the date the data describes is unknown: add an as_of (数据日期) column or pass --as-of",
)


def _chunk_parser(
    kind: Kind,
    bound: list[Bound],
    lookups: _Lookups,
    as_of: dt.date | None,
    order: list[str],
    defaults: dict | None = None,
    suggest: Callable[[object], tuple[str, str, str]] | None = None,
    name_index: int | None = None,
):
    """Build ``parse_chunk(chunk, errors)``: the chunk's staging tuples, errors reported.

    A row whose cells all have plain shapes is parsed vectorised (``fastpath``); any other
    row cell by cell (``parse``). Both then go through ``finish``: the row's cross-field
    checks, small references and as-of date.
    """
    checker = CreditCodeChecker(lookups.verified_codes)
    cells = [
        (b.index, b.header, b.column.name, b.column.parse or checker, b.column.required, b.scale)
        for b in bound
    ]
    absent = [c.name for c in kind.columns if c.name not in {b.column.name for b in bound}]
    header_of = {b.column.name: b.header for b in bound}
    python_refs = [ref for ref in kind.refs if ref.lookup != "enterprise"]
    enterprise_refs = [ref.target for ref in kind.refs if ref.lookup == "enterprise"]

    defaults = defaults or {}
    padding = tuple(defaults.get(name) for name in absent)  # --year for a file without 年度

    def parse(number: int, values: list, errors: _Errors) -> tuple | None:
        row: dict = dict(zip(absent, padding, strict=True))
        failed = False
        width = len(values)
        for index, header, name, parser, required, scale in cells:
            raw = values[index] if index < width else None
            # inline is_blank(): this loop runs once per cell of a million-row file
            if raw is None or (raw.__class__ is str and not raw.strip()):
                if required and name == "credit_code" and suggest and name_index is not None:
                    named = values[name_index] if name_index < width else None
                    errors.add(number, header, None, *suggest(named))  # never a silent match
                elif required:
                    errors.add(
                        number, header, None, "必填项为空", "required value is blank", "required"
                    )
                    failed = True
                row[name] = None
                continue
            try:
                row[name] = parser(raw, scale)
            except InvalidValue as error:
                errors.add(number, header, raw, error.zh, error.en, error.code)
                failed = True
        return None if failed else finish(number, row, errors)

    def finish(number: int, row: dict, errors: _Errors) -> tuple | None:
        failed = False
        for check in kind.row_checks:
            for name, error in check(row):
                errors.add(
                    number, header_of.get(name, name), row.get(name), error.zh, error.en, error.code
                )
                failed = True
        for ref in python_refs:
            value = row.get(ref.column)
            if value is None:
                if ref.target:
                    row[ref.target] = None
                continue
            try:
                resolved = lookups.resolve(ref, value)
            except InvalidValue as error:
                errors.add(number, header_of.get(ref.column), value, error.zh, error.en, error.code)
                failed = True
                continue
            if ref.target:
                row[ref.target] = resolved
        if row.get("as_of") is None:
            row["as_of"] = as_of or kind.default_as_of(row)
            if row["as_of"] is None:
                errors.add(
                    number,
                    "数据日期 as_of",
                    None,
                    _MISSING_AS_OF.zh,
                    _MISSING_AS_OF.en,
                    _MISSING_AS_OF.code,
                )
                failed = True
        if failed:
            return None
        for target in enterprise_refs:
            row[target] = None  # resolved in SQL over the whole file
        row["source_row"] = number
        return tuple([row[name] for name in order])

    vectorised = fastpath.applies(bound)
    names = [b.column.name for b in bound] + absent

    def parse_chunk(chunk: list[tuple[int, list]], errors: _Errors) -> list[tuple]:
        plain = (
            fastpath.parse_plain([cells for _, cells in chunk], bound, checker)
            if vectorised
            else None
        )
        parsed = []
        for i, (number, cells) in enumerate(chunk):
            if plain is not None and plain.plain[i]:
                row = finish(number, dict(zip(names, plain.values[i] + padding)), errors)
            else:
                row = parse(number, cells, errors)
            if row is not None:
                parsed.append(row)
        return parsed

    return parse_chunk


def _chunks(kind: Kind, rows: Iterable[tuple[int, list]]) -> Iterator[list[tuple[int, list]]]:
    """The data rows in chunks of CHUNK, for staging writes of a useful size."""
    first = True
    chunk: list[tuple[int, list]] = []
    for number, cells in rows:
        if first:
            first = False
            if is_header_row(kind, cells):
                continue  # the template's second (English) header row
        chunk.append((number, cells))
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


# --- checks over the whole file, in SQL ------------------------------------------------------


def _check_in_sql(
    conn: Connection, kind: Kind, staging: sa.Table, bound: list[Bound], errors: _Errors
) -> None:
    header_of = {b.column.name: b.header for b in bound}
    _check_duplicates(conn, kind, staging, header_of, errors)
    for ref in kind.refs:
        if ref.lookup == "enterprise":
            _resolve_enterprises(conn, ref, staging, header_of, errors)
    for check in SQL_CHECKS.get(kind.name, ()):
        check(conn, staging, header_of, errors)


def _check_duplicates(conn, kind: Kind, staging: sa.Table, header_of, errors: _Errors) -> None:
    keys = [staging.c[name] for name in kind.file_key]
    repeated = sa.select(*keys).group_by(*keys).having(sa.func.count() > 1).subquery()
    rows = conn.execute(
        sa.select(staging.c.source_row, *keys)
        .join(repeated, sa.and_(*[key == repeated.c[key.name] for key in keys]))
        .order_by(*keys, staging.c.source_row)
    ).all()
    first_row: dict[tuple, int] = {}
    label = " + ".join(header_of.get(name, name) for name in kind.file_key)
    for row in rows:
        key = tuple(row[1:])
        if key not in first_row:
            first_row[key] = row.source_row
            continue
        shown = " / ".join(str(part) for part in key)
        errors.add(
            row.source_row,
            label,
            shown,
            f"与第{first_row[key]}行重复（同一{label}在文件中出现多次）",
            f"duplicates row {first_row[key]} (the same {label} appears twice in the file)",
            "duplicate_key",
        )


def _resolve_enterprises(conn, ref: Ref, staging: sa.Table, header_of, errors: _Errors) -> None:
    enterprises = models.Enterprise.__table__
    code = staging.c[ref.column]
    conn.execute(
        staging.update()
        .where(code.is_not(None))
        .values(
            {
                ref.target: sa.select(enterprises.c.id)
                .where(enterprises.c.credit_code == code)
                .scalar_subquery()
            }
        )
    )
    if not ref.must_exist:
        return
    unknown = conn.execute(
        sa.select(staging.c.source_row, code)
        .where(code.is_not(None), staging.c[ref.target].is_(None))
        .order_by(staging.c.source_row)
    ).all()
    for row in unknown:
        errors.add(
            row.source_row,
            header_of.get(ref.column),
            row[1],
            "未登记的企业（请先导入企业名录）",
            "unknown enterprise (import it in the enterprise registry first)",
            "unknown_enterprise",
        )


def _year_not_before_founding(conn, staging, header_of, errors: _Errors) -> None:
    enterprises = models.Enterprise.__table__
    rows = conn.execute(
        sa.select(staging.c.source_row, staging.c.year, enterprises.c.founded_on)
        .join(enterprises, enterprises.c.id == staging.c.enterprise_id)
        .where(staging.c.year < sa.extract("year", enterprises.c.founded_on))
        .order_by(staging.c.source_row)
    ).all()
    for row in rows:
        errors.add(
            row.source_row,
            header_of.get("year"),
            row.year,
            f"年度早于企业成立日期 {row.founded_on}",
            f"the year is before the enterprise was founded ({row.founded_on})",
            "year_before_founding",
        )


def _one_party_registered(conn, staging, header_of, errors: _Errors) -> None:
    rows = conn.execute(
        sa.select(staging.c.source_row, staging.c.seller_code, staging.c.buyer_code)
        .where(staging.c.seller_enterprise_id.is_(None), staging.c.buyer_enterprise_id.is_(None))
        .order_by(staging.c.source_row)
    ).all()
    for row in rows:
        errors.add(
            row.source_row,
            header_of.get("seller_code", "seller_code"),
            row.seller_code or row.buyer_code,
            "买卖双方均不是已登记企业：本市登记的技术合同至少一方须在企业名录中",
            "neither seller nor buyer is a registered enterprise: a contract registered "
            "in the city must have at least one party in the registry",
            "no_registered_party",
        )


SQL_CHECKS = {
    "enterprise_years": (_year_not_before_founding,),
    "tech_contracts": (_one_party_registered,),
}


# --- merge -----------------------------------------------------------------------------------


def _upsert(dialect_name: str, table: sa.Table):
    if dialect_name == "sqlite":
        return sqlite.insert(table)
    if dialect_name == "postgresql":
        return postgresql.insert(table)
    raise NotImplementedError(f"imports into {dialect_name} are not supported")


def _merge(
    conn: Connection,
    kind: Kind,
    staging: sa.Table,
    result: PartResult,
    *,
    actor: str,
    started: dt.datetime,
    sha256: str,
    as_of: dt.date | None,
    write: bool = True,
) -> None:
    """Count the rows to insert, update and leave; then (``write``) upsert them."""
    table = kind.table
    data = list(kind.data_columns)
    compared = [name for name in data if name not in kind.key]
    on_key = sa.and_(*[table.c[name] == staging.c[name] for name in kind.key])
    differs = sa.or_(*[table.c[name].is_distinct_from(staging.c[name]) for name in compared])

    result.inserted = conn.scalar(
        sa.select(sa.func.count()).select_from(staging).where(~sa.exists().where(on_key))
    )
    result.updated = conn.scalar(
        sa.select(sa.func.count()).select_from(staging.join(table, on_key)).where(differs)
    )
    result.unchanged = result.rows - result.inserted - result.updated
    if not write:
        return

    batch_id = conn.execute(
        sa.insert(models.ImportBatch).values(
            kind=kind.name,
            source=result.source,
            sha256=sha256,
            actor=actor,
            started_at=started,
            finished_at=utcnow(),
            as_of=as_of,
            rows_total=result.rows,
            rows_inserted=result.inserted,
            rows_updated=result.updated,
            rows_unchanged=result.unchanged,
        )
    ).inserted_primary_key[0]
    result.batch_id = batch_id

    provenance = {
        "source": sa.literal(result.source, sa.String),
        "imported_at": sa.literal(utcnow(), sa.DateTime),
        "import_batch_id": sa.literal(batch_id, sa.Integer),
    }
    selected = [staging.c[name] for name in data] + [staging.c.source_row, staging.c.as_of]
    selected += [value.label(name) for name, value in provenance.items()]
    names = data + ["source_row", "as_of", *provenance]
    insert = _upsert(conn.dialect.name, table).from_select(
        names,
        sa.select(*selected).where(sa.true()),  # WHERE: SQLite's upsert-from-select rule
    )
    excluded = insert.excluded
    insert = insert.on_conflict_do_update(
        index_elements=list(kind.key),
        set_={name: excluded[name] for name in names if name not in kind.key},
        where=sa.or_(*[table.c[name].is_distinct_from(excluded[name]) for name in compared]),
    )
    conn.execute(insert)
    audit(
        conn,
        actor=actor,
        action=Action.IMPORT,
        subject=f"{kind.name}:{result.source}",
        detail={
            "batch_id": batch_id,
            "sha256": sha256,
            "rows": result.rows,
            "inserted": result.inserted,
            "updated": result.updated,
            "unchanged": result.unchanged,
        },
    )
