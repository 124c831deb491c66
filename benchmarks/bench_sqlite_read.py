"""One firm's policy run (the enterprise profile page) over a SQLite store: its rows read
through Python's sqlite3, against a backup copy of the whole store.

    PYTHONPATH=src:benchmarks .venv/bin/python benchmarks/bench_sqlite_read.py \\
        --database COPY-OF-demo.db [--firms 20]

DuckDB's SQLite scanner must never open the live file in this process (docs/rules.md). A
one-firm run used to read a backup copy of the whole store (``open_store(engine)``); it now
reads the firm's rows alone (``open_store(engine, firms=[id])``). For the same random firms,
in one process and alternating the order, the script times

* **the store read alone**: opening the store and reading the tables the policy frame reads
  (``enterprises``, ``parks``, ``tech_contracts``, ``platforms``, ``import_batches``);
* **the whole one-firm policy run** (``evaluate_policies(enterprise_id=…)``), checking that
  both reads give the same payouts and clause values.

Median, fastest and slowest wall times are printed with ``uptime`` before and after. The
store is only read (its snapshot is made beside it when missing): give a copy.

``--shares 0.01,0.2`` times instead reading the population's tables for that share of the
firms (a refresh's read: what it costs as the touched firms grow) against a backup copy.

``--plain`` times the one-firm policy run alone (wall and CPU, the same firms), and
``--everyone`` the policy run over everyone and a what-if (best of 3), with nothing this
change added: run them with ``PYTHONPATH`` set to the code before and to the code after.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from pathlib import Path

import sqlalchemy as sa
from bench_rules import Clock, open_engine, uptime

import xinzhi.policies.runs as policy_runs
from xinzhi.policies.runs import evaluate_policies
from xinzhi.rulelang.engines import open_store, sqlite_reading_copy

FRAME_TABLES = ("enterprises", "parks", "tech_contracts", "platforms", "import_batches")


def read_tables(engine, firms: list[int] | None) -> None:
    store = open_store(engine, "duckdb", firms=firms)
    try:
        for name in FRAME_TABLES:
            table = store.table(name)
            if table is not None:
                store.to_arrow(table.limit(1))
    finally:
        store.close()


def whole_store(engine, backend, firms=None):
    """``open_store`` as a one-firm run called it before: everyone's rows, from a copy."""
    return open_store(engine, backend)


POPULATION_TABLES = (
    "enterprises",
    "enterprise_years",
    "ip_rights",
    "platforms",
    "incidents",
    "standards",
    "awards",
    "financing_rounds",
    "innovation_reviews",
    "districts",
    "import_batches",
)


def shares(engine, fractions: list[float]) -> None:
    """The population's tables read for a share of the firms, through sqlite3."""
    print(uptime(), flush=True)
    with engine.connect() as conn:
        ids = conn.execute(sa.text("SELECT id FROM enterprises")).scalars().all()
    for fraction in [fractions[0], *fractions]:  # the first once more: warm-up
        firms = sorted(random.Random(1).sample(ids, max(1, int(len(ids) * fraction))))
        with Clock() as clock:
            store = open_store(engine, "duckdb", firms=firms)
            rows = 0
            for name in POPULATION_TABLES:
                counted = store.to_arrow(store.table(name).count().as_table())
                rows += counted.column(0)[0].as_py()
            store.close()
        print(
            f"{fraction:.1%} of the firms ({len(firms):,}): {rows:,} rows, "
            f"{clock.wall:.2f} s wall, {clock.cpu:.2f} s CPU",
            flush=True,
        )
    with Clock() as clock:
        sqlite_reading_copy(str(engine.url.database)).unlink()
    print(f"a backup copy of the store: {clock.wall:.2f} s wall, {clock.cpu:.2f} s CPU")
    print(uptime())


def everyone(engine) -> None:
    """The policy run over everyone and a what-if of one parameter, best of 3 (warm)."""
    from xinzhi.policies.whatif import whatif

    steps = {
        "policy run, everyone": lambda: evaluate_policies(engine),
        "what-if min_turnover=4000": lambda: whatif(
            engine, "shenyang_tech_contract_reward", ["min_turnover=4000"]
        ),
    }
    for label, step in steps.items():
        step()  # snapshot, compiled SQL
        best = None
        for _ in range(3):
            with Clock() as clock:
                step()
            best = clock if best is None or clock.wall < best.wall else best
        print(f"{label}: best {best.wall:.2f} s wall, {best.cpu:.2f} s CPU", flush=True)
    print(uptime())


def plain(engine, firms: list[int]) -> None:
    walls, cpus = [], []
    for firm in firms:
        with Clock() as clock:
            evaluate_policies(engine, enterprise_id=firm)
        walls.append(clock.wall)
        cpus.append(clock.cpu)
    print(
        f"one-firm policy run: median {statistics.median(walls) * 1000:.0f} ms wall, "
        f"{statistics.median(cpus) * 1000:.0f} ms CPU (fastest {min(walls) * 1000:.0f} ms, "
        f"slowest {max(walls) * 1000:.0f} ms)"
    )
    print(uptime())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", type=Path, required=True)
    parser.add_argument("--firms", type=int, default=20)
    parser.add_argument("--plain", action="store_true", help="the one-firm run alone")
    parser.add_argument("--shares", help="comma-separated shares of the firms to read")
    parser.add_argument("--everyone", action="store_true", help="runs over everyone")
    args = parser.parse_args()
    if args.shares:
        shares(open_engine(args.database), [float(x) for x in args.shares.split(",")])
        return
    engine = open_engine(args.database)
    with engine.connect() as conn:
        ids = conn.execute(sa.text("SELECT id FROM enterprises")).scalars().all()
    firms = random.Random(13).sample(ids, args.firms)
    print(uptime(), flush=True)
    print(f"{args.database}: {len(ids)} firms, {args.database.stat().st_size / 1e6:.0f} MB")
    evaluate_policies(engine, enterprise_id=firms[0])  # snapshot, compiled SQL, imports
    if args.plain:
        plain(engine, firms)
        return
    if args.everyone:
        everyone(engine)
        return
    read_tables(engine, [firms[0]])
    times: dict[str, list[float]] = {k: [] for k in ("read", "read copy", "run", "run copy")}
    for i, firm in enumerate(firms):
        steps = [("read", [firm]), ("read copy", None)]
        for label, chosen in steps if i % 2 == 0 else steps[::-1]:
            started = time.perf_counter()
            read_tables(engine, chosen)
            times[label].append(time.perf_counter() - started)
        runs = {}
        for label in ("run", "run copy") if i % 2 == 0 else ("run copy", "run"):
            if label == "run copy":
                policy_runs.open_store = whole_store
            try:
                started = time.perf_counter()
                runs[label] = evaluate_policies(engine, enterprise_id=firm)
                times[label].append(time.perf_counter() - started)
            finally:
                policy_runs.open_store = open_store
        a, b = runs["run"], runs["run copy"]
        assert a.results.equals(b.results), firm
        assert a.detail.keys() == b.detail.keys(), firm
        assert all(a.detail[k].equals(b.detail[k]) for k in a.detail), firm
    print(f"same payouts and clause values for all {len(firms)} firms: yes")
    for label, figures in times.items():
        print(
            f"{label:10s} median {statistics.median(figures) * 1000:7.0f} ms, fastest "
            f"{min(figures) * 1000:7.0f} ms, slowest {max(figures) * 1000:7.0f} ms",
            flush=True,
        )
    for what in ("read", "run"):
        ratio = statistics.median(times[f"{what} copy"]) / statistics.median(times[what])
        print(f"{what}: copy ÷ firm rows (medians) {ratio:.1f}×")
    print(uptime())


if __name__ == "__main__":
    main()
