"""/reports in headless Chromium: a district analyst picks a quarter and downloads its
briefing as PDF; the file's text (pdftotext) holds the Chinese bullets of its own district
only. Screenshot: test-artifacts/screenshots/web-reports.png."""

from __future__ import annotations

import shutil
import subprocess

import pytest
import sqlalchemy as sa

from xinzhi.store import models

from ..web.helpers import build_web_city, make_app
from .test_web import login, shot

pytestmark = pytest.mark.e2e


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils not installed")
def test_a_district_analyst_downloads_its_quarterly_briefing(
    sqlite_engine, live_server, page, request, tmp_path
):
    city = build_web_city(sqlite_engine)
    base_url = live_server(make_app(city))
    with sqlite_engine.connect() as conn:
        names = dict(conn.execute(sa.select(models.District.id, models.District.name)).all())
    login(page, base_url, "district")
    page.click('nav a[href="/reports"]')
    page.wait_for_url(f"{base_url}/reports")
    page.select_option('select[name="kind"]', "quarterly")
    page.select_option('select[name="quarter"]', "2")
    page.select_option('select[name="format"]', "pdf")
    assert page.locator('select[name="district_id"] option').all_inner_texts() == [
        names[city.district_id]
    ]
    shot(page, request, "reports")
    with page.expect_download() as download:
        page.click("#briefing-form button[type=submit]")
    path = tmp_path / "briefing.pdf"
    download.value.save_as(path)
    assert download.value.suggested_filename.endswith(".pdf")
    text = subprocess.run(
        ["pdftotext", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    flat = "".join(text.split())
    own = names[city.district_id]
    assert f"{own}科技创新工作简报（2023年第二季度）" in flat
    assert f"{own}科技型企业总数达到" in flat
    for district_id, name in names.items():
        if district_id != city.district_id:
            assert name not in flat, name
