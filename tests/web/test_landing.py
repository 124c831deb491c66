"""The landing page: the city's headline counts with the date each describes (issue #2 §1)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from xinzhi.ingest.pipeline import import_file
from xinzhi.web.app import create_app

from ..ingest.helpers import DISTRICT_HEADER, DISTRICT_ROWS, ENTERPRISE_HEADER, enterprise_rows
from ..ingest.helpers import write_csv


@pytest.fixture
def city(sqlite_engine, tmp_path):
    for kind, header, rows in (("districts", DISTRICT_HEADER, DISTRICT_ROWS),
                               ("enterprises", ENTERPRISE_HEADER, enterprise_rows())):  # fmt: skip
        assert import_file(sqlite_engine, kind, write_csv(tmp_path / f"{kind}.csv", header, rows),
                           actor="test").ok  # fmt: skip
    return sqlite_engine


def test_headline_api_reports_counts_with_their_dates(city):
    body = TestClient(create_app(city)).get("/api/headline").json()
    figures = {f["key"]: f for f in body["figures"]}
    assert figures["enterprises"]["value"] == 3
    assert figures["enterprises"]["as_of"] == "2023-08-31"
    assert figures["contracts"]["value"] == 0 and figures["contracts"]["as_of"] is None
    assert body["enterprises_by_district"][0] == {"district": "浑南区", "enterprises": 2}


def test_landing_page_lists_figures(city):
    html = TestClient(create_app(city)).get("/").text
    assert "科技型企业" in html and "数据日期 as of 2023-08-31" in html


@pytest.mark.e2e
def test_landing_page_in_chromium(city, live_server, page):
    base_url = live_server(create_app(city))
    page.goto(base_url + "/")
    card = page.locator('[data-figure="enterprises"]')
    assert "3" in card.locator(".value").inner_text()
    assert page.locator("tbody tr").count() == 3  # every district, even one with no firm
