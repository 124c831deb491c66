"""The analysis as an .xlsx for meetings: 问题清单, 技术清单, every node's scores, the rules used."""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

from .analysis import ChainAnalysis
from .rules import WEIGHTS

PROBLEM_COLUMNS = (
    ("序号 Rank", "rank", 8),
    ("节点 Node", "node_name", 26),
    ("类别 Class", "problem_class", 10),
    ("卡脖子指数 Score", "score", 14),
    ("维度 Dimensions", "dimensions", 22),
    ("攻关方式 Mode", "mode", 12),
    ("理由", "reason_zh", 60),
    ("Reason", "reason_en", 60),
    ("依据", "basis_zh", 60),
    ("Basis", "basis_en", 60),
    ("主要国外供应商 Foreign suppliers", "foreign_suppliers", 40),
    ("本地龙头 Local leader", "leader", 30),
    ("未知数据 Unknown", "unknown", 20),
    ("节点代号 Key", "node_key", 18),
)
TECHNOLOGY_COLUMNS = (
    ("序号 Rank", "rank", 8),
    ("关键技术 Technology", "technology_name", 36),
    ("Technology (en)", "technology_name_en", 36),
    ("节点 Node", "node_name", 26),
    ("得分 Score", "score", 10),
    ("受制程度 Control", "control", 12),
    ("成熟度 TRL", "maturity", 10),
    ("攻关方式 Mode", "mode", 12),
    ("理由", "reason_zh", 60),
    ("Reason", "reason_en", 60),
    ("节点代号 Key", "node_key", 18),
)
NODE_COLUMNS = (
    ("节点代号 Key", "key", 18),
    ("节点 Node", "name", 26),
    ("环节 Segment", "segment", 10),
    ("类别 Class", "problem_class", 10),
    ("卡脖子指数 Score", "score", 14),
    ("数据完整度 Completeness", "completeness", 14),
    ("技术受制 Technology control", "technology_control", 14),
    ("进口依赖 Import dependence", "import_dependence", 14),
    ("下游依赖 Criticality", "criticality", 12),
    ("下游节点数 Downstream nodes", "descendants", 12),
    ("本地企业 Local firms", "local_firms", 12),
    ("有能力 Capable", "capable_local_firms", 10),
    ("本地龙头 Leader", "leader", 30),
    ("国内能力 Domestic", "domestic_capability", 12),
    ("成熟度 TRL", "maturity", 10),
    ("问题清单 In list", "in_problem_list", 10),
    ("建议方式 Mode", "mode", 12),
)


def _cell(value):
    from ..documents.excel import safe_value

    if isinstance(value, list):
        return "；".join(str(v) for v in value) or None
    if isinstance(value, bool):
        return "是" if value else "否"
    return safe_value(value)


def write_analysis(
    analysis: ChainAnalysis, path: Path | BinaryIO, *, chain_name: str = "", version: str = ""
) -> Path | BinaryIO:
    """Write the workbook to ``path`` (a file name, or a binary stream for a download)."""
    from dataclasses import asdict

    from openpyxl import Workbook

    from ..documents.excel import HEADER_FILL, HEADER_FONT, NOTE_FONT

    workbook = Workbook()
    workbook.remove(workbook.active)
    tables = (
        ("问题清单 Problems", PROBLEM_COLUMNS, [asdict(p) for p in analysis.problems]),
        ("技术清单 Technologies", TECHNOLOGY_COLUMNS, [asdict(t) for t in analysis.technologies]),
        ("节点评分 Nodes", NODE_COLUMNS, analysis.node_rows()),
    )
    for title, columns, rows in tables:
        sheet = workbook.create_sheet(title)
        sheet.append([header for header, _, _ in columns])
        for cell, (_, _, width) in zip(sheet[1], columns, strict=True):
            cell.font, cell.fill = HEADER_FONT, HEADER_FILL
            sheet.column_dimensions[cell.column_letter].width = width
        sheet.freeze_panes = "B2"
        for row in rows:
            sheet.append([_cell(row.get(field)) for _, field, _ in columns])
    about = workbook.create_sheet("说明 About")
    rules = analysis.rules
    lines = [
        ("产业链 Chain", f"{chain_name} ({analysis.chain_key}) {version}".strip()),
        ("规则 Rules", f"{rules.label} — {rules.source}"),
        ("规则哈希 Rules SHA-256", rules.sha256),
        *((f"权重 weight: {name}", rules.weights[name]) for name in WEIGHTS),
        ("问题清单阈值 Problem-list threshold", rules.problem_min_score),
        ("技术清单阈值 Technology-list threshold", rules.technology_min_score),
        ("说明", "图谱节点为据公开资料整理的示意数据，结果仅供研究讨论，待主管部门论证确认。"),
        (
            "Note",
            (
                "The map is illustrative (written from public sources); the results are for "
                "discussion until a bureau confirms the data."
            ),
        ),
    ]
    for key, value in lines:
        about.append([key, _cell(value)])
    about.column_dimensions["A"].width = 34
    about.column_dimensions["B"].width = 90
    for row in about.iter_rows(min_row=len(lines) - 1):
        row[1].font = NOTE_FONT
    if isinstance(path, str):
        path = Path(path)
    workbook.save(path)
    return path
