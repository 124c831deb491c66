"""Run the assessments in force over the whole population, record the run, explain one firm.

A run is reproducible: it records the hash of every declaration it used, the evaluation
date, the engine, who ran it and when; its results (one row per enterprise and assessment)
are kept as a Parquet file beside the database, named after the run.
"""

from __future__ import annotations

import bisect
import datetime as dt
import hashlib
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from sqlalchemy import Engine, delete, func, select

from ..domain.errors import XinzhiError
from ..domain.values import today
from ..rulelang.compiler import WORDS, compile_declaration
from ..rulelang.declaration import Declaration
from ..rulelang.engines import open_store
from ..rulelang.population import application_window_year, build_population, imported_kinds
from ..rulelang.snapshot import (
    code_version,
    current_key,
    ensure_snapshot,
    population_rows,
    population_sql,
    snapshot_schema,
    snapshot_store,
)
from ..rulelang.vectorised import Program, Unsupported, VectorisedOverflow, cached_program
from ..rulelang.vectorised import run as vectorised_run
from ..store.audit import Action, audit
from ..store.db import files_beside, session_scope
from ..store.models import District, EnterpriseYear
from ..store.models.runs import CurrentStatus, EvaluationRun
from .catalogue import Catalog, load_catalog


@dataclass
class RunResult:
    as_of: dt.date
    declarations: list[Declaration]
    results: pa.Table  # long: one row per enterprise and assessment
    detail: dict[str, pa.Table]  # per assessment: every clause's value
    run_id: int | None = None
    enterprise_id: int | None = None  # a run for one enterprise only
    seconds: float = 0.0
    summary: dict = field(default_factory=dict)
    application_date: dt.date | None = None  # as_of is then that date (see evaluate)


def default_as_of(engine: Engine) -> dt.date:
    """31 December of the latest accounting year in the registry (today if there is none)."""
    with session_scope(engine) as session:
        year = session.scalar(select(func.max(EnterpriseYear.year)))
    return dt.date(year, 12, 31) if year else dt.date.today()


class InvalidApplicationDate(XinzhiError, ValueError):
    """An application date in the future or before any accounting year in the registry."""


def check_application_date(engine: Engine, application_date: dt.date) -> int:
    """The latest accounting year for an application on ``application_date`` (the last year
    ended before it), after checking the date can be evaluated: not in the future, and at
    least one accounting year of the registry ended before it."""
    day = application_date.isoformat()
    if application_date > today():
        raise InvalidApplicationDate(
            f"申请日 {day} 晚于今天：只能评价已到的申请日",
            f"application date {day} is in the future: only a date that has come can be assessed",
        )
    year = application_window_year(application_date)
    with session_scope(engine) as session:
        earliest = session.scalar(select(func.min(EnterpriseYear.year)))
    if earliest is None or earliest > year:
        held = "登记簿中尚无年度数据" if earliest is None else f"最早的会计年度是 {earliest} 年"
        held_en = (
            "the registry holds no yearly accounts"
            if earliest is None
            else (f"the earliest accounting year held is {earliest}")
        )
        raise InvalidApplicationDate(
            f"申请日 {day} 之前没有已结束的会计年度数据（{held}）",
            f"application date {day}: no accounting year ended before it ({held_en})",
        )
    return year


def district_codes(engine: Engine) -> set[str]:
    with session_scope(engine) as session:
        return set(session.scalars(select(District.code)))


def rule_set_hash(declarations: list[Declaration]) -> str:
    digest = hashlib.sha256()
    for d in sorted(declarations, key=lambda d: d.id):
        digest.update(f"{d.id}:{d.sha256}\n".encode())
    return digest.hexdigest()


def materialise_population(
    store,
    as_of: dt.date,
    enterprise_id: int | None = None,
    snapshot: Path | None = None,
    accounting_year: int | None = None,
):
    """The population for ``as_of`` (one enterprise only, with ``enterprise_id``) as the
    temporary table ``population`` — the same for assessments and policies: read from the
    analytic ``snapshot`` when one is given (DuckDB), else built from the store (the window
    ending in ``accounting_year`` when an application date sets it)."""
    if snapshot is not None:
        sql = population_sql(snapshot)
    else:
        covered = imported_kinds(store)
        sql = store.compiled(
            ("population", as_of, frozenset(covered), accounting_year),
            lambda: build_population(store, as_of, covered, accounting_year),
        )
    if enterprise_id is not None:
        sql = f"SELECT * FROM ({sql}) AS p WHERE enterprise_id = {int(enterprise_id)}"
    return store.materialise(sql, "population")


def evaluate(
    engine: Engine,
    *,
    as_of: dt.date | None = None,
    application_date: dt.date | None = None,
    only: set[str] | None = None,
    backend: str = "duckdb",
    catalog: Catalog | None = None,
    enterprise_id: int | None = None,
    all_regions: bool = False,
    words: bool = True,
    snapshot: Path | None = None,
    evaluator: str = "vectorised",
    keep_detail: bool = True,
) -> RunResult:
    """Evaluate every declaration in force on ``as_of`` (optionally for one enterprise).

    Without a date, ``as_of`` is 31 December of the latest accounting year. An
    ``application_date`` (instead of ``as_of``) evaluates an application made that day: the
    dated windows (365 days registered, incidents in the 12 months before) run to it and the
    accounting years are those ended before it (``check_application_date``).

    On DuckDB the population is the analytic snapshot (``rulelang.snapshot``: built once per
    data version and date, then read without touching the store; ``snapshot`` names an older
    one, e.g. a recorded run's). ``words=False`` is the bulk run: the decisions alone, without
    credit codes, names, missing inputs and gap texts — ``with_words`` adds them when asked.
    The snapshot is evaluated by the vectorised evaluator (``evaluator="sql"``: DuckDB's SQL,
    the same results; see ``run_over_snapshot``). ``keep_detail=False`` drops each
    declaration's clause values once its long rows are made (a decisions-first run over a
    snapshot records none: its explanations are produced from the snapshot), so a million
    firms' six detail tables are never held together.
    """
    import time

    started = time.perf_counter()
    accounting_year = None
    if application_date is not None:
        if as_of is not None and as_of != application_date:
            raise ValueError("give as_of or application_date, not both")
        accounting_year = check_application_date(engine, application_date)
        as_of = application_date
    as_of = as_of or default_as_of(engine)
    catalog = catalog or load_catalog()
    declarations = catalog.in_force(as_of, only)
    if not all_regions:  # another region's variant is shown only when asked for
        codes = district_codes(engine)
        declarations = [d for d in declarations if d.applies_to(codes)]
    summary: dict = {}
    if backend == "duckdb":
        if snapshot is None:
            key = current_key(engine, as_of, accounting_year)
            snapshot, built = ensure_snapshot(engine, key)
            summary["snapshot_built"] = built
        summary["snapshot"] = str(snapshot.resolve())
        summary["snapshot_code"] = code_version()
        summary["words"] = words
        summary["evaluator"] = evaluator
        results, detail = run_over_snapshot(
            snapshot, declarations, as_of, words, enterprise_id, evaluator, keep_detail
        )
    else:
        store = open_store(engine, backend)
        try:
            population = materialise_population(
                store, as_of, enterprise_id, accounting_year=accounting_year
            )
            results, detail = _run_declarations(store, population, declarations, as_of, words)
        finally:
            store.close()
    result = RunResult(
        as_of,
        declarations,
        results,
        detail,
        enterprise_id=enterprise_id,
        application_date=application_date,
    )
    if application_date is not None:
        summary["application_date"] = application_date.isoformat()
    result.summary = {**summarise(results, declarations), **summary}
    result.seconds = time.perf_counter() - started
    return result


EVALUATORS = ("vectorised", "sql")


def run_over_snapshot(
    snapshot: Path,
    declarations: list[Declaration],
    as_of: dt.date,
    words: bool,
    enterprise_id: int | None = None,
    evaluator: str = "vectorised",
    keep_detail: bool = True,
):
    """``_run_declarations`` over the analytic snapshot (one enterprise's row of it, with
    ``enterprise_id``).

    ``vectorised``: each declaration's program (``rulelang.vectorised``: the compiled
    expression as Arrow kernels, made once and kept beside the snapshots) runs over the
    snapshot's columns in memory — no SQL planning, which is most of the time for one firm.
    A declaration the evaluator cannot run (an operation it lacks, a 64-bit overflow) runs
    on DuckDB's SQL instead, as every declaration does with ``sql``.
    """
    if evaluator not in EVALUATORS:
        raise ValueError(f"evaluator: one of {', '.join(EVALUATORS)}")
    programs: dict[str, Program] = {}
    if evaluator == "vectorised":
        schema = snapshot_schema(snapshot)
        signature = tuple((f.name, str(f.type)) for f in schema)
        folder = snapshot.parent / "programs"
        for declaration in declarations:
            key = (declaration.sha256, as_of.isoformat(), signature, words)
            try:
                programs[declaration.id] = cached_program(
                    key, partial(_compiled_over, declaration, schema, as_of, words), folder
                )
            except Unsupported:
                pass
    columns = sorted({c for p in programs.values() for c in p.columns})
    data = population_rows(snapshot, columns, enterprise_id) if programs else None
    long_parts, detail = [], {}
    schema_out = _long_schema(words)
    store = None
    try:
        for declaration in declarations:
            table = None
            if declaration.id in programs:
                try:
                    table = vectorised_run(programs[declaration.id], data)
                except VectorisedOverflow:
                    table = None
            if table is None:
                if store is None:
                    store = snapshot_store(snapshot, enterprise_id)
                table = _run_declarations(
                    store, store.table("population"), [declaration], as_of, words
                )[1][declaration.id]
            long_parts.append(_long_part(table, declaration.id, schema_out))
            if keep_detail:
                detail[declaration.id] = table
            del table
    finally:
        if store is not None:
            store.close()
    results = pa.concat_tables(long_parts) if long_parts else schema_out.empty_table()
    return results, detail


def _compiled_over(declaration: Declaration, schema: pa.Schema, as_of: dt.date, words: bool):
    import ibis

    population = ibis.table(ibis.Schema.from_pyarrow(schema), name="population")
    return compile_declaration(declaration, population, as_of, words=words).table


def _run_declarations(store, population, declarations, as_of: dt.date, words: bool):
    """The long results (one row per enterprise and declaration) and each declaration's
    detail (every clause's value), over ``population`` in ``store``."""
    long_parts, detail = [], {}
    schema = _long_schema(words)
    for declaration in declarations:
        sql = store.compiled(
            (declaration.sha256, as_of, tuple(population.schema().items()), words),
            partial(
                lambda d: compile_declaration(d, population, as_of, words=words).table,
                declaration,
            ),
        )
        table = store.fetch(sql, order_by="enterprise_id")
        detail[declaration.id] = table
        long_parts.append(_long_part(table, declaration.id, schema))
    results = pa.concat_tables(long_parts) if long_parts else schema.empty_table()
    return results, detail


def _long_part(table: pa.Table, assessment: str, schema: pa.Schema) -> pa.Table:
    """One declaration's detail rows as rows of the long results."""
    part = table.select([c for c in schema.names if c not in ("assessment", "shortfall")])
    at = part.column_names.index("district_id") + 1
    part = part.add_column(at, "assessment", pa.array([assessment] * part.num_rows, pa.string()))
    part = part.append_column("shortfall", shortfall_map(table))
    return part.cast(schema)


def _long_schema(words: bool = True) -> pa.Schema:
    schema = pa.schema(
        [
            ("enterprise_id", pa.int64()),
            ("credit_code", pa.string()),
            ("name", pa.string()),
            ("district_id", pa.int64()),
            ("assessment", pa.string()),
            ("status", pa.string()),
            ("score_low", pa.int64()),
            ("score_high", pa.int64()),
            ("failed", pa.string()),
            ("unknown", pa.string()),
            ("missing", pa.string()),
            ("gap_zh", pa.string()),
            ("gap_en", pa.string()),
            ("shortfall", SHORTFALL_TYPE),
        ]
    )
    if not words:
        schema = pa.schema([f for f in schema if f.name not in WORDS])
    return schema


# Per failed clause measured by the compiler (its ``d__`` column): how far it is from passing,
# relative to its threshold — what the seedling rule reads, kept in every run (issue #19).
SHORTFALL_TYPE = pa.map_(pa.string(), pa.float64())


def shortfall_map(table: pa.Table) -> pa.Array:
    """The ``d__<clause>`` columns of a compiled declaration as one map per row, holding only
    the clauses with a shortfall (built column-wise: no loop over the rows, no Python object
    per row)."""
    columns = [c for c in table.column_names if c.startswith("d__")]
    rows = table.num_rows
    if not columns:
        return pa.array([[]] * rows, SHORTFALL_TYPE)
    arrays = [table[c].combine_chunks().cast(pa.float64()) for c in columns]
    # row after row: column i of row r at r·k + i
    values = np.stack([a.to_numpy(zero_copy_only=False) for a in arrays], axis=1).ravel()
    present = np.stack([a.is_valid().to_numpy(zero_copy_only=False) for a in arrays], axis=1)
    counts = present.sum(axis=1)
    present = present.ravel()
    names = pa.array([c[3:] for c in columns], pa.string())
    keys = names.take(pa.array(np.tile(np.arange(len(columns)), rows)[present]))
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int32)
    return pa.MapArray.from_arrays(pa.array(offsets), keys, pa.array(values[present]))


def summarise(results: pa.Table, declarations: list[Declaration]) -> dict:
    counts = {d.id: {s: 0 for s in ("pass", "fail", "undetermined")} for d in declarations}
    if results.num_rows:
        grouped = results.group_by(["assessment", "status"]).aggregate([("status", "count")])
        for row in grouped.to_pylist():
            counts[row["assessment"]][row["status"]] = row["status_count"]
    return {"counts": counts}


def runs_directory(engine: Engine) -> Path:
    configured = os.environ.get("XINZHI_RUNS_DIR")
    if configured:
        return Path(configured)
    return files_beside(engine, "runs")


def record(engine: Engine, result: RunResult, *, actor: str, backend: str = "duckdb") -> int:
    """Keep the run: its record in the database and its results as Parquet."""
    started = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(seconds=result.seconds)
    with session_scope(engine) as session:
        run = EvaluationRun(
            kind="assessment",
            rule_set_hash=rule_set_hash(result.declarations),
            declarations=[
                {
                    "id": d.id,
                    "family": d.family,
                    "version": d.version,
                    "sha256": d.sha256,
                    "file": d.path.name,
                }
                for d in result.declarations
            ],
            as_of=result.as_of,
            backend=backend,
            actor=actor,
            started_at=started,
            finished_at=dt.datetime.now(dt.UTC).replace(tzinfo=None),
            summary=result.summary,
        )
        session.add(run)
        session.flush()
        folder = runs_directory(engine)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"run-{run.id}.parquet"
        # The files are written on a thread while the database takes the current statuses
        # (Arrow's writer and SQLite both work outside the GIL); the run commits after both.
        with ThreadPoolExecutor(1) as pool:
            written = pool.submit(_write_run_files, result, path)
            _record_rows(session, run, result, path, actor, backend)
            written.result()
    return result.run_id


def _write_run_files(result: RunResult, path: Path) -> None:
    pq.write_table(result.results, path)
    if not result.summary.get("words", True):
        return  # decisions first: explanations are produced from the run's snapshot instead
    for declaration in result.declarations:  # every clause's values, for explanations
        if declaration.id not in result.detail:
            continue  # a result without its clauses (then explanations are computed live)
        pq.write_table(
            result.detail[declaration.id],
            detail_path(path, declaration.id),
            row_group_size=DETAIL_ROW_GROUP,
        )


def _record_rows(session, run, result: RunResult, path: Path, actor: str, backend: str) -> None:
    """The run's database rows: its files' path, the audit entry, the current statuses."""
    run.results_path = str(path.resolve())
    result.run_id = run.id
    audit(
        session,
        actor=actor,
        action=Action.ASSESS_RUN,
        subject=f"run:{run.id}",
        detail={
            "as_of": result.as_of.isoformat(),
            **(
                {"application_date": result.application_date.isoformat()}
                if result.application_date
                else {}
            ),
            "backend": backend,
            "counts": result.summary["counts"],
        },
    )
    if result.enterprise_id is None:  # a run over everyone becomes the current status
        families = {d.id: d.family for d in result.declarations}
        _replace_current_statuses(session, run.id, result.results, families)


def _replace_current_statuses(
    session, run_id: int, results: pa.Table, families: dict[str, str]
) -> None:
    kept = results.filter(pc.is_in(results["status"], pa.array(["pass", "undetermined"])))
    # In primary-key order: each row then lands at the end of the table's B-tree instead of
    # somewhere inside it (a million rows went in twice as fast).
    kept = kept.sort_by([("enterprise_id", "ascending"), ("assessment", "ascending")])
    assessments = kept["assessment"].to_pylist()
    rows = list(
        zip(
            kept["enterprise_id"].to_pylist(),
            assessments,
            [families[a] for a in assessments],
            kept["status"].to_pylist(),
            [run_id] * kept.num_rows,
        )
    )
    connection = session.connection()
    # The secondary index is dropped while the rows go and come, and built once at the end
    # over the whole table rather than row by row.
    indexes = list(CurrentStatus.__table__.indexes)
    for index in indexes:
        index.drop(connection)
    session.execute(delete(CurrentStatus))
    if rows:
        # The driver's executemany of tuples: SQLAlchemy Core's per-row parameter processing
        # took 13 s for a million rows, the ORM bulk path most of a minute.
        mark = "?" if connection.dialect.paramstyle == "qmark" else "%s"
        connection.exec_driver_sql(
            "INSERT INTO current_statuses (enterprise_id, assessment, family, status, run_id) "
            f"VALUES ({', '.join([mark] * 5)})",
            rows,
        )
    for index in indexes:
        index.create(connection)


DETAIL_ROW_GROUP = 16_384  # rows sorted by enterprise: reading one firm touches one group


def detail_path(results_path: Path | str, assessment: str) -> Path:
    results_path = Path(results_path)
    return results_path.with_name(f"{results_path.stem}.{assessment}.parquet")


def recorded_result(run: EvaluationRun, catalog: Catalog, enterprise_id: int) -> RunResult | None:
    """One enterprise's results as the run recorded them, with their words, or None when the
    run cannot be replayed exactly (a declaration file changed since, or its detail file or
    snapshot is gone)."""
    declarations = _run_declarations_of(run, catalog)
    if declarations is None:
        return None
    snapshot = _run_snapshot(run)
    if snapshot is not None and _words_kept(run, declarations):
        # A decisions-first run whose words were produced: read this firm's rows only.
        detail = {
            d.id: _firm_rows(worded_detail_path(run.results_path, d.id), enterprise_id)
            for d in declarations
        }
        schema = _long_schema(True)
        parts = [_long_part(detail[d.id], d.id, schema) for d in declarations]
        results = pa.concat_tables(parts) if parts else schema.empty_table()
    elif snapshot is not None:  # a decisions-first run: its words, from its own snapshot
        results, detail = run_over_snapshot(snapshot, declarations, run.as_of, True, enterprise_id)
    else:
        detail = {}
        for declaration in declarations:
            path = detail_path(run.results_path, declaration.id)
            if not path.exists():
                return None
            detail[declaration.id] = pq.read_table(
                path, filters=[("enterprise_id", "=", enterprise_id)]
            )
        results = read_results(run, words=False)
        results = results.filter(pc.equal(results["enterprise_id"], enterprise_id))
        if "gap_zh" not in results.column_names:
            return None
    return RunResult(
        run.as_of,
        declarations,
        results,
        detail,
        run_id=run.id,
        enterprise_id=enterprise_id,
        summary=run.summary,
        application_date=recorded_application_date(run),
    )


def recorded_application_date(run: EvaluationRun) -> dt.date | None:
    """The application date a run was evaluated for (None: the default evaluation date)."""
    recorded = (run.summary or {}).get("application_date")
    return dt.date.fromisoformat(recorded) if recorded else None


def _run_declarations_of(run: EvaluationRun, catalog: Catalog) -> list[Declaration] | None:
    """The run's declarations, or None when one of them changed since the run."""
    declarations = []
    for entry in run.declarations:
        try:
            declaration = catalog.get(entry["id"], run.as_of)
        except KeyError:
            return None
        if declaration.sha256 != entry["sha256"]:
            return None
        declarations.append(declaration)
    return declarations


def _run_snapshot(run: EvaluationRun) -> Path | None:
    """The snapshot a decisions-first run read, if the run was one, the file is kept and this
    code built it."""
    if not run.summary or run.summary.get("words", True):
        return None
    if run.summary.get("snapshot_code") != code_version():
        return None  # built by other code: its columns may mean other units
    path = Path(run.summary.get("snapshot") or "")
    return path if path.is_file() else None


class WordsUnavailable(XinzhiError, LookupError):
    """A decisions-first run whose words can no longer be produced exactly."""


def latest_run(engine: Engine, kind: str = "assessment") -> EvaluationRun | None:
    with session_scope(engine) as session:
        run = session.scalars(
            select(EvaluationRun)
            .where(EvaluationRun.kind == kind)
            .order_by(EvaluationRun.id.desc())
            .limit(1)
        ).first()
        if run is not None:
            session.expunge(run)
        return run


def read_results(run: EvaluationRun, words: bool = True) -> pa.Table:
    """The run's long results; with ``words``, with the credit codes, names, missing inputs and
    gap texts — for a decisions-first run produced on first demand from the run's own
    snapshot (the same population and declarations, so the same words as a run that
    produced them at once) and kept beside the run."""
    table = pq.read_table(run.results_path)
    if not words or "gap_zh" in table.column_names:
        return table
    kept = words_path(run.results_path)
    if kept.exists():
        return pq.read_table(kept)
    table = _with_words(run, table)
    partial = kept.with_name(f".{kept.name}.{os.getpid()}")
    pq.write_table(table, partial)
    os.replace(partial, kept)
    return table


def words_path(results_path: Path | str) -> Path:
    results_path = Path(results_path)
    return results_path.with_name(f"{results_path.stem}.words.parquet")


def _with_words(run: EvaluationRun, decisions: pa.Table) -> pa.Table:
    declarations = _run_declarations_of(run, load_catalog())
    snapshot = _run_snapshot(run)
    if declarations is None or snapshot is None:
        raise WordsUnavailable(
            f"评价记录 {run.id} 的快照或规则已变更，无法生成其说明文字；请重新运行 xinzhi assess",
            f"run {run.id}: its snapshot is gone or a declaration changed since, so its texts "
            f"cannot be produced exactly; run `xinzhi assess` again",
        )
    worded, detail = run_over_snapshot(snapshot, declarations, run.as_of, True)
    # The same snapshot and declarations: the same rows in the same order, checked.
    same = worded.num_rows == decisions.num_rows and all(
        worded[c].equals(decisions[c]) for c in ("enterprise_id", "assessment", "status")
    )
    if not same:
        raise WordsUnavailable(
            f"评价记录 {run.id} 的结果与其快照不一致", f"run {run.id} differs from its snapshot"
        )
    # Every clause's value with the words, kept too: one firm's explanation then reads its
    # own rows (small row groups, sorted by enterprise) instead of replaying six queries.
    for declaration in declarations:
        path = worded_detail_path(run.results_path, declaration.id)
        staged = path.with_name(f".{path.name}.{os.getpid()}")
        table = detail[declaration.id].combine_chunks()  # no empty batch
        with pa.ipc.new_file(staged, table.schema) as writer:
            for batch in table.to_batches(max_chunksize=WORDED_BATCH):
                writer.write_batch(batch)
        os.replace(staged, path)
    return worded


WORDED_BATCH = 2_048  # rows per batch of a kept detail file: a firm's explanation reads one


def worded_detail_path(results_path: Path | str, assessment: str) -> Path:
    results_path = Path(results_path)
    return results_path.with_name(f"{results_path.stem}.{assessment}.words.arrow")


# Per kept detail file: the last firm of each batch (the files are sorted by firm and never
# change once written), so an explanation reads its one batch without a scan.
_BATCHES: dict[Path, tuple[int, list[int]]] = {}
_BATCHES_MAX = 256


def _firm_rows(path: Path, enterprise_id: int) -> pa.Table:
    """One firm's rows of a kept detail file: one batch of an uncompressed Arrow file read
    (0.5 ms; decoding a Parquet row group of the same rows took 7–12 ms, per column)."""
    stamp = path.stat().st_mtime_ns
    with pa.OSFile(str(path)) as source:
        reader = pa.ipc.open_file(source)
        known = _BATCHES.get(path)
        if known is None or known[0] != stamp:
            lasts = []
            for i in range(reader.num_record_batches):
                ids = reader.get_batch(i).column("enterprise_id")
                lasts.append(ids[len(ids) - 1].as_py())
            if len(_BATCHES) >= _BATCHES_MAX:
                _BATCHES.pop(next(iter(_BATCHES)))
            known = _BATCHES[path] = (stamp, lasts)
        group = bisect.bisect_left(known[1], enterprise_id)
        if group == len(known[1]):
            return reader.schema.empty_table()
        rows = pa.Table.from_batches([reader.get_batch(group)])
    return rows.filter(pc.equal(rows["enterprise_id"], enterprise_id))


def _words_kept(run: EvaluationRun, declarations: list[Declaration]) -> bool:
    """Whether the words of a decisions-first run were produced and kept with its detail."""
    return words_path(run.results_path).exists() and all(
        worded_detail_path(run.results_path, d.id).exists() for d in declarations
    )


def by_district(results: pa.Table) -> pa.Table:
    """Passes per assessment and district."""
    passed = results.filter(pc.equal(results["status"], "pass"))
    return passed.group_by(["assessment", "district_id"]).aggregate([("enterprise_id", "count")])
