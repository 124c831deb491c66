"""`xinzhi rules test [DIR]`: the YAML cases of the rule sets in force (shipped and a bureau's
own) with a pass/fail report and an exit code, as `openfisca test` runs a country package's
tests."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from xinzhi.cli import app
from xinzhi.cli import common as commandline
from xinzhi.rulelang.rulesets import ENVIRONMENT, SHIPPED

POLICY = SHIPPED / "policies" / "shenyang-tech-contract-reward.yaml"
CASES = SHIPPED / "policies" / "cases" / "shenyang-tech-contract-reward.yaml"


@pytest.fixture(autouse=True)
def clean(monkeypatch):
    monkeypatch.setenv(ENVIRONMENT, "")  # restored after: --rules and DIR extend it
    monkeypatch.setattr(commandline.console, "_width", 400)
    monkeypatch.setattr(commandline.err, "_width", 400)


def bureau(tmp_path, reward: int = 30):
    """A bureau that pays 30万元 instead of 20万元, with its own copy of the cases."""
    folder = tmp_path / "bureau"
    (folder / "policies" / "cases").mkdir(parents=True)
    text = POLICY.read_text(encoding="utf-8")
    changed = text.replace(
        "values: [{from: 2022-01-01, value: 20, mark: ✅, reference: report}]",
        f"values: [{{from: 2022-01-01, value: {reward}, mark: ✅, reference: report}}]",
    )
    assert changed != text
    (folder / "policies" / POLICY.name).write_text(changed, encoding="utf-8")
    cases = CASES.read_text(encoding="utf-8").replace("20万元", f"{reward}万元")
    (folder / "policies" / "cases" / CASES.name).write_text(cases, encoding="utf-8")
    return folder


def run(*args):
    return CliRunner().invoke(app, ["rules", "test", *args])


def test_the_shipped_cases_pass():
    result = run()
    assert result.exit_code == 0, result.output
    assert " 0 失败 failed" in result.output
    assert str(SHIPPED / "policies" / "cases") in result.output


def test_the_assessment_cases_run_and_a_wrong_one_says_why(tmp_path):
    """Assessment cases (rulesets/assessments/cases/) run beside the policy cases; a case that
    does not hold names its file, line and the mismatch."""
    folder = tmp_path / "bureau"
    (folder / "assessments" / "cases").mkdir(parents=True)
    (folder / "assessments" / "cases" / "unicorn.yaml").write_text(
        "assessment: liaoning_unicorn\nas_of: 2023-12-31\n"
        "defaults: {founded_on: 2016-01-01, financing_total: 1亿元, listed: false}\n"
        "cases:\n"
        "  - name: 恰10亿美元符合\n    facts: {valuation: 70亿元}\n    expect: {status: pass}\n"
        "  - name: 写错的期望\n    facts: {valuation: 70亿元}\n    expect: {status: fail}\n",
        encoding="utf-8",
    )
    result = run(str(folder), "-v")
    assert result.exit_code == 1, result.output
    assert "✓" in result.output and "恰10亿美元符合" in result.output
    assert "unicorn.yaml:8 写错的期望" in result.output
    assert "status: want fail, got pass" in result.output
    assert "1 通过 passed, 1 失败 failed" in result.output


def test_a_bureau_folder_runs_its_own_cases_with_its_rules(tmp_path):
    folder = bureau(tmp_path)
    result = run(str(folder), "-v")
    assert result.exit_code == 0, result.output
    assert "8 通过 passed, 0 失败 failed" in result.output
    assert str(folder / "policies" / "cases" / CASES.name) in result.output
    assert str(CASES) not in result.output  # only the folder's cases


def test_cases_that_no_longer_hold_fail_with_the_reason(tmp_path):
    """With the bureau's 30万元 in force, the shipped cases expecting 20万元 fail, and say so."""
    folder = bureau(tmp_path)
    result = run("--rules", str(folder))
    assert result.exit_code == 1, result.output
    assert f"✗ {CASES}:" in result.output
    assert "amount_paid: want 20000000, got 30000000 fen" in result.output
    assert "失败 failed" in result.output and " 0 失败" not in result.output


def test_a_broken_case_file_names_its_line(tmp_path):
    folder = bureau(tmp_path)
    broken = folder / "policies" / "cases" / CASES.name
    broken.write_text(
        "policies: [shenyang_tech_contract_reward]\nyear: 2022\ncases:\n  - name: x\n    facts: {a: [}\n",
        encoding="utf-8",
    )
    result = run(str(folder))
    assert result.exit_code == 2, result.output
    assert f"{broken}:5" in result.output.replace("\n", "")


def test_a_folder_without_cases_is_an_error(tmp_path):
    folder = tmp_path / "bureau"
    (folder / "assessments").mkdir(parents=True)
    result = run(str(folder))
    assert result.exit_code == 1
    assert "no cases found" in result.output
