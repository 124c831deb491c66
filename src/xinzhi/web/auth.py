"""Who is asking, and may they: the principal of a request, role checks and CSRF.

Every route declares its access with exactly one of these dependencies:

    principal: Annotated[Principal, Depends(allow(ADMIN, ANALYST))]   # these roles only
    principal: Staff          # admin, analyst, district analyst
    principal: AnyUser        # any signed-in user
    principal: Annotated[Principal | None, Depends(public)]   # no login needed

``tests/web/test_access.py`` walks ``app.routes`` and fails for a route without one. The same
dependency checks the CSRF token of every state-changing request (POST, PUT, PATCH, DELETE):
the ``X-CSRF-Token`` header (HTMX sends it, see base.html) or a ``csrf_token`` form field.
What a principal may *see* is decided in the query layer, by ``xinzhi.web.scoping``.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Engine

from ..accounts.sessions import SessionUser, load_session, new_token
from ..domain.errors import XinzhiError
from ..store.models.auth import ROLES
from .config import WebSettings

ADMIN, ANALYST, DISTRICT_ANALYST, ENTERPRISE, RESEARCHER, CENTRE_OPERATOR = ROLES
STAFF_ROLES = (ADMIN, ANALYST, DISTRICT_ANALYST)
CITY_ROLES = (ADMIN, ANALYST)  # see the whole city

SESSION_COOKIE = "xz_session"
ANON_CSRF_COOKIE = "xz_csrf"  # double-submit token of a visitor not signed in (login form)
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
ACCESS_ATTRIBUTE = "__xinzhi_access__"
PUBLIC = "public"


@dataclass(frozen=True)
class Principal:
    """The signed-in user a request acts for, with what its role is tied to."""

    user_id: int
    username: str
    display_name: str | None
    role: str
    district_id: int | None = None
    enterprise_id: int | None = None
    expert_id: int | None = None
    csrf_token: str = ""

    @classmethod
    def from_session(cls, user: SessionUser) -> Principal:
        return cls(**vars(user))

    @property
    def sees_whole_city(self) -> bool:
        return self.role in CITY_ROLES

    @property
    def is_admin(self) -> bool:
        return self.role == ADMIN

    @property
    def audit_name(self) -> str:
        return f"web:{self.username}"


# --- errors the app turns into pages or JSON (see app.py) -------------------------------------


class LoginRequired(Exception):
    """No valid session: a page redirects to the login form, the API answers 401."""


class Forbidden(XinzhiError):
    """Signed in, but the role may not use this route (403)."""

    def __init__(self, zh: str = "无权访问此页面", en: str = "your role may not use this page"):
        super().__init__(zh, en, message=en)


class CsrfFailed(Forbidden):
    def __init__(self) -> None:
        super().__init__(
            "请求缺少有效的 CSRF 令牌；请刷新页面后重试",
            "missing or wrong CSRF token; reload the page and try again",
        )


class NotFound(XinzhiError):
    """Absent, or outside the principal's scope: both look the same (404)."""

    def __init__(self, zh: str = "未找到", en: str = "not found") -> None:
        super().__init__(zh, en, message=en)


class BadRequest(XinzhiError):
    """A parameter that cannot be right (a forged page cursor, a number out of range): 400."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(zh, en, message=en)


# --- the request's engine, settings and principal ---------------------------------------------


def get_engine(request: Request) -> Engine:
    return request.app.state.engine


def get_settings(request: Request) -> WebSettings:
    return request.app.state.settings


EngineDep = Annotated[Engine, Depends(get_engine)]
SettingsDep = Annotated[WebSettings, Depends(get_settings)]


def request_data_version(request: Request) -> tuple:
    """The data version (``metrics.cache.data_version``), read once per request."""
    if not hasattr(request.state, "data_version"):
        from ..metrics.cache import data_version

        request.state.data_version = data_version(get_engine(request))
    return request.state.data_version


def current_principal(request: Request) -> Principal | None:
    """The principal of the request's session cookie, looked up once per request."""
    if not hasattr(request.state, "principal"):
        user = load_session(get_engine(request), request.cookies.get(SESSION_COOKIE))
        request.state.principal = Principal.from_session(user) if user else None
    return request.state.principal


def expected_csrf_token(request: Request) -> str:
    """The token forms and HTMX must send back: the session's, or the visitor's cookie's.

    A visitor without either gets a fresh cookie token (set on the response by ``render``).
    """
    principal = current_principal(request)
    if principal is not None:
        return principal.csrf_token
    token = request.cookies.get(ANON_CSRF_COOKIE) or getattr(request.state, "new_csrf", None)
    if not token:
        token = request.state.new_csrf = new_token()
    return token


async def _check_csrf(request: Request) -> None:
    if request.method not in UNSAFE_METHODS:
        return
    principal = current_principal(request)
    expected = principal.csrf_token if principal else request.cookies.get(ANON_CSRF_COOKIE)
    sent = request.headers.get("x-csrf-token")
    if not sent and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()  # Starlette caches it for the route's own Form() fields
        sent = form.get("csrf_token")
    if not expected or not isinstance(sent, str) or not hmac.compare_digest(sent, expected):
        raise CsrfFailed()


def allow(*roles: str) -> Callable:
    """A dependency admitting signed-in users of ``roles``; it returns their ``Principal``."""
    unknown = set(roles) - set(ROLES)
    if unknown or not roles:
        raise ValueError(f"unknown roles {sorted(unknown)}; roles are {ROLES}")
    allowed = frozenset(roles)

    async def dependency(request: Request) -> Principal:
        principal = current_principal(request)
        if principal is None:
            raise LoginRequired()
        if principal.role not in allowed:
            raise Forbidden()
        await _check_csrf(request)
        return principal

    setattr(dependency, ACCESS_ATTRIBUTE, allowed)
    dependency.__name__ = f"allow_{'_'.join(sorted(allowed))}"
    return dependency


async def public(request: Request) -> Principal | None:
    """A route anyone may use (login form, language switch); state changes still need CSRF."""
    await _check_csrf(request)
    return current_principal(request)


setattr(public, ACCESS_ATTRIBUTE, PUBLIC)

AnyUser = Annotated[Principal, Depends(allow(*ROLES))]
Staff = Annotated[Principal, Depends(allow(*STAFF_ROLES))]
CityStaff = Annotated[Principal, Depends(allow(*CITY_ROLES))]
AdminOnly = Annotated[Principal, Depends(allow(ADMIN))]
Public = Annotated[Principal | None, Depends(public)]


@dataclass(frozen=True)
class RouteInfo:
    path: str
    methods: frozenset[str]
    dependant: object  # fastapi.dependencies.models.Dependant
    name: str


def api_routes(app) -> list[RouteInfo]:
    """Every FastAPI route of ``app``, with included routers flattened, as mounted."""
    try:  # FastAPI ≥ 0.16x keeps included routers as branches; older versions copy routes
        from fastapi.routing import iter_route_contexts

        pairs = [(ctx.path, ctx.original_route) for ctx in iter_route_contexts(app.routes)]
    except ImportError:
        pairs = [(getattr(route, "path", None), route) for route in app.routes]
    return [
        RouteInfo(path, frozenset(route.methods or ()), route.dependant, route.name)
        for path, route in pairs
        if getattr(route, "dependant", None) is not None and path is not None
    ]


def declared_access(dependant) -> set:
    """The access declarations found in a route's dependency tree (used by the tests)."""
    found = set()
    stack = [dependant]
    while stack:
        item = stack.pop()
        access = getattr(item.call, ACCESS_ATTRIBUTE, None) if item.call else None
        if access is not None:
            found.add(access)
        stack.extend(item.dependencies)
    return found
