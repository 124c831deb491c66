"""The /reports page: generate and download a briefing, scoped by role."""

from __future__ import annotations

import io
from urllib.parse import unquote

import pytest
import sqlalchemy as sa
from docx import Document

from xinzhi.store import models

from ..web.helpers import add_web_users, client_for


@pytest.fixture(scope="module")
def web_city(city):
    """The module's demo city (with its recorded runs) and one user per role."""
    return add_web_users(city)


def _text(response) -> str:
    doc = Document(io.BytesIO(response.content))
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


def _districts(engine) -> dict[int, str]:
    with engine.connect() as conn:
        return dict(conn.execute(sa.select(models.District.id, models.District.name)).all())


def test_the_page_offers_every_district_to_city_staff(web_city):
    page = client_for(web_city, "analyst").get("/reports")
    assert page.status_code == 200
    for name in _districts(web_city.engine).values():
        assert name in page.text
    assert "全市" in page.text


def test_city_staff_download_the_city_briefing(web_city):
    response = client_for(web_city, "analyst").get(
        "/reports/download",
        params={"kind": "annual", "year": 2023, "quarter": "", "format": "docx"},
    )
    assert response.status_code == 200, response.text[:300]
    disposition = response.headers["content-disposition"]
    assert "briefing-2023.docx" in disposition
    assert "科技创新工作简报-2023.docx" in unquote(disposition)
    text = _text(response)
    assert "各区县情况" in text
    assert all(name in text for name in _districts(web_city.engine).values())


def test_a_district_analyst_gets_only_its_district(web_city):
    client = client_for(web_city, "district")
    page = client.get("/reports")
    districts = _districts(web_city.engine)
    own = districts[web_city.district_id]
    others = [n for i, n in districts.items() if i != web_city.district_id]
    assert own in page.text and not any(f">{n}<" in page.text for n in others)
    response = client.get(
        "/reports/download",
        params={"kind": "quarterly", "year": 2023, "quarter": 2, "month": "", "district_id": ""},
    )
    assert response.status_code == 200
    text = _text(response)
    assert f"{own}科技创新工作简报（2023年第二季度）" in text
    for name in others:
        assert name not in text, name
    assert web_city.other_enterprise_name not in text
    asked_other = client.get(
        "/reports/download", params={"district_id": web_city.other_district_id}
    )
    assert asked_other.status_code == 404


def test_pdf_download_and_bad_period(web_city):
    client = client_for(web_city, "analyst")
    pdf = client.get(
        "/reports/download", params={"kind": "monthly", "year": 2023, "month": 8, "format": "pdf"}
    )
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf.headers["content-type"] == "application/pdf"
    bad = client.get("/reports/download", params={"kind": "monthly", "year": 2023})
    assert bad.status_code == 400
    assert "月度简报需要" in bad.text


def test_enterprise_users_and_researchers_may_not(web_city):
    for username in ("enterprise", "researcher"):
        client = client_for(web_city, username, raise_errors=False)
        assert client.get("/reports").status_code == 403
        assert client.get("/reports/download").status_code == 403


def test_the_dashboard_says_which_hnte_figure_is_which(web_city):
    page = client_for(web_city, "analyst").get("/dashboard").text
    assert "高新技术企业（有效证书）" in page  # certificates issued in the last three years
    assert "高新技术企业（预评价通过）" in page  # the assessment run's pre-screen passes
