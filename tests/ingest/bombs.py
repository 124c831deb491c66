"""Spreadsheets that weigh little and declare or contain a lot (issue #16, finding 2).

Shared by tests/ingest/test_limits.py (refused, with a clear message) and
benchmarks/bench_import_limits.py (how fast and with how much memory).
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable
from pathlib import Path

from odf.opendocument import OpenDocumentSpreadsheet
from odf.table import Table, TableCell, TableRow
from odf.text import P
from openpyxl import Workbook

SHEET = "xl/worksheets/sheet1.xml"


def _base_xlsx(path: Path) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["统一社会信用代码", "企业名称"])
    sheet.append(["91210112MA0XK1WQ4J", "沈阳甲有限公司"])
    workbook.save(path)
    return path


def _rewrite(path: Path, replace: dict[str, Callable[[bytes, zipfile.ZipFile], None]]) -> Path:
    """Copy the .xlsx at ``path`` onto itself, writing (or adding) the parts in ``replace``."""
    source = zipfile.ZipFile(path)
    parts = [(member, source.read(member)) for member in source.infolist()]
    source.close()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target:
        for member, data in parts:
            if member.filename in replace:
                replace[member.filename](data, target)
            else:
                target.writestr(member, data)
        for name in replace.keys() - {member.filename for member, _ in parts}:
            replace[name](b"", target)
    return path


def _streamed(name: str, head: bytes, unit: bytes, count: int, tail: bytes):
    def write(_old: bytes, target: zipfile.ZipFile) -> None:
        with target.open(name, "w", force_zip64=True) as handle:
            handle.write(head)
            block = unit * 10_000
            for _ in range(count // 10_000):
                handle.write(block)
            handle.write(tail)

    return write


def shared_strings_bomb(path: Path, megabytes: int = 48) -> Path:
    """One sheet, and a shared-strings part of ``megabytes`` MB of one repeated text."""
    unit = b"<si><t>" + b"A" * 93 + b"</t></si>"  # 108 bytes
    count = megabytes * 1_000_000 // len(unit) // 10_000 * 10_000
    head = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        b'count="%d" uniqueCount="%d">' % (count, count)
    )
    name = "xl/sharedStrings.xml"
    return _rewrite(_base_xlsx(path), {name: _streamed(name, head, unit, count, b"</sst>")})


def dimension_bomb(path: Path, ref: str = "A1:XFD20000") -> Path:
    """A two-row sheet that declares the range ``ref``."""

    def write(data: bytes, target: zipfile.ZipFile) -> None:
        target.writestr(
            SHEET, re.sub(rb'<dimension ref="[^"]*"', f'<dimension ref="{ref}"'.encode(), data)
        )

    return _rewrite(_base_xlsx(path), {SHEET: write})


def blank_row_bomb(path: Path, rows: int = 2_000_000) -> Path:
    """A sheet of ``rows`` rows, each with one styled blank cell and no value."""

    def write(data: bytes, target: zipfile.ZipFile) -> None:
        head, _, _ = data.partition(b"<sheetData>")
        head = re.sub(rb"<dimension[^>]*/>", b"", head)
        _streamed(
            SHEET,
            head + b"<sheetData>",
            b'<row><c s="0"/></row>',
            rows,
            b"</sheetData></worksheet>",
        )(data, target)

    return _rewrite(_base_xlsx(path), {SHEET: write})


def ods_repeat_bomb(path: Path, *, rows: int = 1, columns: int = 1) -> Path:
    """An .ods whose one row (repeated ``rows`` times) holds one text cell repeated ``columns`` times."""
    document = OpenDocumentSpreadsheet()
    table = Table(name="企业")
    row = TableRow(numberrowsrepeated=rows)
    cell = TableCell(valuetype="string", numbercolumnsrepeated=columns)
    cell.addElement(P(text="91210112MA0XK1WQ4J"))
    row.addElement(cell)
    table.addElement(row)
    document.spreadsheet.addElement(table)
    document.save(str(path))
    return path


BOMBS: dict[str, Callable[[Path], Path]] = {
    "shared strings 48 MB": lambda tmp: shared_strings_bomb(tmp / "sst.xlsx"),
    "dimension A1:XFD20000": lambda tmp: dimension_bomb(tmp / "dim.xlsx"),
    "dimension A1:XFD1048576": lambda tmp: dimension_bomb(tmp / "dim_max.xlsx", "A1:XFD1048576"),
    "blank rows 2,000,000": lambda tmp: blank_row_bomb(tmp / "blank.xlsx"),
    "ods rows repeated 2,000,000": lambda tmp: ods_repeat_bomb(tmp / "rows.ods", rows=2_000_000),
    "ods cells repeated 16,384": lambda tmp: ods_repeat_bomb(tmp / "cols.ods", columns=16_384),
}
