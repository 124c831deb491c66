"""Signing in and out, the language switch, the home page of each role, one's own password."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse
from pydantic import BaseModel, Field

from ...accounts.login import PASSWORD_MAX, USERNAME_MAX, attempt_login, check_password
from ...accounts.sessions import end_session, start_session
from ...accounts.users import UserError, set_password
from ...store.audit import Action, audit
from ..auth import (
    ANON_CSRF_COOKIE,
    SESSION_COOKIE,
    AnyUser,
    EngineDep,
    Principal,
    Public,
    SettingsDep,
    expected_csrf_token,
)
from ..templating import (
    LANG_COOKIE,
    LANGUAGES,
    cookie_secure,
    may_open,
    render,
    set_anon_csrf_cookie,
)

router = APIRouter()


def safe_next(target: str | None) -> str | None:
    """A local path to return to after login; anything else (other hosts, //x) is dropped."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    return None if parts.scheme or parts.netloc else target


def home_path(request: Request, principal: Principal) -> str:
    if principal.role == "enterprise":
        return f"/enterprises/{principal.enterprise_id}"
    for path in ("/dashboard", "/matching", "/enterprises"):
        if may_open(request, path):
            return path
    return "/account"


def client_ip(request: Request) -> str:
    """The connection's address; a proxy's X-Forwarded-For is believed only from the proxies
    named in XINZHI_TRUSTED_PROXIES (uvicorn's ProxyHeadersMiddleware, see app.py)."""
    return request.client.host if request.client else "unknown"


def _too_many(retry_after: int, what_zh: str = "登录", what_en: str = "logins") -> tuple[str, str]:
    minutes = max(1, round(retry_after / 60))
    return (
        f"{what_zh}失败次数过多，请 {minutes} 分钟后再试",
        f"too many failed {what_en}; try again in {minutes} min",
    )


@router.get("/", include_in_schema=False)
def index(request: Request, principal: Public):
    if principal is None:
        return RedirectResponse("/login", status_code=303)
    return RedirectResponse(home_path(request, principal), status_code=303)


@router.get("/login", include_in_schema=False)
def login_form(request: Request, principal: Public, next: str | None = None):
    return render(request, "login.html", {"next": safe_next(next) or "", "error": None})


def _set_session_cookie(request: Request, response, token: str, hours: int) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=hours * 3600,
        httponly=True,
        samesite="lax",
        secure=cookie_secure(request),
        path="/",
    )
    response.delete_cookie(ANON_CSRF_COOKIE, path="/")


def _login(request: Request, engine, settings, username: str, password: str):
    """(session token, None) or (None, (status, zh, en, retry_after))."""
    outcome = attempt_login(engine, username, password, client_ip(request), settings)
    if outcome.retry_after:
        return None, (429, *_too_many(outcome.retry_after), outcome.retry_after)
    if not outcome.ok:
        return None, (401, "用户名或密码错误", "wrong user name or password", None)
    end_session(engine, request.cookies.get(SESSION_COOKIE))  # no session fixation
    token = start_session(
        engine,
        outcome.user_id,
        settings,
        ip=client_ip(request),
        user_agent=request.headers.get("user-agent"),
    )
    with engine.begin() as conn:
        audit(
            conn,
            actor=f"web:{username.strip().lower()}",
            action=Action.USER_LOGIN,
            subject=f"user:{username.strip().lower()}",
            detail={"ip": client_ip(request)},
        )
    return token, None


@router.post("/login", include_in_schema=False)
def login(
    request: Request,
    principal: Public,
    engine: EngineDep,
    settings: SettingsDep,
    username: Annotated[str, Form(max_length=USERNAME_MAX)],
    password: Annotated[str, Form(max_length=PASSWORD_MAX)],
    next: Annotated[str, Form()] = "",
):
    token, failure = _login(request, engine, settings, username, password)
    if failure:
        status, zh, en, retry_after = failure
        headers = {"Retry-After": str(retry_after)} if retry_after else None
        return render(
            request,
            "login.html",
            {"next": safe_next(next) or "", "error": (zh, en), "username": username},
            status_code=status,
            headers=headers,
        )
    response = RedirectResponse(safe_next(next) or "/", status_code=303)
    _set_session_cookie(request, response, token, settings.session_hours)
    return response


@router.post("/logout", include_in_schema=False)
def logout(request: Request, principal: AnyUser, engine: EngineDep):
    end_session(engine, request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/lang/{lang}", include_in_schema=False)
def switch_language(lang: str, principal: Public, next: str | None = None):
    response = RedirectResponse(safe_next(next) or "/", status_code=303)
    if lang in LANGUAGES:
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, samesite="lax", path="/")
    return response


@router.get("/account", include_in_schema=False)
def account(request: Request, principal: AnyUser):
    return render(request, "account.html", {"message": None})


@router.post("/account/password", include_in_schema=False)
def change_own_password(
    request: Request,
    principal: AnyUser,
    engine: EngineDep,
    settings: SettingsDep,
    current: Annotated[str, Form(max_length=PASSWORD_MAX)],
    new: Annotated[str, Form(max_length=PASSWORD_MAX)],
):
    # the current password is checked under the login limits: a stolen session cannot be
    # used to guess it any faster than the login form
    outcome = check_password(
        engine,
        principal.username,
        current,
        client_ip(request),
        settings,
        purpose="password_check",
    )
    if outcome.retry_after:
        message = ("error", *_too_many(outcome.retry_after, "密码核对", "password checks"))
        return render(
            request,
            "account.html",
            {"message": message},
            status_code=429,
            headers={"Retry-After": str(outcome.retry_after)},
        )
    if outcome.user_id != principal.user_id:
        message = ("error", "当前密码不正确", "the current password is wrong")
        return render(request, "account.html", {"message": message}, status_code=400)
    try:
        set_password(engine, principal.username, new, actor=principal.audit_name)
    except UserError as error:
        return render(
            request, "account.html", {"message": ("error", error.zh, error.en)}, status_code=400
        )
    response = RedirectResponse("/login", status_code=303)  # every session of the user ended
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


# --- the same over JSON -------------------------------------------------------------------------


class Credentials(BaseModel):
    username: str = Field(max_length=USERNAME_MAX)
    password: str = Field(max_length=PASSWORD_MAX)


@router.get("/api/csrf", tags=["account"])
def api_csrf(request: Request, principal: Public) -> JSONResponse:
    """The CSRF token to send as ``X-CSRF-Token`` with state-changing requests."""
    response = JSONResponse({"csrf_token": expected_csrf_token(request)})
    set_anon_csrf_cookie(request, response)
    return response


@router.post("/api/login", tags=["account"])
def api_login(
    request: Request,
    credentials: Credentials,
    principal: Public,
    engine: EngineDep,
    settings: SettingsDep,
) -> JSONResponse:
    """Sign in: sets the session cookie and returns the session's CSRF token."""
    token, failure = _login(request, engine, settings, credentials.username, credentials.password)
    if failure:
        status, zh, en, retry_after = failure
        headers = {"Retry-After": str(retry_after)} if retry_after else None
        return JSONResponse({"detail": {"zh": zh, "en": en}}, status_code=status, headers=headers)
    from ...accounts.sessions import load_session

    user = load_session(engine, token)
    response = JSONResponse(
        {"username": user.username, "role": user.role, "csrf_token": user.csrf_token}
    )
    _set_session_cookie(request, response, token, settings.session_hours)
    return response


@router.get("/api/me", tags=["account"])
def api_me(principal: AnyUser) -> dict:
    """The signed-in user and what the role is tied to."""
    return {
        "username": principal.username,
        "display_name": principal.display_name,
        "role": principal.role,
        "district_id": principal.district_id,
        "enterprise_id": principal.enterprise_id,
        "expert_id": principal.expert_id,
    }
