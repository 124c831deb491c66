"""Spreadsheet bombs: how fast each is refused and what it costs in memory (issue #16, finding 2).

Target: each refused in ≤ 2 s with RSS growing by ≤ 3× the file size. Each bomb (built by
tests/ingest/bombs.py) is imported in a fresh process; idle is that process ready to import,
its peak RSS reset there (/proc/self/clear_refs), so the growth is the import's own.

    PYTHONPATH=src:benchmarks:tests/ingest .venv/bin/python benchmarks/bench_import_limits.py
"""

from __future__ import annotations

import multiprocessing
import tempfile
import time
from pathlib import Path

from bench_import import codes, prepare
from bench_import_memory import _rss_mb
from bombs import BOMBS


def _child(database: str, path: str, queue) -> None:
    from xinzhi.ingest.pipeline import import_file
    from xinzhi.ingest.readers import ImportFileError
    from xinzhi.store.db import make_engine

    engine = make_engine(f"sqlite:///{database}")
    with engine.connect():
        pass
    Path("/proc/self/clear_refs").write_text("5")  # resets the peak (VmHWM) to the current RSS
    idle = _rss_mb()
    start = time.perf_counter()
    try:
        import_file(engine, "enterprises", Path(path), actor="bench")
        outcome = "NOT REFUSED"
    except ImportFileError as error:
        outcome = error.en[:70]
    seconds = time.perf_counter() - start
    queue.put((seconds, _peak_mb() - idle, outcome))


def _peak_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM")


def main() -> None:
    context = multiprocessing.get_context("spawn")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        prepare(tmp / "bench.db", codes(1))
        print("| bomb | file | refused in | RSS growth | growth / file | message |")
        print("|---|---|---|---|---|---|")
        for name, build in BOMBS.items():
            path = build(tmp)
            size_kb = path.stat().st_size / 1000
            queue = context.Queue()
            process = context.Process(target=_child, args=(str(tmp / "bench.db"), str(path), queue))
            process.start()
            seconds, growth_mb, outcome = queue.get()
            process.join()
            ratio = growth_mb * 1000 / size_kb
            print(
                f"| {name} | {size_kb:,.1f} KB | {seconds * 1000:,.1f} ms | {growth_mb:+.1f} MB "
                f"| {ratio:.1f}× | {outcome} |"
            )


if __name__ == "__main__":
    main()
