"""Briefings: the demo city's 2023 annual briefing (Word and PDF), and the same at 1M firms.

    .venv/bin/python benchmarks/bench_briefings.py [--db var/demo.db] [--db-1m var/demo-1m.db]
                                                   [--skip-1m] [--repeat 2]

Targets (issue #18): the demo city's annual briefing ≤ 10 s; ≤ 60 s at 1,000,000 firms.

Each database is the demo city built by ``xinzhi demo`` (registry, chains, matching lists, a
recorded assessment run and policy run) — built when the file is missing: the default city
(19,938 firms) in about 1–2 minutes, ``--enterprises 1000000`` in about 15–25 minutes on 2
shared cores. For each, measured:

* **cli**: ``xinzhi report annual --year 2023 -o 简报.docx`` and ``… .pdf`` as a user runs them,
  each in a fresh process (interpreter start, imports, measuring, charts, writing);
* **in process** (after one warm-up run): composing the briefing (every section timed), then
  rendering the .docx and the PDF;
* **baseline**: the dashboard's own computation of the year's KPIs (``compute_dashboard``) on
  the same data, the figures staff copy by hand into a briefing today — the ratio says what
  the complete briefing costs over the figures alone.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGETS = {"demo": 10.0, "1m": 60.0}


def uptime() -> str:
    return (
        Path("/proc/loadavg").read_text().split(" ")[0] if Path("/proc/loadavg").exists() else "?"
    )


def env_for(database: Path) -> dict:
    env = dict(os.environ)
    env["XINZHI_DATABASE_URL"] = f"sqlite:///{database}"
    env["PYTHONPATH"] = str(ROOT / "src")
    return env


def xinzhi(*args: str, database: Path) -> float:
    started = time.perf_counter()
    subprocess.run(
        [str(Path(sys.executable).parent / "xinzhi"), *args],
        env=env_for(database),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


def ensure(database: Path, enterprises: int) -> None:
    if database.exists():
        return
    database.parent.mkdir(parents=True, exist_ok=True)
    print(f"building {database} ({enterprises:,} firms) …", flush=True)
    seconds = xinzhi("demo", "--enterprises", str(enterprises), database=database)
    print(f"  built in {seconds:.0f} s")


def in_process(database: Path, repeat: int) -> dict:
    sys.path.insert(0, str(ROOT / "src"))
    from xinzhi.documents.briefings import compose
    from xinzhi.documents.briefings.pdf import render_pdf
    from xinzhi.documents.briefings.word import render_docx
    from xinzhi.metrics.kpis import compute_dashboard
    from xinzhi.metrics.periods import Period
    from xinzhi.store.db import make_engine

    engine = make_engine(f"sqlite:///{database}")
    sections: dict[str, float] = {}
    original = list(compose.SECTIONS)
    compose.SECTIONS[:] = [
        (key, (lambda ctx, b=builder, k=key: _timed(sections, k, b, ctx)))
        for key, builder in original
    ]
    period = Period("annual", 2023)
    compose.build_briefing(engine, period)  # warm-up: imports, fonts, the page cache
    best: dict[str, float] = {}
    for _ in range(repeat):
        sections.clear()
        started = time.perf_counter()
        briefing = compose.build_briefing(engine, period)
        compose_s = time.perf_counter() - started
        started = time.perf_counter()
        render_docx(briefing)
        docx_s = time.perf_counter() - started
        started = time.perf_counter()
        render_pdf(briefing)
        pdf_s = time.perf_counter() - started
        started = time.perf_counter()
        compute_dashboard(engine, 2023)
        dashboard_s = time.perf_counter() - started
        run = {"compose": compose_s, "docx": docx_s, "pdf": pdf_s, "dashboard": dashboard_s}
        run.update({f"section {k}": v for k, v in sections.items()})
        for key, value in run.items():
            best[key] = min(best.get(key, value), value)
    compose.SECTIONS[:] = original
    headline = briefing.sections[0].bullets[0].text
    engine.dispose()
    return {"times": best, "headline": headline}


def _timed(store: dict, key: str, builder, ctx):
    started = time.perf_counter()
    try:
        return builder(ctx)
    finally:
        store[key] = time.perf_counter() - started


def measure(label: str, database: Path, repeat: int) -> None:
    target = TARGETS[label]
    print(f"\n== {label}: {database} (load before {uptime()})")
    with tempfile.TemporaryDirectory(prefix="bench-briefings-") as work:
        docx = xinzhi(
            "report", "annual", "--year", "2023", "-o", f"{work}/简报.docx", database=database
        )
        pdf = xinzhi(
            "report", "annual", "--year", "2023", "-o", f"{work}/简报.pdf", database=database
        )
    print(f"cli  .docx {docx:6.1f} s ({docx / target:.2f} of the {target:.0f} s target)")
    print(f"cli  .pdf  {pdf:6.1f} s ({pdf / target:.2f} of the {target:.0f} s target)")
    found = in_process(database, repeat)
    times = found["times"]
    for key, value in times.items():
        print(f"     {key:<22} {value:6.2f} s")
    total = times["compose"] + times["docx"] + times["pdf"]
    print(
        f"in process: compose + docx + pdf {total:.2f} s = "
        f"{total / times['dashboard']:.1f}× the dashboard's KPI computation ({times['dashboard']:.2f} s)"
    )
    print(f"headline: {found['headline']}")
    print(f"load after: {uptime()}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", type=Path, default=ROOT / "var" / "demo.db")
    parser.add_argument("--db-1m", type=Path, default=ROOT / "var" / "demo-1m.db")
    parser.add_argument("--skip-1m", action="store_true")
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    ensure(args.db.resolve(), 19_938)
    measure("demo", args.db.resolve(), args.repeat)
    if not args.skip_1m:
        ensure(args.db_1m.resolve(), 1_000_000)
        measure("1m", args.db_1m.resolve(), args.repeat)


if __name__ == "__main__":
    main()
