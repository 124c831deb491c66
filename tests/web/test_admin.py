"""Administration pages: users, roles, targets; the audit log records every change."""

from __future__ import annotations

import re

import sqlalchemy as sa

from xinzhi.store import models

from .helpers import client_for


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_admin_adds_a_user_and_changes_a_role_through_the_forms(web_city):
    client = client_for(web_city, "admin")
    page = client.get("/admin").text
    assert 'id="users"' in page and "district" in page
    token = _csrf(page)
    with web_city.engine.connect() as conn:
        district = conn.scalar(
            sa.select(models.District.name).where(models.District.id == web_city.other_district_id)
        )
    added = client.post(
        "/admin/users",
        data={
            "username": "zhao",
            "password": "password-77",
            "role": "district_analyst",
            "district": district,
            "csrf_token": token,
        },
    )
    assert added.status_code == 200 and "已保存" in added.text
    bad = client.post(
        "/admin/users",
        data={
            "username": "qian",
            "password": "password-77",
            "role": "enterprise",
            "csrf_token": token,
        },
    )
    assert bad.status_code == 400 and "信用代码" in bad.text
    changed = client.post("/admin/users/zhao/role", data={"role": "analyst", "csrf_token": token})
    assert changed.status_code == 200
    disabled = client.post("/admin/users/zhao/active", data={"active": "0", "csrf_token": token})
    assert disabled.status_code == 200
    self_disable = client.post(
        "/admin/users/admin/active", data={"active": "0", "csrf_token": token}
    )
    assert self_disable.status_code == 400
    users = {u["username"]: u for u in client.get("/api/admin/users").json()}
    assert users["zhao"]["role"] == "analyst" and users["zhao"]["active"] is False
    assert "password_hash" not in users["zhao"]
    audit = client.get("/api/audit", params={"action": "user."}).json()["items"]
    assert [a["action"] for a in audit][:3] == ["user.disable", "user.role", "user.add"]
    assert audit[0]["actor"] == "web:admin"


def test_targets_are_set_and_reach_the_dashboard(web_city):
    client = client_for(web_city, "admin")
    token = _csrf(client.get("/admin").text)
    ok = client.post(
        "/admin/targets",
        data={
            "indicator": "技术合同成交额",
            "region": "沈阳市",
            "year": "2023",
            "value": "300",
            "unit": "亿元",
            "csrf_token": token,
        },
    )
    assert ok.status_code == 200
    bad = client.post(
        "/admin/targets",
        data={
            "indicator": "x",
            "region": "沈阳市",
            "year": "2023",
            "value": "lots",
            "unit": "项",
            "csrf_token": token,
        },
    )
    assert bad.status_code == 400 and "不是数值" in bad.text  # the import's own parser
    kpis = {k["key"]: k for k in client.get("/api/dashboard").json()["kpis"]}
    assert kpis["contract_turnover"]["target"]["value"] == 300.0
    assert kpis["contract_turnover"]["completion_percent"] is not None
    via_api = client.post(
        "/api/admin/targets",
        json={
            "indicator": "技术合同成交额",
            "region": "沈阳市",
            "year": 2023,
            "value": "250",
            "unit": "亿元",
        },
    )
    assert via_api.status_code == 200
    targets = client.get("/api/admin/targets", params={"year": 2023}).json()["items"]
    assert [t["value"] for t in targets if t["indicator"] == "技术合同成交额"] == ["250.0000"]
    entries = client.get("/api/audit", params={"action": "target."}).json()["items"]
    assert len(entries) == 2


def test_audit_page_pages_newest_first(web_city):
    client = client_for(web_city, "admin")
    first = client.get("/api/audit", params={"size": 2}).json()
    second = client.get("/api/audit", params={"size": 2, "before": first["next_before"]}).json()
    ids = [e["id"] for e in first["items"] + second["items"]]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == 4
    page = client.get("/audit", params={"action": "user.login"}).text
    assert "user.login" in page and "web:admin" in page
