"""The seedlings (苗企) of the demo city, from the decisions-first bulk run as `xinzhi assess`
records it (issue #19): every tier's seedlings are plausible against its passes, HNTE firms
near but with their score still open are listed to collect, and the shortfalls the run carries change no status or score."""

from __future__ import annotations

import pyarrow.compute as pc
import pytest

from xinzhi.assessments.cultivation import Distance, build_pipeline
from xinzhi.assessments.runs import evaluate, record

DECISIONS = [
    "enterprise_id",
    "assessment",
    "status",
    "score_low",
    "score_high",
    "failed",
    "unknown",
]


@pytest.fixture(scope="module")
def bulk(demo, tmp_path_factory, monkeypatch_module):
    monkeypatch_module.setenv("XINZHI_RUNS_DIR", str(tmp_path_factory.mktemp("runs")))
    result = evaluate(demo.engine, words=False)
    record(demo.engine, result, actor="test")
    return result


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def test_the_bulk_run_carries_shortfalls_and_the_same_decisions(demo, bulk):
    """The words-on-demand run and a run with words decide alike; only failed clauses that
    the compiler can measure have a shortfall, and it is never negative."""
    worded = evaluate(demo.engine, words=True)
    assert bulk.results.select(DECISIONS).equals(worded.results.select(DECISIONS))
    assert bulk.results["shortfall"].equals(worded.results["shortfall"])
    for row in bulk.results.filter(pc.equal(bulk.results["status"], "pass")).to_pylist():
        assert not row["shortfall"]
    for row in bulk.results.filter(pc.equal(bulk.results["status"], "fail")).to_pylist():
        failed = set((row["failed"] or "").split(","))
        for clause, value in row["shortfall"]:
            assert value >= 0 and clause in failed | set(row["unknown"] or "")


def test_each_tier_has_a_plausible_number_of_seedlings(demo, bulk):
    """No tier lists more seedlings than it has passes (or ten, for a tier almost nobody
    passes). HNTE: the demo imports no expert review, so nearly every failing firm's score is
    still open — those near on the clauses they fail are listed to collect the review scores,
    never as seedlings; every seedling is near on each failed clause with nothing unknown."""
    pipeline = build_pipeline(demo.engine)
    city = {r.assessment: r for r in pipeline.rows if r.district_id is None}
    for row in city.values():
        assert row.seedlings <= max(row.passed, 10), row
    assert 0 < city["hnte"].to_collect < city["hnte"].passed
    assert city["hnte"].seedlings < city["hnte"].passed / 5
    for firm in (s for s in pipeline.to_collect if s.assessment == "hnte"):
        assert all(v <= 0.2 for v in firm.shortfalls.values())
    for seedling in pipeline.seedlings:
        assert not seedling.unknown
        if seedling.assessment == "hnte":
            assert seedling.score_short is None or seedling.score_short <= 10
            assert all(v <= 0.2 for v in seedling.shortfalls.values())
            assert seedling.shortfalls or seedling.failed == ["score"]  # why it is near
    wider = build_pipeline(demo.engine, distance=Distance(max_failed=2))
    assert sum(r.seedlings for r in wider.rows) >= sum(r.seedlings for r in pipeline.rows)


def test_a_firm_without_valuation_is_never_a_unicorn_seedling(demo, bulk):
    """Issue #19: no valuation recorded leaves the valuation clause unknown — the firm is
    at most "near, data to collect", never a unicorn seedling."""
    pipeline = build_pipeline(demo.engine, distance=Distance(max_failed=3, score_margin=100))
    results = bulk.results
    unicorn = results.filter(pc.equal(results["assessment"], "liaoning_unicorn")).to_pylist()
    no_valuation = {r["enterprise_id"] for r in unicorn if "valuation" in (r["unknown"] or "")}
    assert no_valuation
    seedlings = {s.enterprise_id for s in pipeline.seedlings if s.family == "unicorn"}
    assert not seedlings & no_valuation
    for firm in pipeline.to_collect:
        assert firm.unknown and firm.unknown_text
