"""工作简报 / Briefings: choose a period (and, for city staff, a district), download the
briefing as Word or PDF. A district analyst gets its own district's briefing only."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

import sqlalchemy as sa
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from ...documents.briefings.service import MEDIA_TYPES, file_name, render
from ...domain.errors import InvalidValue
from ...metrics.kpis import available_years, default_year
from ...metrics.periods import KIND_ZH, KINDS, Period
from ...store import models
from ..auth import EngineDep, NotFound, Principal, Staff
from ..templating import render as render_page

router = APIRouter()


def _district(principal: Principal, requested: int | None) -> int | None:
    """City staff choose (None: the city); a district analyst always gets its own district,
    and asking for another one is answered as if it did not exist."""
    if principal.sees_whole_city:
        return requested
    if requested is not None and requested != principal.district_id:
        raise NotFound()
    return principal.district_id


def _form(engine, principal: Principal) -> dict:
    with engine.connect() as conn:
        years = available_years(conn) or [default_year(conn)]
        query = sa.select(models.District.id, models.District.name).order_by(models.District.code)
        if not principal.sees_whole_city:
            query = query.where(models.District.id == principal.district_id)
        districts = conn.execute(query).all()
    return {
        "years": years,
        "districts": districts,
        "kinds": [(k, KIND_ZH[k]) for k in KINDS],
        "city_wide": principal.sees_whole_city,
    }


@router.get("/reports", include_in_schema=False)
def reports_page(request: Request, principal: Staff, engine: EngineDep):
    return render_page(request, "reports.html", {**_form(engine, principal), "error": None})


@router.get("/reports/download", include_in_schema=False)
def download(
    request: Request,
    principal: Staff,
    engine: EngineDep,
    kind: Annotated[str, Query(max_length=20)] = "annual",
    year: Annotated[int | None, Query(ge=1900, le=2999)] = None,
    # the form sends "" for "not chosen": numbers as text, checked by the pattern
    quarter: Annotated[str, Query(pattern=r"^\d{0,2}$")] = "",
    month: Annotated[str, Query(pattern=r"^\d{0,2}$")] = "",
    district_id: Annotated[str, Query(pattern=r"^\d{0,9}$")] = "",
    fmt: Annotated[str, Query(alias="format", pattern="^(docx|pdf)$")] = "docx",
):
    from ...documents.briefings.compose import build_briefing

    district = _district(principal, int(district_id) if district_id else None)
    try:
        if year is None:
            with engine.connect() as conn:
                year = default_year(conn)
        # the form sends every field: only the one the kind needs counts
        period = Period.parse(
            kind,
            year,
            int(quarter) if quarter and kind == "quarterly" else None,
            int(month) if month and kind == "monthly" else None,
        )
        briefing = build_briefing(engine, period, district)
        data = render(briefing, fmt)
    except InvalidValue as error:
        context = {**_form(engine, principal), "error": error}
        return render_page(request, "reports.html", context, status_code=400)
    name = file_name(briefing, period, fmt)
    ascii_name = f"briefing-{period.slug}.{fmt}"
    return Response(
        data,
        media_type=MEDIA_TYPES[fmt],
        headers={
            "Content-Disposition": f'attachment; filename="{ascii_name}"; '
            f"filename*=UTF-8''{quote(name)}"
        },
    )
