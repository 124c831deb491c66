"""The payout list of a policy run as .xlsx (or .csv / .parquet): every enterprise and policy
with its amounts, outcome and the clauses and values that decided it; totals per policy and
per district; budget use. Every cell goes through the formula-injection guard."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from ..domain.money import fen_to_yuan
from ..policies.explanations import OUTCOME_TEXT, explain_row
from ..policies.runs import PolicyRun
from .excel import safe_value

HEADERS = [
    "统一社会信用代码 credit_code",
    "企业名称 name",
    "区县 district",
    "政策 policy",
    "状态 status",
    "结果 outcome",
    "应得（元） due",
    "核定（元） granted",
    "实发（元） paid",
    "预算排序 budget_rank",
    "已享受 superseded_by",
    "不符合条款 failed",
    "未知条款 unknown",
    "需补充数据 missing",
    "认定情况 basis",
]


def basis_texts(run: PolicyRun, rows: list[dict]) -> list[str]:
    """The 'why' of each payout row, from its policy's detail (clauses and values)."""
    wanted: dict[str, set[int]] = {}
    for row in rows:
        wanted.setdefault(row["policy"], set()).add(row["enterprise_id"])
    details = {}
    for ident, ids in wanted.items():
        table = run.detail.get(ident)
        if table is None:
            continue
        picked = table.filter(pc.is_in(table["enterprise_id"], pa.array(sorted(ids), pa.int64())))
        details[ident] = {r["enterprise_id"]: r for r in picked.to_pylist()}
    texts = []
    for row in rows:
        detail = details.get(row["policy"], {}).get(row["enterprise_id"])
        texts.append(
            explain_row(run.compiled[row["policy"]], {**detail, **row}).basis("zh")
            if detail
            else ""
        )
    return texts


def write_payouts(run: PolicyRun, path: Path, districts: dict[int, str]) -> None:
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        pq.write_table(run.results, path)
    elif suffix == ".csv":
        pacsv.write_csv(run.results, path)
    elif suffix == ".xlsx":
        _write_xlsx(run, path, districts)
    else:
        raise ValueError(
            f"不支持的格式 {suffix}（.xlsx、.csv、.parquet） / unsupported format {suffix}"
        )


def _write_xlsx(run: PolicyRun, path: Path, districts: dict[int, str]) -> None:
    from openpyxl import Workbook

    names = {p.id: p.name.zh for p in run.policies}
    book = Workbook(write_only=True)
    sheet = book.create_sheet("兑现清单 payouts")
    sheet.append([f"政策兑现清单 — 运行 run {run.run_id} · 数据基准日 as of {run.as_of}"])
    sheet.append(HEADERS)
    for batch in run.results.to_batches(20_000):
        rows = batch.to_pylist()
        for row, basis in zip(rows, basis_texts(run, rows)):
            outcome = OUTCOME_TEXT[row["outcome"]].zh if row["outcome"] else ""
            sheet.append(
                [
                    safe_value(v)
                    for v in (
                        row["credit_code"],
                        row["name"],
                        districts.get(row["district_id"], ""),
                        names[row["policy"]],
                        row["status"],
                        outcome,
                        fen_to_yuan(row["amount"]),
                        fen_to_yuan(row["amount_granted"]),
                        fen_to_yuan(row["amount_paid"]),
                        row["budget_rank"],
                        row["superseded_by"],
                        row["failed"],
                        row["unknown"],
                        row["missing"],
                        basis,
                    )
                ]
            )
    sheet = book.create_sheet("政策汇总 totals")
    sheet.append(
        [
            "政策 policy",
            "编号 id",
            "来源 provenance",
            "符合 eligible",
            "待定 undetermined",
            "不符合 ineligible",
            "全额 paid",
            "核减 reduced",
            "未获预算 unfunded",
            "不重复享受 excluded",
            "应得（元） due",
            "实发（元） paid",
            "预算（元） budget",
            "预算使用 budget use",
        ]
    )
    for p in run.policies:
        s = run.summary["policies"][p.id]
        o = s["outcomes"]
        sheet.append(
            [
                safe_value(v)
                for v in (
                    p.name.zh,
                    p.id,
                    p.provenance,
                    s["eligible"],
                    s["undetermined"],
                    s["ineligible"],
                    o["paid"],
                    o["reduced"],
                    o["unfunded"],
                    o["excluded"],
                    fen_to_yuan(s["due"]),
                    fen_to_yuan(s["paid"]),
                    fen_to_yuan(s["budget"]),
                    None if s["budget_used"] is None else round(s["budget_used"], 4),
                )
            ]
        )
    sheet = book.create_sheet("区县汇总 districts")
    sheet.append(["政策 policy", "区县 district", "实发（元） paid"])
    for policy, by_district in run.summary["by_district"].items():
        for district_id, fen in sorted(by_district.items(), key=lambda kv: -kv[1]):
            sheet.append(
                [
                    safe_value(names.get(policy, policy)),
                    safe_value(
                        districts.get(int(district_id)) if district_id.isdigit() else district_id
                    ),
                    fen / 100,
                ]
            )
    book.save(path)
