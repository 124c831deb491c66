"""The figures centres publish, computed set-at-a-time in DuckDB.

*Occupancy* (算力占用率) of a pool on a day is its occupied card-hours over its available
card-hours (cards in service that day × 24). A tenant's occupied card-hours on a pool-day are
the larger of what it used and what it had reserved: a reservation holds the cards whether
used or not, and use inside one's own reservation is not counted twice. A job spanning
several days is split at midnight, its card-hours shared in proportion to its time in each.

*Saturated compute* (算力规模, P) is the pools' cards × FP16 TFLOPS per card ÷ 1000 on a date.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy import Engine

from ..store.models.runs import CurrentStatus
from .frames import day_range, open_frames

LARGE_JOB_CARDS = 64  # "large jobs" on card pools
LARGE_JOB_CORES = 100_000  # and on CPU pools (Chengdu counts jobs at 100,000 cores)

# The jobs clipped to the period [f, l), with their card-hours per second.
_CLIPPED_SQL = """
CREATE OR REPLACE TEMP VIEW clipped AS
SELECT pool_id, tenant_id, greatest(started_at, f) AS s, least(ended_at, l) AS e,
       card_hours / 10000.0 / (epoch(ended_at) - epoch(started_at)) AS per_second,
       epoch(f) AS f0
FROM usage, bounds WHERE started_at < l AND ended_at > f
"""

# Used card-hours per pool-day without splitting any job: a job adds its rate r at its start
# and takes it away at its end, so the card-hours used up to a time T are
# A(T) = Σ r·(T − t) over the events before T = (T − f)·R(T) − M(T), with R and M the running
# sums of r and r·(t − f). Events are summed by day in one pass; a day's use is A(next day) − A(day).
_POOL_USED_SQL = [
    """CREATE OR REPLACE TEMP TABLE events AS
       SELECT pool_id, day, sum(sr) AS sr, sum(srt) AS srt
       FROM (SELECT pool_id, date_trunc('day', s) AS day, sum(per_second) AS sr,
                    sum(per_second * (epoch(s) - f0)) AS srt
             FROM clipped GROUP BY ALL
             UNION ALL
             SELECT pool_id, date_trunc('day', e), -sum(per_second),
                    -sum(per_second * (epoch(e) - f0))
             FROM clipped GROUP BY ALL)
       GROUP BY ALL""",
    """CREATE OR REPLACE TEMP TABLE pool_used AS
       WITH grid AS (
         SELECT p.id AS pool_id, epoch(f) AS f0,
                unnest(generate_series(f, l, INTERVAL 1 DAY)) AS day
         FROM pools p, bounds
       ), running AS (
         SELECT g.pool_id, g.day, g.f0,
                COALESCE(sum(ev.sr) OVER w, 0) AS r_before,
                COALESCE(sum(ev.srt) OVER w, 0) AS m_before
         FROM grid g LEFT JOIN events ev USING (pool_id, day)
         WINDOW w AS (PARTITION BY g.pool_id ORDER BY g.day
                      ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
       ), integral AS (
         SELECT pool_id, day, (epoch(day) - f0) * r_before - m_before AS a FROM running
       )
       SELECT pool_id, day,
              round(lead(a) OVER (PARTITION BY pool_id ORDER BY day) - a, 6) AS used
       FROM integral QUALIFY lead(a) OVER (PARTITION BY pool_id ORDER BY day) IS NOT NULL""",
    """CREATE OR REPLACE TEMP TABLE tenant_used AS
       SELECT pool_id, tenant_id, sum(per_second * (epoch(e) - epoch(s))) AS used
       FROM clipped GROUP BY ALL""",
]

# A tenant holding a reservation occupies the larger of what it used and what it reserved on
# a day: for those tenants only (few), their jobs are split at midnight.
_RESERVED_SQL = [
    """CREATE OR REPLACE TEMP TABLE reserved AS
       SELECT pool_id, tenant_id, day,
              sum(cards * (epoch(least(ends_at, day + INTERVAL 1 DAY))
                           - epoch(greatest(starts_at, day))) / 3600.0) AS reserved
       FROM (SELECT *, unnest(generate_series(date_trunc('day', greatest(starts_at, f)),
                                              least(ends_at, l) - INTERVAL 1 MICROSECOND,
                                              INTERVAL 1 DAY)) AS day
             FROM reservations, bounds WHERE starts_at < l AND ends_at > f)
       GROUP BY ALL""",
    """CREATE OR REPLACE TEMP TABLE reserving_used AS
       SELECT pool_id, tenant_id, day,
              sum(per_second * (epoch(least(e, day + INTERVAL 1 DAY)) - epoch(greatest(s, day))))
                AS used
       FROM (SELECT *, unnest(generate_series(date_trunc('day', s), e - INTERVAL 1 MICROSECOND,
                                              INTERVAL 1 DAY)) AS day
             FROM clipped WHERE tenant_id IN (SELECT tenant_id FROM reserved))
       GROUP BY ALL""",
    """CREATE OR REPLACE TEMP TABLE daily AS
       WITH reserving AS (
         SELECT r.pool_id, r.day, sum(r.reserved) AS reserved,
                sum(greatest(r.reserved - COALESCE(u.used, 0), 0)) AS extra
         FROM reserved r LEFT JOIN reserving_used u USING (pool_id, tenant_id, day)
         GROUP BY ALL
       )
       SELECT pool_id, day, COALESCE(used, 0) AS used, COALESCE(reserved, 0) AS reserved,
              COALESCE(used, 0) + COALESCE(extra, 0) AS occupied
       FROM pool_used FULL JOIN reserving USING (pool_id, day)""",
]

# Per pool-day: cards in service (the capacity row in force) and the occupied card-hours.
_POOL_DAYS_SQL = """
CREATE OR REPLACE TEMP TABLE pool_days AS
WITH days AS (
  SELECT p.id AS pool_id, p.centre_id, p.code, unnest(generate_series($first,
         $last - INTERVAL 1 DAY, INTERVAL 1 DAY)) AS day
  FROM pools p {where}
), cap AS (
  SELECT d.*, c.cards, c.fp16 FROM days d
  ASOF LEFT JOIN capacity c ON d.pool_id = c.pool_id AND d.day >= c.effective_from
), occ AS (SELECT * FROM daily)
SELECT cap.pool_id, cap.centre_id, cap.code, cap.day, COALESCE(cap.cards, 0) AS cards,
       COALESCE(cap.fp16, 0) AS fp16,
       COALESCE(cap.cards, 0) * 24.0 AS available, COALESCE(occ.used, 0) AS used,
       COALESCE(occ.reserved, 0) AS reserved, COALESCE(occ.occupied, 0) AS occupied
FROM cap LEFT JOIN occ USING (pool_id, day)
"""


@dataclass
class Occupancy:
    period: str  # 2023-03-01, 2023-03 or 2023
    pool: str  # a pool code, or "*" for the centre
    available: float  # card-hours
    used: float
    reserved: float
    occupied: float

    @property
    def ratio(self) -> float | None:
        return self.occupied / self.available if self.available else None


@dataclass
class Overview:
    centre_ids: list[int]
    first: dt.date
    last: dt.date
    capacity_p: float  # FP16 PFLOPS in service on the last day
    cards: int
    occupancy: float | None  # the whole period, all pools
    months: list[Occupancy] = field(default_factory=list)
    pools: list[Occupancy] = field(default_factory=list)
    days: list[Occupancy] = field(default_factory=list)  # centre-wide, for the calendar
    clients: dict[str, int] = field(default_factory=dict)  # active tenants by kind
    clients_total: int = 0
    top_tenants: list[dict] = field(default_factory=list)
    local_share: float | None = None  # of card-hours, tenants in the centre's city
    jobs: int = 0
    large_jobs: int = 0
    card_hours: float = 0.0
    fee: float = 0.0  # yuan
    by_job_type: dict[str, float] = field(default_factory=dict)  # card-hours
    sme_card_hours: float | None = None  # None: no assessment run recorded yet


def _period_rows(db, key_sql: str, pool_sql: str, where: str = "") -> list[Occupancy]:
    rows = db.execute(
        f"""SELECT {key_sql} AS period, {pool_sql} AS pool, sum(available), sum(used),
                   sum(reserved), sum(occupied)
            FROM pool_days {where} GROUP BY ALL ORDER BY 1, 2"""
    ).fetchall()
    return [Occupancy(str(r[0]), r[1], *(float(v or 0) for v in r[2:])) for r in rows]


def prepare(db, first: dt.date, last: dt.date, centre_ids: list[int] | None) -> None:
    """The ``daily``, ``tenant_used`` and ``pool_days`` tables for [first, last]."""
    start, end = day_range(first, last)
    db.execute(
        "CREATE OR REPLACE TEMP TABLE bounds AS SELECT CAST($first AS TIMESTAMP) AS f, "
        "CAST($last AS TIMESTAMP) AS l",
        {"first": start, "last": end},
    )
    db.execute(_CLIPPED_SQL)
    for statement in _POOL_USED_SQL + _RESERVED_SQL:
        db.execute(statement)
    where = (
        ""
        if centre_ids is None
        else f"WHERE p.centre_id IN ({', '.join(map(str, centre_ids)) or 'NULL'})"
    )
    db.execute(_POOL_DAYS_SQL.format(where=where), {"first": start, "last": end})


def occupancy(
    engine: Engine,
    first: dt.date,
    last: dt.date,
    *,
    by: str = "month",
    centre_ids: list[int] | None = None,
    per_pool: bool = True,
) -> list[Occupancy]:
    """Occupancy by day, month or year, per pool (and "*" for all pools together)."""
    keys = {
        "day": "strftime(day, '%Y-%m-%d')",
        "month": "strftime(day, '%Y-%m')",
        "year": "strftime(day, '%Y')",
    }
    db = open_frames(engine, centre_ids)
    try:
        prepare(db, first, last, centre_ids)
        rows = _period_rows(db, keys[by], "'*'")
        if per_pool:
            rows += _period_rows(db, keys[by], "code")
        return sorted(rows, key=lambda o: (o.period, o.pool != "*", o.pool))
    finally:
        db.close()


def overview(
    engine: Engine,
    first: dt.date,
    last: dt.date,
    *,
    centre_ids: list[int] | None = None,
    top: int = 10,
) -> Overview:
    db = open_frames(engine, centre_ids)
    try:
        prepare(db, first, last, centre_ids)
        start, end = day_range(first, last)
        params = {"first": start, "last": end}
        total = _period_rows(db, "'all'", "'*'")
        cap = db.execute(
            "SELECT sum(cards), sum(cards * fp16) / 1000.0 FROM pool_days "
            "WHERE day = (SELECT max(day) FROM pool_days)"
        ).fetchone()
        view = Overview(
            centre_ids or [],
            first,
            last,
            capacity_p=float(cap[1] or 0),
            cards=int(cap[0] or 0),
            occupancy=total[0].ratio if total else None,
            months=_period_rows(db, "strftime(day, '%Y-%m')", "'*'"),
            pools=_period_rows(db, "'all'", "code"),
            days=_period_rows(db, "strftime(day, '%Y-%m-%d')", "'*'"),
        )
        jobs = db.execute(
            """SELECT count(*), count(*) FILTER (WHERE (p.unit = 'card' AND u.cards >= $large_cards)
                                                 OR (p.unit = 'core' AND u.cards >= $large_cores)),
                      COALESCE(sum(card_hours), 0) / 10000.0, COALESCE(sum(fee), 0) / 100.0
               FROM usage u JOIN pools p ON p.id = u.pool_id
               WHERE started_at >= $first AND started_at < $last""",
            params | {"large_cards": LARGE_JOB_CARDS, "large_cores": LARGE_JOB_CORES},
        ).fetchone()
        view.jobs, view.large_jobs, view.card_hours, view.fee = (
            int(jobs[0]),
            int(jobs[1]),
            float(jobs[2]),
            float(jobs[3]),
        )
        view.by_job_type = dict(
            db.execute(
                """SELECT job_type, sum(card_hours) / 10000.0 FROM usage
                   WHERE started_at >= $first AND started_at < $last GROUP BY 1 ORDER BY 1""",
                params,
            ).fetchall()
        )
        per_tenant = """CREATE OR REPLACE TEMP TABLE per_tenant AS
            SELECT t.id, t.account, t.name, t.kind, t.city, t.enterprise_id, c.city AS centre_city,
                   sum(d.used) AS used
            FROM tenant_used d JOIN tenants t ON t.id = d.tenant_id JOIN centres c ON c.id = t.centre_id
            GROUP BY ALL"""
        db.execute(per_tenant)
        view.clients = dict(
            db.execute(
                "SELECT kind, count(*) FROM per_tenant WHERE used > 0 GROUP BY 1 ORDER BY 2 DESC"
            ).fetchall()
        )
        view.clients_total = sum(view.clients.values())
        view.top_tenants = [
            {"account": r[0], "name": r[1], "kind": r[2], "city": r[3], "card_hours": r[4]}
            for r in db.execute(
                "SELECT account, name, kind, city, used FROM per_tenant WHERE used > 0 "
                "ORDER BY used DESC, account LIMIT $top",
                {"top": top},
            ).fetchall()
        ]
        local = db.execute(
            "SELECT sum(used) FILTER (WHERE city = centre_city), sum(used) FROM per_tenant"
        ).fetchone()
        view.local_share = local[0] / local[1] if local[1] else None
        smes = _sme_enterprises(engine)
        if smes is not None:
            db.register("smes", smes)
            view.sme_card_hours = float(
                db.execute(
                    "SELECT COALESCE(sum(used), 0) FROM per_tenant p "
                    "WHERE p.enterprise_id IN (SELECT enterprise_id FROM smes)"
                ).fetchone()[0]
            )
        return view
    finally:
        db.close()


def _sme_enterprises(engine: Engine):
    """Enterprises the latest assessment run found to be tech SMEs; None before any run."""
    import pyarrow as pa

    with engine.connect() as conn:
        if conn.scalar(sa.select(sa.func.count()).select_from(CurrentStatus)) == 0:
            return None
        ids = conn.scalars(
            sa.select(CurrentStatus.enterprise_id).where(
                CurrentStatus.family == "sme", CurrentStatus.status == "pass"
            )
        ).all()
    return pa.table({"enterprise_id": pa.array(ids, pa.int64())})


def tenant_figures(
    engine: Engine, first: dt.date, last: dt.date, *, centre_ids: list[int] | None = None
) -> list[dict]:
    """Per tenant over [first, last]: jobs, card-hours and fees by the jobs' start, and the
    occupied card-hours of the period (reservations included)."""
    db = open_frames(engine, centre_ids)
    try:
        start, end = day_range(first, last)
        rows = db.execute(
            """SELECT t.account, t.name, t.kind, t.city, count(*) AS jobs,
                      sum(u.card_hours) / 10000.0 AS card_hours, COALESCE(sum(u.fee), 0) / 100.0
               FROM usage u JOIN tenants t ON t.id = u.tenant_id
               WHERE u.started_at >= $first AND u.started_at < $last
               GROUP BY ALL ORDER BY card_hours DESC, t.account""",
            {"first": start, "last": end},
        ).fetchall()
        return [
            dict(zip(("account", "name", "kind", "city", "jobs", "card_hours", "fee"), r))
            for r in rows
        ]
    finally:
        db.close()


def enterprise_usage(
    engine: Engine, enterprise_id: int, first: dt.date, last: dt.date
) -> list[dict]:
    """An enterprise's own use, per centre and pool, over [first, last] (by the jobs' start)."""
    from ..store.models.compute import ComputeCentre, ComputePool, ComputeTenant, ComputeUsage

    start, end = day_range(first, last)
    hours = sa.type_coerce(ComputeUsage.card_hours, sa.BigInteger)
    fee = sa.type_coerce(ComputeUsage.fee, sa.BigInteger)
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(
                ComputeCentre.name,
                ComputePool.name,
                sa.func.count(),
                sa.func.sum(hours),
                sa.func.sum(fee),
            )
            .join(ComputeTenant, ComputeTenant.id == ComputeUsage.tenant_id)
            .join(ComputePool, ComputePool.id == ComputeUsage.pool_id)
            .join(ComputeCentre, ComputeCentre.id == ComputeUsage.centre_id)
            .where(
                ComputeTenant.enterprise_id == enterprise_id,
                ComputeUsage.started_at >= start,
                ComputeUsage.started_at < end,
            )
            .group_by(ComputeCentre.name, ComputePool.name)
            .order_by(ComputeCentre.name, ComputePool.name)
        ).all()
    return [
        {
            "centre": r[0],
            "pool": r[1],
            "jobs": r[2],
            "card_hours": (r[3] or 0) / 10000,
            "fee": None if r[4] is None else r[4] / 100,
        }
        for r in rows
    ]
