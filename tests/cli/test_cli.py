"""The `xinzhi` command as a user runs it (issue #2 §4): exit codes, reports, templates."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook
from typer.testing import CliRunner

from xinzhi.cli import app
from xinzhi.ingest.guide import render_markdown
from xinzhi.ingest.kinds import KINDS
from xinzhi.store import models
from xinzhi.store.db import make_engine

from ..ingest.helpers import DISTRICT_HEADER, DISTRICT_ROWS, write_csv

runner = CliRunner()


@pytest.fixture
def database(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("XINZHI_DATABASE_URL", url)
    monkeypatch.setenv("XINZHI_ACTOR", "测试员")
    return url


def test_import_good_file_exits_zero_and_records_the_actor(database, tmp_path):
    path = write_csv(tmp_path / "d.csv", DISTRICT_HEADER, DISTRICT_ROWS)
    outcome = runner.invoke(app, ["import", "districts", str(path)])
    assert outcome.exit_code == 0, outcome.output
    assert "inserted 3" in outcome.output
    with make_engine(database).connect() as conn:
        actor, action = conn.execute(
            sa.select(models.AuditEntry.actor, models.AuditEntry.action)
        ).one()
    assert (actor, action) == ("测试员", "import")


def test_import_bad_file_exits_one_and_writes_the_report(database, tmp_path):
    rows = [DISTRICT_ROWS[0], ["21011", "坏区", "沈阳市", "辽宁省", "市辖区", "2023-08-31"]]
    path = write_csv(tmp_path / "d.csv", DISTRICT_HEADER, rows)
    outcome = runner.invoke(app, ["import", "districts", str(path)])
    assert outcome.exit_code == 1
    report = tmp_path / "d.errors.xlsx"
    assert report.exists()
    errors = list(load_workbook(report).worksheets[0].iter_rows(values_only=True))[1:]
    assert [(row[0], row[1]) for row in errors] == [(3, "区划代码")]
    with make_engine(database).connect() as conn:
        assert conn.scalar(sa.select(sa.func.count()).select_from(models.District)) == 0


def test_unreadable_file_exits_two(database, tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("名称,颜色\n浑南区,红\n", encoding="utf-8")
    outcome = runner.invoke(app, ["import", "districts", str(path)])
    assert outcome.exit_code == 2
    assert "颜色" in outcome.output


@pytest.mark.parametrize("kind", list(KINDS))
def test_template_has_both_header_rows_and_documents_every_column(tmp_path, kind):
    path = tmp_path / f"{kind}.xlsx"
    outcome = runner.invoke(app, ["template", kind, "-o", str(path)])
    assert outcome.exit_code == 0, outcome.output
    workbook = load_workbook(path)
    data, fields = workbook.worksheets
    zh, en = [list(row) for row in data.iter_rows(min_row=1, max_row=2, values_only=True)]
    assert zh == [c.zh for c in KINDS[kind].columns]
    assert en == [c.name for c in KINDS[kind].columns]
    documented = {row[1] for row in fields.iter_rows(min_row=2, values_only=True) if row[1]}
    assert {c.name for c in KINDS[kind].columns} <= documented


def test_filled_template_imports(database, tmp_path):
    path = tmp_path / "districts.xlsx"
    runner.invoke(app, ["template", "districts", "-o", str(path)])
    workbook = load_workbook(path)
    workbook.worksheets[0].append(DISTRICT_ROWS[0])
    workbook.save(path)
    outcome = runner.invoke(app, ["import", "districts", str(path)])
    assert outcome.exit_code == 0, outcome.output


def test_code_check_and_verify(database):
    assert runner.invoke(app, ["code", "check", "91110108MA01B7C46F"]).exit_code == 0
    assert runner.invoke(app, ["code", "check", "91110108MA01B7C46G"]).exit_code == 1
    outcome = runner.invoke(app, ["code", "verify", "91350203M0001QAY9B", "--reason", "执照原件"])
    assert outcome.exit_code == 0, outcome.output
    with make_engine(database).connect() as conn:
        assert conn.scalar(sa.select(models.CreditCodeVerification.verified_by)) == "测试员"
        assert conn.scalar(sa.select(models.AuditEntry.action)) == "credit_code.verify"


def test_import_guide_is_current():
    guide = Path(__file__).parents[2] / "docs" / "imports.md"
    assert guide.read_text(encoding="utf-8") == render_markdown(), (
        "docs/imports.md is stale: run `xinzhi kinds --markdown > docs/imports.md`"
    )


def test_demo_builds_replaces_and_refuses_to_overwrite(database):
    first = runner.invoke(app, ["demo", "--enterprises", "300", "--seed", "7"])
    assert first.exit_code == 0, first.output
    assert runner.invoke(app, ["demo", "--enterprises", "300"]).exit_code == 1  # has data
    again = runner.invoke(
        app, ["demo", "--enterprises", "300", "--seed", "7", "--replace", "--no-assess"]
    )
    assert again.exit_code == 0, again.output
    with make_engine(database).connect() as conn:
        assert conn.scalar(sa.select(sa.func.count()).select_from(models.Enterprise)) == 300
    stats = runner.invoke(app, ["stats"])
    assert stats.exit_code == 0 and "300" in stats.output


def test_import_dry_run_prints_the_header_mapping_and_counts_and_writes_nothing(database, tmp_path):
    from ..ingest.bureau_files import district_list, write_xlsx
    from ..ingest.helpers import DISTRICT_HEADER as HEADER

    runner.invoke(
        app, ["import", "districts", str(write_csv(tmp_path / "d.csv", HEADER, DISTRICT_ROWS))]
    )
    rows, merged = district_list()
    path = write_xlsx(tmp_path / "名单.xlsx", {"名单": (rows, merged)})
    args = ["import", "enterprises", str(path), "--year", "2023", "--as-of", "2023-12-31"]
    outcome = runner.invoke(app, [*args, "--dry-run"], terminal_width=200)
    assert outcome.exit_code == 0, outcome.output
    out = outcome.output
    assert "表头在第 2 行" in out and "忽略 ignored" in out
    assert "revenue (销售收入)" in out and "将新增 to insert 4" in out
    assert "第7行是合计行，未导入" in out and "dry run: nothing was written" in out
    with make_engine(database).connect() as conn:
        assert conn.scalar(sa.select(sa.func.count()).select_from(models.Enterprise)) == 0
    outcome = runner.invoke(app, [*args, "--map", "营业收入（万元）="], terminal_width=200)
    assert outcome.exit_code == 0, outcome.output
    with make_engine(database).connect() as conn:
        assert conn.scalar(sa.select(sa.func.count()).select_from(models.Enterprise)) == 4
        assert conn.scalar(sa.select(sa.func.count()).select_from(models.EnterpriseYear)) == 0
