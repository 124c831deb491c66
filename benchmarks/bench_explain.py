"""One firm's explanation (the enterprise profile): replayed over the run's snapshot, or read
from the words kept with the run.

    PYTHONPATH=src:benchmarks .venv/bin/python benchmarks/bench_explain.py \\
        [--enterprises 100000] [--database FILE] [--firms 20] [--profile]

Target (issue #13): one firm's explanation ≤ 50 ms. The city is ``bench_rules.py``'s. Steps, in
one process: a decisions-first run over everyone is recorded (``evaluate(words=False)`` and
``record``); then, per firm (``--firms`` random firms, the same for each path), the
profile's path ``enterprise_results`` — the run's declarations and its one firm, explained:

* **replayed** — before the run's words exist: every declaration's program with words
  (``rulelang.vectorised``) run over the firm's snapshot row (one row group read);
* the run's words produced for everyone (``read_results``: what the cultivation page or an
  export asks for), which also keeps every clause's value beside the run;
* **kept** — the firm's rows read from those files (one 2,048-row batch of an uncompressed
  Arrow file per declaration, found from the batches' last firms).

Each path's explanations are compared (all lines of every assessment). Wall times: first,
median and slowest firm; ``--profile`` prints a pyinstrument profile of one firm per path.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from pathlib import Path

import sqlalchemy as sa
from bench_rules import Clock, build_database, open_engine, uptime

from xinzhi.assessments.results import enterprise_results
from xinzhi.assessments.runs import evaluate, latest_run, read_results, record
from xinzhi.store.schema import upgrade


def explained(engine, firm: int) -> list[str]:
    return [line for e in enterprise_results(engine, firm) for line in e.lines("zh")]


def timed(engine, firms: list[int], profile: bool) -> tuple[list[float], dict[int, list[str]]]:
    seconds, lines = [], {}
    for firm in firms:
        started = time.perf_counter()
        lines[firm] = explained(engine, firm)
        seconds.append(time.perf_counter() - started)
    if profile:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.0005)
        profiler.start()
        explained(engine, firms[-1])
        profiler.stop()
        print(profiler.output_text(unicode=False, color=False))
    return seconds, lines


def summary(label: str, seconds: list[float]) -> str:
    return (
        f"{label}: first {seconds[0] * 1000:.0f} ms, median "
        f"{statistics.median(seconds[1:] or seconds) * 1000:.0f} ms, slowest "
        f"{max(seconds) * 1000:.0f} ms over {len(seconds)} firms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--enterprises", type=int, default=100_000)
    parser.add_argument("--database", type=Path, help="default var/bench-N.db")
    parser.add_argument("--firms", type=int, default=20)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    database = args.database or Path(f"var/bench-{args.enterprises}.db")
    if not database.exists():
        build_database(database, args.enterprises)
    engine = open_engine(database)
    upgrade(engine)
    print(uptime(), flush=True)
    with Clock() as run_clock:
        result = evaluate(engine, words=False)
        record(engine, result, actor="bench")
    print(f"decisions-first run, recorded: {run_clock.wall:.1f} s wall", flush=True)
    with engine.connect() as conn:
        ids = list(conn.execute(sa.text("SELECT id FROM enterprises")).scalars())
    firms = random.Random(5).sample(ids, args.firms)
    replayed, before = timed(engine, firms, args.profile)
    print(summary("replayed over the snapshot", replayed), flush=True)
    with Clock() as words:
        read_results(latest_run(engine))
    print(f"the run's words produced and kept: {words.wall:.1f} s wall, {words.cpu:.1f} s CPU")
    kept, after = timed(engine, firms, args.profile)
    print(summary("read from the kept words", kept), flush=True)
    assert before == after, "the two paths explain differently"
    print(f"same explanations on both paths: {len(firms)} firms, every assessment")
    print(uptime())


if __name__ == "__main__":
    main()
