"""`xinzhi report annual|quarterly|monthly` as an analyst uses it."""

from __future__ import annotations

import pytest
from docx import Document
from typer.testing import CliRunner

from xinzhi.cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def database(city):
    patch = pytest.MonkeyPatch()
    patch.setenv("XINZHI_DATABASE_URL", str(city.url))
    yield city
    patch.undo()


def test_annual_word_briefing(database, tmp_path):
    out = tmp_path / "简报.docx"
    result = runner.invoke(
        app, ["report", "annual", "--year", "2023", "-o", str(out), "--no-charts"]
    )
    assert result.exit_code == 0, result.output
    assert "科技创新工作简报（2023年）" in result.output
    doc = Document(out)
    assert doc.paragraphs[0].text.endswith("科技创新工作简报（2023年）")
    assert not list(tmp_path.glob("*.part"))


def test_quarterly_district_pdf(database, tmp_path):
    with database.connect() as conn:
        name = conn.exec_driver_sql("select name from districts order by code limit 1").scalar()
    out = tmp_path / "季报.pdf"
    result = runner.invoke(
        app,
        [
            "report",
            "quarterly",
            "--year",
            "2023",
            "--quarter",
            "3",
            "--district",
            name,
            "-o",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"%PDF")
    assert f"{name}科技创新工作简报（2023年第三季度）" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["monthly", "--year", "2023", "--month", "13", "-o", "x.docx"], "--month 1–12"),
        (["annual", "--year", "2023", "--district", "火星区", "-o", "x.docx"], "找不到区县"),
        (["annual", "--year", "2023", "-o", "x.txt"], ".docx（Word）或 .pdf"),
        (
            ["annual", "--year", "2023", "--template", "none.docx", "-o", "x.docx"],
            "找不到 Word 模板",
        ),
    ],
)
def test_bad_input_gets_a_clear_error(database, tmp_path, args, message):
    result = runner.invoke(app, ["report", *args])
    assert result.exit_code == 2
    assert message in result.output
