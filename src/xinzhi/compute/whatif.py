"""Capacity what-if: N more cards in a pool → projected occupancy and waiting, from the last
months' demand and the requests that could not be served.

A fluid model, stated so that anyone can check it: a day's *demand* is the card-hours the
pool was occupied (used or reserved) plus the card-hours of the unmet requests wanted that
day (cards × hours of their window falling on the day). Work that does not fit a day's
capacity waits in a backlog served first the next day. Occupancy is the work served over the
capacity; the mean wait is the mean backlog over the daily capacity (Little's law: waiting
time = work waiting ÷ rate of service), in hours.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Engine

from .figures import prepare
from .frames import day_range, open_frames
from .imports import ComputeError, centre_by_code

_DEMAND_SQL = """
WITH unmet AS (
  SELECT day, sum(cards * (epoch(least(wanted_to, day + INTERVAL 1 DAY))
                           - epoch(greatest(wanted_from, day))) / 3600.0) AS unmet
  FROM (SELECT *, unnest(generate_series(date_trunc('day', greatest(wanted_from, $first)),
                                         least(wanted_to, $last) - INTERVAL 1 MICROSECOND,
                                         INTERVAL 1 DAY)) AS day
        FROM requests WHERE pool_id = $pool AND wanted_from < $last AND wanted_to > $first)
  GROUP BY 1
)
SELECT strftime(p.day, '%Y-%m-%d'), p.cards, p.occupied, COALESCE(u.unmet, 0)
FROM pool_days p LEFT JOIN unmet u USING (day)
WHERE p.pool_id = $pool ORDER BY p.day
"""


@dataclass(frozen=True)
class Scenario:
    added_cards: int
    cards: int  # on the last day, with the added ones
    occupancy: float | None  # served ÷ capacity
    served: float  # card-hours
    unserved_at_end: float  # card-hours still waiting on the last day
    mean_wait_hours: float  # mean backlog ÷ daily capacity × 24


@dataclass(frozen=True)
class WhatIf:
    pool: str
    first: dt.date
    last: dt.date
    demand: float  # card-hours: occupied + unmet
    unmet: float
    current: Scenario
    proposed: Scenario


def capacity_whatif(
    engine: Engine, centre: str, pool: str, add_cards: int, *, last: dt.date, months: int = 3
) -> WhatIf:
    """The pool's last ``months`` months up to ``last``, as they were and with ``add_cards``."""
    if add_cards < 0:
        raise ComputeError("新增卡数不能为负", "the cards added cannot be negative", "cards_format")
    first = _months_back(last, months)
    with engine.connect() as conn:
        centre_id = centre_by_code(conn, centre)
    db = open_frames(engine, [centre_id])
    try:
        found = db.execute(
            "SELECT id FROM pools WHERE centre_id = $c AND code = $p", {"c": centre_id, "p": pool}
        ).fetchone()
        if found is None:
            raise ComputeError(
                f"算力中心 {centre} 没有资源池“{pool}”",
                f"centre {centre} has no pool '{pool}'",
                "unknown_pool",
            )
        prepare(db, first, last, [centre_id])
        start, end = day_range(first, last)
        days = db.execute(_DEMAND_SQL, {"first": start, "last": end, "pool": found[0]}).fetchall()
    finally:
        db.close()
    demand = [float(occupied) + float(unmet) for _, _, occupied, unmet in days]
    cards = [int(c) for _, c, _, _ in days]
    return WhatIf(
        pool,
        first,
        last,
        sum(demand),
        sum(float(u) for *_, u in days),
        _simulate(demand, cards, 0),
        _simulate(demand, cards, add_cards),
    )


def _simulate(demand: list[float], cards: list[int], added: int) -> Scenario:
    backlog = served = capacity_total = waiting = 0.0
    for work, base in zip(demand, cards, strict=True):
        capacity = (base + added) * 24.0
        todo = backlog + work
        done = min(todo, capacity)
        backlog = todo - done
        served += done
        capacity_total += capacity
        waiting += backlog / capacity * 24 if capacity else 0.0
    return Scenario(
        added,
        (cards[-1] + added) if cards else added,
        served / capacity_total if capacity_total else None,
        served,
        backlog,
        waiting / len(demand) if demand else 0.0,
    )


def _months_back(last: dt.date, months: int) -> dt.date:
    year, month = last.year, last.month - months + 1
    while month <= 0:
        year, month = year - 1, month + 12
    return dt.date(year, month, 1)
