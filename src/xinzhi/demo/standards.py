"""Standards the city's firms led (主导制定) or helped draft (参与编制).

They count twice in the assessments: taking part in a national or industry standard earns the
HNTE bonus of 1–2 points (RULES.md §1.4.1 item 5), and leading an international, national
or industry standard in the last five years qualifies a tech SME directly (§2.4 item 4).
The second must not turn a firm the demo means to fail into a tech SME: a small firm that
is not one never led such a standard since 2018 (it took part instead).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from itertools import count

import numpy as np

from ..domain.enums import StandardLevel as Level
from ..domain.enums import StandardRole as Role
from .archetypes import REGISTRY_AS_OF, Archetypes, Tier
from .reference import CityReference
from .sampling import choose, day, random_days, to_dates, year_of

SHARE = {"hnte": 0.12, "large": 0.10, "tier": 0.25, "sme": 0.04, "other": 0.02}
MAX_PER_FIRM = 3
LEVEL_MIX = {
    Level.NATIONAL: 0.35,
    Level.INDUSTRY: 0.35,
    Level.GROUP: 0.18,
    Level.LOCAL: 0.10,
    Level.INTERNATIONAL: 0.02,
}
LEAD_SHARE = 0.35
FIRST_PUBLISHED = dt.date(2012, 1, 1)
# Five years before the earliest evaluation the demo is checked for (2022, RULES.md §2.4).
DIRECT_ROUTE_FROM = dt.date(2018, 1, 1)
BONUS_LEVELS = (Level.NATIONAL, Level.INDUSTRY)  # §1.4.1 item 5: 国家标准、行业标准
# The bonus is counted only for standards of the three years before the application: RULES.md
# gives no window, an engine may read one in, and the floor must hold either way.
BONUS_FROM = dt.date(2021, 1, 1)
DIRECT_ROUTE_LEVELS = (Level.INTERNATIONAL, Level.NATIONAL, Level.INDUSTRY)  # §2.4 item 4
# Industry-standard and group-standard codes by HNTE field (1–8).
INDUSTRY_CODE = {
    "1": "SJ/T",
    "2": "YY/T",
    "3": "HB",
    "4": "HG/T",
    "5": "RB/T",
    "6": "NB/T",
    "7": "HJ",
    "8": "JB/T",
}
GROUP_CODE = {
    "1": "T/CESA",
    "2": "T/CAMDI",
    "3": "T/CSAA",
    "4": "T/CSTM",
    "5": "T/CAS",
    "6": "T/CEEIA",
    "7": "T/CAEPI",
    "8": "T/CMIF",
}
LOCAL_CODE = "DB21/T"  # 辽宁省地方标准
NAME_SUFFIXES = (
    "通用技术条件",
    "试验方法",
    "技术规范",
    "检测方法",
    "安全要求",
    "性能评价方法",
    "术语和定义",
)


@dataclass
class Standards:
    """One entry per (firm, standard); ``bonus`` per firm: a national or industry standard
    published since ``BONUS_FROM``."""

    firm: np.ndarray
    number: list[str]
    name: list[str]
    level: list[str]
    role: list[str]
    published_on: list
    bonus: np.ndarray

    def __len__(self) -> int:
        return len(self.firm)


def draw_standards(
    rng: np.random.Generator,
    arch: Archetypes,
    founded: np.ndarray,
    industry: np.ndarray,
    fields: list,
    ref: CityReference,
) -> Standards:
    n = len(arch)
    share = np.full(n, SHARE["other"])
    share[arch.sme] = SHARE["sme"]
    share[arch.large] = SHARE["large"]
    share[arch.tier != Tier.NONE] = SHARE["tier"]
    share[arch.hnte_like] = np.maximum(share[arch.hnte_like], SHARE["hnte"])
    first = np.maximum(founded + 365, day(FIRST_PUBLISHED))
    able = first <= day(REGISTRY_AS_OF)
    per_firm = np.where(able & (rng.random(n) < share), rng.integers(1, MAX_PER_FIRM + 1, n), 0)
    firm = np.repeat(np.arange(n), per_firm)

    level = choose(rng, {lv.value: w for lv, w in LEVEL_MIX.items()}, len(firm)).astype(object)
    lead = rng.random(len(firm)) < LEAD_SHARE
    published = random_days(rng, first[firm], day(REGISTRY_AS_OF))
    # Leading a recent international, national or industry standard qualifies a tech SME.
    direct = np.isin(level, [lv.value for lv in DIRECT_ROUTE_LEVELS])
    may_lead = arch.sme[firm] | arch.large[firm]
    lead &= may_lead | ~direct | (published < day(DIRECT_ROUTE_FROM))
    role = np.where(lead, Role.LEAD.value, Role.PARTICIPANT.value)

    field = [
        fields[f] or ref.industries[i].hnte_field
        for f, i in zip(firm.tolist(), industry[firm].tolist())
    ]
    years = year_of(published).tolist()
    serial = count(1)
    numbers = [_number(lv, fd, next(serial), y) for lv, fd, y in zip(level.tolist(), field, years)]
    suffix = rng.integers(0, len(NAME_SUFFIXES), len(firm))
    word = rng.integers(0, 1 << 30, len(firm))
    names = []
    for i, s, w in zip(industry[firm].tolist(), suffix.tolist(), word.tolist()):
        words = ref.industries[i].words
        names.append(words[w % len(words)] + " " + NAME_SUFFIXES[s])
    bonus = np.zeros(n, bool)
    counted = np.isin(level, [lv.value for lv in BONUS_LEVELS]) & (published >= day(BONUS_FROM))
    bonus[firm[counted]] = True
    return Standards(
        firm, numbers, names, level.tolist(), role.tolist(), to_dates(published), bonus
    )


def _number(level: str, field: str, serial: int, year: int) -> str:
    """A unique standard number in the spelling ``ingest.kinds.parse_standard_number`` keeps."""
    if level == Level.NATIONAL:
        return f"GB/T {40000 + serial}-{year}"
    if level == Level.INDUSTRY:
        return f"{INDUSTRY_CODE[field]} {10000 + serial}-{year}"
    if level == Level.LOCAL:
        return f"{LOCAL_CODE} {3000 + serial}-{year}"
    if level == Level.GROUP:
        return f"{GROUP_CODE[field]} {100 + serial}-{year}"
    return f"{'ISO' if serial % 2 else 'IEC'} {60000 + serial}:{year}"
