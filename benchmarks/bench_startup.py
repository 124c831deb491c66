"""Start-up of the command line: what `xinzhi assess` imports before it evaluates anything.

    .venv/bin/python benchmarks/bench_startup.py [--baseline main] [--runs 5]

Baseline: the same measurements over the ``src/`` of another git revision (``--baseline``,
default ``main``), extracted with ``git archive``; both run alternately in fresh processes
on the same interpreter, so the machine's load falls on both alike. Per tree, the median of:

* ``import xinzhi.cli`` — the self time of every module ``python -X importtime`` reports,
  summed (the whole import, the command tree included);
* ``xinzhi assess --help`` — wall time of a fresh process;
* the schema check every command makes (``ensure_current`` on a current database) — wall
  time of a fresh process, imports included.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(src: Path, code: str, *flags: str) -> tuple[float, str]:
    env = {**os.environ, "PYTHONPATH": str(src)}
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, *flags, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    return time.perf_counter() - started, done.stderr


def import_seconds(src: Path) -> float:
    _, shown = run(src, "import xinzhi.cli", "-X", "importtime")
    total = 0
    for line in shown.splitlines():
        if line.startswith("import time:") and "|" in line:
            field = line.split("|")[0].split(":")[1].strip()
            if field.isdigit():
                total += int(field)  # self time, µs
    return total / 1e6


HELP = (
    "from xinzhi.cli import app\ntry:\n    app(['assess', '--help'])\nexcept SystemExit:\n    pass"
)


def schema_check(database: Path) -> str:
    return (
        "from xinzhi.store.db import make_engine\nfrom xinzhi.store.schema import ensure_current\n"
        f"ensure_current(make_engine('sqlite:///{database}'))"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", default="main")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print(subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())
    with tempfile.TemporaryDirectory() as work:
        work = Path(work)
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", args.baseline, "src"],
            capture_output=True,
            check=True,
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(work)], input=archive, check=True)
        trees = {args.baseline: work / "src", "this tree": ROOT / "src"}
        database = work / "current.db"
        run(trees["this tree"], schema_check(database))  # created and migrated once
        figures: dict[str, dict[str, list[float]]] = {
            name: {"import": [], "help": [], "schema": []} for name in trees
        }
        for _ in range(args.runs):
            for name, src in trees.items():
                figures[name]["import"].append(import_seconds(src))
                figures[name]["help"].append(run(src, HELP)[0])
                figures[name]["schema"].append(run(src, schema_check(database))[0])
    print(subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())
    print(f"medians of {args.runs} alternating runs, seconds:")
    print("| | " + " | ".join(trees) + " | ratio |")
    print("|---|" + "---|" * (len(trees) + 1))
    for label, key in (
        ("`import xinzhi.cli` (importtime, self times summed)", "import"),
        ("`xinzhi assess --help`, fresh process, wall", "help"),
        ("schema check of a current database, fresh process, wall", "schema"),
    ):
        medians = [statistics.median(figures[name][key]) for name in trees]
        print(
            f"| {label} | "
            + " | ".join(f"{m:.2f}" for m in medians)
            + f" | {medians[0] / medians[1]:.2f}× |"
        )


if __name__ == "__main__":
    main()
