"""A bad policy file fails at load with its file, line and reason (Chinese and English)."""

from __future__ import annotations

import datetime as dt

import ibis
import pytest

from xinzhi.policies.declarations import load_policies, parse_override, read_policy
from xinzhi.policies.payouts import check_policy
from xinzhi.rulelang.registry import input_table_schema
from xinzhi.rulelang.yamlfile import DeclarationError

GOOD = """\
id: example_reward
name: {zh: 示例奖励, en: example reward}
version: "1"
effective: {from: 2022-01-01}
provenance: illustrative
last_reviewed: 2024-06-01
issuer: {zh: 某市科学技术局, en: a bureau}
form: reward
references:
  doc: {document: 示例, title: 《示例》}
scope:
  text: {zh: 沈阳市, en: Shenyang}
  region: {code: "210100", name: {zh: 沈阳市, en: Shenyang}}
parameters:
  reward: {text: {zh: 奖励, en: reward}, unit: 万元, values: [{from: 2022-01-01, value: 10, mark: ❓}]}
  budget: {text: {zh: 预算, en: budget}, unit: 万元, values: [{from: 2022-01-01, value: 100, mark: ❓}]}
conditions:
  - id: sme
    text: {zh: 科技型中小企业, en: tech SME}
    mark: ✅
    expr: status_sme == "pass"
amount:
  text: {zh: 定额, en: fixed}
  fixed: param.reward
budget:
  total: param.budget
  when_exceeded: rank
  rank_by: [revenue_y1 desc]
"""


def write(tmp_path, text, name="p.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def load(tmp_path):
    return load_policies([tmp_path], assessment_ids={"sme", "hnte"})


def failure(tmp_path, old, new, name="p.yaml"):
    assert old in GOOD, old
    path = write(tmp_path, GOOD.replace(old, new), name)
    with pytest.raises(DeclarationError) as info:
        policy = read_policy(path)
        load(tmp_path)
        check_policy(
            policy,
            ibis.table(input_table_schema(["sme"]), name="policy_frame"),
            dt.date(2023, 12, 31),
        )
    error = info.value
    assert error.path == str(path)
    return error


def test_the_good_file_loads_and_compiles(tmp_path):
    write(tmp_path, GOOD)
    (policy,) = load(tmp_path).policies
    compiled = check_policy(
        policy, ibis.table(input_table_schema(["sme"]), name="policy_frame"), dt.date(2023, 12, 31)
    )
    assert policy.assessments == ["sme"] and compiled.budget == 100 * 10_000 * 100


@pytest.mark.parametrize(
    ("old", "new", "line", "reason"),
    [
        ("form: reward", "form: gift", 8, "form"),
        ("provenance: illustrative", "provenance: rumour", 5, "provenance"),
        ("provenance: illustrative", "provenance: published", 1, "known"),
        ("last_reviewed: 2024-06-01", "last_reviewed: soon", 6, "last_reviewed"),
        ('region: {code: "210100"', 'region: {code: "2101"', 13, "scope.region.code"),
        ("  fixed: param.reward", "  fixed: 100000", 24, "单位"),
        ("  fixed: param.reward", "  percent: {of: revenue_y1}", 24, "rate"),
        ("  fixed: param.reward", "  fixed: param.reward\n  round: 毛", 25, "amount.round"),
        ("when_exceeded: rank", "when_exceeded: lottery", 27, "when_exceeded"),
        ("  rank_by: [revenue_y1 desc]", "  rank_by: [revenue_y1 downwards]", 28, "rank_by"),
        ("  rank_by: [revenue_y1 desc]", "", 26, "rank_by"),
        ("    mark: ✅\n", "    mark: ok\n", 20, "mark"),
        ("    expr: status_sme", "    judged: true\n    expr: status_sme", 21, "judged"),
        (
            "name: {zh: 示例奖励, en: example reward}",
            "name: {zh: 示例奖励, en: example reward}\nname: again",
            3,
            "重复",
        ),
        (
            "effective: {from: 2022-01-01}",
            "effective: {from: 2022-01-01, to: 2021-01-01}",
            4,
            "effective.to",
        ),
    ],
)
def test_reading_fails_with_file_line_and_reason(tmp_path, old, new, line, reason):
    error = failure(tmp_path, old, new)
    assert error.line == line, error
    assert reason in error.zh + error.en


def test_overlapping_steps_name_the_band(tmp_path):
    steps = """  steps:
    value: employees_y1
    unit: count
    bands:
      - {range: "(-inf, 10)", amount: 0元}
      - {range: "[5, inf)", amount: 5万元}"""
    error = failure(tmp_path, "  fixed: param.reward", steps)
    assert error.line == 29 and "重叠" in error.zh


def test_steps_must_cover_every_value(tmp_path):
    steps = """  steps:
    value: employees_y1
    unit: count
    bands:
      - {range: "[10, inf)", amount: 5万元}"""
    error = failure(tmp_path, "  fixed: param.reward", steps)
    assert "-inf" in error.zh


def test_an_unknown_name_fails_at_compilation_with_its_line(tmp_path):
    error = failure(tmp_path, 'expr: status_sme == "pass"', "expr: revenu_y1 > 0")
    assert error.line == 18 and "revenu_y1" in error.zh


def test_an_undeclared_parameter_fails(tmp_path):
    error = failure(tmp_path, "  fixed: param.reward", "  fixed: param.bonus")
    assert "param.bonus" in error.zh


def test_an_unknown_assessment_fails(tmp_path):
    error = failure(tmp_path, 'status_sme == "pass"', 'status_gazelle == "pass"')
    assert error.line == 18 and "status_gazelle" in error.zh


def test_a_budget_from_enterprise_data_fails(tmp_path):
    error = failure(tmp_path, "  total: param.budget", "  total: revenue_y1")
    assert error.line == 26 and "预算" in error.zh


def test_stacking_rules_of_one_group_must_agree(tmp_path):
    first = GOOD + "stacking: {matter: rd_cost, rule: larger}\n"
    second = (
        GOOD.replace("example_reward", "other_reward")
        + "stacking: {matter: rd_cost, rule: priority}\n"
    )
    write(tmp_path, first, "a.yaml")
    write(tmp_path, second, "b.yaml")
    with pytest.raises(DeclarationError) as info:
        load(tmp_path)
    assert (
        info.value.path.endswith("b.yaml") and info.value.line == 29 and "同一规则" in info.value.zh
    )


def test_not_combinable_with_an_unknown_policy_fails(tmp_path):
    write(tmp_path, GOOD + "stacking: {not_combinable_with: [nowhere]}\n")
    with pytest.raises(DeclarationError) as info:
        load(tmp_path)
    assert info.value.line == 29 and "nowhere" in info.value.zh


def test_two_versions_in_force_at_once_fail(tmp_path):
    write(tmp_path, GOOD, "a.yaml")
    write(tmp_path, GOOD.replace('version: "1"', 'version: "2"'), "b.yaml")
    with pytest.raises(DeclarationError) as info:
        load(tmp_path)
    assert "两个版本" in info.value.zh


def test_a_what_if_value_is_read_in_the_parameter_unit(tmp_path):
    policy = read_policy(write(tmp_path, GOOD))
    assert parse_override(policy, "reward=15") == ("reward", 15 * 10_000 * 100)
    assert parse_override(policy, "reward=150000元") == ("reward", 15 * 10_000 * 100)
    with pytest.raises(ValueError, match="bonus"):
        parse_override(policy, "bonus=1")
    with pytest.raises(ValueError, match="万元"):
        parse_override(policy, "reward=lots")
