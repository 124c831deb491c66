"""The demo city's logins: one user per role, with passwords drawn fresh for every build."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy import Engine

from ..store import models
from .writer import ACTOR


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: str
    scope: str  # what the role is tied to, for the printed table


def _password() -> str:
    return secrets.token_urlsafe(9)  # 12 characters, ~72 bits


def create_demo_users(engine: Engine, passwords: dict[str, str] | None = None) -> list[DemoLogin]:
    """admin, analyst, a district analyst and an enterprise user of the largest district, and a
    researcher (tied to the first expert when the matching area has experts)."""
    from ..web.users import create_user

    passwords = passwords or {}
    with engine.connect() as conn:
        district_id, district = conn.execute(
            sa.select(models.District.id, models.District.name)
            .join(models.Enterprise, models.Enterprise.district_id == models.District.id)
            .group_by(models.District.id, models.District.name)
            .order_by(sa.func.count().desc(), models.District.id).limit(1)
        ).one()  # fmt: skip
        code, firm = conn.execute(
            sa.select(models.Enterprise.credit_code, models.Enterprise.name)
            .where(models.Enterprise.district_id == district_id)
            .order_by(models.Enterprise.hnte_certificate_no.is_(None), models.Enterprise.id)
            .limit(1)
        ).one()  # fmt: skip
        experts = models.Base.metadata.tables.get("experts")
        expert = None
        if experts is not None and sa.inspect(conn).has_table("experts"):
            expert = conn.scalar(sa.select(sa.func.min(experts.c.id)))
    plan = [
        ("admin", "admin", {}, "全市 whole city"),
        ("analyst", "analyst", {}, "全市 whole city"),
        ("district", "district_analyst", {"district": district}, district),
        ("enterprise", "enterprise", {"enterprise": code}, firm),
        ("researcher", "researcher", {"expert": expert},
         f"专家 expert {expert}" if expert else "（暂无专家记录 no expert yet）"),
    ]  # fmt: skip
    logins = []
    for username, role, scope, label in plan:
        password = passwords.get(username) or _password()
        create_user(engine, username, password, role, actor=ACTOR, **scope)
        logins.append(DemoLogin(username, password, role, label))
    return logins
