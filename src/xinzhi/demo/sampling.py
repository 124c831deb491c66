"""Vectorised sampling helpers: bounded distributions, exact apportionment, dates as day numbers.

Every value the generator draws must respect the bounds an archetype sets (an HNTE firm's
R&D ratio above its threshold, a gazelle's base-year revenue above 1,000万 …). Rather than
drawing and clipping, which piles values up on the bounds, values are drawn from the
distribution truncated to the bounds, by inverting its CDF.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

EPOCH = dt.date(1970, 1, 1)

# --- the normal distribution, without SciPy -----------------------------------------------------

# Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7) for the CDF; Acklam's rational approximation
# (relative error < 1.2e-9) for its inverse. Exactness does not matter here: the results are
# clipped to their bounds, the approximations only shape the distribution inside them.
_AS_P = 0.3275911
_AS_A = (0.254829592, -0.284496736, 1.421413741, -1.453152027, 1.061405429)
_ACKLAM_A = (
    -3.969683028665376e01,
    2.209460984245205e02,
    -2.759285104469687e02,
    1.383577518672690e02,
    -3.066479806614716e01,
    2.506628277459239e00,
)
_ACKLAM_B = (
    -5.447609879822406e01,
    1.615858368580409e02,
    -1.556989798598866e02,
    6.680131188771972e01,
    -1.328068155288572e01,
)
_ACKLAM_C = (
    -7.784894002430293e-03,
    -3.223964580411365e-01,
    -2.400758277161838e00,
    -2.549732539343734e00,
    4.374664141464968e00,
    2.938163982698783e00,
)
_ACKLAM_D = (
    7.784695709041462e-03,
    3.224671290700398e-01,
    2.445134137142996e00,
    3.754408661907416e00,
)


def normal_cdf(x: np.ndarray) -> np.ndarray:
    z = np.abs(x) / np.sqrt(2.0)
    t = 1.0 / (1.0 + _AS_P * z)
    poly = t * (_AS_A[0] + t * (_AS_A[1] + t * (_AS_A[2] + t * (_AS_A[3] + t * _AS_A[4]))))
    erf = 1.0 - poly * np.exp(-z * z)
    return 0.5 * (1.0 + np.sign(x) * erf)


def normal_ppf(p: np.ndarray) -> np.ndarray:
    p = np.clip(np.asarray(p, dtype=float), 1e-15, 1 - 1e-15)
    out = np.empty_like(p)
    low, high = p < 0.02425, p > 1 - 0.02425
    mid = ~(low | high)
    q = p[mid] - 0.5
    r = q * q
    a, b = _ACKLAM_A, _ACKLAM_B
    out[mid] = (
        (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5])
        * q
        / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
    )
    c, d = _ACKLAM_C, _ACKLAM_D
    for mask, sign in ((low, 1.0), (high, -1.0)):
        tail = p[mask] if sign > 0 else 1 - p[mask]
        q = np.sqrt(-2 * np.log(tail))
        out[mask] = (
            sign
            * (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
            / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        )
    return out


# --- bounded draws ------------------------------------------------------------------------------


def truncated_lognormal(rng: np.random.Generator, median, sigma, lo, hi) -> np.ndarray:
    """Lognormal(median, sigma) draws restricted to [lo, hi] (arrays broadcast together).

    Where the interval lies so far in a tail that its probability underflows, the draw is
    log-uniform in the interval instead.
    """
    median, sigma, lo, hi = np.broadcast_arrays(
        *(np.asarray(v, dtype=float) for v in (median, sigma, lo, hi))
    )
    if np.any(lo > hi) or np.any(lo <= 0):
        raise ValueError("truncated_lognormal needs 0 < lo ≤ hi")
    mu = np.log(median)
    a, b = normal_cdf((np.log(lo) - mu) / sigma), normal_cdf((np.log(hi) - mu) / sigma)
    u = rng.random(lo.shape)
    x = np.exp(mu + sigma * normal_ppf(a + (b - a) * u))
    thin = (b - a) < 1e-9
    x[thin] = np.exp(np.log(lo[thin]) + (np.log(hi[thin]) - np.log(lo[thin])) * u[thin])
    return np.clip(x, lo, hi)


def uniform(rng: np.random.Generator, lo, hi) -> np.ndarray:
    lo, hi = np.broadcast_arrays(np.asarray(lo, dtype=float), np.asarray(hi, dtype=float))
    return lo + (hi - lo) * rng.random(lo.shape)


def choose(rng: np.random.Generator, options: dict, size: int) -> np.ndarray:
    """``size`` draws from the keys of ``options`` with the values as weights."""
    keys = np.array(list(options))
    weights = np.array(list(options.values()), dtype=float)
    return keys[rng.choice(len(keys), size=size, p=weights / weights.sum())]


# --- exact integer splits -----------------------------------------------------------------------


def apportion(total: int, weights) -> np.ndarray:
    """Split the integer ``total`` in proportion to ``weights`` (largest remainder), exactly."""
    weights = np.asarray(weights, dtype=float)
    if total < 0 or weights.sum() <= 0:
        raise ValueError("apportion needs a non-negative total and positive weights")
    quotas = weights / weights.sum() * total
    parts = np.floor(quotas).astype(np.int64)
    _settle(parts, quotas - parts, total)
    return parts


def rescale_to_total(weights, total: int, *, minimum: int = 1) -> np.ndarray:
    """Integer amounts proportional to ``weights``, each ≥ ``minimum``, summing to ``total``.

    Used for contract amounts in fen: the lognormal draws give the shape, the published
    turnover gives the sum, and no fen is lost or invented by rounding.
    """
    weights = np.asarray(weights, dtype=float)
    count = len(weights)
    if count == 0 or total < minimum * count:
        raise ValueError(f"cannot split {total} into {count} parts of at least {minimum}")
    spare = total - minimum * count
    return minimum + apportion(spare, weights)


def _settle(parts: np.ndarray, fractions: np.ndarray, total: int) -> None:
    """Give the units rounding lost (or took) to the parts with the largest (smallest) fractions."""
    missing = int(total - parts.sum())
    if missing > 0:
        order = np.argsort(-fractions, kind="stable")
        parts[order[:missing]] += 1
    elif missing < 0:  # float error pushed the floors above the total: take back the smallest
        order = np.argsort(fractions, kind="stable")
        order = order[parts[order] > 0]
        parts[order[:-missing]] -= 1


# --- dates as day numbers -----------------------------------------------------------------------


def day(date: dt.date) -> int:
    """Days since 1970-01-01: dates are int64 day numbers inside the generator."""
    return (date - EPOCH).days


def to_dates(days: np.ndarray, missing: np.ndarray | None = None) -> list:
    """Day numbers → ``datetime.date`` objects (None where ``missing``) for the database."""
    values = np.asarray(days, dtype="int64").astype("datetime64[D]")
    if missing is not None:
        values = values.copy()
        values[missing] = np.datetime64("NaT")
    return values.tolist()


def year_of(days: np.ndarray) -> np.ndarray:
    return (
        np.asarray(days, dtype="int64")
        .astype("datetime64[D]")
        .astype("datetime64[Y]")
        .astype(np.int64)
        + 1970
    )


def year_start(year) -> np.ndarray:
    return (
        (np.asarray(year, dtype=np.int64) - 1970)
        .astype("datetime64[Y]")
        .astype("datetime64[D]")
        .astype(np.int64)
    )


def random_days(rng: np.random.Generator, first, last) -> np.ndarray:
    """A uniform day in [first, last] (day numbers, inclusive; arrays broadcast)."""
    first, last = np.broadcast_arrays(np.asarray(first, np.int64), np.asarray(last, np.int64))
    if np.any(first > last):
        raise ValueError("random_days needs first ≤ last")
    return first + np.floor(rng.random(first.shape) * (last - first + 1)).astype(np.int64)


def with_nulls(values: list, missing: np.ndarray) -> list:
    """``values`` with None where ``missing`` (a boolean mask), in place."""
    for i in np.flatnonzero(missing).tolist():
        values[i] = None
    return values
