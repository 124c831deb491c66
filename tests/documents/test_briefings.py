"""Briefings generated from a demo city: the .docx opened with python-docx and checked against
the data (bullets, KPI and district tables, sources), missing data, district scoping, the
bureau's own template, pluggable sections, and the PDF rendered by pdftoppm / pdftotext."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess
from decimal import Decimal

import pytest
import sqlalchemy as sa
from docx import Document

from xinzhi.documents.briefings import compose
from xinzhi.documents.briefings.compose import build_briefing, register_section
from xinzhi.documents.briefings.content import Bullet, Section
from xinzhi.documents.briefings.pdf import render_pdf
from xinzhi.documents.briefings.service import write_briefing
from xinzhi.documents.briefings.word import render_docx
from xinzhi.domain.errors import InvalidValue
from xinzhi.metrics.periods import Period
from xinzhi.store import models

YEAR = Period("annual", 2023)


def docx_of(briefing, template=None) -> Document:
    return Document(io.BytesIO(render_docx(briefing, template)))


def bullets(doc: Document) -> list[str]:
    return [p.text for p in doc.paragraphs if p.style.name == "List Bullet"]


def table_titled(doc: Document, first_header: str, contains: str) -> list[list[str]]:
    for table in doc.tables:
        rows = [[c.text for c in row.cells] for row in table.rows]
        if rows[0][0] == first_header and contains in " ".join(rows[0]):
            return rows
    raise AssertionError(f"no table with {first_header} / {contains}")


def scalar(engine, statement):
    with engine.connect() as conn:
        return conn.scalar(statement)


def enterprises_at(engine, date, district_id=None):
    E = models.Enterprise
    where = [E.founded_on <= date]
    if district_id is not None:
        where.append(E.district_id == district_id)
    return scalar(engine, sa.select(sa.func.count()).select_from(E).where(*where))


@pytest.fixture(scope="module")
def annual(city):
    return build_briefing(city, YEAR)


@pytest.fixture(scope="module")
def annual_docx(annual):
    return docx_of(annual)


def test_headline_bullets_state_the_data_with_target_and_completion(city, annual_docx):
    E, T = models.Enterprise, models.Target
    count = enterprises_at(city, dt.date(2023, 12, 31))
    target = scalar(
        city,
        sa.select(T.value).where(
            T.indicator == "科技型企业数量", T.region == "沈阳市", T.year == 2023
        ),
    )
    before = enterprises_at(city, dt.date(2022, 12, 31))
    growth = (Decimal(count) - before) * 100 / before
    as_of = scalar(city, sa.select(sa.func.max(E.as_of)))
    first = bullets(annual_docx)[0]
    assert first.startswith(
        f"截至{as_of.year}年{as_of.month}月{as_of.day}日，全市科技型企业总数达到{count}家"
    )
    completion = (Decimal(count) * 100 / target).quantize(Decimal("0.01"))
    assert f"实现全年目标（{int(target)}家）的{str(completion).rstrip('0').rstrip('.')}%" in first
    assert f"同比增长{str(growth.quantize(Decimal('0.01'))).rstrip('0').rstrip('.')}%" in first
    assert first.endswith("[1]")


def test_contracts_bullet_and_kpi_table_match_the_registered_contracts(city, annual_docx):
    C = models.TechContract
    in_year = (C.registered_on >= dt.date(2023, 1, 1), C.registered_on <= dt.date(2023, 12, 31))
    count = scalar(city, sa.select(sa.func.count()).select_from(C).where(*in_year))
    fen = scalar(
        city,
        sa.select(sa.func.sum(sa.type_coerce(C.contract_amount, sa.BigInteger))).where(*in_year),
    )
    yi = (Decimal(fen) / 10**10).quantize(Decimal("0.01"))
    text = "\n".join(bullets(annual_docx))
    assert f"登记技术合同{count}项，技术合同成交额达到{str(yi).rstrip('0').rstrip('.')}亿元" in text
    # the demo registers contracts in 2023 only: the year before is unknown, not zero
    assert "同比数据缺失" in text
    kpis = table_titled(annual_docx, "指标", "全年目标")
    rows = {r[0]: r for r in kpis}
    assert rows["登记技术合同"][2] == str(count)
    assert rows["登记技术合同"][5] == "数据缺失"
    assert rows["科技型企业"][2] == str(enterprises_at(city, dt.date(2023, 12, 31)))


def test_the_district_table_adds_up_to_the_city(city, annual_docx):
    table = table_titled(annual_docx, "区县", "排名")
    counts = [int(row[1]) for row in table[1:]]
    assert sum(counts) == enterprises_at(city, dt.date(2023, 12, 31))
    assert counts == sorted(counts, reverse=True)  # ranked
    names = scalar(city, sa.select(sa.func.count()).select_from(models.District))
    assert len(table) - 1 == names


def test_every_figure_is_footnoted_with_its_date_and_source(annual, annual_docx):
    texts = [p.text for p in annual_docx.paragraphs]
    notes = [t for t in texts if t.startswith("[")]
    assert len(notes) == len(annual.notes) >= 5
    assert any("enterprises 表" in t and "导入批次" in t and "数据日期 2023-" in t for t in notes)
    assert any("tech_contracts 表" in t for t in notes)
    assert any("评价运行 #" in t for t in notes)
    for section in annual.sections:
        for bullet in section.bullets:
            assert bullet.notes, bullet.text  # no figure without its source


def test_gradient_and_policy_sections_read_the_recorded_runs(city, annual):
    titles = [s.title for s in annual.sections]
    assert any("梯度培育" in t for t in titles) and any("政策兑现" in t for t in titles)
    gradient = next(s for s in annual.sections if s.key == "gradient")
    # one assessment run only: new entrants cannot be known
    assert any("新增雏鹰、瞪羚、独角兽企业：数据缺失" in b.text for b in gradient.bullets)
    policies = next(s for s in annual.sections if s.key == "policies")
    run = scalar(
        city,
        sa.select(models.runs.EvaluationRun.id).where(models.runs.EvaluationRun.kind == "policy"),
    )
    assert f"政策运行 #{run}" in " ".join(n.text for n in annual.notes)
    assert "免申即享" in policies.bullets[0].text


def test_a_month_the_data_does_not_reach_reads_missing_never_zero(city):
    november = build_briefing(city, Period("monthly", 2023, 11), charts=False)
    text = november.text()
    assert "登记技术合同：数据缺失" in text
    assert "登记技术合同0项" not in text
    first = november.sections[0].bullets[0].text
    assert "科技型企业总数：数据缺失" in first


def test_a_period_the_data_covers_in_part_is_not_compared_with_a_whole_one(city):
    q3 = build_briefing(city, Period("quarterly", 2023, 3), charts=False)
    contracts = next(s for s in q3.sections if s.key == "contracts").bullets[0].text
    assert "本期数据不完整，暂不与上季度比较" in contracts
    assert "较上季度" not in contracts


def test_a_monthly_briefing_compares_with_the_month_before(city):
    august = build_briefing(city, Period("monthly", 2023, 8), charts=False)
    first = august.sections[0].bullets[0].text
    change = enterprises_at(city, dt.date(2023, 8, 31)) - enterprises_at(city, dt.date(2023, 7, 31))
    assert f"较上月增加{change}家" in first or (change == 0 and "与上月持平" in first)


def test_a_district_briefing_holds_no_other_districts_figures(city):
    with city.connect() as conn:
        districts = conn.execute(sa.select(models.District.id, models.District.name)).all()
    district_id, name = districts[0]
    others = [n for i, n in districts if i != district_id]
    briefing = build_briefing(city, YEAR, district_id)
    doc = docx_of(briefing)
    text = "\n".join(p.text for p in doc.paragraphs) + "\n".join(
        c.text for t in doc.tables for row in t.rows for c in row.cells
    )
    assert name in text
    for other in others:
        assert other not in text, other
    assert "各区县情况" not in text  # the district table is the city's
    count = enterprises_at(city, dt.date(2023, 12, 31), district_id)
    assert f"{name}科技型企业总数达到{count}家" in bullets(doc)[0]
    assert "居全市第" in bullets(doc)[0]
    city_total = enterprises_at(city, dt.date(2023, 12, 31))
    assert str(city_total) not in bullets(doc)[0]


def test_the_bureau_replaces_the_template(tmp_path, annual):
    own = Document()
    own.add_paragraph("沈阳市科学技术局 专报 {{ title }}")
    own.add_paragraph("{%p for section in sections %}")
    own.add_paragraph("{{ section.title }}")
    own.add_paragraph("{%p endfor %}")
    path = tmp_path / "我们的模板.docx"
    own.save(path)
    doc = docx_of(annual, path)
    texts = [p.text for p in doc.paragraphs]
    assert texts[0] == f"沈阳市科学技术局 专报 {annual.title}"
    assert texts[1:] == [s.title for s in annual.sections]

    broken = Document()
    broken.add_paragraph("{% for x in %}")
    broken.save(tmp_path / "broken.docx")
    with pytest.raises(InvalidValue) as raised:
        render_docx(annual, tmp_path / "broken.docx")
    assert "标签有误" in raised.value.zh
    (tmp_path / "not.docx").write_text("not a docx")
    with pytest.raises(InvalidValue):
        render_docx(annual, tmp_path / "not.docx")


def test_sections_are_pluggable_and_absent_data_leaves_them_out(city, monkeypatch):
    monkeypatch.setattr(compose, "SECTIONS", list(compose.SECTIONS))
    register_section("absent", lambda ctx: None)
    register_section(
        "compute",
        lambda ctx: Section(
            "compute", "算力", [Bullet(f"{ctx.region}算力占用率：数据缺失。", (1,))]
        ),
        before="policies",
    )
    briefing = build_briefing(city, YEAR, charts=False)
    keys = [s.key for s in briefing.sections]
    assert "absent" not in keys
    assert keys.index("compute") == keys.index("policies") - 1
    assert briefing.sections[keys.index("compute")].title.endswith("、算力")


def test_the_charts_are_images_in_the_docx(annual, annual_docx):
    charts = sum(len(s.charts) for s in annual.sections)
    assert charts >= 2
    images = [r for r in annual_docx.part.rels.values() if "image" in r.reltype]
    assert len(images) == charts
    png = annual.sections[1].charts[0].png
    assert png.startswith(b"\x89PNG")


def test_write_briefing_refuses_an_unknown_format(city, tmp_path):
    with pytest.raises(InvalidValue) as raised:
        write_briefing(city, YEAR, tmp_path / "简报.txt")
    assert ".docx" in raised.value.zh and ".pdf" in raised.value.en
    assert not list(tmp_path.iterdir())


@pytest.mark.skipif(not shutil.which("pdftoppm"), reason="poppler-utils (pdftoppm) not installed")
def test_pdf_renders_and_its_text_holds_the_chinese_bullets(tmp_path, annual):
    path = tmp_path / "简报.pdf"
    path.write_bytes(render_pdf(annual))
    subprocess.run(
        ["pdftoppm", "-r", "40", "-png", "-f", "1", "-l", "1", str(path), str(tmp_path / "page")],
        check=True,
    )
    page = next(tmp_path.glob("page*.png"))
    assert page.stat().st_size > 5_000
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    flat = "".join(text.split())
    assert annual.title in flat
    for section in annual.sections:
        assert section.title in flat
        for bullet in section.bullets:
            assert "".join(bullet.marked.split()) in flat, bullet.text
        for table in section.tables:  # every character has its glyph in the embedded subset
            assert "".join(table.title.split()) in flat, table.title
