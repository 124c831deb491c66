"""The FastAPI application.

Until the web issue lands this serves the landing page: the city's headline counts, each
with the date its data describes, and the same data as JSON under /api.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy import Engine

from .. import __version__
from ..metrics.headline import enterprises_by_district, headline
from ..store.db import make_engine
from ..store.schema import ensure_current

TEMPLATES = Jinja2Templates(directory=Path(__file__).with_name("templates"))


def create_app(engine: Engine | None = None) -> FastAPI:
    engine = engine or make_engine()
    ensure_current(engine)
    app = FastAPI(title="新质 Xinzhi", version=__version__, docs_url="/api/docs",
                  openapi_url="/api/openapi.json")  # fmt: skip

    @app.get("/", response_class=HTMLResponse)
    def landing(request: Request):
        return TEMPLATES.TemplateResponse(
            request, "landing.html",
            {"figures": headline(engine), "districts": enterprises_by_district(engine),
             "version": __version__},
        )  # fmt: skip

    @app.get("/api/headline")
    def api_headline() -> dict:
        return {
            "figures": [asdict(f) for f in headline(engine)],
            "enterprises_by_district": [
                {"district": name, "enterprises": count}
                for name, count in enterprises_by_district(engine)
            ],
        }

    return app
