"""/compute in Chromium: the occupancy calendar, the pools, the tenants treemap and the
voucher chart draw with the vendored ECharts (no network)."""

from __future__ import annotations

import pytest

from ..web.helpers import PASSWORD, make_app
from .webcity import compute_city

pytestmark = pytest.mark.e2e


@pytest.fixture
def compute_site(tmp_path, live_server):
    city, _ = compute_city(tmp_path / "e2e.db")
    return live_server(make_app(city))


def test_the_compute_page_draws_its_charts(compute_site, page):
    page.goto(compute_site + "/login")
    page.fill("input[name=username]", "operator")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    page.goto(compute_site + "/compute?year=2023")
    for chart in ("calendar", "months", "pools", "tenants", "vouchers"):
        page.wait_for_selector(f"#chart-{chart}[data-drawn] canvas")
    assert page.inner_text("#occupancy").strip() == "97.92%"
    cells = page.evaluate(
        "() => echarts.getInstanceByDom(document.querySelector('#chart-calendar'))"
        ".getOption().series[0].data.length"
    )
    assert cells == 365
    assert "辽宁辽河实验室" in page.inner_text("#top-tenants")
    # the nav offers the page to the operator, and the page says which centre it shows
    assert page.inner_text("#centre-name").startswith("沈阳人工智能计算中心")
