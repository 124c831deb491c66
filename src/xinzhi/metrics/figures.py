"""The figures of a briefing, each with its comparisons, target, rank, data date and source.

A figure is measured for a period and a scope (the city, or one district) by a few grouped
scans per table, whatever the number of enterprises: the registry once for every date the
comparisons need, the contracts once grouped by district and month, the platforms (a small
table) once. Unknown is never zero: a period the data does not reach is ``None`` (数据缺失),
and so is a comparison whose base is unknown.

Definitions follow ``metrics.kpis`` (the dashboard): 科技型企业 are the registered firms
founded by the period's end; 高新技术企业 (有效证书) those certified in the three years to it;
technology contracts count by their registration date and the seller's district.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy import Connection

from ..store import models
from .kpis import FEN_PER_YI, _fen
from .periods import Period

CITY = None  # the scope of the whole city


@dataclass(frozen=True)
class Source:
    """Where a figure comes from: the table, the import batches (or run) and the data date."""

    table: str
    detail: str  # "导入批次 3（enterprises.xlsx）", "评价运行 #2", …
    as_of: dt.date | None

    @property
    def text(self) -> str:
        date = self.as_of.isoformat() if self.as_of else "日期未知"
        return f"数据日期 {date}；来源：{self.table} 表，{self.detail}"


@dataclass
class Scope:
    """The city (``district_id`` None) or one district, and the names of all districts."""

    district_id: int | None
    districts: dict[int, str]

    @property
    def name(self) -> str | None:
        return None if self.district_id is None else self.districts[self.district_id]

    @property
    def region_zh(self) -> str:
        return self.name or "全市"


def load_scope(conn: Connection, district_id: int | None) -> Scope:
    rows = conn.execute(
        sa.select(models.District.id, models.District.name).order_by(models.District.code)
    ).all()
    districts = {r.id: r.name for r in rows}
    if district_id is not None and district_id not in districts:
        from ..domain.errors import InvalidValue

        raise InvalidValue(
            "district", f"区县 {district_id} 不存在", f"district {district_id} does not exist"
        )
    return Scope(district_id, districts)


def find_district(conn: Connection, name_or_code: str) -> int:
    """A district by its name (和平区) or GB/T 2260 code (210102)."""
    from ..domain.errors import InvalidValue

    D = models.District
    found = conn.scalar(
        sa.select(D.id).where(sa.or_(D.name == name_or_code.strip(), D.code == name_or_code))
    )
    if found is None:
        raise InvalidValue(
            "district",
            f"找不到区县“{name_or_code}”（请用区县名称或 6 位代码）",
            f"no district '{name_or_code}' (give its name or 6-digit code)",
        )
    return found


# --- sources -------------------------------------------------------------------------------------


def table_source(conn: Connection, model, scope: Scope, where=(), district_column=None) -> Source:
    """The import batches a table's rows (in the scope) came from, and their newest data date."""
    B = models.ImportBatch
    conditions = list(where)
    if scope.district_id is not None and district_column is not None:
        conditions.append(district_column == scope.district_id)
    rows = conn.execute(
        sa.select(model.import_batch_id, sa.func.max(model.as_of), sa.func.min(model.source))
        .where(*conditions)
        .group_by(model.import_batch_id)
    ).all()
    table = model.__tablename__
    if not rows:
        return Source(table, "无记录", None)
    ids = [r[0] for r in rows if r[0] is not None]
    batches = {b.id: b for b in conn.execute(sa.select(B.id, B.source).where(B.id.in_(ids))).all()}
    parts = []
    for batch_id, _, source in rows:
        if batch_id is None:
            parts.append(f"来源 {source}")
        else:
            parts.append(f"导入批次 {batch_id}（{batches[batch_id].source}）")
    as_of = max((r[1] for r in rows if r[1] is not None), default=None)
    return Source(table, "；".join(sorted(set(parts))[:6]), as_of)


# --- stocks: counts of firms at a date -------------------------------------------------------------


@dataclass
class FirmCounts:
    """Per date asked for: {district id → count} of 科技型企业 and of valid HNTE certificates."""

    enterprises: dict[dt.date, dict[int, int]] = field(default_factory=dict)
    hnte: dict[dt.date, dict[int, int]] = field(default_factory=dict)
    registry_as_of: dt.date | None = None
    registry_start: dt.date | None = None  # the earliest founding date: before it, unknown


def count_firms(conn: Connection, dates: list[dt.date]) -> FirmCounts:
    """One grouped scan of the registry for every date."""
    E = models.Enterprise
    dates = sorted(set(dates))

    def count_if(condition):
        return sa.func.sum(sa.case((condition, 1), else_=0))

    columns = []
    for date in dates:
        three_years_before = date.replace(year=date.year - 3)
        columns.append(count_if(E.founded_on <= date))
        columns.append(
            count_if(sa.and_(E.hnte_certified_on > three_years_before, E.hnte_certified_on <= date))
        )
    rows = conn.execute(
        sa.select(
            E.district_id, sa.func.max(E.as_of), sa.func.min(E.founded_on), *columns
        ).group_by(E.district_id)
    ).all()
    counts = FirmCounts()
    for date in dates:
        counts.enterprises[date] = {}
        counts.hnte[date] = {}
    for row in rows:
        district_id, as_of, first, *values = row
        counts.registry_as_of = max(filter(None, (counts.registry_as_of, as_of)), default=None)
        counts.registry_start = min(filter(None, (counts.registry_start, first)), default=None)
        for i, date in enumerate(dates):
            counts.enterprises[date][district_id] = int(values[2 * i] or 0)
            counts.hnte[date][district_id] = int(values[2 * i + 1] or 0)
    return counts


@dataclass(frozen=True)
class Stock:
    """A count at the end of a period, of the period before, the one before that (did the
    trend turn?) and a year earlier; per district at the period's end (for ranks)."""

    value: int | None
    previous: int | None
    before_previous: int | None
    year_ago: int | None
    as_of: dt.date | None
    by_district: dict[int, int]

    @property
    def change(self):
        return None if self.value is None or self.previous is None else self.value - self.previous

    @property
    def change_before(self):
        if self.previous is None or self.before_previous is None:
            return None
        return self.previous - self.before_previous

    @property
    def yoy_percent(self) -> Decimal | None:
        if self.value is None or not self.year_ago:
            return None
        return (Decimal(self.value) - self.year_ago) * 100 / Decimal(self.year_ago)


def stock_dates(period: Period) -> list[dt.date]:
    """The dates ``stock`` needs counted."""
    before = period.previous()
    return [period.end, before.end, before.previous().end, period.year_ago().end]


def stock(
    firms: FirmCounts, counts: dict[dt.date, dict[int, int]], period: Period, scope: Scope
) -> Stock:
    """``counts`` (``firms.enterprises`` or ``firms.hnte``) at the period's end and before."""

    def at(term: Period) -> int | None:
        # before the registry's first firm, or a period the registry's date has not reached:
        # unknown (the registry is a snapshot; firms closed before it are not in it)
        if firms.registry_as_of is None or firms.registry_start is None:
            return None
        if term.end < firms.registry_start or term.start > firms.registry_as_of:
            return None
        return scoped_sum(counts[term.end], scope)

    as_of = min(firms.registry_as_of, period.end) if firms.registry_as_of else None
    return Stock(
        at(period),
        at(period.previous()),
        at(period.previous().previous()),
        at(period.year_ago()),
        as_of,
        {d: counts[period.end].get(d, 0) for d in scope.districts},  # none counted: 0 firms
    )


# --- flows: technology contracts by month ----------------------------------------------------------


@dataclass
class ContractMonths:
    """{(year, month) → [count, fen]} for the city and per district (the seller's)."""

    city: dict[tuple[int, int], list[int]]
    districts: dict[int, dict[tuple[int, int], list[int]]]
    earliest: dt.date | None
    latest: dt.date | None

    def _months(self, district_id: int | None) -> dict[tuple[int, int], list[int]]:
        return self.city if district_id is None else self.districts.get(district_id, {})

    def total(self, period: Period, district_id: int | None) -> tuple[int | None, Decimal | None]:
        """(contracts, 亿元) registered in the period; unknown outside the registered range."""
        if self.earliest is None or period.end < self.earliest.replace(day=1):
            return None, None
        if self.latest is not None and period.start > self.latest:
            return None, None  # the data does not reach the period yet
        months = self._months(district_id)
        count = fen = 0
        for month in period.months:
            pair = months.get(month)
            if pair:
                count += pair[0]
                fen += pair[1]
        return count, to_yi(fen)

    def cumulative(self, year: int, district_id: int | None, upto: int = 12) -> list[Decimal]:
        """亿元 registered from January to each month of ``year``, up to month ``upto``."""
        months = self._months(district_id)
        running, out = 0, []
        for m in range(1, upto + 1):
            running += months.get((year, m), [0, 0])[1]
            out.append(to_yi(running))
        return out

    def by_district(self, period: Period, districts) -> dict[int, tuple[int, Decimal]]:
        """(contracts, 亿元) of every district in ``districts`` (none registered: 0)."""
        out = {}
        for district_id in districts:
            count, yi = self.total(period, district_id)
            out[district_id] = (count or 0, yi or Decimal(0))
        return out


def to_yi(fen) -> Decimal:
    return (Decimal(fen) / FEN_PER_YI).quantize(Decimal("0.01"))


def contract_months(conn: Connection, since: dt.date, until: dt.date) -> ContractMonths:
    C, E = models.TechContract, models.Enterprise
    c_year = sa.extract("year", C.registered_on)
    c_month = sa.extract("month", C.registered_on)
    rows = conn.execute(
        sa.select(
            E.district_id, c_year, c_month, sa.func.count(), sa.func.sum(_fen(C.contract_amount))
        )
        .select_from(C)
        .outerjoin(E, E.id == C.seller_enterprise_id)
        .where(C.registered_on >= since, C.registered_on <= until)
        .group_by(E.district_id, c_year, c_month)
    ).all()
    city: dict = defaultdict(lambda: [0, 0])
    districts: dict = defaultdict(dict)
    for district_id, year, month, count, fen in rows:
        key = (int(year), int(month))
        pair = [int(count), int(fen or 0)]
        city[key][0] += pair[0]
        city[key][1] += pair[1]
        if district_id is not None:  # a seller outside the registry counts for the city only
            districts[district_id][key] = pair
    earliest, latest = conn.execute(
        sa.select(sa.func.min(C.registered_on), sa.func.max(C.registered_on))
    ).one()
    return ContractMonths(dict(city), dict(districts), earliest, latest)


# --- platforms -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlatformRow:
    district_id: int | None
    kind: str
    level: str
    approved_on: dt.date | None


def load_platforms(conn: Connection) -> list[PlatformRow]:
    P = models.Platform
    return [
        PlatformRow(*row)
        for row in conn.execute(sa.select(P.district_id, P.kind, P.level, P.approved_on)).all()
    ]


def count_platforms(
    rows: list[PlatformRow], scope: Scope, *, until: dt.date, since: dt.date | None = None, **match
) -> int:
    """Platforms in the scope approved by ``until`` (and from ``since``), matching kind/level."""
    n = 0
    for row in rows:
        if scope.district_id is not None and row.district_id != scope.district_id:
            continue
        if any(getattr(row, k) != v for k, v in match.items()):
            continue
        if row.approved_on is None or row.approved_on > until:
            continue
        if since is not None and row.approved_on < since:
            continue
        n += 1
    return n


# --- targets and ranks -----------------------------------------------------------------------------


def find_target(
    conn: Connection, names: tuple[str, ...], year: int, region: str
) -> tuple[Decimal | None, dt.date | None]:
    T = models.Target
    row = conn.execute(
        sa.select(T.value, T.as_of)
        .where(T.indicator.in_(names), T.region == region, T.year == year)
        .limit(1)
    ).first()
    return (row[0], row[1]) if row else (None, None)


def rank_of(values: dict[int, int | Decimal], district_id: int) -> tuple[int | None, int]:
    """1 + the number of districts with a larger value (ties share a rank)."""
    if district_id not in values:
        return None, len(values)
    mine = values[district_id]
    return 1 + sum(1 for v in values.values() if v > mine), len(values)


def scoped_sum(values: dict[int, int], scope: Scope) -> int:
    if scope.district_id is not None:
        return values.get(scope.district_id, 0)
    return sum(values.values())
