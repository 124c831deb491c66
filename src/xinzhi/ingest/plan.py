"""What one file imports: which sheet goes into which kind, with which columns.

A workbook may hold one sheet per kind (企业, 企业年度数据 …), or be narrowed with
``--sheet``; hidden sheets are never read. A sheet of enterprises that also carries one
year's figures (营业收入, 研发费用 …) becomes two parts: ``enterprises`` and
``enterprise_years``, the year given by ``--year``, a 年度 column or a 2023年 group header.
The parts run in dependency order in one transaction (``pipeline``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from .errors import ImportFileError
from .headers import Binding, bind, fold
from .kinds import ENTERPRISE_YEARS, ENTERPRISES, KINDS, Kind
from .layout import Layout, find_header
from .readers import Workbook


@dataclass
class Part:
    sheet: str
    kind: Kind
    layout: Layout
    binding: Binding
    defaults: dict[str, Any] = field(default_factory=dict)  # columns not in the file: year
    mapping: dict[str, str | None] = field(default_factory=dict)  # chosen or saved
    mapping_name: str | None = None  # the saved mapping applied, if any

    @property
    def headers_key(self) -> str:
        return headers_key(self.layout.header)

    @property
    def columns(self) -> list[tuple[str, str | None, str]]:
        """Each source column → "field (中文)" or None (ignored), and its unit: the preview."""
        rows: list[tuple[int, str, str | None, str]] = []
        rows += [
            (b.index, b.header, f"{b.column.name} ({b.column.zh})", b.unit)
            for b in self.binding.bound
        ]
        rows += [(i, text, None, "") for i, text in self.binding.ignored]
        rows += [(i, text, "?", "") for i, text in self.binding.unknown]
        return [(header, target, unit) for _, header, target, unit in sorted(rows)]


def headers_key(header: list[str]) -> str:
    """What a saved mapping is recognised by: the header row, folded, in order."""
    return hashlib.sha256("\x1f".join(fold(text) for text in header).encode()).hexdigest()


# A saved mapping by (kind, headers_key): (its name, the mapping).
SavedMappings = dict[tuple[str, str], tuple[str, dict[str, str | None]]]


def _sheet_kind(
    workbook: Workbook, name: str, requested: Kind
) -> tuple[Kind | None, Layout | None]:
    """The kind a sheet of a several-sheet workbook holds: by its name, else by its header."""
    for kind in KINDS.values():
        if fold(name) in (fold(kind.name), fold(kind.zh)):
            return kind, None
    scores = []
    for kind in (requested, *KINDS.values()):
        layout, _ = find_header(kind, name, workbook.rows(name))
        binding = bind(kind, layout.header, required=False)
        scores.append((len(binding.bound) - len(binding.unknown), kind))
    score, kind = max(scores, key=lambda pair: pair[0])  # max keeps the first: requested
    return (kind, None) if score > 0 else (None, None)


def plan(
    workbook: Workbook,
    requested: Kind,
    *,
    sheet: str | None = None,
    year: int | None = None,
    mapping: dict[str, str | None] | None = None,
    saved: SavedMappings | None = None,
) -> tuple[list[Part], list[tuple[str, str]]]:
    """The parts to import, in dependency order, and notices about sheets left out.

    ``mapping`` applies to every sheet; without one, a mapping saved for a sheet's header
    row is applied to that sheet."""
    notices: list[tuple[str, str]] = []
    if sheet is not None:
        if sheet not in workbook.sheet_names:
            raise ImportFileError(
                f"没有名为“{sheet}”的可见工作表；可选：{'、'.join(workbook.sheet_names)}",
                f"no visible sheet named '{sheet}'; one of: {', '.join(workbook.sheet_names)}",
            )
        assigned = [(sheet, requested)]
    elif len(workbook.sheet_names) == 1:
        assigned = [(workbook.sheet_names[0], requested)]
    else:
        assigned = []
        for name in workbook.sheet_names:
            kind, _ = _sheet_kind(workbook, name, requested)
            if kind is None:
                notices.append(
                    (
                        f"工作表“{name}”不像任何一类数据，已跳过",
                        f"sheet '{name}' matches no kind: skipped",
                    )
                )
            else:
                assigned.append((name, kind))
        if not assigned:
            raise ImportFileError(
                "没有一个工作表的表头能对应到数据类型；请用 --sheet 指定工作表",
                "no sheet has a header that matches a kind; choose one with --sheet",
            )
    parts: list[Part] = []
    for name, kind in assigned:
        parts += _parts(workbook, name, kind, year, mapping, saved or {})
    order = list(KINDS)
    parts.sort(key=lambda part: order.index(part.kind.name))
    return parts, notices


def _parts(
    workbook: Workbook, sheet: str, kind: Kind, year: int | None, mapping, saved: SavedMappings
) -> list[Part]:
    layout, _ = find_header(kind, sheet, workbook.rows(sheet))
    name = None
    if not mapping and (kind.name, headers_key(layout.header)) in saved:
        name, mapping = saved[kind.name, headers_key(layout.header)]
    parts = _bound_parts(sheet, kind, layout, year, mapping)
    for part in parts:
        part.mapping, part.mapping_name = dict(mapping or {}), name
    return parts


def _bound_parts(sheet: str, kind: Kind, layout: Layout, year: int | None, mapping) -> list[Part]:
    binding = bind(kind, layout.header, default_unit=layout.unit, mapping=mapping)
    if kind is not ENTERPRISES or not binding.unknown:
        return [_part(sheet, kind, layout, binding, year)]
    # A registry sheet with one year's figures: the unknown columns that are yearly figures
    # form an enterprise_years part over the same rows.
    yearly = bind(
        ENTERPRISE_YEARS, layout.header, default_unit=layout.unit, mapping=mapping, required=False
    )
    figures = {b.index for b in yearly.bound if b.column.name not in ("credit_code", "as_of")}
    if not figures:
        return [_part(sheet, kind, layout, binding, year)]
    registry = bind(
        kind,
        ["" if i in figures else text for i, text in enumerate(layout.header)],
        default_unit=layout.unit,
        mapping=mapping,
    )
    header = [
        text if i in figures or _is_code(binding, i) else "" for i, text in enumerate(layout.header)
    ]
    years = bind(
        ENTERPRISE_YEARS, header, default_unit=layout.unit, mapping=mapping, required=False
    )
    years.problems += _missing_required(ENTERPRISE_YEARS, years, year or layout.group_year)
    return [
        _part(sheet, kind, layout, registry, year),
        _part(sheet, ENTERPRISE_YEARS, layout, years, year),
    ]


def _is_code(binding: Binding, index: int) -> bool:
    return any(b.index == index and b.column.name == "credit_code" for b in binding.bound)


def _missing_required(kind: Kind, binding: Binding, year: int | None) -> list[tuple[str, str]]:
    present = {b.column.name for b in binding.bound} | ({"year"} if year else set())
    missing = [column for column in kind.columns if column.required and column.name not in present]
    if any(column.name == "year" for column in missing):
        return [
            (
                "表中含年度数据（如营业收入）但未给出年度：请使用 --year 2023，或增加“年度”列",
                "the sheet has yearly figures (e.g. revenue) but no year: pass --year 2023 "
                "or add a 年度 (year) column",
            )
        ]
    return [
        (f"缺少必填列“{c.zh}”", f"missing required column '{c.name}' ({c.zh})") for c in missing
    ]


def _part(sheet: str, kind: Kind, layout: Layout, binding: Binding, year: int | None) -> Part:
    defaults: dict[str, Any] = {}
    bound = {b.column.name for b in binding.bound}
    has_year = any(column.name == "year" for column in kind.columns)
    if has_year and "year" not in bound and (year or layout.group_year):
        defaults["year"] = year or layout.group_year
        binding.problems = [p for p in binding.problems if "“年度”" not in p[0]]
    return Part(sheet, kind, layout, binding, defaults)
