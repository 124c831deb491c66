"""The 图鉴's phrasing: numbers as the bureau writes them, and comparisons whose wording turns
when a trend reverses. Unknown reads 数据缺失, never 0."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

MISSING = "数据缺失"


def number(value, places: int | None = None) -> str:
    """19938, 249.3, 4-digit groups without separators as the 图鉴 writes them."""
    if value is None:
        return MISSING
    if isinstance(value, int) and places is None:
        return str(value)
    d = Decimal(value)
    if places is not None:
        d = d.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    text = format(d, "f")
    if "." in text and places is None:
        text = text.rstrip("0").rstrip(".")
    return text


def percent(value, places: int = 2) -> str:
    """99.69%, 196.5% (trailing zeros dropped, as published)."""
    if value is None:
        return MISSING
    text = number(value, places)
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{text}%"


def date_zh(value: dt.date | None) -> str:
    if value is None:
        return "日期未知"
    return f"{value.year}年{value.month}月{value.day}日"


def yoy(change_percent) -> str:
    """同比增长 56.11% / 同比下降 3.2% / 与上年同期持平; unknown: 同比数据缺失."""
    if change_percent is None:
        return f"同比{MISSING}"
    if change_percent > 0:
        return f"同比增长{percent(change_percent)}"
    if change_percent < 0:
        return f"同比下降{percent(-change_percent)}"
    return "与上年同期持平"


def versus_previous(
    change, before, previous_name: str, unit: str, places: int | None = None
) -> str:
    """较上月增加 12 家；the wording turns when the direction differs from the period before:
    "扭转上月下降态势" / "由上月增长转为下降". Unknown: 环比数据缺失."""
    if change is None:
        return f"较{previous_name}{MISSING}"
    if change > 0:
        text = f"较{previous_name}增加{number(change, places)}{unit}"
    elif change < 0:
        text = f"较{previous_name}减少{number(-change, places)}{unit}"
    else:
        text = f"与{previous_name}持平"
    if before is not None:
        if change > 0 and before < 0:
            text += f"，扭转{previous_name}下降态势"
        elif change < 0 and before > 0:
            text += f"，由{previous_name}增长转为下降"
    return text


def rank(position: int | None, of: int | None) -> str:
    if position is None or not of:
        return ""
    return f"，居全市第{position}位（共{of}个区县）"
