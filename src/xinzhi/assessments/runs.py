"""Run the assessments in force over the whole population, record the run, explain one firm.

A run is reproducible: it records the hash of every declaration it used, the evaluation
date, the engine, who ran it and when; its results (one row per enterprise and assessment)
are kept as a Parquet file beside the database, named after the run.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from sqlalchemy import Engine, delete, func, select

from ..rulelang.compiler import compile_declaration
from ..rulelang.declaration import Declaration
from ..rulelang.engines import open_store
from ..rulelang.population import build_population, imported_kinds
from ..store.audit import Action, audit
from ..store.db import session_scope
from ..store.models import District, EnterpriseYear
from ..store.models.runs import CurrentStatus, EvaluationRun
from .catalogue import Catalog, load_catalog

LONG_COLUMNS = [
    "enterprise_id",
    "credit_code",
    "name",
    "district_id",
    "status",
    "score_low",
    "score_high",
    "failed",
    "unknown",
    "missing",
    "gap_zh",
    "gap_en",
]


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


def default_as_of(engine: Engine) -> dt.date:
    """31 December of the latest accounting year in the registry (today if there is none)."""
    with session_scope(engine) as session:
        year = session.scalar(select(func.max(EnterpriseYear.year)))
    return dt.date(year, 12, 31) if year else dt.date.today()


def district_codes(engine: Engine) -> set[str]:
    with session_scope(engine) as session:
        return set(session.scalars(select(District.code)))


def rule_set_hash(declarations: list[Declaration]) -> str:
    digest = hashlib.sha256()
    for d in sorted(declarations, key=lambda d: d.id):
        digest.update(f"{d.id}:{d.sha256}\n".encode())
    return digest.hexdigest()


def materialise_population(store, as_of: dt.date, enterprise_id: int | None = None):
    """The population for ``as_of`` (one enterprise only, with ``enterprise_id``) as the
    temporary table ``population`` — the same SQL for assessments and policies."""
    covered = imported_kinds(store)
    sql = store.compiled(
        ("population", as_of, frozenset(covered)), lambda: build_population(store, as_of, covered)
    )
    if enterprise_id is not None:
        sql = f"SELECT * FROM ({sql}) AS p WHERE enterprise_id = {int(enterprise_id)}"
    return store.materialise(sql, "population")


def evaluate(
    engine: Engine,
    *,
    as_of: dt.date | None = None,
    only: set[str] | None = None,
    backend: str = "duckdb",
    catalog: Catalog | None = None,
    enterprise_id: int | None = None,
    all_regions: bool = False,
) -> RunResult:
    """Evaluate every declaration in force on ``as_of`` (optionally for one enterprise)."""
    import time

    started = time.perf_counter()
    as_of = as_of or default_as_of(engine)
    catalog = catalog or load_catalog()
    declarations = catalog.in_force(as_of, only)
    if not all_regions:  # another region's variant is shown only when asked for
        codes = district_codes(engine)
        declarations = [d for d in declarations if d.applies_to(codes)]
    store = open_store(engine, backend)
    try:
        population = materialise_population(store, as_of, enterprise_id)
        long_parts, detail = [], {}
        for declaration in declarations:
            sql = store.compiled(
                (declaration.sha256, as_of, tuple(population.schema().items())),
                partial(lambda d: compile_declaration(d, population, as_of).table, declaration),
            )
            table = store.fetch(sql, order_by="enterprise_id")
            detail[declaration.id] = table
            part = table.select(LONG_COLUMNS)
            part = part.add_column(
                4, "assessment", pa.array([declaration.id] * part.num_rows, pa.string())
            )
            long_parts.append(part.cast(_long_schema()))
    finally:
        store.close()
    results = pa.concat_tables(long_parts) if long_parts else _long_schema().empty_table()
    result = RunResult(as_of, declarations, results, detail, enterprise_id=enterprise_id)
    result.summary = summarise(results, declarations)
    result.seconds = time.perf_counter() - started
    return result


def _long_schema() -> pa.Schema:
    return pa.schema(
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
        ]
    )


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
    if engine.dialect.name == "sqlite" and engine.url.database not in (None, "", ":memory:"):
        database = Path(engine.url.database)
        return database.with_name(database.name + ".runs")
    return Path("var/runs")


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
        pq.write_table(result.results, path)
        for declaration in result.declarations:  # every clause's values, for explanations
            if declaration.id not in result.detail:
                continue  # a result without its clauses (then explanations are computed live)
            pq.write_table(
                result.detail[declaration.id],
                detail_path(path, declaration.id),
                row_group_size=DETAIL_ROW_GROUP,
            )
        run.results_path = str(path.resolve())
        result.run_id = run.id
        audit(
            session,
            actor=actor,
            action=Action.ASSESS_RUN,
            subject=f"run:{run.id}",
            detail={
                "as_of": result.as_of.isoformat(),
                "backend": backend,
                "counts": result.summary["counts"],
            },
        )
        if result.enterprise_id is None:  # a run over everyone becomes the current status
            families = {d.id: d.family for d in result.declarations}
            _replace_current_statuses(session, run.id, result.results, families)
    return result.run_id


def _replace_current_statuses(
    session, run_id: int, results: pa.Table, families: dict[str, str]
) -> None:
    kept = results.filter(pc.is_in(results["status"], pa.array(["pass", "undetermined"])))
    rows = kept.select(["enterprise_id", "assessment", "status"]).to_pylist()
    for row in rows:
        row["run_id"], row["family"] = run_id, families[row["assessment"]]
    session.execute(delete(CurrentStatus))
    if rows:
        # Core executemany: the ORM bulk path took most of a minute for a million rows.
        session.connection().execute(CurrentStatus.__table__.insert(), rows)


DETAIL_ROW_GROUP = 16_384  # rows sorted by enterprise: reading one firm touches one group


def detail_path(results_path: Path | str, assessment: str) -> Path:
    results_path = Path(results_path)
    return results_path.with_name(f"{results_path.stem}.{assessment}.parquet")


def recorded_result(run: EvaluationRun, catalog: Catalog, enterprise_id: int) -> RunResult | None:
    """One enterprise's results as the run recorded them, or None when the run cannot be
    replayed exactly (a declaration file changed since, or its detail file is gone)."""
    declarations, detail = [], {}
    for entry in run.declarations:
        try:
            declaration = catalog.get(entry["id"], run.as_of)
        except KeyError:
            return None
        path = detail_path(run.results_path, entry["id"])
        if declaration.sha256 != entry["sha256"] or not path.exists():
            return None
        declarations.append(declaration)
        detail[entry["id"]] = pq.read_table(path, filters=[("enterprise_id", "=", enterprise_id)])
    results = read_results(run)
    results = results.filter(pc.equal(results["enterprise_id"], enterprise_id))
    return RunResult(
        run.as_of,
        declarations,
        results,
        detail,
        run_id=run.id,
        enterprise_id=enterprise_id,
        summary=run.summary,
    )


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


def read_results(run: EvaluationRun) -> pa.Table:
    return pq.read_table(run.results_path)


def by_district(results: pa.Table) -> pa.Table:
    """Passes per assessment and district."""
    passed = results.filter(pc.equal(results["status"], "pass"))
    return passed.group_by(["assessment", "district_id"]).aggregate([("enterprise_id", "count")])
