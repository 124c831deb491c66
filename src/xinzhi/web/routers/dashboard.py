"""The dashboard: the year's KPIs against targets, by district, with charts; and its API."""

from __future__ import annotations

from decimal import Decimal

from fastapi import APIRouter, Query, Request

from ...metrics.cache import VersionedCache, data_version
from ...metrics.headline import enterprises_by_district, headline
from ...metrics.kpis import Dashboard, Kpi, Target, compute_dashboard, section_name
from ..auth import CityStaff, EngineDep, Staff, request_data_version
from ..results import tier_counts
from ..scoping import district_filter
from ..templating import render

router = APIRouter()


def _cache(request: Request) -> VersionedCache:
    return _app_cache(request.app)


def _app_cache(app) -> VersionedCache:
    state = app.state
    if getattr(state, "dashboard_cache", None) is None:
        engine = state.engine
        state.dashboard_cache = VersionedCache(lambda year: compute_dashboard(engine, year))
    return state.dashboard_cache


def load_dashboard(request: Request, year: int | None) -> tuple[Dashboard, bool]:
    # year None: the default year is itself data, resolved inside the cached computation
    return _cache(request).get(year, request_data_version(request))


def load_tiers(request: Request, district_id: int | None):
    """Tier counts of the latest assessment run, cached per data version like the KPIs."""
    state = request.app.state
    if getattr(state, "tiers_cache", None) is None:
        engine = state.engine
        state.tiers_cache = VersionedCache(lambda key: tier_counts(engine, district_id=key))
    return state.tiers_cache.get(district_id, request_data_version(request))[0]


def warm_cache(app) -> None:
    """Compute the default dashboard at startup (called by the app's warm-up thread)."""
    _app_cache(app).get(None, data_version(app.state.engine))


# --- JSON shapes ---------------------------------------------------------------------------------


def _number(value):
    if value is None:
        return None
    return float(value) if isinstance(value, Decimal) else value


def _target_json(target: Target | None) -> dict | None:
    if target is None:
        return None
    return {
        "indicator": target.indicator,
        "region": target.region,
        "year": target.year,
        "value": _number(target.value),
        "value_max": _number(target.value_max),
        "unit": target.unit,
        "as_of": target.as_of,
    }


def _kpi_json(kpi: Kpi) -> dict:
    i = kpi.indicator
    return {
        "key": i.key,
        "zh": i.zh,
        "en": i.en,
        "unit_zh": i.unit_zh,
        "unit_en": i.unit_en,
        "value": _number(kpi.value),
        "previous_year": _number(kpi.previous),
        "as_of": kpi.as_of,
        "yoy_percent": _number(kpi.yoy_percent),
        "target": _target_json(kpi.target),
        "completion_percent": _number(kpi.completion_percent),
        "definition": {"zh": i.note_zh, "en": i.note_en},
    }


def _tier_json(tier) -> dict:
    return {
        "key": tier.key,
        "zh": tier.zh,
        "en": tier.en,
        "assessed": tier.assessed,
        "passed": tier.passed,
        "undetermined": tier.undetermined,
        "as_of": tier.as_of,
        "run_id": tier.run_id,
    }


def _district_json(row: dict) -> dict:
    return {
        "district_id": row["district_id"],
        "district": row["district"],
        "kpis": {key: _kpi_json(k) for key, k in row["kpis"].items()},
    }


def dashboard_json(dashboard: Dashboard, district_id: int | None, tiers) -> dict:
    return {
        "year": dashboard.year,
        "years": dashboard.years,
        "region": dashboard.region_name(district_id) or "city",
        "data_as_of": dashboard.data_as_of,
        "kpis": [_kpi_json(k) for k in dashboard.kpis(district_id)],
        "tiers": [_tier_json(t) for t in tiers],
        "other_targets": [_target_json(t) for t in dashboard.other_targets(district_id)],
        "by_district": [_district_json(row) for row in dashboard.by_district(district_id)],
    }


# --- charts (ECharts options) --------------------------------------------------------------------


def charts(dashboard: Dashboard, district_id: int | None, lang: str) -> dict:
    def t(zh: str, en: str) -> str:
        return en if lang == "en" else zh

    rows = dashboard.by_district(district_id)
    names = [row["district"] for row in rows]

    def series(key: str, target: bool = False):
        values = []
        for row in rows:
            kpi = row["kpis"][key]
            item = kpi.target.value if target and kpi.target else (None if target else kpi.value)
            values.append(_number(item))
        return values

    bar = {
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0},
        "grid": {"left": 60, "right": 20, "bottom": 60, "top": 40},
        "xAxis": {"type": "category", "data": names, "axisLabel": {"rotate": 30}},
        "yAxis": {"type": "value"},
        "series": [
            {
                "name": t("科技型企业", "tech enterprises"),
                "type": "bar",
                "data": series("enterprises"),
            },
            {
                "name": t("科技型企业目标", "target"),
                "type": "bar",
                "data": series("enterprises", True),
            },
            {
                "name": t("高新技术企业（有效证书）", "HNTE (valid certificates)"),
                "type": "bar",
                "data": series("hnte"),
            },
            {"name": t("高企目标", "HNTE target"), "type": "bar", "data": series("hnte", True)},
        ],
    }
    months = dashboard.contracts_by_month.get(district_id, {})
    as_of = dashboard.measures.as_of.get("contract_turnover")
    line_series = []
    for year in (dashboard.year - 1, dashboard.year):
        if year not in months:
            continue
        total, cumulative = Decimal(0), []
        for month, value in enumerate(months[year], start=1):
            total += value
            # months after the data date are unknown, not zero: the line stops there
            known = not (as_of and year == as_of.year and month > as_of.month)
            cumulative.append(float(total) if known else None)
        line_series.append({"name": str(year), "type": "line", "data": cumulative, "smooth": True})
    line = {
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0},
        "grid": {"left": 60, "right": 20, "bottom": 40, "top": 40},
        "xAxis": {"type": "category", "data": [t(f"{m}月", f"M{m}") for m in range(1, 13)]},
        "yAxis": {"type": "value", "name": t("亿元（累计）", "100M yuan, cumulative")},
        "series": line_series,
    }
    tree_data = []
    for did, name in dashboard.districts:
        if district_id is not None and did != district_id:
            continue
        sections = dashboard.treemap.get(did, {})
        children = [
            {"name": f"{letter} {section_name(letter)}", "value": count}
            for letter, count in sorted(sections.items(), key=lambda kv: -kv[1])
        ]
        if children:
            tree_data.append({"name": name, "value": sum(sections.values()), "children": children})
    treemap = {
        "tooltip": {},
        "series": [
            {
                "type": "treemap",
                "name": t("企业", "enterprises"),
                "data": tree_data,
                "leafDepth": 1 if district_id is None else 2,
                "roam": False,
                "breadcrumb": {"show": True},
            }
        ],
    }
    return {"bar": bar, "line": line, "treemap": treemap}


# --- routes --------------------------------------------------------------------------------------


@router.get("/dashboard", include_in_schema=False)
def dashboard_page(
    request: Request, principal: Staff, year: int | None = Query(None, ge=1990, le=2100)
):
    district_id = district_filter(principal)
    dashboard, fresh = load_dashboard(request, year)
    tiers = load_tiers(request, district_id)
    lang = request.cookies.get("xz_lang", "zh")
    return render(
        request,
        "dashboard.html",
        {
            "d": dashboard,
            "kpis": dashboard.kpis(district_id),
            "tiers": tiers,
            "rows": dashboard.by_district(district_id),
            "region": dashboard.region_name(district_id),
            "other_targets": dashboard.other_targets(district_id),
            "fresh": fresh,
            "charts": charts(dashboard, district_id, lang),
        },
    )


@router.get("/api/dashboard", tags=["dashboard"])
def dashboard_api(
    request: Request, principal: Staff, year: int | None = Query(None, ge=1990, le=2100)
) -> dict:
    """KPIs of the year against targets, year-on-year, tiers and the by-district table —
    for a district analyst, its own district only."""
    district_id = district_filter(principal)
    dashboard, fresh = load_dashboard(request, year)
    tiers = load_tiers(request, district_id)
    return dashboard_json(dashboard, district_id, tiers) | {"fresh": fresh}


@router.get("/api/headline", tags=["dashboard"])
def api_headline(principal: CityStaff, engine: EngineDep) -> dict:
    """The city's headline counts, each with the date its data describes (whole city only)."""
    from dataclasses import asdict

    return {
        "figures": [asdict(f) for f in headline(engine)],
        "enterprises_by_district": [
            {"district": name, "enterprises": count}
            for name, count in enterprises_by_district(engine)
        ],
    }
