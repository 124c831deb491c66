"""Import templates: an .xlsx with both header rows and a sheet documenting every column."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from ..documents.excel import HEADER_FILL, HEADER_FONT, NOTE_FONT, safe_value
from .kinds import KINDS


def write_template(kind_name: str, path: Path) -> Path:
    """Write the template of ``kind_name``: row 1 Chinese headers, row 2 English headers.

    Either header row alone is accepted on import, and the second is skipped when both are
    present, so a user fills in the template from row 3 on.
    """
    kind = KINDS[kind_name]
    workbook = Workbook()
    data = workbook.active
    data.title = f"{kind.zh} {kind.name}"[:31]
    for index, column in enumerate(kind.columns, start=1):
        zh = data.cell(row=1, column=index, value=column.zh)
        zh.font, zh.fill = HEADER_FONT, HEADER_FILL
        en = data.cell(row=2, column=index, value=column.name)
        en.font = NOTE_FONT
        width = max(len(column.zh) * 2, len(column.name), 12) + 2
        data.column_dimensions[get_column_letter(index)].width = width
    data.freeze_panes = "A3"

    fields = workbook.create_sheet("说明 Fields")
    titles = (
        "中文列名",
        "English column",
        "必填 Required",
        "类型",
        "Type",
        "说明",
        "Description",
        "示例 Example",
    )
    fields.append(titles)
    for cell in fields[1]:
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
    for column in kind.columns:
        fields.append(
            [
                safe_value(v)
                for v in (
                    column.zh,
                    column.name,
                    "是 yes" if column.required else "否 no",
                    column.type_zh,
                    column.type_en,
                    column.doc_zh,
                    column.doc_en,
                    column.example,
                )
            ]
        )
    for letter, width in zip("ABCDEFGH", (22, 22, 12, 16, 22, 50, 50, 22), strict=True):
        fields.column_dimensions[letter].width = width
    fields.append([])
    fields.append(
        ["所有金额单位为元，金额列的列名可写“（万元）”或“（亿元）”，如“销售收入（万元）”。"]
    )
    fields.append(["Money is in yuan; a money column's header may say (万元) or (亿元)."])
    fields.append(["空白单元格表示“未知”，不会按 0 处理。 A blank cell means unknown, never zero."])

    path = Path(path)
    workbook.save(path)
    return path
