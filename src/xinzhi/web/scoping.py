"""Query-layer scoping: every select is cut down to what the principal may see.

Use these on the SQLAlchemy statement itself, never filter in a template:

    stmt = scope_enterprises(sa.select(Enterprise.id, Enterprise.name), principal)
    stmt = scope_by_enterprise(sa.select(IPRight), principal, IPRight.enterprise_id)
    stmt = scope_by_district(sa.select(Platform), principal, Platform.district_id)
    stmt = scope_by_expert(sa.select(Result), principal, Result.expert_id)
    enterprise = visible_enterprise_or_404(conn, principal, enterprise_id)

Admins and analysts see the whole city; a district analyst, its district; an enterprise
user, its own enterprise; a researcher, its own expert record and what hangs off it. A
scope that does not apply to a role yields no rows (``false()``), never everything.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import Connection
from sqlalchemy.sql import Select
from sqlalchemy.sql.elements import ColumnElement

from ..store import models
from .auth import ADMIN, ANALYST, DISTRICT_ANALYST, NotFound, Principal

Enterprise = models.Enterprise


def enterprise_condition(principal: Principal, enterprise=Enterprise) -> ColumnElement[bool]:
    """The WHERE clause limiting ``enterprise`` (the model or an alias) to the principal."""
    match principal.role:
        case "admin" | "analyst":
            return sa.true()
        case "district_analyst":
            return enterprise.district_id == principal.district_id
        case "enterprise":
            return enterprise.id == principal.enterprise_id
        case _:
            return sa.false()


def scope_enterprises(stmt: Select, principal: Principal, enterprise=Enterprise) -> Select:
    """Restrict a select over enterprises (``enterprise`` is the model or an alias of it)."""
    return stmt.where(enterprise_condition(principal, enterprise))


def scope_by_enterprise(stmt: Select, principal: Principal, enterprise_id_column) -> Select:
    """Restrict a select over rows owned by an enterprise (years, IP, platforms, results …)."""
    match principal.role:
        case "admin" | "analyst":
            return stmt
        case "enterprise":
            return stmt.where(enterprise_id_column == principal.enterprise_id)
        case "district_analyst":
            in_district = sa.select(Enterprise.id).where(
                Enterprise.district_id == principal.district_id
            )
            return stmt.where(enterprise_id_column.in_(in_district))
        case _:
            return stmt.where(sa.false())


def scope_by_district(stmt: Select, principal: Principal, district_id_column) -> Select:
    """Restrict a select over rows that belong to a district (aggregates, platforms, parks).

    Enterprise users and researchers see no district-level data.
    """
    match principal.role:
        case "admin" | "analyst":
            return stmt
        case "district_analyst":
            return stmt.where(district_id_column == principal.district_id)
        case _:
            return stmt.where(sa.false())


def scope_by_expert(stmt: Select, principal: Principal, expert_id_column) -> Select:
    """Restrict a select over a researcher's own rows; staff roles see all of them."""
    match principal.role:
        case "admin" | "analyst":
            return stmt
        case "researcher" if principal.expert_id is not None:
            return stmt.where(expert_id_column == principal.expert_id)
        case _:
            return stmt.where(sa.false())


def district_filter(principal: Principal) -> int | None:
    """The district a principal's aggregates must be limited to (None: the whole city).

    Raises ``NotFound`` for roles that see no aggregate at all.
    """
    if principal.role in (ADMIN, ANALYST):
        return None
    if principal.role == DISTRICT_ANALYST:
        return principal.district_id
    raise NotFound()


def visible_enterprise_or_404(conn: Connection, principal: Principal, enterprise_id: int):
    """The enterprise's row (columns as attributes) if it exists *and* the principal may see
    it; otherwise 404."""
    table = Enterprise.__table__
    row = conn.execute(
        scope_enterprises(sa.select(table).where(table.c.id == enterprise_id), principal)
    ).first()
    if row is None:
        raise NotFound("未找到该企业", "no such enterprise")
    return row


__all__ = [
    "district_filter",
    "enterprise_condition",
    "scope_by_district",
    "scope_by_enterprise",
    "scope_by_expert",
    "scope_enterprises",
    "visible_enterprise_or_404",
]
