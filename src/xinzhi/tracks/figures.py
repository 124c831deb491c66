"""A track's figures: firms by tier, revenue and growth, R&D, patents, contracts, financing,
platforms, results and demands, districts and parks, a yearly series; and the matrix
comparing tracks. Every query runs on the track's member set (``service.member_ids``) cut by
the caller's ``scope`` (a WHERE clause on enterprises: ``web.scoping.enterprise_condition``),
set-at-a-time in SQL. Sums are over firms whose figure is known; the count of firms with the
figure is returned beside it (unknown is not zero).
"""

from __future__ import annotations

from contextlib import contextmanager
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy import Connection

from ..store import models
from ..store.models.matching import TechnicalDemand
from ..store.models.runs import CurrentStatus
from ..store.models.tracks import TrackAssignment, TrackLabel
from .service import member_ids
from .taxonomy import Catalogue

TIERS = ("sme", "hnte", "eaglet", "gazelle", "unicorn")
TIER_ZH = {
    "sme": "科技型中小企业",
    "hnte": "高新技术企业",
    "eaglet": "雏鹰",
    "gazelle": "瞪羚",
    "unicorn": "独角兽",
}
E = models.Enterprise
Y = models.EnterpriseYear


def members_cte(catalogue: Catalogue, track: str, scope) -> sa.CTE:
    """The track's firms in the scope, computed once per statement (MATERIALIZED) and used
    as ``x.enterprise_id IN (SELECT id FROM members)``: the engines then look each member
    up by index instead of scanning the yearly accounts or patents of every firm."""
    ids = member_ids(catalogue.members(track)).subquery()
    return (
        sa.select(E.id, E.district_id, E.park_id)
        .where(E.id.in_(sa.select(ids.c.enterprise_id)), scope)
        .cte("members")
        .prefix_with("MATERIALIZED")
    )


_MEMBERS = sa.Table(
    "tmp_track_members",
    sa.MetaData(),
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("district_id", sa.Integer),
    sa.Column("park_id", sa.Integer),
    prefixes=["TEMPORARY"],
)


@contextmanager
def materialised_members(conn: Connection, catalogue: Catalogue, track: str, scope):
    """The track's firms in the scope written once into a temporary table (keyed by id) for
    the dozen queries of a page, instead of being recomputed by each; dropped afterwards."""
    conn.execute(sa.text(f"DROP TABLE IF EXISTS {_MEMBERS.name}"))
    _MEMBERS.create(conn)
    try:
        m = members_cte(catalogue, track, scope)
        conn.execute(
            _MEMBERS.insert().from_select(
                ["id", "district_id", "park_id"], sa.select(m.c.id, m.c.district_id, m.c.park_id)
            )
        )
        yield _MEMBERS
    finally:
        conn.execute(sa.text(f"DROP TABLE IF EXISTS {_MEMBERS.name}"))


def track_page(conn: Connection, catalogue: Catalogue, track: str, scope, limit: int = 50) -> dict:
    """Everything a track page shows: its figures and its largest firms."""
    with materialised_members(conn, catalogue, track, scope) as m:
        return {
            "figures": track_figures(conn, catalogue, track, scope, members=m),
            "firms": top_firms(conn, catalogue, track, scope, limit, members=m),
        }


def _in(column, m) -> sa.ColumnElement[bool]:
    return column.in_(sa.select(m.c.id))


def latest_year(conn: Connection) -> int | None:
    return conn.scalar(sa.select(sa.func.max(Y.year)))


def _money(value) -> Decimal | None:
    return None if value is None else Decimal(value)


def track_figures(conn: Connection, catalogue: Catalogue, track: str, scope, members=None) -> dict:
    m = members if members is not None else members_cte(catalogue, track, scope)
    year = latest_year(conn)
    firms = conn.scalar(sa.select(sa.func.count()).select_from(m)) or 0
    out: dict = {"track": track, "firms": firms, "year": year}
    tiers = dict(
        conn.execute(
            sa.select(CurrentStatus.family, sa.func.count(sa.distinct(CurrentStatus.enterprise_id)))
            .where(
                CurrentStatus.enterprise_id.in_(sa.select(m.c.id)), CurrentStatus.status == "pass"
            )
            .group_by(CurrentStatus.family)
        ).all()
    )
    out["tiers"] = {t: tiers.get(t, 0) for t in TIERS}
    series = conn.execute(
        sa.select(
            Y.year,
            sa.func.sum(Y.revenue),
            sa.func.count(Y.revenue),
            sa.func.sum(Y.rd_expense),
            sa.func.count(Y.rd_expense),
        )
        .where(_in(Y.enterprise_id, m))
        .group_by(Y.year)
        .order_by(Y.year)
    ).all()
    out["series"] = [
        {
            "year": y,
            "revenue": _money(rev),
            "revenue_known": n_rev,
            "rd_expense": _money(rd),
            "rd_known": n_rd,
        }
        for y, rev, n_rev, rd, n_rd in series
    ]
    out["growth"] = same_firm_growth(conn, m, year) if year else None
    ip = models.IPRight
    out["invention_patents"] = conn.scalar(
        sa.select(sa.func.count()).where(
            _in(ip.enterprise_id, m),
            # lower(): keeps the planner on the enterprise index, not on (kind, number),
            # which would visit every invention patent of the city
            sa.func.lower(ip.kind) == "invention_patent",
            ip.granted_on.is_not(None),
        )
    )
    tc = models.TechContract
    contracts = conn.execute(
        sa.select(sa.func.count(), sa.func.sum(tc.tech_amount)).join(
            m, m.c.id == tc.seller_enterprise_id
        )
    ).one()
    out["contracts"] = {"count": contracts[0], "tech_amount": _money(contracts[1])}
    fr = models.FinancingRound
    financing = conn.execute(
        sa.select(sa.func.count(), sa.func.sum(fr.amount)).where(_in(fr.enterprise_id, m))
    ).one()
    out["financing"] = {"rounds": financing[0], "amount": _money(financing[1])}
    pl = models.Platform
    out["platforms"] = conn.scalar(sa.select(sa.func.count()).where(_in(pl.enterprise_id, m)))
    leaves = catalogue.members(track)
    a = TrackAssignment
    out["results"] = conn.scalar(
        sa.select(sa.func.count(sa.distinct(a.subject_id))).where(
            a.subject_kind == "result", a.track.in_(leaves)
        )
    )
    out["demands"] = conn.scalar(
        sa.select(sa.func.count(sa.distinct(a.subject_id)))
        .join(TechnicalDemand, TechnicalDemand.id == a.subject_id)
        .where(
            a.subject_kind == "demand",
            a.track.in_(leaves),
            _in(TechnicalDemand.enterprise_id, m),
        )
    )
    out["districts"] = _firms_by(conn, m, models.District, m.c.district_id)
    out["parks"] = _firms_by(conn, m, models.Park, m.c.park_id)
    return out


def _firms_by(conn: Connection, members, place, key) -> list[dict]:
    """The members' firms per district or park (``place``), most first."""
    return [
        {"name": name, "firms": n}
        for name, n in conn.execute(
            sa.select(place.name, sa.func.count())
            .select_from(members)
            .join(place, key == place.id)
            .group_by(place.name)
            .order_by(sa.func.count().desc())
        )
    ]


def same_firm_growth(conn: Connection, m, year: int) -> dict | None:
    """Revenue growth of the firms known in both the latest and the previous year."""
    now, before = Y.__table__.alias("now"), Y.__table__.alias("before")
    row = conn.execute(
        sa.select(sa.func.sum(now.c.revenue), sa.func.sum(before.c.revenue), sa.func.count())
        .select_from(now)
        .join(
            before,
            sa.and_(before.c.enterprise_id == now.c.enterprise_id, before.c.year == year - 1),
        )
        .where(
            now.c.enterprise_id.in_(sa.select(m.c.id)),
            now.c.year == year,
            now.c.revenue.is_not(None),
            before.c.revenue.is_not(None),
        )
    ).one()
    current, previous, firms = row
    if not previous:
        return None
    return {
        "year": year,
        "firms": firms,
        "rate": float(Decimal(current) / Decimal(previous) - 1),
    }


def top_firms(
    conn: Connection, catalogue: Catalogue, track: str, scope, limit: int = 50, members=None
) -> list[dict]:
    """The track's firms with the latest year's revenue, largest first, and their confidence
    (None: a confirmed firm that was not inferred)."""
    m = members if members is not None else members_cte(catalogue, track, scope)
    year = latest_year(conn)
    # the largest first on the members and their accounts only; names for the few shown
    largest = conn.execute(
        sa.select(m.c.id, Y.revenue)
        .select_from(m)
        .outerjoin(Y, sa.and_(Y.enterprise_id == m.c.id, Y.year == year))
        .order_by(Y.revenue.desc().nulls_last(), m.c.id)
        .limit(limit)
    ).all()
    names = {
        r[0]: r[1:]
        for r in conn.execute(
            sa.select(E.id, E.name, E.credit_code, models.District.name)
            .join(models.District, models.District.id == E.district_id)
            .where(E.id.in_([r[0] for r in largest]))
        )
    }
    rows = [(eid, *names[eid], revenue) for eid, revenue in largest]
    a = TrackAssignment
    confidence = dict(
        conn.execute(
            sa.select(a.subject_id, sa.func.max(a.confidence))
            .where(
                a.subject_kind == "enterprise",
                a.subject_id.in_([r[0] for r in rows]),
                a.track.in_(catalogue.members(track)),
            )
            .group_by(a.subject_id)
        ).all()
    )
    return [
        {
            "id": r[0],
            "name": r[1],
            "credit_code": r[2],
            "district": r[3],
            "revenue": _money(r[4]),
            "confidence": confidence.get(r[0]),
        }
        for r in rows
    ]


def matrix(conn: Connection, catalogue: Catalogue, scope) -> list[dict]:
    """One row per classified track: firms, latest revenue, HNTE firms — to compare tracks."""
    a, year = TrackAssignment, latest_year(conn)
    # the (firm, track) pairs: inferred and not rejected, or confirmed
    pairs = sa.union(
        sa.select(a.subject_id.label("eid"), a.track).where(
            a.subject_kind == "enterprise",
            ~sa.select(TrackLabel.id)
            .where(
                TrackLabel.enterprise_id == a.subject_id,
                TrackLabel.track == a.track,
                TrackLabel.verdict == "rejected",
            )
            .exists(),
        ),
        sa.select(TrackLabel.enterprise_id, TrackLabel.track).where(
            TrackLabel.verdict == "confirmed"
        ),
    ).subquery()
    hnte = (
        sa.select(CurrentStatus.enterprise_id)
        .where(CurrentStatus.family == "hnte", CurrentStatus.status == "pass")
        .subquery()
    )
    rows = conn.execute(
        sa.select(
            pairs.c.track,
            sa.func.count(),
            sa.func.sum(Y.revenue),
            sa.func.count(Y.revenue),
            sa.func.count(hnte.c.enterprise_id),
        )
        .select_from(pairs)
        .join(E, E.id == pairs.c.eid)
        .outerjoin(Y, sa.and_(Y.enterprise_id == E.id, Y.year == year))
        .outerjoin(hnte, hnte.c.enterprise_id == E.id)
        .where(scope)
        .group_by(pairs.c.track)
    ).all()
    found = {r[0]: r for r in rows}
    out = []
    for track in catalogue.classified:
        r = found.get(track.id)
        out.append(
            {
                "track": track.id,
                "name": track.name,
                "firms": r[1] if r else 0,
                "revenue": _money(r[2]) if r else None,
                "revenue_known": r[3] if r else 0,
                "hnte": r[4] if r else 0,
                "year": year,
            }
        )
    return out
