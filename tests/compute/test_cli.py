"""`xinzhi compute …` as a user runs it: exit codes, error reports, figures, the ledger."""

from __future__ import annotations

import pytest
import yaml
from openpyxl import load_workbook
from typer.testing import CliRunner

from xinzhi.cli import app

from .conftest import CENTRE, TENANTS, write

runner = CliRunner()


@pytest.fixture
def database(tmp_path, monkeypatch):
    monkeypatch.setenv("XINZHI_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("XINZHI_ACTOR", "测试员")
    path = tmp_path / "centre.yaml"
    path.write_text(yaml.safe_dump(CENTRE, allow_unicode=True), encoding="utf-8")
    outcome = runner.invoke(app, ["compute", "centre", str(path)])
    assert outcome.exit_code == 0, outcome.output
    tenants = TENANTS.replace("企业,91210112MA0XK1W10Y", "其他,")  # no registry needed here
    path = write(tmp_path, "tenants.csv", tenants)
    outcome = runner.invoke(app, ["compute", "import", "tenants", str(path), "--centre", "SY"])
    assert outcome.exit_code == 0, outcome.output
    return tmp_path


def test_a_bad_usage_file_exits_1_with_a_report_and_a_good_one_shows_in_the_figures(database):
    bad = write(
        database,
        "bad.csv",
        "JobID,Account,Partition,Start,End,卡数\n1,acme,npu,2023-03-01 10:00,2023-03-01 09:00,8\n",
    )
    outcome = runner.invoke(app, ["compute", "import", "usage", str(bad), "--centre", "SY"])
    assert outcome.exit_code == 1
    report = load_workbook(database / "bad.errors.xlsx").active
    rows = list(report.iter_rows(values_only=True))
    assert rows[1][0] == 2 and "结束时间早于开始时间" in rows[1][3]
    good = write(
        database,
        "good.csv",
        "JobID,Account,Partition,Start,End,卡数\n1,acme,npu,2023-03-01 00:00,2023-03-02 00:00,8\n",
    )
    outcome = runner.invoke(app, ["compute", "import", "usage", str(good), "--centre", "SY"])
    assert outcome.exit_code == 0 and "inserted 1" in outcome.output
    outcome = runner.invoke(app, ["compute", "overview", "--year", "2023"])
    assert outcome.exit_code == 0, outcome.output
    shown = " ".join(outcome.output.split())
    assert "12.7 P" in shown and "unknown: no assessment run" in shown
    outcome = runner.invoke(app, ["compute", "occupancy", "--year", "2023", "--by", "day"])
    assert "2023-03-01" in outcome.output and "50.00 %" in outcome.output  # 192 of 384 on npu


def test_unknown_centre_and_voucher_are_clear_errors(database):
    outcome = runner.invoke(app, ["compute", "bill", "--centre", "XX", "--month", "2023-03"])
    assert outcome.exit_code == 1 and "unknown compute centre 'XX'" in outcome.output
    outcome = runner.invoke(
        app, ["compute", "voucher", "redeem", "V1", "--centre", "SY", "--invoice", "I"]
    )
    assert outcome.exit_code == 1 and "unknown voucher 'V1'" in outcome.output
