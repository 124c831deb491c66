"""Pages and API of the matching area: the two lists, matches with reasons, the 揭榜挂帅 board.

Who sees what (scoped in the queries below, never in templates):

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

import datetime as dt
import threading
from decimal import Decimal
from typing import Annotated

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from ...domain.errors import InvalidValue
from ...domain.values import parse_date, parse_money
from ...matching import challenges as board
from ...matching.fields import Field
from ...matching.kinds import parse_trl
from ...matching.matcher import Matcher
from ...store import models
from ...store.db import session_scope
from ...store.models.matching import (
    Challenge,
    ChallengeApplication,
    Expert,
    ResearchResult,
    ResultExpert,
    TechnicalDemand,
)
from ..auth import RESEARCHER, AnyUser, CityStaff, EngineDep, NotFound, Principal, allow
from ..scoping import (
    enterprise_condition,
    scope_by_enterprise,
    visible_enterprise_or_404,
)
from ..templating import register_profile_panel, render

router = APIRouter()
register_profile_panel(
    "matching",
    "技术需求与匹配成果",
    "Technical demands and matching results",
    "/matching/enterprise/{enterprise_id}/panel",
)

Researcher = Annotated[Principal, Depends(allow(RESEARCHER))]
LIST_LIMIT = 200
TOP = 10
_MATCHER_LOCK = threading.Lock()


def _matcher(request: Request) -> Matcher:
    """One matcher per app: it keeps the loaded indexes and rebuilds them when data change."""
    state = request.app.state
    with _MATCHER_LOCK:
        if getattr(state, "matcher", None) is None:
            state.matcher = Matcher(state.engine)
        return state.matcher


# --- scopes ---------------------------------------------------------------------------------


def _own_results(principal: Principal):
    return sa.select(ResultExpert.result_id).where(ResultExpert.expert_id == principal.expert_id)


def scope_results(stmt, principal: Principal):
    """A researcher sees their own results only; every other role the published list."""
    if principal.role != RESEARCHER:
        return stmt
    if principal.expert_id is None:
        return stmt.where(sa.false())
    return stmt.where(ResearchResult.id.in_(_own_results(principal)))


def scope_demands(stmt, principal: Principal):
    return scope_by_enterprise(stmt, principal, TechnicalDemand.enterprise_id)


def _visible_enterprises(conn, principal: Principal, ids) -> dict[int, str]:
    """Names of the enterprises among ``ids`` that the principal may see."""
    E = models.Enterprise
    rows = conn.execute(
        sa.select(E.id, E.name).where(E.id.in_(list(ids)), enterprise_condition(principal))
    )
    return dict(rows.all())


# --- records --------------------------------------------------------------------------------


def _field(value: str | None) -> dict:
    field = Field(value) if value else None
    return {"zh": field.zh, "en": field.en} if field else None


def _result_row(row, experts: list[str]) -> dict:
    return {
        "id": row.id,
        "code": row.code,
        "title": row.title,
        "abstract": row.abstract,
        "field": row.field,
        "field_label": _field(row.field),
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
            sa.or_(R.title.contains(q), R.code.contains(q.upper()), R.institution.contains(q))
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
        "field_label": _field(row.field),
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
                T.title.contains(q), T.code.contains(q.upper()), models.Enterprise.name.contains(q)
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


def matches_for_demand(request: Request, principal: Principal, demand_id: int) -> list[dict]:
    get_demand(request.app.state.engine, principal, demand_id)  # 404 outside the scope
    _, matches = _matcher(request).for_demand(demand_id, TOP)
    R = ResearchResult
    with request.app.state.engine.connect() as conn:
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


def matches_for_result(request: Request, principal: Principal, result_id: int) -> list[dict]:
    get_result(request.app.state.engine, principal, result_id)  # 404 outside the scope
    _, matches = _matcher(request).for_result(result_id, TOP)
    T = TechnicalDemand
    with request.app.state.engine.connect() as conn:
        info = {
            r.id: r
            for r in conn.execute(
                sa.select(T.id, T.code, T.title, T.enterprise_id).where(
                    T.id.in_([m.id for m in matches])
                )
            )
        }
        names = _visible_enterprises(conn, principal, {r.enterprise_id for r in info.values()})
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


# --- the board ------------------------------------------------------------------------------


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
        "field_label": _field(c.field),
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
            names = _visible_enterprises(session.connection(), principal, [c.enterprise_id])
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
                    sa.select(ResearchResult).where(ResearchResult.id.in_(_own_results(principal)))
                ).scalars()
            ]
        return detail


def _board_error(request: Request, principal: Principal, challenge_id: int, error):
    detail = get_challenge(request.app.state.engine, principal, challenge_id)
    return render(
        request,
        "matching/challenge.html",
        {
            "c": detail,
            "error": {"zh": error.zh, "en": error.en},
            "actions": _actions(principal, detail),
        },
        status_code=409,
    )


def _actions(principal: Principal, detail: dict) -> list[str]:
    """The lifecycle steps offered on the page: only the next legal ones, to those allowed."""
    if not principal.sees_whole_city:
        return []
    return [
        action for action, (before, _) in board.LIFECYCLE.items() if before.value == detail["state"]
    ]


# --- pages ----------------------------------------------------------------------------------


@router.get("/matching")
def matching_home(request: Request, principal: AnyUser, engine: EngineDep):
    _, result_count = list_results(engine, principal)
    _, demand_count = list_demands(engine, principal)
    return render(
        request,
        "matching/index.html",
        {
            "result_count": result_count,
            "demand_count": demand_count,
            "challenges": list_challenges(engine, principal)[:5],
        },
    )


@router.get("/matching/results")
def results_page(request: Request, principal: AnyUser, engine: EngineDep, q: str | None = None):
    rows, total = list_results(engine, principal, q)
    return render(
        request,
        "matching/results.html",
        {"rows": rows, "total": total, "q": q or "", "limit": LIST_LIMIT},
    )


@router.get("/matching/results/{result_id}")
def result_page(request: Request, principal: AnyUser, result_id: int):
    engine = request.app.state.engine
    return render(
        request,
        "matching/result.html",
        {
            "r": get_result(engine, principal, result_id),
            "matches": matches_for_result(request, principal, result_id),
            "editable": principal.role == RESEARCHER,
        },
    )


@router.post("/matching/results/{result_id}")
def edit_result(
    request: Request,
    principal: Researcher,
    engine: EngineDep,
    result_id: int,
    title: Annotated[str, Form()],
    abstract: Annotated[str, Form()],
    trl: Annotated[str, Form()],
):
    """A researcher corrects their own result; the change and its author go to the audit log."""
    get_result(engine, principal, result_id)  # 404 unless it is theirs
    try:
        level = parse_trl(trl)
        if not title.strip() or not abstract.strip():
            raise InvalidValue("required", "名称和简介不能为空", "title and abstract are required")
    except InvalidValue as error:
        return render(
            request,
            "matching/result.html",
            {
                "r": get_result(engine, principal, result_id),
                "matches": [],
                "editable": True,
                "error": {"zh": error.zh, "en": error.en},
            },
            status_code=422,
        )
    with session_scope(engine) as session:
        result = session.get(ResearchResult, result_id)
        before = {"title": result.title, "trl": result.trl}
        result.title, result.abstract, result.trl = title.strip()[:200], abstract.strip(), level
        result.source, result.source_row = principal.audit_name, None
        result.imported_at, result.as_of = models.utcnow(), dt.date.today()
        session.add(
            models.AuditEntry(
                actor=principal.audit_name,
                action="result.edit",
                subject=f"research_result:{result_id}",
                detail={"before": before, "after": {"title": result.title, "trl": level}},
            )
        )
    return RedirectResponse(f"/matching/results/{result_id}", status_code=303)


@router.get("/matching/demands")
def demands_page(request: Request, principal: AnyUser, engine: EngineDep, q: str | None = None):
    rows, total = list_demands(engine, principal, q)
    return render(
        request,
        "matching/demands.html",
        {"rows": rows, "total": total, "q": q or "", "limit": LIST_LIMIT},
    )


@router.get("/matching/demands/{demand_id}")
def demand_page(request: Request, principal: AnyUser, demand_id: int):
    engine = request.app.state.engine
    return render(
        request,
        "matching/demand.html",
        {
            "d": get_demand(engine, principal, demand_id),
            "matches": matches_for_demand(request, principal, demand_id),
        },
    )


@router.get("/matching/challenges")
def challenges_page(request: Request, principal: AnyUser, engine: EngineDep):
    return render(
        request,
        "matching/challenges.html",
        {
            "rows": list_challenges(engine, principal),
            "fields": list(Field),
            "can_create": principal.sees_whole_city,
        },
    )


@router.post("/matching/challenges")
def create_challenge(
    request: Request,
    principal: CityStaff,
    engine: EngineDep,
    title: Annotated[str, Form()],
    description: Annotated[str, Form()],
    requirements: Annotated[str, Form()],
    bounty: Annotated[str, Form()],
    deadline: Annotated[str, Form()],
    field: Annotated[str, Form()] = "",
):
    try:
        with session_scope(engine) as session:
            made = board.create(
                session,
                title=title,
                description=description,
                requirements=requirements,
                bounty=parse_money(bounty),
                deadline=parse_date(deadline, allow_future=True),
                actor=principal.audit_name,
                field=Field.parse(field).value if field else None,
            )
            challenge_id = made.id
    except (board.ChallengeError, InvalidValue) as error:
        return render(
            request,
            "matching/challenges.html",
            {
                "rows": list_challenges(engine, principal),
                "fields": list(Field),
                "can_create": True,
                "error": {"zh": error.zh, "en": error.en},
            },
            status_code=422,
        )
    return RedirectResponse(f"/matching/challenges/{challenge_id}", status_code=303)


@router.get("/matching/challenges/{challenge_id}")
def challenge_page(request: Request, principal: AnyUser, engine: EngineDep, challenge_id: int):
    detail = get_challenge(engine, principal, challenge_id)
    return render(
        request, "matching/challenge.html", {"c": detail, "actions": _actions(principal, detail)}
    )


STEPS = {
    "publish": board.publish,
    "close": board.close,
    "start_review": board.start_review,
    "fail": board.fail,
}


@router.post("/matching/challenges/{challenge_id}/step")
def challenge_step(
    request: Request,
    principal: CityStaff,
    engine: EngineDep,
    challenge_id: int,
    action: Annotated[str, Form()],
    reason: Annotated[str, Form()] = "",
    application_id: Annotated[int | None, Form()] = None,
):
    """One lifecycle step; an illegal one is refused with the board's bilingual reason."""
    get_challenge(engine, principal, challenge_id)
    try:
        with session_scope(engine) as session:
            if action == "award":
                board.award(
                    session,
                    challenge_id,
                    application_id or 0,
                    actor=principal.audit_name,
                    reason=reason or None,
                )
            elif action in STEPS:
                kwargs = {"reason": reason or None} if action in ("close", "fail") else {}
                STEPS[action](session, challenge_id, actor=principal.audit_name, **kwargs)
            else:
                raise board.ChallengeError(
                    "unknown_action", f"未知操作“{action}”", f"unknown step '{action}'"
                )
    except board.ChallengeError as error:
        return _board_error(request, principal, challenge_id, error)
    return RedirectResponse(f"/matching/challenges/{challenge_id}", status_code=303)


@router.post("/matching/challenges/{challenge_id}/apply")
def challenge_apply(
    request: Request,
    principal: Researcher,
    engine: EngineDep,
    challenge_id: int,
    applicant: Annotated[str, Form()],
    proposal: Annotated[str, Form()],
    result_id: Annotated[int | None, Form()] = None,
):
    get_challenge(engine, principal, challenge_id)
    if result_id is not None:
        get_result(engine, principal, result_id)  # only their own result
    try:
        with session_scope(engine) as session:
            board.apply(
                session,
                challenge_id,
                applicant=applicant,
                proposal=proposal,
                actor=principal.audit_name,
                expert_id=principal.expert_id,
                result_id=result_id,
            )
    except board.ChallengeError as error:
        return _board_error(request, principal, challenge_id, error)
    return RedirectResponse(f"/matching/challenges/{challenge_id}", status_code=303)


@router.post("/matching/applications/{application_id}/score")
def application_score(
    request: Request,
    principal: CityStaff,
    engine: EngineDep,
    application_id: int,
    reviewer: Annotated[str, Form()],
    score: Annotated[int, Form()],
    comment: Annotated[str, Form()] = "",
):
    with engine.connect() as conn:
        challenge_id = conn.scalar(
            sa.select(ChallengeApplication.challenge_id).where(
                ChallengeApplication.id == application_id
            )
        )
    if challenge_id is None:
        raise NotFound("未找到该申请", "no such application")
    try:
        with session_scope(engine) as session:
            board.score(
                session,
                application_id,
                reviewer=reviewer,
                points=score,
                comment=comment or None,
                actor=principal.audit_name,
            )
    except board.ChallengeError as error:
        return _board_error(request, principal, challenge_id, error)
    return RedirectResponse(f"/matching/challenges/{challenge_id}", status_code=303)


@router.get("/matching/enterprise/{enterprise_id}/panel")
def enterprise_panel(request: Request, principal: AnyUser, engine: EngineDep, enterprise_id: int):
    """The enterprise profile's section: its demands, each with its three best results."""
    with engine.connect() as conn:
        visible_enterprise_or_404(conn, principal, enterprise_id)
        ids = conn.scalars(
            sa.select(TechnicalDemand.id)
            .where(TechnicalDemand.enterprise_id == enterprise_id)
            .order_by(TechnicalDemand.id)
        ).all()
    demands = [
        {
            "d": get_demand(engine, principal, i),
            "matches": matches_for_demand(request, principal, i)[:3],
        }
        for i in ids
    ]
    return render(request, "matching/panel.html", {"demands": demands})


# --- JSON -----------------------------------------------------------------------------------


def _jsonable(row: dict) -> dict:
    return {k: (str(v) if isinstance(v, Decimal | dt.date) else v) for k, v in row.items()}


@router.get("/api/matching/results")
def results_api(principal: AnyUser, engine: EngineDep, q: str | None = None) -> dict:
    rows, total = list_results(engine, principal, q)
    return {"total": total, "limit": LIST_LIMIT, "results": [_jsonable(r) for r in rows]}


@router.get("/api/matching/results/{result_id}")
def result_api(principal: AnyUser, engine: EngineDep, result_id: int) -> dict:
    return _jsonable(get_result(engine, principal, result_id))


@router.get("/api/matching/results/{result_id}/matches")
def result_matches_api(request: Request, principal: AnyUser, result_id: int) -> dict:
    return {"result_id": result_id, "matches": matches_for_result(request, principal, result_id)}


@router.get("/api/matching/demands")
def demands_api(principal: AnyUser, engine: EngineDep, q: str | None = None) -> dict:
    rows, total = list_demands(engine, principal, q)
    return {"total": total, "limit": LIST_LIMIT, "demands": [_jsonable(r) for r in rows]}


@router.get("/api/matching/demands/{demand_id}")
def demand_api(principal: AnyUser, engine: EngineDep, demand_id: int) -> dict:
    return _jsonable(get_demand(engine, principal, demand_id))


@router.get("/api/matching/demands/{demand_id}/matches")
def demand_matches_api(request: Request, principal: AnyUser, demand_id: int) -> dict:
    return {"demand_id": demand_id, "matches": matches_for_demand(request, principal, demand_id)}


@router.get("/api/matching/challenges")
def challenges_api(principal: AnyUser, engine: EngineDep) -> dict:
    return {"challenges": [_jsonable(c) for c in list_challenges(engine, principal)]}


@router.get("/api/matching/challenges/{challenge_id}")
def challenge_api(principal: AnyUser, engine: EngineDep, challenge_id: int) -> dict:
    detail = get_challenge(engine, principal, challenge_id)
    detail["applications_list"] = [_jsonable(a) for a in detail["applications_list"]]
    detail["history"] = [_jsonable(h) for h in detail["history"]]
    return _jsonable(detail)
