"""Server-side sessions, stored in the database (signing in and its rate limits: ``login``).

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
from typing import Protocol

import sqlalchemy as sa
from sqlalchemy import Engine

from ..store.models.auth import User, WebSession
from ..store.models.base import utcnow


class SessionSettings(Protocol):
    session_hours: int  # how long a session lasts (the web app's WebSettings has it)


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
    engine: Engine,
    user_id: int,
    settings: SessionSettings,
    *,
    ip: str | None,
    user_agent: str | None,
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
