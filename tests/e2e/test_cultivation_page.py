"""The seedling margins on the cultivation page (issue #19), in headless Chromium: changing
the relative margin updates the lists in place (HTMX) and the URL; a bad value is a bilingual
message. Screenshot: test-artifacts/screenshots/web-seedling-margins.png."""

from __future__ import annotations

import re

import pytest

from .test_web import login, shot, site  # noqa: F401 (site is a fixture)

pytestmark = pytest.mark.e2e


def _count(page) -> int:
    return int(page.locator("#seedlings-count").get_attribute("data-count"))


def test_changing_the_margin_changes_the_seedlings(site, page, request):  # noqa: F811
    _, base_url, _ = site
    login(page, base_url, "analyst")
    page.goto(base_url + "/assessments?max_failed=3&score_margin=100&margin=0")
    narrow = _count(page)
    page.fill('#distance input[name="margin"]', "100")
    page.press('#distance input[name="margin"]', "Enter")
    page.wait_for_url(re.compile(r"margin=100"))
    page.wait_for_function(
        "n => Number(document.querySelector('#seedlings-count').dataset.count) !== n", arg=narrow
    )
    wide = _count(page)
    assert wide > narrow
    assert page.locator("#seedlings tbody tr").count() == min(wide, 100)
    shot(page, request, "seedling-margins")
    page.reload()  # the URL keeps the view
    assert _count(page) == wide
    assert page.input_value('#distance input[name="margin"]') == "100"
    page.fill('#distance input[name="margin"]', "abc")
    page.press('#distance input[name="margin"]', "Enter")
    error = page.wait_for_selector("#distance-error")
    assert "须为百分数" in error.inner_text() and "a percentage is needed" in error.inner_text()
    assert page.locator("#pipeline").count() == 0
