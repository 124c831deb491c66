"""Public compute (issue #15): usage import, occupancy over ten million rows, one redemption.

    .venv/bin/python benchmarks/bench_compute.py [--rows 10000000] [--import-rows 1000000]

Targets: import of 1,000,000 usage rows ≤ 60 s (every check: types, durations, tenants,
pools, duplicates, capacity at every instant, all or nothing); 10,000,000 usage rows →
monthly occupancy per pool and per-tenant figures for the year ≤ 5 s on 2 cores; one
redemption ≤ 50 ms including the ledger checks.

The store is a SQLite file. Ten pools of 20,000 cards run jobs in 8-card lanes one after
another (so no pool is ever over capacity), 2,000 tenants. The first ``--import-rows`` jobs
are written as a sacct-style CSV and imported through ``xinzhi compute import usage``'s code
path (timed); the rest become one more usage batch with its Parquet file, as an import
writes it (set-up, not timed; the figures read the batch files, not the store's table).
Baselines, measured in the same run:

* import: row by row — each row parsed, its tenant and pool looked up and one ORM object
  added and flushed — on the first 20,000 rows, as rows per second;
* figures: the same monthly occupancy computed by a Python loop over the rows (jobs split
  at midnight, as the engine does), on a sample of 500,000 rows read from the store, scaled.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import platform
import resource
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import sqlalchemy as sa

from xinzhi.compute import snapshot
from xinzhi.compute.figures import occupancy, tenant_figures
from xinzhi.compute.imports import import_compute_file, parse_datetime
from xinzhi.compute.ledger import redeem
from xinzhi.compute.registry import CentreSpec, load_centre
from xinzhi.store import models
from xinzhi.store.db import make_engine, session_scope
from xinzhi.store.models.compute import (
    ComputeInvoice,
    ComputeLedgerEntry,
    ComputePool,
    ComputeTenant,
    ComputeUsage,
    ComputeVoucher,
)
from xinzhi.store.schema import upgrade

POOLS, CARDS, LANE = 10, 20_000, 8
TENANTS = 2_000
YEAR_START = np.datetime64("2023-01-01T00:00", "m")
FIRST, LAST = dt.date(2023, 1, 1), dt.date(2023, 12, 31)


def log(*parts) -> None:
    print(*parts, flush=True)


def jobs(rows: int, seed: int = 15) -> pa.Table:
    """``rows`` jobs in lanes across the pools: (job, pool, lane's tenant mix, start, end)."""
    rng = np.random.default_rng(seed)
    lanes = POOLS * CARDS // LANE
    per_lane = -(-rows // lanes)
    minutes = rng.lognormal(np.log(18 * 60), 0.5, size=(lanes, per_lane)).astype(np.int64) + 30
    gaps = rng.integers(0, 120, size=(lanes, per_lane))
    ends = np.cumsum(minutes + gaps, axis=1)
    starts = ends - minutes
    order = np.argsort(starts, axis=None, kind="stable")[:rows]  # the earliest jobs first
    lane = order // per_lane
    start = YEAR_START + starts.ravel()[order].astype("timedelta64[m]")
    end = YEAR_START + ends.ravel()[order].astype("timedelta64[m]")
    tenant = rng.integers(0, TENANTS, size=rows)
    return pa.table(
        {
            "job": np.arange(rows, dtype=np.int64),
            "pool": (lane // (CARDS // LANE)).astype(np.int64),
            "tenant": tenant,
            "start": pa.array(start.astype("datetime64[us]")),
            "end": pa.array(end.astype("datetime64[us]")),
            "fee_fen": (minutes.ravel()[order] * LANE * 1000 // 60).astype(np.int64),
        }
    )


def centre(engine) -> None:
    spec = CentreSpec.model_validate(
        {
            "code": "BENCH",
            "name": "基准算力中心",
            "city": "沈阳市",
            "pools": [
                {
                    "code": f"p{i}",
                    "name": f"资源池{i}",
                    "accelerator": "昇腾910",
                    "domestic": True,
                    "capacity": [
                        {"from": "2022-01-01", "cards": CARDS, "fp16_tflops_per_card": 256}
                    ],
                }
                for i in range(POOLS)
            ],
        }
    )
    load_centre(engine, spec, actor="bench", source="bench")


def write_csv(table: pa.Table, path: Path) -> None:
    fmt = "%Y-%m-%dT%H:%M:%S"
    pacsv.write_csv(
        pa.table(
            {
                "JobID": pc.cast(table["job"], pa.string()),
                "Account": pc.binary_join_element_wise(
                    "t", pc.cast(table["tenant"], pa.string()), ""
                ),
                "Partition": pc.binary_join_element_wise(
                    "p", pc.cast(table["pool"], pa.string()), ""
                ),
                "Start": pc.strftime(table["start"].cast(pa.timestamp("s")), format=fmt),
                "End": pc.strftime(table["end"].cast(pa.timestamp("s")), format=fmt),
                "卡数": pa.repeat(pa.scalar(str(LANE)), table.num_rows),
                "费用": pc.cast(
                    pc.divide(pc.cast(table["fee_fen"], pa.float64()), 100.0), pa.string()
                ),
            }
        ),
        path,
    )


def bulk_snapshot(engine, table: pa.Table) -> None:
    """Set-up only: the remaining jobs as one more usage batch — its batch row and its Parquet
    file, exactly what an import writes for the figures to read. They are not written into
    the store's table: the figures never read it (and DuckDB's SQLite writer beside the
    store's own connections corrupted the file in a first attempt)."""
    with engine.connect() as conn:
        pools = dict(conn.execute(sa.select(ComputePool.code, ComputePool.id)).all())
        tenants = dict(conn.execute(sa.select(ComputeTenant.account, ComputeTenant.id)).all())
        centre_id = conn.scalar(sa.select(ComputePool.centre_id).limit(1))
    started_at = models.utcnow()
    with engine.begin() as conn:
        batch_id = conn.execute(
            sa.insert(models.ImportBatch).values(
                kind="compute_usage",
                source="bench:bulk",
                actor="bench",
                started_at=started_at,
                finished_at=started_at,
                rows_total=table.num_rows,
                rows_inserted=table.num_rows,
                rows_updated=0,
                rows_unchanged=0,
            )
        ).inserted_primary_key[0]
    db = duckdb.connect()
    db.register(
        "pool_ids",
        pa.table({"pool": list(range(POOLS)), "pool_id": [pools[f"p{i}"] for i in range(POOLS)]}),
    )
    db.register(
        "tenant_ids",
        pa.table(
            {
                "tenant": list(range(TENANTS)),
                "tenant_id": [tenants[f"t{i}"] for i in range(TENANTS)],
            }
        ),
    )
    db.register("rows", table)
    staged = snapshot.staged_path(engine, batch_id)
    db.execute(
        f"""COPY (SELECT CAST({centre_id} AS BIGINT) AS centre_id, CAST(job AS VARCHAR) AS job_id,
                         CAST(pool_id AS BIGINT) AS pool_id, CAST(tenant_id AS BIGINT) AS tenant_id,
                         start AS started_at, "end" AS ended_at, CAST({LANE} AS BIGINT) AS cards,
                         CAST((epoch("end") - epoch(start)) / 3600.0 * {LANE} * 10000 AS BIGINT) AS card_hours,
                         'training' AS job_type, fee_fen AS fee
                  FROM rows JOIN pool_ids USING (pool) JOIN tenant_ids USING (tenant) ORDER BY start)
            TO '{staged}' (FORMAT parquet)"""
    )
    snapshot.publish(staged, batch_id, started_at, overlap=False)
    db.close()


def orm_baseline(engine, path: Path, sample: int) -> float:
    """Rows per second, row by row through the ORM, on the first ``sample`` rows (rolled back)."""
    from xinzhi.domain.values import parse_money_fen

    started = time.perf_counter()
    with engine.connect() as conn, conn.begin() as transaction:
        from sqlalchemy.orm import Session

        session = Session(bind=conn)
        with path.open(encoding="utf-8") as handle:
            reader = csv.reader(handle)
            next(reader)
            for n, (job, account, pool, start, end, cards, fee) in enumerate(reader):
                if n == sample:
                    break
                tenant_id = session.scalar(
                    sa.select(ComputeTenant.id).where(ComputeTenant.account == account)
                )
                pool_id = session.scalar(sa.select(ComputePool.id).where(ComputePool.code == pool))
                s, e = parse_datetime(start), parse_datetime(end)
                assert e > s and tenant_id and pool_id
                session.add(
                    ComputeUsage(
                        centre_id=1,
                        job_id=f"orm{job}",
                        pool_id=pool_id,
                        tenant_id=tenant_id,
                        started_at=s,
                        ended_at=e,
                        cards=int(cards),
                        card_hours=(
                            Decimal(int(cards)) * Decimal((e - s).total_seconds()) / 3600
                        ).quantize(Decimal("0.0001")),
                        job_type="training",
                        fee=Decimal(parse_money_fen(fee)) / 100,
                    )
                )
                session.flush()
        transaction.rollback()
    return sample / (time.perf_counter() - started)


def python_baseline(engine, sample: int) -> float:
    """Seconds for monthly occupancy per pool by a Python loop over ``sample`` rows."""
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(
                ComputeUsage.pool_id,
                ComputeUsage.started_at,
                ComputeUsage.ended_at,
                ComputeUsage.card_hours,
            ).limit(sample)
        ).all()
    started = time.perf_counter()
    used: dict[tuple[int, str], float] = {}
    for pool_id, start, end, hours in rows:
        seconds = (end - start).total_seconds()
        per_second = float(hours) / seconds
        day = dt.datetime.combine(start.date(), dt.time())
        while day < end:
            following = day + dt.timedelta(days=1)
            part = (min(end, following) - max(start, day)).total_seconds() * per_second
            key = (pool_id, day.strftime("%Y-%m"))
            used[key] = used.get(key, 0.0) + part
            day = following
    return time.perf_counter() - started


def redemption_store(engine, count: int) -> list[tuple[str, str]]:
    """``count`` invoices of 2,000 yuan and one 10,000,000-yuan voucher per ten of them."""
    with session_scope(engine) as session:
        district = models.District(
            code="210112",
            name="浑南区",
            city="沈阳市",
            province="辽宁省",
            kind="district",
            source="bench",
            as_of=FIRST,
        )
        session.add(district)
        firm = models.Enterprise(
            credit_code="91210112MA0XK1W10Y",
            name="基准企业",
            district=district,
            founded_on=dt.date(2015, 1, 1),
            source="bench",
            as_of=FIRST,
        )
        session.add(firm)
        session.flush()
        tenant = session.scalar(sa.select(ComputeTenant).where(ComputeTenant.account == "t0"))
        tenant.enterprise_id = firm.id
        pairs = []
        for v in range(count // 10):
            voucher = ComputeVoucher(
                code=f"B{v:04d}",
                enterprise_id=firm.id,
                policy="compute_vouchers",
                amount=Decimal(10_000_000),
                balance=Decimal(10_000_000),
                share_percent=50,
                valid_from=FIRST,
                valid_to=LAST,
                status="active",
            )
            session.add(voucher)
            session.flush()
            session.add(
                ComputeLedgerEntry(
                    voucher_id=voucher.id,
                    kind="issue",
                    amount=voucher.amount,
                    balance_after=voucher.amount,
                    actor="bench",
                    active=True,
                )
            )
            for i in range(10):
                number = f"INV-{v:04d}-{i}"
                session.add(
                    ComputeInvoice(
                        centre_id=tenant.centre_id,
                        number=number,
                        tenant_id=tenant.id,
                        period_from=FIRST,
                        period_to=FIRST,
                        issued_on=FIRST,
                        fee=Decimal(2000),
                    )
                )
                pairs.append((voucher.code, number))
    return pairs


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--import-rows", type=int, default=1_000_000)
    parser.add_argument("--redemptions", type=int, default=200)
    parser.add_argument(
        "--store",
        type=Path,
        help="the bench.db a previous run left: measure the figures again on it (no import)",
    )
    args = parser.parse_args()
    log(
        f"{platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"duckdb {duckdb.__version__}; load average before: {os.getloadavg()}"
    )
    if args.store:
        figures(make_engine(f"sqlite:///{args.store}"), args.rows)
        log(f"load average after: {os.getloadavg()}")
        return
    folder = Path(tempfile.mkdtemp(prefix="bench-compute-"))
    engine = make_engine(f"sqlite:///{folder / 'bench.db'}")
    upgrade(engine)
    centre(engine)
    tenants = folder / "tenants.csv"
    tenants.write_text(
        "account,name,kind,city\n"
        + "".join(
            f"t{i},用户{i},{'university' if i % 3 else 'institute'},{'沈阳市' if i % 4 else '大连市'}\n"
            for i in range(TENANTS)
        ),
        encoding="utf-8",
    )
    assert import_compute_file(engine, "tenants", tenants, centre="BENCH", actor="bench").ok
    table = jobs(args.rows)
    first = table.slice(0, args.import_rows)
    usage = folder / "sacct.csv"
    write_csv(first, usage)
    log(f"usage file: {args.import_rows:,} rows, {usage.stat().st_size / 1e6:.0f} MB")

    orm_rate = orm_baseline(engine, usage, 5_000)
    log(f"baseline, row-by-row ORM: {orm_rate:,.0f} rows/s over 5,000 rows")
    started = time.perf_counter()
    result = import_compute_file(engine, "usage", usage, centre="BENCH", actor="bench")
    seconds = time.perf_counter() - started
    assert result.ok, result.errors[:3]
    rate = args.import_rows / seconds
    log(
        f"import {args.import_rows:,} rows: {seconds:.1f} s ({rate:,.0f} rows/s), "
        f"{rate / orm_rate:.1f}× the ORM baseline; peak RSS "
        f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"
    )

    if args.rows > args.import_rows:
        started = time.perf_counter()
        bulk_snapshot(engine, table.slice(args.import_rows))
        log(
            f"  set-up: {args.rows - args.import_rows:,} more rows as a batch file in {time.perf_counter() - started:.1f} s"
        )
    del table, first
    with engine.connect() as conn:
        in_store = conn.scalar(sa.select(sa.func.count()).select_from(ComputeUsage))
    log(f"usage rows: {args.rows:,} for the figures ({in_store:,} of them imported into the store)")
    figures(engine, args.rows)
    redemptions(engine, args.redemptions, args.rows)
    log(f"load average after: {os.getloadavg()}; store {folder}")


def figures(engine, stored: int) -> None:
    """Monthly occupancy per pool and per-tenant figures for 2023, cold then warm; against
    the Python loop on a sample of the store's rows."""
    with engine.connect() as conn:
        in_store = conn.scalar(sa.select(sa.func.count()).select_from(ComputeUsage))
    timings = []
    for attempt in ("cold", "warm"):
        started = time.perf_counter()
        months = occupancy(engine, FIRST, LAST, by="month")
        middle = time.perf_counter()
        tenants_rows = tenant_figures(engine, FIRST, LAST)
        done = time.perf_counter()
        timings.append((attempt, middle - started, done - middle))
        whole = next(o for o in months if o.pool == "*" and o.period == "2023-06")
        log(
            f"{attempt}: monthly occupancy {middle - started:.2f} s ({len(months)} rows; "
            f"June {whole.ratio * 100:.2f} %), per-tenant figures {done - middle:.2f} s "
            f"({len(tenants_rows):,} tenants); together {done - started:.2f} s"
        )
    sample = min(500_000, in_store)
    loop = python_baseline(engine, sample)
    scaled = loop * stored / sample
    log(
        f"baseline, Python loop: {loop:.2f} s for {sample:,} rows → {scaled:.1f} s for {stored:,} "
        f"(scaled); engine (warm, occupancy) {scaled / timings[1][1]:.0f}× faster"
    )


def redemptions(engine, count: int, stored: int) -> None:
    pairs = redemption_store(engine, count)
    times = []
    for voucher, invoice in pairs:
        started = time.perf_counter()
        redeem(engine, voucher, "BENCH", invoice, actor="bench", on=dt.date(2023, 6, 1))
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    log(
        f"redemption: median {statistics.median(times):.1f} ms, p95 {times[int(len(times) * 0.95) - 1]:.1f} ms, "
        f"max {times[-1]:.1f} ms over {len(times)} (each a new invoice, SQLite, {stored:,} usage rows)"
    )


if __name__ == "__main__":
    sys.exit(main())
