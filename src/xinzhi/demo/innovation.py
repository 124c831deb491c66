"""The HNTE innovation score's inputs: technology conversions per year and review scores.

RULES.md §1.4 scores 100 points: 知识产权 (30), 科技成果转化 (30), 研究开发组织管理 (20) and
成长性 (20). Three items are expert judgements — 技术的先进程度 and 核心支持作用 (0–8 each)
and 研究开发组织管理水平 (0–20) — stored as reviews; the rest follow from the data in
point bands, so an assessment can only say that a firm scores within [floor, ceiling].

Every HNTE-like firm falls in one of these groups (``Group``):

* **SURE**: reviewed, and its floor — every band at its lowest — reaches 71: it passes
  whatever the experts give inside the bands;
* **BORDERLINE**: reviewed, floor below 71 (mostly 64–70), ceiling ≥ 71: undetermined;
* **UNREVIEWED**: no review at all: its expert items span their whole range (undetermined);
  enough conversions that its ceiling still reaches 71.

The floor is computed here the way RULES.md §1.4 states it, over the years 2021–2023 of an
application at the end of 2023 (``archetypes.EVALUATED_ON``), with the conversions averaged
over three years even for younger firms (the lower of the two readings, §1.4.2).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import IntEnum

import numpy as np

from ..domain.enums import ReviewSource
from .archetypes import Archetypes, IPPath, Tier
from .sampling import day, random_days, to_dates, uniform

PASS_MARK = 71  # 70 分以上（不含 70 分）, RULES.md §0 C4
SURE_MARGIN = 2  # sure firms aim at a floor of 73 where their scores allow, 71 at least
WINDOW = slice(1, 4)  # 2021–2023 in YEARS
REVIEW_YEAR = 2023
SELF_REVIEWED = (dt.date(2023, 3, 1), dt.date(2023, 8, 15))
EXPERT_REVIEWED = (dt.date(2023, 6, 1), dt.date(2023, 8, 31))

REVIEWED_SHARE = 0.92  # of HNTE firms: a self-assessment
BORDERLINE_SHARE = 0.09  # of reviewed HNTE firms
EXPERT_SHARE = 0.25  # of reviewed HNTE-like firms: an expert review as well
# Firms that are not HNTE-like but assess themselves (the cultivation pipeline's 苗企).
ASPIRANT_SHARE = {"tier": 0.3, "sme": 0.1, "other": 0.02}
ASPIRANT_PARTIAL_SHARE = 0.1  # of aspirants: only 研究开发组织管理水平 scored

# Conversions a year: Poisson means by group (RULES.md §1.4.2 bands at 1, 2, 3, 4, 5 a year).
SURE_MIN_TOTAL = 15  # ≥ 5 a year over three years: band A, 25–30 points
BORDERLINE_TOTAL = (12, 14)  # 4–4.7 a year: band B, 19–24
UNREVIEWED_MIN_TOTAL = 9  # ≥ 3 a year: band C or better, so the ceiling reaches 71
CONVERSION_MEAN = {
    "sure": (5.5, 9.0),
    "unreviewed": (3.0, 7.0),
    "tier": (0.5, 3.0),
    "sme": (0.2, 2.0),
    "other": (0.0, 1.0),
}

# (annual average at least, floor, ceiling); an average between 0 and 1 scores 0 here.
CONVERSION_BANDS = ((5, 25, 30), (4, 19, 24), (3, 13, 18), (2, 7, 12), (1, 1, 6))
GROWTH_BANDS = ((0.35, 9, 10), (0.25, 7, 8), (0.15, 5, 6), (0.05, 3, 4), (0.0, 1, 2))
IP_COUNT = {IPPath.CLASS_I: (7, 8), IPPath.CLASS_II: (5, 6)}  # §1.4.1 item 3, bands A and B
# §1.4.1 item 4: 1–6 with an item developed in-house, 1–3 with bought ones only. Which a
# firm has is drawn later (ip.py): the ceiling assumes the lower band, a guarantee either way.
ACQUISITION = (1, 3)
STANDARD_BONUS = (1, 2)  # §1.4.1 item 5


class Group(IntEnum):
    NONE = 0  # not HNTE-like, no review
    SURE = 1
    BORDERLINE = 2
    UNREVIEWED = 3
    ASPIRANT = 4  # not HNTE-like, self-assessed


def plan_groups(rng: np.random.Generator, arch: Archetypes) -> np.ndarray:
    """Each firm's ``Group``: decided before the accounts, which the conversions belong to."""
    n = len(arch)
    u = rng.random(n)
    group = np.full(n, Group.NONE, np.int8)
    like = arch.hnte_like
    group[like] = np.where(u[like] < REVIEWED_SHARE, Group.SURE, Group.UNREVIEWED)
    group[arch.hnte_like & ~arch.hnte] = Group.SURE  # vetoed by an incident, not by the score
    border = (group == Group.SURE) & arch.hnte & (rng.random(n) < BORDERLINE_SHARE)
    group[border] = Group.BORDERLINE
    share = np.where(arch.sme, ASPIRANT_SHARE["sme"], ASPIRANT_SHARE["other"])
    share[arch.tier != Tier.NONE] = ASPIRANT_SHARE["tier"]
    group[~like & (rng.random(n) < share)] = Group.ASPIRANT
    return group


def draw_conversions(
    rng: np.random.Generator, arch: Archetypes, group: np.ndarray, share: np.ndarray
) -> np.ndarray:
    """(N, 4) technology conversions per year; ``share`` is the part of each year the firm
    existed (0 before it was founded)."""
    n = len(arch)
    lo, hi = np.empty(n), np.empty(n)
    for name, mask in (
        ("other", np.ones(n, bool)),
        ("sme", arch.sme),
        ("tier", arch.tier != Tier.NONE),
        ("unreviewed", group == Group.UNREVIEWED),
        ("sure", (group == Group.SURE) | (group == Group.BORDERLINE)),
    ):
        lo[mask], hi[mask] = CONVERSION_MEAN[name]
    mean = uniform(rng, lo, hi)
    counts = rng.poisson(mean[:, None] * share).astype(np.int64)
    window = counts[:, WINDOW]
    exists = share[:, WINDOW] > 0
    _at_least(window, exists, group == Group.SURE, SURE_MIN_TOTAL, rng)
    _at_least(window, exists, group == Group.UNREVIEWED, UNREVIEWED_MIN_TOTAL, rng)
    border = np.flatnonzero(group == Group.BORDERLINE)
    target = rng.integers(BORDERLINE_TOTAL[0], BORDERLINE_TOTAL[1] + 1, len(border))
    window[border] = _spread(rng, target, exists[border])
    counts[:, WINDOW] = window
    return counts


def _at_least(window, exists, mask, total, rng) -> None:
    """Top up the window's conversions of ``mask`` firms to ``total``, over their years."""
    short = np.flatnonzero(mask & (window.sum(axis=1) < total))
    missing = total - window[short].sum(axis=1)
    window[short] += _spread(rng, missing, exists[short])


def _spread(rng: np.random.Generator, totals: np.ndarray, exists: np.ndarray) -> np.ndarray:
    """Split each total over the years a firm existed, at random."""
    weights = rng.random(exists.shape) * exists + 1e-12 * exists
    out = np.zeros(exists.shape, np.int64)
    for i, (total, w) in enumerate(zip(totals.tolist(), weights)):
        out[i] = rng.multinomial(total, w / w.sum())
    return out


# --- the score's floor, as RULES.md §1.4 computes it ---------------------------------------------


def conversion_points(conversions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """§1.4.2: [floor, ceiling] of the conversions item, from the three-year average (exact:
    an average of at least k a year is a total of at least 3k)."""
    total = conversions[:, WINDOW].sum(axis=1)
    lo = np.zeros(len(total), np.int64)
    hi = np.zeros(len(total), np.int64)
    for per_year, floor, ceiling in reversed(CONVERSION_BANDS):
        reached = total >= 3 * per_year
        lo[reached], hi[reached] = floor, ceiling
    return lo, hi


def growth_points(values: dict[str, np.ndarray], exists: np.ndarray) -> tuple[np.ndarray, ...]:
    """§1.4.4: [floor, ceiling] of 成长性, net assets and sales revenue each scored 0–10."""
    lo = np.zeros(len(exists), np.int64)
    hi = np.zeros(len(exists), np.int64)
    for field in ("net_assets", "revenue"):
        rate = growth_rate(values[field][:, WINDOW].astype(float), exists[:, WINDOW])
        floor, ceiling = _banded(rate, GROWTH_BANDS)
        lo += floor
        hi += ceiling
    return lo, hi


def growth_rate(a: np.ndarray, exists: np.ndarray) -> np.ndarray:
    """The mean of the two year-on-year ratios, minus one; 2 years: A3/A2 − 1; 1 year: 0.

    A first-year value of 0 uses the last two years; a second-year value of 0 scores 0
    (RULES.md §1.4.4, with the readings 🟡 marked there). NaN means 0 points.
    """
    years = exists.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        two = a[:, 2] / a[:, 1] - 1
        three = np.where(a[:, 0] == 0, two, (a[:, 1] / a[:, 0] + a[:, 2] / a[:, 1]) / 2 - 1)
        rate = np.where(years >= 3, three, np.where(years == 2, two, np.nan))
        rate[(a[:, 1] <= 0) | (a[:, 0] < 0)] = np.nan  # zero or negative base: no points
    return rate


def _banded(rate: np.ndarray, bands) -> tuple[np.ndarray, np.ndarray]:
    """Points [floor, ceiling] of the first band whose threshold ``rate`` reaches.

    A rate at a threshold, or a hair above, counts as below it: float error must never lift
    the floor or the ceiling (both are used as guarantees). NaN scores 0.
    """
    lo = np.zeros(len(rate), np.int64)
    hi = np.zeros(len(rate), np.int64)
    done = np.isnan(rate)
    for threshold, floor, ceiling in bands:
        reached = ~done & (rate - threshold > 1e-9)
        lo[reached], hi[reached] = floor, ceiling
        done |= reached
    return lo, hi


# --- the reviews ---------------------------------------------------------------------------------


@dataclass
class Reviews:
    """Review rows by firm index; ``None`` scores are unknown."""

    firm: np.ndarray
    source: list[str]
    advancement: list
    core_support: list
    rd_management: list
    reviewed_on: list
    # per firm: [floor, ceiling] of its 100-point score as the demo computes it, −1 if none
    floor: np.ndarray
    ceiling: np.ndarray

    def __len__(self) -> int:
        return len(self.firm)


def draw_reviews(
    rng: np.random.Generator,
    group: np.ndarray,
    ip_path: np.ndarray,
    has_standard: np.ndarray,
    values: dict[str, np.ndarray],
    exists: np.ndarray,
) -> Reviews:
    """Self-assessments (and some expert reviews) fitted to each firm's group."""
    conv_lo, conv_hi = conversion_points(values["conversions"])
    growth_lo, growth_hi = growth_points(values, exists)
    count_lo = np.where(
        ip_path == IPPath.CLASS_II, IP_COUNT[IPPath.CLASS_II][0], IP_COUNT[IPPath.CLASS_I][0]
    )
    count_hi = count_lo + 1
    std_lo, std_hi = has_standard * STANDARD_BONUS[0], has_standard * STANDARD_BONUS[1]
    # Everything but the three reviewed items, at its lowest and at its highest.
    fixed_lo = count_lo + ACQUISITION[0] + std_lo + conv_lo + growth_lo
    fixed_hi = np.minimum(count_hi + ACQUISITION[1] + std_hi, 30) + conv_hi + growth_hi
    gap = fixed_hi - fixed_lo  # ceiling − floor, whatever the reviewed scores

    reviewed = np.flatnonzero((group == Group.SURE) | (group == Group.BORDERLINE))
    scores = _fit(
        rng,
        _self_scores(rng, len(reviewed)),
        fixed_lo[reviewed],
        gap[reviewed],
        group[reviewed] == Group.SURE,
    )
    expert = reviewed[rng.random(len(reviewed)) < EXPERT_SHARE]
    at = np.searchsorted(reviewed, expert)
    opinion = scores[at] + rng.integers(-1, 1, (len(expert), 3)) * np.array([1, 1, 2])
    expert_scores = _fit(rng, opinion, fixed_lo[expert], gap[expert], group[expert] == Group.SURE)

    aspirants = np.flatnonzero(group == Group.ASPIRANT)
    size = len(aspirants)
    aspirant_scores = np.stack(
        [rng.integers(3, 9, size), rng.integers(3, 9, size), rng.integers(6, 19, size)], axis=1
    )
    partial = rng.random(len(aspirants)) < ASPIRANT_PARTIAL_SHARE

    firm = np.concatenate([reviewed, expert, aspirants])
    all_scores = np.concatenate([scores, expert_scores, aspirant_scores]).tolist()
    unknown = np.concatenate([np.zeros(len(reviewed) + len(expert), bool), partial]).tolist()
    sources = (
        [ReviewSource.SELF.value] * len(reviewed)
        + [ReviewSource.EXPERT.value] * len(expert)
        + [ReviewSource.SELF.value] * len(aspirants)
    )
    days = np.concatenate(
        [
            random_days(rng, np.full(len(reviewed), day(SELF_REVIEWED[0])), day(SELF_REVIEWED[1])),
            random_days(
                rng, np.full(len(expert), day(EXPERT_REVIEWED[0])), day(EXPERT_REVIEWED[1])
            ),
            random_days(rng, np.full(len(aspirants), day(SELF_REVIEWED[0])), day(SELF_REVIEWED[1])),
        ]
    )
    order = np.argsort(firm, kind="stable")
    pick = order.tolist()
    # The score range each reviewed firm gets from the review an assessment prefers (the
    # experts', where there is one): for the build summary and the tests.
    preferred = scores.copy()
    preferred[at] = expert_scores
    floor = np.full(len(group), -1, np.int64)
    ceiling = np.full(len(group), -1, np.int64)
    floor[reviewed] = fixed_lo[reviewed] + preferred.sum(axis=1)
    ceiling[reviewed] = fixed_hi[reviewed] + preferred.sum(axis=1)
    unreviewed = group == Group.UNREVIEWED
    floor[unreviewed] = fixed_lo[unreviewed]
    ceiling[unreviewed] = fixed_hi[unreviewed] + 8 + 8 + 20
    return Reviews(
        firm[order],
        [sources[i] for i in pick],
        [None if unknown[i] else all_scores[i][0] for i in pick],
        [None if unknown[i] else all_scores[i][1] for i in pick],
        [all_scores[i][2] for i in pick],
        to_dates(days[order]),
        floor,
        ceiling,
    )


def _self_scores(rng: np.random.Generator, size: int) -> np.ndarray:
    """What a firm confident of its HNTE status claims: 6–8, 6–8 and 14–19."""
    return np.stack(
        [rng.integers(6, 9, size), rng.integers(6, 9, size), rng.integers(14, 20, size)], axis=1
    )


def _fit(rng, scores, fixed_lo, gap, sure) -> np.ndarray:
    """Adjust (advancement, core support, management) so that the floor is ≥ 71 (73 where
    the scores allow) for sure firms, and mostly 64–70 for borderline ones, whose ceiling
    stays ≥ 71."""
    scores = np.clip(scores, 0, [8, 8, 20]).astype(np.int64)
    floor = fixed_lo + scores.sum(axis=1)
    # Sure: raise management, then core support, then advancement, as far as needed.
    aim = PASS_MARK + SURE_MARGIN
    for column, top in ((2, 20), (1, 8), (0, 8)):
        short = sure & (floor < aim)
        raise_by = np.minimum(aim - floor, top - scores[:, column]) * short
        scores[:, column] += raise_by
        floor += raise_by
    # Borderline: lower management (then the rest) to a floor of 64–70, keep the ceiling ≥ 71.
    border = ~sure
    target = np.minimum(PASS_MARK - 1 - rng.integers(0, 7, len(scores)), floor)
    target = np.maximum(target, PASS_MARK - gap)  # the ceiling is the floor plus ``gap``
    for column in (2, 1, 0):
        excess = np.minimum(np.maximum(floor - target, 0), scores[:, column]) * border
        scores[:, column] -= excess
        floor -= excess
    for column, top in ((2, 20), (1, 8), (0, 8)):  # a floor too low for a ceiling of 71
        short = border & (floor + gap < PASS_MARK)
        raise_by = np.minimum(PASS_MARK - gap - floor, top - scores[:, column]) * short
        scores[:, column] += raise_by
        floor += raise_by
    return scores
