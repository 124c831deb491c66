"""Administration: users and roles, the year's targets (administrators only)."""

from __future__ import annotations

from typing import Annotated

import sqlalchemy as sa
from fastapi import APIRouter, Form, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from ...accounts.users import (
    ROLE_LABELS,
    UserError,
    create_user,
    list_users,
    set_active,
    set_password,
    set_role,
)
from ...metrics.targets import TargetError, set_target
from ...store import models
from ...store.models.auth import ROLES
from ...store.queries import district_names
from ..auth import AdminOnly, EngineDep
from ..templating import render

router = APIRouter()
T = models.Target


def _targets(engine, year: int | None) -> tuple[list, list[int], int | None]:
    with engine.connect() as conn:
        years = conn.scalars(sa.select(T.year).distinct().order_by(T.year.desc())).all()
        year = year or (years[0] if years else None)
        rows = conn.execute(
            sa.select(T.__table__).where(T.year == year).order_by(T.indicator, T.region)
        ).all()
    return rows, list(years), year


def _districts(engine) -> list[str]:
    return list(district_names(engine).values())


def _page(request: Request, engine, message=None, status: int = 200, year: int | None = None):
    targets, years, year = _targets(engine, year)
    return render(
        request,
        "admin.html",
        {
            "users": list_users(engine),
            "roles": ROLES,
            "role_labels": ROLE_LABELS,
            "targets": targets,
            "years": years,
            "year": year,
            "districts": _districts(engine),
            "message": message,
        },
        status_code=status,
    )


@router.get("/admin", include_in_schema=False)
def admin_page(request: Request, principal: AdminOnly, engine: EngineDep, year: int | None = None):
    return _page(request, engine, year=year)


def _act(request, engine, action):
    try:
        action()
    except (UserError, TargetError) as error:
        return _page(request, engine, ("error", error.zh, error.en), status=400)
    return _page(request, engine, ("ok", "已保存", "saved"))


Text = Annotated[str, Form(max_length=200)]
Optional = Annotated[str, Form(max_length=200)]


@router.post("/admin/users", include_in_schema=False)
def add_user(
    request: Request,
    principal: AdminOnly,
    engine: EngineDep,
    username: Text,
    password: Annotated[str, Form(max_length=1024)],
    role: Text,
    district: Optional = "",
    enterprise: Optional = "",
    expert: Optional = "",
):
    return _act(
        request,
        engine,
        lambda: create_user(
            engine,
            username,
            password,
            role,
            actor=principal.audit_name,
            district=district or None,
            enterprise=enterprise or None,
            expert=int(expert) if expert.isdigit() else None,
        ),
    )


@router.post("/admin/users/{username}/role", include_in_schema=False)
def change_role(
    request: Request,
    username: str,
    principal: AdminOnly,
    engine: EngineDep,
    role: Text,
    district: Optional = "",
    enterprise: Optional = "",
    expert: Optional = "",
):
    return _act(
        request,
        engine,
        lambda: set_role(
            engine,
            username,
            role,
            actor=principal.audit_name,
            district=district or None,
            enterprise=enterprise or None,
            expert=int(expert) if expert.isdigit() else None,
        ),
    )


@router.post("/admin/users/{username}/password", include_in_schema=False)
def reset_password(
    request: Request,
    username: str,
    principal: AdminOnly,
    engine: EngineDep,
    password: Annotated[str, Form(max_length=1024)],
):
    return _act(
        request,
        engine,
        lambda: set_password(engine, username, password, actor=principal.audit_name),
    )


@router.post("/admin/users/{username}/active", include_in_schema=False)
def toggle_active(
    request: Request,
    username: str,
    principal: AdminOnly,
    engine: EngineDep,
    active: Annotated[str, Form(pattern="^(0|1)$")],
):
    if username == principal.username and active == "0":
        return _page(
            request, engine, ("error", "不能停用自己的账户", "you cannot disable yourself"), 400
        )
    return _act(
        request,
        engine,
        lambda: set_active(engine, username, active == "1", actor=principal.audit_name),
    )


@router.post("/admin/targets", include_in_schema=False)
def save_target(
    request: Request,
    principal: AdminOnly,
    engine: EngineDep,
    indicator: Text,
    region: Text,
    year: Annotated[int, Form()],
    value: Text,
    unit: Text,
    value_max: Optional = "",
):
    return _act(
        request,
        engine,
        lambda: set_target(
            engine,
            indicator=indicator,
            region=region,
            year=year,
            value=value,
            value_max=value_max or None,
            unit=unit,
            actor=principal.audit_name,
        ),
    )


# --- API -----------------------------------------------------------------------------------------


@router.get("/api/admin/users", tags=["admin"])
def users_api(principal: AdminOnly, engine: EngineDep) -> list[dict]:
    """Every user with its role and what the role is tied to (no password hashes)."""
    return [vars(u) for u in list_users(engine)]


class NewUser(BaseModel):
    username: str = Field(max_length=64)
    password: str = Field(max_length=1024)
    role: str
    district: str | None = None
    enterprise: str | None = None
    expert: int | None = None


@router.post("/api/admin/users", tags=["admin"], status_code=201)
def add_user_api(user: NewUser, principal: AdminOnly, engine: EngineDep):
    try:
        user_id = create_user(
            engine,
            user.username,
            user.password,
            user.role,
            actor=principal.audit_name,
            district=user.district,
            enterprise=user.enterprise,
            expert=user.expert,
        )
    except UserError as error:
        return JSONResponse({"detail": {"zh": error.zh, "en": error.en}}, status_code=400)
    return {"id": user_id, "username": user.username.strip().lower()}


@router.get("/api/admin/targets", tags=["admin"])
def targets_api(principal: AdminOnly, engine: EngineDep, year: int | None = None) -> dict:
    targets, years, year = _targets(engine, year)
    return {
        "year": year,
        "years": years,
        "items": [
            {
                "indicator": t.indicator,
                "region": t.region,
                "year": t.year,
                "value": t.value,
                "value_max": t.value_max,
                "unit": t.unit,
                "as_of": t.as_of,
                "source": t.source,
            }
            for t in targets
        ],
    }


class NewTarget(BaseModel):
    indicator: str = Field(max_length=100)
    region: str = Field(max_length=50)
    year: int
    value: str = Field(max_length=40)
    value_max: str | None = Field(None, max_length=40)
    unit: str = Field(max_length=20)


@router.post("/api/admin/targets", tags=["admin"])
def set_target_api(target: NewTarget, principal: AdminOnly, engine: EngineDep):
    try:
        set_target(engine, actor=principal.audit_name, **target.model_dump())
    except TargetError as error:
        return JSONResponse({"detail": {"zh": error.zh, "en": error.en}}, status_code=400)
    return {"ok": True}
