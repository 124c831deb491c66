"""Matching a file's header row to a kind's columns: names, synonyms, units, ignored columns.

A header cell names a column by its Chinese or English template header, an alias, or a
synonym from ``data/synonyms.yaml``; spaces, full-width forms and case do not matter. A unit
may follow in brackets or after a slash — 营业收入（万元）, 营业收入(单位：万元), 营业收入/万元 —
and a unit line above the header (单位：万元) applies to every money column without its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from importlib import resources

import yaml

from ..domain.money import HEADER_UNITS
from ..domain.text import to_halfwidth
from .columns import Column
from .errors import ImportFileError
from .kinds import Kind

# Money units a header may state (domain.money); the yuan amount is the cell times the factor.
MONEY_UNITS = {name: Decimal(yuan) for name, yuan in HEADER_UNITS.items()}
# Units a count or other column may state without changing its value.
PLAIN_UNITS = {"人", "名", "个", "项", "件", "家", "年", "%"}
_UNIT_SUFFIX = re.compile(
    r"^(?P<name>.+?)(?:\((?:单位[:：])?(?P<unit>[^()]+)\)|/(?P<slash>[^/]+))$"
)
UNIT_LINE = re.compile(r"(?:金额)?单位[:：]\s*(?P<unit>[^\s,，;；)）]+)")


@dataclass(frozen=True)
class Bound:
    """A file column bound to a kind's column."""

    index: int
    header: str  # as written in the file, for error reports
    column: Column
    scale: Decimal
    unit: str = ""  # the unit as read (from the header or the unit line), for the preview


@dataclass
class Binding:
    """How each header cell was read: bound to a column, ignored, or a problem."""

    bound: list[Bound] = field(default_factory=list)
    ignored: list[tuple[int, str]] = field(default_factory=list)  # (index, header)
    unknown: list[tuple[int, str]] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)  # (zh, en), unknown included

    def raise_problems(self) -> None:
        if self.problems:
            raise ImportFileError(
                "；".join(zh for zh, _ in self.problems), "; ".join(en for _, en in self.problems)
            )


def fold(text: str) -> str:
    """The form headers are compared in: half-width, no spaces, lower case, _ for -."""
    folded = re.sub(r"\s+", "", to_halfwidth(str(text))).lower().replace("-", "_")
    return folded.replace("【", "(").replace("】", ")")


@cache
def _synonyms() -> dict:
    text = resources.files("xinzhi.ingest").joinpath("data/synonyms.yaml").read_text("utf-8")
    return yaml.safe_load(text)


@cache
def _ignored(kind_name: str) -> frozenset[str]:
    """Headers left out: 序号 and the like everywhere, and a kind's own (a firm's name in a
    file of yearly figures, where the credit code alone identifies the firm)."""
    synonyms = _synonyms()
    words = synonyms["ignored"] + (synonyms.get(kind_name) or {}).get("ignored", [])
    return frozenset(fold(word) for word in words)


def _lookup(kind: Kind) -> dict[str, Column]:
    names = {fold(header): column for column in kind.columns for header in column.headers}
    synonyms = _synonyms()
    for section in ("*", kind.name):
        for field_name, words in (synonyms.get(section) or {}).items():
            column = next((col for col in kind.columns if col.name == field_name), None)
            if column is not None and field_name != "ignored":
                for word in words:
                    names.setdefault(fold(word), column)
    return names


def synonyms(kind: Kind, column: Column) -> list[str]:
    """The headers that name ``column`` besides its template headers, for the guide."""
    words = [*column.aliases]
    data = _synonyms()
    for section in ("*", kind.name):
        words += (data.get(section) or {}).get(column.name, [])
    return list(dict.fromkeys(words))


_LOOKUPS: dict[int, tuple[Kind, dict[str, Column]]] = {}  # by id: kinds are few and live long


def lookup(kind: Kind) -> dict[str, Column]:
    cached = _LOOKUPS.get(id(kind))
    if cached is None or cached[0] is not kind:
        cached = _LOOKUPS[id(kind)] = (kind, _lookup(kind))
    return cached[1]


def is_ignored(kind: Kind, header: str) -> bool:
    return fold(header) in _ignored(kind.name)


def match(kind: Kind, header: str) -> tuple[Column | None, str | None]:
    """The column ``header`` names and the unit it states ("" for none, None if unreadable)."""
    names = lookup(kind)
    folded = fold(header)
    if folded in names:
        return names[folded], ""
    suffix = _UNIT_SUFFIX.match(folded)
    if suffix and suffix["name"] in names:
        return names[suffix["name"]], suffix["unit"] or suffix["slash"]
    return None, None


def _unit_of(header: str) -> str:
    """The unit a header states after its name (年营业额（万元） → 万元), "" if none."""
    suffix = _UNIT_SUFFIX.match(fold(header))
    return (suffix["unit"] or suffix["slash"]) if suffix else ""


def unit_scale(column: Column, unit: str) -> Decimal | None:
    """The factor ``unit`` gives ``column``'s cells, or None when it cannot apply."""
    if not unit:
        return Decimal(1)
    if column.money:
        return MONEY_UNITS.get(unit)
    return Decimal(1) if unit in PLAIN_UNITS else None


def is_header_row(kind: Kind, cells: list) -> bool:
    """True when every filled cell names one of the kind's columns (the template's 2nd row)."""
    filled = [cell for cell in cells if cell is not None and str(cell).strip()]
    return bool(filled) and all(match(kind, str(cell))[0] is not None for cell in filled)


def bind(
    kind: Kind,
    header: list[str],
    *,
    default_unit: str = "",
    mapping: dict[str, str | None] | None = None,
    required: bool = True,
) -> Binding:
    """Read each header cell. ``mapping`` (a saved or chosen one) maps a folded header to a
    column name, or to None to ignore it; ``default_unit`` is the sheet's unit line."""
    binding = Binding()
    seen: dict[str, str] = {}
    chosen = {fold(key): value for key, value in (mapping or {}).items()}
    for index, text in enumerate(header):
        if not str(text).strip():
            continue
        folded = fold(text)
        target = chosen.get(folded, "")
        if folded in chosen and target is None:
            binding.ignored.append((index, text))
            continue
        if target and any(col.name == target for col in kind.columns):
            column, unit = kind.column(target), _unit_of(text)
            if not column.money and unit not in PLAIN_UNITS:
                unit = ""  # brackets that are part of the name: 所属区（县）
        elif is_ignored(kind, text):
            binding.ignored.append((index, text))
            continue
        else:
            column, unit = match(kind, text)
        if column is None:
            binding.unknown.append((index, text))
            binding.problems.append((f"未知列“{text}”", f"unknown column '{text}'"))
            continue
        if not unit and column.money and default_unit:
            unit = default_unit
        scale = None if unit is None else unit_scale(column, unit)
        if scale is None:
            binding.problems.append(
                (
                    f"列“{text}”的单位“{unit}”无法识别（金额列可用 元、千元、万元、亿元）",
                    f"column '{text}': unknown unit '{unit}' (money columns take 元, 千元, 万元, 亿元)",
                )
            )
            continue
        if column.name in seen:
            binding.problems.append(
                (
                    f"列“{text}”与“{seen[column.name]}”重复",
                    f"column '{text}' repeats '{seen[column.name]}'",
                )
            )
            continue
        seen[column.name] = text
        binding.bound.append(Bound(index, str(text), column, scale, unit))
    if required:
        for column in kind.columns:
            if column.required and column.name not in seen:
                binding.problems.append(
                    (
                        f"缺少必填列“{column.zh}”",
                        f"missing required column '{column.name}' ({column.zh})",
                    )
                )
    return binding


def bind_header(kind: Kind, header: list[str]) -> list[Bound]:
    """Bind each header cell to a column, or raise ``ImportFileError`` listing every problem."""
    binding = bind(kind, header)
    binding.raise_problems()
    return binding.bound
