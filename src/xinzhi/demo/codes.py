"""Identifiers: credit codes, patent and software-copyright numbers, certificates, contracts.

All are unique by construction (a permutation or a running counter), never by luck, and
the check characters come from the domain validators.
"""

from __future__ import annotations

import numpy as np

from ..domain.credit_code import USCC_CHARSET, make_credit_code
from ..domain.patent import patent_check_char

# --- 统一社会信用代码 ---------------------------------------------------------------------------

# New-style organisation-code bodies: "MA" and 6 characters of the GB 32100 character set
# (the 18 characters of a credit code all come from it, RULES.md §4.2).
_BODY_SPACE = len(USCC_CHARSET) ** 6


class CreditCodes:
    """Unique credit codes for enterprises (工商, 企业: "9", "1") of any region.

    Bodies are an affine permutation of [0, 31⁶): the k-th code issued is distinct from
    every other whatever its region, and the sequence looks random.
    """

    def __init__(self, rng: np.random.Generator) -> None:
        self._step = int(rng.integers(1, _BODY_SPACE))
        while self._step % len(USCC_CHARSET) == 0:  # coprime with 31⁶
            self._step += 1
        self._offset = int(rng.integers(0, _BODY_SPACE))
        self._issued = 0

    def issue(self, regions: list[str]) -> list[str]:
        """One new code per region code (GB/T 2260), in order."""
        k = np.arange(self._issued, self._issued + len(regions), dtype=object)
        self._issued += len(regions)
        bodies = [(int(i) * self._step + self._offset) % _BODY_SPACE for i in k]
        return [
            make_credit_code("9", "1", region, "MA" + _base31(body))
            for region, body in zip(regions, bodies)
        ]


def _base31(value: int) -> str:
    chars = []
    for _ in range(6):
        value, digit = divmod(value, len(USCC_CHARSET))
        chars.append(USCC_CHARSET[digit])
    return "".join(reversed(chars))


# --- patent application numbers and software-copyright registration numbers ------------------

PATENT_TYPE = {1: "1", 2: "2", 3: "3"}  # invention, utility model, design (RULES.md §5.1)
_SERIAL_LIMIT = 10_000_000  # 7 digits


class SerialCounter:
    """Increasing serials per key (year, type), with random gaps: unique across calls."""

    def __init__(self, rng: np.random.Generator, first: tuple[int, int], max_gap: int) -> None:
        self._rng = rng
        self._first = first
        self._max_gap = max_gap
        self._next: dict = {}

    def take(self, keys: np.ndarray) -> np.ndarray:
        """One serial per entry of ``keys`` (an int64 array of group keys)."""
        serials = np.empty(len(keys), dtype=np.int64)
        order = np.argsort(keys, kind="stable")
        sorted_keys = keys[order]
        bounds = np.flatnonzero(np.diff(sorted_keys)) + 1
        for group in np.split(np.arange(len(keys)), bounds):
            if not len(group):
                continue
            key = int(sorted_keys[group[0]])
            start = self._next.get(key)
            if start is None:
                start = int(self._rng.integers(*self._first))
            steps = np.cumsum(self._rng.integers(1, self._max_gap + 1, len(group)))
            serials[order[group]] = start + steps - 1
            self._next[key] = int(start + steps[-1])
        if len(serials) and serials.max() >= _SERIAL_LIMIT:
            raise OverflowError("serial numbers exhausted; lower the gap")
        return serials


class IPNumbers:
    """专利申请号 "YYYYTNNNNNNN.C" (RULES.md §5) and 软著登记号 "YYYYSRNNNNNNN"."""

    def __init__(self, rng: np.random.Generator) -> None:
        self._patents = SerialCounter(rng, (20_000, 200_000), max_gap=8)
        self._software = SerialCounter(rng, (100_000, 900_000), max_gap=4)

    def patents(self, years: np.ndarray, types: np.ndarray) -> list[str]:
        """Numbers for applications filed in ``years`` of ``types`` (1, 2, 3)."""
        serials = self._patents.take(years.astype(np.int64) * 10 + types)
        out = []
        for year, kind, serial in zip(years.tolist(), types.tolist(), serials.tolist()):
            digits = f"{year}{kind}{serial:07d}"
            out.append(f"{digits}.{patent_check_char(digits)}")
        return out

    def software(self, years: np.ndarray) -> list[str]:
        """Registration numbers for copyrights registered in ``years``."""
        serials = self._software.take(years.astype(np.int64))
        return [f"{year}SR{serial:07d}" for year, serial in zip(years.tolist(), serials.tolist())]


# --- other numbers ---------------------------------------------------------------------------


def hnte_certificate_numbers(
    rng: np.random.Generator, years: np.ndarray, province: str = "21"
) -> list[str]:
    """高新技术企业证书编号: "GR", year, province code, 6-digit serial; unique (❓ format)."""
    serials = SerialCounter(rng, (1, 400), max_gap=3).take(years.astype(np.int64))
    return [
        f"GR{year}{province}{serial:06d}" for year, serial in zip(years.tolist(), serials.tolist())
    ]


def contract_registration_numbers(year: int, city_code: str, count: int) -> list[str]:
    """技术合同登记号: year, city code, 6-digit serial in registration order (2023210100000123)."""
    if count >= 1_000_000:
        raise OverflowError("at most 999,999 contracts a year")
    return [f"{year}{city_code}{serial:06d}" for serial in range(1, count + 1)]
