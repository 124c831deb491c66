"""/compute and /api/compute by role (issue #15, "Web page"): city staff see every centre, a
centre operator its own only, an enterprise its own vouchers and usage, a researcher nothing."""

from __future__ import annotations

import pytest

from ..web.helpers import client_for, make_app
from .webcity import compute_city


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    city, staged = compute_city(tmp_path_factory.mktemp("compute") / "web.db")
    yield city, make_app(city), staged
    city.engine.dispose()


def test_the_analyst_sees_the_published_figures(site):
    city, app, _ = site
    client = client_for(city, "analyst", app)
    page = client.get("/compute?year=2023")
    assert page.status_code == 200
    assert "沈阳人工智能计算中心" in page.text and "300.0 P" in page.text and "97.92%" in page.text
    data = client.get("/api/compute/overview", params={"centre": "SY-AICC", "year": 2023}).json()
    assert round(data["occupancy"] * 100, 2) == 97.92
    assert data["capacity_pflops_fp16"] == pytest.approx(300.032)
    assert data["clients_total"] > 40 and data["top_tenants"][0]["name"] == "辽宁辽河实验室"
    assert len(data["days"]) == 365
    assert "/api/compute/overview" in client.get("/api/openapi.json").json()["paths"]


def test_a_centre_operator_sees_its_centre_only(site):
    city, app, _ = site
    operator = client_for(city, "operator", app)
    assert [c["code"] for c in operator.get("/api/compute/centres").json()["centres"]] == [
        "SY-AICC"
    ]
    assert operator.get("/api/compute/overview", params={"centre": "OTHER"}).status_code == 404
    assert operator.get("/api/compute/reconcile", params={"year": 2023}).status_code == 200
    vouchers = operator.get("/api/compute/vouchers").json()
    assert vouchers["vouchers"] == []  # redemptions at its centre, not the holders' list
    idle = client_for(city, "idle-operator", app)
    assert idle.get("/api/compute/centres").json()["centres"] == []
    assert "没有可查看的算力中心" in idle.get("/compute").text
    assert operator.get("/api/enterprises").status_code == 403


def test_an_enterprise_sees_its_own_vouchers_and_use(site):
    city, app, _ = site
    client = client_for(city, "enterprise", app)
    assert client.get("/api/compute/overview").status_code == 403
    mine = client.get("/api/compute/vouchers").json()
    analyst = client_for(city, "analyst", app).get("/api/compute/vouchers").json()
    assert mine["count"] <= 1 <= analyst["count"]
    assert client.get("/compute").status_code == 200


def test_a_researcher_sees_nothing(site):
    city, app, _ = site
    client = client_for(city, "researcher", app)
    assert client.get("/compute").status_code == 403
    assert client.get("/api/compute/vouchers").status_code == 403
