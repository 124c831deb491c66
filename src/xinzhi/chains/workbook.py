"""Chain maps as .xlsx: the template a bureau fills in, exports, and reading either back.

One sheet per record type — 产业链 chain, 节点 nodes, 连接 edges, 关键技术 technologies,
企业 enterprises — each with a Chinese header row and an English one (either alone is
accepted, as in the registry imports, whose header matcher binds them), and a 说明 Fields
sheet documenting every column. Reading is all or nothing: every problem is reported with
its sheet, row, column and reason in Chinese and English.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from ..documents.excel import FORMULA_START as FORMULA_START
from ..documents.excel import HEADER_FILL, HEADER_FONT, NOTE_FONT, safe_value
from ..domain.values import is_blank
from ..ingest.columns import Column
from ..ingest.headers import bind_header, is_header_row
from ..ingest.readers import ImportFileError
from .build import assemble, link_from_record, node_from_record, technology_from_record
from .fields import (
    CHAIN_FIELDS,
    EDGE_FIELDS,
    LINK_FIELDS,
    NODE_FIELDS,
    TECHNOLOGY_FIELDS,
    control_label,
    parse_fields,
)
from .problems import ChainFileError, Origin, Problems
from .spec import ChainSpec, EdgeSpec
from .vocab import Capability


@dataclass(frozen=True)
class Sheet:
    """A sheet of the chain workbook; shaped like an import kind for ``ingest.headers``."""

    name: str
    zh: str
    columns: tuple[Column, ...]
    required: bool

    @property
    def title(self) -> str:
        return f"{self.zh} {self.name}"


SHEETS = (
    Sheet("chain", "产业链", CHAIN_FIELDS, True),
    Sheet("nodes", "节点", NODE_FIELDS, True),
    Sheet("edges", "连接", EDGE_FIELDS, False),
    Sheet("technologies", "关键技术", TECHNOLOGY_FIELDS, False),
    Sheet("enterprises", "企业", LINK_FIELDS, False),
)
GUIDE_TITLE = "说明 Fields"
_IGNORED_PREFIXES = ("说明", "fields", "备注", "notes", "readme")


def _sheet_for(title: str) -> Sheet | None:
    folded = title.strip().lower()
    for sheet in SHEETS:
        if folded in (sheet.title.lower(), sheet.name, sheet.zh) or folded.startswith(sheet.zh):
            return sheet
    return None


def _filled(cells) -> bool:
    return any(not is_blank(cell) for cell in cells)


def _unguarded(cell):
    """A cell as written before ``excel.safe_value`` guarded it: "'-160℃" reads back "-160℃"."""
    if isinstance(cell, str) and cell[:1] == "'" and cell[1:2] and cell[1] in FORMULA_START:
        return cell[1:]
    return cell


# --- reading ---------------------------------------------------------------------------------


def read_xlsx(path: Path) -> ChainSpec:
    """Read a chain workbook; raise ``ChainFileError`` with every problem, or return the chain."""
    from openpyxl import load_workbook

    path = Path(path)
    problems = Problems()
    file_origin = Origin(file=path.name)
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # noqa: BLE001 - openpyxl raises many types for a bad file
        problems.add(
            file_origin,
            None,
            None,
            f"无法读取 Excel 文件：{error}",
            f"cannot read the Excel file: {error}",
            "unreadable",
        )
        raise ChainFileError(problems.items) from None
    records: dict[str, list[tuple[dict, Origin]]] = {sheet.name: [] for sheet in SHEETS}
    try:
        found: dict[str, str] = {}
        for worksheet in workbook.worksheets:
            sheet = _sheet_for(worksheet.title)
            if sheet is None:
                if not worksheet.title.strip().lower().startswith(_IGNORED_PREFIXES):
                    problems.add(
                        Origin(path.name, worksheet.title),
                        None,
                        None,
                        "无法识别的工作表；可用：" + "、".join(s.title for s in SHEETS),
                        "unknown sheet; expected: " + ", ".join(s.title for s in SHEETS),
                        "unknown_sheet",
                    )
                continue
            if sheet.name in found:
                problems.add(
                    Origin(path.name, worksheet.title),
                    None,
                    None,
                    f"与工作表“{found[sheet.name]}”重复",
                    f"repeats sheet '{found[sheet.name]}'",
                    "duplicate_sheet",
                )
                continue
            found[sheet.name] = worksheet.title
            records[sheet.name] = _read_sheet(worksheet, sheet, path.name, problems)
        for sheet in SHEETS:
            if sheet.required and sheet.name not in found:
                problems.add(
                    file_origin,
                    None,
                    None,
                    f"缺少工作表“{sheet.title}”",
                    f"missing sheet '{sheet.title}'",
                    "missing_sheet",
                )
    finally:
        workbook.close()
    problems.raise_if_any()
    return _assemble(records, path.name, problems)


def _read_sheet(
    worksheet, sheet: Sheet, file: str, problems: Problems
) -> list[tuple[dict, Origin]]:
    rows = (
        (number, list(cells))
        for number, cells in enumerate(worksheet.iter_rows(values_only=True), start=1)
        if _filled(cells)
    )
    header_row = next(rows, None)
    if header_row is None:
        if sheet.required:
            problems.add(
                Origin(file, worksheet.title),
                None,
                None,
                "工作表为空",
                "the sheet is empty",
                "empty_sheet",
            )
        return []
    number, header = header_row
    try:
        bound = bind_header(sheet, ["" if cell is None else str(cell) for cell in header])
    except ImportFileError as error:
        problems.add(
            Origin(file, worksheet.title, number), None, None, error.zh, error.en, "header"
        )
        return []
    header_of = {b.column.name: b.header for b in bound}
    out = []
    first = True
    for number, cells in rows:
        if first:
            first = False
            if is_header_row(sheet, cells):
                continue  # the template's English header row
        raw = {
            b.column.name: _unguarded(cells[b.index]) if b.index < len(cells) else None
            for b in bound
        }
        origin = Origin(file, worksheet.title, number)
        parsed = parse_fields(sheet.columns, raw, origin, problems, header_of)
        if parsed is not None:
            out.append((parsed, origin))
    return out


def _assemble(
    records: dict[str, list[tuple[dict, Origin]]], file: str, problems: Problems
) -> ChainSpec:
    chain_rows = records["chain"]
    if len(chain_rows) != 1:
        origin = chain_rows[1][1] if len(chain_rows) > 1 else Origin(file, "产业链 chain")
        problems.add(
            origin,
            None,
            None,
            "“产业链”工作表应恰好有一行数据",
            "the chain sheet must have exactly one data row",
            "chain_rows",
        )
        raise ChainFileError(problems.items)
    fields, origin = chain_rows[0]
    chain = ChainSpec(**fields, origin=origin)
    nodes = [node_from_record(f, o) for f, o in records["nodes"]]
    if not nodes:
        problems.add(
            Origin(file, "节点 nodes"),
            None,
            None,
            "产业链没有节点",
            "the chain has no nodes",
            "no_nodes",
        )
    edges = [EdgeSpec(f["source"], f["target"], o) for f, o in records["edges"]]
    technologies = [(f["node"], technology_from_record(f, o)) for f, o in records["technologies"]]
    links = [(f["node"], link_from_record(f, o)) for f, o in records["enterprises"]]
    chain = assemble(chain, nodes, edges, technologies, links, problems, node_label="node")
    problems.raise_if_any()
    return chain


# --- writing ---------------------------------------------------------------------------------


def _cell(value):
    if value is None:
        return None
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        return "；".join(value) if value else None
    if hasattr(value, "zh") and hasattr(value, "value"):
        return value.zh
    if isinstance(value, Decimal | int | float | dt.date):
        return value
    return safe_value(value)


def _rows(chain: ChainSpec) -> dict[str, list[list]]:
    rows: dict[str, list[list]] = {sheet.name: [] for sheet in SHEETS}
    rows["chain"].append(
        [chain.key, chain.name, chain.name_en, chain.description, chain.as_of, chain.source]
    )
    for node in chain.nodes:
        rows["nodes"].append(
            [
                node.key,
                node.name,
                node.segment,
                node.kind,
                node.name_en,
                node.problem_class,
                node.domestic_status,
                node.import_dependence,
                node.foreign_suppliers,
                node.domestic_suppliers,
                node.keywords,
                node.industry_codes,
                node.platforms,
                node.illustrative,
                node.source,
                node.note,
            ]
        )
        for t in node.technologies:
            rows["technologies"].append(
                [
                    node.key,
                    t.name,
                    t.name_en,
                    control_label(t.control),
                    t.maturity,
                    t.illustrative,
                    t.note,
                ]
            )
        for link in node.enterprises:
            capability = Capability.of(link.capability).zh if link.capability else None
            rows["enterprises"].append(
                [
                    node.key,
                    link.enterprise_name,
                    link.credit_code,
                    capability,
                    link.role,
                    link.illustrative,
                    link.note,
                ]
            )
    rows["edges"] = [[edge.source, edge.target] for edge in chain.edges]
    return rows


def write_xlsx(chain: ChainSpec | None, path: Path) -> Path:
    """Write ``chain`` as a workbook, or the empty template when ``chain`` is None."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    workbook.remove(workbook.active)
    rows = _rows(chain) if chain is not None else {}
    for sheet in SHEETS:
        ws = workbook.create_sheet(sheet.title)
        for index, column in enumerate(sheet.columns, start=1):
            zh = ws.cell(row=1, column=index, value=column.zh)
            zh.font, zh.fill = HEADER_FONT, HEADER_FILL
            ws.cell(row=2, column=index, value=column.name).font = NOTE_FONT
            width = max(len(column.zh) * 2, len(column.name), 12) + 2
            ws.column_dimensions[get_column_letter(index)].width = min(width, 40)
        ws.freeze_panes = "A3"
        for values in rows.get(sheet.name, []):
            ws.append([_cell(v) for v in values])
    _write_guide(workbook.create_sheet(GUIDE_TITLE))
    path = Path(path)
    workbook.save(path)
    return path


def _write_guide(ws) -> None:
    ws.append(
        (
            "工作表 Sheet",
            "中文列名",
            "English column",
            "必填 Required",
            "类型",
            "Type",
            "说明",
            "Description",
            "示例 Example",
        )
    )
    for cell in ws[1]:
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
    for sheet in SHEETS:
        for column in sheet.columns:
            ws.append(
                [
                    safe_value(v)
                    for v in (
                        sheet.title,
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
    for letter, width in zip("ABCDEFGHI", (16, 18, 20, 12, 14, 18, 50, 50, 24), strict=True):
        ws.column_dimensions[letter].width = width
    ws.append([])
    for line in (
        (
            "先填“产业链”（一行）和“节点”，再在“连接”中写明哪个节点是哪个节点的投入（上游节点 → 下游节点），"
            "连接不能构成环路。"
        ),
        (
            "Fill in the chain sheet (one row) and the nodes, then the edges: which node is an input "
            "to which (source → target); edges must not form a cycle."
        ),
        "空白单元格表示“未知”，不会按 0 处理。 A blank cell means unknown, never zero.",
        "导入：xinzhi chain import 文件.xlsx（有任何错误则不导入，并生成错误报告）。",
        "Import with `xinzhi chain import FILE.xlsx`: any error and nothing is imported.",
    ):
        ws.append([line])


def fields_markdown() -> str:
    """The sheets and their columns as Markdown tables (docs/chains.md includes it verbatim)."""
    lines = []
    for sheet in SHEETS:
        lines += [
            f"### {sheet.title}" + ("" if sheet.required else "（可选 optional）"),
            "",
            "| 中文列名 | column | required | 说明 | description | 示例 example |",
            "|---|---|---|---|---|---|",
        ]
        for c in sheet.columns:
            cells = (
                c.zh,
                f"`{c.name}`",
                "yes" if c.required else "no",
                c.doc_zh,
                c.doc_en,
                c.example,
            )
            lines.append("| " + " | ".join(str(x).replace("|", "\\|") for x in cells) + " |")
        lines.append("")
    return "\n".join(lines)
