"""The usage rows as Parquet, one file per import batch, for DuckDB to aggregate.

The store (SQLite or PostgreSQL) holds the usage rows and is the truth; scanning ten million
of them out of it for every figure would take a minute. So each usage import also writes the
rows of its file to ``<runs directory>/compute-usage/batch-<id>-<start>.parquet`` — staged before the
import commits, put in place once it has — and the figures read those files.

A job imported again (a corrected export) is in two files: a row's current version is the
one in the newest file that holds it (an unchanged row is the same in both). Files written
by an import whose rows were all new carry no such overlap; a file that does
(``batch-<id>-<start>.overlap.parquet``) hides the rows of the same jobs in older files — an
anti-join against the (usually few) jobs of the overlapping files.

``ensure_snapshot`` repairs what a crash between the commit and the rename (or rows written
without an import, such as a benchmark's bulk set-up) left missing: a batch with usage rows
but no file is exported from the store, its current rows being those that carry its id.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import sqlalchemy as sa
from sqlalchemy import Engine

from ..store.models import ImportBatch
from ..store.models.compute import ComputeUsage

COLUMNS = (
    "centre_id",
    "job_id",
    "pool_id",
    "tenant_id",
    "started_at",
    "ended_at",
    "cards",
    "card_hours",  # ten-thousandths of a card-hour, as stored
    "job_type",
    "fee",  # fen, as stored
)
_FILE = re.compile(r"^batch-(\d+)-(\d{20})(\.overlap)?\.parquet$")
_SCHEMA = pa.schema(
    [
        ("centre_id", pa.int64()),
        ("job_id", pa.string()),
        ("pool_id", pa.int64()),
        ("tenant_id", pa.int64()),
        ("started_at", pa.timestamp("us")),
        ("ended_at", pa.timestamp("us")),
        ("cards", pa.int64()),
        ("card_hours", pa.int64()),
        ("job_type", pa.string()),
        ("fee", pa.int64()),
    ]
)


def folder(engine: Engine) -> Path:
    """Beside the store's runs; for a server database, one folder per database."""
    from ..assessments.runs import runs_directory

    base = runs_directory(engine) / "compute-usage"
    if engine.dialect.name == "sqlite":
        return base
    url = engine.url
    return base / re.sub(r"[^\w.-]", "_", f"{url.host}-{url.port}-{url.database}")


def stamp(started_at: dt.datetime) -> str:
    """A batch's start to the microsecond: a file is used only by the batch that wrote it
    (batch ids start again in a database made anew)."""
    return started_at.strftime("%Y%m%d%H%M%S%f")


def staged_path(engine: Engine, batch_id: int) -> Path:
    path = folder(engine) / f".batch-{batch_id}.parquet.staged"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def publish(staged: Path, batch_id: int, started_at: dt.datetime, *, overlap: bool) -> Path:
    """Put a committed import's file in place."""
    suffix = ".overlap" if overlap else ""
    final = staged.with_name(f"batch-{batch_id}-{stamp(started_at)}{suffix}.parquet")
    staged.replace(final)
    return final


def ensure_snapshot(engine: Engine) -> dict[int, Path]:
    """The files of the store's usage batches, exporting from the store any that is missing."""
    with engine.connect() as conn:
        expected = {
            batch_id: stamp(started_at)
            for batch_id, started_at in conn.execute(
                sa.select(ImportBatch.id, ImportBatch.started_at).where(
                    ImportBatch.kind == "compute_usage"
                )
            )
        }
        have: dict[int, Path] = {}
        base = folder(engine)
        if base.exists():
            for path in base.iterdir():
                match = _FILE.match(path.name)
                if match and expected.get(int(match[1])) == match[2]:
                    have[int(match[1])] = path
        for batch_id in sorted(set(expected) - set(have)):
            have[batch_id] = _export(conn, engine, batch_id)
    return have


def _export(conn, engine: Engine, batch_id: int) -> Path:
    table = ComputeUsage.__table__
    query = sa.select(
        *[
            sa.type_coerce(table.c[n], sa.BigInteger) if n in ("card_hours", "fee") else table.c[n]
            for n in COLUMNS
        ]
    ).where(table.c.import_batch_id == batch_id)
    staged = staged_path(engine, batch_id)
    with pq.ParquetWriter(staged, _SCHEMA) as writer:
        result = conn.execution_options(stream_results=True).execute(query)
        while rows := result.fetchmany(500_000):
            columns = list(zip(*rows))
            writer.write_table(
                pa.table(
                    {n: pa.array(columns[i], _SCHEMA.field(n).type) for i, n in enumerate(COLUMNS)},
                    schema=_SCHEMA,
                )
            )
    # exported rows are the batch's current rows; older files hold earlier versions of them
    # unless the batch inserted every row it had
    batch = conn.execute(sa.select(ImportBatch).where(ImportBatch.id == batch_id)).one()
    overlap = batch.rows_inserted < batch.rows_total
    return publish(staged, batch_id, batch.started_at, overlap=overlap)


def usage_view(db: duckdb.DuckDBPyConnection, engine: Engine, centre_ids: list[int] | None) -> None:
    """Create the view ``usage`` (COLUMNS) over the batch files."""
    have = ensure_snapshot(engine)
    where = (
        ""
        if centre_ids is None
        else f"WHERE centre_id IN ({', '.join(map(str, centre_ids)) or 'NULL'})"
    )
    if not have:
        db.register("usage_empty", _SCHEMA.empty_table())
        db.execute("CREATE VIEW usage AS SELECT * FROM usage_empty")
        return

    def listed(paths) -> str:
        return ", ".join(f"'{str(p).replace(chr(39), chr(39) * 2)}'" for p in paths)

    batch = "CAST(regexp_extract(filename, 'batch-(\\d+)-', 1) AS BIGINT)"
    overlaps = [p for p in have.values() if p.name.endswith(".overlap.parquet")]
    rows = f"SELECT * FROM read_parquet([{listed(have.values())}])"
    if overlaps and len(have) > 1:
        # a row is stale when a newer file that overlaps others holds the same job
        db.execute(
            f"""CREATE TEMP TABLE overlap_keys AS SELECT centre_id, job_id, {batch} AS batch
                FROM read_parquet([{listed(overlaps)}], filename = true)"""
        )
        rows = f"""SELECT u.* FROM (SELECT *, {batch} AS batch
                                    FROM read_parquet([{listed(have.values())}], filename = true)) u
                   ANTI JOIN overlap_keys k
                   ON k.centre_id = u.centre_id AND k.job_id = u.job_id AND k.batch > u.batch"""
    db.execute(f"CREATE VIEW usage AS SELECT {', '.join(COLUMNS)} FROM ({rows}) {where}")
