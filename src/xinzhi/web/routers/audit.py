"""The audit log: every import, run and change, newest first (administrators)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated
from urllib.parse import urlencode

import sqlalchemy as sa
from fastapi import APIRouter, Query, Request
from sqlalchemy import Engine

from ...store import models
from ..auth import AdminOnly, EngineDep
from ..templating import render

router = APIRouter()
A = models.AuditEntry


def audit_entries(
    engine: Engine, *, actor: str = "", action: str = "", before: int | None = None, size: int = 50
) -> tuple[list, int | None]:
    """A page of entries (newest first) and the id to continue before, if there are more."""
    stmt = sa.select(A.__table__).order_by(A.id.desc()).limit(size + 1)
    if actor:
        stmt = stmt.where(A.actor == actor)
    if action:
        stmt = stmt.where(A.action.startswith(action, autoescape=True))
    if before:
        stmt = stmt.where(A.id < before)
    with engine.connect() as conn:
        rows = conn.execute(stmt).all()
    more = len(rows) > size
    rows = rows[:size]
    return rows, (rows[-1].id if more and rows else None)


Actor = Annotated[str, Query(max_length=100)]
Action = Annotated[str, Query(max_length=60)]


@router.get("/audit", include_in_schema=False)
def audit_page(
    request: Request,
    principal: AdminOnly,
    engine: EngineDep,
    actor: Actor = "",
    action: Action = "",
    before: int | None = None,
):
    rows, next_before = audit_entries(engine, actor=actor, action=action, before=before)
    query = {k: v for k, v in {"actor": actor, "action": action}.items() if v}
    next_url = f"/audit?{urlencode(query | {'before': next_before})}" if next_before else None
    return render(
        request,
        "audit.html",
        {"rows": rows, "actor": actor, "action": action, "next_url": next_url},
    )


@router.get("/api/audit", tags=["audit"])
def audit_api(
    principal: AdminOnly,
    engine: EngineDep,
    actor: Actor = "",
    action: Action = "",
    before: int | None = None,
    size: Annotated[int, Query(ge=1, le=500)] = 50,
) -> dict:
    """Audit entries, newest first; continue with ``before`` = the returned ``next_before``."""
    rows, next_before = audit_entries(engine, actor=actor, action=action, before=before, size=size)
    return {
        "items": [
            {
                "id": r.id,
                "at": r.at,
                "actor": r.actor,
                "action": r.action,
                "subject": r.subject,
                "detail": r.detail,
            }
            for r in rows
        ],
        "next_before": next_before,
        "as_of": dt.datetime.now(dt.UTC).replace(tzinfo=None),
    }
