"""`xinzhi policy …` as a bureau analyst uses it: list, show, run, explain, whatif, notices
(docx, pdf, xlsx — the PDF rendered to an image to see the Chinese text), object, audit."""

from __future__ import annotations

import shutil
import subprocess
from itertools import pairwise

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from xinzhi.cli import app

from ..assessments.firms import database
from .registry import build

runner = CliRunner()


@pytest.fixture(scope="module")
def codes(tmp_path_factory):
    folder = tmp_path_factory.mktemp("policy-cli")
    engine = database(folder)
    names = build(engine)
    engine.dispose()
    patch = pytest.MonkeyPatch()
    patch.setenv("XINZHI_DATABASE_URL", f"sqlite:///{folder / 'xinzhi.db'}")
    patch.setenv("XINZHI_ACTOR", "测试员")
    patch.setenv("XINZHI_RUNS_DIR", str(folder / "runs"))
    yield names
    patch.undo()


def invoke(*args: str, code: int = 0):
    outcome = runner.invoke(app, ["policy", *args])
    assert outcome.exit_code == code, outcome.output
    return outcome.output


@pytest.fixture(scope="module")
def run_id(codes, tmp_path_factory):
    path = tmp_path_factory.mktemp("out") / "兑现清单.xlsx"
    output = invoke("run", "--year", "2023", "--output", str(path))
    assert "run 1" in output and "合计实发" in output
    rows = list(load_workbook(path, read_only=True)["兑现清单 payouts"].iter_rows(values_only=True))
    reward = [r for r in rows[2:] if r[1] == "合同大户" and r[3].startswith("科技企业技术合同")]
    assert reward[0][8] == 200000 and "6,000.00 万元" in reward[0][14]
    return 1


def test_list_and_show(codes):
    output = invoke("list")
    assert "shenyang_tech_contract_reward" in output and "示例" in output
    output = invoke("show", "shenyang_tech_contract_reward")
    assert "5,000 万元" in output and "未知 unknown" in output and "YAML 测试用例" in output
    invoke("show", "no_such_policy", code=1)


def test_explain_one_firm(codes, run_id):
    output = invoke("explain", codes["合同小户"])
    assert "不符合条件" in output and "5,000.00 万元" in output


def test_whatif(codes, run_id):
    output = invoke("whatif", "shenyang_tech_contract_reward", "--set", "min_turnover=4000")
    assert "增加 gain: 1 户" in output and "合同小户" in output
    invoke("whatif", "shenyang_tech_contract_reward", "--set", "bonus=1", code=1)


@pytest.mark.parametrize("fmt", ["docx", "xlsx"])
def test_notices_and_approval_list(codes, run_id, tmp_path, fmt):
    invoke("notices", str(run_id), "--format", fmt, "--output", str(tmp_path))
    summary = list(load_workbook(tmp_path / "审批汇总表.xlsx").active.iter_rows(values_only=True))
    assert any(row[2] == "合同大户" and row[8] == 200000 for row in summary)
    if fmt == "docx":
        from docx import Document

        (path,) = [p for p in tmp_path.glob("*.docx") if "合同大户" in p.name]
        text = "\n".join(p.text for p in Document(path).paragraphs)
        assert "政策兑现告知书" in text and "200,000.00 元" in text and "15 日内" in text


def test_pdf_notice_shows_chinese_text(codes, run_id, tmp_path):
    """Render the notice's first page and look for ink where the title 政策兑现告知书 is;
    every character of the notice must be in the embedded font (no missing-glyph boxes)."""
    if not shutil.which("pdftoppm"):
        pytest.skip("pdftoppm (poppler-utils) not installed: run scripts/ensure-system-packages.sh")
    from PIL import Image

    invoke(
        "notices",
        str(run_id),
        "--format",
        "pdf",
        "--policy",
        "shenyang_tech_contract_reward",
        "--output",
        str(tmp_path),
    )
    (pdf,) = tmp_path.glob("*.pdf")
    subprocess.run(
        ["pdftoppm", "-r", "72", "-png", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")],
        check=True,
    )
    (png,) = tmp_path.glob("page*.png")
    image = Image.open(png).convert("L")
    width = image.size[0]  # A4 at 72 dpi: 595 × 842
    # The title sits centred below the 25 mm top margin, 20 pt high.
    band = image.crop((width // 4, 60, 3 * width // 4, 110))
    dark = [
        x for x in range(band.width) if any(band.getpixel((x, y)) < 128 for y in range(band.height))
    ]
    assert len(dark) > 60, "no ink where the title should be"
    glyphs = 1 + sum(1 for a, b in pairwise(dark) if b - a > 2)  # runs of inked columns
    assert glyphs >= 5  # 政策兑现告知书: seven characters, some strokes touch
    fonts = subprocess.run(
        ["pdffonts", str(pdf)], check=True, capture_output=True, text=True
    ).stdout
    assert "NotoSansCJK" in fonts and " yes " in fonts  # embedded


def test_pdf_font_covers_every_character_of_the_notice():
    import io

    from fontTools.ttLib import TTFont

    from xinzhi.documents.fonts import truetype_subset

    text = "政策兑现告知书：沈阳市科学技术局（免申即享）200,000.00 元"
    font = TTFont(io.BytesIO(truetype_subset(frozenset(text))))
    assert "glyf" in font and "CFF " not in font
    assert all(ord(ch) in font.getBestCmap() for ch in text)


def test_missing_font_is_a_clear_error(codes, run_id, tmp_path, monkeypatch):
    from xinzhi.documents import fonts

    monkeypatch.setenv("XINZHI_CJK_FONT", str(tmp_path / "none.ttc"))
    fonts.truetype_subset.cache_clear()
    output = invoke("notices", str(run_id), "--format", "pdf", "--output", str(tmp_path), code=2)
    assert "fonts-noto-cjk" in output


def test_object_and_audit(codes, run_id):
    invoke(
        "object",
        str(run_id),
        codes["合同小户"],
        "--set",
        "tech_contract_turnover_y1=6200万元",
        "--reason",
        "漏登一份合同",
    )
    output = invoke("audit", str(run_id), codes["合同小户"])
    assert "异议更正" in output and "漏登一份合同" in output and "paid 200,000.00 元" in output
    output = invoke("audit", str(run_id))
    assert "shenyang_tech_contract_reward 版本 2022" in output
    invoke("object", str(run_id), codes["合同小户"], "--set", "nonsense=1", "--reason", "x", code=1)


def test_check_reports_the_yaml_tests():
    output = invoke("check")
    assert "0 failed" in output
