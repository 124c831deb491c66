"""Server-side sessions and the login rate limit, both stored in the database.

The cookie carries a random token; the table keeps only its SHA-256, the user and the CSRF
token of the session. Logging out, changing a password or a role deletes the rows, which
ends the sessions at once, in every worker. Reading a session never writes, so page views
do not queue behind an import's write transaction (SQLite has one writer at a time).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy import Engine

from ..store.models.auth import LoginAttempt, User, WebSession
from ..store.models.base import utcnow
from .config import WebSettings
from .users import needs_rehash, rehash_password, verify_password


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


@dataclass(frozen=True)
class SessionUser:
    user_id: int
    username: str
    display_name: str | None
    role: str
    district_id: int | None
    enterprise_id: int | None
    expert_id: int | None
    csrf_token: str


_SESSION = (
    sa.select(
        User.id,
        User.username,
        User.display_name,
        User.role,
        User.district_id,
        User.enterprise_id,
        User.expert_id,
        WebSession.csrf_token,
    )
    .join(User, User.id == WebSession.user_id)
    .where(
        WebSession.token_hash == sa.bindparam("token_hash"),
        WebSession.expires_at > sa.bindparam("now", type_=sa.DateTime),
        User.active.is_(True),
    )
)


def load_session(engine: Engine, token: str | None) -> SessionUser | None:
    if not token or len(token) > 200:
        return None
    with engine.connect() as conn:
        row = conn.execute(_SESSION, {"token_hash": token_hash(token), "now": utcnow()}).first()
    return SessionUser(*row) if row else None


def start_session(
    engine: Engine, user_id: int, settings: WebSettings, *, ip: str | None, user_agent: str | None
) -> str:
    token = new_token()
    now = utcnow()
    with engine.begin() as conn:
        conn.execute(
            sa.insert(WebSession).values(
                token_hash=token_hash(token),
                user_id=user_id,
                csrf_token=new_token(),
                created_at=now,
                expires_at=now + dt.timedelta(hours=settings.session_hours),
                ip=ip,
                user_agent=(user_agent or "")[:200] or None,
            )
        )
        conn.execute(sa.update(User).where(User.id == user_id).values(last_login_at=now))
        # expired sessions are swept here, at a login, rather than on every page view
        conn.execute(sa.delete(WebSession).where(WebSession.expires_at <= now))
    return token


def end_session(engine: Engine, token: str | None) -> None:
    if token:
        with engine.begin() as conn:
            conn.execute(sa.delete(WebSession).where(WebSession.token_hash == token_hash(token)))


# --- login and its rate limit ----------------------------------------------------------------


@dataclass(frozen=True)
class LoginOutcome:
    user_id: int | None = None
    retry_after: int | None = None  # seconds, when the rate limit refused the attempt

    @property
    def ok(self) -> bool:
        return self.user_id is not None


def _retry_after(conn, settings: WebSettings, where, limit: int, now: dt.datetime) -> int | None:
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
    engine: Engine, username: str, password: str, ip: str, settings: WebSettings
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
