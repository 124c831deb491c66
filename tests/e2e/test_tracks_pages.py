"""The tracks pages in Chromium: the matrix links to a track page with its firms, the
dashboard loads its future-industries section, and a firm's track is confirmed on its
profile (issue #14)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from xinzhi.demo.tracks import build_demo_tracks
from xinzhi.store.models.tracks import TrackAssignment

from ..web.helpers import PASSWORD, build_web_city, make_app

pytestmark = pytest.mark.e2e


@pytest.fixture
def tracks_site(sqlite_engine, live_server):
    city = build_web_city(sqlite_engine, enterprises=300)
    build_demo_tracks(sqlite_engine, seed=7, actor="test")
    return city, live_server(make_app(city))


def sign_in(page, base_url: str, username: str = "analyst") -> None:
    page.goto(base_url + "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


def test_matrix_to_track_page_and_dashboard_section(tracks_site, page):
    _city, base = tracks_site
    sign_in(page, base)
    page.goto(base + "/tracks")
    page.click("#matrix tr[data-track=humanoid-robot] a")
    page.wait_for_selector("#firms")
    assert "人形机器人" in page.inner_text("h1")
    assert page.locator("#firms tbody tr a").count() >= 1
    page.goto(base + "/dashboard")
    page.wait_for_selector("#future-industries #dashboard-tracks")
    assert "亿元" in page.inner_text("#future-industries")


def test_confirm_a_track_on_the_profile(tracks_site, page):
    city, base = tracks_site
    sign_in(page, base)
    with city.engine.connect() as conn:
        firm = conn.scalar(
            sa.select(TrackAssignment.subject_id)
            .where(TrackAssignment.subject_kind == "enterprise")
            .limit(1)
        )
    page.goto(base + f"/enterprises/{firm}")
    page.wait_for_selector("#panel-tracks table#firm-tracks")
    rows = page.locator("#firm-tracks tbody tr")
    track = rows.first.get_attribute("data-track")
    rows.first.locator("input[name=reason]").first.fill("走访核实")
    rows.first.locator("button[data-verdict=confirmed]").click()
    page.wait_for_selector("#panel-tracks table#firm-tracks")
    label = page.locator(f"#firm-tracks tr[data-track={track}]").inner_text()
    assert "确认" in label and "走访核实" in label
