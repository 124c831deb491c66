"""The compute tables in DuckDB: usage read in place, the small tables copied in as Arrow.

Over SQLite, DuckDB attaches the store file read-only (the sqlite_scanner extension ships as
a PyPI package) and reads ``compute_usage`` in place; over PostgreSQL the usage of the
centres asked for is copied in as Arrow in chunks. Card-hours and fees come out as the
models store them (ten-thousandths and fen), and are divided once at the end.
"""

from __future__ import annotations

import datetime as dt
import os

import duckdb
import pyarrow as pa
import sqlalchemy as sa
from sqlalchemy import Engine

from ..store.models.compute import (
    ComputeCentre,
    ComputePool,
    ComputeRequest,
    ComputeReservation,
    ComputeTenant,
    ComputeUsage,
)
from .imports import capacity_table

USAGE_COLUMNS = (
    "centre_id",
    "pool_id",
    "tenant_id",
    "started_at",
    "ended_at",
    "cards",
    "card_hours",
    "job_type",
    "fee",
)


def open_frames(engine: Engine, centre_ids: list[int] | None = None) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection with views ``usage``, ``pools``, ``capacity``, ``tenants``,
    ``centres``, ``reservations`` and ``requests``, limited to ``centre_ids`` when given."""
    db = duckdb.connect(config={"threads": os.cpu_count() or 2})
    where = (
        ""
        if centre_ids is None
        else f"WHERE centre_id IN ({', '.join(map(str, centre_ids)) or 'NULL'})"
    )
    if engine.dialect.name == "sqlite" and engine.url.database not in (None, "", ":memory:"):
        from ..rules.backends import sqlite_scanner_path

        db.execute(f"LOAD '{sqlite_scanner_path()}'")
        path = engine.url.database.replace("'", "''")
        db.execute(f"ATTACH '{path}' AS store (TYPE sqlite, READ_ONLY)")
        db.execute(
            f"CREATE VIEW usage AS SELECT {', '.join(USAGE_COLUMNS)} FROM store.compute_usage {where}"
        )
    else:
        db.register("usage_arrow", _usage_arrow(engine, centre_ids))
        db.execute("CREATE VIEW usage AS SELECT * FROM usage_arrow")
    with engine.connect() as conn:
        db.register("capacity", capacity_table(conn))
        for name, table in _small_tables(conn).items():
            db.register(name, table)
    return db


def _small_tables(conn) -> dict[str, pa.Table]:
    def frame(query) -> pa.Table:
        result = conn.execute(query)
        names = list(result.keys())
        rows = result.all()
        return (
            pa.table({n: [r[i] for r in rows] for i, n in enumerate(names)})
            if rows
            else (pa.table({n: pa.array([], pa.null()) for n in names}))
        )

    return {
        "centres": frame(
            sa.select(ComputeCentre.id, ComputeCentre.code, ComputeCentre.name, ComputeCentre.city)
        ),
        "pools": frame(
            sa.select(
                ComputePool.id,
                ComputePool.centre_id,
                ComputePool.code,
                ComputePool.name,
                ComputePool.accelerator,
                ComputePool.domestic,
                ComputePool.unit,
            )
        ),
        "tenants": frame(
            sa.select(
                ComputeTenant.id,
                ComputeTenant.centre_id,
                ComputeTenant.account,
                ComputeTenant.name,
                ComputeTenant.kind,
                ComputeTenant.city,
                ComputeTenant.enterprise_id,
            )
        ),
        "reservations": frame(
            sa.select(
                ComputeReservation.pool_id,
                ComputeReservation.tenant_id,
                ComputeReservation.cards,
                ComputeReservation.starts_at,
                ComputeReservation.ends_at,
            )
        ),
        "requests": frame(
            sa.select(
                ComputeRequest.pool_id,
                ComputeRequest.tenant_id,
                ComputeRequest.cards,
                ComputeRequest.wanted_from,
                ComputeRequest.wanted_to,
                ComputeRequest.asked_at,
            )
        ),
    }


_BATCH = 500_000


def _usage_arrow(engine: Engine, centre_ids: list[int] | None) -> pa.Table:
    table = ComputeUsage.__table__
    query = sa.select(*[table.c[name] for name in USAGE_COLUMNS])
    if centre_ids is not None:
        query = query.where(table.c.centre_id.in_(centre_ids))
    types = {
        "started_at": pa.timestamp("us"),
        "ended_at": pa.timestamp("us"),
        "job_type": pa.string(),
    }
    batches = []
    with engine.connect() as conn:
        # raw integers (no Decimal conversion): card_hours and fee as stored
        result = conn.execution_options(stream_results=True).exec_driver_sql(
            str(query.compile(conn, compile_kwargs={"literal_binds": True}))
        )
        while rows := result.fetchmany(_BATCH):
            columns = list(zip(*rows))
            batches.append(
                pa.table(
                    {
                        name: pa.array(columns[i], types.get(name, pa.int64()))
                        for i, name in enumerate(USAGE_COLUMNS)
                    }
                )
            )
    if not batches:
        return pa.table({name: pa.array([], types.get(name, pa.int64())) for name in USAGE_COLUMNS})
    return pa.concat_tables(batches)


def day_range(first: dt.date, last: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[first 00:00, the day after last 00:00)"""
    return dt.datetime.combine(first, dt.time()), dt.datetime.combine(
        last + dt.timedelta(days=1), dt.time()
    )
