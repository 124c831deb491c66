"""Spreadsheets shaped as bureaus send them (issue #17), written as .xlsx, .xls, .ods or .csv.

A sheet is a list of rows (None for an empty cell); ``merged`` ranges are merged in .xlsx
and .xls. The .xls files are written by xlwt (BIFF8, as Excel 97–2003 and WPS save them),
the .ods ones by odfpy.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import xlwt
from odf.opendocument import OpenDocumentSpreadsheet
from odf.table import Table, TableCell, TableRow
from odf.text import P
from openpyxl import Workbook

from .helpers import code

TITLE = "沈阳市科技型企业名单（2023年）"
FIRMS = [
    # 序号, code as typed, name, district, founded, revenue 万元 as typed
    (1, code("MA0XK1W1"), "沈阳甲智能装备有限公司", "浑南区", "1987年9月15日", "１，２３４．５"),
    (2, code("MA0XK1W2").lower(), "沈阳乙生物医药有限公司", "铁西区", "1998/11/11", "2,000"),
    (
        3,
        " ".join([code("MA0XK1W4")[:4], code("MA0XK1W4")[4:]]),
        "沈阳丁新材料有限公司",
        "浑南区",
        dt.date(2012, 5, 4),
        88.25,
    ),
]
# the third code, full-width: the pipeline's normaliser must take it too
FIRMS.append(
    (
        4,
        "".join(chr(ord(ch) + 0xFEE0) for ch in code("MA0XK1W5")),
        "沈阳戊软件有限公司",
        "康平县",
        "2020-01-02",
        "0",
    )
)
HEADER = ["序号", "统一社会信用代码", "企业名称", "所属区县", "成立日期", "营业收入（万元）"]


def district_list(
    *, totals: str | None = "３３２２.７５", notes: bool = True, unit_line: bool = False
) -> tuple[list[list], list[tuple]]:
    """The district's list of firms: title, (unit line), header, rows, totals row, notes."""
    rows: list[list] = [[TITLE, None, None, None, None, None]]
    merged = [(0, 0, 0, 5)]  # (first row, last row, first column, last column), 0-based
    header = list(HEADER)
    if unit_line:
        rows.append([None, None, None, None, None, "单位：万元"])
        header[-1] = "营业收入"
    rows.append(header)
    rows += [list(firm) for firm in FIRMS]
    if totals is not None:
        rows.append(["合计", None, None, None, None, totals])
    if notes:
        rows.append([None])
        rows.append(["注：营业收入为2023年全年数据。"])
        rows.append(["填表人：张三", None, None, "联系电话：024-12345678"])
    return rows, merged


def write_xlsx(path: Path, sheets: dict[str, tuple[list[list], list[tuple]]], hidden=()) -> Path:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, (rows, merged) in sheets.items():
        sheet = workbook.create_sheet(name)
        for row in rows:
            sheet.append(row)
        for first_row, last_row, first_col, last_col in merged:
            sheet.merge_cells(
                start_row=first_row + 1,
                end_row=last_row + 1,
                start_column=first_col + 1,
                end_column=last_col + 1,
            )
        if name in hidden:
            sheet.sheet_state = "hidden"
    workbook.save(path)
    return path


def write_xls(path: Path, sheets: dict[str, tuple[list[list], list[tuple]]]) -> Path:
    workbook = xlwt.Workbook(encoding="utf-8")
    date_style = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    for name, (rows, merged) in sheets.items():
        sheet = workbook.add_sheet(name)
        merged_cells = {(r, c) for r, _, c, _ in merged}
        for first_row, last_row, first_col, last_col in merged:
            sheet.write_merge(first_row, last_row, first_col, last_col, rows[first_row][first_col])
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is None or (r, c) in merged_cells:
                    continue
                if isinstance(value, dt.date):
                    sheet.write(r, c, value, date_style)
                else:
                    sheet.write(r, c, value)
    workbook.save(str(path))
    return path


def write_ods(path: Path, sheets: dict[str, tuple[list[list], list[tuple]]]) -> Path:
    document = OpenDocumentSpreadsheet()
    for name, (rows, _) in sheets.items():
        table = Table(name=name)
        for row in rows:
            table_row = TableRow()
            for value in row:
                if value is None:
                    table_row.addElement(TableCell())
                elif isinstance(value, dt.date):
                    cell = TableCell(valuetype="date", datevalue=value.isoformat())
                    cell.addElement(P(text=value.isoformat()))
                    table_row.addElement(cell)
                elif isinstance(value, int | float):
                    cell = TableCell(valuetype="float", value=value)
                    cell.addElement(P(text=str(value)))
                    table_row.addElement(cell)
                else:
                    cell = TableCell(valuetype="string")
                    cell.addElement(P(text=str(value)))
                    table_row.addElement(cell)
            table.addElement(table_row)
        document.spreadsheet.addElement(table)
    document.save(str(path))
    return path


def write_csv(path: Path, rows: list[list], encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        csv.writer(handle).writerows(
            [
                ["" if v is None else (v.isoformat() if isinstance(v, dt.date) else v) for v in row]
                for row in rows
            ]
        )
    return path


WRITERS = {
    "xlsx": lambda path, rows, merged: write_xlsx(path, {"名单": (rows, merged)}),
    "xls": lambda path, rows, merged: write_xls(path, {"名单": (rows, merged)}),
    "ods": lambda path, rows, merged: write_ods(path, {"名单": (rows, merged)}),
    "csv": lambda path, rows, merged: write_csv(path, rows, "gb18030"),
}
