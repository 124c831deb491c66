"""The policies pages: the latest run per policy (district analysts: their district), one
policy with its rules and payouts, and the profile section — scoped like every profile."""

from __future__ import annotations

import pytest

from xinzhi.policies.runs import evaluate_policies, record_policy_run

from ..web.helpers import build_web_city, client_for


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    from xinzhi.store.db import make_engine
    from xinzhi.store.schema import upgrade

    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('web') / 'xinzhi.db'}")
    upgrade(engine)
    city = build_web_city(engine)
    run = evaluate_policies(engine)
    record_policy_run(engine, run, actor="test")
    return city, run


def test_policies_page_lists_policies_and_the_run(city):
    city, run = city
    page = client_for(city, "analyst").get("/policies")
    assert page.status_code == 200
    assert "科技企业技术合同登记奖励（沈阳）" in page.text and "据公开发布文本" in page.text
    assert f"最近一次兑现运行 {run.run_id}</h2>" in page.text


def test_a_district_analyst_sees_only_the_district_totals(city):
    city, run = city
    mine = [
        r
        for r in run.results.to_pylist()
        if r["district_id"] == city.district_id and r["amount_paid"]
    ]
    others = [
        r
        for r in run.results.to_pylist()
        if r["district_id"] != city.district_id and r["amount_paid"]
    ]
    page = client_for(city, "district").get("/policies")
    assert page.status_code == 200 and "仅本区数据" in page.text
    if others:
        detail = client_for(city, "district").get(f"/policies/{others[0]['policy']}")
        assert others[0]["credit_code"] not in detail.text
    if mine:
        detail = client_for(city, "district").get(f"/policies/{mine[0]['policy']}")
        assert mine[0]["credit_code"] in detail.text


def test_policy_page_shows_rules_and_provenance(city):
    city, _ = city
    page = client_for(city, "analyst").get("/policies/shenyang_tech_contract_reward")
    assert page.status_code == 200
    assert "tech_contract_turnover_y1 &gt; param.min_turnover" in page.text and "未知" in page.text
    assert (
        client_for(city, "analyst", raise_errors=False).get("/policies/nothing").status_code == 404
    )


def test_profile_panel_is_scoped(city):
    city, run = city
    own = client_for(city, "enterprise").get(f"/policies/enterprise/{city.enterprise_id}/panel")
    assert own.status_code == 200
    other = client_for(city, "enterprise", raise_errors=False).get(
        f"/policies/enterprise/{city.other_enterprise_id}/panel"
    )
    assert other.status_code == 404
    assert client_for(city, "enterprise", raise_errors=False).get("/policies").status_code in (
        401,
        403,
    )
    paid = next(r for r in run.results.to_pylist() if r["amount_paid"])
    panel = client_for(city, "analyst").get(f"/policies/enterprise/{paid['enterprise_id']}/panel")
    assert "依据" in panel.text or "符合" in panel.text
    assert f"{paid['amount_paid'] / 100:,.2f} 元" in panel.text


def test_api_lists_policies_with_the_run_totals(city):
    city, run = city
    body = client_for(city, "analyst").get("/api/policies").json()
    assert body["run_id"] == run.run_id
    assert {p["id"] for p in body["policies"]} >= {"shenyang_tech_contract_reward"}
    totals = {t["policy"]: t for t in body["totals"]}
    paid = sum(
        1
        for r in run.results.to_pylist()
        if r["policy"] == "shenyang_tech_contract_reward" and r["outcome"] in ("paid", "reduced")
    )
    assert totals["shenyang_tech_contract_reward"]["paid_count"] == paid
    assert client_for(city, "enterprise").get("/api/policies").status_code == 403


def test_whatif_page_and_api_compare_before_and_after(city):
    """Lowering the turnover threshold to zero can only add payouts: nobody loses."""
    city, _ = city
    analyst = client_for(city, "analyst")
    query = {"set": "min_turnover=0"}
    body = analyst.get("/api/policies/shenyang_tech_contract_reward/whatif", params=query).json()
    totals = {t["policy"]: t for t in body["totals"]}["shenyang_tech_contract_reward"]
    assert totals["eligible_after"] >= totals["eligible_before"] and body["losers"] == 0
    assert all(c["change"] > 0 for c in body["changed"]) and body["gainers"] >= len(body["changed"])
    page = analyst.get("/policies/shenyang_tech_contract_reward/whatif", params=query)
    assert page.status_code == 200 and 'id="whatif-totals"' in page.text
    bad = analyst.get(
        "/api/policies/shenyang_tech_contract_reward/whatif", params={"set": "nope=1"}
    )
    assert bad.status_code == 422 and "unknown parameter" in bad.text
    assert (
        "未知参数"
        in analyst.get(
            "/policies/shenyang_tech_contract_reward/whatif", params={"set": "nope=1"}
        ).text
    )
    assert (
        client_for(city, "district")
        .get("/api/policies/shenyang_tech_contract_reward/whatif", params=query)
        .status_code
        == 403
    )
