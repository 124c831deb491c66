"""Recorded runs: what a run keeps, and one firm's explanation replayed from it."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from xinzhi.assessments.catalogue import load_catalog
from xinzhi.assessments.explanations import explain
from xinzhi.assessments.results import enterprise_results, passed_enterprise_ids
from xinzhi.assessments.runs import detail_path, evaluate, latest_run, record, recorded_result
from xinzhi.demo.city import build_demo_city
from xinzhi.store.db import session_scope
from xinzhi.store.models import AuditEntry
from xinzhi.store.models.runs import CurrentStatus

AS_OF = dt.date(2023, 12, 31)


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    from xinzhi.store.db import make_engine
    from xinzhi.store.schema import upgrade

    path = tmp_path_factory.mktemp("runs") / "city.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    build_demo_city(engine, seed=5, enterprises=200)
    result = evaluate(engine, as_of=AS_OF)
    record(engine, result, actor="test")
    return engine, result


def _summary(explanations):
    return [
        (
            e.declaration.id,
            e.status,
            e.score,
            [
                (c.id, c.state, c.points, [(v.name, v.value) for v in c.values])
                for c in [*e.clauses, *e.items]
            ],
            e.gap,
            [m.zh for m in e.missing],
        )
        for e in explanations
    ]


def test_a_run_keeps_results_details_statuses_and_an_audit_entry(city):
    engine, result = city
    run = latest_run(engine)
    assert run.id == result.run_id and run.as_of == AS_OF
    for declaration in result.declarations:
        assert detail_path(run.results_path, declaration.id).exists()
    with session_scope(engine) as session:
        statuses = session.scalar(select(func.count()).select_from(CurrentStatus))
        audit = session.scalar(select(AuditEntry.subject).where(AuditEntry.action == "assess.run"))
        passed = set(session.scalars(passed_enterprise_ids("hnte")))
    counts = result.summary["counts"]
    assert statuses == sum(c["pass"] + c["undetermined"] for c in counts.values())
    assert audit == f"run:{run.id}"
    assert len(passed) == counts["hnte"]["pass"]


def test_an_explanation_replayed_from_the_run_equals_a_live_evaluation(city):
    engine, result = city
    firms = {}  # one firm per assessment and status: passes, failures and undetermined
    for row in result.results.to_pylist():
        firms.setdefault((row["assessment"], row["status"]), row["enterprise_id"])
    for firm in sorted(set(firms.values())):
        replayed = enterprise_results(engine, firm)
        live = explain(evaluate(engine, as_of=AS_OF, enterprise_id=firm), firm)
        assert _summary(replayed) == _summary(live), firm


def test_a_changed_declaration_is_not_replayed(city):
    engine, result = city
    run = latest_run(engine)
    firm = result.results["enterprise_id"][0].as_py()
    assert recorded_result(run, load_catalog(), firm) is not None
    run.declarations = [
        {**entry, "sha256": "0" * 64} if entry["id"] == "hnte" else entry
        for entry in run.declarations
    ]
    assert recorded_result(run, load_catalog(), firm) is None  # then the profile evaluates live


def test_assess_prints_counts_per_tier_and_district(city, monkeypatch):
    from typer.testing import CliRunner

    from xinzhi.cli import app

    engine, result = city
    monkeypatch.setenv("XINZHI_DATABASE_URL", str(engine.url))
    out = CliRunner().invoke(app, ["assess", "--as-of", "2023-12-31", "--only", "hnte"])
    assert out.exit_code == 0, out.output
    assert "各区县符合数" in out.output and "浑南区" in out.output
    assert f"{result.summary['counts']['hnte']['pass']:,}" in out.output
