"""Sheets of the matching exports: a bold header row with set widths, cells formula-safe."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ..documents.excel import HEADER_FILL, HEADER_FONT, safe_value


def add_sheet(workbook, title: str, columns: Sequence[tuple[str, int]]):
    """A sheet with ``columns`` (header, width) as its frozen first row."""
    sheet = workbook.create_sheet(title)
    sheet.append([header for header, _ in columns])
    for cell, (_, width) in zip(sheet[1], columns, strict=True):
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        sheet.column_dimensions[cell.column_letter].width = width
    sheet.freeze_panes = "A2"
    return sheet


def append_row(sheet, values: Iterable) -> None:
    sheet.append([safe_value(v) for v in values])
