"""Pages of the policies area (免申即享): the policies and the latest run's payouts, one
policy with its rules and payouts, and the enterprise profile's section — the policies an
enterprise receives and why. District analysts see their district's payouts only; an
enterprise user sees its own section only (scoped like every profile panel)."""

from __future__ import annotations

import threading
from functools import lru_cache
from typing import Annotated

import pyarrow.compute as pc
from fastapi import APIRouter, HTTPException, Query, Request

from ...domain.money import format_yuan
from ...policies.declarations import FORMS, PROVENANCE, load_policies
from ...policies.explanations import OUTCOME_TEXT, explain_enterprise
from ...policies.runs import (
    PolicyRun,
    load_run,
    stored_as_run,
    value_counts,
)
from ...store.queries import district_names
from ..auth import AnyUser, CityStaff, EngineDep, NotFound, Principal, Staff
from ..scoping import visible_enterprise_or_404
from ..templating import register_profile_panel, render

router = APIRouter()
register_profile_panel(
    "policies",
    "享受的政策及依据",
    "Policies it receives and why",
    "/policies/enterprise/{enterprise_id}/panel",
)
TOP = 50
_LOCK = threading.Lock()


@lru_cache(maxsize=4)
def _stored(engine, run_id: int) -> PolicyRun:
    """A recorded run, compiled once per process (its payout list, explanations)."""
    return stored_as_run(load_run(engine, run_id))[0]


def _latest(engine) -> PolicyRun | None:
    stored = load_run(engine)
    if stored is None:
        return None
    with _LOCK:
        return _stored(engine, stored.record.id)


def _scoped(run: PolicyRun, principal: Principal):
    results = run.results
    if not principal.sees_whole_city and principal.district_id is not None:
        results = results.filter(pc.equal(results["district_id"], principal.district_id))
    return results


def _totals(run: PolicyRun, results) -> list[dict]:
    rows = []
    for p in run.policies:
        mine = results.filter(pc.equal(results["policy"], p.id))
        outcomes = value_counts(mine["outcome"]) if mine.num_rows else {}
        rows.append(
            {
                "policy": p,
                "provenance": PROVENANCE[p.provenance],
                "form": FORMS[p.form],
                "eligible": int(pc.sum(pc.equal(mine["status"], "eligible")).as_py() or 0),
                "undetermined": outcomes.get("undetermined", 0),
                "paid_count": outcomes.get("paid", 0) + outcomes.get("reduced", 0),
                "paid": format_yuan(int(pc.sum(mine["amount_paid"]).as_py() or 0)),
                "budget": format_yuan(run.compiled[p.id].budget)
                if run.compiled[p.id].budget is not None
                else None,
            }
        )
    return rows


@router.get("/policies", include_in_schema=False)
def policies_page(request: Request, principal: Staff, engine: EngineDep):
    catalog = load_policies()
    run = _latest(engine)
    totals = _totals(run, _scoped(run, principal)) if run else []
    return render(
        request,
        "policies/index.html",
        {
            "policies": sorted(catalog.policies, key=lambda p: (p.order, p.id)),
            "run": run,
            "totals": totals,
            "provenance": PROVENANCE,
            "forms": FORMS,
        },
    )


@router.get("/policies/{policy_id}", include_in_schema=False)
def policy_page(request: Request, principal: Staff, engine: EngineDep, policy_id: str):
    try:
        policy = load_policies().get(policy_id)
    except KeyError:
        raise NotFound("未找到该政策", "no such policy") from None
    run = _latest(engine)
    payouts = []
    if run is not None and any(p.id == policy_id for p in run.policies):
        results = _scoped(run, principal)
        mine = results.filter(pc.equal(results["policy"], policy_id))
        mine = mine.sort_by([("amount_paid", "descending"), ("credit_code", "ascending")]).slice(
            0, TOP
        )
        names = district_names(engine)
        payouts = [
            {
                **r,
                "district": names.get(r["district_id"], ""),
                "outcome_text": OUTCOME_TEXT[r["outcome"]],
                "paid": format_yuan(r["amount_paid"]) if r["amount_paid"] is not None else "—",
            }
            for r in mine.to_pylist()
        ]
    return render(
        request,
        "policies/policy.html",
        {
            "p": policy,
            "run": run,
            "payouts": payouts,
            "provenance": PROVENANCE[policy.provenance],
            "form": FORMS[policy.form],
            "top": TOP,
        },
    )


@router.get("/policies/enterprise/{enterprise_id}/panel", include_in_schema=False)
def enterprise_panel(request: Request, principal: AnyUser, engine: EngineDep, enterprise_id: int):
    """The profile's section: each policy the enterprise receives or may receive, and why."""
    with engine.connect() as conn:
        visible_enterprise_or_404(conn, principal, enterprise_id)
    run = _latest(engine)
    explanations = explain_enterprise(run, enterprise_id) if run else []
    lang = "zh" if request.cookies.get("xz_lang", "zh") == "zh" else "en"
    items = [
        {"headline": e.headline(lang), "lines": e.lines(lang)[1:], "outcome": e.outcome}
        for e in explanations
    ]
    return render(request, "policies/panel.html", {"run": run, "items": items})


def _plain(totals: list[dict]) -> list[dict]:
    return [
        {
            "policy": t["policy"].id,
            "name": t["policy"].name.zh,
            "provenance": t["policy"].provenance,
            "eligible": t["eligible"],
            "undetermined": t["undetermined"],
            "paid_count": t["paid_count"],
            "paid": t["paid"],
            "budget": t["budget"],
        }
        for t in totals
    ]


@router.get("/api/policies", tags=["policies"])
def policies_api(principal: Staff, engine: EngineDep) -> dict:
    """The policies in the catalogue and, per policy, the latest run's eligible firms, payouts
    and amount paid (yuan) — a district analyst's district only. ``run_id`` null: no run yet."""
    run = _latest(engine)
    return {
        "policies": [
            {
                "id": p.id,
                "name": p.name.zh,
                "name_en": p.name.en,
                "provenance": p.provenance,
                "version": p.version,
            }
            for p in sorted(load_policies().policies, key=lambda p: (p.order, p.id))
        ],
        "run_id": run.run_id if run else None,
        "as_of": run.as_of if run else None,
        "totals": _plain(_totals(run, _scoped(run, principal))) if run else [],
    }


Assignment = Annotated[
    list[str],
    Query(alias="set", max_length=10, description="PARAM=VALUE, e.g. min_turnover=4000万元"),
]


def _whatif(engine, policy_id: str, assignments: list[str]):
    from ...policies.whatif import whatif

    try:
        load_policies().get(policy_id)
    except KeyError:
        raise NotFound("未找到该政策", "no such policy") from None
    try:
        return whatif(engine, policy_id, list(assignments)), None
    except (KeyError, ValueError) as exc:
        return None, str(exc.args[0] if exc.args else exc)


@router.get("/policies/{policy_id}/whatif", include_in_schema=False)
def whatif_page(
    request: Request,
    principal: CityStaff,
    engine: EngineDep,
    policy_id: str,
    assignments: Assignment = (),
):
    """What if a parameter changed: totals before and after, who gains and who loses."""
    try:
        policy = load_policies().get(policy_id)
    except KeyError:
        raise NotFound("未找到该政策", "no such policy") from None
    result, error = _whatif(engine, policy_id, assignments) if assignments else (None, None)
    changed = result.changed.slice(0, TOP).to_pylist() if result else []
    return render(
        request,
        "policies/whatif.html",
        {
            "p": policy,
            "result": result,
            "error": error,
            "assignments": assignments,
            "changed": changed,
            "yuan": format_yuan,
            "top": TOP,
        },
    )


@router.get("/api/policies/{policy_id}/whatif", tags=["policies"])
def whatif_api(
    principal: CityStaff, engine: EngineDep, policy_id: str, assignments: Assignment = ()
) -> dict:
    """Re-evaluate a policy (and its stacking group) with ``set=PARAM=VALUE`` on the same data:
    totals before and after, the number of firms that gain and lose, the largest changes."""
    if not assignments:
        raise HTTPException(422, "至少给出一个 set=PARAM=VALUE / give at least one set=PARAM=VALUE")
    result, error = _whatif(engine, policy_id, assignments)
    if error:
        raise HTTPException(422, error)
    return {
        "policy": policy_id,
        "changes": {k: str(v) for k, v in result.changes.items()},
        "totals": result.totals(),
        "gainers": result.gainers,
        "losers": result.losers,
        "changed": result.changed.slice(0, TOP).to_pylist(),
        "seconds": round(result.seconds, 2),
    }
