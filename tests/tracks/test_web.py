"""The tracks pages and API: scoped by role, evidence shown, labels audited (issue #14)."""

from __future__ import annotations

import sqlalchemy as sa

from xinzhi.demo.tracks import build_demo_tracks
from xinzhi.store import models
from xinzhi.tracks.service import member_ids

from ..web.helpers import build_web_city, client_for


def city_with_tracks(engine):
    city = build_web_city(engine, enterprises=300)
    build_demo_tracks(engine, seed=7, actor="test")
    return city


def test_pages_and_api_for_an_analyst(sqlite_engine):
    city = city_with_tracks(sqlite_engine)
    client = client_for(city, "analyst")
    page = client.get("/tracks")
    assert page.status_code == 200 and "人形机器人" in page.text and "场景机会清单" in page.text
    api = client.get("/api/tracks").json()
    assert {"cn-miit-2024", "dongguan-2024"} <= {t["key"] for t in api["taxonomies"]}
    humanoid = next(r for r in api["matrix"] if r["track"] == "humanoid-robot")
    assert humanoid["firms"] > 0
    assert any(c["id"] == "sy-robot-magnet" for c in api["clusters"])
    track = client.get("/api/tracks/humanoid-robot").json()
    assert track["figures"]["firms"] == humanoid["firms"]
    assert track["firms"] and track["dictionary"]["ipc"]
    assert client.get("/tracks/humanoid-robot").status_code == 200
    assert client.get("/tracks/dg-humanoid-robot").status_code == 200  # a regional group
    assert client.get("/tracks/no-such-track").status_code == 404
    export = client.get("/tracks/export.xlsx", params={"track": "humanoid-robot"})
    assert export.status_code == 200 and export.content[:2] == b"PK"
    assert "未来产业" in client.get("/tracks/dashboard-panel").text


def test_a_district_analyst_sees_only_its_district(sqlite_engine):
    city = city_with_tracks(sqlite_engine)
    everyone = client_for(city, "analyst").get("/api/tracks").json()["matrix"]
    district = client_for(city, "district").get("/api/tracks").json()["matrix"]
    with sqlite_engine.connect() as conn:
        leaves = ["humanoid-robot"]
        ids = conn.scalars(member_ids(leaves)).all()
        in_district = conn.scalar(
            sa.select(sa.func.count()).where(
                models.Enterprise.id.in_(ids), models.Enterprise.district_id == city.district_id
            )
        )
    mine = next(r for r in district if r["track"] == "humanoid-robot")
    assert mine["firms"] == in_district
    assert sum(r["firms"] for r in district) <= sum(r["firms"] for r in everyone)
    assert client_for(city, "enterprise").get("/api/tracks").status_code == 403


def test_confirming_on_the_profile_is_audited_and_scoped(sqlite_engine):
    city = city_with_tracks(sqlite_engine)
    analyst = client_for(city, "analyst")
    firm = city.sibling_enterprise_id
    response = analyst.post(
        f"/api/tracks/enterprises/{firm}/labels",
        json={"track": "quantum-computing", "verdict": "confirmed", "reason": "走访"},
    )
    assert response.status_code == 200, response.text
    shown = analyst.get(f"/api/tracks/enterprises/{firm}").json()
    assert any(t["track"] == "quantum-computing" and t["member"] for t in shown)
    panel = analyst.get(f"/tracks/enterprise/{firm}/panel").text
    assert "quantum-computing" in panel
    with sqlite_engine.connect() as conn:
        assert (
            conn.scalar(
                sa.select(sa.func.count()).where(models.AuditEntry.action == "tracks.confirm")
            )
            >= 1
        )
    # a district analyst cannot label a firm outside its district; an unknown track is refused
    district = client_for(city, "district")
    outside = district.post(
        f"/api/tracks/enterprises/{city.other_enterprise_id}/labels",
        json={"track": "quantum-computing", "verdict": "confirmed"},
    )
    assert outside.status_code == 404
    unknown = analyst.post(
        f"/api/tracks/enterprises/{firm}/labels", json={"track": "no-such", "verdict": "confirmed"}
    )
    assert unknown.status_code == 422
    # the enterprise user sees its own tracks, not another firm's
    own = client_for(city, "enterprise")
    assert own.get(f"/api/tracks/enterprises/{city.enterprise_id}").status_code == 200
    assert own.get(f"/api/tracks/enterprises/{firm}").status_code == 404
