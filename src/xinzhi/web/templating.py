"""Rendering pages: one Jinja2 environment, the language switch, navigation and filters.

Every area renders with ``render(request, "area/page.html", {...})``; its templates extend
``base.html``. The context always holds ``principal`` (or None), ``lang`` ("zh" or "en"),
``t(zh, en)`` to pick the text of the current language, ``csrf_token``, and ``nav``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context

from .. import __version__
from ..domain.enums import ContractType, IPKind, PlatformKind, PlatformLevel
from .auth import (
    ANON_CSRF_COOKIE,
    api_routes,
    current_principal,
    declared_access,
    expected_csrf_token,
)

TEMPLATES_DIR = Path(__file__).with_name("templates")
STATIC_DIR = Path(__file__).with_name("static")
LANG_COOKIE = "xz_lang"
LANGUAGES = ("zh", "en")


def request_lang(request: Request) -> str:
    lang = request.cookies.get(LANG_COOKIE, "zh")
    return lang if lang in LANGUAGES else "zh"


# --- navigation: the areas, each shown when its page exists and the role may open it ----------


@dataclass(frozen=True)
class NavItem:
    path: str
    zh: str
    en: str


NAV: list[NavItem] = [
    NavItem("/dashboard", "仪表盘", "Dashboard"),
    NavItem("/enterprises", "企业", "Enterprises"),
    NavItem("/assessments", "评价", "Assessments"),
    NavItem("/policies", "政策", "Policies"),
    NavItem("/chains", "产业链", "Chains"),
    NavItem("/matching", "供需对接", "Matching"),
    NavItem("/compute", "公共算力", "Compute"),
    NavItem("/tracks", "未来产业", "Future industries"),
    NavItem("/reports", "简报", "Briefings"),
    NavItem("/imports", "数据导入", "Imports"),
    NavItem("/audit", "审计日志", "Audit log"),
    NavItem("/admin", "系统管理", "Admin"),
]


@dataclass(frozen=True)
class ProfilePanel:
    """A section of the enterprise profile served by another area, loaded with HTMX.

    ``url`` holds ``{enterprise_id}``; the route behind it must scope by the principal
    like any other (``scoping.visible_enterprise_or_404``).
    """

    key: str
    zh: str
    en: str
    url: str


PROFILE_PANELS: list[ProfilePanel] = []


def register_profile_panel(key: str, zh: str, en: str, url: str) -> None:
    """Add (or replace) a panel of the enterprise profile, e.g. the policies it receives."""
    PROFILE_PANELS[:] = [p for p in PROFILE_PANELS if p.key != key]
    PROFILE_PANELS.append(ProfilePanel(key, zh, en, url))


def _route_roles(app) -> dict[str, object]:
    """GET path → the roles its route admits (or "public"), read from the routes themselves."""
    cached = getattr(app.state, "route_roles", None)
    if cached is None:
        cached = {}
        for route in api_routes(app):
            if "GET" in route.methods:
                access = declared_access(route.dependant)
                if access:
                    cached[route.path] = next(iter(access))
        app.state.route_roles = cached
    return cached


def may_open(request: Request, path: str) -> bool:
    """Whether the principal's role may open the page at ``path`` (a route template path)."""
    access = _route_roles(request.app).get(path)
    if access is None:
        return False
    if access == "public":
        return True
    principal = current_principal(request)
    return principal is not None and principal.role in access


def nav_items(request: Request) -> list[NavItem]:
    return [item for item in NAV if may_open(request, item.path)]


# --- filters: unknown is shown as unknown, never as zero ----------------------------------------

UNKNOWN = "—"


def fmt_number(value, places: int | None = None) -> str:
    if value is None:
        return UNKNOWN
    if places is not None:
        return f"{Decimal(value):,.{places}f}"
    if isinstance(value, Decimal) and value != value.to_integral_value():
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.2f}"
    return f"{int(value):,}"


def fmt_percent(value, places: int = 1) -> str:
    return UNKNOWN if value is None else f"{Decimal(value):.{places}f}%"


def fmt_signed_percent(value, places: int = 1) -> str:
    return UNKNOWN if value is None else f"{Decimal(value):+.{places}f}%"


def fmt_date(value) -> str:
    if value is None:
        return UNKNOWN
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return value.isoformat() if isinstance(value, dt.date) else str(value)


@pass_context
def translate(context, zh: str, en: str) -> str:
    return en if context.get("lang") == "en" else zh


VOCABULARIES = {
    "contract": ContractType,
    "platform": PlatformKind,
    "level": PlatformLevel,
    "ip": IPKind,
}


def zh_label(vocabulary: str, value: str) -> str:
    """The Chinese label of a stored code of a closed vocabulary (``domain.enums``)."""
    try:
        return VOCABULARIES[vocabulary](value).zh
    except ValueError:
        return str(value)


@pass_context
def vocabulary_label(context, value, vocabulary: str) -> str:
    if value is None:
        return UNKNOWN
    return str(value) if context.get("lang") == "en" else zh_label(vocabulary, value)


def _context(request: Request) -> dict:
    return {
        "principal": current_principal(request),
        "lang": request_lang(request),
        "csrf_token": expected_csrf_token(request),
        "nav": nav_items(request),
        "version": __version__,
        "current_path": request.url.path,
        "may_open": lambda path: may_open(request, path),
    }


templates = Jinja2Templates(directory=TEMPLATES_DIR, context_processors=[_context])
templates.env.globals.update(t=translate, UNKNOWN=UNKNOWN, quote=quote)
templates.env.filters.update(
    num=fmt_number, pct=fmt_percent, spct=fmt_signed_percent, date=fmt_date, label=vocabulary_label
)


def set_anon_csrf_cookie(request: Request, response) -> None:
    """Give a visitor who is not signed in the double-submit token the page was rendered with."""
    token = getattr(request.state, "new_csrf", None)
    if token:
        response.set_cookie(
            ANON_CSRF_COOKIE,
            token,
            httponly=True,
            samesite="lax",
            secure=cookie_secure(request),
            path="/",
        )


def cookie_secure(request: Request) -> bool:
    forced = request.app.state.settings.secure_cookies
    return forced if forced is not None else request.url.scheme == "https"


def render(
    request: Request,
    name: str,
    context: dict | None = None,
    *,
    status_code: int = 200,
    headers: dict | None = None,
) -> HTMLResponse:
    response = templates.TemplateResponse(
        request, name, context or {}, status_code=status_code, headers=headers
    )
    set_anon_csrf_cookie(request, response)
    return response
