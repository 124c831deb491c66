"""The run form on the assessments page in headless Chromium: an application date (issue #19
item 8) is sent with the run, a bad one is shown beside the form and nothing is recorded."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from xinzhi.store import models
from xinzhi.store.models.runs import EvaluationRun

from ..web.helpers import build_web_city, make_app
from .test_web import login, shot

pytestmark = pytest.mark.e2e


def test_run_for_an_application_date(sqlite_engine, live_server, page, request):
    city = build_web_city(sqlite_engine)
    base_url = live_server(make_app(city))
    with sqlite_engine.connect() as conn:
        latest = conn.scalar(sa.select(sa.func.max(models.EnterpriseYear.year)))
    login(page, base_url, "analyst")
    page.goto(base_url + "/assessments")
    future = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    page.fill('#run-form input[name="application_date"]', future)
    page.click('#run-form button[type="submit"]')
    page.wait_for_selector("#run-error")
    assert "晚于今天" in page.locator("#run-error").inner_text()
    shot(page, request, "assessment-run-refused")
    with sqlite_engine.connect() as conn:
        assert conn.scalar(sa.select(sa.func.count()).select_from(EvaluationRun)) == 0

    applied = dt.date(latest + 1, 3, 1)
    page.fill('#run-form input[name="application_date"]', applied.isoformat())
    # A run over the city builds its snapshot first: longer than a click's usual wait.
    with page.expect_navigation(url=re.compile(r"/assessments$"), timeout=120_000):
        page.click('#run-form button[type="submit"]', no_wait_after=True)
    first_run = page.locator("#runs tbody tr").first.inner_text()
    assert "申报日" in first_run
    shot(page, request, "assessment-run-application-date")
    with sqlite_engine.connect() as conn:
        assert conn.scalar(sa.select(EvaluationRun.as_of)) == applied
