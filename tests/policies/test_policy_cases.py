"""The policy tests written in YAML beside the policies (src/xinzhi/rules/policies/tests),
each case run through the real pipeline — compilation, stacking and budget — on DuckDB."""

from __future__ import annotations

import pytest

from xinzhi.policies.cases import CASES, load_cases, run_case
from xinzhi.policies.declarations import load_policies

POLICIES = load_policies()
ALL = load_cases(catalog=POLICIES)


@pytest.mark.parametrize("case", ALL, ids=[c.id for c in ALL])
def test_case(case):
    problems = run_case(case, POLICIES)[1]
    assert not problems, f"{case.file}:{case.line} {case.name}\n" + "\n".join(problems)


def test_every_shipped_policy_has_cases_from_its_text():
    tested = {name for case in ALL for name in case.policies}
    assert {p.id for p in POLICIES.policies} <= tested


def test_a_wrong_expectation_is_reported(tmp_path):
    (tmp_path / "wrong.yaml").write_text(
        "policies: [shenyang_tech_contract_reward]\nyear: 2022\ncases:\n"
        "  - name: wrong amount\n"
        "    facts: {district_code: '210102', tech_contract_turnover_y1: 6000万元}\n"
        "    expect: {status: eligible, amount_paid: 30万元, failed: [turnover]}\n",
        encoding="utf-8",
    )
    (case,) = load_cases(tmp_path, POLICIES)
    problems = run_case(case, POLICIES)[1]
    assert any("amount_paid: want 30000000, got 20000000 fen" in p for p in problems)
    assert any("failed" in p for p in problems)


def test_money_in_facts_needs_a_unit(tmp_path):
    from xinzhi.rulelang.yamlfile import DeclarationError

    (tmp_path / "bad.yaml").write_text(
        "policies: [shenyang_tech_contract_reward]\nyear: 2022\ncases:\n"
        "  - name: bare number\n    facts: {tech_contract_turnover_y1: 60000000}\n    expect: {}\n",
        encoding="utf-8",
    )
    with pytest.raises(DeclarationError) as info:
        load_cases(tmp_path, POLICIES)
    assert info.value.line == 5 and "单位" in info.value.zh


def test_cases_live_beside_the_policies():
    assert CASES.parent.name == "policies" and len(list(CASES.glob("*.yaml"))) >= 5
