"""The analytic snapshot after a small import: refreshed for the touched firms, or rebuilt.

    PYTHONPATH=src .venv/bin/python benchmarks/bench_snapshot_refresh.py \\
        [--enterprises 100000] [--database FILE] [--rows 1000]

Target (issue #13): the snapshot after importing 1,000 enterprise-year rows into the
1,000,000-firm store ≤ 5 s (a full build ≤ 60 s). The city is ``bench_rules.py``'s (the demo
city, built when missing); the machine is shared, so the default is 100,000 firms and the
figure to compare is the ratio of the two measured in one run.

Steps, in one process: the current snapshot is made (compiled SQL cached); 1,000 enterprise-
year rows of the window (existing firms and years, the R&D expense one yuan higher) are
written as a CSV and imported with the ordinary pipeline; then, for the new data version,

* **refresh** — ``build_snapshot``: the firms whose rows the import wrote are recomputed from
  the store, the others copied from the older snapshot, all written in order;
* **full build** — ``build_snapshot(refresh=False)``: the population of everyone;

then the refresh once more (its file removed first). The files must be equal. The refresh
reads the touched firms' rows through Python's sqlite3, a full build runs DuckDB's scanner on
the live file in a child process (its CPU is counted); the backup copy of the whole store
both read before is timed apart. What the delta
costs a reader: the HNTE decisions (warm, best of 3) over the refreshed snapshot and over the
full build. Wall and CPU time (every thread) are printed, with ``uptime`` before and after.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import random
import tempfile
from pathlib import Path

import pyarrow.parquet as pq
import sqlalchemy as sa
from bench_rules import Clock as BaseClock
from bench_rules import build_database, open_engine, uptime

from xinzhi.assessments.runs import evaluate
from xinzhi.ingest.pipeline import import_file
from xinzhi.rulelang.engines import sqlite_reading_copy
from xinzhi.rulelang.snapshot import (
    build_snapshot,
    close_snapshots,
    current_key,
    ensure_snapshot,
    read_snapshot,
    snapshot_path,
)
from xinzhi.store.schema import upgrade

AS_OF = dt.date(2023, 12, 31)


class Clock(BaseClock):
    """Wall and CPU time, the CPU of child processes included: a full build runs DuckDB's
    SQLite scanner in a child process (engines.run_in_child)."""

    def __enter__(self):
        self.children = _children_cpu()
        return super().__enter__()

    def __exit__(self, *exc):
        super().__exit__(*exc)
        self.cpu += _children_cpu() - self.children


def _children_cpu() -> float:
    times = os.times()
    return times.children_user + times.children_system


# The enterprise-year columns a file carries (bench_import.py's), yuan for money.
COLUMNS = {
    "统一社会信用代码": "credit_code",
    "年度": "year",
    "销售收入": "revenue",
    "总收入": "total_income",
    "高新技术产品（服务）收入": "hitech_revenue",
    "资产总额": "total_assets",
    "净资产": "net_assets",
    "职工总数": "employees",
    "科技人员数": "tech_staff",
    "研究开发费用": "rd_expense",
    "境内研究开发费用": "rd_expense_domestic",
    "出口额": "exports",
    "利润总额": "profit",
}
MONEY = {"revenue", "total_income", "hitech_revenue", "total_assets", "net_assets"}
MONEY |= {"rd_expense", "rd_expense_domestic", "exports", "profit"}


def write_rows(engine, path: Path, rows: int, seed: int = 13) -> None:
    """``rows`` existing enterprise-years of the window, the R&D expense one yuan higher."""
    fields = ", ".join(
        f"y.{c}" if c != "credit_code" else "e.credit_code" for c in COLUMNS.values()
    )
    with engine.connect() as conn:
        ids = conn.execute(
            sa.text("SELECT id FROM enterprise_years WHERE year BETWEEN :a AND :b"),
            {"a": AS_OF.year - 3, "b": AS_OF.year},
        ).scalars()
        chosen = random.Random(seed).sample(list(ids), rows)
        found = conn.execute(
            sa.text(
                f"SELECT {fields} FROM enterprise_years y JOIN enterprises e "
                f"ON e.id = y.enterprise_id WHERE y.id IN ({', '.join(map(str, chosen))})"
            )
        ).all()
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(list(COLUMNS))
        for row in found:
            record = dict(zip(COLUMNS.values(), row, strict=True))
            if record["rd_expense"] is not None:
                record["rd_expense"] += 100  # fen: one yuan more
            writer.writerow([_cell(name, value) for name, value in record.items()])


def _cell(name: str, value) -> str:
    if value is None:
        return ""
    if name in MONEY:
        return f"{value // 100}.{value % 100:02d}"
    return str(value)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--enterprises", type=int, default=100_000)
    parser.add_argument("--database", type=Path, help="default var/bench-N.db")
    parser.add_argument("--rows", type=int, default=1_000)
    args = parser.parse_args()
    database = args.database or Path(f"var/bench-{args.enterprises}.db")
    if not database.exists():
        print(f"building {database} ({args.enterprises} firms)…", flush=True)
        build_database(database, args.enterprises)
    engine = open_engine(database)
    upgrade(engine)  # a city built by an older version gets the tables an import needs
    print(uptime(), flush=True)
    with Clock() as made:
        _, built = ensure_snapshot(engine, current_key(engine, AS_OF))
    print(f"current snapshot {'made' if built else 'found'}: {made.wall:.1f} s", flush=True)
    with tempfile.TemporaryDirectory() as work:
        work = Path(work)
        write_rows(engine, work / "years.csv", args.rows)
        with Clock() as imported:
            result = import_file(engine, "enterprise_years", work / "years.csv", actor="bench")
        assert result.ok, result.errors[:3]
        print(
            f"import of {result.rows} rows ({result.updated} updated): {imported.wall:.1f} s wall",
            flush=True,
        )
        key = current_key(engine, AS_OF)
        target, fresh = snapshot_path(engine, key), work / "fresh.parquet"
        figures = {}
        for label, path, refresh in (
            ("refresh", target, True),
            ("full build", fresh, False),
            ("refresh again", target, True),
        ):
            path.unlink(missing_ok=True)
            with Clock() as clock:
                how = build_snapshot(engine, key, path, refresh=refresh)
            figures[label] = clock.figures()
            print(f"{label}: {how}, {clock.wall:.2f} s wall, {clock.cpu:.2f} s CPU", flush=True)
            assert how == ("refreshed" if refresh else "built"), how
            if target.exists() and fresh.exists():
                same = read_snapshot(target).equals(pq.read_table(fresh))
                assert same, "refresh ≠ full build"
        print("refreshed file equals the full build: yes")
        # What a refresh and a full build paid before (the touched firms read through
        # sqlite3, everyone's rows in a child process): a backup copy of the whole store.
        with Clock() as clock:
            sqlite_reading_copy(str(database)).unlink()
        figures["copy"] = clock.figures()
        print(f"copy of the store: {clock.wall:.2f} s wall, {clock.cpu:.2f} s CPU", flush=True)
        # What the delta costs a reader: the HNTE decisions over it and over the full build.
        for label, snapshot in (("over the delta", target), ("over the full build", fresh)):
            evaluate(engine, as_of=AS_OF, only={"hnte"}, words=False, snapshot=snapshot)
            best = None
            for _ in range(3):
                with Clock() as clock:
                    evaluate(engine, as_of=AS_OF, only={"hnte"}, words=False, snapshot=snapshot)
                best = clock.figures() if best is None or clock.wall < best[0] else best
            figures[label] = best
            print(f"HNTE decisions, warm, {label}: {best[0]:.2f} s wall, {best[1]:.2f} s CPU")
        close_snapshots()
    print(uptime())
    full_wall, full_cpu = figures["full build"]
    for label in ("refresh", "refresh again"):
        wall, cpu = figures[label]
        print(
            f"full build ÷ {label}: {full_wall / wall:.1f}× wall, {full_cpu / cpu:.1f}× CPU",
            flush=True,
        )


if __name__ == "__main__":
    main()
