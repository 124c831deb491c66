"""Run the policies in force over the whole population, record the run, and keep each
payout's audit record.

One run: the population for the evaluation date (the same SQL as the assessments'), the
assessments the policies name evaluated in the same run and joined as ``status_<id>``
columns, then every policy compiled to one expression, then stacking and budgets
(``allocation``). Results are kept as Parquet beside the database: the payout list (every
enterprise and policy that is not ineligible) and, per policy, the clauses and values each
payout saw — with the run's record (policy versions and hashes, parameters changed, who,
when) that is the audit record of every payout.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import ibis
import ibis.expr.types as ir
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from sqlalchemy import Engine, select

from ..assessments.catalogue import load_catalog
from ..assessments.runs import (
    check_application_date,
    default_as_of,
    district_codes,
    materialise_population,
    runs_directory,
)
from ..rulelang.compiler import compile_declaration
from ..rulelang.engines import Store, open_store
from ..rulelang.population import imported_kinds, policy_columns
from ..rulelang.registry import POPULATION_INPUTS
from ..rulelang.snapshot import current_key, ensure_snapshot
from ..store.audit import Action, audit
from ..store.db import session_scope
from ..store.models.runs import EvaluationRun
from .allocation import FIRM_COLUMNS, allocate, payout_list, settings_of
from .declarations import Policy, PolicyCatalog, load_policies
from .payouts import CompiledPolicy, compile_policy

FRAME = "policy_frame"
_COMPILED_POLICIES: dict[tuple, CompiledPolicy] = {}


@dataclass
class PolicyRun:
    as_of: dt.date
    policies: list[Policy]
    results: (
        pa.Table
    )  # the payout list (allocation.LONG_COLUMNS), one row per enterprise and policy
    detail: dict[str, pa.Table]  # per policy: clauses and values of the same rows
    compiled: dict[str, CompiledPolicy]
    population: int
    overrides: dict[str, dict] = field(default_factory=dict)
    corrections: dict[str, object] = field(default_factory=dict)
    enterprise_id: int | None = None
    run_id: int | None = None
    seconds: float = 0.0
    summary: dict = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)  # per policy: the SQL its rows came from
    application_date: dt.date | None = None  # as_of is then that date (see evaluate_policies)

    def policy(self, ident: str) -> Policy:
        return next(p for p in self.policies if p.id == ident)


def run_year(year: int) -> dt.date:
    """``--year Y``: the policies look at year Y (its accounts, contracts, certificates)."""
    return dt.date(year, 12, 31)


def select_policies(
    catalog: PolicyCatalog, as_of: dt.date, only: set[str] | None, codes: set[str] | None
) -> list[Policy]:
    """The policies in force, in the registry's region; with ``only``, also every policy of the
    same stacking group (stacking decides between them, so one is never run alone)."""
    policies = catalog.in_force(as_of)
    if codes is not None:
        policies = [p for p in policies if p.applies_to(codes)]
    if only:
        groups = catalog.groups(policies)
        wanted = {groups[p.id] for p in policies if p.id in only}
        policies = [p for p in policies if groups[p.id] in wanted]
    return policies


def evaluate_policies(
    engine: Engine,
    *,
    as_of: dt.date | None = None,
    only: set[str] | None = None,
    backend: str = "duckdb",
    catalog: PolicyCatalog | None = None,
    overrides: dict[str, dict] | None = None,
    enterprise_id: int | None = None,
    corrections: dict[str, object] | None = None,
    all_regions: bool = False,
    application_date: dt.date | None = None,
) -> PolicyRun:
    """Evaluate the policies in force on ``as_of`` (one enterprise only, with ``enterprise_id``;
    ``corrections``: input values that replace the registry's for that enterprise).

    An ``application_date`` (instead of ``as_of``) evaluates them for that day, as
    ``assessments.runs.evaluate`` does: the dated windows run to it, the accounting years
    (the assessments' three years, the year of technology contracts) are those ended before
    it, and a future date or one before every accounting year held is refused."""
    started = time.perf_counter()
    as_of, accounting_year = application_dates(engine, as_of, application_date)
    as_of = as_of or default_as_of(engine)
    catalog = catalog or load_policies()
    policies = select_policies(
        catalog, as_of, only, None if all_regions else district_codes(engine)
    )
    snapshot = population_snapshot(engine, as_of, backend, accounting_year)
    # One enterprise: only its rows are read from the store (the profile page's run).
    store = open_store(engine, backend, firms=None if enterprise_id is None else [enterprise_id])
    try:
        frame, count = build_frame(
            store, as_of, policies, enterprise_id, corrections or {}, snapshot, accounting_year
        )
        run = run_on_frame(
            store,
            frame,
            count,
            policies,
            as_of,
            catalog,
            overrides or {},
            keep_ineligible=enterprise_id is not None,
        )
    finally:
        store.close()
    run.enterprise_id, run.corrections = enterprise_id, dict(corrections or {})
    run.application_date = application_date
    if application_date is not None:
        run.summary["application_date"] = application_date.isoformat()
    run.seconds = time.perf_counter() - started
    return run


def application_dates(
    engine: Engine, as_of: dt.date | None, application_date: dt.date | None
) -> tuple[dt.date | None, int | None]:
    """(the evaluation date, the latest accounting year it reads): ``as_of`` and the default
    year, or the application date and the last year ended before it (checked:
    ``check_application_date`` raises ``InvalidApplicationDate``)."""
    if application_date is None:
        return as_of, None
    if as_of is not None and as_of != application_date:
        raise ValueError("give as_of or application_date, not both")
    return application_date, check_application_date(engine, application_date)


def population_snapshot(
    engine: Engine, as_of: dt.date, backend: str, accounting_year: int | None = None
) -> Path | None:
    """On DuckDB the population is the assessments' analytic snapshot (built when missing);
    PostgreSQL and Spark build it in their own stores."""
    if backend != "duckdb":
        return None
    return ensure_snapshot(engine, current_key(engine, as_of, accounting_year))[0]


def build_frame(
    store: Store,
    as_of: dt.date,
    policies: list[Policy],
    enterprise_id: int | None,
    corrections: dict[str, object],
    snapshot: Path | None = None,
    accounting_year: int | None = None,
) -> tuple[ir.Table, int]:
    """Materialise the policy frame: population (from the ``snapshot`` when given), policy
    inputs, assessment statuses (``accounting_year``: the latest year read, when an
    application date sets it)."""
    covered = imported_kinds(store)
    population = materialise_population(
        store, as_of, enterprise_id, snapshot, accounting_year=accounting_year
    )
    population = _correct(
        store,
        population,
        "population",
        {k: v for k, v in corrections.items() if k in POPULATION_INPUTS},
    )
    wanted = sorted({name for p in policies for name in p.assessments})
    in_force = {d.id: d for d in load_catalog().in_force(as_of)}
    statuses = {}
    for ident in wanted:
        declaration = in_force.get(ident)
        if declaration is None:  # not in force on that date: its status is unknown
            continue
        assessed = store.compiled(
            (declaration.sha256, as_of, tuple(population.schema().items())),
            lambda d=declaration: compile_declaration(d, population, as_of).table,
        )
        # An undetermined result is an unknown status (NULL): `status_sme == "pass"` is then unknown.
        statuses[ident] = store.materialise(
            f"SELECT enterprise_id, NULLIF(status, 'undetermined') AS status FROM ({assessed}) AS a",
            f"assessment__{ident}",
        )

    def build() -> ir.Table:
        frame = policy_columns(store, population, as_of, covered, accounting_year)
        for ident in wanted:
            if ident in statuses:
                s = statuses[ident]
                s = s.select(enterprise_id=s.enterprise_id, **{f"status_{ident}": s.status})
                frame = frame.left_join(s, "enterprise_id")
                frame = frame.drop(*[c for c in frame.columns if c.endswith("_right")])
            else:
                frame = frame.mutate(**{f"status_{ident}": ibis.null("string")})
        return frame

    key = (
        "policy_frame",
        as_of,
        frozenset(covered),
        tuple(wanted),
        tuple(sorted(statuses)),
        tuple(population.schema().items()),
        accounting_year,
    )
    frame = store.materialise(store.compiled(key, build), FRAME)
    extra = {k: v for k, v in corrections.items() if k not in POPULATION_INPUTS}
    frame = _correct(store, frame, FRAME, extra)
    return frame, int(store.con.execute(frame.count()))


def _correct(store: Store, table: ir.Table, name: str, corrections: dict[str, object]) -> ir.Table:
    """Replace input values (a correction for the one enterprise in ``table``)."""
    if not corrections:
        return table
    values = {}
    for column, value in corrections.items():
        if column not in table.columns:
            if not column.startswith("judged__"):
                raise KeyError(column)
            values[column] = ibis.literal(value, type="boolean")
            continue
        dtype = table.schema()[column]
        values[column] = ibis.null(dtype) if value is None else ibis.literal(value).cast(dtype)
    # Written back under the same name, so SQL compiled against it reads the corrected values.
    corrected = store.materialise(
        str(store.con.compile(table.mutate(**values))), f"{name}__corrected"
    )
    return store.materialise(str(store.con.compile(corrected)), name)


def run_on_frame(
    store: Store,
    frame: ir.Table,
    count: int,
    policies: list[Policy],
    as_of: dt.date,
    catalog: PolicyCatalog,
    overrides: dict[str, dict],
    *,
    keep_ineligible: bool = False,
    reuse: PolicyRun | None = None,
) -> PolicyRun:
    """Compile every policy over the materialised ``frame``, allocate, assemble the payout list.

    ``reuse``: an earlier run on the same frame of the same store (a what-if's current side):
    a policy whose SQL is unchanged (another policy's parameter changed, or a budget — which
    the SQL does not contain) takes that run's rows instead of evaluating again."""
    groups = catalog.groups(policies)
    rules = {p.id: p.stacking.rule if p.stacking else "larger" for p in policies}
    group_rule = {groups[i]: r for i, r in rules.items()}
    schema = tuple(frame.schema().items())
    compiled, tables, fetched, sources, settings = {}, {}, {}, {}, {}
    for policy in policies:
        changed = overrides.get(policy.id) or {}
        key = (
            store.schema_key(),
            "policy",
            policy.sha256,
            as_of,
            _frozen(changed),
            schema,
            frame.get_name(),
            keep_ineligible,
        )
        c = _COMPILED_POLICIES.get(key)
        if c is None:  # building the expression costs a fraction of a second: once per process
            c = _COMPILED_POLICIES[key] = compile_policy(
                policy, frame, as_of, changed, keep_ineligible
            )
            if len(_COMPILED_POLICIES) > 256:
                _COMPILED_POLICIES.pop(next(iter(_COMPILED_POLICIES)))
        compiled[policy.id] = c
        # Keyed by the expression itself: parameters the SQL does not contain (a budget) do
        # not compile it again.
        sql = sources[policy.id] = store.compiled(("policy", c.table.op()), lambda c=c: c.table)
        earlier = (
            reuse.detail.get(policy.id)
            if reuse is not None and reuse.sources.get(policy.id) == sql
            else None
        )
        tables[policy.id], fetched[policy.id] = _kept(
            store, sql, f"policy__{policy.id}", c.table.schema(), earlier
        )
        group = groups[policy.id]
        settings[policy.id] = settings_of(
            c, group, group_rule[group], sum(g == group for g in groups.values()) > 1
        )
    chosen = [s for s in settings.values() if s.allocated]
    allocation = allocate(store, tables, chosen, frame) if chosen else None
    firms = store.fetch(
        store.compiled(("firms", frame.get_name(), schema), lambda: frame.select(*FIRM_COLUMNS))
    )
    long = payout_list(fetched, settings, allocation, firms)
    run = PolicyRun(
        as_of, policies, long, fetched, compiled, count, overrides=dict(overrides), sources=sources
    )
    run.summary = summarise(run)
    return run


def _kept(
    store: Store, sql: str, name: str, schema: ibis.Schema, earlier: pa.Table | None = None
) -> tuple[ir.Table, pa.Table]:
    """One policy's rows, as Arrow in enterprise order (its explanations) and as a table the
    allocation reads. On DuckDB the Arrow result itself is registered under ``name`` (read in
    place, not copied into a temporary table; its columns are typed by ``schema`` already, so
    the engine is not asked for them); other engines keep a temporary table."""
    if store.backend == "duckdb":
        rows = earlier if earlier is not None else _in_enterprise_order(store.fetch(sql))
        store.register_arrow(name, rows)
        return ibis.table(schema, name=name), rows
    table = store.materialise(sql, name)
    return table, earlier if earlier is not None else store.to_arrow(
        table.order_by("enterprise_id")
    )


def _in_enterprise_order(rows: pa.Table) -> pa.Table:
    """DuckDB returns a scan's rows in the frame's order, usually the enterprises' already:
    checking is cheaper than a sort in the query."""
    ids = rows["enterprise_id"].to_numpy()
    if len(ids) < 2 or bool(np.all(ids[1:] > ids[:-1])):
        return rows
    return rows.take(pc.sort_indices(rows["enterprise_id"]))


def _frozen(mapping: dict) -> tuple:
    return tuple(sorted((k, str(v)) for k, v in mapping.items()))


def summarise(run: PolicyRun) -> dict:
    """Per policy: counts by outcome, amounts due, granted and paid, budget and its use
    (grouped aggregates over the payout list, not a pass per policy)."""
    r = run.results
    eligible = pc.fill_null(pc.equal(r["status"], "eligible"), False)
    # One grouped pass over the columns it needs (a filter of the whole list copies every column).
    narrow = pa.table(
        {
            "policy": r["policy"],
            "outcome": r["outcome"],
            "granted": r["amount_granted"],
            "paid": r["amount_paid"],
            "due": pc.if_else(eligible, r["amount"], None),
            "eligible": eligible.cast(pa.int64()),
        }
    )
    grouped = narrow.group_by(["policy", "outcome"]).aggregate(
        [
            ("policy", "count"),
            ("granted", "sum"),
            ("paid", "sum"),
            ("due", "sum"),
            ("eligible", "sum"),
        ]
    )
    outcomes: dict[str, dict[str, int]] = {}
    totals: dict[str, dict[str, int]] = {}
    for row in grouped.to_pylist():
        outcomes.setdefault(row["policy"], {})[row["outcome"]] = row["policy_count"]
        total = totals.setdefault(
            row["policy"], {"rows": 0, "granted": 0, "paid": 0, "due": 0, "eligible": 0}
        )
        total["rows"] += row["policy_count"]
        for name in ("granted", "paid", "due", "eligible"):
            total[name] += row[f"{name}_sum"] or 0
    policies = {}
    for p in run.policies:
        counts = {o: 0 for o in ("paid", "reduced", "unfunded", "excluded", "zero", "undetermined")}
        counts.update(outcomes.get(p.id, {}))
        total = totals.get(p.id, {"rows": 0, "granted": 0, "paid": 0, "due": 0, "eligible": 0})
        budget = run.compiled[p.id].budget
        paid = int(total["paid"])
        policies[p.id] = {
            "outcomes": counts,
            "eligible": int(total["eligible"]),
            "undetermined": counts["undetermined"],
            "ineligible": run.population - int(total["rows"]),
            "due": int(total["due"]),
            "granted": int(total["granted"]),
            "paid": paid,
            "budget": budget,
            "budget_used": None if not budget else float(Fraction(paid, budget)),
            "version": p.version,
            "parameters": {k: _show(v) for k, v in (run.overrides.get(p.id) or {}).items()},
        }
    return {
        "policies": policies,
        "population": run.population,
        "paid": _sum(r["amount_paid"]),
        "by_district": by_district(r),
    }


def value_counts(column: pa.ChunkedArray) -> dict:
    counted = pc.value_counts(column)
    return dict(zip(counted.field("values").to_pylist(), counted.field("counts").to_pylist()))


def _sum(column: pa.ChunkedArray) -> int:
    return int(pc.sum(column).as_py() or 0)


def _show(value) -> str:
    return (
        str(value)
        if not isinstance(value, Fraction) or value.denominator != 1
        else str(value.numerator)
    )


def by_district(results: pa.Table) -> dict[str, dict[str, int]]:
    """Amount paid per policy and district id (as text keys, for JSON)."""
    paid = results.select(["policy", "district_id", "amount_paid", "enterprise_id"])
    paid = paid.filter(pc.greater(pc.fill_null(paid["amount_paid"], 0), 0))
    grouped = paid.group_by(["policy", "district_id"]).aggregate(
        [("amount_paid", "sum"), ("enterprise_id", "count")]
    )
    out: dict[str, dict[str, int]] = {}
    for row in grouped.to_pylist():
        out.setdefault(row["policy"], {})[str(row["district_id"])] = int(row["amount_paid_sum"])
    return out


# --- recording -----------------------------------------------------------------------------


def record_policy_run(
    engine: Engine,
    run: PolicyRun,
    *,
    actor: str,
    backend: str = "duckdb",
    kind: str = "policy",
    extra: dict | None = None,
) -> int:
    """Keep the run: its record (policy versions, hashes, parameters changed), the payout list
    and each policy's clauses and values as Parquet, and an audit-log entry."""
    from ..assessments.runs import rule_set_hash

    finished = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    with session_scope(engine) as session:
        record = EvaluationRun(
            kind=kind,
            rule_set_hash=rule_set_hash(run.policies),  # type: ignore[arg-type]
            declarations=[
                {
                    "id": p.id,
                    "version": p.version,
                    "sha256": p.sha256,
                    "file": p.path.name,
                    "provenance": p.provenance,
                    "overrides": {k: _show(v) for k, v in (run.overrides.get(p.id) or {}).items()},
                }
                for p in run.policies
            ],
            as_of=run.as_of,
            backend=backend,
            actor=actor,
            started_at=finished - dt.timedelta(seconds=run.seconds),
            finished_at=finished,
            summary={**run.summary, **(extra or {})},
        )
        session.add(record)
        session.flush()
        folder = runs_directory(engine) / f"policy-run-{record.id}"
        folder.mkdir(parents=True, exist_ok=True)
        pq.write_table(run.results, folder / "payouts.parquet")
        for ident, table in run.detail.items():
            pq.write_table(table, folder / f"{ident}.parquet")
        record.results_path = str((folder / "payouts.parquet").resolve())
        audit(
            session,
            actor=actor,
            action=Action(f"{kind}.run"),
            subject=f"run {record.id}",
            detail={
                "as_of": run.as_of.isoformat(),
                "policies": len(run.policies),
                "paid_fen": run.summary.get("paid"),
                **(extra or {}),
            },
        )
        run.run_id = record.id
    return run.run_id


@dataclass
class StoredRun:
    record: EvaluationRun
    results: pa.Table
    folder: Path

    def detail(self, policy_id: str) -> pa.Table | None:
        path = self.folder / f"{policy_id}.parquet"
        return pq.read_table(path) if path.exists() else None


def load_run(engine: Engine, run_id: int | None = None, kind: str = "policy") -> StoredRun | None:
    """A recorded policy run (the latest one without ``run_id``)."""
    with session_scope(engine) as session:
        query = select(EvaluationRun).where(EvaluationRun.kind.in_([kind, "policy_correction"]))
        if run_id is None:
            query = (
                select(EvaluationRun)
                .where(EvaluationRun.kind == kind)
                .order_by(EvaluationRun.id.desc())
            )
        else:
            query = query.where(EvaluationRun.id == run_id)
        record = session.scalars(query.limit(1)).first()
        if record is None:
            return None
        session.expunge(record)
    path = Path(record.results_path)
    return StoredRun(record, pq.read_table(path), path.parent)


def recorded_policies(
    record: EvaluationRun, catalog: PolicyCatalog | None = None
) -> tuple[list[Policy], dict[str, dict], list[str]]:
    """The policies a recorded run used, their parameter changes, and warnings for files that
    changed since (their clause texts are then today's, the recorded values the run's)."""
    catalog = catalog or load_policies()
    policies, overrides, warnings = [], {}, []
    for entry in record.declarations:
        try:
            policy = catalog.get(entry["id"], record.as_of)
        except KeyError:
            warnings.append(f"政策 {entry['id']} 已不存在 / policy {entry['id']} no longer exists")
            continue
        if policy.sha256 != entry["sha256"]:
            warnings.append(
                f"政策 {policy.id} 的文件在本次运行后已修改 / the file of {policy.id} changed "
                f"since run {record.id}"
            )
        policies.append(policy)
        if entry.get("overrides"):
            overrides[policy.id] = {
                k: Fraction(v) if _numeric(v) else v for k, v in entry["overrides"].items()
            }
    return policies, overrides, warnings


def _numeric(text: str) -> bool:
    try:
        Fraction(text)
    except (ValueError, ZeroDivisionError):
        return False
    return True


def stored_as_run(
    stored: StoredRun, catalog: PolicyCatalog | None = None
) -> tuple[PolicyRun, list[str]]:
    """A recorded run as a PolicyRun (compiled against the inputs' schema, without data), for
    explanations, exports and notices."""
    from ..rulelang.registry import input_table_schema

    record = stored.record
    policies, overrides, warnings = recorded_policies(record, catalog)
    assessments = sorted({a for p in policies for a in p.assessments})
    schema = input_table_schema(assessments)
    empty = ibis.table(schema, name=FRAME)
    compiled = {p.id: compile_policy(p, empty, record.as_of, overrides.get(p.id)) for p in policies}
    detail = {p.id: stored.detail(p.id) for p in policies}
    detail = {k: v for k, v in detail.items() if v is not None}
    run = PolicyRun(
        record.as_of,
        policies,
        stored.results,
        detail,
        compiled,
        record.summary.get("population", 0),
        overrides=overrides,
    )
    run.run_id, run.summary = record.id, record.summary
    return run, warnings
