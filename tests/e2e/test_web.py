"""The web app in headless Chromium: login, dashboard charts, search, profile, upload with
errors, role isolation, the language switch. Screenshots of each page go to
test-artifacts/screenshots/web-*.png."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ..ingest.helpers import ENTERPRISE_HEADER, enterprise_rows, write_csv
from ..web.conftest import assess
from ..web.helpers import PASSWORD, build_web_city, make_app

pytestmark = pytest.mark.e2e


@pytest.fixture
def site(sqlite_engine, live_server):
    city = build_web_city(sqlite_engine)
    run = assess(city)  # a recorded run: the dashboard's tier cards and tier filter have data
    return city, live_server(make_app(city)), run


def shot(page, request, name: str) -> None:
    path = Path(request.config.rootpath) / "test-artifacts" / "screenshots" / f"web-{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True)


def login(page, base_url: str, username: str, lands_on: str | None = r"/dashboard$") -> None:
    page.goto(base_url + "/")
    page.fill('input[name="username"]', username)
    page.fill('input[name="password"]', PASSWORD)
    page.click('button[type="submit"]')
    if lands_on:
        page.wait_for_url(re.compile(lands_on))


def test_login_and_dashboard_charts(site, page, request):
    _, base_url, run = site
    page.goto(base_url + "/")
    assert page.url.endswith("/login")
    shot(page, request, "login")
    page.fill('input[name="username"]', "analyst")
    page.fill('input[name="password"]', "wrong-password")
    page.click('button[type="submit"]')
    assert "用户名或密码错误" in page.locator(".flash.error").inner_text()
    login(page, base_url, "analyst")
    page.wait_for_selector(".xz-chart[data-drawn]", state="attached")
    page.wait_for_function("document.querySelectorAll('.xz-chart[data-drawn] canvas').length >= 3")
    page.wait_for_timeout(1200)  # ECharts animates its first frame in
    painted = page.evaluate("""() => [...document.querySelectorAll('.xz-chart canvas')].map(c => {
        const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0; for (let i = 3; i < data.length; i += 4) if (data[i] > 0) n++;
        return n; })""")
    assert len(painted) >= 3 and all(n > 1000 for n in painted[:3]), painted
    assert page.locator('[data-kpi="enterprises"] .value').inner_text().strip()[0].isdigit()
    hnte = run.summary["counts"]["hnte"]["pass"]
    assert page.locator('[data-tier="hnte"] .value').inner_text().split()[0] == f"{hnte:,}"
    assert page.locator("#by-district tbody tr").count() == 13
    shot(page, request, "dashboard")


def test_search_then_profile(site, page, request):
    city, base_url, _ = site
    login(page, base_url, "analyst")
    page.click('nav.areas a[href="/enterprises"]')
    brand = city.other_enterprise_name.removeprefix("沈阳")[:2]
    page.fill("#q", brand)  # HTMX searches as one types
    page.wait_for_function(
        "b => [...document.querySelectorAll('#enterprise-list tbody td:first-child')]"
        ".every(td => td.innerText.includes(b))",
        arg=brand,
    )
    assert f"q={brand}" in page.url or "q=%" in page.url  # the search is in the address bar
    shot(page, request, "search")
    page.click(f'#enterprise-list a[href="/enterprises/{city.other_enterprise_id}"]')
    page.wait_for_selector("#enterprise-name")
    assert page.locator("#enterprise-name").inner_text() == city.other_enterprise_name
    page.wait_for_selector("#assessments .assessment")  # loaded by HTMX
    section = page.locator("#assessments").inner_text()
    assert "高新技术企业" in section and "注册成立一年以上" in section  # clause by clause
    shot(page, request, "profile")


def test_upload_with_errors(site, page, request, tmp_path):
    _, base_url, _ = site
    rows = enterprise_rows()
    rows[1][0] = "911101080000000000"
    path = write_csv(tmp_path / "firms.csv", ENTERPRISE_HEADER, rows)
    login(page, base_url, "analyst")
    page.goto(base_url + "/imports")
    page.select_option("#kind", "enterprises")
    page.set_input_files("#file", str(path))
    page.click('form[action="/imports"] button[type="submit"]')
    page.wait_for_selector("#import-errors")
    assert page.locator("#import-errors tbody tr").count() >= 1
    assert "未导入任何数据" in page.locator("#import-result").inner_text()
    with page.expect_download() as download:
        page.click("#error-report")
    assert download.value.suggested_filename == "firms.errors.xlsx"
    shot(page, request, "upload-errors")


def test_roles_are_isolated(site, page, request):
    city, base_url, _ = site
    login(page, base_url, "enterprise", lands_on=rf"/enterprises/{city.enterprise_id}$")
    nav = page.locator("nav.areas").inner_text()
    assert "数据导入" not in nav and "系统管理" not in nav and "仪表盘" not in nav
    shot(page, request, "enterprise-home")
    response = page.goto(f"{base_url}/enterprises/{city.other_enterprise_id}")
    assert response.status == 404
    assert city.other_enterprise_name not in page.content()
    assert page.goto(base_url + "/imports").status == 403
    page.click("button.link")  # sign out
    page.wait_for_url(re.compile(r"/login$"))
    login(page, base_url, "district")
    assert page.locator("#by-district tbody tr").count() == 1
    shot(page, request, "district-dashboard")


def test_english_switch(site, page, request):
    _, base_url, _ = site
    login(page, base_url, "admin")
    page.click(".lang-switch a")
    page.wait_for_selector("html[lang=en]")
    assert page.locator("h1").inner_text().startswith("Dashboard")
    page.goto(base_url + "/admin")
    assert "Users and roles" in page.content()
    shot(page, request, "admin-en")


def test_cultivation_pipeline_and_tier_filter(site, page, request):
    _, base_url, run = site
    login(page, base_url, "analyst")
    page.goto(base_url + "/assessments")
    total = page.locator('#pipeline tr.total td[data-assessment="hnte"] .passed').inner_text()
    assert total.replace(",", "") == str(run.summary["counts"]["hnte"]["pass"])
    page.fill('input[name="max_failed"]', "3")
    page.click('form.filters button[type="submit"]')
    page.wait_for_url(re.compile(r"max_failed=3"))
    assert page.locator("#seedlings tbody tr").count() >= 1
    shot(page, request, "assessments")
    page.goto(base_url + "/enterprises?tier=sme")
    passed = run.summary["counts"]["sme"]["pass"]
    rows = page.locator("#enterprise-list tbody tr").count()
    assert 0 < rows <= passed
    shot(page, request, "tier-filter")
