"""The demo city's future industries: business scopes and products, IPC classes, a
classification run, a few confirmations, and application scenarios in every state.

Synthetic and deterministic (seeded). Most firms get a plain business scope from their
industry; about one in twelve firms whose industry fits a track gets products and a scope in
that track's words, and their patents the track's IPC class. The firms of the
``sy-robot-magnet`` cluster (data/clusters.yaml) are chosen largest first until their
revenue is about 93 % of the cluster's 100 亿 target, so the demo shows a cluster near its
target. A few firms are hard negatives on purpose (a robot-cleaning service, a chip-equipment
maker). Everything then goes through the tracks area's own services.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
import sqlalchemy as sa
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from ..store import models
from ..tracks.taxonomy import load_catalogue

SHARE = 1 / 12
CLUSTER_TRACKS = ("humanoid-robot", "magnetic-tech")
CLUSTER_TARGET = Decimal(10_000_000_000)
CLUSTER_SHARE = Decimal("0.93")
GENERIC_SCOPE = "{industry}相关产品的研发、生产、销售；技术开发、技术咨询、技术服务；货物进出口"
NEGATIVES = (
    ("机器人清洁服务；保洁服务；清洁机器人租赁", "商用清洁机器人租赁服务"),
    ("半导体专用设备研发、制造；涂胶显影设备；湿法清洗设备", "涂胶显影机；单片湿法清洗设备"),
    ("量子点膜、光学膜材料研发生产", "量子点膜"),
)


def _track_words(track, rng: np.random.Generator) -> tuple[str, str]:
    pool = [*track.synonyms, *track.strong] or [track.name]
    picks = rng.choice(pool, size=min(2, len(pool)), replace=False)
    products = "；".join(str(p) for p in picks)
    scope = (
        f"{track.name}及{picks[0]}的研发、制造、销售；{GENERIC_SCOPE.format(industry=track.name)}"
    )
    return products, scope


def build_demo_tracks(engine: Engine, *, seed: int, actor: str) -> str:
    rng = np.random.default_rng([seed, 14])
    catalogue = load_catalogue(dt.date(2024, 12, 31))
    tracks = catalogue.classified
    e, y = models.Enterprise, models.EnterpriseYear
    with engine.connect() as conn:
        year = conn.scalar(sa.select(sa.func.max(y.year)))
        firms = conn.execute(
            sa.select(e.id, e.industry_code, e.sei_category, y.revenue)
            .outerjoin(y, sa.and_(y.enterprise_id == e.id, y.year == year))
            .order_by(e.id)
        ).all()
    by_code: dict[str, list] = {}
    for t in tracks:
        for code in t.industry_codes:
            by_code.setdefault(code, []).append(t)
    updates: dict[int, dict] = {}
    chosen: dict[int, str] = {}
    # the cluster near its target: robot and magnet firms, largest first
    cluster_total = Decimal(0)
    goal = CLUSTER_TARGET * CLUSTER_SHARE
    fitting = [f for f in firms if f.industry_code in ("C3491", "C3964", "C3985") and f.revenue]
    for f in sorted(fitting, key=lambda f: -f.revenue):
        if cluster_total + Decimal(f.revenue) > goal:
            continue
        track = catalogue.tracks[CLUSTER_TRACKS[1 if len(chosen) % 3 == 2 else 0]]  # 2:1
        chosen[f.id] = track.id
        cluster_total += Decimal(f.revenue)
    for f in firms:
        if f.id in chosen:
            continue
        candidates = by_code.get(f.industry_code or "", [])
        if candidates and rng.random() < SHARE * 3:
            chosen[f.id] = candidates[int(rng.integers(len(candidates)))].id
        elif rng.random() < SHARE / 4:  # firms outside the tracks' industries, a few
            chosen[f.id] = tracks[int(rng.integers(len(tracks)))].id
    for f in firms:
        if f.id in chosen:
            products, scope = _track_words(catalogue.tracks[chosen[f.id]], rng)
        elif rng.random() < 0.01:
            scope, products = NEGATIVES[int(rng.integers(len(NEGATIVES)))]
        elif rng.random() < 0.15:
            continue  # scope unknown: not in the registry extract
        else:
            scope, products = GENERIC_SCOPE.format(industry=f.industry_code or "本行业"), None
        updates[f.id] = {"b_id": f.id, "scope": scope, "products": products}
    with engine.begin() as conn:
        conn.execute(
            sa.update(e)
            .where(e.id == sa.bindparam("b_id"))
            .values(business_scope=sa.bindparam("scope"), main_products=sa.bindparam("products")),
            list(updates.values()),
        )
        ip = models.IPRight
        patents = conn.execute(
            sa.select(ip.id, ip.enterprise_id).where(
                ip.enterprise_id.in_(list(chosen)), ip.kind == "invention_patent"
            )
        ).all()
        ipc_rows = []
        for pid, eid in patents:
            track = catalogue.tracks[chosen[eid]]
            classes = track.ipc or track.ipc_weak
            if classes and rng.random() < 0.6:
                ipc_rows.append({"b_id": pid, "ipc": classes[int(rng.integers(len(classes)))]})
        if ipc_rows:
            conn.execute(
                sa.update(ip).where(ip.id == sa.bindparam("b_id")).values(ipc=sa.bindparam("ipc")),
                ipc_rows,
            )
    from ..tracks.service import CONFIRMED, REJECTED, classify, label

    summary = classify(engine, actor=actor, catalogue=catalogue)
    labelled = _labels(engine, actor, chosen, label, CONFIRMED, REJECTED)
    scenarios = _scenarios(engine, actor, catalogue)
    firms_in = summary.per_kind["enterprise"]["assigned_subjects"]
    return (
        f"{len(updates):,} scopes, {len(ipc_rows):,} IPC, {firms_in:,} firms in tracks, "
        f"{labelled} labels, {scenarios} scenarios"
    )


def _labels(engine: Engine, actor: str, chosen: dict[int, str], label, confirmed, rejected) -> int:
    """Three confirmations of inferred tracks and one rejection, as an analyst would."""
    ids = sorted(chosen)[:4]
    for i, eid in enumerate(ids):
        label(
            engine,
            credit_code_or_id=eid,
            track=chosen[eid],
            verdict=rejected if i == 3 else confirmed,
            actor=actor,
            reason="演示：实地走访核实" if i < 3 else "演示：产品尚未量产，暂不计入",
        )
    return len(ids)


def _scenarios(engine: Engine, actor: str, catalogue) -> int:
    from ..matching import scenarios as sc

    offered = [
        (
            "汽车总装车间人形机器人巡检与搬运",
            "华晨宝马（演示）",
            "在总装车间部署人形机器人完成零部件搬运与巡检，要求双足行走、灵巧手抓取",
            "humanoid-robot",
            3_000_000,
        ),
        (
            "城市低空物流配送试点航线",
            "沈阳市科学技术局",
            "开通浑南区至沈北新区的无人机低空物流航线，需工业级无人机与低空飞行服务",
            "low-altitude",
            5_000_000,
        ),
        (
            "变电站磁悬浮飞轮储能调频",
            "国网辽宁电力（演示）",
            "在变电站配置磁悬浮飞轮储能系统参与电网调频",
            "new-energy-storage",
            8_000_000,
        ),
        (
            "医院脑机接口康复训练",
            "中国医科大学附属医院（演示）",
            "脑卒中患者上肢康复训练，采用非侵入式脑电采集与神经调控",
            "brain-computer-interface",
            1_500_000,
        ),
        (
            "政务大模型智能问答",
            "沈阳市政务服务中心（演示）",
            "基于行业大模型的政务智能问答与办件辅助",
            "general-ai",
            2_000_000,
        ),
        (
            "氢燃料电池重卡港区运输",
            "营口港（演示）",
            "氢燃料电池重卡与加氢站在港区集疏运场景示范",
            "hydrogen",
            6_000_000,
        ),
    ]
    ids = []
    with Session(engine) as session:
        for title, owner, need, track, budget in offered:
            s = sc.publish(
                session,
                title=title,
                owner=owner,
                need=need,
                track=track,
                actor=actor,
                budget=Decimal(budget),
                deadline=dt.date(2024, 6, 30),
                catalogue=catalogue,
            )
            ids.append(s.id)
        session.commit()
    # one left published; the others matched; two piloting; one of them a showcase
    for sid in ids[1:]:
        sc.match(engine, sid, actor=actor)
    for sid in ids[2:4]:
        with Session(engine) as session:
            matches = (session.get(models.tracks.Scenario, sid).matches or {}).get("firms", [])
        if matches:
            sc.pilot(engine, sid, enterprise_id=matches[0]["id"], actor=actor)
    with Session(engine) as session:
        piloting = session.scalars(
            sa.select(models.tracks.Scenario.id).where(models.tracks.Scenario.state == "piloting")
        ).first()
    if piloting:
        sc.advance(
            engine, piloting, "showcase", actor=actor, note="演示：试点验收通过，评为标杆示范场景"
        )
    return len(ids)
