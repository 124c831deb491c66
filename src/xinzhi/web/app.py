"""The FastAPI application: pages (Jinja2 + HTMX) and the REST API under /api.

``create_app`` mounts one router per area (``web.routers``); every route declares who may use
it (``web.auth``) and scopes its queries (``web.scoping``). See docs/web.md.
"""

from __future__ import annotations

import logging
import threading
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from .. import __version__
from ..accounts.sessions import load_session
from ..store.db import make_engine
from ..store.schema import ensure_current
from .auth import (
    CITY_ROLES,
    SESSION_COOKIE,
    BadRequest,
    Forbidden,
    LoginRequired,
    NotFound,
    Public,
)
from .config import WebSettings
from .limits import BodySizeLimit, SecurityHeaders, private_directory
from .routers import (
    account,
    admin,
    assessments,
    audit,
    chains,
    compute,
    dashboard,
    enterprises,
    imports,
    matching,
    policies,
    reports,
    tracks,
)
from .search import IndexState
from .templating import STATIC_DIR, render

log = logging.getLogger(__name__)

# Mounted in this order; each area owns its router module (docs/web.md, "how to add a page").
ROUTERS = (
    account,
    dashboard,
    enterprises,
    imports,
    audit,
    admin,
    assessments,
    policies,
    chains,
    matching,
    compute,
    tracks,
    reports,
)


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or (
        "application/json" in request.headers.get("accept", "")
        and "text/html" not in request.headers.get("accept", "")
    )


def _problem(request: Request, status: int, zh: str, en: str, headers: dict | None = None):
    if _wants_json(request):
        return JSONResponse({"detail": {"zh": zh, "en": en}}, status_code=status, headers=headers)
    return render(
        request,
        "error.html",
        {"status": status, "zh": zh, "en": en},
        status_code=status,
        headers=headers,
    )


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired):
        if _wants_json(request):
            return JSONResponse(
                {"detail": {"zh": "请先登录", "en": "sign in first"}}, status_code=401
            )
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        from urllib.parse import quote

        login = f"/login?next={quote(target)}"
        if request.headers.get("hx-request"):
            return JSONResponse({}, status_code=401, headers={"HX-Redirect": login})
        return RedirectResponse(login, status_code=303)

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, exc: Forbidden):
        return _problem(request, 403, exc.zh, exc.en)

    @app.exception_handler(NotFound)
    async def not_found(request: Request, exc: NotFound):
        return _problem(request, 404, exc.zh, exc.en)

    @app.exception_handler(BadRequest)
    async def bad_request(request: Request, exc: BadRequest):
        return _problem(request, 400, exc.zh, exc.en)

    # An id past the database's integer range (a 23-digit path id) fails in the driver:
    # SQLite raises OverflowError, PostgreSQL a DataError. Both are the caller's input.
    @app.exception_handler(OverflowError)
    @app.exception_handler(DataError)
    async def out_of_range(request: Request, exc: Exception):
        log.info("refused out-of-range input on %s: %s", request.url.path, exc)
        return _problem(request, 400, "数值超出范围", "a number is out of range")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        if exc.status_code == 404:
            return _problem(request, 404, "未找到", "not found")
        detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        return _problem(request, exc.status_code, detail, detail, getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError):
        if _wants_json(request):
            return JSONResponse({"detail": exc.errors()}, status_code=422)
        fields = ", ".join(".".join(str(p) for p in e["loc"][1:]) for e in exc.errors())
        return _problem(request, 422, f"请求参数有误：{fields}", f"invalid parameters: {fields}")


def _warm_up(app: FastAPI) -> None:
    """Start bringing the search index up to date; fill the dashboard cache; off the request path."""
    from ..metrics.cache import data_version
    from .routers.dashboard import warm_cache

    try:
        app.state.search_index.ready(app.state.engine, data_version(app.state.engine))
        warm_cache(app)
    except Exception:
        log.exception("warm-up failed")


UPLOAD_PATHS = frozenset({"/imports", "/api/imports"})


def _may_upload(engine: Engine, scope) -> bool:
    """May this request send an import-sized body: a POST to an import route with the
    session of a user whose role may import (the route itself checks again, and CSRF)."""
    if scope["method"] != "POST" or scope["path"] not in UPLOAD_PATHS:
        return False
    user = load_session(engine, Request(scope).cookies.get(SESSION_COOKIE))
    return user is not None and user.role in CITY_ROLES


def create_app(engine: Engine | None = None, settings: WebSettings | None = None) -> FastAPI:
    engine = engine or make_engine()
    ensure_current(engine)
    settings = settings or WebSettings.from_env()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        threading.Thread(target=_warm_up, args=(app,), name="xinzhi-warm-up", daemon=True).start()
        yield
        from ..rulelang.snapshot import close_snapshots

        close_snapshots()  # the snapshot connections kept warm for the next request

    app = FastAPI(
        title="新质 Xinzhi",
        version=__version__,
        docs_url=None,
        openapi_url="/api/openapi.json",
        redoc_url=None,
        lifespan=lifespan,
        description="新质平台的数据接口；与网页同样按角色限定范围 / the data behind "
        "every page, scoped by role exactly like the pages.",
    )
    app.state.engine = engine
    app.state.settings = settings
    app.state.search_index = IndexState()
    private_directory(settings.reports_dir)  # refuse to start on a folder others can open
    app.add_middleware(SecurityHeaders)
    app.add_middleware(
        BodySizeLimit,
        max_bytes=settings.body_max_bytes,
        large_bytes=settings.upload_max_bytes,
        allows_large=lambda scope: _may_upload(engine, scope),
    )
    if settings.trusted_proxies:  # outermost: every layer sees the client's own address
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=list(settings.trusted_proxies))
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.get("/api/docs", include_in_schema=False)
    def api_docs(request: Request, principal: Public):
        # the vendored Swagger UI, started by a static script: no CDN, and the usual CSP
        return render(request, "api_docs.html", {"openapi_url": app.openapi_url})

    for module in ROUTERS:
        app.include_router(module.router)
    install_error_handlers(app)
    return app
