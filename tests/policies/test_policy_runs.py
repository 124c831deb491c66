"""A policy run over a registry: eligibility from registry data and from the assessments of
the same run, stacking, recording, the audit record, what-if and the objection flow."""

from __future__ import annotations

import datetime as dt

import pyarrow.compute as pc
import pytest
from sqlalchemy import select

from xinzhi.assessments.runs import evaluate
from xinzhi.policies.explanations import explain_enterprise
from xinzhi.policies.objections import correct, corrections_of
from xinzhi.policies.runs import (
    evaluate_policies,
    load_run,
    record_policy_run,
    stored_as_run,
)
from xinzhi.policies.whatif import whatif
from xinzhi.store.db import session_scope
from xinzhi.store.models import AuditEntry
from xinzhi.store.models.runs import EvaluationRun

from ..assessments.firms import AS_OF, database
from .registry import build

WAN = 1_000_000  # fen


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    engine = database(tmp_path_factory.mktemp("policies"))
    return engine, build(engine)


@pytest.fixture(scope="module")
def run(store):
    engine, _ = store
    result = evaluate_policies(engine, as_of=AS_OF)
    record_policy_run(engine, result, actor="测试员")
    return result


def payouts(result) -> dict[tuple[str, str], dict]:
    return {(r["name"], r["policy"]): r for r in result.results.to_pylist()}


def test_published_reward_goes_to_the_firm_above_the_threshold(run):
    rows = payouts(run)
    big = rows[("合同大户", "shenyang_tech_contract_reward")]
    assert (big["outcome"], big["amount_paid"]) == ("paid", 20 * WAN)
    assert (
        "合同小户",
        "shenyang_tech_contract_reward",
    ) not in rows  # exactly 5,000万元: ineligible
    assert ("广州合同户", "shenyang_tech_contract_reward") not in rows  # outside the scope
    detail = run.detail["shenyang_tech_contract_reward"].to_pylist()
    assert [r["v__tech_contract_turnover_y1"] for r in detail] == [6000 * WAN]


def test_a_judged_condition_leaves_the_candidate_undetermined(run):
    row = payouts(run)[("中试基地", "shenyang_pilot_base_equity")]
    assert (row["status"], row["amount"]) == ("undetermined", 500 * WAN)
    assert row["missing"] == "judged__merit" and row["amount_paid"] is None


def test_assessment_status_of_the_same_run_decides_and_stacking_keeps_the_larger(run, store):
    engine, _ = store
    sme = evaluate(engine, as_of=AS_OF, only={"sme"}).results
    passed = set(sme.filter(pc.equal(sme["status"], "pass"))["name"].to_pylist())
    assert {"算力券企业", "研发补助企业"} <= passed
    rows = payouts(run)
    voucher_firm = (
        rows[("算力券企业", "compute_vouchers")],
        rows[("算力券企业", "rd_expense_post_subsidy")],
    )
    assert [r["outcome"] for r in voucher_firm] == ["paid", "excluded"]
    assert voucher_firm[0]["amount_paid"] == 10 * WAN and voucher_firm[1]["amount"] == 3 * WAN
    assert voucher_firm[1]["superseded_by"] == "compute_vouchers"
    subsidy_firm = (
        rows[("研发补助企业", "rd_expense_post_subsidy")],
        rows[("研发补助企业", "compute_vouchers")],
    )
    assert [r["outcome"] for r in subsidy_firm] == ["paid", "excluded"]
    assert subsidy_firm[0]["amount_paid"] == 15 * WAN


def test_the_run_is_recorded_with_versions_and_its_audit_record(run, store):
    engine, _ = store
    stored = load_run(engine, run.run_id)
    assert stored.record.kind == "policy" and stored.record.as_of == AS_OF
    versions = {d["id"]: d for d in stored.record.declarations}
    assert versions["shenyang_tech_contract_reward"]["provenance"] == "published"
    assert len(versions["compute_vouchers"]["sha256"]) == 64
    again, warnings = stored_as_run(stored)
    assert warnings == []
    (explanation,) = [
        e
        for e in explain_enterprise(again, _id(run, "合同大户"))
        if e.policy.id == "shenyang_tech_contract_reward"
    ]
    text = "\n".join(explanation.lines("zh"))
    assert "6,000.00 万元" in text and "200,000.00 元" in text and "沈阳日报" in text
    with session_scope(engine) as s:
        assert (
            s.scalar(select(AuditEntry.action).where(AuditEntry.subject == f"run {run.run_id}"))
            == "policy.run"
        )


def _id(run, name: str) -> int:
    return next(r["enterprise_id"] for r in run.results.to_pylist() if r["name"] == name)


def test_whatif_lowering_the_threshold_shows_who_gains(store, run):
    engine, _ = store
    result = whatif(engine, "shenyang_tech_contract_reward", ["min_turnover=4000"], as_of=AS_OF)
    changed = result.changed.to_pylist()
    assert [(r["name"], r["change"]) for r in changed] == [("合同小户", 20 * WAN)]
    assert result.gainers == 1 and result.losers == 0
    (totals,) = result.totals()
    assert (totals["paid_before"], totals["paid_after"]) == (20 * WAN, 40 * WAN)


def test_whatif_of_a_budget_includes_its_stacking_group(store, run):
    engine, _ = store
    result = whatif(engine, "compute_vouchers", ["budget=0"], as_of=AS_OF)
    assert {p.id for p in result.after.policies} == {"compute_vouchers", "rd_expense_post_subsidy"}
    changes = {(r["name"], r["policy"]): r["change"] for r in result.changed.to_pylist()}
    assert changes == {("算力券企业", "compute_vouchers"): -10 * WAN}


def test_whatif_reuses_the_current_rows_only_where_the_sql_is_unchanged(store, run):
    """A budget is not in a policy's SQL: the changed side takes the current side's rows, and
    pays the same as a run of its own; a threshold is: that policy is evaluated anew."""
    engine, _ = store
    budget = whatif(engine, "compute_vouchers", ["budget=5万元"], as_of=AS_OF)
    assert all(budget.after.detail[p] is budget.before.detail[p] for p in budget.after.detail)
    alone = evaluate_policies(
        engine,
        as_of=AS_OF,
        only={"compute_vouchers"},
        overrides={"compute_vouchers": budget.changes},
    )
    keys = [("policy", "ascending"), ("enterprise_id", "ascending")]
    assert budget.after.results.sort_by(keys).equals(alone.results.sort_by(keys))
    threshold = whatif(engine, "shenyang_tech_contract_reward", ["min_turnover=4000"], as_of=AS_OF)
    ident = "shenyang_tech_contract_reward"
    assert threshold.after.detail[ident] is not threshold.before.detail[ident]


def test_an_objection_re_evaluates_one_firm_and_keeps_both_versions(store, run):
    engine, codes = store
    with pytest.raises(ValueError, match="单位"):
        correct(
            engine,
            run.run_id,
            codes["合同小户"],
            ["tech_contract_turnover_y1=50000001"],
            reason="漏登合同",
            actor="测试员",
        )
    result = correct(
        engine,
        run.run_id,
        codes["合同小户"],
        ["tech_contract_turnover_y1=5000.01万元"],
        reason="漏登一份技术服务合同",
        actor="测试员",
    )
    assert "shenyang_tech_contract_reward" not in {r["policy"] for r in result.before}
    after = {r["policy"]: r for r in result.after}
    assert after["shenyang_tech_contract_reward"]["amount_paid"] == 20 * WAN
    (entry,) = corrections_of(engine, run.run_id, codes["合同小户"])
    assert (
        entry.detail["inputs_after"]["shenyang_tech_contract_reward"][
            "v__tech_contract_turnover_y1"
        ]
        == 5_000_010_000
    )
    assert entry.detail["inputs_before"]["shenyang_tech_contract_reward"] == {}
    with session_scope(engine) as s:
        kinds = dict(s.execute(select(EvaluationRun.id, EvaluationRun.kind)).all())
    assert kinds[run.run_id] == "policy" and kinds[result.correction_run] == "policy_correction"
    original = load_run(engine, run.run_id).results
    reward = original.filter(pc.equal(original["policy"], "shenyang_tech_contract_reward"))
    assert reward["name"].to_pylist() == ["合同大户"]  # the original run is untouched


def test_a_correction_under_a_budget_gets_at_most_what_was_left(store, run):
    engine, codes = store
    result = correct(
        engine,
        run.run_id,
        codes["算力券企业"],
        ["rd_expense_y1=1000万元"],
        reason="研发费用更正",
        actor="测试员",
    )
    after = {r["policy"]: r for r in result.after}
    subsidy = after["rd_expense_post_subsidy"]
    assert subsidy["amount"] == 85 * WAN and subsidy["outcome"] == "paid"  # (1000 − 150) × 10 %
    assert after["compute_vouchers"]["outcome"] == "excluded"


def test_same_payouts_on_every_store(engine):
    build(engine)
    result = evaluate_policies(engine, as_of=AS_OF, only={"shenyang_tech_contract_reward"})
    assert [(r["name"], r["amount_paid"]) for r in result.results.to_pylist()] == [
        ("合同大户", 20 * WAN)
    ]


def test_stacking_and_budgets_on_the_engine_of_every_store(engine):
    """The allocation's queries on the store's own engine (inside PostgreSQL there): stacking
    keeps the larger, a short budget shares what it has, a ranking one pays nobody past it."""
    build(engine)
    backend = "postgres" if engine.dialect.name == "postgresql" else "duckdb"
    budgets = {
        "rd_expense_post_subsidy": {"budget": 10 * WAN},
        "compute_vouchers": {"budget": 5 * WAN},
    }
    result = evaluate_policies(
        engine, as_of=AS_OF, backend=backend, overrides=budgets, only={"compute_vouchers"}
    )
    rows = {
        (r["name"], r["policy"]): (r["outcome"], r["amount_paid"])
        for r in result.results.to_pylist()
        if r["name"] in ("算力券企业", "研发补助企业")
    }
    assert rows == {
        ("算力券企业", "compute_vouchers"): ("unfunded", 0),
        ("算力券企业", "rd_expense_post_subsidy"): ("excluded", 0),
        ("研发补助企业", "rd_expense_post_subsidy"): ("reduced", 10 * WAN),
        ("研发补助企业", "compute_vouchers"): ("excluded", 0),
    }


def test_not_in_force_before_its_date(store):
    engine, _ = store
    result = evaluate_policies(engine, as_of=dt.date(2022, 12, 31))
    assert "shenyang_pilot_base_equity" not in {p.id for p in result.policies}
