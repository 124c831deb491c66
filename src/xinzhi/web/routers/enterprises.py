"""Enterprises: search, filter, sort and page through them; one enterprise's profile; export."""

from __future__ import annotations

import io
from typing import Annotated
from urllib.parse import urlencode

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse

from ...assessments.results import passed_enterprise_ids
from ...documents.excel import HEADER_FILL, HEADER_FONT, safe_value
from ...domain.industry import GB4754_SECTIONS
from ...metrics.cache import VersionedCache
from ...store import models
from ..auth import (
    ADMIN,
    ANALYST,
    DISTRICT_ANALYST,
    ENTERPRISE,
    EngineDep,
    Principal,
    allow,
    request_data_version,
)
from ..profile import YEAR_FIELDS, load_profile
from ..results import TIERS, assessed, enterprise_results
from ..scoping import scope_by_district, visible_enterprise_or_404
from ..search import Filters, list_enterprises
from ..templating import PROFILE_PANELS, may_open, render, request_lang

router = APIRouter()

# enterprise users see the list with their own firm only, and their own profile
Viewer = Annotated[Principal, Depends(allow(ADMIN, ANALYST, DISTRICT_ANALYST, ENTERPRISE))]
EXPORT_LIMIT = 50_000


def _filters(
    request: Request,
    q: str,
    district: str | None,
    industry: str | None,
    tier: str | None,
    sort: str,
) -> Filters:
    state = request.app.state
    use_index = bool(q) and state.search_index.ready(state.engine, request_data_version(request))
    tier_ids = passed_enterprise_ids(tier) if tier else None
    return Filters(
        q=q[:100],
        district_id=int(district) if district else None,
        industry=(industry or None),
        tier_ids=tier_ids,
        sort=sort,
        use_index=use_index,
    )


def _visible_districts(engine, principal: Principal) -> list[tuple[int, str]]:
    with engine.connect() as conn:
        stmt = scope_by_district(
            sa.select(models.District.id, models.District.name).order_by(models.District.code),
            principal,
            models.District.id,
        )
        return [tuple(row) for row in conn.execute(stmt)]


QueryQ = Annotated[str, Query(max_length=100, description="名称、拼音首字母或统一社会信用代码")]
# forms send an empty string for "all"
QueryDistrict = Annotated[str | None, Query(max_length=10, pattern=r"^\d*$", description="区县 id")]
QueryIndustry = Annotated[
    str | None,
    Query(
        max_length=5,
        pattern=r"^[A-Za-z]?\d{0,4}$",
        description="行业门类字母或代码前缀, e.g. C or C38",
    ),
]
QueryTier = Annotated[
    str | None,
    Query(
        pattern="^(hnte|sme|eaglet|gazelle|unicorn|potential_unicorn)?$",
        description="梯度 tier: 最近一次评价中通过的企业",
    ),
]
QuerySort = Annotated[str, Query(pattern="^(name|code|newest)$")]


@router.get("/enterprises", include_in_schema=False)
def enterprises_page(
    request: Request,
    principal: Viewer,
    engine: EngineDep,
    q: QueryQ = "",
    district: QueryDistrict = None,
    industry: QueryIndustry = None,
    tier: QueryTier = None,
    sort: QuerySort = "name",
    after: str | None = None,
    before: str | None = None,
):
    filters = _filters(request, q, district, industry, tier, sort)
    size = request.app.state.settings.page_size
    page = list_enterprises(engine, principal, filters, after=after, before=before, size=size)
    base = {
        k: v
        for k, v in {
            "q": q,
            "district": district,
            "industry": industry,
            "tier": tier,
            "sort": sort,
        }.items()
        if v
    }
    return render(
        request,
        "enterprises.html",
        {
            "page": page,
            "q": q,
            "district": int(district) if district else None,
            "industry": industry or "",
            "tier": tier,
            "sort": sort,
            "districts": _visible_districts(engine, principal),
            "sections": GB4754_SECTIONS,
            "tiers": TIERS,
            "tier_filter": assessed(engine),
            "next_url": f"/enterprises?{urlencode(base | {'after': page.next_cursor})}"
            if page.next_cursor
            else None,
            "prev_url": f"/enterprises?{urlencode(base | {'before': page.prev_cursor})}"
            if page.prev_cursor
            else None,
            "export_url": f"/enterprises/export.xlsx?{urlencode(base)}",
        },
    )


@router.get("/api/enterprises", tags=["enterprises"])
def enterprises_api(
    request: Request,
    principal: Viewer,
    engine: EngineDep,
    q: QueryQ = "",
    district: QueryDistrict = None,
    industry: QueryIndustry = None,
    tier: QueryTier = None,
    sort: QuerySort = "name",
    after: str | None = None,
    before: str | None = None,
    size: Annotated[int, Query(ge=1, le=200)] = 20,
) -> dict:
    """Search (name, pinyin initials, credit code), filter and sort; keyset pages via the
    ``next``/``prev`` cursors. ``total`` is capped: 1001 means "more than 1,000"."""
    filters = _filters(request, q, district, industry, tier, sort)
    page = list_enterprises(engine, principal, filters, after=after, before=before, size=size)
    return {
        "items": [
            {
                "id": r.id,
                "name": r.name,
                "credit_code": r.credit_code,
                "district_id": r.district_id,
                "district": r.district,
                "industry_code": r.industry_code,
                "founded_on": r.founded_on,
                "hnte_certificate": r.hnte_certificate_no is not None,
                "as_of": r.as_of,
            }
            for r in page.rows
        ],
        "next": page.next_cursor,
        "prev": page.prev_cursor,
        "total": page.total,
        "total_capped": page.total is not None and page.total > 1000,
        # False while the search index is being brought up to date (searches then scan)
        "search_index_ready": request.app.state.search_index.verified_version
        == request_data_version(request),
    }


@router.get("/enterprises/export.xlsx", include_in_schema=False)
def enterprises_export(
    request: Request,
    principal: Viewer,
    engine: EngineDep,
    q: QueryQ = "",
    district: QueryDistrict = None,
    industry: QueryIndustry = None,
    tier: QueryTier = None,
    sort: QuerySort = "name",
):
    """The filtered list as .xlsx (first 50,000 rows); every cell through ``safe_value``."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    filters = _filters(request, q, district, industry, tier, sort)
    page = list_enterprises(engine, principal, filters, size=EXPORT_LIMIT, count=False)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("企业 Enterprises")
    header = [
        "统一社会信用代码 Credit code",
        "企业名称 Name",
        "区县 District",
        "行业代码 Industry",
        "成立日期 Founded",
        "高企证书 HNTE certificate",
        "数据日期 As of",
    ]
    cells = []
    for title in header:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        cells.append(cell)
    sheet.append(cells)
    for r in page.rows:
        sheet.append(
            [
                safe_value(v)
                for v in (
                    r.credit_code,
                    r.name,
                    r.district,
                    r.industry_code,
                    r.founded_on,
                    r.hnte_certificate_no,
                    r.as_of,
                )
            ]
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return StreamingResponse(
        buffer,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": "attachment; filename=enterprises.xlsx"},
    )


@router.get("/enterprises/{enterprise_id}", include_in_schema=False)
def profile_page(request: Request, enterprise_id: int, principal: Viewer, engine: EngineDep):
    profile = load_profile(engine, principal, enterprise_id)
    panels = [p for p in PROFILE_PANELS if may_open(request, p.url)]
    return render(
        request,
        "profile.html",
        {
            "p": profile,
            "e": profile.enterprise,
            "year_fields": YEAR_FIELDS,
            "panels": [(p, p.url.format(enterprise_id=enterprise_id)) for p in panels],
        },
    )


@router.get("/api/enterprises/{enterprise_id}", tags=["enterprises"])
def profile_api(request: Request, enterprise_id: int, principal: Viewer, engine: EngineDep) -> dict:
    """One enterprise: registry record, data by year, IP, contracts, platforms (assessment
    results: ``/api/enterprises/{id}/assessments``). 404 outside the caller's scope."""
    p = load_profile(engine, principal, enterprise_id)
    e = p.enterprise
    return {
        "id": e.id,
        "name": e.name,
        "credit_code": e.credit_code,
        "district": p.district,
        "park": p.park,
        "founded_on": e.founded_on,
        "industry_code": e.industry_code,
        "sei_category": e.sei_category,
        "listed": e.listed,
        "valuation_yuan": e.valuation,
        "valuation_on": e.valuation_on,
        "hnte_certificate_no": e.hnte_certificate_no,
        "hnte_certified_on": e.hnte_certified_on,
        "as_of": e.as_of,
        "source": e.source,
        "years": p.years,
        "ip": {
            "total": p.ip_total,
            "as_of": p.ip_as_of,
            "by_kind": [
                {"kind": k, "zh": zh, "items": n, "granted": g} for zh, k, n, g in p.ip_counts
            ],
            "latest": [dict(row._mapping) for row in p.ip_items],
        },
        "contracts": {
            "total": p.contract_totals["count"],
            "as_seller": p.contract_totals["as_seller"],
            "seller_amount_yuan": p.contract_totals["seller_amount_yuan"],
            "as_of": p.contracts_as_of,
            "latest": [dict(row._mapping) for row in p.contracts],
        },
        "platforms": {
            "as_of": p.platforms_as_of,
            "items": [
                {"name": n, "kind": k, "level": lv, "approved_on": d}
                for n, _, k, lv, d in p.platforms
            ],
        },
    }


# --- assessment results: computed by the rule engine for one firm, cached per data version ------


def _results_cache(request: Request) -> VersionedCache:
    state = request.app.state
    if getattr(state, "results_cache", None) is None:
        engine = state.engine
        state.results_cache = VersionedCache(
            lambda key: enterprise_results(engine, key[0], key[1]), max_entries=2000
        )
    return state.results_cache


def _results(request: Request, engine, principal: Principal, enterprise_id: int):
    with engine.connect() as conn:
        visible_enterprise_or_404(conn, principal, enterprise_id)  # scope first, then compute
    key = (enterprise_id, request_lang(request))
    return _results_cache(request).get(key, request_data_version(request))


@router.get("/enterprises/{enterprise_id}/assessments", include_in_schema=False)
def assessments_fragment(
    request: Request, enterprise_id: int, principal: Viewer, engine: EngineDep
):
    """The profile's assessment section (an HTML fragment the profile loads with HTMX)."""
    results, fresh = _results(request, engine, principal, enterprise_id)
    return render(request, "partials/assessments.html", {"results": results, "fresh": fresh})


@router.get("/api/enterprises/{enterprise_id}/assessments", tags=["enterprises"])
def assessments_api(
    request: Request, enterprise_id: int, principal: Viewer, engine: EngineDep
) -> dict:
    """Per assessment: status, score range, each clause with the values it saw, and the gaps;
    ``results`` is ``null`` while no rule engine exists (not yet assessed)."""
    results, fresh = _results(request, engine, principal, enterprise_id)
    return {
        "enterprise_id": enterprise_id,
        "fresh": fresh,
        "results": None if results is None else [vars(r) for r in results],
    }
