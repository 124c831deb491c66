"""`xinzhi match …` as a user runs it: imports, queries, exports, events, the board."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook
from typer.testing import CliRunner

from xinzhi.cli import app
from xinzhi.store.db import make_engine
from xinzhi.store.models import AuditEntry

from ..ingest.helpers import write_csv
from .conftest import SAMPLE, load_registry

runner = CliRunner()


@pytest.fixture
def database(tmp_path, monkeypatch, segmenter):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("XINZHI_DATABASE_URL", url)
    monkeypatch.setenv("XINZHI_ACTOR", "测试员")
    monkeypatch.delenv("XINZHI_MATCH_INDEX", raising=False)
    monkeypatch.delenv("XINZHI_EMBEDDER", raising=False)
    engine = make_engine(url)
    from xinzhi.store.schema import upgrade

    upgrade(engine)
    load_registry(engine, tmp_path)
    for kind in ("experts", "results", "demands"):
        outcome = runner.invoke(app, ["match", "import", kind, str(SAMPLE / f"{kind}.csv")])
        assert outcome.exit_code == 0, outcome.output
    return engine


def test_a_demand_lists_results_with_reasons_as_json(database):
    outcome = runner.invoke(app, ["match", "demand", "D-0001", "--top", "2", "--json"])
    assert outcome.exit_code == 0, outcome.output
    data = json.loads(outcome.stdout)
    assert data["matches"][0]["code"] == "R-0001" and len(data["matches"]) <= 2
    assert all(m["reasons"] for m in data["matches"])
    assert {"zh", "en", "points", "code"} == set(data["matches"][0]["reasons"][0])


def test_a_result_lists_demands_as_a_table(database):
    outcome = runner.invoke(app, ["match", "result", "R-0002"])
    assert outcome.exit_code == 0, outcome.output
    assert "D-0002" in outcome.stdout and "焊缝" in outcome.stdout


def test_an_unknown_record_exits_one_with_a_bilingual_message(database):
    outcome = runner.invoke(app, ["match", "demand", "D-404"])
    assert outcome.exit_code == 1
    assert "没有编号" in outcome.output and "no demand" in outcome.output


def test_a_bad_list_writes_an_error_report_and_exits_one(database, tmp_path):
    path = write_csv(
        tmp_path / "bad.csv",
        ["专家编号", "姓名", "所在单位", "研究领域", "数据日期"],
        [["EXP-9", "王", "所", "炼金术", "2024-01-01"]],
    )
    outcome = runner.invoke(app, ["match", "import", "experts", str(path)])
    assert outcome.exit_code == 1
    report = load_workbook(tmp_path / "bad.errors.xlsx")["错误 Errors"]
    assert next(iter(report.iter_rows(min_row=2, values_only=True)))[:2] == (2, "研究领域")


def test_all_matches_are_exported(database, tmp_path):
    output = tmp_path / "all.xlsx"
    outcome = runner.invoke(app, ["match", "all", "--output", str(output), "--top", "3"])
    assert outcome.exit_code == 0, outcome.output
    book = load_workbook(output)
    demands = list(book["需求→成果 Demands→Results"].iter_rows(min_row=2, values_only=True))
    assert demands[0][0] == "D-0001" and demands[0][4] == "R-0001" and demands[0][8]
    assert book["成果→需求 Results→Demands"].max_row > 1


def test_an_event_writes_its_schedule_and_is_audited(database, tmp_path):
    exclusions = write_csv(
        tmp_path / "ex.csv",
        ["专家编号", "企业统一社会信用代码"],
        [["EXP-0001", "91210112MA0XK1W10Y"]],
    )
    output = tmp_path / "event.xlsx"
    outcome = runner.invoke(
        app,
        [
            "match",
            "event",
            "--pairs",
            "3",
            "--capacity",
            "2",
            "--exclude",
            str(exclusions),
            "--output",
            str(output),
            "--start",
            "2024-06-18 09:00",
            "--tables",
            "2",
        ],
    )
    assert outcome.exit_code == 0, outcome.output
    rows = list(load_workbook(output)["日程 Schedule"].iter_rows(min_row=2, values_only=True))
    assert len(rows) == 3
    assert ("EXP-0001", "91210112MA0XK1W10Y") not in {(r[4], r[8]) for r in rows}
    with database.connect() as conn:
        assert conn.scalar(sa.select(AuditEntry.action).where(AuditEntry.action == "match.event"))
    too_many = runner.invoke(app, ["match", "event", "--pairs", "9", "-o", str(output)])
    assert too_many.exit_code == 1 and "最多 3 对" in too_many.output


def test_the_board_from_creation_to_award(database):
    def run(*args):
        outcome = runner.invoke(app, ["match", "challenge", *args])
        return outcome.exit_code, outcome.output

    code, out = run(
        "create",
        "--title",
        "减速器寿命攻关",
        "--description",
        "柔轮寿命",
        "--requirements",
        "寿命≥8000小时",
        "--bounty",
        "500万",
        "--deadline",
        "2099-12-31",
    )
    assert code == 0 and "#1" in out
    code, out = run("award", "1", "--application", "1")
    assert code == 1 and "草稿" in out and "draft" in out  # a step cannot be skipped
    assert run("publish", "1")[0] == 0
    assert (
        run(
            "apply",
            "1",
            "--applicant",
            "辽河理工大学",
            "--proposal",
            "新齿形",
            "--expert",
            "EXP-0003",
            "--result",
            "R-0006",
        )[0]
        == 0
    )
    code, out = run("close", "1")
    assert code == 1 and "reason" in out  # early close needs a reason
    assert run("close", "1", "--reason", "已有合适方案")[0] == 0
    assert run("review", "1")[0] == 0
    assert run("score", "1", "--reviewer", "专家甲", "--score", "88")[0] == 0
    assert run("award", "1", "--application", "1")[0] == 0
    code, out = run("show", "1")
    assert code == 0 and "已授榜" in out and "challenge.award" in out
    code, out = run("list")
    assert code == 0 and "5,000,000.00" in out


def test_a_challenge_from_a_demand_and_a_bad_bounty(database):
    outcome = runner.invoke(
        app,
        [
            "match",
            "challenge",
            "from-demand",
            "D-0003",
            "--requirements",
            "剂量降低50%",
            "--bounty",
            "0",
            "--deadline",
            "2099-01-01",
        ],
    )
    assert outcome.exit_code == 1 and "bounty" in outcome.output
    outcome = runner.invoke(
        app,
        [
            "match",
            "challenge",
            "from-demand",
            "D-0003",
            "--requirements",
            "剂量降低50%",
            "--bounty",
            "1.5亿",
            "--deadline",
            "2099-01-01",
        ],
    )
    assert outcome.exit_code == 0, outcome.output


def test_index_command_reports_both_sides(database):
    outcome = runner.invoke(app, ["match", "index"])
    assert (
        outcome.exit_code == 0 and "results: 6" in outcome.output and "demands: 4" in outcome.output
    )
