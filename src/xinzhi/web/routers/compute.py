"""Pages and API of the public compute area: a centre's occupancy, clients and vouchers.

Staff roles (admin, analyst, district analyst, centre operator) see the centres
``compute.access`` lets them see; an enterprise user sees its own vouchers and usage only;
the same data as JSON under ``/api/compute``.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from ...compute.access import CENTRE_ROLES, visible_centres
from ...compute.figures import Overview, enterprise_usage, overview
from ...compute.ledger import anomalies, reconcile, voucher_summary
from ..auth import ENTERPRISE, EngineDep, NotFound, Principal, allow
from ..templating import render, request_lang

router = APIRouter()
ComputeUser = Annotated[Principal, Depends(allow(*CENTRE_ROLES, ENTERPRISE))]
CentreStaff = Annotated[Principal, Depends(allow(*CENTRE_ROLES))]
YearQuery = Annotated[int | None, Query(ge=2000, le=2100)]
CentreQuery = Annotated[str | None, Query(max_length=40)]


def _year(year: int | None) -> int:
    return year or dt.date.today().year - 1


def _centres(engine, principal: Principal):
    with engine.connect() as conn:
        return visible_centres(
            conn, principal.role, user_id=principal.user_id, district_id=principal.district_id
        )


def _chosen(engine, principal: Principal, centre: str | None):
    """The centre asked for (or the first visible one); 404 for one the user may not see."""
    centres = _centres(engine, principal)
    if centre is None:
        return centres, (centres[0] if centres else None)
    for row in centres:
        if row.code == centre:
            return centres, row
    raise NotFound("未找到该算力中心", "no such compute centre")


def _charts(view: Overview, year: int, t) -> dict:
    calendar = {
        "tooltip": {"formatter": "{c}"},
        "visualMap": {
            "min": 0,
            "max": 100,
            "orient": "horizontal",
            "left": "center",
            "bottom": 0,
            "text": ["100%", "0%"],
        },
        "calendar": {"range": str(year), "cellSize": ["auto", 14], "top": 30},
        "series": [
            {
                "type": "heatmap",
                "coordinateSystem": "calendar",
                "data": [
                    [d.period, round(d.ratio * 100, 2)] for d in view.days if d.ratio is not None
                ],
            }
        ],
    }
    months = [o.period for o in view.months]
    pools = {
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0},
        "grid": {"left": 50, "right": 20, "bottom": 30, "top": 40},
        "xAxis": {"type": "category", "data": months},
        "yAxis": {"type": "value", "max": 100, "name": "%"},
        "series": [
            {
                "name": t("全部资源池", "all pools"),
                "type": "line",
                "data": [None if o.ratio is None else round(o.ratio * 100, 2) for o in view.months],
            }
        ],
    }
    kinds = {}
    for tenant in view.top_tenants:
        kinds.setdefault(tenant["kind"], []).append(
            {"name": tenant["name"], "value": round(tenant["card_hours"], 1)}
        )
    treemap = {
        "tooltip": {},
        "series": [
            {
                "type": "treemap",
                "name": t("用户卡时", "card-hours by tenant"),
                "leafDepth": 1,
                "roam": False,
                "data": [
                    {
                        "name": kind,
                        "value": round(sum(c["value"] for c in children), 1),
                        "children": children,
                    }
                    for kind, children in kinds.items()
                ],
            }
        ],
    }
    return {"calendar": calendar, "pools": pools, "treemap": treemap}


def _pool_bars(view: Overview, t) -> dict:
    return {
        "tooltip": {"trigger": "axis"},
        "grid": {"left": 50, "right": 20, "bottom": 30, "top": 20},
        "xAxis": {"type": "category", "data": [o.pool for o in view.pools]},
        "yAxis": {"type": "value", "max": 100, "name": "%"},
        "series": [
            {
                "name": t("占用率", "occupancy"),
                "type": "bar",
                "data": [None if o.ratio is None else round(o.ratio * 100, 2) for o in view.pools],
            }
        ],
    }


def _voucher_chart(summary, t) -> dict:
    cumulative, total = [], 0.0
    for _, value in summary.by_month:
        total += float(value)
        cumulative.append(round(total, 2))
    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0},
        "grid": {"left": 70, "right": 20, "bottom": 30, "top": 40},
        "xAxis": {"type": "category", "data": [m for m, _ in summary.by_month]},
        "yAxis": {"type": "value", "name": t("元", "yuan")},
        "series": [
            {
                "name": t("发放", "issued"),
                "type": "line",
                "data": [float(summary.issued)] * len(summary.by_month),
            },
            {"name": t("累计抵扣", "redeemed, cumulative"), "type": "bar", "data": cumulative},
        ],
    }


def _scoped_vouchers(engine, principal: Principal, centre_id: int | None):
    if principal.role == ENTERPRISE:
        return voucher_summary(engine, enterprise_id=principal.enterprise_id)
    if principal.role == "district_analyst":
        return voucher_summary(engine, district_id=principal.district_id)
    if principal.role == "centre_operator":
        return voucher_summary(engine, centre_ids=[centre_id] if centre_id else [], limit=0)
    return voucher_summary(engine)


@router.get("/compute", include_in_schema=False)
def compute_page(
    request: Request,
    principal: ComputeUser,
    engine: EngineDep,
    centre: CentreQuery = None,
    year: YearQuery = None,
):
    year = _year(year)
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    t = _translator(request)
    if principal.role == ENTERPRISE:
        summary = _scoped_vouchers(engine, principal, None)
        return render(
            request,
            "compute/enterprise.html",
            {
                "year": year,
                "vouchers": summary,
                "usage": enterprise_usage(engine, principal.enterprise_id, first, last),
                "voucher_chart": _voucher_chart(summary, t),
            },
        )
    centres, chosen = _chosen(engine, principal, centre)
    context = {"year": year, "centres": centres, "chosen": chosen, "view": None}
    if chosen is not None:
        view = overview(engine, first, last, centre_ids=[chosen.id], top=50)
        summary = _scoped_vouchers(engine, principal, chosen.id)
        context |= {
            "view": view,
            "charts": _charts(view, year, t) | {"bars": _pool_bars(view, t)},
            "vouchers": summary,
            "voucher_chart": _voucher_chart(summary, t),
            "owed": reconcile(engine, chosen.code, first, last)
            if principal.role in ("admin", "analyst", "centre_operator")
            else None,
            "anomalies": anomalies(engine, [chosen.id])
            if principal.role in ("admin", "analyst", "centre_operator")
            else [],
        }
    return render(request, "compute/index.html", context)


def _translator(request: Request):
    english = request_lang(request) == "en"
    return lambda zh, en: en if english else zh


# --- API -----------------------------------------------------------------------------------------


@router.get("/api/compute/centres", tags=["compute"])
def centres_api(principal: CentreStaff, engine: EngineDep) -> dict:
    """The centres this user may see."""
    return {"centres": [{"code": c.code, "name": c.name} for c in _centres(engine, principal)]}


@router.get("/api/compute/overview", tags=["compute"])
def overview_api(
    principal: CentreStaff, engine: EngineDep, centre: CentreQuery = None, year: YearQuery = None
) -> dict:
    """A centre's year: capacity in P (FP16), occupancy by month, day and pool, clients by kind,
    top tenants, local share, jobs and large jobs, card-hours by job type, fees."""
    _, chosen = _chosen(engine, principal, centre)
    if chosen is None:
        raise NotFound("没有可查看的算力中心", "no compute centre to show")
    year = _year(year)
    view = overview(engine, dt.date(year, 1, 1), dt.date(year, 12, 31), centre_ids=[chosen.id])

    def occ(rows):
        return [
            {
                "period": o.period,
                "pool": o.pool,
                "available_card_hours": o.available,
                "used_card_hours": o.used,
                "reserved_card_hours": o.reserved,
                "occupied_card_hours": o.occupied,
                "occupancy": o.ratio,
            }
            for o in rows
        ]

    return {
        "centre": chosen.code,
        "year": year,
        "capacity_pflops_fp16": view.capacity_p,
        "cards": view.cards,
        "occupancy": view.occupancy,
        "months": occ(view.months),
        "pools": occ(view.pools),
        "days": occ(view.days),
        "clients": view.clients,
        "clients_total": view.clients_total,
        "top_tenants": view.top_tenants,
        "local_share": view.local_share,
        "jobs": view.jobs,
        "large_jobs": view.large_jobs,
        "card_hours": view.card_hours,
        "card_hours_by_job_type": view.by_job_type,
        "fees_yuan": view.fee,
        "sme_card_hours": view.sme_card_hours,
    }


@router.get("/api/compute/vouchers", tags=["compute"])
def vouchers_api(principal: ComputeUser, engine: EngineDep, centre: CentreQuery = None) -> dict:
    """Vouchers the user may see: an enterprise its own, a district analyst its district's,
    a centre operator the redemptions at its centre (no voucher list), city staff all."""
    centre_id = None
    if principal.role == "centre_operator":
        _, chosen = _chosen(engine, principal, centre)
        centre_id = chosen.id if chosen else None
    s = _scoped_vouchers(engine, principal, centre_id)
    return {
        "count": s.count,
        "issued_yuan": str(s.issued),
        "redeemed_yuan": str(s.redeemed),
        "expired_yuan": str(s.expired),
        "balance_yuan": str(s.balance),
        "redeemed_by_month": [{"month": m, "yuan": str(v)} for m, v in s.by_month],
        "vouchers": [
            {k: str(v) if not isinstance(v, str | None) else v for k, v in row.items()}
            for row in s.vouchers
        ],
    }


@router.get("/api/compute/reconcile", tags=["compute"])
def reconcile_api(
    principal: CentreStaff, engine: EngineDep, centre: CentreQuery = None, year: YearQuery = None
) -> dict:
    """What the bureau owes a centre for the year's redeemed invoices."""
    if principal.role == "district_analyst":
        raise NotFound()
    _, chosen = _chosen(engine, principal, centre)
    if chosen is None:
        raise NotFound("没有可查看的算力中心", "no compute centre to show")
    year = _year(year)
    r = reconcile(engine, chosen.code, dt.date(year, 1, 1), dt.date(year, 12, 31))
    return {
        "centre": r.centre,
        "year": year,
        "invoices": r.invoices,
        "fees_yuan": str(r.fees),
        "owed_yuan": str(r.owed),
        "by_tenant": [
            {"account": a, "name": n, "invoices": i, "owed_yuan": str(o)}
            for a, n, i, o in r.by_tenant
        ],
        "ledger_mismatches": r.ledger_mismatches,
    }
