"""Usage, tenants, reservations and unmet requests of one centre: every row checked, then
all or nothing.

The registry's readers, header binding, ``ImportResult`` and error report are reused. Usage
files run to millions of rows, so their cells are checked set-at-a-time in DuckDB (types,
durations, card-hours, tenants and pools, duplicates), then staged in a temporary table of
the store, where the pool capacity is checked at every instant against the file's jobs and
the jobs already stored; only then is the staging merged with one upsert on (centre, job id).
Any error rolls the transaction back: nothing is written.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import sqlalchemy as sa
from sqlalchemy import Connection, Engine

from ..domain.errors import InvalidValue, XinzhiError
from ..ingest.columns import CreditCodeChecker
from ..ingest.headers import Bound, bind_header, is_header_row
from ..ingest.kinds import Kind
from ..ingest.pipeline import MAX_ERRORS, ImportResult, RowError, file_sha256
from ..ingest.readers import ImportFileError, open_table
from ..store.audit import Action, audit
from ..store.models import CreditCodeVerification, Enterprise, ImportBatch, utcnow
from ..store.models.compute import (
    ComputeCentre,
    ComputePool,
    ComputePoolCapacity,
    ComputeRequest,
    ComputeReservation,
    ComputeTenant,
    ComputeUsage,
)
from . import snapshot
from .kinds import COMPUTE_KINDS, REQUESTS, RESERVATIONS, TENANTS, USAGE

CHUNK = 50_000
SHOWN_OVERLAPS = 10  # jobs named in one over-capacity error


class ComputeError(XinzhiError, ValueError):
    """A refused compute operation, with the reason in Chinese and English."""

    def __init__(self, zh: str, en: str, code: str = "invalid") -> None:
        super().__init__(zh, en)
        self.code = code


class _Errors:
    def __init__(self, result: ImportResult) -> None:
        self.result = result

    def add(self, row, column, value, zh, en, code="invalid") -> None:
        self.result.error_count += 1
        if len(self.result.errors) < MAX_ERRORS:
            shown = None if value is None else str(value)
            self.result.errors.append(RowError(row, column, shown, zh, en, code))


def centre_by_code(conn: Connection, code: str) -> int:
    centre_id = conn.scalar(sa.select(ComputeCentre.id).where(ComputeCentre.code == code))
    if centre_id is None:
        raise ComputeError(
            f"未登记的算力中心“{code}”", f"unknown compute centre '{code}'", "unknown_centre"
        )
    return centre_id


def import_compute_file(
    engine: Engine,
    kind_name: str,
    path: Path,
    *,
    centre: str,
    actor: str,
    source: str | None = None,
) -> ImportResult:
    """Import ``path`` as usage, tenants, reservations or requests of ``centre``."""
    kind = COMPUTE_KINDS.get(kind_name) or COMPUTE_KINDS.get(f"compute_{kind_name}")
    if kind is None:
        names = ", ".join(k.removeprefix("compute_") for k in COMPUTE_KINDS)
        raise ImportFileError(f"未知的数据类型“{kind_name}”；可选：{names}", f"one of: {names}")
    path = Path(path)
    result = ImportResult(kind.name, source or path.name)
    errors = _Errors(result)
    started = utcnow()
    with open_table(path) as table:
        bound = bind_header(kind, table.header)
        columns = None
        if kind is USAGE and path.suffix.lower() == ".csv":
            columns = _arrow_columns(kind, bound, path, len(table.header), result)
        if columns is None:
            columns = _columns(kind, bound, table.rows, result)
    if result.rows == 0:
        raise ImportFileError("文件没有数据行", "the file has no data rows")
    staged: list[Path] = []  # the usage import's Parquet file, put in place after the commit
    try:
        _write(engine, kind, centre, bound, columns, result, errors, staged, actor, started, path)
    finally:
        for leftover in staged:
            leftover.unlink(missing_ok=True)
    return result


def _write(engine, kind, centre, bound, columns, result, errors, staged, actor, started, path):
    with engine.connect() as conn, conn.begin() as transaction:
        centre_id = centre_by_code(conn, centre)
        result.batch_id = _record_batch(
            conn, kind, result, actor=actor, started=started, sha256=file_sha256(path)
        )
        write = {
            USAGE.name: _import_usage,
            TENANTS.name: _import_tenants,
            RESERVATIONS.name: _import_periods,
            REQUESTS.name: _import_periods,
        }[kind.name]
        counts = write(conn, kind, centre_id, bound, columns, errors, staged)
        if not result.ok:
            transaction.rollback()
            result.batch_id = None
            return
        result.inserted, result.updated = counts
        result.unchanged = result.rows - result.inserted - result.updated
        _finish_batch(conn, result, actor=actor)
    if staged:
        snapshot.publish(
            staged.pop(), result.batch_id, started, overlap=result.inserted < result.rows
        )


# --- reading ---------------------------------------------------------------------------------


def _cell(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    return text or None


def _columns(
    kind: Kind, bound: list[Bound], rows: Iterator[tuple[int, list]], result: ImportResult
) -> dict[str, list]:
    """The file transposed: the row numbers and each bound column's cells as text."""
    out: dict[str, list] = {"row": []} | {b.column.name: [] for b in bound}
    picks = [(b.column.name, b.index) for b in bound]
    first = True
    for number, cells in rows:
        if first:
            first = False
            if is_header_row(kind, cells):
                continue
        out["row"].append(number)
        width = len(cells)
        for name, index in picks:
            out[name].append(_cell(cells[index]) if index < width else None)
    result.rows = len(out["row"])
    return out


def _arrow_columns(kind, bound, path: Path, width: int, result: ImportResult):
    """A usage CSV read by Arrow's CSV reader: the same cells as ``_columns`` without a Python
    object per cell. Only for files whose data row n is line n + 1 (no blank lines, no line
    breaks inside cells, the header on line 1): then the row numbers are exact. None when the
    file is not such a file — it is then read row by row."""
    try:  # UTF-8 only (a GB18030 file fails here and is read row by row, as the readers do)
        table = pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(
                encoding="utf8",
                column_names=[f"c{i}" for i in range(width)],
                skip_rows=1,
            ),
            parse_options=pacsv.ParseOptions(newlines_in_values=False),
            convert_options=pacsv.ConvertOptions(
                column_types={f"c{i}": pa.string() for i in range(width)}
            ),
        )
    except (pa.ArrowInvalid, UnicodeDecodeError, LookupError):
        return None
    with path.open("rb") as handle:
        first = handle.readline()
        lines = 1 + sum(block.count(b"\n") for block in iter(lambda: handle.read(1 << 22), b""))
    if not first.strip() or lines - (0 if _ends_with_newline(path) else -1) != table.num_rows + 1:
        return None  # blank lines or a header below line 1: numbered row by row instead
    columns = {"row": pa.array(range(2, table.num_rows + 2), pa.int64())}
    for b in bound:
        cells = pc.utf8_trim_whitespace(table.column(f"c{b.index}"))
        columns[b.column.name] = pc.if_else(
            pc.equal(cells, ""), pa.scalar(None, pa.string()), cells
        )
    out = pa.table(columns)
    if out.num_rows and is_header_row(
        kind, [table.column(f"c{i}")[0].as_py() for i in range(width)]
    ):
        out = out.slice(1)  # the template's second (English) header row
    result.rows = out.num_rows
    return out


def _ends_with_newline(path: Path) -> bool:
    with path.open("rb") as handle:
        handle.seek(0, 2)
        if handle.tell() == 0:
            return False
        handle.seek(-1, 2)
        return handle.read(1) == b"\n"


# --- usage ------------------------------------------------------------------------------------


def _import_usage(conn, kind, centre_id, bound, columns, errors, staged) -> tuple[int, int]:
    header = {b.column.name: b.header for b in bound}
    scale = {b.column.name: b.scale for b in bound}
    db = duckdb.connect()
    try:
        raw = (
            columns
            if isinstance(columns, pa.Table)
            else pa.table(
                {
                    name: pa.array(values, pa.int64() if name == "row" else pa.string())
                    for name, values in columns.items()
                }
            )
        )
        for name in ("card_hours", "job_type", "fee"):
            if name not in raw.column_names:
                raw = raw.append_column(name, pa.nulls(raw.num_rows, pa.string()))
        db.register("raw", raw)
        db.register("tenants", _arrow(conn, ComputeTenant.account, ComputeTenant.id, centre_id))
        db.register("pools", _arrow(conn, ComputePool.code, ComputePool.id, centre_id))
        fee_scale = int(scale.get("fee", 1) * 100)  # whole fen
        db.execute(_PARSE_SQL.format(fee_scale=fee_scale))
        for row, column, value, zh, en, code in db.execute(_CHECKS_SQL).fetchall():
            errors.add(row, header.get(column, column), value, zh, en, code)
        if not errors.result.ok:
            return 0, 0
        staging = _stage(conn, db, centre_id)
        _check_capacity(conn, db, staging, centre_id, header, errors)
        if not errors.result.ok:
            return 0, 0
        counts = _merge_usage(conn, staging, centre_id, errors.result.batch_id)
        staged.append(_stage_parquet(conn, db, centre_id, errors.result.batch_id))
        return counts
    finally:
        db.close()


def _stage_parquet(conn, db, centre_id: int, batch_id: int) -> Path:
    """The file's rows as the snapshot keeps them (``compute.snapshot``), staged."""
    path = snapshot.staged_path(conn.engine, batch_id)
    db.execute(
        f"""COPY (SELECT CAST({centre_id} AS BIGINT) AS centre_id, job_id,
                         CAST(pool_id AS BIGINT) AS pool_id, CAST(tenant_id AS BIGINT) AS tenant_id,
                         CAST(s AS TIMESTAMP) AS started_at, CAST(e AS TIMESTAMP) AS ended_at,
                         CAST(n AS BIGINT) AS cards,
                         CAST(round(COALESCE(h, n * (epoch(e) - epoch(s)) / 3600.0) * 10000)
                              AS BIGINT) AS card_hours,
                         job_type, CAST(fee_fen AS BIGINT) AS fee
                  FROM parsed ORDER BY started_at)
            TO '{str(path).replace("'", "''")}' (FORMAT parquet)"""
    )
    return path


def _arrow(conn: Connection, key, value, centre_id: int) -> pa.Table:
    rows = conn.execute(sa.select(key, value).where(key.class_.centre_id == centre_id)).all()
    return pa.table(
        {"key": pa.array([r[0] for r in rows], pa.string()), "id": [r[1] for r in rows]},
        schema=pa.schema([("key", pa.string()), ("id", pa.int64())]),
    )


# Each cell parsed once; a NULL result of a filled cell is that cell's error.
_PARSE_SQL = r"""
CREATE TEMP TABLE parsed AS
SELECT row, job_id, tenant, pool, start, "end", cards AS cards_raw, card_hours AS hours_raw,
       job_type AS type_raw, fee AS fee_raw,
       TRY_CAST(replace(start, 'T', ' ') AS TIMESTAMP) AS s,
       TRY_CAST(replace("end", 'T', ' ') AS TIMESTAMP) AS e,
       COALESCE(
         TRY_CAST(regexp_extract(cards, 'gres/gpu(?::[^=,]*)?=(\d+)', 1) AS BIGINT),
         TRY_CAST(regexp_extract(cards, '(?:^|,)cpu=(\d+)', 1) AS BIGINT),
         TRY_CAST(cards AS BIGINT)) AS n,
       TRY_CAST(replace(card_hours, ',', '') AS DECIMAL(18, 4)) AS h,
       CASE WHEN job_type IS NULL THEN 'other'
            WHEN lower(job_type) IN ('training', '训练', 'train') THEN 'training'
            WHEN lower(job_type) IN ('inference', '推理', 'infer') THEN 'inference'
            WHEN lower(job_type) IN ('simulation', '仿真', '科学计算', 'hpc') THEN 'simulation'
            WHEN lower(job_type) IN ('other', '其他') THEN 'other' END AS job_type,
       -- DECIMAL(18, 4) is a 64-bit integer (a wider one is 60x slower); amounts that would
       -- not fit once in fen are NULL, i.e. "not an amount"
       CASE WHEN abs(TRY_CAST(replace(fee, ',', '') AS DECIMAL(18, 4))) < 1e13 / {fee_scale}
            THEN TRY_CAST(replace(fee, ',', '') AS DECIMAL(18, 4)) * {fee_scale} END AS fee_fen,
       t.id AS tenant_id, p.id AS pool_id,
       count(*) OVER (PARTITION BY job_id) AS copies,
       min(row) OVER (PARTITION BY job_id) AS first_row
FROM raw LEFT JOIN tenants t ON t.key = raw.tenant LEFT JOIN pools p ON p.key = raw.pool
"""

_CHECKS_SQL = r"""
SELECT * FROM (
  SELECT row, 'job_id' AS col, job_id, '必填项为空', 'required value is blank', 'required'
    FROM parsed WHERE job_id IS NULL
  UNION ALL SELECT row, 'job_id', job_id, '作业号超过60个字符', 'job id longer than 60 characters',
    'text_length' FROM parsed WHERE length(job_id) > 60
  UNION ALL SELECT row, 'job_id', job_id, '与第' || first_row || '行重复（同一作业号在文件中出现多次）',
    'duplicates row ' || first_row || ' (the same job id appears twice in the file)',
    'duplicate_key' FROM parsed WHERE copies > 1 AND row > first_row AND job_id IS NOT NULL
  UNION ALL SELECT row, 'tenant', tenant, '必填项为空', 'required value is blank', 'required'
    FROM parsed WHERE tenant IS NULL
  UNION ALL SELECT row, 'tenant', tenant, '未登记的用户账号（请先导入本中心的用户）',
    'unknown tenant account (import the centre''s tenants first)', 'unknown_tenant'
    FROM parsed WHERE tenant IS NOT NULL AND tenant_id IS NULL
  UNION ALL SELECT row, 'pool', pool, '必填项为空', 'required value is blank', 'required'
    FROM parsed WHERE pool IS NULL
  UNION ALL SELECT row, 'pool', pool, '本中心没有此资源池', 'unknown pool at this centre',
    'unknown_pool' FROM parsed WHERE pool IS NOT NULL AND pool_id IS NULL
  UNION ALL SELECT row, 'start', start, '必填项为空', 'required value is blank', 'required'
    FROM parsed WHERE start IS NULL
  UNION ALL SELECT row, 'start', start, '不是日期时间（应为 2023-05-01 08:00:00）',
    'not a date-time (write 2023-05-01 08:00:00)', 'datetime_format'
    FROM parsed WHERE start IS NOT NULL AND s IS NULL
  UNION ALL SELECT row, 'end', "end", '必填项为空', 'required value is blank', 'required'
    FROM parsed WHERE "end" IS NULL
  UNION ALL SELECT row, 'end', "end", '不是日期时间（应为 2023-05-01 08:00:00）',
    'not a date-time (write 2023-05-01 08:00:00)', 'datetime_format'
    FROM parsed WHERE "end" IS NOT NULL AND e IS NULL
  UNION ALL SELECT row, 'end', "end",
    CASE WHEN e = s THEN '时长为零：结束时间等于开始时间' ELSE '结束时间早于开始时间' END,
    CASE WHEN e = s THEN 'zero duration: the end equals the start'
         ELSE 'the end is before the start' END, 'duration_not_positive'
    FROM parsed WHERE e <= s
  UNION ALL SELECT row, 'cards', cards_raw, '必填项为空', 'required value is blank', 'required'
    FROM parsed WHERE cards_raw IS NULL
  UNION ALL SELECT row, 'cards', cards_raw, '卡数应为正整数', 'cards must be a positive whole number',
    'cards_format' FROM parsed WHERE cards_raw IS NOT NULL AND (n IS NULL OR n <= 0)
  UNION ALL SELECT row, 'card_hours', hours_raw, '卡时不是数值或为负',
    'card-hours is not a number or is negative', 'card_hours_format'
    FROM parsed WHERE hours_raw IS NOT NULL AND (h IS NULL OR h < 0)
  UNION ALL SELECT row, 'card_hours', hours_raw,
    '卡时超过 卡数 × 时长（' || round(n * (epoch(e) - epoch(s)) / 3600, 4) || '）',
    'card-hours exceed cards × duration (' || round(n * (epoch(e) - epoch(s)) / 3600, 4) || ')',
    'card_hours_above_allocation'
    FROM parsed WHERE h > n * (epoch(e) - epoch(s)) / 3600.0 + 0.0001 AND e > s AND n > 0
  UNION ALL SELECT row, 'job_type', type_raw, '“' || type_raw || '”不是可选值；可选：训练、推理、仿真、其他',
    '''' || type_raw || ''' is not one of: training, inference, simulation, other',
    'unknown_choice' FROM parsed WHERE job_type IS NULL
  UNION ALL SELECT row, 'fee', fee_raw, '费用不是金额、为负或超过两位小数（分）',
    'the fee is not an amount, is negative or has fractions of a fen', 'money_format'
    FROM parsed WHERE fee_raw IS NOT NULL
      AND (fee_fen IS NULL OR fee_fen < 0 OR fee_fen <> round(fee_fen))
) ORDER BY 1, 2
"""

_STAGING_COLUMNS = (
    "job_id",
    "pool_id",
    "tenant_id",
    "started_at",
    "ended_at",
    "cards",
    "card_hours",
    "job_type",
    "fee",
    "source_row",
)


def _stage(conn: Connection, db, centre_id: int) -> sa.Table:
    """The file's rows in a temporary table of the store, card-hours in ten-thousandths and
    fees in fen as the models store them."""
    staging = sa.Table(
        "staging_compute_usage",
        sa.MetaData(),
        sa.Column("job_id", sa.String(60)),
        sa.Column("pool_id", sa.Integer),
        sa.Column("tenant_id", sa.Integer),
        sa.Column("started_at", sa.DateTime),
        sa.Column("ended_at", sa.DateTime),
        sa.Column("cards", sa.Integer),
        sa.Column("card_hours", sa.BigInteger),
        sa.Column("job_type", sa.String(20)),
        sa.Column("fee", sa.BigInteger),
        sa.Column("source_row", sa.Integer),
        prefixes=["TEMPORARY"],
    )
    staging.create(conn)
    sqlite = conn.dialect.name == "sqlite"
    # SQLAlchemy keeps SQLite datetimes as ISO text with microseconds
    stamp = "strftime(s, '%Y-%m-%d %H:%M:%S.%f')" if sqlite else "s"
    stamp_end = "strftime(e, '%Y-%m-%d %H:%M:%S.%f')" if sqlite else "e"
    cursor = db.execute(
        f"""SELECT job_id, pool_id, tenant_id, {stamp}, {stamp_end}, n,
                   CAST(round(COALESCE(h, n * (epoch(e) - epoch(s)) / 3600.0) * 10000) AS BIGINT),
                   job_type, CAST(fee_fen AS BIGINT), row
            FROM parsed ORDER BY row"""
    )
    marker = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    sql = (
        f"INSERT INTO staging_compute_usage ({', '.join(_STAGING_COLUMNS)}) "
        f"VALUES ({', '.join([marker] * len(_STAGING_COLUMNS))})"
    )
    while rows := cursor.fetchmany(CHUNK):
        conn.exec_driver_sql(sql, rows)
    return staging


def _check_capacity(conn, db, staging: sa.Table, centre_id: int, header, errors) -> None:
    """No pool may hold more cards than it has at any instant: the file's jobs together with
    the stored jobs they overlap (a stored job the file replaces counts in its new form)."""
    usage = ComputeUsage.__table__
    window = conn.execute(
        sa.select(
            staging.c.pool_id, sa.func.min(staging.c.started_at), sa.func.max(staging.c.ended_at)
        ).group_by(staging.c.pool_id)
    ).all()
    stored = []
    for pool_id, first, last in window:
        stored += conn.execute(
            sa.select(
                usage.c.job_id,
                usage.c.pool_id,
                usage.c.started_at,
                usage.c.ended_at,
                usage.c.cards,
            ).where(
                usage.c.centre_id == centre_id,
                usage.c.pool_id == pool_id,
                usage.c.started_at < last,
                usage.c.ended_at > first,
                ~sa.exists().where(staging.c.job_id == usage.c.job_id),
            )
        ).all()
    db.register(
        "stored",
        pa.table(
            {
                "job_id": pa.array([r[0] for r in stored], pa.string()),
                "pool_id": pa.array([r[1] for r in stored], pa.int64()),
                "s": pa.array([r[2] for r in stored], pa.timestamp("us")),
                "e": pa.array([r[3] for r in stored], pa.timestamp("us")),
                "n": pa.array([r[4] for r in stored], pa.int64()),
            }
        ),
    )
    db.register("capacity", capacity_table(conn, centre_id))
    over = db.execute(_CAPACITY_SQL, [SHOWN_OVERLAPS]).fetchall()
    for row, job_id, pool, at, held, cards, jobs in over:
        names = "、".join(jobs)
        errors.add(
            row,
            header.get("cards"),
            job_id,
            f"资源池 {pool} 在 {at} 同时占用 {held} 卡，超过容量 {cards} 卡；重叠作业：{names}",
            f"pool {pool} holds {held} cards at {at}, above its capacity of {cards}; "
            f"overlapping jobs: {names}",
            "above_capacity",
        )


def capacity_table(conn: Connection, centre_id: int | None = None) -> pa.Table:
    """Every pool's dated capacity rows (pool, code, from, cards, TFLOPS per card)."""
    query = (
        sa.select(
            ComputePoolCapacity.pool_id,
            ComputePool.code,
            ComputePoolCapacity.effective_from,
            ComputePoolCapacity.cards,
            ComputePoolCapacity.fp16_tflops_per_card,
            ComputePoolCapacity.fp32_tflops_per_card,
        )
        .join(ComputePool, ComputePool.id == ComputePoolCapacity.pool_id)
        .order_by(ComputePoolCapacity.pool_id, ComputePoolCapacity.effective_from)
    )
    if centre_id is not None:
        query = query.where(ComputePool.centre_id == centre_id)
    rows = conn.execute(query).all()
    return pa.table(
        {
            "pool_id": pa.array([r[0] for r in rows], pa.int64()),
            "code": pa.array([r[1] for r in rows], pa.string()),
            "effective_from": pa.array(
                [dt.datetime.combine(r[2], dt.time()) for r in rows], pa.timestamp("us")
            ),
            "cards": pa.array([r[3] for r in rows], pa.int64()),
            "fp16": pa.array([float(r[4]) for r in rows], pa.float64()),
            "fp32": pa.array([None if r[5] is None else float(r[5]) for r in rows], pa.float64()),
        }
    )


# A sweep over start (+cards) and end (−cards) events, ends first at the same instant; the
# first instant of each over-capacity episode is reported once, on the job that started it.
_CAPACITY_SQL = """
WITH jobs AS (
  SELECT job_id, pool_id, s, e, n, row FROM parsed
  UNION ALL SELECT job_id, pool_id, s, e, n, NULL FROM stored
), events AS (
  SELECT pool_id, s AS t, n AS d, job_id, row FROM jobs
  UNION ALL SELECT pool_id, e, -n, job_id, row FROM jobs
), running AS (
  SELECT *, sum(d) OVER (PARTITION BY pool_id ORDER BY t, d ROWS UNBOUNDED PRECEDING) AS held
  FROM events
), capped AS (
  SELECT r.*, c.cards, c.code FROM running r
  ASOF JOIN capacity c ON r.pool_id = c.pool_id AND r.t >= c.effective_from
), flagged AS (
  SELECT *, held > cards AS over,
         lag(held > cards, 1, false) OVER (PARTITION BY pool_id ORDER BY t, d) AS was_over
  FROM capped
)
SELECT f.row, f.job_id, f.code, strftime(f.t, '%Y-%m-%d %H:%M:%S'), f.held, f.cards,
       (SELECT list(j.job_id ORDER BY j.s, j.job_id)[1:$1] FROM jobs j
         WHERE j.pool_id = f.pool_id AND j.s <= f.t AND j.e > f.t)
FROM flagged f
WHERE over AND NOT was_over AND d > 0
ORDER BY f.row NULLS LAST
"""


def _merge_usage(
    conn: Connection, staging: sa.Table, centre_id: int, batch_id: int
) -> tuple[int, int]:
    usage = ComputeUsage.__table__
    on_key = sa.and_(usage.c.centre_id == centre_id, usage.c.job_id == staging.c.job_id)
    compared = [c for c in _STAGING_COLUMNS if c not in ("job_id", "source_row")]
    inserted = conn.scalar(
        sa.select(sa.func.count()).select_from(staging).where(~sa.exists().where(on_key))
    )
    updated = conn.scalar(
        sa.select(sa.func.count())
        .select_from(staging.join(usage, on_key))
        .where(sa.or_(*[usage.c[c].is_distinct_from(staging.c[c]) for c in compared]))
    )
    names = ["centre_id", "import_batch_id", *_STAGING_COLUMNS]
    selected = [
        sa.literal(centre_id, sa.Integer).label("centre_id"),
        sa.literal(batch_id, sa.Integer).label("import_batch_id"),
    ]
    selected += [staging.c[name] for name in _STAGING_COLUMNS]
    dialect = conn.dialect.name
    insert = (
        sa.dialects.sqlite.insert(usage)
        if dialect == "sqlite"
        else sa.dialects.postgresql.insert(usage)
    ).from_select(names, sa.select(*selected).where(sa.true()))
    excluded = insert.excluded
    insert = insert.on_conflict_do_update(
        index_elements=["centre_id", "job_id"],
        set_={n: excluded[n] for n in [*compared, "source_row"]} | {"import_batch_id": sa.null()},
        where=sa.or_(*[usage.c[c].is_distinct_from(excluded[c]) for c in compared]),
    )
    conn.execute(insert)
    staging.drop(conn)
    return inserted, updated


# --- tenants, reservations, requests (hundreds of rows: checked row by row) ---------------------

_DATETIME = re.compile(
    r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?$"
)


def parse_datetime(raw) -> dt.datetime:
    """2023-05-01, 2023-05-01 08:00, 2023-05-01T08:00:00 (sacct) or a spreadsheet date-time."""
    if isinstance(raw, dt.datetime):
        return raw
    match = _DATETIME.match(str(raw).strip())
    try:
        if match:
            parts = [int(g) if g else 0 for g in match.groups()]
            return dt.datetime(*parts)
    except ValueError:
        pass
    raise InvalidValue(
        "datetime_format",
        f"“{raw}”不是日期时间（应为 2023-05-01 08:00:00）",
        f"'{raw}' is not a date-time (write 2023-05-01 08:00:00)",
    )


def _rows(kind: Kind, bound, columns, errors, parsers) -> list[dict]:
    """Each row parsed by its columns' parsers; a bad cell is that row's error."""
    header = {b.column.name: b.header for b in bound}
    out = []
    for i, number in enumerate(columns["row"]):
        row, failed = {"row": number}, False
        for b in bound:
            name, raw = b.column.name, columns[b.column.name][i]
            if raw is None:
                if b.column.required:
                    errors.add(
                        number, b.header, None, "必填项为空", "required value is blank", "required"
                    )
                    failed = True
                row[name] = None
                continue
            try:
                row[name] = parsers.get(name, b.column.parse)(raw, b.scale)
            except InvalidValue as error:
                errors.add(number, b.header, raw, error.zh, error.en, error.code)
                failed = True
        for column in kind.columns:
            row.setdefault(column.name, None)
        if not failed:
            out.append(row)
    seen: dict[tuple, int] = {}
    for row in out:
        key = tuple(row[name] for name in kind.file_key)
        if key in seen:
            label = " + ".join(header.get(n, n) for n in kind.file_key)
            errors.add(
                row["row"],
                label,
                " / ".join(map(str, key)),
                f"与第{seen[key]}行重复（同一{label}在文件中出现多次）",
                f"duplicates row {seen[key]} (the same {label} appears twice in the file)",
                "duplicate_key",
            )
        seen.setdefault(key, row["row"])
    return out


def _import_tenants(conn, kind, centre_id, bound, columns, errors, _staged) -> tuple[int, int]:
    verified = set(conn.scalars(sa.select(CreditCodeVerification.credit_code)).all())
    checker = CreditCodeChecker(verified)
    rows = _rows(kind, bound, columns, errors, {"credit_code": checker})
    header = {b.column.name: b.header for b in bound}
    codes = {r["credit_code"] for r in rows if r["credit_code"]}
    enterprise_of = (
        dict(
            conn.execute(
                sa.select(Enterprise.credit_code, Enterprise.id).where(
                    Enterprise.credit_code.in_(codes)
                )
            ).all()
        )
        if codes
        else {}
    )
    for row in rows:
        if row["kind"] == "enterprise" and not row["credit_code"]:
            errors.add(
                row["row"],
                header.get("credit_code", "统一社会信用代码"),
                None,
                "企业用户须填写统一社会信用代码",
                "an enterprise tenant needs its credit code",
                "required",
            )
    if not errors.result.ok:
        return 0, 0
    existing = {
        t.account: t
        for t in conn.execute(
            sa.select(ComputeTenant.__table__).where(ComputeTenant.centre_id == centre_id)
        ).all()
    }
    inserted = updated = 0
    for row in rows:
        values = {
            "name": row["name"],
            "kind": row["kind"],
            "credit_code": row["credit_code"],
            "enterprise_id": enterprise_of.get(row["credit_code"]),
            "city": row["city"],
        }
        old = existing.get(row["account"])
        if old is None:
            conn.execute(
                sa.insert(ComputeTenant).values(
                    centre_id=centre_id,
                    account=row["account"],
                    source=errors.result.source,
                    source_row=row["row"],
                    as_of=dt.date.today(),
                    **values,
                )
            )
            inserted += 1
        elif any(getattr(old, k) != v for k, v in values.items()):
            conn.execute(
                sa.update(ComputeTenant)
                .where(ComputeTenant.id == old.id)
                .values(source=errors.result.source, source_row=row["row"], **values)
            )
            updated += 1
    return inserted, updated


def _import_periods(conn, kind, centre_id, bound, columns, errors, _staged) -> tuple[int, int]:
    """Reservations or unmet requests: appended (a file is a new list of them)."""
    parse = {name: (lambda raw, _s: parse_datetime(raw)) for name in ("start", "end", "asked_at")}
    rows = _rows(kind, bound, columns, errors, parse)
    header = {b.column.name: b.header for b in bound}
    tenants = dict(
        conn.execute(
            sa.select(ComputeTenant.account, ComputeTenant.id).where(
                ComputeTenant.centre_id == centre_id
            )
        ).all()
    )
    pools = dict(
        conn.execute(
            sa.select(ComputePool.code, ComputePool.id).where(ComputePool.centre_id == centre_id)
        ).all()
    )
    for row in rows:
        if row["tenant"] not in tenants:
            errors.add(
                row["row"],
                header["tenant"],
                row["tenant"],
                "未登记的用户账号（请先导入本中心的用户）",
                "unknown tenant account (import the centre's tenants first)",
                "unknown_tenant",
            )
        if row["pool"] not in pools:
            errors.add(
                row["row"],
                header["pool"],
                row["pool"],
                "本中心没有此资源池",
                "unknown pool at this centre",
                "unknown_pool",
            )
        if row["end"] <= row["start"]:
            errors.add(
                row["row"],
                header["end"],
                row["end"],
                "结束时间不晚于开始时间（时长为零或为负）",
                "the end is not after the start (zero or negative duration)",
                "duration_not_positive",
            )
        if row["cards"] <= 0:
            errors.add(
                row["row"],
                header["cards"],
                row["cards"],
                "卡数应为正整数",
                "cards must be a positive whole number",
                "cards_format",
            )
    if not errors.result.ok:
        return 0, 0
    model = ComputeReservation if kind is RESERVATIONS else ComputeRequest
    for row in rows:
        values = {
            "pool_id": pools[row["pool"]],
            "tenant_id": tenants[row["tenant"]],
            "cards": row["cards"],
            "source": f"{errors.result.source}:{row['row']}",
        }
        if model is ComputeReservation:
            values |= {"starts_at": row["start"], "ends_at": row["end"]}
        else:
            values |= {
                "wanted_from": row["start"],
                "wanted_to": row["end"],
                "asked_at": row["asked_at"],
            }
        conn.execute(sa.insert(model).values(**values))
    return len(rows), 0


def _record_batch(conn, kind, result, *, actor, started, sha256) -> int:
    """The batch row first (usage rows point at it); its counts once the merge is done."""
    return conn.execute(
        sa.insert(ImportBatch).values(
            kind=kind.name,
            source=result.source,
            sha256=sha256,
            actor=actor,
            started_at=started,
            finished_at=started,
            as_of=None,
            rows_total=result.rows,
            rows_inserted=0,
            rows_updated=0,
            rows_unchanged=0,
        )
    ).inserted_primary_key[0]


def _finish_batch(conn, result: ImportResult, *, actor: str) -> None:
    batch = conn.execute(sa.select(ImportBatch).where(ImportBatch.id == result.batch_id)).one()
    conn.execute(
        sa.update(ImportBatch)
        .where(ImportBatch.id == result.batch_id)
        .values(
            finished_at=utcnow(),
            rows_inserted=result.inserted,
            rows_updated=result.updated,
            rows_unchanged=result.unchanged,
        )
    )
    audit(
        conn,
        actor=actor,
        action=Action.COMPUTE_IMPORT,
        subject=f"{result.kind}:{result.source}",
        detail={
            "batch_id": result.batch_id,
            "sha256": batch.sha256,
            "rows": result.rows,
            "inserted": result.inserted,
            "updated": result.updated,
        },
    )
