"""The demo city's logins: one user per role, with passwords drawn fresh for every build."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy import Engine

from ..store import models
from ..store.models.matching import Expert, ResultExpert, TechnicalDemand
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
    """admin, analyst, a district analyst and an enterprise user of the largest district (a firm
    with a technical demand, HNTE ones first, when there are demands), and a researcher tied
    to the expert with the most research results (when the matching area has experts)."""
    from ..accounts.users import create_user

    passwords = passwords or {}
    with engine.connect() as conn:
        district_id, district = conn.execute(
            sa.select(models.District.id, models.District.name)
            .join(models.Enterprise, models.Enterprise.district_id == models.District.id)
            .group_by(models.District.id, models.District.name)
            .order_by(sa.func.count().desc(), models.District.id)
            .limit(1)
        ).one()
        firm = models.Enterprise
        has_demand = sa.exists().where(TechnicalDemand.enterprise_id == firm.id)
        code, name = conn.execute(
            sa.select(firm.credit_code, firm.name)
            .where(firm.district_id == district_id)
            .order_by(~has_demand, firm.hnte_certificate_no.is_(None), firm.id)
            .limit(1)
        ).one()
        expert = conn.execute(
            sa.select(Expert.id, Expert.name, Expert.institution)
            .outerjoin(ResultExpert, ResultExpert.expert_id == Expert.id)
            .group_by(Expert.id, Expert.name, Expert.institution)
            .order_by(sa.func.count(ResultExpert.result_id).desc(), Expert.id)
            .limit(1)
        ).first()
    plan = [
        ("admin", "admin", {}, "全市 whole city"),
        ("analyst", "analyst", {}, "全市 whole city"),
        ("district", "district_analyst", {"district": district}, district),
        ("enterprise", "enterprise", {"enterprise": code}, name),
        (
            "researcher",
            "researcher",
            {"expert": expert.id if expert else None},
            f"{expert.institution} {expert.name}" if expert else "（暂无专家记录 no expert yet）",
        ),
    ]
    logins = []
    for username, role, scope, label in plan:
        password = passwords.get(username) or _password()
        create_user(engine, username, password, role, actor=ACTOR, **scope)
        logins.append(DemoLogin(username, password, role, label))
    return logins
