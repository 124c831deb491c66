"""Science and technology awards, with the firm's rank among the winning units.

A national award in the last five years with the firm among the first three winning units
qualifies a tech SME directly (RULES.md §2.4 item 2); a small firm the demo means to fail
the tech-SME test never holds one (its rank is 4 or lower, or the award is older).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..domain.enums import AwardLevel as Level
from .archetypes import Archetypes, Tier
from .sampling import year_of

FIRST_YEAR, LAST_YEAR = 2015, 2022
# Chance of holding one award of each level.
SHARE = {
    Level.NATIONAL: {"hnte_large": 0.015, "hnte": 0.002, "other": 0.0003},
    Level.PROVINCIAL: {"hnte_large": 0.06, "hnte": 0.03, "other": 0.004},
    Level.MUNICIPAL: {"hnte_large": 0.06, "hnte": 0.05, "other": 0.008},
}
NAMES = {
    Level.NATIONAL: {
        "国家科学技术进步奖二等奖": 0.75,
        "国家技术发明奖二等奖": 0.2,
        "国家科学技术进步奖一等奖": 0.05,
    },
    Level.PROVINCIAL: {
        "辽宁省科学技术进步奖一等奖": 0.2,
        "辽宁省科学技术进步奖二等奖": 0.4,
        "辽宁省科学技术进步奖三等奖": 0.3,
        "辽宁省技术发明奖二等奖": 0.1,
    },
    Level.MUNICIPAL: {
        "沈阳市科学技术进步奖一等奖": 0.25,
        "沈阳市科学技术进步奖二等奖": 0.45,
        "沈阳市科学技术进步奖三等奖": 0.3,
    },
}
RANK_WEIGHTS = np.array([0.2, 0.15, 0.15, 0.12, 0.1, 0.08, 0.08, 0.06, 0.06])  # ranks 1–9
DIRECT_ROUTE_FROM = 2017  # five years before the earliest evaluation the demo checks (2022)
DIRECT_ROUTE_RANKS = 3


@dataclass
class Awards:
    firm: np.ndarray
    name: list[str]
    level: list[str]
    rank: list[int]
    year: list[int]

    def __len__(self) -> int:
        return len(self.firm)


def draw_awards(rng: np.random.Generator, arch: Archetypes, founded: np.ndarray) -> Awards:
    n = len(arch)
    first_year = np.maximum(year_of(founded) + 1, FIRST_YEAR)
    able = first_year <= LAST_YEAR
    may_qualify = arch.sme | arch.large  # a national top-3 award changes nothing for them
    parts = []
    for level, shares in SHARE.items():
        share = np.where(
            arch.hnte_like & arch.large,
            shares["hnte_large"],
            np.where(arch.hnte_like | (arch.tier != Tier.NONE), shares["hnte"], shares["other"]),
        )
        firm = np.flatnonzero(able & (rng.random(n) < share))
        year = first_year[firm] + np.floor(
            rng.random(len(firm)) * (LAST_YEAR - first_year[firm] + 1)
        ).astype(np.int64)
        rank = 1 + rng.choice(len(RANK_WEIGHTS), len(firm), p=RANK_WEIGHTS / RANK_WEIGHTS.sum())
        if level == Level.NATIONAL:
            direct = (rank <= DIRECT_ROUTE_RANKS) & (year >= DIRECT_ROUTE_FROM)
            rank = np.where(direct & ~may_qualify[firm], rank + DIRECT_ROUTE_RANKS, rank)
        names = list(NAMES[level])
        weights = np.array(list(NAMES[level].values()))
        name = np.array(names)[rng.choice(len(names), len(firm), p=weights / weights.sum())]
        parts.append((firm, name, np.full(len(firm), level.value), rank, year))
    firm, name, level, rank, year = (np.concatenate(x) for x in zip(*parts))
    order = np.argsort(firm, kind="stable")
    return Awards(
        firm[order],
        name[order].tolist(),
        level[order].tolist(),
        rank[order].tolist(),
        year[order].tolist(),
    )
