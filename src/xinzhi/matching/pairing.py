"""Event pairing (双百链接): N scientist–enterprise pairs with the greatest total quality.

The choice is an assignment problem solved exactly by ``scipy.optimize.linear_sum_assignment``
(the Hungarian method's successor, Crouse 2016):

* capacity — an expert who may meet k firms appears as k identical columns;
* exclusions — a pair that must not meet costs +∞ (never chosen);
* exactly N pairs — padded to a square problem: (firms − N) dummy columns that only firms
  may take and (slots − N) dummy rows that only slots may take, so that exactly N firms are
  left to real slots. With no negative quality, the best N pairs are also the best of at most
  N pairs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..domain.errors import XinzhiError


class PairingError(XinzhiError, ValueError):
    def __init__(self, zh: str, en: str) -> None:
        super().__init__(zh, en, message=f"{en} / {zh}")


@dataclass(frozen=True)
class Pair:
    expert: int  # row of the quality matrix
    enterprise: int  # column of the quality matrix
    quality: float


def choose_pairs(
    quality: np.ndarray,
    pairs: int,
    *,
    capacity: int | np.ndarray = 1,
    excluded: np.ndarray | None = None,
    min_quality: float | None = None,
) -> list[Pair]:
    """The ``pairs`` expert–enterprise pairs of greatest total quality.

    ``quality`` is experts × enterprises (≥ 0). Each enterprise meets at most one expert;
    expert i meets at most ``capacity`` (or ``capacity[i]``) enterprises. ``excluded`` is a
    boolean matrix of pairs that must not meet; pairs below ``min_quality`` never meet either.
    """
    from scipy.optimize import linear_sum_assignment

    quality = np.asarray(quality, dtype=np.float64)
    if quality.ndim != 2:
        raise ValueError("quality must be a matrix of experts × enterprises")
    if np.isnan(quality).any() or (quality < 0).any():
        raise ValueError("qualities must be numbers ≥ 0")
    experts, firms = quality.shape
    caps = np.broadcast_to(np.asarray(capacity, dtype=np.int64), (experts,))
    if (caps < 0).any():
        raise PairingError(
            "每位专家的对接上限不能为负", "an expert's capacity must not be negative"
        )
    allowed = np.ones_like(quality, dtype=bool)
    if excluded is not None:
        allowed &= ~np.asarray(excluded, dtype=bool)
    if min_quality is not None:
        allowed &= quality >= min_quality
    slots = int(caps.sum())
    most = min(slots, firms)
    if pairs < 0 or pairs > most:
        raise PairingError(
            f"无法安排 {pairs} 对：专家可对接名额 {slots} 个，企业 {firms} 家，最多 {most} 对",
            f"cannot make {pairs} pairs: experts offer {slots} places and there are {firms} "
            f"enterprises, so at most {most}",
        )
    if pairs == 0:
        return []
    owner = np.repeat(np.arange(experts), caps)  # slot → expert
    # Rows: enterprises, then dummy rows for unused slots; columns: slots, then dummy columns
    # for enterprises left without a pair.
    size = firms + slots - pairs
    cost = np.full((size, size), np.inf)
    cost[:firms, :slots] = np.where(allowed[owner].T, -quality[owner].T, np.inf)
    cost[:firms, slots:] = 0.0  # an enterprise without a pair
    cost[firms:, :slots] = 0.0  # an unused slot
    try:
        rows, cols = linear_sum_assignment(cost)
    except ValueError:
        raise PairingError(
            f"在排除名单和最低匹配度的限制下无法凑满 {pairs} 对，请减少对数或放宽限制",
            f"{pairs} pairs are impossible with these exclusions and minimum quality: ask for "
            "fewer pairs or relax them",
        ) from None
    chosen = [
        (int(owner[c]), int(r)) for r, c in zip(rows, cols, strict=True) if r < firms and c < slots
    ]
    chosen.sort()
    return [Pair(e, f, float(quality[e, f])) for e, f in chosen]
