"""The published figures the demo city reproduces, and how they scale with its size.

Every figure comes from ``data/published_figures.csv`` (a copy of the shared file), looked up
by (region, period, indicator); the row is named next to each use below. The default city
has ``REFERENCE_ENTERPRISES`` = 19,938 enterprises, the published total of 科技型企业, so
that at the default size the counts equal the published ones exactly — and the city stands
at 99.69 % of its 2023 target of 20,000, as published; a city of N enterprises scales every
count by N / 19,938 (rounded half up, never below the floor noted).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from .reference import DATA

CITY = "沈阳市"


@dataclass(frozen=True)
class PublishedFigure:
    region: str
    period: str
    indicator: str
    value: str  # as written: "5000", "249.3", "4-6"
    unit: str
    note: str
    source: str


@cache
def published_figures() -> tuple[PublishedFigure, ...]:
    text = (DATA / "published_figures.csv").read_text(encoding="utf-8")
    return tuple(
        PublishedFigure(
            r["region"], r["period"], r["indicator"], r["value"], r["unit"], r["note"], r["source"]
        )
        for r in csv.DictReader(io.StringIO(text))
    )


def published(indicator: str, period: str, region: str = CITY) -> Decimal:
    """The value of one published row; a missing row is a bug in this module."""
    for row in published_figures():
        if (row.region, row.period, row.indicator) == (region, period, indicator):
            return Decimal(row.value)
    raise LookupError(f"no published figure {region} {period} {indicator}")


def _count(indicator: str, period: str) -> int:
    return int(published(indicator, period))


# --- the figures, each with its row ----------------------------------------------------------

# 沈阳市,2023-08,科技型企业总数,19938,家 — the size of the default city (99.69 % of the
# 2023 target, 沈阳市,2023,目标:科技型企业数量,20000,家).
REFERENCE_ENTERPRISES = _count("科技型企业总数", "2023-08")
# 沈阳市,2023,目标:国家高新技术企业数量,5000,家 — no 2023 count of HNTE is published, so the
# demo city holds as many HNTE-qualifying (and certified) firms as the target.
HNTE = _count("目标:国家高新技术企业数量", "2023")
# 沈阳市,2023-08,科技型中小企业,14022,家
TECH_SME = _count("科技型中小企业", "2023-08")
# 沈阳市,2023-08,雏鹰企业总数,1453,家
EAGLETS = _count("雏鹰企业总数", "2023-08")
# 沈阳市,2023-08,瞪羚和独角兽企业总数,256,家
GAZELLES_AND_UNICORNS = _count("瞪羚和独角兽企业总数", "2023-08")
# Not published (only 沈阳市,2023-08,新增独角兽企业,1,家): an assumption of the demo.
UNICORNS = 5
# Not published: firms meeting every HNTE condition but the incident veto (RULES.md §1.2
# condition 8), an assumption of the demo.
HNTE_INCIDENTS = 10
# 沈阳市,2021|2022,营业收入超1000万元的高新技术企业,374|452,家
HNTE_REVENUE_OVER_10M = {
    2021: _count("营业收入超1000万元的高新技术企业", "2021"),
    2022: _count("营业收入超1000万元的高新技术企业", "2022"),
}
# 沈阳市,2023-08,登记技术合同,6521,项
CONTRACTS = _count("登记技术合同", "2023-08")
# 沈阳市,2023-08,技术合同成交额,249.3,亿元 → fen
CONTRACT_TURNOVER_FEN = int(published("技术合同成交额", "2023-08") * 10**8 * 100)
# 沈阳市,2023-08,各级各类创新平台总数,1479,个
PLATFORMS = _count("各级各类创新平台总数", "2023-08")
# 沈阳市,2023-08,国家级科技创新平台总数,76,个
NATIONAL_PLATFORMS = _count("国家级科技创新平台总数", "2023-08")
# 沈阳市,2023-08,新增国家级科技创新平台,15,个
NEW_NATIONAL_PLATFORMS = _count("新增国家级科技创新平台", "2023-08")
# 沈阳市,2023-08,新获批全国重点实验室,9,个
NEW_STATE_KEY_LABS = _count("新获批全国重点实验室", "2023-08")
# 沈阳市,2023-08,新获批国家企业技术中心,5,个
NEW_NATIONAL_TECH_CENTRES = _count("新获批国家企业技术中心", "2023-08")
# 沈阳市,2023-08,科技成果转化中试基地总数,35,家 (省级备案)
PILOT_BASES = _count("科技成果转化中试基地总数", "2023-08")
# 沈阳市,2023-08,新获批科技成果转化中试基地,23,家
NEW_PILOT_BASES = _count("新获批科技成果转化中试基地", "2023-08")

TARGET_PREFIX = "目标:"
TARGET_YEAR = "2023"
# The targets split over the districts, in proportion to their enterprises.
DISTRICT_TARGETS = ("国家高新技术企业数量", "科技型企业数量")


def city_targets() -> tuple[PublishedFigure, ...]:
    """The city's 2023 targets: the ``目标:`` rows of 沈阳市 for 2023."""
    return tuple(
        row
        for row in published_figures()
        if row.region == CITY
        and row.period == TARGET_YEAR
        and row.indicator.startswith(TARGET_PREFIX)
    )


# --- scaling -------------------------------------------------------------------------------------


def scaled(count: int, enterprises: int, *, floor: int = 0) -> int:
    """``count`` × enterprises / 19,938, rounded half up, at least ``floor``."""
    numerator = 2 * count * enterprises + REFERENCE_ENTERPRISES
    return max(floor, numerator // (2 * REFERENCE_ENTERPRISES))


@dataclass(frozen=True)
class CityCounts:
    """How many of each kind a city of ``enterprises`` firms holds."""

    enterprises: int
    hnte: int
    tech_sme: int
    eaglets: int
    gazelles: int
    unicorns: int
    hnte_incidents: int
    hnte_revenue_over_10m: dict[int, int]
    contracts: int
    contract_turnover_fen: int
    platforms: int
    national_platforms: int
    new_national_platforms: int
    new_state_key_labs: int
    new_national_tech_centres: int
    pilot_bases: int
    new_pilot_bases: int

    @classmethod
    def at(cls, enterprises: int) -> CityCounts:
        n = enterprises
        unicorns = scaled(UNICORNS, n, floor=1)
        national = scaled(NATIONAL_PLATFORMS, n, floor=1)
        pilot = scaled(PILOT_BASES, n, floor=1)
        return cls(
            enterprises=n,
            hnte=scaled(HNTE, n),
            tech_sme=scaled(TECH_SME, n),
            eaglets=scaled(EAGLETS, n),
            gazelles=max(0, scaled(GAZELLES_AND_UNICORNS, n) - unicorns),
            unicorns=unicorns,
            hnte_incidents=scaled(HNTE_INCIDENTS, n, floor=1),
            hnte_revenue_over_10m={y: scaled(c, n) for y, c in HNTE_REVENUE_OVER_10M.items()},
            contracts=scaled(CONTRACTS, n, floor=1),
            contract_turnover_fen=contract_turnover_fen(n),
            platforms=max(scaled(PLATFORMS, n), national + pilot),
            national_platforms=national,
            new_national_platforms=min(national, scaled(NEW_NATIONAL_PLATFORMS, n)),
            new_state_key_labs=scaled(NEW_STATE_KEY_LABS, n),
            new_national_tech_centres=scaled(NEW_NATIONAL_TECH_CENTRES, n),
            pilot_bases=pilot,
            new_pilot_bases=min(pilot, scaled(NEW_PILOT_BASES, n)),
        )


def contract_turnover_fen(enterprises: int) -> int:
    """技术合同成交额 of a city of ``enterprises`` firms, in fen: exactly 249.3亿元 at 19,938."""
    return scaled(CONTRACT_TURNOVER_FEN, enterprises, floor=1)
