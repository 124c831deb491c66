"""Administration: users and roles, the year's targets (administrators only)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Annotated

import sqlalchemy as sa
from fastapi import APIRouter, Form, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from ...store import models
from ...store.models.auth import ROLES
from ..auth import AdminOnly, EngineDep
from ..templating import render
from ..users import (
    ROLE_LABELS,
    UserError,
    create_user,
    list_users,
    set_active,
    set_password,
    set_role,
)

router = APIRouter()
T = models.Target


class TargetError(ValueError):
    def __init__(self, zh: str, en: str) -> None:
        super().__init__(en)
        self.zh, self.en = zh, en


def _decimal(text: str | None, field: str) -> Decimal | None:
    if text is None or str(text).strip() == "":
        return None
    try:
        value = Decimal(str(text).strip().replace(",", ""))
    except InvalidOperation:
        raise TargetError(
            f"{field}不是数字：“{text}”", f"{field} is not a number: '{text}'"
        ) from None
    if not value.is_finite() or value < 0 or value != value.quantize(Decimal("0.0001")):
        raise TargetError(
            f"{field}须为非负数，最多 4 位小数", f"{field} must be ≥ 0 with ≤ 4 decimals"
        )
    return value


def set_target(
    engine,
    *,
    indicator: str,
    region: str,
    year: int,
    value: str,
    value_max: str | None,
    unit: str,
    actor: str,
) -> None:
    """Insert or update one target (indicator, region, year); audited."""
    indicator, region, unit = indicator.strip(), region.strip(), unit.strip()
    if not indicator or not region or not unit:
        raise TargetError("指标、地区、单位都必须填写", "indicator, region and unit are required")
    if not 1990 <= year <= 2100:
        raise TargetError("年度超出范围", "year out of range")
    low, high = _decimal(value, "目标值 value"), _decimal(value_max, "上限 value_max")
    if low is None:
        raise TargetError("目标值必须填写", "a target value is required")
    if high is not None and high < low:
        raise TargetError("上限小于目标值", "value_max is below value")
    today = dt.date.today()
    with engine.begin() as conn:
        existing = conn.scalar(
            sa.select(T.id).where(T.indicator == indicator, T.region == region, T.year == year)
        )
        values = {
            "value": low,
            "value_max": high,
            "unit": unit,
            "source": actor,
            "as_of": today,
            "imported_at": models.utcnow(),
            "source_row": None,
            "import_batch_id": None,
        }
        if existing is None:
            conn.execute(
                sa.insert(T).values(indicator=indicator, region=region, year=year, **values)
            )
        else:
            conn.execute(sa.update(T).where(T.id == existing).values(**values))
        conn.execute(
            sa.insert(models.AuditEntry).values(
                actor=actor,
                action="target.set",
                subject=f"target:{indicator}:{region}:{year}",
                detail={
                    "value": str(low),
                    "value_max": str(high) if high is not None else None,
                    "unit": unit,
                },
            )
        )


def _targets(engine, year: int | None) -> tuple[list, list[int], int | None]:
    with engine.connect() as conn:
        years = conn.scalars(sa.select(T.year).distinct().order_by(T.year.desc())).all()
        year = year or (years[0] if years else None)
        rows = conn.execute(
            sa.select(T.__table__).where(T.year == year).order_by(T.indicator, T.region)
        ).all()
    return rows, list(years), year


def _districts(engine) -> list[str]:
    with engine.connect() as conn:
        return conn.scalars(sa.select(models.District.name).order_by(models.District.code)).all()


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
