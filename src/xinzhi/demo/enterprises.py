"""The firms themselves: district, park, founding date, industry, name, credit code, certificates.

Founding dates follow the city's growth (more firms founded each year) within the bounds an
archetype sets: an eaglet is at most 10 years old, a gazelle at most 20, an HNTE firm was
registered more than a year before its certificate, an SME has previous-year accounts …
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from ..domain.enums import TaxCollection
from .archetypes import (
    GAZELLE_RULE,
    REGISTRY_AS_OF,
    Archetypes,
    HnteGap,
    RevenueBand,
    Tier,
)
from .codes import CreditCodes, hnte_certificate_numbers
from .names import enterprise_names
from .reference import CityReference
from .sampling import day, random_days, truncated_lognormal, with_nulls, year_of

FIRST_FOUNDING = dt.date(1995, 1, 1)
FOUNDING_GROWTH = 0.09  # yearly growth of the number of foundings
# HNTE certificates in force on the registry date were issued in the three years before it.
CERTIFIED_FROM, CERTIFIED_UNTIL = dt.date(2020, 9, 1), dt.date(2023, 6, 30)
MIN_DAYS_BEFORE_CERTIFICATE = 400  # registered ≥ 1 year (365 days) before, with a margin
SEI_KNOWN_SHARE = 0.85
LISTED_SHARE_OF_LARGE_OLD = 0.04
LISTED_SHARE_OTHER = 0.0005
LISTED_UNKNOWN_SHARE = 0.01
VENTURE_SHARE = {Tier.EAGLET: 0.12, Tier.GAZELLE: 0.25}
VENTURE_SHARE_YOUNG = 0.02  # other firms founded since 2014
UNICORN_CHAINS = ("集成电路", "软件和信息服务", "机器人", "医疗装备")
# 《国家重点支持的高新技术领域》: known for every HNTE-like firm, for most others.
HNTE_FIELD_KNOWN_SHARE = 0.85
# Another field than the industry's usual one (a software firm serving medicine …).
HNTE_FIELD_OTHER_SHARE = 0.1
# 所得税征收方式: 核定征收 for a few firms that are no tech SME anyway (the 2022 guideline
# requires 查账征收, RULES.md §2.2), unknown for a few more; 查账征收 for everyone else.
DEEMED_SHARE, TAX_UNKNOWN_SHARE = 0.02, 0.03
# HNTE firms certified before (重新认定): their previous application, three years earlier.
PREVIOUSLY_CERTIFIED_SHARE = 0.6
CYCLE_DAYS = 1096  # a certificate is valid three years (RULES.md §1.6)
APPLICATION_BEFORE_CERTIFICATE = 150  # days from application to certificate


@dataclass
class Firms:
    """Per-firm attributes (arrays of length N, lists for strings)."""

    district: np.ndarray  # index into reference.districts
    park: np.ndarray  # index into reference.parks, −1 for none
    founded: np.ndarray  # day number
    industry: np.ndarray  # index into reference.industries
    sei: list  # "1".."9" or None
    name: list[str]
    credit_code: list[str]
    listed: list  # True / False / None (unknown)
    valuation_fen: np.ndarray  # int64, 0 where unknown
    valuation_on: np.ndarray  # day number, where valuation_fen > 0
    certified_on: np.ndarray  # day number, −1 for firms without an HNTE certificate
    certificate_no: list  # str or None
    # day of the HNTE application before the current certificate's, −1 if none: the Class II
    # IP used in it cannot count again (RULES.md §1.3)
    previous_application: np.ndarray
    hnte_field: list  # HnteField value or None
    tax_collection: list  # TaxCollection value or None

    def __len__(self) -> int:
        return len(self.founded)


def founding_bounds(arch: Archetypes, certified_on: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The earliest and latest founding day each archetype allows."""
    n = len(arch)
    lo = np.full(n, day(FIRST_FOUNDING), np.int64)
    hi = np.full(n, day(dt.date(2022, 12, 31)), np.int64)

    def cap(mask, date):
        hi[mask] = np.minimum(hi[mask], day(date))

    def floor(mask, date):
        lo[mask] = np.maximum(lo[mask], day(date))

    young = arch.hnte_gap == HnteGap.YOUNG
    floor(young, dt.date(2023, 1, 1))
    hi[young] = day(REGISTRY_AS_OF)
    cap(arch.sme, dt.date(2022, 6, 30))  # previous-year (2022) accounts exist
    cap(
        arch.large, dt.date(2019, 12, 31)
    )  # full accounts from 2020 (no fast growth off a part-year)
    cap(arch.revenue_band == RevenueBand.BOTH_YEARS, dt.date(2019, 12, 31))
    cap(arch.revenue_band == RevenueBand.LATEST_ONLY, dt.date(2020, 12, 31))
    hnte = arch.hnte
    hi[hnte] = np.minimum(hi[hnte], certified_on[hnte] - MIN_DAYS_BEFORE_CERTIFICATE)
    eaglet = arch.tier == Tier.EAGLET
    floor(eaglet, dt.date(2014, 1, 1))
    cap(eaglet, dt.date(2022, 6, 30))
    gazelle = arch.tier == Tier.GAZELLE
    floor(gazelle, dt.date(2023 - GAZELLE_RULE.max_age_years + 1, 1, 1))
    cap(gazelle, dt.date(2019, 6, 30))  # a full base year 2020
    unicorn = arch.tier == Tier.UNICORN
    floor(unicorn, dt.date(2016, 1, 1))
    cap(unicorn, dt.date(2019, 6, 30))
    if np.any(lo > hi):
        raise AssertionError(f"{int((lo > hi).sum())} firms have no possible founding date")
    return lo, hi


def founding_days(rng: np.random.Generator, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Founding days in [lo, hi], more likely in later years (truncated inverse-CDF draw)."""
    first, last = day(FIRST_FOUNDING), day(REGISTRY_AS_OF)
    days = np.arange(first, last + 1)
    weights = np.exp(FOUNDING_GROWTH * (year_of(days) - FIRST_FOUNDING.year))
    cdf = np.concatenate([[0.0], np.cumsum(weights)])  # cdf[k] = weight of days before first+k
    a, b = cdf[lo - first], cdf[hi - first + 1]
    u = a + (b - a) * rng.random(len(lo))
    return np.clip(first + np.searchsorted(cdf, u, side="right") - 1, lo, hi)


def make_firms(
    rng: np.random.Generator, arch: Archetypes, ref: CityReference, codes: CreditCodes
) -> Firms:
    n = len(arch)
    district = rng.choice(len(ref.districts), size=n, p=[d.enterprise_share for d in ref.districts])
    park = _parks(rng, district, ref)

    certified_on = np.full(n, -1, np.int64)
    hnte = np.flatnonzero(arch.hnte)
    certified_on[hnte] = random_days(
        rng, np.full(len(hnte), day(CERTIFIED_FROM)), day(CERTIFIED_UNTIL)
    )
    founded = founding_days(rng, *founding_bounds(arch, certified_on))

    industry = _industries(rng, arch, ref)
    sei_known = rng.random(n) < SEI_KNOWN_SHARE
    sei = [
        ref.industries[i].sei if known else None
        for i, known in zip(industry.tolist(), sei_known.tolist())
    ]

    listed = _listed(rng, arch, founded)
    valuation_fen, valuation_on = _valuations(rng, arch, founded)
    name = enterprise_names(
        rng,
        [ref.industries[i].words for i in industry.tolist()],
        np.array([flag is True for flag in listed]),
    )
    credit_code = codes.issue([ref.districts[i].code for i in district.tolist()])

    certificate_no: list = [None] * n
    numbers = hnte_certificate_numbers(rng, year_of(certified_on[hnte]))
    for i, number in zip(hnte.tolist(), numbers):
        certificate_no[i] = number
    previous = _previous_applications(rng, arch, founded, certified_on)
    return Firms(
        district,
        park,
        founded,
        industry,
        sei,
        name,
        credit_code,
        listed,
        valuation_fen,
        valuation_on,
        certified_on,
        certificate_no,
        previous,
        _hnte_fields(rng, arch, industry, ref),
        _tax_collection(rng, arch),
    )


def _previous_applications(
    rng: np.random.Generator, arch: Archetypes, founded: np.ndarray, certified_on: np.ndarray
) -> np.ndarray:
    """The application before the current certificate's, for firms old enough to have had one."""
    previous = np.full(len(arch), -1, np.int64)
    candidate = certified_on - CYCLE_DAYS - APPLICATION_BEFORE_CERTIFICATE
    renewed = (
        arch.hnte
        & (founded <= candidate - MIN_DAYS_BEFORE_CERTIFICATE)
        & (rng.random(len(arch)) < PREVIOUSLY_CERTIFIED_SHARE)
    )
    previous[renewed] = candidate[renewed]
    return previous


def _hnte_fields(
    rng: np.random.Generator, arch: Archetypes, industry: np.ndarray, ref: CityReference
) -> list:
    """The industry's usual field, another one now and then, unknown for some non-HNTE firms."""
    n = len(arch)
    usual = np.array([int(ref.industries[i].hnte_field) for i in industry.tolist()])
    other = rng.integers(1, 9, n)
    field = np.where(rng.random(n) < HNTE_FIELD_OTHER_SHARE, other, usual)
    known = arch.hnte_like | (rng.random(n) < HNTE_FIELD_KNOWN_SHARE)
    return [str(f) if k else None for f, k in zip(field.tolist(), known.tolist())]


def _tax_collection(rng: np.random.Generator, arch: Archetypes) -> list:
    """查账征收 for every HNTE-like firm and tech SME; a few others deemed or unknown."""
    u = rng.random(len(arch))
    free = ~(arch.sme | arch.hnte_like)
    deemed = free & (u < DEEMED_SHARE)
    unknown = free & (u >= DEEMED_SHARE) & (u < DEEMED_SHARE + TAX_UNKNOWN_SHARE)
    values = np.where(deemed, TaxCollection.DEEMED.value, TaxCollection.AUDIT.value).tolist()
    return with_nulls(values, unknown)


def _parks(rng: np.random.Generator, district: np.ndarray, ref: CityReference) -> np.ndarray:
    park = np.full(len(district), -1, np.int64)
    u = rng.random(len(district))
    codes = [d.code for d in ref.districts]
    for d_index, code in enumerate(codes):
        here = district == d_index
        bound = 0.0
        for p_index, p in enumerate(ref.parks):
            if p.district_code == code:
                inside = here & (u >= bound) & (u < bound + p.share_of_district)
                park[inside] = p_index
                bound += p.share_of_district
    return park


def _industries(rng: np.random.Generator, arch: Archetypes, ref: CityReference) -> np.ndarray:
    weights = np.array([i.weight for i in ref.industries], dtype=float)
    industry = rng.choice(len(weights), size=len(arch), p=weights / weights.sum())
    unicorns = np.flatnonzero(arch.tier == Tier.UNICORN)
    hot = np.array([i.chain in UNICORN_CHAINS for i in ref.industries])
    hot_weights = np.where(hot, weights, 0.0)
    industry[unicorns] = rng.choice(
        len(weights), size=len(unicorns), p=hot_weights / hot_weights.sum()
    )
    return industry


def _listed(rng: np.random.Generator, arch: Archetypes, founded: np.ndarray) -> list:
    """Listed on a stock exchange: some large, older firms; never a unicorn; a few unknown."""
    n = len(arch)
    u = rng.random(n)
    large_old = arch.large & (founded <= day(dt.date(2016, 12, 31)))
    listed = np.where(large_old, u < LISTED_SHARE_OF_LARGE_OLD, u < LISTED_SHARE_OTHER)
    unicorn = arch.tier == Tier.UNICORN
    listed[unicorn] = False
    unknown = (rng.random(n) < LISTED_UNKNOWN_SHARE) & ~listed & ~unicorn
    out = listed.tolist()
    for i in np.flatnonzero(unknown).tolist():
        out[i] = None
    return out


def _valuations(rng: np.random.Generator, arch: Archetypes, founded: np.ndarray):
    """Post-money valuations of venture-backed firms (fen); unicorns ≥ 70亿, others < 60亿."""
    n = len(arch)
    share = np.where(founded >= day(dt.date(2014, 1, 1)), VENTURE_SHARE_YOUNG, 0.0)
    for tier, tier_share in VENTURE_SHARE.items():
        share[arch.tier == tier] = tier_share
    backed = rng.random(n) < share
    unicorn = arch.tier == Tier.UNICORN
    backed &= ~unicorn
    yuan = np.zeros(n)
    # Gazelles raise real venture rounds; the others angel and Pre-A money, whose rounds stay
    # under the 1,000万 of Liaoning's gazelle row ③ (see financing.py).
    big = backed & (arch.tier == Tier.GAZELLE)
    small = backed & ~big
    yuan[big] = truncated_lognormal(rng, np.full(int(big.sum()), 3e8), 1.0, 2e7, 6e9)
    yuan[small] = truncated_lognormal(rng, np.full(int(small.sum()), 5e7), 0.6, 1.5e7, 1.2e8)
    yuan[unicorn] = truncated_lognormal(rng, np.full(int(unicorn.sum()), 1.2e10), 0.6, 7.2e9, 3e10)
    fen = (np.round(yuan / 1e4) * 1e4 * 100).astype(np.int64)  # whole 万元
    on = np.full(n, -1, np.int64)
    valued = np.flatnonzero(fen > 0)
    on[valued] = random_days(
        rng, np.full(len(valued), day(dt.date(2021, 1, 1))), day(REGISTRY_AS_OF)
    )
    on[valued] = np.minimum(np.maximum(on[valued], founded[valued] + 90), day(REGISTRY_AS_OF))
    return fen, on
