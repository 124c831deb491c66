"""The tracks workbook: the matrix comparing tracks, and one sheet per requested track with
its firms (evidence and confidence), for meetings. Money in 元 as exact numbers."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook

from ..documents.excel import HEADER_FILL, HEADER_FONT, NOTE_FONT, safe_value
from . import figures
from .classify import FIELD_ZH
from .taxonomy import Catalogue


def _sheet(workbook, title: str, header: list[str], rows: list[list]) -> None:
    sheet = workbook.create_sheet(title[:31])
    sheet.append(header)
    for cell in sheet[1]:
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        sheet.column_dimensions[cell.column_letter].width = 18
    sheet.freeze_panes = "A2"
    for row in rows:
        sheet.append([safe_value(v) for v in row])


def write_workbook(
    conn, catalogue: Catalogue, scope, path: Path, tracks: list[str] = (), *, limit: int = 5000
) -> Path:
    workbook = Workbook()
    workbook.remove(workbook.active)
    matrix = figures.matrix(conn, catalogue, scope)
    _sheet(
        workbook,
        "赛道对比 Matrix",
        [
            "赛道 track",
            "名称 name",
            "企业数 firms",
            "营业收入（元）revenue",
            "有收入数据的企业 firms with revenue",
            "高新技术企业 HNTE",
            "年度 year",
        ],
        [
            [
                r["track"],
                r["name"],
                r["firms"],
                r["revenue"],
                r["revenue_known"],
                r["hnte"],
                r["year"],
            ]
            for r in matrix
        ],
    )
    from .service import firm_tracks

    for track in tracks:
        firms = figures.top_firms(conn, catalogue, track, scope, limit=limit)
        rows = []
        for f in firms:
            evidence = next(
                (t for t in firm_tracks(conn, f["id"]) if t["track"] in catalogue.members(track)),
                None,
            )
            said = "；".join(
                f"{FIELD_ZH.get(e[0], e[0])}:{e[1]}({e[2]})"
                for e in (evidence or {}).get("evidence", [])[:6]
            )
            rows.append(
                [f["credit_code"], f["name"], f["district"], f["revenue"], f["confidence"], said]
            )
        _sheet(
            workbook,
            f"{catalogue.tracks[track].name} {track}",
            [
                "统一社会信用代码",
                "企业名称",
                "区县",
                "营业收入（元）",
                "置信度 confidence",
                "证据 evidence",
            ],
            rows,
        )
    notes = workbook.create_sheet("说明 Notes")
    notes.append(
        [
            "赛道分类依据各分类文件（见 docs/tracks.md）；“证据”列出字段、命中词或代码及其权重；置信度为证据的 noisy-OR。"
        ]
    )
    notes.append(["营业收入为最新年度、已知数据的企业之和；未知不计为零。"])
    for row in notes.iter_rows():
        row[0].font = NOTE_FONT
    path = Path(path)
    workbook.save(path)
    return path
