"""Tables of the auth area: web users and their roles, server-side sessions, login attempts.

A user's role decides what the query layer lets it see (``xinzhi.web.scoping``): a district
analyst is tied to one district, an enterprise user to one enterprise, a researcher to one
expert record of the matching area. Passwords are argon2 hashes; session cookies carry a
random token whose SHA-256 alone is stored, so a copy of the database opens no session.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow

# centre_operator: staff of a public compute centre, tied to it by compute_operators (compute area)
ROLES = ("admin", "analyst", "district_analyst", "enterprise", "researcher", "centre_operator")


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str | None] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id"), index=True)
    enterprise_id: Mapped[int | None] = mapped_column(
        ForeignKey("enterprises.id", ondelete="CASCADE"), index=True
    )
    expert_id: Mapped[int | None] = mapped_column(ForeignKey("experts.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    password_changed_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    __table_args__ = (
        CheckConstraint(
            "role IN ('admin', 'analyst', 'district_analyst', 'enterprise', 'researcher', "
            "'centre_operator')",
            name="known_role",
        ),
        # a scoped role without its scope would see nothing — or, worse, everything
        CheckConstraint(
            "role != 'district_analyst' OR district_id IS NOT NULL", name="district_has_district"
        ),
        CheckConstraint(
            "role != 'enterprise' OR enterprise_id IS NOT NULL", name="enterprise_has_enterprise"
        ),
    )


class WebSession(Base):
    """A signed-in browser: the cookie holds a random token, the table its SHA-256."""

    __tablename__ = "web_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    ip: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(200))


class LoginAttempt(Base):
    """Every login attempt, kept so that the rate limit survives a restart."""

    __tablename__ = "login_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    username: Mapped[str] = mapped_column(String(64))
    ip: Mapped[str] = mapped_column(String(45))
    succeeded: Mapped[bool] = mapped_column(Boolean)
    # kept small: one row per attempt, no password, no user agent
    user_id: Mapped[int | None] = mapped_column(Integer)
    # refused by the limits before the password was checked: kept for the audit trail, not
    # counted as a failure (so waiting out the delay is enough)
    throttled: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # "login", or "password_check" (the current password on the change-password form)
    purpose: Mapped[str] = mapped_column(String(16), default="login", server_default="login")


Index("ix_login_attempts_username_at", LoginAttempt.username, LoginAttempt.at)
Index("ix_login_attempts_ip_at", LoginAttempt.ip, LoginAttempt.at)
Index("ix_login_attempts_ip_username_at", LoginAttempt.ip, LoginAttempt.username, LoginAttempt.at)
