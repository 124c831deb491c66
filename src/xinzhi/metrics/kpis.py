"""The year's KPIs against its targets: value, data date, completion, year-on-year, by district.

Each indicator is measured for a year Y and the year before, for the city and every district,
in a few grouped scans (the registry has a million enterprises). Definitions:

* 科技型企业 — enterprises in the registry founded by the end of Y. The registry is a snapshot:
  firms that closed before it was taken are not in it, so the earlier year is a lower bound.
* 高新技术企业 — enterprises whose HNTE certificate was issued in the three years ending
  with Y (a certificate is valid three years); only the latest certificate is known.
* 技术合同成交额 / 登记技术合同 — contracts registered in Y (by the seller's district).
* 国家级创新平台 — national platforms approved by the end of Y; 全国重点实验室 — approved in Y.
* 研发投入 — R&D expense reported for Y.

A year the data does not reach is unknown (None), never zero: contracts or platforms before
the earliest record, R&D of a year nobody reported.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy import Connection, Engine

from ..domain.industry import GB4754_SECTIONS
from ..store import models
from ..store.queries import district_names

FEN_PER_YI = Decimal(10) ** 10  # 1 亿元 = 10^8 yuan = 10^10 fen
CITY = None  # key of the whole city in the by-district maps


@dataclass(frozen=True)
class Indicator:
    key: str
    zh: str
    en: str
    unit_zh: str
    unit_en: str
    targets: tuple[str, ...]  # names of the indicator in the targets table
    note_zh: str
    note_en: str


INDICATORS = (
    Indicator(
        "enterprises",
        "科技型企业",
        "tech enterprises",
        "家",
        "firms",
        ("科技型企业数量", "科技型企业"),
        "登记在册、年底前成立的企业",
        "registered firms founded by the year's end",
    ),
    Indicator(
        "hnte",
        "高新技术企业（有效证书）",
        "HNTE (valid certificates)",
        "家",
        "firms",
        ("国家高新技术企业数量", "高新技术企业数量", "高新技术企业"),
        "三年内获发证书的企业",
        "firms certified in the three years to the year's end",
    ),
    Indicator(
        "contract_turnover",
        "技术合同成交额",
        "technology contract turnover",
        "亿元",
        "100M yuan",
        ("技术合同成交额",),
        "当年登记的技术合同",
        "contracts registered in the year",
    ),
    Indicator(
        "contracts",
        "登记技术合同",
        "registered technology contracts",
        "项",
        "contracts",
        ("登记技术合同", "技术合同登记数"),
        "当年登记",
        "registered in the year",
    ),
    Indicator(
        "national_platforms",
        "国家级创新平台",
        "national innovation platforms",
        "个",
        "platforms",
        ("国家级科技创新平台总数", "国家级创新平台"),
        "年底前获批",
        "approved by the year's end",
    ),
    Indicator(
        "state_key_labs",
        "全国重点实验室落地",
        "new state key laboratories",
        "个",
        "labs",
        ("全国重点实验室落地", "新获批全国重点实验室"),
        "当年获批",
        "approved in the year",
    ),
    Indicator(
        "rd_expense",
        "研发投入",
        "R&D expense",
        "亿元",
        "100M yuan",
        ("研发投入",),
        "企业当年申报的研发费用合计",
        "R&D expense the firms reported for the year",
    ),
)
BY_KEY = {indicator.key: indicator for indicator in INDICATORS}


@dataclass(frozen=True)
class Target:
    indicator: str
    region: str
    year: int
    value: Decimal
    value_max: Decimal | None
    unit: str
    as_of: dt.date | None


@dataclass(frozen=True)
class Kpi:
    indicator: Indicator
    value: Decimal | int | None
    previous: Decimal | int | None
    as_of: dt.date | None
    target: Target | None = None

    @property
    def yoy_percent(self) -> Decimal | None:
        if self.value is None or self.previous in (None, 0):
            return None
        return (Decimal(self.value) - Decimal(self.previous)) * 100 / Decimal(self.previous)

    @property
    def completion_percent(self) -> Decimal | None:
        if self.value is None or self.target is None or not self.target.value:
            return None
        return Decimal(self.value) * 100 / self.target.value


@dataclass
class Measures:
    """Per indicator: {district_id or CITY: (value of Y, value of Y-1)}, and data dates."""

    values: dict[str, dict[int | None, list]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(lambda: [0, 0]))
    )
    as_of: dict[str, dt.date | None] = field(default_factory=dict)
    unknown_previous: set[str] = field(default_factory=set)
    unknown_current: set[str] = field(default_factory=set)

    def add(self, key: str, district_id: int | None, current, previous) -> None:
        for where in (district_id, CITY) if district_id is not None else (CITY,):
            pair = self.values[key][where]
            pair[0] += current or 0
            pair[1] += previous or 0

    def get(self, key: str, district_id: int | None) -> tuple:
        current, previous = self.values[key].get(district_id, (0, 0))
        if key in self.unknown_current:
            current = None
        if key in self.unknown_previous:
            previous = None
        return current, previous


@dataclass(frozen=True)
class Dashboard:
    year: int
    years: list[int]
    districts: list[tuple[int, str]]
    measures: Measures
    targets: list[Target]
    treemap: dict[int, dict[str, int]]  # district id → industry section → enterprises
    contracts_by_month: dict[int | None, dict[int, list[Decimal]]]  # district → year → 12 months
    data_as_of: dt.date | None

    def kpis(self, district_id: int | None = None) -> list[Kpi]:
        region = self.region_name(district_id)
        found = []
        for indicator in INDICATORS:
            current, previous = self.measures.get(indicator.key, district_id)
            found.append(
                Kpi(
                    indicator,
                    current,
                    previous,
                    self.measures.as_of.get(indicator.key),
                    self._target(indicator, region),
                )
            )
        return found

    def region_name(self, district_id: int | None) -> str | None:
        if district_id is None:
            return None
        return dict(self.districts).get(district_id)

    def _target(self, indicator: Indicator, region: str | None) -> Target | None:
        for target in self.targets:
            if target.indicator in indicator.targets and (
                target.region == region if region else target.region not in self._district_names
            ):
                return target
        return None

    @property
    def _district_names(self) -> set[str]:
        return {name for _, name in self.districts}

    def other_targets(self, district_id: int | None = None) -> list[Target]:
        """Targets of the year that no indicator measures: shown, marked as having no data."""
        region = self.region_name(district_id)
        measured = {name for indicator in INDICATORS for name in indicator.targets}
        return [
            t
            for t in self.targets
            if t.indicator not in measured
            and (t.region == region if region else t.region not in self._district_names)
        ]

    def by_district(self, district_id: int | None = None) -> list[dict]:
        """One row per district (only the analyst's own, when scoped) with its KPIs."""
        rows = []
        for did, name in self.districts:
            if district_id is not None and did != district_id:
                continue
            rows.append(
                {
                    "district_id": did,
                    "district": name,
                    "kpis": {k.indicator.key: k for k in self.kpis(did)},
                }
            )
        return rows


def _year_end(year: int) -> dt.date:
    return dt.date(year, 12, 31)


def _fen(column) -> sa.ColumnElement:
    """A Money column as its stored whole fen, so that SQL sums stay exact integers."""
    return sa.type_coerce(column, sa.BigInteger())


def _to_yi(fen) -> Decimal:
    return (Decimal(fen) / FEN_PER_YI).quantize(Decimal("0.01"))


def _measure_enterprises(conn: Connection, year: int, measures: Measures, treemap) -> None:
    E = models.Enterprise
    end, prev_end = _year_end(year), _year_end(year - 1)
    section = sa.func.substr(E.industry_code, 1, 1)

    def count_if(condition):
        return sa.func.sum(sa.case((condition, 1), else_=0))

    rows = conn.execute(
        sa.select(
            E.district_id,
            section,
            count_if(E.founded_on <= end),
            count_if(E.founded_on <= prev_end),
            count_if(
                sa.and_(E.hnte_certified_on > _year_end(year - 3), E.hnte_certified_on <= end)
            ),
            count_if(
                sa.and_(E.hnte_certified_on > _year_end(year - 4), E.hnte_certified_on <= prev_end)
            ),
            sa.func.max(E.as_of),
        ).group_by(E.district_id, section)
    ).all()
    as_of = None
    for district_id, letter, now, before, hnte_now, hnte_before, row_as_of in rows:
        measures.add("enterprises", district_id, now, before)
        measures.add("hnte", district_id, hnte_now, hnte_before)
        if now:
            treemap[district_id][letter or "?"] += now
        as_of = max(filter(None, (as_of, row_as_of)), default=None)
    # the registry describes its as-of date; for a past year, the year's end
    date = min(as_of, end) if as_of else None
    measures.as_of["enterprises"] = measures.as_of["hnte"] = date


def _measure_contracts(conn: Connection, year: int, measures: Measures, by_month) -> None:
    C, E = models.TechContract, models.Enterprise
    start = dt.date(year - 1, 1, 1)
    c_year = sa.extract("year", C.registered_on)
    c_month = sa.extract("month", C.registered_on)
    rows = conn.execute(
        sa.select(
            E.district_id,
            c_year,
            c_month,
            sa.func.count(),
            sa.func.sum(_fen(C.contract_amount)),
            sa.func.max(C.registered_on),
        )
        .select_from(C)
        .outerjoin(E, E.id == C.seller_enterprise_id)
        .where(C.registered_on >= start, C.registered_on <= _year_end(year))
        .group_by(E.district_id, c_year, c_month)
    ).all()
    earliest = conn.scalar(sa.select(sa.func.min(C.registered_on)))
    latest = None
    for district_id, y, month, count, fen, last in rows:
        current = int(y) == year
        measures.add("contracts", district_id, count if current else 0, 0 if current else count)
        measures.add("contract_turnover", district_id, fen if current else 0, 0 if current else fen)
        for where in {district_id, CITY}:
            by_month[where][int(y)][int(month) - 1] += fen or 0
        if current:
            latest = max(filter(None, (latest, last)), default=None)
    for pair in measures.values["contract_turnover"].values():
        pair[0], pair[1] = _to_yi(pair[0]), _to_yi(pair[1])
    for years in by_month.values():
        for y, months in years.items():
            years[y] = [_to_yi(fen) for fen in months]
    measures.as_of["contracts"] = measures.as_of["contract_turnover"] = latest
    if earliest is None or earliest.year > year:
        measures.unknown_current |= {"contracts", "contract_turnover"}
    if earliest is None or earliest.year > year - 1:
        measures.unknown_previous |= {"contracts", "contract_turnover"}


def _measure_platforms(conn: Connection, year: int, measures: Measures) -> None:
    P = models.Platform
    end, prev_end = _year_end(year), _year_end(year - 1)
    rows = conn.execute(
        sa.select(P.district_id, P.kind, P.level, P.approved_on, P.as_of).where(
            sa.or_(P.level == "national", P.kind == "state_key_lab")
        )
    ).all()
    as_of = None
    for district_id, kind, level, approved_on, row_as_of in rows:
        as_of = max(filter(None, (as_of, row_as_of)), default=None)
        if approved_on is None:
            continue  # undated: cannot be placed in a year
        if level == "national":
            measures.add(
                "national_platforms", district_id, approved_on <= end, approved_on <= prev_end
            )
        if kind == "state_key_lab":
            measures.add(
                "state_key_labs",
                district_id,
                approved_on.year == year,
                approved_on.year == year - 1,
            )
    for key in ("national_platforms", "state_key_labs"):
        measures.values[key].setdefault(CITY, [0, 0])  # zero when the city has none
    date = min(as_of, end) if as_of else None
    measures.as_of["national_platforms"] = measures.as_of["state_key_labs"] = date
    if conn.scalar(sa.select(sa.func.count()).select_from(P)) == 0:
        measures.unknown_current |= {"national_platforms", "state_key_labs"}
        measures.unknown_previous |= {"national_platforms", "state_key_labs"}


def _measure_rd(conn: Connection, year: int, measures: Measures) -> None:
    Y, E = models.EnterpriseYear, models.Enterprise
    rows = conn.execute(
        sa.select(
            E.district_id,
            Y.year,
            sa.func.sum(_fen(Y.rd_expense)),
            sa.func.count(Y.rd_expense),
            sa.func.max(Y.as_of),
        )
        .join(E, E.id == Y.enterprise_id)
        .where(Y.year.in_((year, year - 1)))
        .group_by(E.district_id, Y.year)
    ).all()
    reported = {year: 0, year - 1: 0}
    as_of = None
    for district_id, y, fen, count, row_as_of in rows:
        current = y == year
        measures.add("rd_expense", district_id, fen if current else 0, 0 if current else fen)
        reported[y] += count
        if current:
            as_of = max(filter(None, (as_of, row_as_of)), default=None)
    for pair in measures.values["rd_expense"].values():
        pair[0], pair[1] = _to_yi(pair[0]), _to_yi(pair[1])
    measures.as_of["rd_expense"] = as_of
    if not reported[year]:
        measures.unknown_current.add("rd_expense")
    if not reported[year - 1]:
        measures.unknown_previous.add("rd_expense")


def load_targets(conn: Connection, year: int) -> list[Target]:
    T = models.Target
    rows = conn.execute(
        sa.select(T.indicator, T.region, T.year, T.value, T.value_max, T.unit, T.as_of)
        .where(T.year == year)
        .order_by(T.indicator, T.region)
    ).all()
    return [Target(*row) for row in rows]


def available_years(conn: Connection) -> list[int]:
    years = set(conn.scalars(sa.select(models.Target.year).distinct()).all())
    latest = conn.scalar(sa.select(sa.func.max(models.Enterprise.as_of)))
    if latest:
        years.add(latest.year)
    return sorted(years, reverse=True)


def default_year(conn: Connection) -> int:
    years = available_years(conn)
    return years[0] if years else dt.date.today().year


def compute_dashboard(engine: Engine, year: int | None = None) -> Dashboard:
    with engine.connect() as conn:
        year = year or default_year(conn)
        measures = Measures()
        treemap: dict = defaultdict(lambda: defaultdict(int))
        by_month: dict = defaultdict(lambda: defaultdict(lambda: [0] * 12))
        _measure_enterprises(conn, year, measures, treemap)
        _measure_contracts(conn, year, measures, by_month)
        _measure_platforms(conn, year, measures)
        _measure_rd(conn, year, measures)
        districts = list(district_names(conn).items())
        dashboard = Dashboard(
            year=year,
            years=available_years(conn),
            districts=districts,
            measures=measures,
            targets=load_targets(conn, year),
            treemap={k: dict(v) for k, v in treemap.items()},
            contracts_by_month={k: dict(v) for k, v in by_month.items()},
            data_as_of=max(filter(None, measures.as_of.values()), default=None),
        )
    return dashboard


def section_name(letter: str) -> str:
    return GB4754_SECTIONS.get(letter, ("未分类",))[0]
