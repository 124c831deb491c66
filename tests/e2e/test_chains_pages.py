"""The chain pages in Chromium: the map draws, a click on a node shows its details, the lists
and the innovation chain render (issue #5 §4)."""

from __future__ import annotations

import pytest

from xinzhi.chains.catalogue import load_shipped
from xinzhi.chains.repository import save_chain

from ..web.helpers import PASSWORD, build_web_city, make_app

pytestmark = pytest.mark.e2e


@pytest.fixture
def chain_site(sqlite_engine, live_server):
    city = build_web_city(sqlite_engine, enterprises=200)
    save_chain(sqlite_engine, load_shipped("robot"), actor="test", source="robot.yaml")
    return live_server(make_app(city))


def sign_in(page, base_url: str, username: str = "analyst") -> None:
    page.goto(base_url + "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


def test_map_draws_and_a_node_click_shows_its_details(chain_site, page):
    sign_in(page, chain_site)
    page.goto(chain_site + "/chains/robot")
    page.wait_for_selector("#chain-map[data-drawn] canvas")
    page.wait_for_function("document.querySelector('#chain-map').dataset.clicks === '1'")
    # the pixel position of a node in the ECharts graph, then a real mouse click on it
    x, y = page.evaluate("""() => {
        const el = document.querySelector('#chain-map');
        const chart = echarts.getInstanceByDom(el);
        const node = chart.getOption().series[0].data.find(d => d.id === 'rv_reducer');
        const [px, py] = chart.convertToPixel({seriesIndex: 0}, [node.x, node.y]);
        const box = el.getBoundingClientRect();
        return [box.left + px, box.top + py];
    }""")
    page.mouse.click(x, y)
    detail = page.locator("#node-detail .node-detail[data-node=rv_reducer]")
    detail.wait_for()
    text = detail.inner_text()
    assert "RV减速器" in text and "纳博特斯克" in text  # its status, imports and suppliers
    assert "问题清单" in text  # a chokepoint, with its tackling mode


def test_node_list_links_load_details_and_enterprises(chain_site, page):
    sign_in(page, chain_site)
    page.goto(chain_site + "/chains/robot")
    page.click("#node-list tr[data-node=industrial_robot] a")
    detail = page.locator("#node-detail .node-detail[data-node=industrial_robot]")
    detail.wait_for()
    assert "沈阳新松机器人自动化股份有限公司" in detail.inner_text()
    assert detail.locator("table.enterprises tbody tr").count() >= 1


def test_lists_and_innovation_pages(chain_site, page):
    sign_in(page, chain_site)
    page.goto(chain_site + "/chains/robot/lists")
    rows = page.locator("#problem-list tbody tr[data-node]")
    assert rows.count() >= 5
    assert any(
        mode in rows.first.inner_text()
        for mode in ("自主研发", "联合攻关", "揭榜挂帅", "带土移植", "基础研究")
    )
    assert page.locator("#technology-list tbody tr[data-node]").count() >= 5
    page.goto(chain_site + "/chains/robot/innovation")
    assert page.locator("#innovation-table tr[data-node]").count() == len(
        load_shipped("robot").nodes
    )


def test_district_analysts_are_not_admitted(chain_site, page):
    sign_in(page, chain_site, "district")
    response = page.goto(chain_site + "/chains/robot")
    assert response is not None and response.status == 403
