"""Build the demo city into a fresh SQLite file: wall time and peak RSS.

Target: the default city (20,000 enterprises) in ≤ 60 s on 2 cores, including writing
(aim ≤ 20 s); larger cities (``--enterprises 1000000``) must work in < 4 GB.
Each size is built in a child process, so that its peak RSS is the build's own.

    .venv/bin/python benchmarks/bench_demo.py [--enterprises 20000 200000] [--seed 2023]
"""

from __future__ import annotations

import argparse
import multiprocessing
import platform
import resource
import sqlite3
import tempfile
import time
from pathlib import Path

from xinzhi.demo import build_demo_city
from xinzhi.store.db import make_engine
from xinzhi.store.schema import upgrade

TARGET_SECONDS = {20_000: 60}
MEMORY_LIMIT_MB = 4096


def _build(database: str, seed: int, enterprises: int, queue) -> None:
    engine = make_engine(f"sqlite:///{database}")
    upgrade(engine)
    start = time.perf_counter()
    summary = build_demo_city(engine, seed=seed, enterprises=enterprises)
    seconds = time.perf_counter() - start
    engine.dispose()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    queue.put((seconds, peak_mb, summary.rows, summary.archetypes))


def run(database: Path, seed: int, enterprises: int):
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_build, args=(str(database), seed, enterprises, queue))
    process.start()
    outcome = queue.get()
    process.join()
    return outcome


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--enterprises", type=int, nargs="+", default=[20_000])
    parser.add_argument("--seed", type=int, default=2023)
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {multiprocessing.cpu_count()} cores, "
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}"
    )
    for enterprises in args.enterprises:
        with tempfile.TemporaryDirectory() as tmp:
            database = Path(tmp) / "demo.db"
            seconds, peak_mb, rows, archetypes = run(database, args.seed, enterprises)
            size_mb = database.stat().st_size / 2**20
        total = sum(rows.values())
        print(
            f"demo city, {enterprises:,} enterprises (seed {args.seed}): {seconds:.1f} s, "
            f"peak RSS {peak_mb:,.0f} MB, {total:,} rows ({total / seconds:,.0f} rows/s), "
            f"file {size_mb:,.0f} MB"
        )
        print("  rows: " + ", ".join(f"{table} {count:,}" for table, count in rows.items()))
        print(
            "  archetypes: " + ", ".join(f"{name} {count:,}" for name, count in archetypes.items())
        )
        target = TARGET_SECONDS.get(enterprises)
        verdicts = [f"≤ {MEMORY_LIMIT_MB} MB → {'met' if peak_mb <= MEMORY_LIMIT_MB else 'MISSED'}"]
        if target:
            verdicts.insert(0, f"≤ {target} s → {'met' if seconds <= target else 'MISSED'}")
        print("  targets: " + "; ".join(verdicts))


if __name__ == "__main__":
    main()
