"""Which firm is what: archetypes assigned up front, in the published proportions.

A firm's archetype decides the bounds its data are drawn within, so that a rule engine
reading the stored data rediscovers it: an HNTE firm meets every objective condition of
RULES.md §1.2; a firm that is not one misses at least one, for a reason chosen from a
realistic mix (its *gap*). Archetypes live in memory only, for the build summary and the
tests; the database never stores them.

The tiers:

* **HNTE** (高新技术企业): all objective conditions of RULES.md §1.2 with a margin, every
  year, plus positive growth and a certificate issued in the last three years.
* **科技型中小企业** (tech SME, RULES.md §2.2–2.3): ≤ 500 staff, revenue and assets ≤ 2亿,
  S&T staff ≥ 20 % (so the staff score is ≥ 12), and R&D and IP scores giving ≥ 60 points
  on the previous and the current year. Small HNTE firms are always SMEs (they qualify
  directly, §2.4 item 1, and on points).
* **瞪羚** (gazelle): the Liaoning rule, RULES.md §3.2 row ≤ 20 years, variant ①.
* **独角兽** (unicorn): ≤ 10 years, not listed, valuation ≥ 70亿 (Shenzhen's CNY form of the
  national "USD 1 billion", RULES.md §3.3).
* **雏鹰** (eaglet): Liaoning's quantitative conditions were not retrieved (RULES.md §3.2 ❓);
  the demo operationalises them as ``EAGLET_RULE`` below.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import IntEnum

import numpy as np

from .calibration import CityCounts
from .sampling import choose

YEARS = (2020, 2021, 2022, 2023)  # 2020 is the gazelle base year of 2023's 3-year CAGR
LATEST = 2023


class Tier(IntEnum):
    NONE = 0
    EAGLET = 1
    GAZELLE = 2
    UNICORN = 3


class HnteGap(IntEnum):
    """The HNTE condition a non-HNTE firm misses (RULES.md §1.2 numbering in brackets)."""

    NONE = 0  # qualifies
    RD = 1  # 3-year R&D ratio below the band threshold [5]
    HITECH = 2  # high-tech revenue < 60 % of total income [6]
    IP = 3  # no granted IP at all [2]
    DOMESTIC = 4  # R&D in China < 60 % [5]
    STAFF = 5  # S&T staff < 10 % [4]
    YOUNG = 6  # registered less than a year [1]
    INCIDENT = 7  # meets every other condition, but had a serious incident in 2023 [8]


class SmeGap(IntEnum):
    """Why a firm is not a tech SME (RULES.md §2.2–2.3)."""

    NONE = 0  # qualifies
    LARGE = 1  # revenue (a unicorn: assets) > 2亿 in the previous and the current year
    STAFF = 2  # S&T staff < 10 %: the staff score is 0
    LOW_SCORE = 3  # R&D < 2 % of revenue: at most 20 + 0 + 30 = 50 points
    YOUNG = 4  # founded in 2023: no previous-year data


class IPPath(IntEnum):
    """What a firm's granted IP must contain."""

    ANY = 0
    CLASS_I = 1  # ≥ 1 granted invention patent
    CLASS_II = 2  # no granted invention, ≥ 5 granted Class II items
    NONE_GRANTED = 3  # no granted item at all (pending applications only)


class RevenueBand(IntEnum):
    """HNTE firms by revenue over 1,000万 (published for 2021 and 2022)."""

    NOT_HNTE = 0
    BOTH_YEARS = 1  # > 1,000万 in 2021 and 2022
    LATEST_ONLY = 2  # > 1,000万 in 2022 only
    UNDER = 3  # ≤ 1,000万 in both


# --- the rules the stored data must pass or clearly fail -----------------------------------------

YI = 100_000_000  # 亿元 in yuan
WAN = 10_000  # 万元 in yuan


def hnte_rd_threshold(latest_revenue_yuan: np.ndarray) -> np.ndarray:
    """RULES.md §1.2 condition 5 ✅: 5 % up to 5,000万 (incl.), 4 % up to 2亿 (incl.), else 3 %."""
    return np.where(
        latest_revenue_yuan <= 5_000 * WAN,
        0.05,
        np.where(latest_revenue_yuan <= 2 * YI, 0.04, 0.03),
    )


@dataclass(frozen=True)
class GazelleRule:
    """Liaoning 瞪羚, RULES.md §3.2 🟡 [S14]: row "≤ 20 years", variant ①, and the R&D row."""

    base_year: int = 2020
    latest_year: int = 2023
    min_base_revenue: int = 1_000 * WAN  # > 1,000万 (exclusive)
    min_cagr: float = 0.20
    min_avg_rd_ratio: float = 0.025  # 近四年平均科技活动投入 / 营业收入 ≥ 2.5 %
    max_age_years: int = 20


@dataclass(frozen=True)
class UnicornRule:
    """RULES.md §3.1 ✅ (≤ 10 years, not listed) with Shenzhen's CNY valuation, §3.3 ✅ [S19]."""

    max_age_years: int = 10
    min_valuation: int = 70 * YI


@dataclass(frozen=True)
class EagletRule:
    """The demo's 雏鹰 operationalisation (Liaoning text not retrieved, RULES.md §3.2 ❓).

    注册不超过10年 (✅ [S13]) with, standing in for "strong innovation capability": R&D ≥ 10 %
    of the latest year's revenue and at least one granted invention patent.
    """

    max_age_years: int = 10
    min_rd_ratio: float = 0.10
    min_granted_inventions: int = 1


GAZELLE_RULE = GazelleRule()
UNICORN_RULE = UnicornRule()
EAGLET_RULE = EagletRule()

# The evaluation date the tiers are assigned for, and the registry's date.
EVALUATED_ON = dt.date(2023, 12, 31)
REGISTRY_AS_OF = dt.date(2023, 8, 31)

# --- shares inside the tiers (assumptions of the demo) ---------------------------------------

HNTE_SHARE_OF_GAZELLES = 0.7
HNTE_SHARE_OF_EAGLETS = 0.5
LARGE_SHARE_OF_HNTE_GAZELLES = 0.4
LARGE_SHARE_OF_OTHER_GAZELLES = 0.3
LARGE_SHARE_OF_HNTE_OVER_10M = 0.6  # of the ordinary HNTE firms over 1,000万 in 2021
CLASS_I_SHARE_OF_HNTE = 0.75
# Why a non-HNTE, non-SME ordinary firm is not an SME.
SME_GAP_MIX = {SmeGap.LARGE: 0.15, SmeGap.STAFF: 0.40, SmeGap.LOW_SCORE: 0.35, SmeGap.YOUNG: 0.10}
# Which HNTE condition a firm misses when nothing else decides it.
HNTE_GAP_MIX = {HnteGap.RD: 0.45, HnteGap.HITECH: 0.25, HnteGap.IP: 0.20, HnteGap.DOMESTIC: 0.10}
HNTE_GAP_MIX_EAGLET = {HnteGap.HITECH: 0.75, HnteGap.DOMESTIC: 0.25}
HNTE_GAP_MIX_SMALL_GAZELLE = {
    HnteGap.RD: 0.4,
    HnteGap.HITECH: 0.3,
    HnteGap.IP: 0.2,
    HnteGap.DOMESTIC: 0.1,
}
# A large gazelle's R&D (≥ 2.5 % for the gazelle rule) cannot fall below the 3 % HNTE band.
HNTE_GAP_MIX_LARGE_GAZELLE = {HnteGap.HITECH: 0.6, HnteGap.IP: 0.25, HnteGap.DOMESTIC: 0.15}


@dataclass
class Archetypes:
    """One entry per firm (arrays of length N)."""

    tier: np.ndarray  # Tier
    hnte: np.ndarray  # bool
    sme: np.ndarray  # bool
    # bool: fails the SME size test in 2022 and 2023 (revenue, or a unicorn's assets, > 2亿)
    large: np.ndarray
    hnte_gap: np.ndarray  # HnteGap
    sme_gap: np.ndarray  # SmeGap
    ip_path: np.ndarray  # IPPath
    revenue_band: np.ndarray  # RevenueBand

    def __len__(self) -> int:
        return len(self.tier)

    @property
    def hnte_like(self) -> np.ndarray:
        """HNTE firms and those whose only missed condition is a serious incident: their
        accounts, IP and innovation inputs are drawn alike."""
        return self.hnte | (self.hnte_gap == HnteGap.INCIDENT)

    def counts(self) -> dict[str, int]:
        """Firms per archetype, for the build summary."""
        tiered = self.tier != Tier.NONE
        return {
            "hnte": int(self.hnte.sum()),
            "tech_sme": int(self.sme.sum()),
            "hnte_and_tech_sme": int((self.hnte & self.sme).sum()),
            "eaglet": int((self.tier == Tier.EAGLET).sum()),
            "gazelle": int((self.tier == Tier.GAZELLE).sum()),
            "unicorn": int((self.tier == Tier.UNICORN).sum()),
            "ordinary": int((~tiered & ~self.hnte & ~self.sme).sum()),
        }

    def gap_counts(self) -> dict[str, int]:
        """Non-HNTE firms by the HNTE condition they miss."""
        return {
            gap.name.lower(): int((self.hnte_gap == gap).sum())
            for gap in HnteGap
            if gap != HnteGap.NONE
        }


def assign_archetypes(rng: np.random.Generator, counts: CityCounts) -> Archetypes:
    """Assign every archetype in the numbers ``counts`` asks for."""
    n = counts.enterprises
    tiered = counts.unicorns + counts.gazelles + counts.eaglets
    if tiered + max(0, counts.hnte - counts.unicorns) > n:
        raise ValueError(f"{n} enterprises are too few for the calibrated tiers")
    order = rng.permutation(n)
    unicorns = order[: counts.unicorns]
    gazelles = order[counts.unicorns : counts.unicorns + counts.gazelles]
    eaglets = order[counts.unicorns + counts.gazelles : tiered]
    ordinary = order[tiered:]

    tier = np.full(n, Tier.NONE, np.int8)
    tier[unicorns], tier[gazelles], tier[eaglets] = Tier.UNICORN, Tier.GAZELLE, Tier.EAGLET

    # HNTE: every unicorn, shares of gazelles and eaglets, ordinary firms for the rest.
    hnte = np.zeros(n, bool)
    hnte_gazelles = gazelles[: round(HNTE_SHARE_OF_GAZELLES * len(gazelles))]
    other_gazelles = gazelles[len(hnte_gazelles) :]
    hnte_eaglets = eaglets[: round(HNTE_SHARE_OF_EAGLETS * len(eaglets))]
    other_eaglets = eaglets[len(hnte_eaglets) :]
    ordinary_hnte_count = counts.hnte - len(unicorns) - len(hnte_gazelles) - len(hnte_eaglets)
    ordinary_hnte = ordinary[: max(0, ordinary_hnte_count)]
    ordinary_rest = ordinary[len(ordinary_hnte) :]
    for group in (unicorns, hnte_gazelles, hnte_eaglets, ordinary_hnte):
        hnte[group] = True

    # Revenue over 1,000万 (2021, 2022): unicorns and HNTE gazelles are over in both years.
    band = np.full(n, RevenueBand.NOT_HNTE, np.int8)
    band[hnte] = RevenueBand.UNDER
    forced = len(unicorns) + len(hnte_gazelles)
    band[unicorns] = band[hnte_gazelles] = RevenueBand.BOTH_YEARS
    both = max(0, counts.hnte_revenue_over_10m[2021] - forced)
    latest = max(0, counts.hnte_revenue_over_10m[2022] - counts.hnte_revenue_over_10m[2021])
    ordinary_both = ordinary_hnte[:both]
    band[ordinary_both] = RevenueBand.BOTH_YEARS
    band[ordinary_hnte[both : both + latest]] = RevenueBand.LATEST_ONLY

    # Large firms (fail the SME size test).
    large = np.zeros(n, bool)
    large[unicorns] = True
    large[hnte_gazelles[: round(LARGE_SHARE_OF_HNTE_GAZELLES * len(hnte_gazelles))]] = True
    large[other_gazelles[: round(LARGE_SHARE_OF_OTHER_GAZELLES * len(other_gazelles))]] = True
    large[ordinary_both[: round(LARGE_SHARE_OF_HNTE_OVER_10M * len(ordinary_both))]] = True

    # SMEs: small HNTE firms, the other eaglets and small gazelles, ordinary firms for the rest.
    sme = hnte & ~large
    sme[other_eaglets] = True
    sme[other_gazelles[~large[other_gazelles]]] = True
    ordinary_sme_count = min(len(ordinary_rest), max(0, counts.tech_sme - int(sme.sum())))
    sme[ordinary_rest[:ordinary_sme_count]] = True
    ordinary_non_sme = ordinary_rest[ordinary_sme_count:]

    sme_gap = np.full(n, SmeGap.NONE, np.int8)
    sme_gap[ordinary_non_sme] = choose(rng, SME_GAP_MIX, len(ordinary_non_sme))
    large[ordinary_non_sme[sme_gap[ordinary_non_sme] == SmeGap.LARGE]] = True
    sme_gap[large] = SmeGap.LARGE

    # The HNTE condition each other firm misses.
    hnte_gap = np.full(n, HnteGap.NONE, np.int8)
    by_sme_gap = {
        SmeGap.STAFF: HnteGap.STAFF,
        SmeGap.YOUNG: HnteGap.YOUNG,
        SmeGap.LOW_SCORE: HnteGap.RD,
    }
    for sme_reason, hnte_reason in by_sme_gap.items():
        hnte_gap[ordinary_non_sme[sme_gap[ordinary_non_sme] == sme_reason]] = hnte_reason
    free = ordinary_rest[
        (sme_gap[ordinary_rest] == SmeGap.NONE) | (sme_gap[ordinary_rest] == SmeGap.LARGE)
    ]
    hnte_gap[free] = choose(rng, HNTE_GAP_MIX, len(free))
    hnte_gap[other_eaglets] = choose(rng, HNTE_GAP_MIX_EAGLET, len(other_eaglets))
    small_gazelles = other_gazelles[~large[other_gazelles]]
    large_gazelles = other_gazelles[large[other_gazelles]]
    hnte_gap[small_gazelles] = choose(rng, HNTE_GAP_MIX_SMALL_GAZELLE, len(small_gazelles))
    hnte_gap[large_gazelles] = choose(rng, HNTE_GAP_MIX_LARGE_GAZELLE, len(large_gazelles))
    # A few large ordinary firms meet every HNTE condition but the last: a serious incident.
    large_free = free[large[free]]
    hnte_gap[large_free[: counts.hnte_incidents]] = HnteGap.INCIDENT

    # What the granted IP must contain.
    ip_path = np.full(n, IPPath.ANY, np.int8)
    hnte_idx = np.flatnonzero(hnte | (hnte_gap == HnteGap.INCIDENT))
    ip_path[hnte_idx] = np.where(
        rng.random(len(hnte_idx)) < CLASS_I_SHARE_OF_HNTE, IPPath.CLASS_I, IPPath.CLASS_II
    )
    ip_path[tier == Tier.EAGLET] = IPPath.CLASS_I
    ip_path[unicorns] = IPPath.CLASS_I
    ip_path[hnte_gap == HnteGap.IP] = IPPath.NONE_GRANTED
    ip_path[sme & (hnte_gap == HnteGap.RD)] = IPPath.CLASS_I  # R&D band D needs the 30 IP points

    return Archetypes(tier, hnte, sme, large, hnte_gap, sme_gap, ip_path, band)
