#!/usr/bin/env python3
"""The demo city's outputs in a canonical, comparable form — to check that a refactoring
changed no result.

    scripts/demo-outputs.py build DB                  # the demo city into the SQLite file DB
    scripts/demo-outputs.py capture DB OUT            # runs on a copy of DB, writes OUT/
    scripts/demo-outputs.py compare BEFORE AFTER      # exit 1 on any difference

``capture`` works on a copy of DB (the runs are recorded, so the file would change) and goes
through the ``xinzhi`` command, which exists in every layout; the code under test is the one
on PYTHONPATH, e.g. ``PYTHONPATH=/work/wt/base/src`` for the tree before a change:

- the assessment run (``xinzhi assess --all-regions``): the Parquet results the run records,
  and the summary file ``-o results.parquet``;
- the policy run (``xinzhi policy run``): the recorded ``payouts.parquet`` and one Parquet per
  policy, and the payout list ``-o payouts.parquet``;
- the chain lists (``xinzhi chain analyse KEY -o``): 问题清单, 技术清单 and the node scores of
  every chain in the database.

Each table is written as JSON lines sorted by every column, so two captures compare line by
line whatever order a run produced its rows in. The run id and the folder names, which differ
between captures by construction, are left out.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from decimal import Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parent
# The columns that name a run rather than describe a result.
VOLATILE = {"run_id"}


def xinzhi(database: Path, *args: str, env: dict | None = None) -> str:
    """Run ``xinzhi ARGS`` on the SQLite file ``database`` with the caller's PYTHONPATH."""
    environment = {
        k: v for k, v in os.environ.items() if k not in ("XINZHI_RUNS_DIR", "XINZHI_RULES_PATH")
    }
    environment.update(env or {}, XINZHI_DATABASE_URL=f"sqlite:///{database}")
    command = [sys.executable, "-c", "from xinzhi.cli import app; app()", *args]
    done = subprocess.run(command, env=environment, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"xinzhi {' '.join(args)} failed ({done.returncode}):\n{done.stderr}")
    return done.stdout


def _plain(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if value is None or isinstance(value, (str, int, bool)):
        return value
    return str(value)


def write_rows(rows: list[dict], out: Path) -> int:
    lines = sorted(
        json.dumps(_plain({k: v for k, v in row.items() if k not in VOLATILE}), ensure_ascii=False)
        for row in rows
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return len(lines)


def parquet_rows(path: Path) -> list[dict]:
    import pyarrow.parquet as pq

    return pq.read_table(path).to_pylist()


def workbook_rows(path: Path) -> dict[str, list[dict]]:
    from openpyxl import load_workbook

    sheets = {}
    book = load_workbook(path, read_only=True)
    for sheet in book.worksheets:
        rows = list(sheet.iter_rows(values_only=True))
        if not rows:
            sheets[sheet.title] = []
            continue
        header = [str(h) for h in rows[0]]
        sheets[sheet.title] = [dict(zip(header, row)) for row in rows[1:]]
    return sheets


def build(database: Path, enterprises: int) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    xinzhi(database, "demo", "--replace", "--no-assess", "--enterprises", str(enterprises))
    print(f"demo city: {database}")


def capture(source: Path, out: Path) -> None:
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    with tempfile.TemporaryDirectory(prefix="demo-outputs-") as tmp:
        database = Path(tmp) / "demo.db"
        shutil.copyfile(source, database)
        runs = Path(tmp) / "runs"
        env = {"XINZHI_RUNS_DIR": str(runs)}
        counts = {}

        # Assessments: the recorded run and the summary file.
        xinzhi(database, "assess", "--all-regions", "-o", f"{tmp}/results.parquet", env=env)
        counts["assess/summary"] = write_rows(
            parquet_rows(Path(tmp) / "results.parquet"), out / "assess" / "summary.jsonl"
        )
        with sqlite3.connect(database) as conn:
            recorded = conn.execute(
                "SELECT results_path FROM evaluation_runs WHERE kind = 'assessment' "
                "ORDER BY id DESC LIMIT 1"
            ).fetchone()[0]
        recorded = Path(recorded)
        for path in sorted(recorded.parent.glob(f"{recorded.stem}*.parquet")):
            name = "run" + path.name[len(recorded.stem) :].removesuffix(".parquet")
            counts[f"assess/{name}"] = write_rows(
                parquet_rows(path), out / "assess" / f"{name}.jsonl"
            )

        # Policies: the recorded payouts, one table per policy, and the payout list.
        xinzhi(database, "policy", "run", "-o", f"{tmp}/payouts.parquet", env=env)
        counts["policy/list"] = write_rows(
            parquet_rows(Path(tmp) / "payouts.parquet"), out / "policy" / "list.jsonl"
        )
        with sqlite3.connect(database) as conn:
            recorded = conn.execute(
                "SELECT results_path FROM evaluation_runs WHERE kind = 'policy' "
                "ORDER BY id DESC LIMIT 1"
            ).fetchone()[0]
        for path in sorted(Path(recorded).parent.glob("*.parquet")):
            counts[f"policy/{path.stem}"] = write_rows(
                parquet_rows(path), out / "policy" / f"{path.stem}.jsonl"
            )

        # Chains: 问题清单, 技术清单 and node scores of every chain in the database.
        with sqlite3.connect(database) as conn:
            keys = [row[0] for row in conn.execute("SELECT key FROM chains ORDER BY key")]
        for key in keys:
            workbook = Path(tmp) / f"{key}.xlsx"
            xinzhi(database, "chain", "analyse", key, "-o", str(workbook), env=env)
            for sheet, rows in workbook_rows(workbook).items():
                counts[f"chain/{key}/{sheet}"] = write_rows(
                    rows, out / "chain" / key / f"{sheet}.jsonl"
                )
    (out / "counts.json").write_text(
        json.dumps(counts, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8"
    )
    for name, n in sorted(counts.items()):
        print(f"{n:>9,}  {name}")


def compare(before: Path, after: Path) -> int:
    names = sorted(
        {p.relative_to(before) for p in before.rglob("*.jsonl")}
        | {p.relative_to(after) for p in after.rglob("*.jsonl")}
    )
    differences = 0
    rows = 0
    for name in names:
        a, b = before / name, after / name
        if not a.exists() or not b.exists():
            print(f"✗ {name}: only in {'after' if not a.exists() else 'before'}")
            differences += 1
            continue
        left, right = a.read_text(encoding="utf-8"), b.read_text(encoding="utf-8")
        n = left.count("\n")
        rows += n
        if left != right:
            only_left = set(left.splitlines()) - set(right.splitlines())
            only_right = set(right.splitlines()) - set(left.splitlines())
            print(f"✗ {name}: {len(only_left)} rows only before, {len(only_right)} only after")
            for line in sorted(only_left)[:3]:
                print(f"   - {line[:300]}")
            for line in sorted(only_right)[:3]:
                print(f"   + {line[:300]}")
            differences += 1
        else:
            print(f"✓ {name}: {n:,} rows identical")
    print(
        f"{len(names)} tables, {rows:,} rows compared: "
        + ("identical" if not differences else f"{differences} differ")
    )
    return 1 if differences else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    b = commands.add_parser("build", help="build the demo city into a SQLite file")
    b.add_argument("database", type=Path)
    b.add_argument("--enterprises", type=int, default=20_000)
    c = commands.add_parser("capture", help="run the assessments, policies and chain lists")
    c.add_argument("database", type=Path)
    c.add_argument("out", type=Path)
    k = commands.add_parser("compare", help="compare two captures")
    k.add_argument("before", type=Path)
    k.add_argument("after", type=Path)
    args = parser.parse_args()
    if args.command == "build":
        build(args.database.resolve(), args.enterprises)
    elif args.command == "capture":
        capture(args.database.resolve(), args.out.resolve())
    else:
        return compare(args.before, args.after)
    return 0


if __name__ == "__main__":
    sys.exit(main())
