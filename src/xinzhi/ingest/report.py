"""The error report of a rejected import: one .xlsx row per problem, in Chinese and English."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from ..documents.excel import HEADER_FILL, HEADER_FONT, safe_value
from .pipeline import MAX_ERRORS, ImportResult

COLUMNS = (
    ("行号 Row", 10),
    ("列 Column", 28),
    ("值 Value", 28),
    ("原因", 60),
    ("Reason", 60),
    ("错误代码 Code", 22),
)


def write_error_report(result: ImportResult, path: Path) -> Path:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("错误 Errors")
    for letter, (_, width) in zip("ABCDEF", COLUMNS, strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"
    header = []
    for title, _ in COLUMNS:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        header.append(cell)
    sheet.append(header)
    for error in result.errors:
        sheet.append(
            [
                safe_value(v)
                for v in (error.row, error.column, error.value, error.zh, error.en, error.code)
            ]
        )

    summary = workbook.create_sheet("摘要 Summary")
    summary.column_dimensions["A"].width = 30
    summary.column_dimensions["B"].width = 60
    lines = [
        ("文件 File", result.source),
        ("数据类型 Kind", result.kind),
        ("数据行数 Rows", result.rows),
        ("错误数 Errors", result.error_count),
        ("结果 Outcome", "未导入任何数据（整体回滚） / nothing was imported (rolled back)"),
    ]
    if result.error_count > len(result.errors):
        lines.append(
            (
                "说明 Note",
                f"仅列出前 {MAX_ERRORS} 个错误 / only the first {MAX_ERRORS} errors are listed",
            )
        )
    for key, value in lines:
        summary.append([key, safe_value(value)])
    path = Path(path)
    workbook.save(path)
    return path
