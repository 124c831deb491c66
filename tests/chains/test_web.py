"""The chain pages and their JSON API (issue #5 §4), with the app's access rules."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook

from xinzhi.chains.catalogue import load_shipped
from xinzhi.chains.repository import save_chain, versions
from xinzhi.store.db import make_engine
from xinzhi.store.schema import upgrade

from ..web.helpers import build_web_city, client_for, make_app


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('chains-web') / 'web.db'}")
    upgrade(engine)
    city = build_web_city(engine, enterprises=200)
    save_chain(engine, load_shipped("robot"), actor="test", source="robot.yaml")
    yield city
    engine.dispose()


@pytest.fixture(scope="module")
def analyst(city):
    return client_for(city, "analyst", make_app(city))


def test_pages_render(analyst):
    index = analyst.get("/chains")
    assert index.status_code == 200 and "机器人" in index.text and "内置示意" in index.text
    page = analyst.get("/chains/robot")
    assert page.status_code == 200
    assert 'class="xz-chart chain-map"' in page.text and "/static/chains.js" in page.text
    assert "RV减速器" in page.text and 'id="node-detail"' in page.text
    lists = analyst.get("/chains/robot/lists").text
    assert 'id="problem-list"' in lists and "带土移植" in lists
    assert 'id="innovation-table"' in analyst.get("/chains/robot/innovation").text
    fragment = analyst.get("/chains/robot/nodes/rv_reducer")
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert "纳博特斯克" in fragment.text and "问题清单" in fragment.text


def test_downloads(analyst, tmp_path):
    svg = analyst.get("/chains/robot/map.svg")
    assert svg.headers["content-type"].startswith("image/svg+xml") and "RV减速器" in svg.text
    xlsx = analyst.get("/chains/robot/analysis.xlsx")
    path = tmp_path / "a.xlsx"
    path.write_bytes(xlsx.content)
    assert load_workbook(path).sheetnames[0] == "问题清单 Problems"


def test_api(analyst):
    chains = analyst.get("/api/chains").json()["chains"]
    robot = next(c for c in chains if c["key"] == "robot")
    assert (robot["where"], robot["version"]) == ("database", 1)
    assert next(c for c in chains if c["key"] == "ic")["where"] == "shipped"
    assert len(analyst.get("/api/chains/robot").json()["nodes"]) == len(load_shipped("robot").nodes)
    analysis = analyst.get("/api/chains/robot/analysis").json()
    assert (
        analysis["problems"] and analysis["technologies"] and len(analysis["rules"]["sha256"]) == 64
    )
    first = analyst.get("/api/chains/robot/technologies").json()["technologies"][0]
    assert {
        "chain_key",
        "node_key",
        "node_name",
        "technology_name",
        "rank",
        "score",
        "mode",
        "reason_zh",
        "reason_en",
    } <= set(first)
    node = analyst.get("/api/chains/robot/nodes/industrial_robot").json()
    assert any(e["name"] == "沈阳新松机器人自动化股份有限公司" for e in node["enterprises"])
    assert analyst.get("/api/chains/robot/innovation").json()["nodes"]
    assert analyst.get("/api/chains/nosuch").status_code == 404
    assert analyst.get("/api/chains/robot/nodes/nosuch").status_code == 404


def test_edit_a_node_from_the_api(city, analyst):
    answer = analyst.patch("/api/chains/robot/nodes/rv_reducer", json={"import_dependence": "35%"})
    assert answer.status_code == 200 and answer.json()["version"] == 2
    refused = analyst.patch(
        "/api/chains/robot/nodes/rv_reducer", json={"import_dependence": "135%"}
    )
    assert refused.status_code == 422 and refused.json()["detail"][0]["code"] == "ratio_range"
    assert [v.version for v in versions(city.engine, "robot")] == [1, 2]
    # the cached analysis follows the new version
    node = analyst.get("/api/chains/robot/nodes/rv_reducer").json()
    assert node["import_dependence"] == pytest.approx(0.35)


@pytest.mark.parametrize("username", ["district", "enterprise", "researcher"])
def test_only_city_staff_are_admitted(city, username):
    client = client_for(city, username, make_app(city))
    assert client.get("/api/chains").status_code == 403
    assert client.get("/chains/robot", headers={"accept": "text/html"}).status_code == 403
