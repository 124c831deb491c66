"""Who sees which centre, voucher and usage.

City staff (admin, analyst) see every centre; a district analyst the centres in its district;
a centre operator the one centre ``compute_operators`` ties it to (none until an
administrator assigns it: never everything); an enterprise user no centre-wide figures, only
its own vouchers and usage; a researcher nothing.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import Connection, Engine

from ..store.audit import Action, audit
from ..store.models.auth import User
from ..store.models.compute import ComputeCentre, ComputeOperator
from .imports import ComputeError, centre_by_code

CENTRE_ROLES = ("admin", "analyst", "district_analyst", "centre_operator")


def visible_centres(conn: Connection, role: str, *, user_id: int, district_id: int | None):
    """(id, code, name) of the centres this user may see, by code."""
    query = sa.select(ComputeCentre.id, ComputeCentre.code, ComputeCentre.name).order_by(
        ComputeCentre.code
    )
    match role:
        case "admin" | "analyst":
            pass
        case "district_analyst":
            query = query.where(ComputeCentre.district_id == district_id)
        case "centre_operator":
            query = query.where(
                ComputeCentre.id.in_(
                    sa.select(ComputeOperator.centre_id).where(ComputeOperator.user_id == user_id)
                )
            )
        case _:
            query = query.where(sa.false())
    return conn.execute(query).all()


def assign_operator(engine: Engine, username: str, centre: str, *, actor: str) -> None:
    """Tie a ``centre_operator`` user to the centre it works for."""
    with engine.begin() as conn:
        user = conn.execute(sa.select(User.id, User.role).where(User.username == username)).first()
        if user is None:
            raise ComputeError(f"没有用户“{username}”", f"no user '{username}'", "unknown_user")
        if user.role != "centre_operator":
            raise ComputeError(
                f"用户“{username}”的角色是 {user.role}，不是 centre_operator",
                f"user '{username}' is a {user.role}, not a centre_operator",
                "wrong_role",
            )
        centre_id = centre_by_code(conn, centre)
        conn.execute(sa.delete(ComputeOperator).where(ComputeOperator.user_id == user.id))
        conn.execute(sa.insert(ComputeOperator).values(user_id=user.id, centre_id=centre_id))
        audit(
            conn,
            actor=actor,
            action=Action.COMPUTE_OPERATOR,
            subject=username,
            detail={"centre": centre},
        )
