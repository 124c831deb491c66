"""Import of a 1,000,000-row enterprise-year CSV with full validation into SQLite (issue #2).

Target: ≤ 60 s and ≤ 2 GB peak RSS on 2 cores. Baseline, in the same run: row-by-row ORM
inserts (a session.add + flush per row, looking the enterprise up by credit code), timed on
a sample and compared as rows per second.

    .venv/bin/python benchmarks/bench_import.py [--rows 1000000] [--baseline-rows 20000]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import multiprocessing
import platform
import random
import resource
import sqlite3
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from xinzhi.domain.credit_code import make_credit_code
from xinzhi.ingest.pipeline import import_file
from xinzhi.store import models
from xinzhi.store.db import make_engine
from xinzhi.store.schema import upgrade

YEARS = (2021, 2022, 2023)
HEADER = [
    "统一社会信用代码",
    "年度",
    "销售收入",
    "总收入",
    "高新技术产品（服务）收入",
    "资产总额",
    "净资产",
    "职工总数",
    "科技人员数",
    "研究开发费用",
    "境内研究开发费用",
    "出口额",
    "利润总额",
]
ORG_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def codes(count: int) -> list[str]:
    out = []
    for i in range(count):
        body, n = "", i
        for _ in range(6):
            n, r = divmod(n, len(ORG_CHARS))
            body = ORG_CHARS[r] + body
        out.append(make_credit_code("9", "1", "210112", "MA" + body))
    return out


def prepare(database: Path, firms: list[str]) -> None:
    engine = make_engine(f"sqlite:///{database}")
    upgrade(engine)
    as_of = dt.date(2023, 8, 31)
    with engine.begin() as conn:
        district = conn.execute(
            sa.insert(models.District).values(
                code="210112",
                name="浑南区",
                city="沈阳市",
                province="辽宁省",
                kind="district",
                source="bench",
                as_of=as_of,
            )
        ).inserted_primary_key[0]
        conn.execute(
            sa.insert(models.Enterprise),
            [
                {
                    "credit_code": c,
                    "name": f"企业{i}",
                    "district_id": district,
                    "founded_on": dt.date(2010, 1, 1),
                    "source": "bench",
                    "as_of": as_of,
                }
                for i, c in enumerate(firms)
            ],
        )
    engine.dispose()


def write_csv(path: Path, firms: list[str], rows: int) -> None:
    rng = random.Random(7)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for i in range(rows):
            revenue = rng.randrange(1_000_000, 500_000_000_00) / 100
            rd = revenue * rng.uniform(0.01, 0.08)
            staff = rng.randrange(5, 800)
            writer.writerow(
                [
                    firms[i // len(YEARS)],
                    YEARS[i % len(YEARS)],
                    f"{revenue:.2f}",
                    f"{revenue * 1.02:.2f}",
                    f"{revenue * 0.7:.2f}",
                    f"{revenue * 1.5:.2f}",
                    f"{revenue * 0.4:.2f}",
                    staff,
                    staff // 6,
                    f"{rd:.2f}",
                    f"{rd * 0.9:.2f}",
                    f"{revenue * 0.05:.2f}",
                    f"{revenue * 0.08:.2f}",
                ]
            )


def _pipeline(database: str, csv_path: str, queue) -> None:
    engine = make_engine(f"sqlite:///{database}")
    start = time.perf_counter()
    result = import_file(engine, "enterprise_years", Path(csv_path), actor="bench")
    seconds = time.perf_counter() - start
    assert result.ok, result.errors[:5]
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    queue.put((seconds, peak_mb, result.inserted))


def run_pipeline(database: Path, csv_path: Path) -> tuple[float, float, int]:
    """In a child process, so that its peak RSS is the import's own."""
    queue = multiprocessing.get_context("spawn").Queue()
    process = multiprocessing.get_context("spawn").Process(
        target=_pipeline, args=(str(database), str(csv_path), queue)
    )
    process.start()
    outcome = queue.get()
    process.join()
    return outcome


def run_baseline(database: Path, csv_path: Path, rows: int) -> float:
    """Row by row through the ORM, as a straightforward implementation would."""
    engine = make_engine(f"sqlite:///{database}")
    start = time.perf_counter()
    with Session(engine) as session, csv_path.open(encoding="utf-8") as handle:
        reader = csv.reader(handle)
        next(reader)
        for count, row in enumerate(reader):
            if count == rows:
                break
            enterprise_id = session.scalar(
                sa.select(models.Enterprise.id).where(models.Enterprise.credit_code == row[0])
            )
            money = [Decimal(v) for v in row[2:7]] + [Decimal(v) for v in row[9:]]
            session.add(
                models.EnterpriseYear(
                    enterprise_id=enterprise_id,
                    year=int(row[1]),
                    revenue=money[0],
                    total_income=money[1],
                    hitech_revenue=money[2],
                    total_assets=money[3],
                    net_assets=money[4],
                    employees=int(row[7]),
                    tech_staff=int(row[8]),
                    rd_expense=money[5],
                    rd_expense_domestic=money[6],
                    exports=money[7],
                    profit=money[8],
                    source="bench",
                    as_of=dt.date(int(row[1]), 12, 31),
                )
            )
            session.flush()
        session.commit()
    engine.dispose()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--baseline-rows", type=int, default=20_000)
    args = parser.parse_args()
    firms = codes(-(-args.rows // len(YEARS)))
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        csv_path = tmp / "enterprise_years.csv"
        write_csv(csv_path, firms, args.rows)
        for name in ("pipeline.db", "baseline.db"):
            prepare(tmp / name, firms)
        seconds, peak_mb, inserted = run_pipeline(tmp / "pipeline.db", csv_path)
        baseline_seconds = run_baseline(tmp / "baseline.db", csv_path, args.baseline_rows)
    ours = inserted / seconds
    theirs = args.baseline_rows / baseline_seconds
    print(
        f"machine: {platform.machine()}, {multiprocessing.cpu_count()} cores, "
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}"
    )
    print(
        f"pipeline: {inserted:,} rows in {seconds:.1f} s ({ours:,.0f} rows/s), "
        f"peak RSS {peak_mb:,.0f} MB"
    )
    print(
        f"baseline (row-by-row ORM, {args.baseline_rows:,} rows): {baseline_seconds:.1f} s "
        f"({theirs:,.0f} rows/s); pipeline is {ours / theirs:.1f}× faster"
    )
    print(
        f"targets: ≤ 60 s → {'met' if seconds <= 60 else 'MISSED'}; "
        f"≤ 2048 MB → {'met' if peak_mb <= 2048 else 'MISSED'}"
    )


if __name__ == "__main__":
    main()
