"""Pages and API of future-industry tracks (未来产业): the tracks and the matrix comparing them,
one page per track, clusters and pilot zones against targets, the scenario list, the
firm's tracks on its profile with confirm/reject, and the dashboard's section.

Staff see the pages; every figure is computed over the principal's enterprises (a district
analyst: its district) with ``scoping.enterprise_condition``. Figures are computed once per
data version (``metrics.cache.data_version``) and scope — a classification run or a label
writes an audit entry and so moves the version on: a page after a confirmation shows it.
"""

from __future__ import annotations

import tempfile
import threading
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Body, Form, Query, Request
from fastapi.responses import FileResponse, RedirectResponse
from starlette.background import BackgroundTask

from ...chains.problems import ChainFileError
from ...matching import scenarios as sc
from ...metrics.cache import data_version
from ...tracks import figures
from ...tracks.clusters import load_clusters, progress
from ...tracks.export import write_workbook
from ...tracks.service import CONFIRMED, REJECTED, TrackError, firm_tracks, label, latest_run
from ...tracks.taxonomy import Catalogue, load_catalogue
from ..auth import AnyUser, EngineDep, NotFound, Principal, Staff
from ..scoping import enterprise_condition, visible_enterprise_or_404
from ..templating import register_profile_panel, render

router = APIRouter()
register_profile_panel(
    "tracks", "未来产业赛道", "Future-industry tracks", "/tracks/enterprise/{enterprise_id}/panel"
)
TrackId = Annotated[str, Query(pattern=r"^[a-z0-9-]{2,59}$")]
_LOCK = threading.Lock()
CACHE_ENTRIES = 128


def _catalogue(request: Request) -> Catalogue:
    state = request.app.state
    catalogue = getattr(state, "tracks_catalogue", None)
    if catalogue is None:
        catalogue = state.tracks_catalogue = load_catalogue()
    return catalogue


def _scope_key(principal: Principal) -> tuple:
    return (principal.role, principal.district_id, principal.enterprise_id)


def _cached(request: Request, principal: Principal, name: str, compute):
    """``compute(conn)`` once per data version and scope; never stale."""
    state = request.app.state
    engine = state.engine
    version = data_version(engine)
    cache = getattr(state, "tracks_cache", None)
    if cache is None:
        cache = state.tracks_cache = {}
    key = (name, _scope_key(principal))
    entry = cache.get(key)
    if entry is not None and entry[0] == version:
        return entry[1]
    with _LOCK:
        entry = cache.get(key)
        if entry is None or entry[0] != version:
            with engine.connect() as conn:
                entry = cache[key] = (version, compute(conn))
            while len(cache) > CACHE_ENTRIES:
                cache.pop(next(iter(cache)))
        return entry[1]


def _track_or_404(catalogue: Catalogue, track_id: str):
    track = catalogue.get(track_id)
    if track is None:
        raise NotFound("没有该赛道", "no such track")
    return track


def _overview(request: Request, principal: Principal) -> dict:
    catalogue = _catalogue(request)
    scope = enterprise_condition(principal)

    def compute(conn):
        matrix = figures.matrix(conn, catalogue, scope)
        try:
            clusters = [progress(conn, c, catalogue, scope) for c in load_clusters(catalogue)]
            cluster_error = None
        except ChainFileError as error:
            clusters, cluster_error = [], [p.describe() for p in error.problems]
        return {
            "matrix": matrix,
            "clusters": clusters,
            "cluster_error": cluster_error,
            "run": latest_run(conn),
        }

    return _cached(request, principal, "overview", compute)


def _track_view(request: Request, principal: Principal, track_id: str) -> dict:
    catalogue = _catalogue(request)
    track = _track_or_404(catalogue, track_id)
    scope = enterprise_condition(principal)

    def compute(conn):
        return figures.track_page(conn, catalogue, track_id, scope)

    data = _cached(request, principal, f"track:{track_id}", compute)
    taxonomy = next(t for t in catalogue.taxonomies if t.key == track.taxonomy)
    return {"track": track, "taxonomy": taxonomy, "members": catalogue.members(track_id), **data}


# --- pages ------------------------------------------------------------------------------------


@router.get("/tracks", include_in_schema=False)
def tracks_page(request: Request, principal: Staff):
    catalogue = _catalogue(request)
    return render(
        request,
        "tracks/index.html",
        {
            "catalogue": catalogue,
            **_overview(request, principal),
            "scenarios": sc.listing(request.app.state.engine),
            "states": sc.STATES,
        },
    )


@router.get("/tracks/export.xlsx", include_in_schema=False)
def tracks_export(
    request: Request,
    principal: Staff,
    engine: EngineDep,
    track: Annotated[list[str] | None, Query()] = None,
):
    catalogue = _catalogue(request)
    for t in track or []:
        _track_or_404(catalogue, t)
    path = Path(tempfile.mkstemp(suffix=".xlsx")[1])
    with engine.connect() as conn:
        write_workbook(conn, catalogue, enterprise_condition(principal), path, track or [])
    return FileResponse(path, filename="未来产业赛道.xlsx", background=BackgroundTask(path.unlink))


@router.get("/tracks/dashboard-panel", include_in_schema=False)
def dashboard_panel(request: Request, principal: Staff):
    """The dashboard's future-industries section (loaded with HTMX)."""
    overview = _overview(request, principal)
    top = sorted(overview["matrix"], key=lambda r: -r["firms"])[:8]
    return render(
        request, "tracks/dashboard_panel.html", {"top": top, "clusters": overview["clusters"]}
    )


@router.get("/tracks/{track_id}", include_in_schema=False)
def track_page(request: Request, principal: Staff, track_id: str):
    view = _track_view(request, principal, track_id)
    return render(request, "tracks/track.html", {**view, "tier_zh": figures.TIER_ZH})


@router.get("/tracks/enterprise/{enterprise_id}/panel", include_in_schema=False)
def enterprise_panel(request: Request, principal: AnyUser, engine: EngineDep, enterprise_id: int):
    """The profile's section: the firm's tracks, each with its evidence and label."""
    catalogue = _catalogue(request)
    with engine.connect() as conn:
        visible_enterprise_or_404(conn, principal, enterprise_id)
        rows = firm_tracks(conn, enterprise_id)
    for row in rows:
        found = catalogue.get(row["track"])
        row["name"] = found.name if found else row["track"]
    return render(
        request,
        "tracks/panel.html",
        {
            "rows": rows,
            "enterprise_id": enterprise_id,
            "may_label": principal.role in ("admin", "analyst", "district_analyst"),
        },
    )


def _label(
    request: Request,
    principal: Principal,
    enterprise_id: int,
    track: str,
    verdict: str,
    reason: str | None,
) -> dict:
    engine = request.app.state.engine
    with engine.connect() as conn:
        visible_enterprise_or_404(conn, principal, enterprise_id)
    try:
        return label(
            engine,
            credit_code_or_id=enterprise_id,
            track=track,
            verdict=verdict,
            actor=principal.audit_name,
            reason=reason,
            catalogue=_catalogue(request),
        )
    except TrackError as error:
        from fastapi import HTTPException

        raise HTTPException(422, f"{error.zh} / {error.en}") from None


@router.post("/tracks/enterprise/{enterprise_id}/label", include_in_schema=False)
def label_form(
    request: Request,
    principal: Staff,
    enterprise_id: int,
    track: Annotated[str, Form(max_length=60)],
    verdict: Annotated[str, Form(pattern="^(confirmed|rejected)$")],
    reason: Annotated[str | None, Form(max_length=500)] = None,
):
    _label(request, principal, enterprise_id, track, verdict, reason)
    return RedirectResponse(f"/enterprises/{enterprise_id}", status_code=303)


# --- API --------------------------------------------------------------------------------------


def _track_json(track) -> dict:
    return {
        "id": track.id,
        "name": track.name,
        "name_en": track.name_en,
        "taxonomy": track.taxonomy,
        "status": track.status,
        "classified": track.classified,
        "parent": track.parent,
        "includes": track.includes,
        "flagship": track.flagship,
    }


@router.get("/api/tracks", tags=["tracks"])
def tracks_api(request: Request, principal: Staff) -> dict:
    """The taxonomies in force (with sources and provenance marks), their tracks, the matrix
    comparing classified tracks (firms, latest revenue, HNTE firms), clusters and pilot zones."""
    catalogue = _catalogue(request)
    overview = _overview(request, principal)
    return {
        "as_of": catalogue.as_of,
        "taxonomies": [
            {
                "key": t.key,
                "name": t.name,
                "region": t.region,
                "document": t.document,
                "valid_from": t.valid_from,
                "valid_to": t.valid_to,
                "status": t.status,
                "sources": [vars(s) for s in t.sources],
                "tracks": [_track_json(x) for x in t.tracks],
            }
            for t in catalogue.taxonomies
        ],
        **overview,
    }


@router.get("/api/tracks/scenarios", tags=["tracks"])
def scenarios_api(
    request: Request, principal: Staff, state: Annotated[str | None, Query(max_length=20)] = None
) -> list[dict]:
    """The 场景机会清单 with each scenario's state and last matching (with reasons)."""
    return sc.listing(request.app.state.engine, state=state)


@router.get("/api/tracks/enterprises/{enterprise_id}", tags=["tracks"])
def enterprise_tracks_api(principal: AnyUser, engine: EngineDep, enterprise_id: int) -> list[dict]:
    """One firm's tracks: confidence, evidence (field, term or code, weight) and label."""
    with engine.connect() as conn:
        visible_enterprise_or_404(conn, principal, enterprise_id)
        return firm_tracks(conn, enterprise_id)


@router.post("/api/tracks/enterprises/{enterprise_id}/labels", tags=["tracks"])
def label_api(
    request: Request,
    principal: Staff,
    enterprise_id: int,
    track: Annotated[str, Body(max_length=60)],
    verdict: Annotated[str, Body(pattern=f"^({CONFIRMED}|{REJECTED})$")],
    reason: Annotated[str | None, Body(max_length=500)] = None,
) -> dict:
    """Confirm or reject a firm's track; audited; wins over every later classification."""
    return _label(request, principal, enterprise_id, track, verdict, reason)


@router.get("/api/tracks/{track_id}", tags=["tracks"])
def track_api(request: Request, principal: Staff, track_id: str) -> dict:
    """One track: its figures (firms by tier, yearly revenue and R&D, growth, patents,
    contracts, financing, platforms, results, demands, districts, parks) and largest firms."""
    view = _track_view(request, principal, track_id)
    track = view["track"]
    return {
        **_track_json(track),
        "dictionary": {
            "synonyms": track.synonyms,
            "strong": track.strong,
            "weak": track.weak,
            "exclude": track.exclude,
            "industry_codes": track.industry_codes,
            "sei_codes": track.sei_codes,
            "ipc": track.ipc + track.ipc_weak,
            "chain_nodes": track.chain_nodes,
        },
        "members": view["members"],
        "figures": view["figures"],
        "firms": view["firms"],
    }


__all__ = ["router"]
