"""The harness itself: a live ASGI server, headless Chromium, screenshots after each test."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.responses import HTMLResponse

pytestmark = pytest.mark.e2e

PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>新质 · 测试</title></head>
<body><h1>新质</h1><p>新质生产力 — 育苗·培干·强柱</p></body></html>"""


def make_app() -> FastAPI:
    app = FastAPI()

    @app.get("/", response_class=HTMLResponse)
    def index() -> str:
        return PAGE

    return app


def test_chinese_page_in_chromium(live_server, page):
    base_url = live_server(make_app())
    response = page.goto(base_url + "/")
    assert response is not None and response.ok
    assert page.title() == "新质 · 测试"
    heading = page.locator("h1")
    assert heading.inner_text() == "新质"
    # The CJK glyphs take real width: a font for 汉字 is installed (fonts-noto-cjk).
    box = heading.bounding_box()
    assert box is not None and box["width"] > 20


def test_live_server_serves_and_stops(live_server):
    import urllib.request

    base_url = live_server(make_app())
    with urllib.request.urlopen(base_url + "/", timeout=5) as resp:
        assert "<h1>新质</h1>" in resp.read().decode("utf-8")


def test_page_fixture_saves_a_screenshot(pytester, request, monkeypatch):
    """Runs a test that uses `page` in a child pytest and checks the PNG it leaves behind."""
    conftest = Path(request.config.rootpath) / "tests" / "conftest.py"
    monkeypatch.setenv("PYTHONPATH", str(request.config.rootpath))  # for tests.dbfixtures
    pytester.makeconftest(conftest.read_text(encoding="utf-8"))
    pytester.makepyfile(
        test_shot="""
        def test_shot(page):
            page.set_content('<h1>新质</h1>')
            assert page.locator('h1').inner_text() == '新质'
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", timeout=120)
    result.assert_outcomes(passed=1)
    shot = pytester.path / "test-artifacts" / "screenshots" / "test_shot.png"
    assert shot.is_file(), result.stdout.str()
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 1000
