"""A what-if simulation as .xlsx: every firm whose payout changes, and the totals per policy.
Every cell goes through the formula-injection guard."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook

from ..domain.money import FEN_PER_YUAN
from ..policies.whatif import WhatIf
from .excel import safe_value


def write_whatif(result: WhatIf, path: Path, districts: dict[int, str]) -> None:
    """The firms whose payout changes (before, after, change in 元) and the totals per policy."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("模拟 what-if")
    sheet.append(
        [f"{result.policy_id}: " + ", ".join(f"{k}={v}" for k, v in result.changes.items())]
    )
    sheet.append(
        [
            "企业名称 name",
            "统一社会信用代码 credit_code",
            "区县 district",
            "政策 policy",
            "原结果 before",
            "新结果 after",
            "原金额（元） before",
            "新金额（元） after",
            "变化（元） change",
        ]
    )
    for row in result.changed.to_pylist():
        sheet.append(
            [
                safe_value(v)
                for v in (
                    row["name"],
                    row["credit_code"],
                    districts.get(row["district_id"], ""),
                    row["policy"],
                    row["outcome_before"],
                    row["outcome_after"],
                    row["paid_before"] / FEN_PER_YUAN,
                    row["paid_after"] / FEN_PER_YUAN,
                    row["change"] / FEN_PER_YUAN,
                )
            ]
        )
    sheet = book.create_sheet("汇总 totals")
    sheet.append(
        [
            "政策 policy",
            "原实发 paid before",
            "新实发 paid after",
            "原预算 budget before",
            "新预算 budget after",
        ]
    )
    for t in result.totals():
        sheet.append(
            [
                t["name"],
                t["paid_before"] / FEN_PER_YUAN,
                t["paid_after"] / FEN_PER_YUAN,
                None if t["budget_before"] is None else t["budget_before"] / FEN_PER_YUAN,
                None if t["budget_after"] is None else t["budget_after"] / FEN_PER_YUAN,
            ]
        )
    book.save(path)
