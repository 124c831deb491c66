"""Enterprise-year accounts 2020–2023, drawn within the bounds each archetype sets.

Revenue is drawn first, as a full-year 2023 *level* and a path of yearly growth factors
(times the share of the founding year the firm existed). Each archetype turns its rule into
bounds on the level — a gazelle's 2020 revenue above 1,000万, a small firm's revenue below
2亿 in every year … — and the level is drawn from a lognormal truncated to those bounds.
Staff, R&D, assets and the rest follow from revenue with ratios drawn the same way.

Amounts are integers in fen, counts integers; a value left unknown (NULL) is marked in
``Accounts.missing``, never set to zero.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from .archetypes import (
    WAN,
    YEARS,
    YI,
    Archetypes,
    HnteGap,
    RevenueBand,
    SmeGap,
    Tier,
    hnte_rd_threshold,
)
from .sampling import day, truncated_lognormal, uniform, year_of, year_start

FIELDS = (
    "revenue",
    "total_income",
    "hitech_revenue",
    "total_assets",
    "net_assets",
    "employees",
    "tech_staff",
    "rd_expense",
    "rd_expense_domestic",
    "exports",
    "profit",
    "cost_expense_total",
    "conversions",
)
HEADCOUNTS = ("employees", "tech_staff")  # whole persons here; the store keeps hundredths
NULL_SHARE = 0.02  # of all values, placed only where no archetype depends on them
# Fields an archetype's rule reads: never left unknown for its members.
PROTECTED_HNTE = frozenset(FIELDS) - {"exports", "profit"}
PROTECTED_SME = frozenset(
    {"revenue", "employees", "tech_staff", "total_assets", "rd_expense", "cost_expense_total"}
)
PROTECTED_GROWTH_TIER = frozenset({"revenue", "total_income", "rd_expense"})

# Bounds with margins around the rules' thresholds (see archetypes.py).
SMALL_REVENUE_MAX = 1.9 * YI  # SME: ≤ 2亿
LARGE_REVENUE_MIN = 2.2 * YI  # not an SME: > 2亿
SMALL_ASSETS_MAX = 1.9 * YI
SMALL_STAFF_MAX = 480  # SME: ≤ 500
OVER_10M, UNDER_10M = 1_010 * WAN, 990 * WAN  # the published "> 1,000万" HNTE counts
GAZELLE_BASE_MIN = 1_200 * WAN  # Liaoning gazelle: base-year revenue > 1,000万
NON_GAZELLE_BASE_MAX = 900 * WAN  # … which a fast-growing non-gazelle stays under
NON_GAZELLE_FAST_CAGR = 0.17  # above this, a non-gazelle must have a small base year
YOUNG_REVENUE_MAX = 4.5 * YI  # gazelle rows "≤ 5 years ≥ 5亿", "≤ 10 years ≥ 10亿" stay unmet
UNICORN_BASE = (400 * WAN, 800 * WAN)
UNICORN_LATEST = (2.5 * YI, 4.5 * YI)
UNICORN_BASE_STAFF_MAX = 90  # gazelle ② needs base-year staff > 100
MIN_REVENUE = 5 * WAN
HNTE_GROWTH = (0.055, 0.15)  # yearly revenue growth of HNTE firms
EQUITY_GROWTH = (0.05, 0.12)  # yearly growth of an HNTE firm's equity share of its assets
# Firms founded since then are "young" for the gazelle size rows and the eaglet rule's
# ≤ 10 years (with a margin): a young non-eaglet with a granted invention stays < 8 % R&D.
YOUNG_FROM = dt.date(2012, 1, 1)


@dataclass
class Revenue:
    level: np.ndarray  # full-year 2023 revenue, yuan
    path: np.ndarray  # (N, 4) full-year revenue relative to 2023
    share: np.ndarray  # (N, 4) share of the year the firm existed (0 before founding)

    @property
    def exists(self) -> np.ndarray:
        return self.share > 0

    @property
    def yuan(self) -> np.ndarray:
        return self.level[:, None] * self.path * self.share


@dataclass
class Accounts:
    exists: np.ndarray  # (N, 4) bool: the firm existed that year
    values: dict[str, np.ndarray]  # field → (N, 4) int64 (fen or headcount)
    missing: dict[str, np.ndarray]  # field → (N, 4) bool: stored as NULL

    @property
    def rows(self) -> int:
        return int(self.exists.sum())

    @property
    def null_share(self) -> float:
        cells = self.rows * len(FIELDS)
        return sum(int(m.sum()) for m in self.missing.values()) / cells if cells else 0.0


def year_shares(founded: np.ndarray) -> np.ndarray:
    """(N, 4): 0 before the founding year, the remaining share of it, then 1."""
    founded_year = year_of(founded)
    share = np.zeros((len(founded), len(YEARS)))
    for k, year in enumerate(YEARS):
        length = int(year_start(year + 1) - year_start(year))
        partial = (year_start(year + 1) - founded) / length
        share[:, k] = np.where(
            founded_year < year, 1.0, np.where(founded_year == year, np.maximum(partial, 0.02), 0.0)
        )
    return share


def _growth(rng: np.random.Generator, arch: Archetypes) -> np.ndarray:
    """(N, 3) yearly growth rates 2020→21, 21→22, 22→23."""
    n = len(arch)
    g = uniform(rng, np.full((n, 3), -0.15), 0.15)
    hnte = arch.hnte_like
    # ≥ 5.5 % a year: the HNTE sales-growth indicator lands in band D or better (RULES.md §1.4.4)
    g[hnte] = uniform(rng, np.full((int(hnte.sum()), 3), HNTE_GROWTH[0]), HNTE_GROWTH[1])
    eaglet = arch.tier == Tier.EAGLET
    g[eaglet] = uniform(rng, np.full((int(eaglet.sum()), 3), 0.05), 0.45)
    gazelle = np.flatnonzero(arch.tier == Tier.GAZELLE)
    cagr = uniform(rng, np.full(len(gazelle), 0.24), 0.55)
    g[gazelle] = _around(rng, cagr, 0.07)
    return g


def _around(rng: np.random.Generator, cagr: np.ndarray, spread: float) -> np.ndarray:
    """Three yearly growth rates compounding exactly to ``cagr`` (log-deviations sum to 0)."""
    a, b = (
        uniform(rng, np.full(len(cagr), -spread), spread),
        uniform(rng, np.full(len(cagr), -spread), spread),
    )
    deviation = np.stack([a, b, -a - b], axis=1)
    return (1 + cagr)[:, None] * np.exp(deviation) - 1


def _path(growth: np.ndarray) -> np.ndarray:
    path = np.ones((len(growth), len(YEARS)))
    for k in (2, 1, 0):
        path[:, k] = path[:, k + 1] / (1 + growth[:, k])
    return path


def draw_revenue(rng: np.random.Generator, arch: Archetypes, founded: np.ndarray) -> Revenue:
    share = year_shares(founded)
    path = _path(_growth(rng, arch))
    unicorn = arch.tier == Tier.UNICORN
    base = uniform(rng, np.full(int(unicorn.sum()), UNICORN_BASE[0]), UNICORN_BASE[1])
    latest = uniform(rng, np.full(int(unicorn.sum()), UNICORN_LATEST[0]), UNICORN_LATEST[1])
    path[unicorn] = _path(_around(rng, (latest / base) ** (1 / 3) - 1, 0.05))

    lo, hi = revenue_bounds(arch, founded, path * share)
    free = ~unicorn  # a unicorn's revenue is fixed by its base and latest years above
    if np.any(lo[free] > hi[free]):
        bad = np.flatnonzero(free & (lo > hi))
        raise AssertionError(f"{len(bad)} firms have no possible revenue, e.g. index {bad[0]}")
    level = np.empty(len(arch))
    median, sigma = _revenue_distribution(arch)
    level[free] = truncated_lognormal(rng, median[free], sigma[free], lo[free], hi[free])
    level[unicorn] = latest
    return Revenue(level, path, share)


def revenue_bounds(
    arch: Archetypes, founded: np.ndarray, m: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Bounds on the full-year 2023 revenue level; ``m`` is each year's revenue relative to it."""
    exists = m > 0
    m_max = m.max(axis=1)
    lo = MIN_REVENUE / np.where(exists, m, np.inf).min(axis=1)
    hi = np.full(len(arch), 1e11)

    def at_least(mask, value):
        lo[mask] = np.maximum(lo[mask], value[mask])

    def at_most(mask, value):
        hi[mask] = np.minimum(hi[mask], value[mask])

    with np.errstate(divide="ignore", invalid="ignore"):
        # SME size (RULES.md §2.2): under 2亿 every year, or over it in 2022 and 2023.
        at_most(~arch.large, SMALL_REVENUE_MAX / m_max)
        at_least(arch.large, LARGE_REVENUE_MIN / np.minimum(m[:, 2], m[:, 3]))
        # The published counts of HNTE firms over 1,000万 in 2021 and 2022.
        band = arch.revenue_band
        at_least(band == RevenueBand.BOTH_YEARS, OVER_10M / m[:, 1])
        at_least(band == RevenueBand.LATEST_ONLY, OVER_10M / m[:, 2])
        at_most(band == RevenueBand.LATEST_ONLY, UNDER_10M / m[:, 1])
        at_most(band == RevenueBand.UNDER, UNDER_10M / m[:, 2])
        # Liaoning gazelle ①: base-year revenue over 1,000万; anyone else growing ≥ 17 % a
        # year stays under it, and young firms stay under the 5亿 / 10亿 rows.
        at_least(arch.tier == Tier.GAZELLE, GAZELLE_BASE_MIN / m[:, 0])
        other = (arch.tier != Tier.GAZELLE) & (arch.tier != Tier.UNICORN)
        cagr = (m[:, 3] / m[:, 0]) ** (1 / 3) - 1
        at_most(
            other & exists[:, 0] & (cagr >= NON_GAZELLE_FAST_CAGR), NON_GAZELLE_BASE_MAX / m[:, 0]
        )
        at_most(other & (founded >= day(YOUNG_FROM)), YOUNG_REVENUE_MAX / m_max)
    return lo, hi


def _revenue_distribution(arch: Archetypes) -> tuple[np.ndarray, np.ndarray]:
    """Median (yuan) and log-spread of each firm's revenue before its bounds cut it."""
    band, large = arch.revenue_band, arch.large
    median = np.where(large, 2.6e8, 6e6)
    sigma = np.where(large, 0.6, np.where(arch.hnte, 0.8, 1.2))
    median[band == RevenueBand.UNDER] = 3.5e6
    median[(band == RevenueBand.BOTH_YEARS) & ~large] = 4e7
    median[(band == RevenueBand.BOTH_YEARS) & large] = 8e8
    sigma[(band == RevenueBand.BOTH_YEARS) & large] = 0.9
    median[arch.tier == Tier.EAGLET] = 4e6
    gazelle = arch.tier == Tier.GAZELLE
    median[gazelle] = np.where(large[gazelle], 4e8, 6e7)
    return median, sigma


def draw_accounts(
    rng: np.random.Generator,
    arch: Archetypes,
    founded: np.ndarray,
    revenue: Revenue,
    granted_invention: np.ndarray,
    conversions: np.ndarray,
) -> Accounts:
    """Everything but revenue, given revenue, whether the firm holds a granted invention and
    its technology conversions per year (``innovation.draw_conversions``)."""
    n = len(arch)
    rev_yuan = revenue.yuan
    values = {"revenue": _fen(rev_yuan)}
    values["total_income"] = _fen(rev_yuan * (1 + uniform(rng, np.zeros((n, 4)), 0.05)))
    values["employees"] = _employees(rng, arch, revenue)
    values["tech_staff"] = _tech_staff(rng, arch, values["employees"])
    rd = _fen(rev_yuan * _rd_ratio(rng, arch, founded, revenue, granted_invention))
    values["rd_expense"] = rd
    values["rd_expense_domestic"] = _floor(rd * _domestic_share(rng, arch)[:, None])
    values["hitech_revenue"] = _floor(values["total_income"] * _hitech_share(rng, arch))
    values["total_assets"], values["net_assets"] = _assets(rng, arch, revenue)
    values["profit"] = _fen(rev_yuan * _margin(rng, arch))
    values["exports"] = _fen(rev_yuan * _export_share(rng, arch)[:, None])
    # 成本费用支出总额: what income did not leave as profit, R&D included.
    values["cost_expense_total"] = np.maximum(values["total_income"] - values["profit"], rd)
    values["conversions"] = conversions
    for field in FIELDS:
        values[field][~revenue.exists] = 0
    return Accounts(revenue.exists, values, _missing(rng, arch, revenue.exists))


def _fen(yuan: np.ndarray) -> np.ndarray:
    return np.round(yuan * 100).astype(np.int64)


def _floor(fen: np.ndarray) -> np.ndarray:
    """Rounded down, so that a part never exceeds its whole (domestic R&D, high-tech revenue)."""
    return np.floor(fen).astype(np.int64)


def _employees(rng: np.random.Generator, arch: Archetypes, revenue: Revenue) -> np.ndarray:
    n = len(arch)
    per_employee = truncated_lognormal(rng, np.full(n, 5e5), 0.5, 8e4, 5e6)
    staff_path = revenue.path**0.5  # headcount grows at about half the pace of revenue
    latest = revenue.level / per_employee
    small = ~arch.large
    peak = np.where(revenue.exists, staff_path, 0).max(axis=1)
    latest[small] = np.minimum(latest[small], SMALL_STAFF_MAX / peak[small])
    unicorn = arch.tier == Tier.UNICORN
    latest[unicorn] = np.minimum(latest[unicorn], UNICORN_BASE_STAFF_MAX / staff_path[unicorn, 0])
    employees = np.clip(np.round(latest[:, None] * staff_path), 3, 100_000).astype(np.int64)
    employees[small] = np.minimum(employees[small], SMALL_STAFF_MAX)
    return employees


def _tech_staff(rng: np.random.Generator, arch: Archetypes, employees: np.ndarray) -> np.ndarray:
    n = len(arch)
    lo, hi = np.full(n, 0.03), np.full(n, 0.55)
    lo[arch.hnte_like] = 0.11  # HNTE condition 4: ≥ 10 %
    lo[arch.sme] = 0.20  # SME staff score ≥ 12
    staff_gap = arch.sme_gap == SmeGap.STAFF
    lo[staff_gap], hi[staff_gap] = 0.0, 0.085
    ratio = truncated_lognormal(rng, np.full(n, 0.22), 0.5, np.maximum(lo, 0.005), hi)
    yearly = np.clip(ratio[:, None] * np.exp(rng.normal(0, 0.08, (n, 4))), lo[:, None], hi[:, None])
    least = np.ceil(employees * lo[:, None] - 1e-9)
    most = np.floor(employees * hi[:, None] + 1e-9)
    return np.clip(np.round(employees * yearly), least, most).astype(np.int64)


def _rd_ratio(
    rng: np.random.Generator,
    arch: Archetypes,
    founded: np.ndarray,
    revenue: Revenue,
    granted_invention: np.ndarray,
) -> np.ndarray:
    """(N, 4) R&D ÷ revenue, inside each firm's bounds in every year."""
    n = len(arch)
    rev = revenue.yuan
    existing_min = np.where(revenue.exists, rev, np.inf).min(axis=1)
    thr_strictest = hnte_rd_threshold(existing_min)  # the highest threshold any window can have
    thr_loosest = hnte_rd_threshold(rev.max(axis=1))
    lo, hi, median = np.full(n, 0.002), np.full(n, 0.10), np.full(n, 0.03)
    hnte = arch.hnte_like
    lo[hnte] = thr_strictest[hnte] + 0.004
    hi[hnte] = np.where(arch.large[hnte], 0.09, 0.12)
    median[hnte] = 0.065
    eaglet = arch.tier == Tier.EAGLET
    lo[eaglet] = np.maximum(lo[eaglet], 0.105)
    hi[eaglet], median[eaglet] = 0.30, 0.15
    gazelle = arch.tier == Tier.GAZELLE
    lo[gazelle] = np.maximum(lo[gazelle], 0.032)
    median[gazelle] = np.maximum(median[gazelle], 0.045)
    rd_gap = ~hnte & (arch.hnte_gap == HnteGap.RD)
    band_d = arch.sme & rd_gap  # SME R&D score 20 (3–4 %), made up by Class I IP
    lo[band_d], hi[band_d] = 0.033, 0.037
    full_score = arch.sme & ~hnte & ~rd_gap  # SME R&D score 50 (≥ 6 %)
    lo[full_score] = np.maximum(lo[full_score], 0.062)
    median[full_score] = np.maximum(median[full_score], 0.07)
    hi[rd_gap] = np.minimum(hi[rd_gap], 0.92 * thr_loosest[rd_gap])
    low = (arch.sme_gap == SmeGap.LOW_SCORE) | (arch.sme_gap == SmeGap.YOUNG)  # < 2 %: ≤ 50 points
    hi[low] = np.minimum(hi[low], 0.018)
    eaglet_like = ~eaglet & (founded >= day(YOUNG_FROM)) & granted_invention
    hi[eaglet_like] = np.minimum(hi[eaglet_like], 0.075)
    if np.any(lo > hi):
        bad = np.flatnonzero(lo > hi)
        raise AssertionError(f"{len(bad)} firms have no possible R&D ratio, e.g. index {bad[0]}")
    base = truncated_lognormal(rng, np.clip(median, lo, hi), 0.5, lo, hi)
    return np.clip(base[:, None] * np.exp(rng.normal(0, 0.1, (n, 4))), lo[:, None], hi[:, None])


def _domestic_share(rng: np.random.Generator, arch: Archetypes) -> np.ndarray:
    n = len(arch)
    all_domestic = rng.random(n)
    share = np.where(all_domestic < 0.8, 1.0, uniform(rng, np.full(n, 0.6), 0.99))
    hnte = arch.hnte_like
    share[hnte] = np.where(
        all_domestic[hnte] < 0.65, 1.0, uniform(rng, np.full(int(hnte.sum()), 0.72), 0.99)
    )
    gap = arch.hnte_gap == HnteGap.DOMESTIC
    share[gap] = uniform(rng, np.full(int(gap.sum()), 0.2), 0.5)
    return share


def _hitech_share(rng: np.random.Generator, arch: Archetypes) -> np.ndarray:
    """(N, 4) high-tech revenue ÷ total income."""
    n = len(arch)
    lo, hi = np.full(n, 0.1), np.full(n, 0.95)
    lo[arch.hnte_like], hi[arch.hnte_like] = 0.66, 0.97
    gap = arch.hnte_gap == HnteGap.HITECH
    lo[gap], hi[gap] = 0.05, 0.52
    base = uniform(rng, lo, hi)
    return np.clip(base[:, None] + rng.normal(0, 0.02, (n, 4)), lo[:, None], hi[:, None])


def _assets(rng: np.random.Generator, arch: Archetypes, revenue: Revenue):
    n = len(arch)
    per_revenue = truncated_lognormal(rng, np.full(n, 1.0), 0.5, 0.2, 6.0)
    asset_path = revenue.path**0.7
    latest = revenue.level * per_revenue
    small = ~arch.large
    peak = np.where(revenue.exists, asset_path, 0).max(axis=1)
    latest[small] = np.minimum(latest[small], SMALL_ASSETS_MAX / peak[small])
    # A unicorn's revenue may still be under 2亿 in 2022; its funding puts its assets over.
    unicorn = arch.tier == Tier.UNICORN
    latest[unicorn] = np.maximum(latest[unicorn], LARGE_REVENUE_MIN / asset_path[unicorn, 2])
    assets_yuan = np.maximum(latest[:, None] * asset_path, 1e4)
    equity = uniform(rng, np.full(n, 0.05), 0.8)[:, None] * np.ones(len(YEARS))
    # HNTE firms keep their profits: equity's share of assets grows a little every year, so
    # their net assets grow faster than their assets (RULES.md §1.4.4 indicator 1).
    hnte = arch.hnte_like
    latest_equity = uniform(rng, np.full(int(hnte.sum()), 0.35), 0.75)
    retained = uniform(rng, np.full(int(hnte.sum()), EQUITY_GROWTH[0]), EQUITY_GROWTH[1])
    years_back = len(YEARS) - 1 - np.arange(len(YEARS))
    equity[hnte] = latest_equity[:, None] / (1 + retained[:, None]) ** years_back
    insolvent = ~hnte & (rng.random(n) < 0.03)  # a few firms with negative net assets
    equity[insolvent] = uniform(rng, np.full(int(insolvent.sum()), -0.4), -0.02)[:, None]
    assets = _fen(assets_yuan)
    return assets, np.round(assets * equity).astype(np.int64)


def _margin(rng: np.random.Generator, arch: Archetypes) -> np.ndarray:
    n = len(arch)
    base = np.where(
        arch.hnte,
        np.clip(rng.normal(0.08, 0.06, n), -0.1, 0.35),
        np.clip(rng.normal(0.03, 0.10, n), -0.5, 0.35),
    )
    return np.clip(base[:, None] + rng.normal(0, 0.03, (n, 4)), -0.6, 0.4)


def _export_share(rng: np.random.Generator, arch: Archetypes) -> np.ndarray:
    n = len(arch)
    exporter = rng.random(n) < np.where(arch.hnte, 0.45, 0.3)
    share = truncated_lognormal(rng, np.where(arch.hnte, 0.12, 0.06), 1.0, 0.002, 0.8)
    return np.where(exporter, share, 0.0)


def _missing(
    rng: np.random.Generator, arch: Archetypes, exists: np.ndarray
) -> dict[str, np.ndarray]:
    """About NULL_SHARE of all values unknown, none that a firm's archetype depends on."""
    growth_tier = (
        (arch.tier == Tier.GAZELLE) | (arch.tier == Tier.EAGLET) | (arch.tier == Tier.UNICORN)
    )
    protected = {}
    for field in FIELDS:
        guard = np.zeros(len(arch), bool)
        if field in PROTECTED_HNTE:
            guard |= arch.hnte_like
        if field in PROTECTED_SME:
            guard |= arch.sme
        if field in PROTECTED_GROWTH_TIER:
            guard |= growth_tier
        protected[field] = guard
    cells = int(exists.sum()) * len(FIELDS)
    open_cells = sum(int((exists & ~protected[f][:, None]).sum()) for f in FIELDS)
    p = min(0.25, NULL_SHARE * cells / open_cells) if open_cells else 0.0
    return {f: exists & ~protected[f][:, None] & (rng.random(exists.shape) < p) for f in FIELDS}
