"""Assessment runs and the cultivation pipeline (梯度培育): which firms are near each tier, by
district, against the year's targets. District analysts see their own district only."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated
from urllib.parse import urlencode

import sqlalchemy as sa
from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import FileResponse, RedirectResponse
from starlette.background import BackgroundTask

from ...assessments.cultivation import (
    Distance,
    Pipeline,
    PipelineError,
    build_pipeline,
    parse_distance,
    shortfall_text,
    write_pipeline,
)
from ...assessments.runs import evaluate, latest_run, record
from ...domain.errors import XinzhiError
from ...domain.values import parse_date
from ...store.models import Enterprise
from ...store.models.runs import CurrentStatus, EvaluationRun
from ..auth import CityStaff, EngineDep, Principal, Staff
from ..scoping import scope_enterprises
from ..templating import render

router = APIRouter()

MaxFailed = Annotated[int, Query(ge=1, le=5, description="苗企最多不符合的条款数")]
ScoreMargin = Annotated[int, Query(ge=0, le=100, description="评分不达标时最多差几分")]
Margin = Annotated[
    str,
    Query(
        max_length=200,
        description="数值条款的相对差距上限（百分比）：20，或按梯度 20,unicorn=10",
    ),
]
# The page's form fields arrive as typed, and are checked by ``parse_distance`` so that a bad
# value is shown as a bilingual message on the page instead of a bare 422.
FormField = Annotated[str, Query(max_length=40)]
Tier = Annotated[
    str, Query(pattern=r"^[a-z_]*$", max_length=40, description="梯度（family）或评价编号")
]
SEEDLINGS_SHOWN = 100


def _pipeline(engine, principal: Principal, distance: Distance, tier: str) -> Pipeline | None:
    """The latest run's pipeline in the principal's scope; None before any run (a run that
    cannot be read, e.g. one older than the recorded shortfalls, raises ``PipelineError``)."""
    if latest_run(engine) is None:
        return None
    district = None if principal.sees_whole_city else principal.district_id
    return build_pipeline(
        engine, distance=distance, district_id=district, families={tier} if tier else None
    )


def _checked(engine, principal: Principal, max_failed, score_margin, margin, tier):
    """The pipeline for the API and the export: a bad distance or run is a 422 naming it."""
    try:
        distance = parse_distance(max_failed, score_margin, margin)
        return distance, _pipeline(engine, principal, distance, tier)
    except PipelineError as exc:
        raise HTTPException(422, str(exc)) from None


def _matrix(pipeline: Pipeline | None) -> tuple[list, list]:
    """The pipeline as one row per district (the city last) and one column per assessment."""
    if pipeline is None:
        return [], []
    columns = list(dict.fromkeys((r.assessment, r.tier) for r in pipeline.rows))
    by_district: dict = {}
    for row in pipeline.rows:
        by_district.setdefault((row.district_id is None, row.district_id, row.district), {})[
            row.assessment
        ] = row
    rows = [(name, total, cells) for (total, _, name), cells in by_district.items()]
    rows.sort(key=lambda r: r[1])  # districts in their order, then the city
    return columns, rows


def _runs(engine, principal: Principal, limit: int = 10) -> list[dict]:
    """The latest runs, each with its passes per assessment in the principal's scope.

    A run's summary counts the whole city; a district analyst gets its district's passes,
    known for the latest run only (``current_statuses``); older runs show none, not the
    city's figure."""
    R = EvaluationRun
    with engine.connect() as conn:
        runs = conn.execute(
            sa.select(R.id, R.as_of, R.actor, R.finished_at, R.summary, R.backend)
            .where(R.kind == "assessment")
            .order_by(R.id.desc())
            .limit(limit)
        ).all()
        scoped: dict[int, dict[str, int]] = {}
        if not principal.sees_whole_city:
            S = CurrentStatus
            passes = scope_enterprises(
                sa.select(S.run_id, S.assessment, sa.func.count())
                .join(Enterprise, Enterprise.id == S.enterprise_id)
                .where(S.status == "pass")
                .group_by(S.run_id, S.assessment),
                principal,
            )
            for run_id, assessment, count in conn.execute(passes):
                scoped.setdefault(run_id, {})[assessment] = count
    rows = []
    for run in runs:
        if principal.sees_whole_city:
            passes = {a: c.get("pass", 0) for a, c in (run.summary or {}).get("counts", {}).items()}
        elif run.id == runs[0].id:  # the latest run: every assessment, zero where none passed
            counts = (run.summary or {}).get("counts", {})
            passes = {a: scoped.get(run.id, {}).get(a, 0) for a in counts}
        else:
            passes = None
        rows.append({**run._asdict(), "passes": passes})
    return rows


@router.get("/assessments", include_in_schema=False)
def assessments_page(
    request: Request,
    principal: Staff,
    engine: EngineDep,
    max_failed: FormField = "1",
    score_margin: FormField = "10",
    margin: Margin = "20",
    tier: Tier = "",
):
    """The pipeline with its distance form (kept in the URL, so a view can be shared)."""
    return _page(request, principal, engine, max_failed, score_margin, margin, tier)


def _page(
    request: Request,
    principal: Principal,
    engine,
    max_failed: str = "1",
    score_margin: str = "10",
    margin: str = "20",
    tier: str = "",
    *,
    run_error: XinzhiError | None = None,
    application_date: str = "",
):
    error = pipeline = None
    try:
        pipeline = _pipeline(
            engine, principal, parse_distance(max_failed, score_margin, margin), tier
        )
    except PipelineError as exc:
        error = exc
    columns, rows = _matrix(pipeline)
    query = urlencode(
        {"max_failed": max_failed, "score_margin": score_margin, "margin": margin, "tier": tier}
    )
    return render(
        request,
        "assessments.html",
        {
            "run_error": run_error,
            "application_date": application_date,
            "pipeline": pipeline,
            "error": error,
            "columns": columns,
            "rows": rows,
            "runs": _runs(engine, principal),
            "max_failed": max_failed,
            "score_margin": score_margin,
            "margin": margin,
            "tier": tier,
            "query": query,
            "shown": SEEDLINGS_SHOWN,
            "may_run": principal.sees_whole_city,
            "shortfall_text": shortfall_text,
        },
        status_code=422 if error or run_error else 200,
    )


@router.post("/assessments/run", include_in_schema=False)
def run_assessments(
    request: Request,
    principal: CityStaff,
    engine: EngineDep,
    application_date: Annotated[str, Form(max_length=20)] = "",
):
    """Evaluate everyone now and record the run (as `xinzhi assess`); with an application
    date, as `xinzhi assess --application-date` (a bad date: the page again, with why)."""
    text = application_date.strip()
    try:
        # A future date is refused by evaluate, in the application's own words.
        day = parse_date(text, allow_future=True) if text else None
        result = evaluate(engine, application_date=day)
    except XinzhiError as exc:
        return _page(request, principal, engine, run_error=exc, application_date=text)
    record(engine, result, actor=principal.audit_name)
    return RedirectResponse("/assessments", status_code=303)


@router.get("/assessments/pipeline.xlsx", include_in_schema=False)
def pipeline_export(
    principal: Staff,
    engine: EngineDep,
    max_failed: MaxFailed = 1,
    score_margin: ScoreMargin = 10,
    margin: Margin = "20",
    tier: Tier = "",
):
    _, pipeline = _checked(engine, principal, max_failed, score_margin, margin, tier)
    if pipeline is None:
        raise HTTPException(404, "尚无评价记录 / no assessment run yet")
    path = Path(tempfile.mkstemp(suffix=".xlsx")[1])
    write_pipeline(pipeline, path)
    return FileResponse(
        path, filename=f"梯度培育-run{pipeline.run_id}.xlsx", background=BackgroundTask(path.unlink)
    )


@router.get("/api/assessments/pipeline", tags=["assessments"])
def pipeline_api(
    principal: Staff,
    engine: EngineDep,
    max_failed: MaxFailed = 1,
    score_margin: ScoreMargin = 10,
    margin: Margin = "20",
    tier: Tier = "",
) -> dict:
    """The cultivation pipeline of the latest run: per tier and district the firms that pass,
    the seedlings within the distance, the undetermined, the firms near but with data to
    collect, the target and the shortfall; then the seedlings with their failed clauses,
    shortfalls and gaps, and the firms to collect data for. ``run_id`` null: no run yet."""
    distance, pipeline = _checked(engine, principal, max_failed, score_margin, margin, tier)
    if pipeline is None:
        return {"run_id": None, "rows": [], "seedlings": [], "to_collect": []}
    return {
        "run_id": pipeline.run_id,
        "as_of": pipeline.as_of,
        "distance": {
            "max_failed": distance.max_failed,
            "score_margin": distance.score_margin,
            "relative_margin": float(distance.relative_margin),
            "tier_margins": {t: float(m) for t, m in distance.tier_margins},
        },
        "rows": [
            {
                "district_id": r.district_id,
                "district": r.district,
                "assessment": r.assessment,
                "family": r.family,
                "passed": r.passed,
                "seedlings": r.seedlings,
                "undetermined": r.undetermined,
                "to_collect": r.to_collect,
                "target": r.target,
                "target_year": r.target_year,
                "shortfall": r.shortfall,
                "covered": r.covered,
            }
            for r in pipeline.rows
        ],
        "seedlings": [_firm(s) for s in pipeline.seedlings],
        "to_collect": [_firm(s) for s in pipeline.to_collect],
    }


def _firm(s) -> dict:
    return {
        "enterprise_id": s.enterprise_id,
        "credit_code": s.credit_code,
        "name": s.name,
        "district": s.district,
        "assessment": s.assessment,
        "failed": s.failed,
        "shortfalls": s.shortfalls,
        "score_low": s.score_low,
        "score_high": s.score_high,
        "score_short": s.score_short,
        "gap_zh": s.gap.zh if s.gap else None,
        "gap_en": s.gap.en if s.gap else None,
        "unknown": s.unknown,
    }
