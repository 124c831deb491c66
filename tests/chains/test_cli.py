"""`xinzhi chain …` as a user runs it: seed, list, show, analyse, export, import, edit, render."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from xinzhi.cli import app

runner = CliRunner()


from ..cli.test_cli import database  # noqa: E402, F401  (the fixture: a fresh SQLite file, an actor)

pytestmark = pytest.mark.usefixtures("database")


def run(*args):
    return runner.invoke(app, ["chain", *map(str, args)])


def test_a_bureau_session_from_the_command_line(tmp_path):
    listed = run("list")
    assert listed.exit_code == 0 and "内置示意" in listed.output and "robot" in listed.output
    seeded = run("seed")
    assert seeded.exit_code == 0 and seeded.output.count("v1") == 8
    assert run("seed").output.count("未变") == 8  # idempotent
    shown = run("show", "robot")
    assert shown.exit_code == 0 and "RV减速器" in shown.output and "纳博特斯克" in shown.output

    out = tmp_path / "robot-analysis.xlsx"
    analysed = run("analyse", "robot", "--output", out)
    assert analysed.exit_code == 0, analysed.output
    assert "问题清单" in analysed.output and "技术清单" in analysed.output
    sheets = load_workbook(out).sheetnames
    assert sheets == ["问题清单 Problems", "技术清单 Technologies", "节点评分 Nodes", "说明 About"]

    svg = tmp_path / "robot.svg"
    assert run("render", "robot", "--output", svg).exit_code == 0
    assert "<svg" in svg.read_text(encoding="utf-8") and "RV减速器" in svg.read_text(
        encoding="utf-8"
    )

    edited = run("edit", "robot", "rv_reducer", "import_dependence=40%", "--note", "调研更新")
    assert edited.exit_code == 0 and "v2" in edited.output
    assert "调研更新" in run("versions", "robot").output

    # going back to version 1: its export imported again becomes version 3, the same map
    # imported from the other format changes nothing
    for suffix, expected in (("xlsx", "robot v3"), ("yaml", "未改变")):
        path = tmp_path / f"robot-v1.{suffix}"
        assert run("export", "robot", "--version", 1, "--output", path).exit_code == 0
        imported = run("import", path)
        assert imported.exit_code == 0 and expected in imported.output, imported.output


def test_a_user_draws_a_chain_from_the_template(tmp_path):
    template = tmp_path / "模板.xlsx"
    assert run("template", "--output", template).exit_code == 0
    workbook = load_workbook(template)
    workbook["产业链 chain"].append(["newchain", "新链", None, None, "2024-01-31"])
    workbook["节点 nodes"].append(["m", "原料", "上游", "材料", None, None, "依赖进口", "90%"])
    workbook["节点 nodes"].append(["p", "产品", "下游", "产品"])
    workbook["连接 edges"].append(["m", "p"])
    workbook["关键技术 technologies"].append(["m", "提纯工艺", None, "受制于人", 5])
    workbook.save(template)
    imported = run("import", template)
    assert imported.exit_code == 0, imported.output
    assert "newchain v1" in imported.output
    assert "原料" in run("analyse", "newchain").output


def test_a_bad_file_writes_nothing_and_an_error_report(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "key: bad\nname: 坏\nas_of: 2023-01-01\nnodes:\n  - {key: a, name: 甲, segment: 上游, "
        "kind: material, input_to: [b]}\n  - {key: b, name: 乙, segment: 下游, kind: product, "
        "input_to: [a]}\n",
        encoding="utf-8",
    )
    result = run("import", bad)
    assert result.exit_code == 1
    assert "a → b → a" in result.output and "nothing was imported" in result.output
    assert (tmp_path / "bad.errors.xlsx").exists()
    assert "bad" not in run("list").output.split("内置")[0]


def test_unknown_chain_and_bad_rules_exit_2(tmp_path):
    assert run("show", "nosuch").exit_code == 2
    rules = tmp_path / "rules.yaml"
    rules.write_text("weights: {}\n", encoding="utf-8")
    result = run("analyse", "robot", "--rules", rules)
    assert result.exit_code == 2 and "rules.yaml" in result.output
