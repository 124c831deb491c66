"""Builders for import files used by the ingest tests."""

from __future__ import annotations

import csv
from pathlib import Path

from openpyxl import Workbook

from xinzhi.domain.credit_code import make_credit_code


def code(body: str, region: str = "210112") -> str:
    """A valid credit code for an 8-character organisation body."""
    return make_credit_code("9", "1", region, body)


def write_csv(path: Path, header: list[str], rows: list[list], encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_xlsx(path: Path, header_rows: list[list], rows: list[list]) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    for row in header_rows + rows:
        sheet.append(row)
    workbook.save(path)
    return path


DISTRICT_HEADER = ["区划代码", "名称", "城市", "省份", "类型", "数据日期"]
DISTRICT_ROWS = [
    ["210112", "浑南区", "沈阳市", "辽宁省", "市辖区", "2023-08-31"],
    ["210106", "铁西区", "沈阳市", "辽宁省", "市辖区", "2023-08-31"],
    ["210123", "康平县", "沈阳市", "辽宁省", "县", "2023-08-31"],
]
ENTERPRISE_HEADER = [
    "统一社会信用代码",
    "企业名称",
    "所属区县",
    "成立日期",
    "行业代码",
    "是否上市",
    "数据日期",
]


def enterprise_rows() -> list[list]:
    return [
        [
            code("MA0XK1W1"),
            "沈阳甲智能装备有限公司",
            "浑南区",
            "2015-03-18",
            "C3491",
            "否",
            "2023-08-31",
        ],
        [
            code("MA0XK1W2"),
            "沈阳乙生物医药有限公司",
            "210106",
            "2010-06-01",
            "2720",
            "否",
            "2023-08-31",
        ],
        [
            code("MA0XK1W3"),
            "沈阳丙软件有限公司",
            "浑南区",
            "2019-11-11",
            "I6513",
            "是",
            "2023-08-31",
        ],
    ]
