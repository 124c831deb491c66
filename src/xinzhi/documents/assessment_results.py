"""Write a run's results: .parquet, .csv or .xlsx (a summary sheet, then one sheet per
assessment with every clause's value). Every cell goes through the formula-injection guard."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from ..assessments.runs import RunResult
from .excel import safe_value

SUMMARY_HEADERS = [
    "统一社会信用代码 credit_code",
    "企业名称 name",
    "评价 assessment",
    "结果 status",
    "是否符合 passed",
    "最低分 score_low",
    "最高分 score_high",
    "不符合条款 failed_clauses",
    "未知条款 unknown_clauses",
    "需补充数据 missing",
    "差距 gap",
    "gap (en)",
]


def summary_table(result: RunResult) -> pa.Table:
    r = result.results
    passed = pc.if_else(
        pc.equal(r["status"], "undetermined"),
        pa.scalar(None, pa.bool_()),
        pc.equal(r["status"], "pass"),
    )
    return pa.table(
        {
            "credit_code": r["credit_code"],
            "name": r["name"],
            "assessment": r["assessment"],
            "status": r["status"],
            "passed": passed,
            "score_low": r["score_low"],
            "score_high": r["score_high"],
            "failed_clauses": r["failed"],
            "unknown_clauses": r["unknown"],
            "missing": r["missing"],
            "gap": r["gap_zh"],
            "gap_en": r["gap_en"],
        }
    )


def write_results(result: RunResult, path: Path) -> None:
    suffix = path.suffix.lower()
    table = summary_table(result)
    if suffix == ".parquet":
        pq.write_table(table, path)
    elif suffix == ".csv":
        pacsv.write_csv(table, path)
    elif suffix == ".xlsx":
        _write_xlsx(result, table, path)
    else:
        raise ValueError(
            f"不支持的格式 {suffix}（.xlsx、.csv、.parquet） / unsupported format {suffix}"
        )


def _write_xlsx(result: RunResult, table: pa.Table, path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("结果 results")
    sheet.append([f"基准日 as of {result.as_of}"])
    sheet.append(SUMMARY_HEADERS)
    for row in table.to_pylist():
        sheet.append([safe_value(v) for v in row.values()])
    for declaration in result.declarations:
        detail = result.detail[declaration.id]
        sheet = book.create_sheet(declaration.id[:31])
        sheet.append(
            [
                (
                    f"{declaration.name.zh} {declaration.name.en} — {declaration.region_name.zh}"
                    f" {declaration.version}, 基准日 as of {result.as_of}"
                )
            ]
        )
        columns = [c for c in detail.column_names if c not in ("enterprise_id", "district_id")]
        sheet.append(columns)
        for batch in detail.select(columns).to_batches(50_000):
            for row in batch.to_pylist():
                sheet.append([safe_value(v) for v in row.values()])
    book.save(path)
