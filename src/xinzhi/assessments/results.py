"""What the web app and the dashboards read: tier counts from the latest run, and one
enterprise's results explained (replayed from the latest run, or computed for it alone)."""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow.compute as pc
from sqlalchemy import Engine, Select, or_, select

from ..store.models.runs import CurrentStatus
from .catalogue import load_catalog
from .explanations import Explanation, explain
from .runs import (
    evaluate,
    latest_run,
    read_results,
    recorded_application_date,
    recorded_result,
)


@dataclass
class TierCount:
    assessment: str
    family: str
    passed: int
    undetermined: int
    run_id: int
    as_of: str


def latest_tier_counts(engine: Engine, *, district_id: int | None = None) -> list[TierCount]:
    """Passes and undetermined results per assessment in the latest recorded run ([] if none)."""
    run = latest_run(engine)
    if run is None:
        return []
    results = read_results(run, words=False)  # counts need no texts
    if district_id is not None:
        results = results.filter(pc.equal(results["district_id"], district_id))
    counts = []
    for entry in run.declarations:
        rows = results.filter(pc.equal(results["assessment"], entry["id"]))
        statuses = rows["status"]
        counts.append(
            TierCount(
                entry["id"],
                entry.get("family", entry["id"]),
                pc.sum(pc.equal(statuses, "pass")).as_py() or 0,
                pc.sum(pc.equal(statuses, "undetermined")).as_py() or 0,
                run.id,
                run.as_of.isoformat(),
            )
        )
    return counts


def passed_enterprise_ids(assessment: str, status: str = "pass") -> Select:
    """A select of the enterprises whose result in the latest run over everyone is ``status``
    (``pass`` or ``undetermined``) for ``assessment`` — an id (``liaoning_gazelle``) or a
    family (``gazelle``) — for filtering lists in SQL."""
    return select(CurrentStatus.enterprise_id).where(
        or_(CurrentStatus.assessment == assessment, CurrentStatus.family == assessment),
        CurrentStatus.status == status,
    )


def enterprise_results(engine: Engine, enterprise_id: int, *, as_of=None) -> list[Explanation]:
    """The enterprise's results explained: as the latest run recorded them (what the
    dashboard counts), else — before any run, for another date, or when a declaration
    changed since the run — evaluated now for that enterprise alone (for the latest run's
    application date, when it had one)."""
    application_date = None
    if as_of is None:
        run = latest_run(engine)
        recorded = recorded_result(run, load_catalog(), enterprise_id) if run else None
        if recorded is not None:
            return explain(recorded, enterprise_id)
        application_date = recorded_application_date(run) if run else None
    result = evaluate(
        engine, as_of=as_of, application_date=application_date, enterprise_id=enterprise_id
    )
    return explain(result, enterprise_id)
