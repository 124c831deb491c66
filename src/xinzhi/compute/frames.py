"""The compute tables in DuckDB: usage from its Parquet snapshot (``snapshot``), the small
tables copied in as Arrow. Card-hours and fees come as the models store them (ten-thousandths
and fen), and are divided once at the end.
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
)
from .imports import capacity_table
from .snapshot import usage_view


def open_frames(engine: Engine, centre_ids: list[int] | None = None) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection with views ``usage``, ``pools``, ``capacity``, ``tenants``,
    ``centres``, ``reservations`` and ``requests``, limited to ``centre_ids`` when given."""
    db = duckdb.connect(config={"threads": os.cpu_count() or 2})
    db.execute("SET enable_progress_bar = false")
    usage_view(db, engine, centre_ids)
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


def day_range(first: dt.date, last: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[first 00:00, the day after last 00:00)"""
    return dt.datetime.combine(first, dt.time()), dt.datetime.combine(
        last + dt.timedelta(days=1), dt.time()
    )
