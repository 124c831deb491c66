"""The import preview in headless Chromium (issue #17): a bureau's sheet is previewed, an
unknown column mapped, the mapping saved and the file committed. Screenshots go to
test-artifacts/screenshots/web-import-*.png."""

from __future__ import annotations

import pytest

from ..ingest.bureau_files import district_list, write_xlsx
from .test_web import login, shot, site  # noqa: F401  (site is a fixture)

pytestmark = pytest.mark.e2e


def test_preview_map_save_and_commit(site, page, request, tmp_path):  # noqa: F811
    _, base_url, _ = site
    rows, merged = district_list()
    rows[1][3] = "所在地"  # the district column under a header no kind knows
    path = write_xlsx(tmp_path / "名单.xlsx", {"名单": (rows, merged)})
    login(page, base_url, "analyst")
    page.goto(base_url + "/imports")
    page.select_option("#kind", "enterprises")
    page.set_input_files("#file", str(path))
    page.fill('input[name="as_of"]', "2023-12-31")
    page.fill("#year", "2023")
    page.click("#preview-button")
    page.wait_for_selector("#preview")
    assert "未知列“所在地”" in page.locator("#import-result").inner_text()
    assert "表头在第 2 行" in page.locator("#preview").inner_text()
    shot(page, request, "import-preview-unknown")
    page.select_option('select[aria-label="所在地"]', "district")
    page.click('#preview button[value="preview"]')
    page.wait_for_selector("#preview-summary")
    result = page.locator("#import-result").inner_text()
    assert "将新增 4" in result and "第7行是合计行，未导入" in result
    shot(page, request, "import-preview")
    page.fill("#save-as", "浑南区科技局")
    page.click("#commit")
    page.wait_for_selector("#import-result .flash.ok >> text=batch")
    assert "新增 8" in page.locator("#import-result").inner_text()
    shot(page, request, "import-committed")
    page.goto(base_url + "/imports")
    assert "名单.xlsx" in page.locator("#batches").inner_text()
