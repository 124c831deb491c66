"""The matching area's queries, each scoped to what the principal may see (by the rules of
``web.scoping``, in the query itself, never in a template):

* research results — every signed-in role sees the published list, except a researcher, who
  sees and edits only the results that name their own expert record;
* technical demands — by their enterprise (``scope_by_enterprise``): the city's staff all,
  a district analyst its district's firms, an enterprise user its own, a researcher none;
* matches — a result's matched demands are shown to whoever may see the result, but the
  enterprise behind a demand is named only where the principal may see that enterprise;
* the board — published challenges for everyone; drafts, applications, scores and the
  history for the city's staff; a researcher also sees and makes their own applications.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..store import models
from ..store.db import session_scope
from ..store.models.matching import (
    Challenge,
    Expert,
    ResearchResult,
    ResultExpert,
    TechnicalDemand,
)
from ..web.auth import RESEARCHER, NotFound, Principal
from ..web.scoping import enterprise_condition, scope_by_enterprise
from . import challenges as board
from .fields import Field
from .matcher import Matcher

LIST_LIMIT = 200


TOP = 10


def own_results(principal: Principal):
    return sa.select(ResultExpert.result_id).where(ResultExpert.expert_id == principal.expert_id)


def scope_results(stmt, principal: Principal):
    """A researcher sees their own results only; every other role the published list."""
    if principal.role != RESEARCHER:
        return stmt
    if principal.expert_id is None:
        return stmt.where(sa.false())
    return stmt.where(ResearchResult.id.in_(own_results(principal)))


def scope_demands(stmt, principal: Principal):
    return scope_by_enterprise(stmt, principal, TechnicalDemand.enterprise_id)


def visible_enterprises(conn, principal: Principal, ids) -> dict[int, str]:
    """Names of the enterprises among ``ids`` that the principal may see."""
    E = models.Enterprise
    rows = conn.execute(
        sa.select(E.id, E.name).where(E.id.in_(list(ids)), enterprise_condition(principal))
    )
    return dict(rows.all())


def field_label(value: str | None) -> dict:
    field = Field(value) if value else None
    return {"zh": field.zh, "en": field.en} if field else None


def _result_row(row, experts: list[str]) -> dict:
    return {
        "id": row.id,
        "code": row.code,
        "title": row.title,
        "abstract": row.abstract,
        "field": row.field,
        "field_label": field_label(row.field),
        "trl": row.trl,
        "institution": row.institution,
        "experts": experts,
        "as_of": row.as_of,
        "source": row.source,
    }


def _experts_of(conn, result_ids) -> dict[int, list[str]]:
    rows = conn.execute(
        sa.select(ResultExpert.result_id, Expert.name)
        .join(Expert, Expert.id == ResultExpert.expert_id)
        .where(ResultExpert.result_id.in_(list(result_ids)))
        .order_by(ResultExpert.result_id, ResultExpert.position)
    ).all()
    found: dict[int, list[str]] = {}
    for result_id, name in rows:
        found.setdefault(result_id, []).append(name)
    return found


def list_results(engine, principal: Principal, q: str | None = None) -> tuple[list[dict], int]:
    R = ResearchResult
    stmt = scope_results(sa.select(R), principal)
    if q:
        stmt = stmt.where(
            sa.or_(
                R.title.contains(q, autoescape=True),  # % and _ in q are literal
                R.code.contains(q.upper(), autoescape=True),
                R.institution.contains(q, autoescape=True),
            )
        )
    with Session(engine) as session:
        total = session.scalar(sa.select(sa.func.count()).select_from(stmt.subquery()))
        rows = session.scalars(stmt.order_by(R.id).limit(LIST_LIMIT)).all()
        experts = _experts_of(session, [r.id for r in rows])
        return [_result_row(r, experts.get(r.id, [])) for r in rows], total


def _demand_row(row, enterprise: str | None) -> dict:
    return {
        "id": row.id,
        "code": row.code,
        "title": row.title,
        "description": row.description,
        "field": row.field,
        "field_label": field_label(row.field),
        "min_trl": row.min_trl,
        "budget": row.budget,
        "deadline": row.deadline,
        "enterprise": enterprise,
        "as_of": row.as_of,
        "source": row.source,
    }


def list_demands(engine, principal: Principal, q: str | None = None) -> tuple[list[dict], int]:
    T = TechnicalDemand
    stmt = scope_demands(
        sa.select(T, models.Enterprise.name.label("enterprise_name")).join(
            models.Enterprise, models.Enterprise.id == T.enterprise_id
        ),
        principal,
    )
    if q:
        stmt = stmt.where(
            sa.or_(
                T.title.contains(q, autoescape=True),  # % and _ in q are literal
                T.code.contains(q.upper(), autoescape=True),
                models.Enterprise.name.contains(q, autoescape=True),
            )
        )
    with Session(engine) as session:
        total = session.scalar(sa.select(sa.func.count()).select_from(stmt.subquery()))
        rows = session.execute(stmt.order_by(T.id).limit(LIST_LIMIT)).all()
        return [_demand_row(r.TechnicalDemand, r.enterprise_name) for r in rows], total


def get_result(engine, principal: Principal, result_id: int) -> dict:
    with Session(engine) as session:
        result = session.scalar(
            scope_results(sa.select(ResearchResult), principal).where(
                ResearchResult.id == result_id
            )
        )
        if result is None:
            raise NotFound("未找到该成果", "no such research result")
        return _result_row(result, _experts_of(session, [result_id]).get(result_id, []))


def get_demand(engine, principal: Principal, demand_id: int) -> dict:
    T = TechnicalDemand
    with Session(engine) as session:
        row = session.execute(
            scope_demands(
                sa.select(T, models.Enterprise.name.label("enterprise_name"))
                .join(models.Enterprise, models.Enterprise.id == T.enterprise_id)
                .where(T.id == demand_id),
                principal,
            )
        ).first()
        if row is None:
            raise NotFound("未找到该技术需求", "no such technical demand")
        return _demand_row(row.TechnicalDemand, row.enterprise_name)


def _reasons(match) -> list[dict]:
    return [{"code": r.code, "zh": r.zh, "en": r.en, "points": r.points} for r in match.reasons]


def matches_for_demand(
    engine, matcher: Matcher, principal: Principal, demand_id: int
) -> list[dict]:
    get_demand(engine, principal, demand_id)  # 404 outside the scope
    _, matches = matcher.for_demand(demand_id, TOP)
    R = ResearchResult
    with engine.connect() as conn:
        info = {
            r.id: r
            for r in conn.execute(
                sa.select(R.id, R.code, R.title, R.institution, R.trl).where(
                    R.id.in_([m.id for m in matches])
                )
            )
        }
    return [
        {
            "id": m.id,
            "code": info[m.id].code,
            "title": info[m.id].title,
            "owner": info[m.id].institution,
            "trl": info[m.id].trl,
            "score": m.score,
            "reasons": _reasons(m),
            "href": f"/matching/results/{m.id}",
        }
        for m in matches
    ]


def matches_for_result(
    engine, matcher: Matcher, principal: Principal, result_id: int
) -> list[dict]:
    get_result(engine, principal, result_id)  # 404 outside the scope
    _, matches = matcher.for_result(result_id, TOP)
    T = TechnicalDemand
    with engine.connect() as conn:
        info = {
            r.id: r
            for r in conn.execute(
                sa.select(T.id, T.code, T.title, T.enterprise_id).where(
                    T.id.in_([m.id for m in matches])
                )
            )
        }
        names = visible_enterprises(conn, principal, {r.enterprise_id for r in info.values()})
    found = []
    for m in matches:
        row = info[m.id]
        visible = row.enterprise_id in names
        found.append(
            {
                "id": m.id,
                "code": row.code,
                "title": row.title,
                "owner": names.get(row.enterprise_id),
                "score": m.score,
                "reasons": _reasons(m),
                "href": f"/matching/demands/{m.id}" if visible else None,
            }
        )
    return found


def _challenge_scope(stmt, principal: Principal):
    if principal.sees_whole_city:
        return stmt
    return stmt.where(Challenge.state != board.DRAFT.value)


def list_challenges(engine, principal: Principal) -> list[dict]:
    with session_scope(engine) as session:
        rows = session.scalars(
            _challenge_scope(sa.select(Challenge), principal).order_by(Challenge.id.desc())
        ).all()
        return [_challenge_summary(c) for c in rows]


def _challenge_summary(c: Challenge) -> dict:
    state = board.STATES[c.state]
    return {
        "id": c.id,
        "title": c.title,
        "bounty": c.bounty,
        "deadline": c.deadline,
        "state": c.state,
        "state_zh": state.zh,
        "origin": c.origin,
        "field": c.field,
        "field_label": field_label(c.field),
        "applications": len(c.applications),
        "recommended_mode": c.recommended_mode,
    }


def get_challenge(engine, principal: Principal, challenge_id: int) -> dict:
    with session_scope(engine) as session:
        c = session.scalar(
            _challenge_scope(sa.select(Challenge), principal).where(Challenge.id == challenge_id)
        )
        if c is None:
            raise NotFound("未找到该榜单", "no such challenge")
        detail = _challenge_summary(c) | {
            "description": c.description,
            "requirements": c.requirements,
            "outcome_note": c.outcome_note,
            "chain_key": c.chain_key,
            "node_key": c.node_key,
            "created_at": c.created_at,
            "enterprise": None,
            "applications_list": [],
            "history": [],
            "own_results": [],
        }
        if c.enterprise_id is not None:
            names = visible_enterprises(session.connection(), principal, [c.enterprise_id])
            detail["enterprise"] = names.get(c.enterprise_id)
        for application, mean in board.ranking(c):
            mine = principal.role == RESEARCHER and application.expert_id == principal.expert_id
            if principal.sees_whole_city or (mine and principal.expert_id is not None):
                detail["applications_list"].append(
                    {
                        "id": application.id,
                        "applicant": application.applicant,
                        "proposal": application.proposal,
                        "status": application.status,
                        "mean": mean,
                        "submitted_at": application.submitted_at,
                        "reviews": [
                            {"reviewer": r.reviewer, "score": r.score, "comment": r.comment}
                            for r in application.reviews
                        ]
                        if principal.sees_whole_city
                        else [],
                    }
                )
        if principal.sees_whole_city:
            detail["history"] = [
                {"at": e.at, "actor": e.actor, "action": e.action, "detail": e.detail}
                for e in board.history(session, c.id)
            ]
        if principal.role == RESEARCHER and principal.expert_id is not None:
            detail["own_results"] = [
                {"id": r.id, "code": r.code, "title": r.title}
                for r in session.execute(
                    sa.select(ResearchResult).where(ResearchResult.id.in_(own_results(principal)))
                ).scalars()
            ]
        return detail
