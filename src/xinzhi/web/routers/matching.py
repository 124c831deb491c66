"""Pages and API of the matching area: the two lists, matches with reasons, the 揭榜挂帅 board.
HTTP only: what each role sees is decided in the queries of ``matching.queries``."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal
from typing import Annotated

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse

from ...domain.errors import InvalidValue
from ...domain.values import parse_date, parse_money
from ...matching import challenges as board
from ...matching.fields import Field
from ...matching.kinds import parse_trl
from ...matching.matcher import Matcher
from ...matching.queries import (
    LIST_LIMIT,
    get_challenge,
    get_demand,
    get_result,
    list_challenges,
    list_demands,
    list_results,
    matches_for_demand,
    matches_for_result,
)
from ...store import models
from ...store.audit import Action, audit
from ...store.db import session_scope
from ...store.models.matching import (
    ChallengeApplication,
    ResearchResult,
    TechnicalDemand,
)
from ..auth import RESEARCHER, AnyUser, CityStaff, EngineDep, NotFound, Principal, allow
from ..scoping import (
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
_MATCHER_LOCK = threading.Lock()


def _matcher(request: Request) -> Matcher:
    """One matcher per app: it keeps the loaded indexes and rebuilds them when data change."""
    state = request.app.state
    with _MATCHER_LOCK:
        if getattr(state, "matcher", None) is None:
            state.matcher = Matcher(state.engine)
        return state.matcher


# --- scopes ---------------------------------------------------------------------------------


# --- records --------------------------------------------------------------------------------


# --- the board ------------------------------------------------------------------------------


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
            "matches": matches_for_result(
                request.app.state.engine, _matcher(request), principal, result_id
            ),
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
        audit(
            session,
            actor=principal.audit_name,
            action=Action.RESULT_EDIT,
            subject=f"research_result:{result_id}",
            detail={"before": before, "after": {"title": result.title, "trl": level}},
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
            "matches": matches_for_demand(
                request.app.state.engine, _matcher(request), principal, demand_id
            ),
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
            "matches": matches_for_demand(
                request.app.state.engine, _matcher(request), principal, i
            )[:3],
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
    return {
        "result_id": result_id,
        "matches": matches_for_result(
            request.app.state.engine, _matcher(request), principal, result_id
        ),
    }


@router.get("/api/matching/demands")
def demands_api(principal: AnyUser, engine: EngineDep, q: str | None = None) -> dict:
    rows, total = list_demands(engine, principal, q)
    return {"total": total, "limit": LIST_LIMIT, "demands": [_jsonable(r) for r in rows]}


@router.get("/api/matching/demands/{demand_id}")
def demand_api(principal: AnyUser, engine: EngineDep, demand_id: int) -> dict:
    return _jsonable(get_demand(engine, principal, demand_id))


@router.get("/api/matching/demands/{demand_id}/matches")
def demand_matches_api(request: Request, principal: AnyUser, demand_id: int) -> dict:
    return {
        "demand_id": demand_id,
        "matches": matches_for_demand(
            request.app.state.engine, _matcher(request), principal, demand_id
        ),
    }


@router.get("/api/matching/challenges")
def challenges_api(principal: AnyUser, engine: EngineDep) -> dict:
    return {"challenges": [_jsonable(c) for c in list_challenges(engine, principal)]}


@router.get("/api/matching/challenges/{challenge_id}")
def challenge_api(principal: AnyUser, engine: EngineDep, challenge_id: int) -> dict:
    detail = get_challenge(engine, principal, challenge_id)
    detail["applications_list"] = [_jsonable(a) for a in detail["applications_list"]]
    detail["history"] = [_jsonable(h) for h in detail["history"]]
    return _jsonable(detail)
