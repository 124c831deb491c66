"""Checking a password against guessing: the login limits, stored in the database so that
they hold across workers and restarts. No HTTP here: the settings are any object with the
limits below (the web app passes its ``WebSettings``).

Two limits, neither of which lets a stranger lock out a user who signs in from elsewhere:

- per (user name, source address): after ``login_failures_per_user`` failures since that
  source's last success, each further attempt waits ``login_delay_seconds`` × 2^(extra
  failures) after the previous failure, at most ``login_window_minutes``;
- per source address: ``login_failures_per_ip`` failures in the window, whatever the names.

Every attempt is recorded *before* the password is hashed, so parallel attempts see each
other (the check-then-record race let 12 parallel guesses all through); attempts refused by
a limit are kept for the audit trail but are not failures, so waiting is enough.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Protocol

import sqlalchemy as sa
from sqlalchemy import Engine

from ..store.models.auth import LoginAttempt, User
from ..store.models.base import utcnow
from .users import needs_rehash, rehash_password, verify_password

USERNAME_MAX = 64
PASSWORD_MAX = 1024  # argon2 hashes any length; this bounds the work an anonymous caller buys


class LoginLimits(Protocol):
    login_window_minutes: int
    login_failures_per_user: int  # free failures per (user name, source) before delays
    login_failures_per_ip: int
    login_delay_seconds: int  # the first delay; it doubles with each further failure


@dataclass(frozen=True)
class LoginOutcome:
    user_id: int | None = None
    retry_after: int | None = None  # seconds, when a limit refused the attempt

    @property
    def ok(self) -> bool:
        return self.user_id is not None


def normalise_username(username: str) -> str:
    return username.strip().lower()[:USERNAME_MAX]


_FAILED = sa.and_(LoginAttempt.succeeded.is_(False), LoginAttempt.throttled.is_(False))


def _source_wait(conn, settings: LoginLimits, ip: str, mine: int, now: dt.datetime) -> int:
    """Seconds until the source's failures in the window drop below its limit (0: below)."""
    window_start = now - dt.timedelta(minutes=settings.login_window_minutes)
    failures = (
        conn.execute(
            sa.select(LoginAttempt.at)
            .where(LoginAttempt.ip == ip, LoginAttempt.at > window_start, _FAILED)
            .where(LoginAttempt.id != mine)
            .order_by(LoginAttempt.at.desc())
            .limit(settings.login_failures_per_ip)
        )
        .scalars()
        .all()
    )
    if len(failures) < settings.login_failures_per_ip:
        return 0
    return max(1, int((failures[-1] - window_start).total_seconds()) + 1)


def _pair_wait(conn, settings: LoginLimits, name: str, ip: str, mine: int, now) -> int:
    """Seconds this (user name, source) must still wait: a delay doubling with each failure
    past the free ones, counted in the window since the source's last success for the name."""
    window = dt.timedelta(minutes=settings.login_window_minutes)
    pair = sa.and_(LoginAttempt.username == name, LoginAttempt.ip == ip, LoginAttempt.id != mine)
    since = conn.scalar(
        sa.select(sa.func.max(LoginAttempt.at)).where(pair, LoginAttempt.succeeded.is_(True))
    )
    start = max(now - window, since) if since else now - window
    count, last = conn.execute(
        sa.select(sa.func.count(), sa.func.max(LoginAttempt.at)).where(
            pair, _FAILED, LoginAttempt.at >= start
        )
    ).one()
    extra = count - settings.login_failures_per_user
    if extra < 0:
        return 0
    delay = min(settings.login_delay_seconds * 2 ** min(extra, 30), window.total_seconds())
    remaining = (last + dt.timedelta(seconds=delay) - now).total_seconds()
    return math.ceil(remaining) if remaining > 0 else 0


def check_password(
    engine: Engine,
    username: str,
    password: str,
    ip: str,
    settings: LoginLimits,
    *,
    purpose: str = "login",
) -> LoginOutcome:
    """Record the attempt, apply the limits, then (if allowed) check the password."""
    name = normalise_username(username)
    ip = ip[:45]
    now = utcnow()
    with engine.begin() as conn:  # committed before counting: parallel attempts see it
        mine = conn.execute(
            sa.insert(LoginAttempt).values(
                at=now, username=name, ip=ip, succeeded=False, throttled=False, purpose=purpose
            )
        ).inserted_primary_key[0]
    with engine.connect() as conn:
        wait = _pair_wait(conn, settings, name, ip, mine, now) or _source_wait(
            conn, settings, ip, mine, now
        )
        user = None
        if not wait:
            user = conn.execute(
                sa.select(User.id, User.password_hash).where(User.username == name, User.active)
            ).first()
    if wait:
        with engine.begin() as conn:
            conn.execute(
                sa.update(LoginAttempt).where(LoginAttempt.id == mine).values(throttled=True)
            )
        return LoginOutcome(retry_after=wait)
    ok = len(password) <= PASSWORD_MAX and verify_password(
        user.password_hash if user else None, password
    )
    with engine.begin() as conn:
        conn.execute(
            sa.update(LoginAttempt)
            .where(LoginAttempt.id == mine)
            .values(succeeded=ok, user_id=user.id if user else None)
        )
        if ok and needs_rehash(user.password_hash):
            conn.execute(
                sa.update(User)
                .where(User.id == user.id)
                .values(password_hash=rehash_password(password))
            )
    return LoginOutcome(user_id=user.id if ok else None)


def attempt_login(
    engine: Engine, username: str, password: str, ip: str, settings: LoginLimits
) -> LoginOutcome:
    """Signing in: the password check under the login limits."""
    return check_password(engine, username, password, ip, settings)
