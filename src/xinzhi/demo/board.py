"""The demo's 揭榜挂帅 board: six challenges, one in each state of the lifecycle.

Each is taken through ``xinzhi.matching.challenges`` step by step — publish, apply, close,
review, score, award or fail — so the board, the audit log and the history a page shows are
what real use leaves behind. Dates are fixed (the demo city describes 2023), except that the
open challenge accepts applications until ``OPEN_UNTIL`` so that a visitor can still apply.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import sqlalchemy as sa
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from ..matching import challenges as board
from ..matching.chainlink import technology_items
from ..matching.fields import Field
from ..store.db import session_scope
from ..store.models.chains import Chain, ChainNode
from ..store.models.matching import (
    Expert,
    ResearchResult,
    ResultExpert,
    TechnicalDemand,
)

PUBLISHED_ON = dt.date(2023, 9, 15)
APPLIED_ON = dt.date(2023, 10, 20)
DEADLINE = dt.date(2023, 11, 30)  # of the challenges already past their deadline
CLOSED_ON = dt.date(2023, 12, 1)
OPEN_UNTIL = dt.date(2027, 12, 31)
REVIEWERS = 3


@dataclass(frozen=True)
class Plan:
    """One challenge: where it comes from (a chain's technology list or a demand of a chain),
    the state it is left in and how many applications it receives."""

    chain: str
    origin: str  # "technology_list" or "demand"
    state: str
    applications: int


PLANS = (
    Plan("robot", "technology_list", board.PUBLISHED.value, 2),
    Plan("ic", "technology_list", board.AWARDED.value, 3),
    Plan("aviation", "demand", board.UNDER_REVIEW.value, 2),
    Plan("transmission", "technology_list", board.CLOSED.value, 2),
    Plan("medical", "demand", board.FAILED.value, 0),
    Plan("heavy_machinery", "technology_list", board.DRAFT.value, 0),
)
_PROPOSALS = (
    "组建产学研联合团队，18个月内完成样机研制并在揭榜企业现场验证。",
    "以已有成果为基础开展工程化开发，12个月内完成中试，24个月内实现批量应用。",
    "联合上下游企业攻关，分三个阶段完成关键技术突破、样机验证和示范应用。",
)


def stage_board(engine: Engine, rng: np.random.Generator, *, actor: str) -> dict[str, int]:
    """Create and advance the planned challenges; challenges by state."""
    states: dict[str, int] = {}
    for plan in PLANS:
        with session_scope(engine) as session:
            challenge = _create(session, rng, plan, actor)
            if challenge is None:
                continue
            _advance(session, rng, challenge, plan, actor)
            states[challenge.state] = states.get(challenge.state, 0) + 1
    return states


def _create(session: Session, rng: np.random.Generator, plan: Plan, actor: str):
    open_ = plan.state == board.PUBLISHED.value
    deadline = OPEN_UNTIL if open_ or plan.state == board.DRAFT.value else DEADLINE
    if plan.origin == "demand":
        demand = _demand(session, plan.chain)
        if demand is None:
            return None
        bounty = max(Decimal(2_000_000), 2 * (demand.budget or 0))
        return board.create_from_demand(
            session,
            demand.id,
            bounty=bounty,
            deadline=deadline,
            actor=actor,
            # the text never names the firm: who may see it is decided when the board is read
            requirements=f"{demand.title}：关键指标达到进口产品水平，并在需求企业现场完成验证。",
        )
    items = technology_items(session.get_bind(), plan.chain)
    item = next((i for i in items if i.mode == "揭榜挂帅"), items[0] if items else None)
    if item is None:
        return None
    bounty = Decimal(int(rng.integers(5, 31)) * 1_000_000)
    return board.create_from_technology_list(
        session,
        chain_key=plan.chain,
        node_key=item.node_key,
        technology=item.technology_name,
        bounty=bounty,
        deadline=deadline,
        actor=actor,
        requirements=f"{item.technology_name}达到国际先进水平，三年内完成工程化验证并在本地企业应用。",
    )


def _demand(session: Session, chain: str) -> TechnicalDemand | None:
    """The demand of the chain with the largest budget (any demand when the chain has none)."""
    d = TechnicalDemand
    query = (
        sa.select(d)
        .outerjoin(ChainNode, ChainNode.id == d.chain_node_id)
        .outerjoin(Chain, Chain.id == ChainNode.chain_id)
        .order_by(sa.func.coalesce(Chain.key, "") != chain, d.budget.desc().nulls_last(), d.id)
        .limit(1)
    )
    return session.scalar(query)


def _advance(session: Session, rng: np.random.Generator, challenge, plan: Plan, actor: str) -> None:
    if plan.state == board.DRAFT.value:
        return
    board.publish(session, challenge.id, actor=actor, on=PUBLISHED_ON)
    chain_name = session.scalar(sa.select(Chain.name).where(Chain.key == plan.chain))
    field = challenge.field or Field.parse(chain_name).value
    teams = _teams(session, challenge, field, plan.applications)
    for (expert_id, result_id, applicant), proposal in zip(teams, rng.permutation(_PROPOSALS)):
        board.apply(
            session,
            challenge.id,
            applicant=applicant,
            proposal=str(proposal),
            actor=actor,
            expert_id=expert_id,
            result_id=result_id,
            on=APPLIED_ON,
        )
    if plan.state == board.PUBLISHED.value:
        return
    board.close(session, challenge.id, actor=actor, on=CLOSED_ON)
    if plan.state == board.CLOSED.value:
        return
    board.start_review(session, challenge.id, actor=actor)
    if plan.state == board.FAILED.value:
        board.fail(
            session, challenge.id, actor=actor, reason="截止日前无团队揭榜，建议转为联合攻关"
        )
        return
    reviewers = _reviewers(session, {expert for expert, _, _ in teams})
    applications = list(challenge.applications)
    for k, application in enumerate(applications):
        # Under review: the last application still waits for its scores.
        if plan.state == board.UNDER_REVIEW.value and k == len(applications) - 1:
            break
        for reviewer in reviewers:
            board.score(
                session,
                application.id,
                reviewer=reviewer,
                actor=actor,
                points=int(rng.integers(62, 96)),
            )
    if plan.state == board.AWARDED.value:
        best = board.ranking(challenge)[0][0]
        board.award(session, challenge.id, best.id, actor=actor)


def _teams(session: Session, challenge, field: str, count: int) -> list[tuple[int, int, str]]:
    """(expert, result, applicant) of the results closest to the challenge: the same chain
    node first, then the same field, most mature first; one team per lead expert."""
    r = ResearchResult
    node = challenge.chain_node_id or 0
    rows = session.execute(
        sa.select(r.id, ResultExpert.expert_id, Expert.name, Expert.institution)
        .join(ResultExpert, (ResultExpert.result_id == r.id) & (ResultExpert.position == 0))
        .join(Expert, Expert.id == ResultExpert.expert_id)
        .order_by(
            sa.func.coalesce(r.chain_node_id, 0) != node, r.field != field, r.trl.desc(), r.id
        )
    ).all()
    teams, leads = [], set()
    for result_id, expert_id, name, institution in rows:
        if expert_id not in leads and len(teams) < count:
            leads.add(expert_id)
            teams.append((expert_id, result_id, f"{institution}{name}团队"))
    return teams


def _reviewers(session: Session, applicants: set[int]) -> list[str]:
    names = session.scalars(
        sa.select(Expert.name)
        .where(Expert.id.not_in(applicants or {0}))
        .order_by(Expert.id)
        .limit(REVIEWERS)
    ).all()
    return [f"{name}（评审专家）" for name in names]
