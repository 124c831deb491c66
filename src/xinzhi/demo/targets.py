"""The city's 2023 targets (the published ``目标:`` rows) and their split over the districts."""

from __future__ import annotations

from decimal import Decimal

import numpy as np

from .calibration import CITY, DISTRICT_TARGETS, TARGET_PREFIX, city_targets
from .sampling import apportion


def parse_target_value(text: str) -> tuple[Decimal, Decimal | None]:
    """ "5000" → (5000, None); a range "4-6" → (4, 6)."""
    low, sep, high = text.partition("-")
    return Decimal(low), (Decimal(high) if sep else None)


def target_rows(district_names: list[str], enterprises_per_district: np.ndarray) -> dict[str, list]:
    """The city's targets, then each ``DISTRICT_TARGETS`` indicator split by enterprise count."""
    rows: dict[str, list] = {
        k: [] for k in ("indicator", "region", "year", "value", "value_max", "unit")
    }

    def add(indicator: str, region: str, year: int, value, value_max, unit: str) -> None:
        for key, item in zip(rows, (indicator, region, year, value, value_max, unit)):
            rows[key].append(item)

    for figure in city_targets():
        indicator = figure.indicator.removeprefix(TARGET_PREFIX)
        value, value_max = parse_target_value(figure.value)
        add(indicator, CITY, int(figure.period), value, value_max, figure.unit)
        if indicator in DISTRICT_TARGETS:
            if value != value.to_integral_value():
                raise ValueError(f"cannot split the target {figure.indicator} = {value}")
            shares = apportion(int(value), np.maximum(enterprises_per_district, 0) + 1e-9)
            for name, share in zip(district_names, shares.tolist()):
                add(indicator, name, int(figure.period), Decimal(share), None, figure.unit)
    return rows
