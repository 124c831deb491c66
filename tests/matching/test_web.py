"""The matching pages and API: scoped lists, matches with reasons, the board's lifecycle."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from xinzhi.store import models
from xinzhi.store.db import session_scope
from xinzhi.store.models.matching import (
    Challenge,
    Expert,
    ResearchResult,
    ResultExpert,
    TechnicalDemand,
)

from ..web.helpers import WebCity, build_web_city, client_for

AS_OF = dt.date(2024, 3, 31)


@dataclass
class MatchingCity:
    city: WebCity
    own_result: int  # the researcher's
    other_result: int  # somebody else's
    own_demand: int  # the enterprise user's firm's
    other_demand: int  # a firm in another district


def _provenance() -> dict:
    return {"source": "test", "as_of": AS_OF}


@pytest.fixture
def matching_city(sqlite_engine, segmenter, tmp_path, monkeypatch) -> MatchingCity:
    monkeypatch.setenv("XINZHI_MATCH_INDEX", str(tmp_path / "index"))
    monkeypatch.delenv("XINZHI_EMBEDDER", raising=False)
    city = build_web_city(sqlite_engine)
    with session_scope(sqlite_engine) as session:
        mine = Expert(
            code="EXP-1",
            name="王研究员",
            institution="沈北机器人研究院",
            fields="robotics",
            **_provenance(),
        )
        other = Expert(
            code="EXP-2",
            name="李教授",
            institution="辽河理工大学",
            fields="aviation",
            **_provenance(),
        )
        session.add_all([mine, other])
        session.flush()
        own = ResearchResult(
            code="R-1",
            title="长寿命谐波减速器",
            abstract="柔轮疲劳寿命提高到一万小时",
            field="robotics",
            trl=7,
            institution="沈北机器人研究院",
            **_provenance(),
        )
        foreign = ResearchResult(
            code="R-2",
            title="热障涂层",
            abstract="涡轮叶片热障涂层",
            field="aviation",
            trl=6,
            institution="辽河理工大学",
            **_provenance(),
        )
        session.add_all([own, foreign])
        session.flush()
        session.add_all(
            [
                ResultExpert(result_id=own.id, expert_id=mine.id, position=0),
                ResultExpert(result_id=foreign.id, expert_id=other.id, position=0),
            ]
        )
        demands = [
            TechnicalDemand(
                code=code,
                enterprise_id=firm,
                title=title,
                description=text,
                field="robotics",
                min_trl=6,
                **_provenance(),
            )
            for code, firm, title, text in (
                ("D-1", city.enterprise_id, "谐波减速器寿命提升", "关节谐波减速器柔轮寿命不足"),
                ("D-2", city.other_enterprise_id, "减速器柔轮材料", "谐波减速器柔轮疲劳开裂"),
            )
        ]
        session.add_all(demands)
        session.flush()
        user = session.scalar(
            sa.select(models.auth.User).where(models.auth.User.username == "researcher")
        )
        user.expert_id = mine.id
        return MatchingCity(city, own.id, foreign.id, demands[0].id, demands[1].id)


def test_the_analyst_sees_both_lists_and_matches_with_reasons(matching_city):
    client = client_for(matching_city.city, "analyst")
    demands = client.get("/api/matching/demands").json()
    assert demands["total"] == 2
    matches = client.get(f"/api/matching/demands/{matching_city.own_demand}/matches").json()
    assert matches["matches"][0]["code"] == "R-1"
    assert all(m["reasons"] for m in matches["matches"])
    page = client.get(f"/matching/demands/{matching_city.own_demand}")
    assert page.status_code == 200 and "共同技术词" in page.text and "长寿命谐波减速器" in page.text


def test_an_enterprise_user_sees_only_its_own_demands(matching_city):
    client = client_for(matching_city.city, "enterprise")
    assert [d["code"] for d in client.get("/api/matching/demands").json()["demands"]] == ["D-1"]
    assert client.get(f"/matching/demands/{matching_city.other_demand}").status_code == 404
    assert (
        client.get(f"/api/matching/demands/{matching_city.other_demand}/matches").status_code == 404
    )
    assert matching_city.city.other_enterprise_name not in client.get("/matching/demands").text


def test_a_researcher_sees_and_edits_only_their_own_results(matching_city):
    client = client_for(matching_city.city, "researcher")
    assert [r["code"] for r in client.get("/api/matching/results").json()["results"]] == ["R-1"]
    assert client.get(f"/matching/results/{matching_city.other_result}").status_code == 404
    assert client.get("/api/matching/demands").json()["total"] == 0
    page = client.get(f"/matching/results/{matching_city.own_result}")
    assert page.status_code == 200 and "谐波减速器寿命提升" in page.text  # matched demands shown …
    assert matching_city.city.other_enterprise_name not in page.text  # … but not whose they are
    edited = client.post(
        f"/matching/results/{matching_city.own_result}",
        data={"title": "长寿命谐波减速器（第二版）", "abstract": "新简介", "trl": "TRL8"},
    )
    assert edited.status_code == 303
    denied = client.post(
        f"/matching/results/{matching_city.other_result}",
        data={"title": "x", "abstract": "y", "trl": "5"},
    )
    assert denied.status_code == 404
    bad = client.post(
        f"/matching/results/{matching_city.own_result}",
        data={"title": "x", "abstract": "y", "trl": "12"},
    )
    assert bad.status_code == 422 and "1–9" in bad.text
    with session_scope(matching_city.city.engine) as session:
        result = session.get(ResearchResult, matching_city.own_result)
        assert (result.title, result.trl, result.source) == (
            "长寿命谐波减速器（第二版）",
            8,
            "web:researcher",
        )
        entry = session.scalar(
            sa.select(models.AuditEntry).where(models.AuditEntry.action == "result.edit")
        )
        assert entry.actor == "web:researcher" and entry.detail["before"]["trl"] == 7


def test_the_board_through_the_web(matching_city):
    analyst = client_for(matching_city.city, "analyst")
    deadline = (dt.date.today() + dt.timedelta(days=20)).isoformat()
    created = analyst.post(
        "/matching/challenges",
        data={
            "title": "柔轮寿命攻关",
            "description": "柔轮疲劳",
            "requirements": "寿命≥8000小时",
            "bounty": "3000000",
            "deadline": deadline,
            "field": "robotics",
        },
    )
    assert created.status_code == 303
    challenge_id = int(created.headers["location"].rsplit("/", 1)[1])
    researcher = client_for(matching_city.city, "researcher")
    assert researcher.get(f"/matching/challenges/{challenge_id}").status_code == 404  # a draft

    def step(action, **data):
        return analyst.post(
            f"/matching/challenges/{challenge_id}/step", data={"action": action, **data}
        )

    skipped = step("award")
    assert skipped.status_code == 409 and "草稿" in skipped.text and "draft" in skipped.text
    assert step("publish").status_code == 303
    applied = researcher.post(
        f"/matching/challenges/{challenge_id}/apply",
        data={
            "applicant": "沈北机器人研究院",
            "proposal": "双圆弧齿形",
            "result_id": matching_city.own_result,
        },
    )
    assert applied.status_code == 303
    other = researcher.post(
        f"/matching/challenges/{challenge_id}/apply",
        data={"applicant": "x", "proposal": "y", "result_id": matching_city.other_result},
    )
    assert other.status_code == 404  # not their result
    assert step("close", reason="方案已足够").status_code == 303
    assert step("start_review").status_code == 303
    with session_scope(matching_city.city.engine) as session:
        application_id = session.get(Challenge, challenge_id).applications[0].id
    scored = analyst.post(
        f"/matching/applications/{application_id}/score", data={"reviewer": "专家甲", "score": "91"}
    )
    assert scored.status_code == 303
    assert step("award", application_id=application_id).status_code == 303
    page = analyst.get(f"/matching/challenges/{challenge_id}").text
    assert "已授榜" in page and "challenge.award" in page
    mine = researcher.get(f"/api/matching/challenges/{challenge_id}").json()
    assert mine["state"] == "awarded" and mine["history"] == []  # the history is the staff's
    assert [a["status"] for a in mine["applications_list"]] == ["awarded"]
    enterprise = client_for(matching_city.city, "enterprise").get("/api/matching/challenges").json()
    assert [c["state"] for c in enterprise["challenges"]] == ["awarded"]


def test_the_matching_pages_render_for_every_role(matching_city):
    for username in ("admin", "analyst", "district", "enterprise", "researcher"):
        client = client_for(matching_city.city, username)
        for path in ("/matching", "/matching/results", "/matching/demands", "/matching/challenges"):
            response = client.get(path)
            assert response.status_code == 200, (username, path)
            assert matching_city.city.other_enterprise_name not in response.text or (
                username in ("admin", "analyst")
            ), (username, path)


def test_the_enterprise_profile_shows_its_demands_and_their_matches(matching_city):
    city = matching_city.city
    own = client_for(city, "enterprise").get(f"/matching/enterprise/{city.enterprise_id}/panel")
    assert (
        own.status_code == 200
        and "谐波减速器寿命提升" in own.text
        and "长寿命谐波减速器" in own.text
    )
    other = client_for(city, "enterprise").get(
        f"/matching/enterprise/{city.other_enterprise_id}/panel"
    )
    assert other.status_code == 404
    analyst = client_for(city, "analyst").get(
        f"/matching/enterprise/{city.other_enterprise_id}/panel"
    )
    assert analyst.status_code == 200 and "减速器柔轮材料" in analyst.text
    profile = client_for(city, "analyst").get(f"/enterprises/{city.enterprise_id}")
    assert f"/matching/enterprise/{city.enterprise_id}/panel" in profile.text
