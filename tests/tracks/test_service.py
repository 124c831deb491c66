"""Classification runs over the database, confirmations that win, scenarios' lifecycle."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from xinzhi.ingest.pipeline import import_file
from xinzhi.matching import scenarios as sc
from xinzhi.store import models
from xinzhi.tracks import service
from xinzhi.tracks.service import TrackError, classify, label, member_ids

from ..ingest.helpers import DISTRICT_HEADER, DISTRICT_ROWS, code, write_csv

HEADER = [
    "统一社会信用代码",
    "企业名称",
    "所属区县",
    "成立日期",
    "行业代码",
    "经营范围",
    "主要产品",
    "数据日期",
]
FIRMS = [
    ("MA0TRK01", "沈阳甲人形机器人有限公司", "C3491", "人形机器人研发制造", "双足人形机器人"),
    ("MA0TRK02", "沈阳乙保洁服务有限公司", "O8219", "机器人清洁服务；保洁", "清洁机器人租赁"),
    ("MA0TRK03", "沈阳丙磁力传动有限公司", "C3985", "永磁传动装置研发", "磁力耦合器"),
]


@pytest.fixture
def city(engine, tmp_path):
    districts = write_csv(tmp_path / "d.csv", DISTRICT_HEADER, DISTRICT_ROWS)
    rows = [
        [code(c), name, "浑南区", "2018-01-01", ind, scope, prod, "2023-12-31"]
        for c, name, ind, scope, prod in FIRMS
    ]
    firms = write_csv(tmp_path / "e.csv", HEADER, rows)
    for kind, path in (("districts", districts), ("enterprises", firms)):
        assert import_file(engine, kind, path, actor="test").ok
    return engine


def members(engine, track):
    with engine.connect() as conn:
        ids = conn.scalars(member_ids([track])).all()
        return set(
            conn.scalars(sa.select(models.Enterprise.name).where(models.Enterprise.id.in_(ids)))
        )


def test_business_scope_and_products_are_imported(city):
    with city.connect() as conn:
        scope = conn.scalar(
            sa.select(models.Enterprise.business_scope).where(models.Enterprise.name.like("%甲%"))
        )
    assert scope == "人形机器人研发制造"


def test_classify_records_a_run_and_assigns_with_evidence(city):
    summary = classify(city, actor="analyst", kinds=("enterprise",))
    assert summary.per_kind["enterprise"]["subjects"] == 3
    assert members(city, "humanoid-robot") == {"沈阳甲人形机器人有限公司"}
    assert members(city, "magnetic-tech") == {"沈阳丙磁力传动有限公司"}
    with city.connect() as conn:
        run = service.latest_run(conn)
        audit = conn.scalar(
            sa.select(models.AuditEntry.action).where(
                models.AuditEntry.subject == f"track_run:{run['id']}"
            )
        )
    assert run["summary"]["kinds"]["enterprise"]["assignments"] >= 2
    assert audit == "tracks.classify"


def test_a_confirmation_wins_and_survives_reclassification(city):
    classify(city, actor="analyst", kinds=("enterprise",))
    cleaning = code("MA0TRK02")
    label(
        city,
        credit_code_or_id=cleaning,
        track="humanoid-robot",
        verdict="confirmed",
        actor="ana",
        reason="走访",
    )
    robot = code("MA0TRK01")
    label(
        city,
        credit_code_or_id=robot,
        track="humanoid-robot",
        verdict="rejected",
        actor="ana",
        reason="未量产",
    )
    classify(city, actor="analyst", kinds=("enterprise",))
    assert members(city, "humanoid-robot") == {"沈阳乙保洁服务有限公司"}
    with city.connect() as conn:
        actions = conn.scalars(
            sa.select(models.AuditEntry.action).where(models.AuditEntry.action.like("tracks.%"))
        ).all()
        firm_id = conn.scalar(
            sa.select(models.Enterprise.id).where(models.Enterprise.credit_code == robot)
        )
        shown = service.firm_tracks(conn, firm_id)
    assert actions.count("tracks.confirm") == 1 and actions.count("tracks.reject") == 1
    humanoid = next(t for t in shown if t["track"] == "humanoid-robot")
    assert (
        humanoid["member"] is False
        and humanoid["evidence"]
        and humanoid["label"]["verdict"] == "rejected"
    )


@pytest.mark.parametrize(
    ("firm", "track", "code_"),
    [
        ("91210100NOSUCHFIRM", "humanoid-robot", "unknown_enterprise"),
        (None, "no-such-track", "unknown_track"),
        (None, "future-health", "group_track"),
    ],
)
def test_confirming_an_unknown_firm_or_track_is_refused(city, firm, track, code_):
    with pytest.raises(TrackError) as raised:
        label(
            city,
            credit_code_or_id=firm or code("MA0TRK01"),
            track=track,
            verdict="confirmed",
            actor="a",
        )
    assert raised.value.code == code_ and raised.value.zh and raised.value.en
    with city.connect() as conn:
        assert conn.scalar(sa.select(sa.func.count()).select_from(models.tracks.TrackLabel)) == 0


def test_scenario_lifecycle_cannot_be_skipped_and_is_audited(city, tmp_path, monkeypatch):
    monkeypatch.setenv("XINZHI_MATCH_INDEX", str(tmp_path / "index"))
    classify(city, actor="analyst", kinds=("enterprise",))
    with Session(city) as session:
        s = sc.publish(
            session,
            title="车间人形机器人搬运",
            owner="某车企",
            need="总装车间部署双足人形机器人搬运零部件",
            track="humanoid-robot",
            actor="bureau",
            budget=Decimal("3000000"),
            deadline=dt.date(2024, 6, 30),
        )
        session.commit()
        sid = s.id
    with pytest.raises(sc.ScenarioError) as raised:
        sc.pilot(city, sid, enterprise_id=1, actor="bureau")
    assert raised.value.code == "illegal_transition"
    found = sc.match(city, sid, actor="bureau")
    assert [f["name"] for f in found["firms"]] == ["沈阳甲人形机器人有限公司"]
    assert found["firms"][0]["reasons"]
    sc.pilot(city, sid, enterprise_id=found["firms"][0]["id"], actor="bureau")
    sc.advance(city, sid, "showcase", actor="bureau", note="验收通过")
    with city.connect() as conn:
        actions = conn.scalars(
            sa.select(models.AuditEntry.action)
            .where(models.AuditEntry.subject == f"scenario:{sid}")
            .order_by(models.AuditEntry.id)
        ).all()
    assert actions == ["scenario.publish", "scenario.match", "scenario.pilot", "scenario.showcase"]
    with pytest.raises(sc.ScenarioError):
        with Session(city) as session:
            sc.publish(session, title="x", owner="y", need="z", track="no-such", actor="a")


def test_track_page_figures_on_every_engine(city):
    from xinzhi.tracks import figures
    from xinzhi.tracks.taxonomy import load_catalogue

    classify(city, actor="analyst", kinds=("enterprise",))
    catalogue = load_catalogue()
    with city.connect() as conn:
        page = figures.track_page(conn, catalogue, "humanoid-robot", sa.true())
        matrix = {r["track"]: r for r in figures.matrix(conn, catalogue, sa.true())}
    assert page["figures"]["firms"] == 1 == matrix["humanoid-robot"]["firms"]
    assert [f["name"] for f in page["firms"]] == ["沈阳甲人形机器人有限公司"]
    assert page["firms"][0]["revenue"] is None  # no accounts imported: unknown, not zero
