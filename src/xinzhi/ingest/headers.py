"""Matching a file's header row to a kind's columns, Chinese or English, with money units."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from ..domain.money import HEADER_UNITS
from ..domain.text import to_halfwidth
from .columns import Column
from .kinds import Kind
from .readers import ImportFileError

# A money column may state its unit in the header: 销售收入（万元）, revenue (10k yuan).
_UNITS = {name: Decimal(yuan) for name, yuan in HEADER_UNITS.items()}
_UNIT_SUFFIX = re.compile(r"^(?P<name>.+?)\((?P<unit>[^()]+)\)$")


@dataclass(frozen=True)
class Bound:
    """A file column bound to a kind's column."""

    index: int
    header: str  # as written in the file, for error reports
    column: Column
    scale: Decimal


def _fold(text: str) -> str:
    return re.sub(r"\s+", "", to_halfwidth(text)).lower().replace("-", "_")


def _lookup(kind: Kind) -> dict[str, Column]:
    return {_fold(header): column for column in kind.columns for header in column.headers}


def is_header_row(kind: Kind, cells: list) -> bool:
    """True when every filled cell names one of the kind's columns (the template's 2nd row)."""
    names = _lookup(kind)
    filled = [cell for cell in cells if cell is not None and str(cell).strip()]
    return bool(filled) and all(_match(names, str(cell))[0] is not None for cell in filled)


def _match(names: dict[str, Column], header: str) -> tuple[Column | None, Decimal | None]:
    folded = _fold(header)
    if folded in names:
        return names[folded], Decimal(1)
    suffix = _UNIT_SUFFIX.match(folded)
    if suffix and suffix["name"] in names:
        return names[suffix["name"]], _UNITS.get(suffix["unit"])
    return None, None


def bind_header(kind: Kind, header: list[str]) -> list[Bound]:
    """Bind each header cell to a column, or raise ``ImportFileError`` listing every problem."""
    names = _lookup(kind)
    bound: list[Bound] = []
    problems_zh: list[str] = []
    problems_en: list[str] = []
    seen: dict[str, str] = {}
    for index, text in enumerate(header):
        if not text.strip():
            continue
        column, scale = _match(names, text)
        if column is None:
            problems_zh.append(f"未知列“{text}”")
            problems_en.append(f"unknown column '{text}'")
            continue
        if scale is None or (scale != 1 and not column.money):
            problems_zh.append(f"列“{text}”的单位无法识别（金额列可用 元、万元、亿元）")
            problems_en.append(f"column '{text}': unknown unit (money columns take 元, 万元, 亿元)")
            continue
        if column.name in seen:
            problems_zh.append(f"列“{text}”与“{seen[column.name]}”重复")
            problems_en.append(f"column '{text}' repeats '{seen[column.name]}'")
            continue
        seen[column.name] = text
        bound.append(Bound(index, text, column, scale))
    for column in kind.columns:
        if column.required and column.name not in seen:
            problems_zh.append(f"缺少必填列“{column.zh}”")
            problems_en.append(f"missing required column '{column.name}' ({column.zh})")
    if problems_zh:
        raise ImportFileError("；".join(problems_zh), "; ".join(problems_en))
    return bound
