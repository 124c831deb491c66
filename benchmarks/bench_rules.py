"""The assessments over a whole city: the rule engine against plain Python and OpenFisca.

    .venv/bin/python benchmarks/bench_rules.py [--enterprises 1000000] [--database FILE]
        [--rebuild] [--python-sample 100000] [--no-python] [--no-openfisca] [--no-cli]

Target (issue #3): 1,000,000 enterprises × 3 years, all assessments with explanations and
gaps, DuckDB: ≤ 15 s and ≤ 4 GB peak RSS on 2 cores; ≥ 50× faster than the same rules
evaluated one enterprise at a time in plain Python, and faster than OpenFisca-core computing
the HNTE R&D-ratio and growth items over the same population.

The database is the demo city (``xinzhi demo --enterprises N``; 4 accounting years and every
assessment input), built when missing (``var/bench-1m.db`` for a million firms) and reused
otherwise. Each measurement runs in its own child process, so its peak RSS
(``getrusage`` ``ru_maxrss``) is its own:

* **snapshot** — the population for the evaluation date as a Parquet file beside the store
  (``xinzhi.rulelang.snapshot``), built once per data version (timed when it is built);
* **engine, all assessments** — ``xinzhi.assessments.runs.evaluate(words=False)`` over
  everyone, decisions first: per firm and assessment the status, score interval, failed and
  unknown clauses and every clause's value. *Cold* is the first run in a fresh process (the
  programs are read from the snapshot folder's cache, or made once); *warm* the second;
* **engine, HNTE** — the same with ``only={"hnte"}``; and *with words* (missing inputs and
  gap texts, what an export or an explanation asks for), whose rows the baselines check;
  and the same HNTE decisions over DuckDB's SQL (``evaluator="sql"``) instead of the
  vectorised evaluator (``xinzhi.rulelang.vectorised``, the default), the alternative design;
* **plain Python** — ``baselines/hnte_python.py``, one enterprise at a time over the
  population's rows (read with DuckDB, converted to dicts; reading timed apart); every firm
  or every k-th (``--python-sample``), scaled to the population; checked against the engine
  firm by firm on every output column (the shortfalls d__<clause> included);
* **OpenFisca** — ``baselines/openfisca_hnte.py``, vectorised; the R&D-ratio and growth items
  alone, and the whole HNTE result, each in a fresh simulation (inputs set included, reading
  and the conversion to numpy timed apart); checked against the engine where every input
  is known;
* **``xinzhi assess``** — the command a user runs (evaluate, record the run and its Parquet
  files, replace the current statuses; it records a run in the benchmark database), timed
  with ``/usr/bin/time -v``.

Each step prints its wall time and its CPU time (every thread of the process, DuckDB's too):
on a machine shared with other work the CPU time is the steadier figure.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from queue import Empty

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

from baselines import hnte_python  # noqa: E402  (found through the sys.path line above)

TARGET_SECONDS, TARGET_MB, TARGET_PYTHON_RATIO = 15.0, 2048, 50
TARGET_HNTE_SECONDS = 1.5
XINZHI = Path(sys.executable).parent / "xinzhi"  # the CLI of the interpreter running this
OUTPUT_COLUMNS = hnte_python.OUTPUT_COLUMNS
YEARS = {"y1": 0, "y2": -1, "y3": -2}  # the population's year columns, as offsets from y1
OPENFISCA_YEARLY = {
    "revenue": ("y1", "y2", "y3"),
    "rd_expense": ("y1", "y2", "y3"),
    "rd_expense_domestic": ("y1", "y2", "y3"),
    "net_assets": ("y1", "y2", "y3"),
    "conversions": ("y1", "y2", "y3"),
    "total_income": ("y1",),
    "hitech_revenue": ("y1",),
    "employees": ("y1",),
    "tech_staff": ("y1",),
}
MONEY = {
    "revenue",
    "rd_expense",
    "rd_expense_domestic",
    "net_assets",
    "total_income",
    "hitech_revenue",
}


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Clock:
    """Wall and CPU time of a block; CPU time counts every thread of the process (DuckDB's
    too), and is the steadier figure on a machine shared with other work."""

    def __enter__(self):
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *_):
        self.wall = time.perf_counter() - self.wall
        self.cpu = time.process_time() - self.cpu

    def figures(self) -> tuple[float, float]:
        return self.wall, self.cpu


def open_engine(database: Path):
    from xinzhi.store.db import make_engine

    return make_engine(f"sqlite:///{database}")


def read_population(database: Path, columns: list[str], step: int = 1):
    """The population's ``columns`` (every ``step``-th enterprise) as the engine reads it —
    from the analytic snapshot, built when missing — and the evaluation date."""
    from xinzhi.assessments.runs import default_as_of
    from xinzhi.rulelang.snapshot import current_key, ensure_snapshot, read_snapshot

    engine = open_engine(database)
    as_of = default_as_of(engine)
    path, _ = ensure_snapshot(engine, current_key(engine, as_of))
    table = read_snapshot(path, columns=["enterprise_id", *columns])
    if step > 1:
        table = table.filter(pa.array(table["enterprise_id"].to_numpy() % step == 0))
    return table, as_of


# --- children -----------------------------------------------------------------------------------


def engine_child(
    database: str, only: list[str] | None, keep: str | None, evaluator: str, queue
) -> None:
    from xinzhi.assessments.runs import default_as_of, evaluate
    from xinzhi.rulelang.snapshot import current_key, ensure_snapshot

    engine = open_engine(Path(database))
    selected = set(only) if only else None
    with Clock() as snapshot:  # built once per data version; reused by later processes
        _, built = ensure_snapshot(engine, current_key(engine, default_as_of(engine)))
    with Clock() as cold:
        result = evaluate(engine, only=selected, words=False, evaluator=evaluator)
    del result
    with Clock() as warm:
        result = evaluate(engine, only=selected, words=False, evaluator=evaluator)
    figures = {
        "snapshot": snapshot.figures(),
        "snapshot_built": built,
        "cold": cold.figures(),
        "warm": warm.figures(),
        "peak_mb": peak_mb(),
        "counts": result.summary["counts"],
        "rows": result.results.num_rows,
        "assessments": [d.id for d in result.declarations],
    }
    if keep:  # the HNTE rows with their words, for the baselines' checks
        del result
        evaluate(engine, only=selected, words=True)  # compiles the words' SQL once
        with Clock() as worded:
            result = evaluate(engine, only=selected, words=True)
        figures["words"] = worded.figures()
        detail = result.detail["hnte"]
        del result
        # "known": every value the clauses look at is known (no unknown input, no zero divisor)
        known = None
        for name in [c for c in detail.column_names if c.startswith("v__")]:
            valid = detail[name].is_valid()
            known = valid if known is None else pc.and_(known, valid)
        kept = detail.select(["enterprise_id", *OUTPUT_COLUMNS]).append_column("known", known)
        pq.write_table(kept, keep)
    queue.put(figures)


def column_type(name: str) -> pa.DataType:
    if name.startswith("score"):
        return pa.int64()
    return pa.float64() if name in hnte_python.SHORTFALL_COLUMNS else pa.string()


def python_child(database: str, step: int, keep: str, queue) -> None:
    with Clock() as read:
        table, _ = read_population(Path(database), hnte_python.INPUTS, step)
    spent = {"convert": [0.0, 0.0], "decide": [0.0, 0.0], "assess": [0.0, 0.0]}  # wall, CPU

    def timed(key: str, work):
        with Clock() as clock:
            outcome = work()
        spent[key][0] += clock.wall
        spent[key][1] += clock.cpu
        return outcome

    results = []
    for offset in range(0, table.num_rows, 100_000):
        rows = timed("convert", table.slice(offset, 100_000).to_pylist)
        timed("decide", lambda rows=rows: [hnte_python.decide(row) for row in rows])
        results += timed("assess", lambda rows=rows: [hnte_python.assess(row) for row in rows])
    columns = list(zip(*results)) if results else [[] for _ in OUTPUT_COLUMNS]
    out = {
        name: pa.array(values, type=column_type(name))
        for name, values in zip(OUTPUT_COLUMNS, columns)
    }
    pq.write_table(pa.table({"enterprise_id": table["enterprise_id"], **out}), keep)
    queue.put(
        {
            "rows": table.num_rows,
            "read": read.figures(),
            "peak_mb": peak_mb(),
            **{key: tuple(value) for key, value in spent.items()},
        }
    )


def openfisca_inputs(table: pa.Table, year: int) -> dict:
    """{variable: {period: array}}: fen → yuan as float32, counts as int32, unknown → 0."""
    from baselines import openfisca_hnte

    founded = table["founded_on"].to_numpy().astype("datetime64[D]")
    inputs = {"founded_on": {"ETERNITY": founded}}
    for name, ys in OPENFISCA_YEARLY.items():
        inputs[name] = {}
        for y in ys:
            values = table[f"{name}_{y}"].fill_null(0).to_numpy()
            values = (values / 100).astype(np.float32) if name in MONEY else values.astype(np.int32)
            inputs[name][str(year + YEARS[y])] = values
    for name in openfisca_hnte.INPUT_CURRENT:
        column = pc.cast(table[name], pa.int32()) if name == "hnte_field" else table[name]
        inputs[name] = {str(year): column.fill_null(0).to_numpy().astype(np.int32)}
    return inputs


def openfisca_child(database: str, keep: str, queue) -> None:
    from baselines import openfisca_hnte

    yearly = [f"{name}_{y}" for name, ys in OPENFISCA_YEARLY.items() for y in ys]
    columns = ["founded_on", *yearly, *openfisca_hnte.INPUT_CURRENT]
    with Clock() as read:
        table, as_of = read_population(Path(database), columns)
    year = as_of.year  # y1: as_of is the end of the latest accounting year
    with Clock() as convert:
        inputs = openfisca_inputs(table, year)
    system = openfisca_hnte.tax_benefit_system()
    count = table.num_rows
    with Clock() as items:
        simulation = openfisca_hnte.build(system, count, inputs)
        for name in (
            "meets_rd_intensity",
            "growth_net_assets_low",
            "growth_net_assets_high",
            "growth_revenue_low",
            "growth_revenue_high",
        ):
            simulation.calculate(name, str(year))
    del simulation
    with Clock() as whole:
        simulation = openfisca_hnte.build(system, count, inputs)
        status = simulation.calculate("hnte_status", str(year))
    names = np.array(["fail", "pass", "undetermined"])  # FAIL, PASS, OPEN
    pq.write_table(
        pa.table({"enterprise_id": table["enterprise_id"], "status": pa.array(names[status])}), keep
    )
    queue.put(
        {
            "rows": count,
            "read": read.figures(),
            "convert": convert.figures(),
            "items": items.figures(),
            "all": whole.figures(),
            "peak_mb": peak_mb(),
        }
    )


def in_child(target, *args):
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=target, args=(*args, queue))
    process.start()
    while True:
        try:
            figures = queue.get(timeout=5)
            break
        except Empty:
            if not process.is_alive():
                exit_code = process.exitcode
                raise SystemExit(f"{target.__name__} failed (exit code {exit_code})") from None
    process.join()
    return figures


# --- the parent ---------------------------------------------------------------------------------


def uptime() -> str:
    return subprocess.run(["uptime"], check=False, capture_output=True, text=True).stdout.strip()


def build_database(database: Path, enterprises: int) -> float:
    database.parent.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "XINZHI_DATABASE_URL": f"sqlite:///{database}"}
    started = time.perf_counter()
    subprocess.run(
        [str(XINZHI), "demo", "--enterprises", str(enterprises), "--replace"],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


def timed_cli(database: Path, runs: Path) -> dict:
    env = {
        **os.environ,
        "XINZHI_DATABASE_URL": f"sqlite:///{database}",
        "XINZHI_RUNS_DIR": str(runs),
    }
    done = subprocess.run(
        ["/usr/bin/time", "-v", str(XINZHI), "assess", "--actor", "bench"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        return {"error": done.stderr[-500:]}
    wall = re.search(r"Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)", done.stderr)
    hours, minutes, seconds = (float(x) if x else 0.0 for x in wall.groups())
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
    cpu = sum(
        float(re.search(rf"{kind} time \(seconds\): ([\d.]+)", done.stderr).group(1))
        for kind in ("User", "System")
    )
    return {
        "wall": hours * 3600 + minutes * 60 + seconds,
        "cpu": cpu,
        "peak_mb": int(rss.group(1)) / 1024,
    }


def compare_python(engine_rows: pa.Table, python_rows: pa.Table) -> tuple[int, dict, list]:
    """Firms compared, how many differ in each column, and the first differing firms."""
    joined = python_rows.join(engine_rows, "enterprise_id", right_suffix="_engine")
    differing, examples = {}, []
    for name in OUTPUT_COLUMNS:
        a, b = joined[name], joined[f"{name}_engine"]
        both_null = pc.and_(a.is_null(), b.is_null())
        bad = pc.invert(pc.or_(both_null, pc.fill_null(pc.equal(a, b), False)))
        differing[name] = pc.sum(bad).as_py() or 0
        if differing[name] and len(examples) < 5:
            row = joined.filter(bad).slice(0, 1).to_pylist()[0]
            examples.append((name, row["enterprise_id"], row[name], row[f"{name}_engine"]))
    return joined.num_rows, differing, examples


def compare_openfisca(engine_rows: pa.Table, openfisca_rows: pa.Table) -> dict:
    joined = openfisca_rows.join(
        engine_rows.select(["enterprise_id", "status", "known"]),
        "enterprise_id",
        right_suffix="_engine",
    )
    same = pc.equal(joined["status"], joined["status_engine"])
    known = joined["known"]
    return {
        "all": joined.num_rows,
        "same": pc.sum(same).as_py() or 0,
        "known": pc.sum(known).as_py() or 0,
        "known_same": pc.sum(pc.and_(same, known)).as_py() or 0,
    }


def database_size(database: Path) -> tuple[int, int]:
    from sqlalchemy import text

    engine = open_engine(database)
    with engine.connect() as connection:
        firms = connection.execute(text("SELECT count(*) FROM enterprises")).scalar_one()
        years = connection.execute(text("SELECT count(DISTINCT year) FROM enterprise_years"))
        years = years.scalar_one()
    engine.dispose()
    return firms, years


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--enterprises", type=int, default=1_000_000)
    parser.add_argument("--database", type=Path, help="default var/bench-1m.db (or bench-N.db)")
    parser.add_argument("--rebuild", action="store_true", help="build the database again")
    parser.add_argument(
        "--python-sample",
        type=int,
        default=0,
        help="evaluate about this many firms in plain Python (default: all)",
    )
    parser.add_argument("--no-python", action="store_true")
    parser.add_argument("--no-openfisca", action="store_true")
    parser.add_argument("--no-cli", action="store_true", help="skip timing `xinzhi assess`")
    args = parser.parse_args()
    name = "bench-1m.db" if args.enterprises == 1_000_000 else f"bench-{args.enterprises}.db"
    database = (args.database or ROOT / "var" / name).resolve()

    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print(f"load before: {uptime()}")
    if args.rebuild or not database.exists():
        print(f"building {database} ({args.enterprises:,} enterprises) …", flush=True)
        print(f"  built in {build_database(database, args.enterprises):.0f} s")
    firms, years = database_size(database)
    print(f"database: {database} — {firms:,} enterprises, {years} accounting years")

    with tempfile.TemporaryDirectory(prefix="bench-rules-") as work:
        everything, hnte, python, openfisca, cli = measure(database, firms, Path(work), args)
    report(firms, everything, hnte, python, openfisca, cli)
    print(f"load after: {uptime()}")


def measure(database: Path, firms: int, work: Path, args):
    kept = {k: str(work / f"{k}.parquet") for k in ("engine", "python", "openfisca")}
    print("engine, all assessments …", flush=True)
    everything = in_child(engine_child, str(database), None, None, "vectorised")
    print("engine, HNTE alone …", flush=True)
    hnte = in_child(engine_child, str(database), ["hnte"], kept["engine"], "vectorised")
    print("engine, HNTE alone, DuckDB's SQL instead of the vectorised evaluator …", flush=True)
    hnte["sql"] = in_child(engine_child, str(database), ["hnte"], None, "sql")
    engine_rows = pq.read_table(kept["engine"])
    python = openfisca = cli = None
    if not args.no_python:
        step = max(1, -(-firms // args.python_sample)) if args.python_sample else 1
        print(f"plain Python (every {step}th firm) …" if step > 1 else "plain Python …", flush=True)
        python = in_child(python_child, str(database), step, kept["python"])
        python["scale"] = firms / python["rows"]
        python["compared"], python["differing"], python["examples"] = compare_python(
            engine_rows, pq.read_table(kept["python"])
        )
    if not args.no_openfisca:
        print("OpenFisca …", flush=True)
        openfisca = in_child(openfisca_child, str(database), kept["openfisca"])
        openfisca["agreement"] = compare_openfisca(engine_rows, pq.read_table(kept["openfisca"]))
    if not args.no_cli:
        print("xinzhi assess …", flush=True)
        cli = timed_cli(database, work / "runs")
    return everything, hnte, python, openfisca, cli


def verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def row(label: str, figures=None, peak: float | None = None, note: str = "") -> None:
    wall, cpu = (f"{x:.1f}" for x in figures) if figures else ("", "")
    peak = f"{peak:,.0f}" if peak else ""
    print(f"{label:52} {wall:>7} {cpu:>7} {peak:>8}  {note}")


def report(firms, everything, hnte, python, openfisca, cli) -> None:
    print(
        f"\nassessments: {', '.join(everything['assessments'])} — "
        f"{everything['rows']:,} result rows"
    )
    for assessment, counts in everything["counts"].items():
        print(
            f"  {assessment:18} pass {counts['pass']:>9,}  undetermined "
            f"{counts['undetermined']:>9,}  fail {counts['fail']:>9,}"
        )
    if firms != 1_000_000:
        print(f"(the targets are for 1,000,000 enterprises; this city has {firms:,})")
    print(f"\n{'measurement':52} {'wall s':>7} {'CPU s':>7} {'peak MB':>8}  target / note")
    built = "built now" if everything["snapshot_built"] else "found, up to date"
    row(f"snapshot ({built})", everything["snapshot"])
    for key, label in (("cold", "cold (fresh process)"), ("warm", "warm")):
        wall = everything[key][0]
        row(
            f"engine, all assessments, {label}",
            everything[key],
            None,
            f"≤ {TARGET_SECONDS:.0f} s: {verdict(wall <= TARGET_SECONDS)}",
        )
    row(
        "  peak RSS of that process",
        None,
        everything["peak_mb"],
        f"≤ {TARGET_MB} MB: {verdict(everything['peak_mb'] <= TARGET_MB)}",
    )
    row("engine, HNTE decisions, cold (fresh process)", hnte["cold"])
    row(
        "engine, HNTE decisions, warm",
        hnte["warm"],
        hnte["peak_mb"],
        f"≤ {TARGET_HNTE_SECONDS} s: {verdict(hnte['warm'][0] <= TARGET_HNTE_SECONDS)}",
    )
    row("engine, HNTE with words (missing, gap texts), warm", hnte["words"])
    sql = hnte["sql"]
    row("the same over DuckDB's SQL: HNTE decisions, cold", sql["cold"])
    row("the same over DuckDB's SQL: HNTE decisions, warm", sql["warm"], sql["peak_mb"])
    print(
        f"  SQL ÷ vectorised, HNTE decisions warm: {sql['warm'][0] / hnte['warm'][0]:.1f}× wall, "
        f"{sql['warm'][1] / hnte['warm'][1]:.1f}× CPU; same counts: "
        f"{'yes' if sql['counts'] == hnte['counts'] else (sql['counts'], hnte['counts'])}"
    )
    if cli:
        if "error" in cli:
            print(f"xinzhi assess failed: {cli['error']}")
        else:
            row(
                "xinzhi assess (evaluate + record), /usr/bin/time",
                (cli["wall"], cli["cpu"]),
                cli["peak_mb"],
            )
    engine_hnte = hnte["warm"][0]
    if python:
        scale = python["scale"]
        sample = "" if scale == 1 else f" ×{scale:.1f} (sample of {python['rows']:,})"
        row("plain Python: reading the population (not counted)", python["read"])
        row("plain Python: rows to dicts (not counted)", python["convert"])
        row(f"plain Python, status + score{sample}", [x * scale for x in python["decide"]])
        full = [x * scale for x in python["assess"]]
        row(f"plain Python, full rows{sample}", full, python["peak_mb"])
        wall, cpu = full[0] / hnte["warm"][0], full[1] / hnte["warm"][1]
        words = hnte["words"]
        print(
            f"  plain Python full rows / engine HNTE warm: {wall:.1f}× wall, {cpu:.1f}× CPU "
            f"(cold: {full[0] / hnte['cold'][0]:.1f}× wall; the engine with words: "
            f"{full[0] / words[0]:.1f}× wall, {full[1] / words[1]:.1f}× CPU) — "
            f"target ≥ {TARGET_PYTHON_RATIO}×: {verdict(wall >= TARGET_PYTHON_RATIO)}"
        )
        differing = {k: v for k, v in python["differing"].items() if v}
        print(
            f"  same output as the engine on {python['compared']:,} firms: "
            f"{'yes, every column' if not differing else differing}"
        )
        for example in python["examples"]:
            print(f"    differs: {example}")
    if openfisca:
        row("OpenFisca: reading the population (not counted)", openfisca["read"])
        row("OpenFisca: arrays for set_input (not counted)", openfisca["convert"])
        row("OpenFisca, R&D ratio + growth items", openfisca["items"])
        row("OpenFisca, whole HNTE result", openfisca["all"], openfisca["peak_mb"])
        items, whole = openfisca["items"][0], openfisca["all"][0]
        print(
            f"  engine HNTE warm / OpenFisca: {engine_hnte / items:.0f}× the items' time, "
            f"{engine_hnte / whole:.0f}× the whole result's — target: the engine faster: "
            f"{verdict(engine_hnte < items)}"
        )
        a = openfisca["agreement"]
        print(
            f"  same status as the engine: {a['same']:,} of {a['all']:,}; where every value "
            f"is known: {a['known_same']:,} of {a['known']:,}"
        )
    print(f"\n(population: {firms:,} enterprises)")


if __name__ == "__main__":
    main()
