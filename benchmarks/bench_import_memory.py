"""Peak memory of an import whose every row repeats one bad credit code (issue #16, finding 1).

Target: peak RSS above the idle process ≤ 3× the file size for a 50 MB CSV. The idle
process is the same child after its imports, engine and schema are ready, just before the
import starts; the peak is the child's ``ru_maxrss``.

    .venv/bin/python benchmarks/bench_import_memory.py [--mb 50]
"""

from __future__ import annotations

import argparse
import csv
import multiprocessing
import platform
import resource
import tempfile
import time
from pathlib import Path

from bench_import import HEADER, codes, prepare

BAD_CODE = "91210112MA0XK1WQ40"  # fails the GB 32100 check character


def write_csv(path: Path, megabytes: int) -> int:
    rows = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        while handle.tell() < megabytes * 1_000_000:
            for _ in range(1000):
                writer.writerow([BAD_CODE, 2023, *(["1234567.89"] * 5), 120, 18, *(["99.5"] * 4)])
            rows += 1000
    return rows


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def _child(database: str, csv_path: str, queue) -> None:
    from xinzhi.ingest.pipeline import import_file
    from xinzhi.store.db import make_engine

    engine = make_engine(f"sqlite:///{database}")
    with engine.connect():
        pass
    idle = _rss_mb()
    start = time.perf_counter()
    result = import_file(engine, "enterprise_years", Path(csv_path), actor="bench")
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    queue.put((idle, peak, seconds, result.rows, result.error_count, len(result.errors)))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        csv_path = tmp / "bad_codes.csv"
        rows = write_csv(csv_path, args.mb)
        size_mb = csv_path.stat().st_size / 1_000_000
        prepare(tmp / "bench.db", codes(10))
        context = multiprocessing.get_context("spawn")
        queue = context.Queue()
        process = context.Process(target=_child, args=(str(tmp / "bench.db"), str(csv_path), queue))
        process.start()
        idle, peak, seconds, seen, error_count, kept = queue.get()
        process.join()
    growth = peak - idle
    print(f"machine: {platform.machine()}, {multiprocessing.cpu_count()} cores")
    print(f"file: {size_mb:.1f} MB, {rows:,} rows, every row with the bad code {BAD_CODE}")
    print(f"import: {seconds:.1f} s, {seen:,} rows, {error_count:,} errors, {kept:,} kept")
    print(f"RSS idle {idle:.0f} MB, peak {peak:.0f} MB: +{growth:.0f} MB")
    print(f"growth / file size: {growth / size_mb:.2f}x (target <= 3x)")


if __name__ == "__main__":
    main()
