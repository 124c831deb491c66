"""Signing in: the login rate limits (per user name since its last success, per address),
the password check, and every attempt recorded — stored in the database, so the limits hold
across workers. No HTTP here: the settings are any object with the three limits (the web app
passes its ``WebSettings``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol

import sqlalchemy as sa
from sqlalchemy import Engine

from ..store.models.auth import LoginAttempt, User
from ..store.models.base import utcnow
from .users import needs_rehash, rehash_password, verify_password


class LoginLimits(Protocol):
    login_window_minutes: int
    login_failures_per_user: int
    login_failures_per_ip: int


@dataclass(frozen=True)
class LoginOutcome:
    user_id: int | None = None
    retry_after: int | None = None  # seconds, when the rate limit refused the attempt

    @property
    def ok(self) -> bool:
        return self.user_id is not None


def _retry_after(conn, settings: LoginLimits, where, limit: int, now: dt.datetime) -> int | None:
    """Seconds until the failures matching ``where`` drop below ``limit``, or None if below."""
    window_start = now - dt.timedelta(minutes=settings.login_window_minutes)
    failures = (
        conn.execute(
            sa.select(LoginAttempt.at)
            .where(where, LoginAttempt.at > window_start, LoginAttempt.succeeded.is_(False))
            .order_by(LoginAttempt.at.desc())
            .limit(limit)
        )
        .scalars()
        .all()
    )
    if len(failures) < limit:
        return None
    oldest_counted = failures[-1]
    return max(1, int((oldest_counted - window_start).total_seconds()) + 1)


def attempt_login(
    engine: Engine, username: str, password: str, ip: str, settings: LoginLimits
) -> LoginOutcome:
    """Check the rate limits, then the password; record the attempt either way."""
    name = username.strip().lower()[:64]
    now = utcnow()
    with engine.connect() as conn:
        last_success = conn.scalar(
            sa.select(sa.func.max(LoginAttempt.at)).where(
                LoginAttempt.username == name, LoginAttempt.succeeded.is_(True)
            )
        )
        user_filter = LoginAttempt.username == name
        if last_success is not None:
            user_filter = sa.and_(user_filter, LoginAttempt.at > last_success)
        wait = _retry_after(conn, settings, user_filter, settings.login_failures_per_user, now)
        wait = wait or _retry_after(
            conn, settings, LoginAttempt.ip == ip, settings.login_failures_per_ip, now
        )
        if wait:
            return LoginOutcome(retry_after=wait)
        user = conn.execute(
            sa.select(User.id, User.password_hash).where(User.username == name, User.active)
        ).first()
    ok = verify_password(user.password_hash if user else None, password)
    with engine.begin() as conn:
        conn.execute(
            sa.insert(LoginAttempt).values(
                at=now, username=name, ip=ip[:45], succeeded=ok, user_id=user.id if user else None
            )
        )
        if ok and needs_rehash(user.password_hash):
            conn.execute(
                sa.update(User)
                .where(User.id == user.id)
                .values(password_hash=rehash_password(password))
            )
    return LoginOutcome(user_id=user.id if ok else None)
