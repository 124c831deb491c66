"""Users and their roles: create, change password, change role — shared by the CLI, the admin
pages and the demo city. Every change is written to the audit log in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, Engine

from ..domain.errors import XinzhiError
from ..domain.text import normalise_code
from ..store import models
from ..store.audit import Action, audit
from ..store.models.auth import ROLES, User
from ..store.models.base import utcnow
from ..store.queries import enterprise_by_credit_code

# argon2id with the library's defaults (RFC 9106 "second recommended" profile). Tests swap in
# a cheaper hasher (``use_hasher``); stored hashes carry their parameters, so both verify.
_hasher = PasswordHasher()
MIN_PASSWORD_LENGTH = 8
USERNAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789._-@")

ROLE_LABELS = {
    "admin": ("管理员", "administrator"),
    "analyst": ("分析员（全市）", "analyst (whole city)"),
    "district_analyst": ("区县分析员", "district analyst"),
    "enterprise": ("企业用户", "enterprise user"),
    "researcher": ("科研人员", "researcher"),
}


class UserError(XinzhiError, ValueError):
    """A bad user name, role, scope or password; bilingual like every input error."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(zh, en)


def use_hasher(hasher: PasswordHasher) -> PasswordHasher:
    """Replace the password hasher (tests use a cheap one); returns the previous one."""
    global _hasher
    previous, _hasher = _hasher, hasher
    return previous


def hash_password(password: str) -> str:
    check_password(password)
    return _hasher.hash(password)


# A hash to verify against when the user name is unknown, so that the answer takes as long
# as for a known name and does not reveal which names exist.
_DUMMY_HASH: str | None = None


def verify_password(password_hash: str | None, password: str) -> bool:
    global _DUMMY_HASH
    if password_hash is None:
        _DUMMY_HASH = _DUMMY_HASH or _hasher.hash("not a password of anyone")
        password_hash = _DUMMY_HASH
        try:
            _hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            pass
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def rehash_password(password: str) -> str:
    """A fresh hash of a password that was just verified (no length rule: it is not new)."""
    return _hasher.hash(password)


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(
            f"密码至少 {MIN_PASSWORD_LENGTH} 个字符",
            f"a password needs at least {MIN_PASSWORD_LENGTH} characters",
        )


def check_username(username: str) -> str:
    name = username.strip().lower()
    if not (2 <= len(name) <= 64) or not set(name) <= USERNAME_CHARS:
        raise UserError(
            "用户名须为 2–64 个小写字母、数字或 . _ - @",
            "a user name is 2–64 lower-case letters, digits or . _ - @",
        )
    return name


@dataclass(frozen=True)
class Scope:
    """What a role is tied to; resolved from the names an administrator types."""

    district_id: int | None = None
    enterprise_id: int | None = None
    expert_id: int | None = None


def resolve_scope(
    conn: Connection,
    role: str,
    *,
    district: str | None = None,
    enterprise: str | None = None,
    expert: int | None = None,
) -> Scope:
    """Check ``role`` and find its district (name or code), enterprise (credit code) or expert."""
    if role not in ROLES:
        raise UserError(
            f"未知角色“{role}”；可选：{'、'.join(ROLES)}",
            f"unknown role '{role}'; one of: {', '.join(ROLES)}",
        )
    scope = Scope()
    if role == "district_analyst":
        if not district:
            raise UserError(
                "区县分析员须指定区县（--district）",
                "a district analyst needs a district (--district)",
            )
        found = conn.scalar(
            sa.select(models.District.id).where(
                sa.or_(models.District.name == district, models.District.code == district)
            )
        )
        if found is None:
            raise UserError(f"找不到区县“{district}”", f"no district '{district}'")
        scope = Scope(district_id=found)
    elif role == "enterprise":
        if not enterprise:
            raise UserError(
                "企业用户须指定统一社会信用代码（--enterprise）",
                "an enterprise user needs a credit code (--enterprise)",
            )
        code = normalise_code(enterprise)
        found = enterprise_by_credit_code(conn, code)
        if found is None:
            raise UserError(
                f"找不到统一社会信用代码为 {code} 的企业", f"no enterprise with credit code {code}"
            )
        scope = Scope(enterprise_id=found[0])
    elif role == "researcher" and expert is not None:
        scope = Scope(expert_id=_existing_expert(conn, expert))
    return scope


def _existing_expert(conn: Connection, expert_id: int) -> int:
    experts = models.Base.metadata.tables.get("experts")
    if (
        experts is not None
        and conn.scalar(sa.select(experts.c.id).where(experts.c.id == expert_id)) is None
    ):
        raise UserError(f"找不到专家 {expert_id}", f"no expert {expert_id}")
    return expert_id


def _audit(conn: Connection, actor: str, action: str, username: str, detail: dict) -> None:
    audit(conn, actor=actor, action=Action(action), subject=f"user:{username}", detail=detail)


def create_user(
    engine: Engine,
    username: str,
    password: str,
    role: str,
    *,
    actor: str,
    district: str | None = None,
    enterprise: str | None = None,
    expert: int | None = None,
    display_name: str | None = None,
) -> int:
    name = check_username(username)
    password_hash = hash_password(password)
    with engine.begin() as conn:
        scope = resolve_scope(conn, role, district=district, enterprise=enterprise, expert=expert)
        if conn.scalar(sa.select(User.id).where(User.username == name)) is not None:
            raise UserError(f"用户“{name}”已存在", f"user '{name}' exists already")
        user_id = conn.execute(
            sa.insert(User)
            .values(
                username=name,
                display_name=display_name,
                password_hash=password_hash,
                role=role,
                district_id=scope.district_id,
                enterprise_id=scope.enterprise_id,
                expert_id=scope.expert_id,
                active=True,
                created_at=utcnow(),
                password_changed_at=utcnow(),
            )
            .returning(User.id)
        ).scalar_one()
        _audit(conn, actor, "user.add", name, {"role": role, **_scope_detail(scope)})
    return user_id


def _scope_detail(scope: Scope) -> dict:
    return {k: v for k, v in vars(scope).items() if v is not None}


def set_password(engine: Engine, username: str, password: str, *, actor: str) -> None:
    password_hash = hash_password(password)
    with engine.begin() as conn:
        user_id = _user_id(conn, username)
        conn.execute(
            sa.update(User)
            .where(User.id == user_id)
            .values(password_hash=password_hash, password_changed_at=utcnow())
        )
        # a new password ends every open session of the user
        conn.execute(
            sa.delete(models.auth.WebSession).where(models.auth.WebSession.user_id == user_id)
        )
        _audit(conn, actor, "user.passwd", username, {})


def set_role(
    engine: Engine,
    username: str,
    role: str,
    *,
    actor: str,
    district: str | None = None,
    enterprise: str | None = None,
    expert: int | None = None,
) -> None:
    with engine.begin() as conn:
        user_id = _user_id(conn, username)
        scope = resolve_scope(conn, role, district=district, enterprise=enterprise, expert=expert)
        conn.execute(
            sa.update(User)
            .where(User.id == user_id)
            .values(
                role=role,
                district_id=scope.district_id,
                enterprise_id=scope.enterprise_id,
                expert_id=scope.expert_id,
            )
        )
        conn.execute(
            sa.delete(models.auth.WebSession).where(models.auth.WebSession.user_id == user_id)
        )
        _audit(conn, actor, "user.role", username, {"role": role, **_scope_detail(scope)})


def set_active(engine: Engine, username: str, active: bool, *, actor: str) -> None:
    with engine.begin() as conn:
        user_id = _user_id(conn, username)
        conn.execute(sa.update(User).where(User.id == user_id).values(active=active))
        if not active:
            conn.execute(
                sa.delete(models.auth.WebSession).where(models.auth.WebSession.user_id == user_id)
            )
        _audit(conn, actor, "user.enable" if active else "user.disable", username, {})


def _user_id(conn: Connection, username: str) -> int:
    user_id = conn.scalar(sa.select(User.id).where(User.username == username.strip().lower()))
    if user_id is None:
        raise UserError(f"没有用户“{username}”", f"no user '{username}'")
    return user_id


@dataclass(frozen=True)
class UserRow:
    id: int
    username: str
    display_name: str | None
    role: str
    active: bool
    district: str | None
    enterprise: str | None
    expert_id: int | None
    last_login_at: object


def list_users(engine: Engine) -> list[UserRow]:
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(
                User.id,
                User.username,
                User.display_name,
                User.role,
                User.active,
                models.District.name,
                models.Enterprise.name,
                User.expert_id,
                User.last_login_at,
            )
            .outerjoin(models.District, models.District.id == User.district_id)
            .outerjoin(models.Enterprise, models.Enterprise.id == User.enterprise_id)
            .order_by(User.username)
        ).all()
    return [UserRow(*row) for row in rows]
