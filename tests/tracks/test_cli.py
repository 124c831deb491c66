"""`xinzhi track …` and `xinzhi scenario …` on an empty database and on bad input."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from xinzhi.cli import app

runner = CliRunner()


@pytest.fixture(autouse=True)
def database(tmp_path, monkeypatch):
    monkeypatch.setenv("XINZHI_DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    monkeypatch.setenv("XINZHI_ACTOR", "测试员")


def test_list_show_and_classify_an_empty_city():
    listed = runner.invoke(app, ["track", "list"])
    assert listed.exit_code == 0, listed.output
    assert "humanoid-robot" in listed.output and "dongguan-2024" in listed.output
    shown = runner.invoke(app, ["track", "show", "quantum-computing"])
    assert shown.exit_code == 0 and "G06N10" in shown.output
    run = runner.invoke(app, ["track", "classify"])
    assert run.exit_code == 0 and "run #1" in run.output


def test_check_reports_file_and_line(tmp_path):
    bad = tmp_path / "bureau.yaml"
    bad.write_text(
        "taxonomy: bureau\nname: 本局\nregion: 沈阳市\nvalid_from: 2024-01-01\nstatus: 🟡\n"
        "tracks:\n  - {id: humanoid-robot, name: 重复, status: ✅}\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["track", "check", str(bad)])
    assert result.exit_code == 1
    assert (
        "bureau.yaml" in result.output
        and "第7行" in result.output
        and "humanoid-robot" in result.output
    )


def test_refusals_are_bilingual():
    unknown = runner.invoke(app, ["track", "confirm", "91210100MA0XXXXXXX", "humanoid-robot"])
    assert (
        unknown.exit_code == 1
        and "没有企业" in unknown.output
        and "no enterprise" in unknown.output
    )
    scenario = runner.invoke(
        app,
        ["scenario", "publish", "--title", "t", "--owner", "o", "--need", "n", "--track", "nope"],
    )
    assert scenario.exit_code == 1 and "没有赛道" in scenario.output
    published = runner.invoke(
        app,
        [
            "scenario",
            "publish",
            "--title",
            "巡检",
            "--owner",
            "局",
            "--need",
            "人形机器人巡检",
            "--track",
            "humanoid-robot",
            "--budget",
            "300万",
        ],
    )
    assert published.exit_code == 0, published.output
    listed = runner.invoke(app, ["scenario", "list"])
    assert "300.00 万元" in listed.output and "已发布" in listed.output
    skipped = runner.invoke(app, ["scenario", "showcase", "1", "--note", "x"])
    assert skipped.exit_code == 1 and "试点中" in skipped.output
