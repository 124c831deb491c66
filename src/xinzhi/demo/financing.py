"""Equity financing rounds of the venture-backed firms, consistent with their valuations.

Every firm with a valuation (``enterprises.valuation``) has rounds; the latest closed on the
valuation date at that post-money valuation, earlier ones at lower valuations. Amounts are
in CNY, whole 万元. Two rules read them:

* Liaoning's gazelle row ③ (RULES.md §3.2): a single venture round ≥ 1,000万 makes a firm
  of ≤ 20 years with enough R&D a gazelle. Only gazelles and unicorns raise that much in
  one round; every other backed firm stays below 1,000万 a round (angel and Pre-A money).
* Shenzhen's unicorn (§3.3): cumulative financing ≥ 3.5亿; the unicorns raise far more.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .archetypes import WAN, Tier
from .sampling import to_dates

LADDER = ("天使", "Pre-A", "A", "A+", "B", "C", "D", "E", "Pre-IPO")
ROUNDS = {Tier.UNICORN: (4, 6), Tier.GAZELLE: (1, 4)}  # others: 1–2
SMALL_ROUND_MAX = 950 * WAN * 100  # fen: below the gazelle row ③'s 1,000万
DILUTION = (0.08, 0.22)  # a round's share of the post-money valuation
STEP_UP = (1.8, 3.5)  # valuation multiple from one round to the next
DAYS_BETWEEN = (240, 600)
FIRST_ROUND_AFTER_FOUNDING = 60  # days
UNDISCLOSED_VALUATION_SHARE = 0.2  # of rounds before the latest
NO_INVESTOR_SHARE = 0.15
INVESTOR_HEADS = ("盛京", "浑河", "辽海", "北辰", "东岳", "海川", "沈北", "启明星", "远山", "长白")
INVESTOR_TAILS = ("创业投资基金", "资本", "产业投资基金", "科创基金", "天使投资")


@dataclass
class Rounds:
    firm: np.ndarray
    closed_on: list
    round: list[str]
    amount_fen: list[int]
    investor: list
    post_money_fen: list

    def __len__(self) -> int:
        return len(self.firm)


def draw_rounds(
    rng: np.random.Generator,
    tier: np.ndarray,
    founded: np.ndarray,
    valuation_fen: np.ndarray,
    valuation_on: np.ndarray,
) -> Rounds:
    backed = np.flatnonzero(valuation_fen > 0)
    lo = np.array([ROUNDS.get(Tier(t), (1, 2))[0] for t in tier[backed].tolist()])
    hi = np.array([ROUNDS.get(Tier(t), (1, 2))[1] for t in tier[backed].tolist()])
    wanted = lo + np.floor(rng.random(len(backed)) * (hi - lo + 1)).astype(np.int64)
    columns: dict[str, list] = {k: [] for k in ("firm", "closed_on", "round", "amount", "post")}
    for firm, k in zip(backed.tolist(), wanted.tolist()):
        big = tier[firm] in (Tier.GAZELLE, Tier.UNICORN)
        days, posts = [int(valuation_on[firm])], [int(valuation_fen[firm])]
        for _ in range(k - 1):  # earlier rounds, while they stay after the founding
            earlier = days[-1] - int(rng.integers(*DAYS_BETWEEN))
            if earlier < founded[firm] + FIRST_ROUND_AFTER_FOUNDING:
                break
            days.append(earlier)
            posts.append(_wan(posts[-1] / rng.uniform(*STEP_UP)))
        labels = _labels(rng, len(days), big)
        for day_, post, label in zip(reversed(days), reversed(posts), labels):
            amount = _wan(post * rng.uniform(*DILUTION))
            if not big:
                amount = min(amount, SMALL_ROUND_MAX)
            columns["firm"].append(firm)
            columns["closed_on"].append(day_)
            columns["round"].append(label)
            columns["amount"].append(amount)
            columns["post"].append(post)
    count = len(columns["firm"])
    latest = np.r_[np.diff(columns["firm"]) != 0, True] if count else np.zeros(0, bool)
    hidden = ~latest & (rng.random(count) < UNDISCLOSED_VALUATION_SHARE)
    return Rounds(
        np.array(columns["firm"], np.int64),
        to_dates(np.array(columns["closed_on"], np.int64)),
        columns["round"],
        columns["amount"],
        _investors(rng, count),
        [None if h else p for p, h in zip(columns["post"], hidden.tolist())],
    )


def _wan(fen: float) -> int:
    """Fen rounded to whole 万元, at least 1万元."""
    return max(1, round(float(fen) / (WAN * 100))) * WAN * 100


def _labels(rng: np.random.Generator, k: int, big: bool) -> list[str]:
    """``k`` distinct rounds up the ladder, in order: big firms climb it, others stay early."""
    rungs = np.arange(int(rng.integers(0, 2)), len(LADDER)) if big else np.arange(3)
    picked = np.sort(rng.choice(rungs, size=min(k, len(rungs)), replace=False))
    return [LADDER[i] for i in picked.tolist()]


def _investors(rng: np.random.Generator, count: int) -> list:
    head = rng.integers(0, len(INVESTOR_HEADS), count)
    tail = rng.integers(0, len(INVESTOR_TAILS), count)
    none = rng.random(count) < NO_INVESTOR_SHARE
    return [
        None if skip else f"{INVESTOR_HEADS[h]}{INVESTOR_TAILS[t]}"
        for h, t, skip in zip(head.tolist(), tail.tolist(), none.tolist())
    ]
