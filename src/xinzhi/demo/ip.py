"""IP portfolios: invention patents, utility models, designs and software copyrights.

Portfolio sizes are lognormal, growing with revenue and age; what a portfolio must contain
comes from the firm's archetype (``IPPath``): an HNTE firm holds a granted invention patent,
or at least five granted Class II items, granted before its certificate and owned, not
licensed (RULES.md §1.2 condition 2, §1.4.1 item 3); a firm whose HNTE gap is IP holds
nothing granted. Items are generated a chunk of firms at a time, so that a city of a
million firms never holds all its items in memory.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from ..domain.enums import Acquisition, IPKind
from .archetypes import REGISTRY_AS_OF, Archetypes, IPPath
from .codes import IPNumbers
from .names import ip_titles
from .sampling import choose, day, random_days, to_dates, truncated_lognormal, year_of

INVENTION, UTILITY, DESIGN, SOFTWARE = 1, 2, 3, 4
KIND_VALUE = {
    INVENTION: IPKind.INVENTION_PATENT.value,
    UTILITY: IPKind.UTILITY_MODEL.value,
    DESIGN: IPKind.DESIGN_PATENT.value,
    SOFTWARE: IPKind.SOFTWARE_COPYRIGHT.value,
}
# Columns of Portfolios.counts: granted items of each kind, then pending applications.
GRANTED = (INVENTION, UTILITY, DESIGN, SOFTWARE)
PENDING = (INVENTION, UTILITY)
# Median portfolio (items) of a firm with 1,000万 revenue and ≥ 4 years of age.
MEDIAN_GRANTED = {INVENTION: 0.5, UTILITY: 1.5, DESIGN: 0.25, SOFTWARE: 0.8}
MEDIAN_PENDING = {INVENTION: 0.5, UTILITY: 0.2}
SOFTWARE_AFFINITY = {"I": 3.0, "M": 1.5}  # other 门类: 0.5
CLASS_II_MINIMUM = 5
# Days from application to grant (registration for software).
GRANT_LAG = {INVENTION: (540, 1300), UTILITY: (150, 420), DESIGN: (100, 300), SOFTWARE: (20, 120)}
_LAG_MIN = np.array([0] + [GRANT_LAG[k][0] for k in GRANTED])  # indexed by kind
_LAG_MAX = np.array([0] + [GRANT_LAG[k][1] for k in GRANTED])
FIRST_APPLICATION = dt.date(2010, 1, 1)
PENDING_FROM = {INVENTION: dt.date(2021, 1, 1), UTILITY: dt.date(2023, 1, 1)}
ACQUISITION_MIX = {
    Acquisition.OWN: 0.88,
    Acquisition.TRANSFER: 0.06,
    Acquisition.MERGER: 0.02,
    Acquisition.GIFT: 0.01,
    Acquisition.LICENCE: 0.03,
}
QUALIFYING_DEADLINE = dt.date(2023, 6, 30)  # for non-HNTE firms that need a granted invention
DAYS_BEFORE_CERTIFICATE = 30


@dataclass
class Portfolios:
    """How many items of each kind each firm holds, and which must qualify it."""

    # (N, 6): granted invention, utility, design, software; pending invention, utility
    counts: np.ndarray
    qualifying: np.ndarray  # (N,) how many granted items must meet the deadline (0, 1 or 5)
    deadline: np.ndarray  # (N,) day number
    # (N,) day of an earlier HNTE application, −1 if none: the owned Class II items granted by
    # then were used in it; qualifying Class II items are granted after it (RULES.md §1.3)
    used_on: np.ndarray

    @property
    def granted_invention(self) -> np.ndarray:
        return self.counts[:, 0] > 0

    @property
    def total(self) -> int:
        return int(self.counts.sum())


def plan_portfolios(
    rng: np.random.Generator,
    arch: Archetypes,
    founded: np.ndarray,
    sections: np.ndarray,
    revenue_level: np.ndarray,
    certified_on: np.ndarray,
    previous_application: np.ndarray,
) -> Portfolios:
    n = len(arch)
    size = np.clip((revenue_level / 1e7) ** 0.3, 0.4, 6.0)
    age = np.clip((day(REGISTRY_AS_OF) - founded) / (4 * 365.25), 0.15, 1.0)
    scale = size * age
    affinity = np.full(n, 0.5)
    for section, factor in SOFTWARE_AFFINITY.items():
        affinity[sections == section] = factor

    def draw(median, sigma=1.0):
        return np.floor(truncated_lognormal(rng, median, sigma, 1e-3, 500)).astype(np.int64)

    counts = np.zeros((n, 6), np.int64)
    for col, kind in enumerate(GRANTED):
        boost = affinity if kind == SOFTWARE else 1.0
        counts[:, col] = draw(MEDIAN_GRANTED[kind] * scale * boost)
    for col, kind in enumerate(PENDING, start=len(GRANTED)):
        counts[:, col] = draw(MEDIAN_PENDING[kind] * scale)

    path = arch.ip_path
    class_i = path == IPPath.CLASS_I
    counts[class_i, 0] = np.maximum(counts[class_i, 0], 1)
    class_ii = path == IPPath.CLASS_II
    counts[class_ii, 0] = 0
    short = np.maximum(0, CLASS_II_MINIMUM - counts[:, 1:4].sum(axis=1))
    software_first = sections == "I"
    counts[class_ii & software_first, 3] += short[class_ii & software_first]
    counts[class_ii & ~software_first, 1] += short[class_ii & ~software_first]
    counts[path == IPPath.NONE_GRANTED, :4] = 0

    qualifying = np.where(class_i, 1, np.where(class_ii, CLASS_II_MINIMUM, 0))
    deadline = np.where(arch.hnte, certified_on - DAYS_BEFORE_CERTIFICATE, day(QUALIFYING_DEADLINE))
    return Portfolios(counts, qualifying, deadline, previous_application)


@dataclass
class Items:
    """The IP items of a range of firms, flattened: one entry per item, in firm order."""

    firm: np.ndarray  # enterprise index
    kind: np.ndarray  # INVENTION, UTILITY, DESIGN or SOFTWARE
    granted: np.ndarray  # bool: granted (registered), else a pending application
    qualifying: np.ndarray  # bool: must be granted, owned, by the firm's deadline

    def __len__(self) -> int:
        return len(self.firm)


def ip_rows(
    rng: np.random.Generator,
    portfolios: Portfolios,
    founded: np.ndarray,
    enterprise_ids: np.ndarray,
    numbers: IPNumbers,
    chunk: int,
) -> Iterator[dict[str, list]]:
    """Columns of the IP rights of ``chunk`` firms at a time, in firm order."""
    for start in range(0, len(founded), chunk):
        items = flatten(portfolios, start, min(start + chunk, len(founded)))
        if not len(items):
            continue
        applied, granted_on, acquisition = _dates_and_acquisition(rng, items, portfolios, founded)
        used_on = portfolios.used_on[items.firm]
        used = (
            (items.kind != INVENTION)
            & (granted_on >= 0)
            & (granted_on <= used_on)
            & (acquisition != Acquisition.LICENCE.value)
        )
        number = np.empty(len(items), dtype=object)
        patent = items.kind != SOFTWARE
        number[patent] = numbers.patents(year_of(applied[patent]), items.kind[patent])
        number[~patent] = numbers.software(year_of(granted_on[~patent]))
        yield {
            "kind": [KIND_VALUE[k] for k in items.kind.tolist()],
            "number": number.tolist(),
            "title": ip_titles(rng, items.kind),
            "enterprise_id": enterprise_ids[items.firm].tolist(),
            "applied_on": to_dates(applied),
            "granted_on": to_dates(granted_on, missing=granted_on < 0),
            "acquisition": acquisition.tolist(),
            "hnte_used_on": to_dates(used_on, missing=~used),
        }


def _dates_and_acquisition(
    rng: np.random.Generator, items: Items, portfolios: Portfolios, founded: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Application and grant days (−1: pending) and how each item was obtained."""
    firm, kind = items.firm, items.kind
    lag = random_days(rng, _LAG_MIN[kind], _LAG_MAX[kind])
    applied = np.zeros(len(items), np.int64)
    granted_on = np.full(len(items), -1, np.int64)
    acquisition = choose(rng, {a.value: w for a, w in ACQUISITION_MIX.items()}, len(items))
    acquisition = acquisition.astype(object)

    g = np.flatnonzero(items.granted)
    qualifying = items.qualifying[g]
    last_grant = np.where(qualifying, portfolios.deadline[firm[g]], day(REGISTRY_AS_OF))
    last_application = last_grant - lag[g]
    first_own = np.maximum(founded[firm[g]], day(FIRST_APPLICATION))
    bought = last_application < first_own  # filed before the firm existed: acquired
    earliest = np.where(
        bought, np.maximum(day(FIRST_APPLICATION), last_application - 1500), first_own
    )
    # A qualifying Class II item of a re-certified firm is newer than its previous application.
    used_on = portfolios.used_on[firm[g]]
    fresh = qualifying & (kind[g] != INVENTION) & (used_on >= 0)
    earliest[fresh] = np.maximum(earliest[fresh], used_on[fresh] - lag[g][fresh] + 1)
    applied[g] = random_days(rng, earliest, last_application)
    granted_on[g] = applied[g] + lag[g]
    acquisition[g[bought]] = Acquisition.TRANSFER.value
    licensed = qualifying & (acquisition[g] == Acquisition.LICENCE.value)
    acquisition[g[licensed]] = Acquisition.OWN.value  # a qualifying item is owned

    p = np.flatnonzero(~items.granted)
    pending_from = np.where(
        kind[p] == INVENTION, day(PENDING_FROM[INVENTION]), day(PENDING_FROM[UTILITY])
    )
    applied[p] = random_days(rng, np.maximum(pending_from, founded[firm[p]]), day(REGISTRY_AS_OF))
    acquisition[p] = Acquisition.OWN.value
    return applied, granted_on, acquisition


def flatten(portfolios: Portfolios, start: int, stop: int) -> Items:
    """The items of firms [start, stop); Class II qualifying items are the first five."""
    counts = portfolios.counts[start:stop]
    firms = np.arange(start, stop)
    parts = []
    class_ii_before = np.zeros(stop - start, np.int64)  # Class II items of earlier columns
    for col, kind in enumerate((*GRANTED, *PENDING)):
        granted = col < len(GRANTED)
        c = counts[:, col]
        firm = np.repeat(firms, c)
        rank = np.arange(len(firm)) - np.repeat(np.cumsum(c) - c, c)  # 0, 1, … within a firm
        if granted and kind == INVENTION:
            qualifying = (rank == 0) & (portfolios.qualifying[firm] == 1)
        elif granted:
            rank += np.repeat(class_ii_before, c)
            qualifying = (rank < CLASS_II_MINIMUM) & (
                portfolios.qualifying[firm] == CLASS_II_MINIMUM
            )
            class_ii_before += c
        else:
            qualifying = np.zeros(len(firm), bool)
        parts.append((firm, np.full(len(firm), kind), np.full(len(firm), granted), qualifying))
    firm, kind, granted, qualifying = (np.concatenate(x) for x in zip(*parts))
    order = np.argsort(firm, kind="stable")
    return Items(firm[order], kind[order], granted[order], qualifying[order])
