"""Queries many modules ask, written once: district names, a district by code or name, an
enterprise by its credit code. Each takes an Engine, a Connection or a Session, so a caller
inside a transaction asks within it."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session

from .models import District, Enterprise

Target = Engine | Connection | Session


def _execute(target: Target, statement) -> Any:
    if isinstance(target, Engine):
        with target.connect() as conn:
            return conn.execute(statement).all()
    return target.execute(statement).all()


def district_names(target: Target) -> dict[int, str]:
    """District id → name, in the order of the district codes."""
    statement = sa.select(District.id, District.name).order_by(District.code)
    return {row[0]: row[1] for row in _execute(target, statement)}


def district_by_code_or_name(target: Target, text: str) -> int | None:
    """The id of the district whose GB/T 2260 code or name is ``text``."""
    statement = sa.select(District.id).where(sa.or_(District.code == text, District.name == text))
    rows = _execute(target, statement)
    return rows[0][0] if rows else None


def enterprise_by_credit_code(target: Target, code: str) -> tuple[int, str] | None:
    """(id, name) of the enterprise with the normalised credit code ``code``, or None."""
    statement = sa.select(Enterprise.id, Enterprise.name).where(Enterprise.credit_code == code)
    rows = _execute(target, statement)
    return (rows[0][0], rows[0][1]) if rows else None


def region_names(target: Target) -> set[str]:
    """What a target's region may be: a registered district's name or its city's."""
    rows = _execute(target, sa.select(District.name, District.city))
    return {name for row in rows for name in row if name}
