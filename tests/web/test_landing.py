"""The city's headline counts with the date each describes (issue #2 §1): now behind the
login, at /api/headline and on the dashboard (issue #7)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from xinzhi.accounts.users import create_user, use_hasher
from xinzhi.ingest.pipeline import import_file
from xinzhi.web.app import create_app

from ..ingest.helpers import (
    DISTRICT_HEADER,
    DISTRICT_ROWS,
    ENTERPRISE_HEADER,
    enterprise_rows,
    write_csv,
)
from .helpers import CHEAP_HASHER, sign_in

CONTRACT_HEADER = [
    "登记编号",
    "合同类别",
    "卖方统一社会信用代码",
    "卖方名称",
    "买方名称",
    "合同成交额（万元）",
    "技术交易额（万元）",
    "签订日期",
    "登记日期",
]
CONTRACTS = [
    [
        "2023210100000001",
        "技术开发",
        enterprise_rows()[0][0],
        "甲",
        "某大学",
        "12000",
        "11000",
        "2023-01-05",
        "2023-02-01",
    ],
    [
        "2023210100000002",
        "技术服务",
        enterprise_rows()[1][0],
        "乙",
        "某公司",
        "3000.5",
        "3000",
        "2023-03-05",
        "2023-04-01",
    ],
]


@pytest.fixture
def city(sqlite_engine, tmp_path):
    for kind, header, rows in (
        ("districts", DISTRICT_HEADER, DISTRICT_ROWS),
        ("enterprises", ENTERPRISE_HEADER, enterprise_rows()),
        ("tech_contracts", CONTRACT_HEADER, CONTRACTS),
    ):
        assert import_file(
            sqlite_engine, kind, write_csv(tmp_path / f"{kind}.csv", header, rows), actor="test"
        ).ok
    use_hasher(CHEAP_HASHER)
    create_user(sqlite_engine, "ana", "password-1", "analyst", actor="test")
    return sqlite_engine


def analyst_client(engine) -> TestClient:
    client = TestClient(create_app(engine), follow_redirects=False)
    assert sign_in(client, "ana", "password-1").status_code == 200
    return client


def test_headline_api_reports_counts_with_their_dates(city):
    assert TestClient(create_app(city)).get("/api/headline").status_code == 401
    body = analyst_client(city).get("/api/headline").json()
    figures = {f["key"]: f for f in body["figures"]}
    assert figures["enterprises"]["value"] == 3
    assert figures["enterprises"]["as_of"] == "2023-08-31"
    assert figures["contracts"]["value"] == 2 and figures["contracts"]["as_of"] == "2023-04-01"
    # 12,000 万元 + 3,000.5 万元 = 1.50005 亿元, shown to the hundredth
    assert figures["contract_turnover"]["value"] == "1.50"
    assert figures["platforms"]["value"] == 0 and figures["platforms"]["as_of"] is None
    assert body["enterprises_by_district"][0] == {"district": "浑南区", "enterprises": 2}


def test_the_start_page_asks_for_a_login_then_opens_the_dashboard(city):
    anonymous = TestClient(create_app(city), follow_redirects=False)
    assert anonymous.get("/").headers["location"] == "/login"
    client = analyst_client(city)
    assert client.get("/").headers["location"] == "/dashboard"
    html = client.get("/dashboard").text
    assert "科技型企业" in html and "数据日期 2023-08-31" in html
    assert html.count("<tr><td>") >= 3  # every district has its row, even one with no firm
