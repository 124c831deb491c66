"""Reporting periods of the bureau's briefings: a year, a quarter or a month.

Each period knows its first and last day, the period before it (last month, last quarter,
last year) and the same period a year earlier, so that every figure can be compared both
ways: 环比 (against the period before) and 同比 (year on year).
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from typing import Literal

from ..domain.errors import InvalidValue

Kind = Literal["annual", "quarterly", "monthly"]
KINDS: tuple[Kind, ...] = ("annual", "quarterly", "monthly")
KIND_ZH = {"annual": "年度", "quarterly": "季度", "monthly": "月度"}
QUARTER_ZH = ("一", "二", "三", "四")


@dataclass(frozen=True, order=True)
class Period:
    kind: Kind
    year: int
    number: int | None = None  # the quarter (1–4) or the month (1–12); None for a year

    @classmethod
    def parse(
        cls, kind: str, year: int, quarter: int | None = None, month: int | None = None
    ) -> Period:
        """The period named on a command line or in a form; a clear error when it is not one."""
        if kind not in KINDS:
            raise InvalidValue(
                "period_kind",
                f"简报类型“{kind}”无效：应为 annual（年度）、quarterly（季度）或 monthly（月度）",
                f"briefing kind '{kind}' is not annual, quarterly or monthly",
            )
        if not 1900 <= year <= 2999:
            raise InvalidValue("period_year", f"年份 {year} 无效", f"year {year} is not valid")
        if kind == "annual":
            if quarter is not None or month is not None:
                raise InvalidValue(
                    "period_extra",
                    "年度简报不需要 --quarter 或 --month",
                    "an annual briefing takes neither --quarter nor --month",
                )
            return cls("annual", year)
        if kind == "quarterly":
            if month is not None or quarter is None or not 1 <= quarter <= 4:
                raise InvalidValue(
                    "period_quarter",
                    "季度简报需要 --quarter 1–4（且不带 --month）",
                    "a quarterly briefing needs --quarter 1-4 (and no --month)",
                )
            return cls("quarterly", year, quarter)
        if quarter is not None or month is None or not 1 <= month <= 12:
            raise InvalidValue(
                "period_month",
                "月度简报需要 --month 1–12（且不带 --quarter）",
                "a monthly briefing needs --month 1-12 (and no --quarter)",
            )
        return cls("monthly", year, month)

    @property
    def first_month(self) -> int:
        if self.kind == "annual":
            return 1
        if self.kind == "quarterly":
            return 3 * (self.number - 1) + 1
        return self.number

    @property
    def last_month(self) -> int:
        if self.kind == "annual":
            return 12
        if self.kind == "quarterly":
            return 3 * self.number
        return self.number

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, self.first_month, 1)

    @property
    def end(self) -> dt.date:
        month = self.last_month
        return dt.date(self.year, month, calendar.monthrange(self.year, month)[1])

    @property
    def months(self) -> list[tuple[int, int]]:
        """(year, month) pairs the period covers."""
        return [(self.year, m) for m in range(self.first_month, self.last_month + 1)]

    def previous(self) -> Period:
        """The period just before: last year, last quarter, last month."""
        if self.kind == "annual":
            return Period("annual", self.year - 1)
        size = 4 if self.kind == "quarterly" else 12
        if self.number == 1:
            return Period(self.kind, self.year - 1, size)
        return Period(self.kind, self.year, self.number - 1)

    def year_ago(self) -> Period:
        return Period(self.kind, self.year - 1, self.number)

    @property
    def label_zh(self) -> str:
        if self.kind == "annual":
            return f"{self.year}年"
        if self.kind == "quarterly":
            return f"{self.year}年第{QUARTER_ZH[self.number - 1]}季度"
        return f"{self.year}年{self.number}月"

    @property
    def label_en(self) -> str:
        if self.kind == "annual":
            return str(self.year)
        if self.kind == "quarterly":
            return f"{self.year} Q{self.number}"
        return f"{calendar.month_abbr[self.number]} {self.year}"

    @property
    def comparison_zh(self) -> str:
        """How the period before is named in a sentence: 上年, 上季度, 上月."""
        return {"annual": "上年", "quarterly": "上季度", "monthly": "上月"}[self.kind]

    @property
    def slug(self) -> str:
        if self.kind == "annual":
            return str(self.year)
        prefix = "Q" if self.kind == "quarterly" else "M"
        return f"{self.year}-{prefix}{self.number:02d}"
