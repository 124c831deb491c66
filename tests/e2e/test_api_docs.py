"""The API docs page in headless Chromium under the site's Content-Security-Policy: the
vendored Swagger UI starts from a static script and lists the operations, with no CSP
violation reported (issue #16)."""

from __future__ import annotations

import pytest

from ..web.helpers import build_web_city, make_app

pytestmark = pytest.mark.e2e


def test_api_docs_render_under_the_csp(sqlite_engine, live_server, page):
    base_url = live_server(make_app(build_web_city(sqlite_engine)))
    problems: list[str] = []
    page.on("console", lambda m: m.type == "error" and problems.append(m.text))
    page.on("pageerror", lambda e: problems.append(str(e)))
    response = page.goto(base_url + "/api/docs")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_selector(".opblock", timeout=20_000)
    assert page.locator(".opblock").count() > 10
    assert "/api/login" in page.content()
    assert not [p for p in problems if "Content Security Policy" in p or "Refused" in p], problems
