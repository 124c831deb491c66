"""Cell values from CSV and Excel: money, counts, ratios, dates, years, yes/no and text.

A cell arrives as ``str`` (CSV, or text cells in Excel), ``int``/``float`` (Excel numbers),
``Decimal``, ``datetime.date``/``datetime.datetime`` (Excel dates), ``bool`` or ``None``.
Every parser either returns an exact value or raises ``InvalidValue`` naming the cell's value.
Numbers are exact ``Decimal`` (RULES.md §8.3): Excel floats go through ``repr``, which gives
the shortest decimal that reads back as the same float, i.e. the number the user typed.
"""

from __future__ import annotations

import datetime as dt
import math
import operator
import re
import time
from decimal import Decimal, localcontext

from .errors import InvalidValue
from .text import to_halfwidth

# --- helpers ---------------------------------------------------------------------------------

_today_cache: tuple[float, dt.date] = (0.0, dt.date.min)


def today() -> dt.date:
    """Today's date, looked up at most once a minute: date.today() costs more than parsing a
    cell, and range checks run on every date and year of a million-row file."""
    global _today_cache
    now = time.monotonic()
    if now - _today_cache[0] > 60:
        _today_cache = (now, dt.date.today())
    return _today_cache[1]


# Plain digits or digits grouped by thousands, optional sign and decimals: "1,234.50", "-12".
_NUMBER = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?")
# Excel writes big numbers to CSV like this, after dropping digits beyond the 15th.
_SCIENTIFIC = re.compile(r"[+-]?\d+(?:\.\d+)?E[+-]?\d+", re.IGNORECASE)


def _shown(value: object) -> str:
    """The value as quoted in a message, cut short if a cell holds a paragraph."""
    text = str(value)
    return text if len(text) <= 40 else text[:37] + "…"


def _exact_product(a: Decimal, b: Decimal) -> Decimal:
    """a × b without rounding: the default context would round to 28 digits silently."""
    with localcontext() as context:
        context.prec = len(a.as_tuple().digits) + len(b.as_tuple().digits)
        return a * b


def _decimal_places(d: Decimal) -> int:
    """Decimal places of the exact value, trailing zeros not counted ("1.500" has 1).

    Works on the digits, not by arithmetic, so no context precision or exponent limit applies.
    """
    _sign, digits, exponent = d.as_tuple()
    significant = "".join(map(str, digits)).rstrip("0")
    if not significant:
        return 0
    return max(0, -(exponent + len(digits) - len(significant)))


def _to_decimal(value: object, *, code: str) -> Decimal | None:
    """The exact number in a cell, or None if the cell is not a finite number."""
    if isinstance(value, bool):
        return None  # bool is an int subclass, but TRUE is not 1 yuan
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value)) if math.isfinite(value) else None
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if isinstance(value, str):
        text = to_halfwidth(value).strip()
        if _NUMBER.fullmatch(text):
            return Decimal(text.replace(",", ""))
        if _SCIENTIFIC.fullmatch(text):
            raise InvalidValue(
                code,
                f"“{_shown(value)}”是科学计数法，可能已丢失末位数字；请在Excel中把该列设为数值格式后重新导出",
                f"'{_shown(value)}' is in scientific notation and may have lost digits; format "
                "the column as a number in Excel and export again",
            )
    return None


def _not_a_number(value: object, code: str, zh_kind: str, en_kind: str) -> InvalidValue:
    return InvalidValue(
        code, f"“{_shown(value)}”不是{zh_kind}", f"'{_shown(value)}' is not {en_kind}"
    )


def is_blank(v: object) -> bool:
    """None, the empty string or whitespace only (including U+3000 and NBSP)."""
    return v is None or (isinstance(v, str) and not v.strip())


# --- money -----------------------------------------------------------------------------------

# 10^15 元 (1,000 万亿) is far beyond any real amount and keeps fen inside a 64-bit integer.
_MONEY_LIMIT = Decimal(10) ** 15


def parse_money(v: object, *, scale: Decimal = Decimal(1)) -> Decimal:
    """A non-negative amount in 元, exact; ``scale`` converts the column's unit (万元 → 10000)."""
    return _parse_amount(v, scale, signed=False)


def parse_signed_money(v: object, *, scale: Decimal = Decimal(1)) -> Decimal:
    """Like ``parse_money`` but negatives are allowed (profit, net assets)."""
    return _parse_amount(v, scale, signed=True)


def _parse_amount(v: object, scale: Decimal, *, signed: bool) -> Decimal:
    number = _to_decimal(v, code="money_format")
    if number is None:
        raise _not_a_number(v, "money_format", "金额", "an amount of money")
    if number < 0 and not signed:
        raise InvalidValue(
            "money_negative",
            f"金额不能为负数：{_shown(v)}",
            f"the amount must not be negative: {_shown(v)}",
        )
    # Absurd exponents are settled before multiplying: the exact product would need
    # millions of digits or leave the Decimal exponent range.
    if number and number.adjusted() >= 20:
        raise _money_out_of_range(v)
    if number and number.adjusted() < -20:
        amount = number  # far below one fen whatever the unit: a precision error below
    else:
        amount = _exact_product(number, Decimal(scale))
    if abs(amount) >= _MONEY_LIMIT:
        raise _money_out_of_range(v)
    if _decimal_places(amount) > 2:
        unit = "" if scale == 1 else f"（按单位换算为 {amount} 元）"
        unit_en = "" if scale == 1 else f" ({amount} yuan after converting the unit)"
        raise InvalidValue(
            "money_precision",
            f"金额最多精确到分（0.01元）：{_shown(v)}{unit}",
            f"an amount has at most 2 decimal places in yuan (fen): {_shown(v)}{unit_en}",
        )
    return amount.copy_abs() if amount == 0 else amount  # no "-0"


def parse_money_fen(v: object, scale: Decimal = Decimal(1), *, signed: bool = False) -> int:
    """``parse_money`` (or ``parse_signed_money``) as whole fen, fast for plain cells.

    The common cell — ASCII digits with at most 2 decimals, in yuan — converts without
    Decimal: a million-row import has ten million of them. Anything else takes the exact path.
    """
    if v.__class__ is str and scale == 1:
        yuan, dot, cents = v.partition(".")
        if (
            yuan.isascii()
            and yuan.isdigit()
            and len(yuan) <= 15
            and (not dot or (0 < len(cents) <= 2 and cents.isascii() and cents.isdigit()))
        ):
            return int(yuan + (cents + "0")[:2]) if dot else int(yuan) * 100
    return to_fen(_parse_amount(v, scale, signed=signed))


def _money_out_of_range(v: object) -> InvalidValue:
    return InvalidValue(
        "money_range",
        f"金额超出范围（应小于1000万亿元）：{_shown(v)}",
        f"the amount is out of range (must be below 10^15 yuan): {_shown(v)}",
    )


def to_fen(d: Decimal) -> int:
    """Whole fen (分) of an amount in 元; refuses amounts that are not whole fen."""
    if not d.is_finite() or _decimal_places(d) > 2:
        raise InvalidValue(
            "money_precision",
            f"金额不是整数分：{d}",
            f"the amount is not a whole number of fen: {d}",
        )
    # Integer arithmetic on the digits: exact at any size, no Decimal context involved.
    sign, digits, exponent = d.as_tuple()
    coefficient = int("".join(map(str, digits)))
    shift = exponent + 2
    fen = coefficient * 10**shift if shift >= 0 else coefficient // 10**-shift
    return -fen if sign else fen


def from_fen(i: int) -> Decimal:
    """Amount in 元 with exactly 2 decimal places, e.g. 12345 → Decimal("123.45")."""
    return Decimal(f"{operator.index(i)}E-2")


# --- counts and ratios -----------------------------------------------------------------------

_COUNT_LIMIT = 2**31 - 1  # the largest value of a SQL INTEGER column
_PERCENT = Decimal("0.01")


def _not_negative(v: object, code: str, kind: tuple[str, str], what: tuple[str, str]) -> Decimal:
    """The number in a cell, refused (``<code>_format``, ``<code>_negative``) when it is not a
    number (``kind``: what it should be) or below zero (``what``: what it is)."""
    number = _to_decimal(v, code=f"{code}_format")
    if number is None:
        raise _not_a_number(v, f"{code}_format", *kind)
    if number < 0:
        raise InvalidValue(
            f"{code}_negative",
            f"{what[0]}不能为负数：{_shown(v)}",
            f"{what[1]} must not be negative: {_shown(v)}",
        )
    return number


def parse_count(v: object) -> int:
    """A non-negative whole number: "12", 12 and 12.0 are fine; "12.5" and -1 are not."""
    if type(v) is str and v.isascii() and v.isdigit() and len(v) <= 9:
        return int(v)  # the common cell, without Decimal
    number = _not_negative(v, "count", ("整数", "a whole number"), ("数量", "a count"))
    if number > _COUNT_LIMIT:
        raise InvalidValue(
            "count_range",
            f"数量过大：{_shown(v)}",
            f"the count is too large (at most {_COUNT_LIMIT}): {_shown(v)}",
        )
    if _decimal_places(number) > 0:
        raise InvalidValue(
            "count_format",
            f"数量应为整数：{_shown(v)}",
            f"a count must be a whole number: {_shown(v)}",
        )
    return int(number)


_HEADCOUNT_LIMIT = Decimal(10) ** 9  # a billion staff: beyond any firm, hundredths fit 64 bits


def parse_headcount(v: object) -> int:
    """A staff count in **hundredths** of a person: "12", "12.5", "12.25" → 1200, 1250, 1225.

    Staff counts are yearly averages of monthly averages (全年月平均数), so they may be
    fractional; two decimal places are kept exactly — rounding could move a firm across the
    10 % S&T-staff line. More places, a negative or a non-number is refused."""
    if type(v) is str and v.isascii():
        whole, dot, part = v.partition(".")
        if (
            whole.isdigit()
            and len(whole) <= 9
            and (not dot or (0 < len(part) <= 2 and part.isdigit()))
        ):
            return int(whole) * 100 + (int((part + "0")[:2]) if dot else 0)
    number = _not_negative(v, "headcount", ("人数", "a number of staff"), ("人数", "a staff count"))
    if number >= _HEADCOUNT_LIMIT:
        raise InvalidValue(
            "headcount_range",
            f"人数过大：{_shown(v)}",
            f"the staff count is too large (below {_HEADCOUNT_LIMIT:,}): {_shown(v)}",
        )
    if _decimal_places(number) > 2:
        raise InvalidValue(
            "headcount_precision",
            f"人数最多保留两位小数（全年月平均数）：{_shown(v)}",
            f"a staff count has at most 2 decimal places (a yearly average): {_shown(v)}",
        )
    return int(number * 100)


def from_hundredths(i: int) -> Decimal:
    """A staff count stored in hundredths as a number of persons: 1225 → Decimal("12.25")."""
    return Decimal(f"{operator.index(i)}E-2")


def parse_ratio(v: object) -> Decimal:
    """A share between 0 and 1 inclusive: "0.35" or "35%" both give Decimal("0.35")."""
    percent = False
    if isinstance(v, str):
        text = to_halfwidth(v).strip()
        percent = text.endswith("%")
        number = _to_decimal(text.removesuffix("%").rstrip(), code="ratio_format")
    else:
        number = _to_decimal(v, code="ratio_format")
    if number is None:
        raise _not_a_number(
            v, "ratio_format", "比例（如 0.35 或 35%）", "a ratio (e.g. 0.35 or 35%)"
        )
    if not 0 <= number <= (100 if percent else 1):
        looks_like_percent = not percent and 1 < number <= 100
        hint_zh = "；百分数请加“%”" if looks_like_percent else ""
        hint_en = "; write percentages with '%'" if looks_like_percent else ""
        raise InvalidValue(
            "ratio_range",
            f"比例应在0到1之间（或0%到100%）：{_shown(v)}{hint_zh}",
            f"a ratio must be between 0 and 1 (or 0% and 100%): {_shown(v)}{hint_en}",
        )
    ratio = _exact_product(number, _PERCENT) if percent else number
    return ratio.copy_abs() if ratio == 0 else ratio  # no "-0"


# --- dates and years -------------------------------------------------------------------------

# 1949-10-01: the founding of the PRC, the earliest date the registry records.
_EARLIEST_DATE = dt.date(1949, 10, 1)
_EARLIEST_YEAR = 1949

_DATE_SEPARATED = re.compile(
    r"(\d{4})([-/.])(\d{1,2})\2(\d{1,2})"
)  # 2023-05-01, 2023/5/1, 2023.05.01
_DATE_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")  # 20230501
_DATE_CHINESE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")  # 2023年5月1日
# A date printed from a datetime ("2023-05-01 00:00:00"): the midnight time carries nothing.
_MIDNIGHT = re.compile(r"(?:\s+|T)00:00(?::00(?:\.0+)?)?$")
_EXCEL_SERIAL = re.compile(r"\d{1,5}(?:\.\d+)?")


def parse_date(v: object, *, allow_future: bool = False) -> dt.date:
    """A date from a date cell or text: 2023-05-01, 2023/5/1, 2023.05.01, 20230501, 2023年5月1日."""
    if isinstance(v, dt.datetime):  # before date: datetime is a subclass of date
        day = v.date()
    elif isinstance(v, dt.date):
        day = v
    else:
        day = _date_from_text(v)
    if day < _EARLIEST_DATE or (not allow_future and day > today()):
        upper_zh, upper_en = (
            ("", "") if allow_future else ("，且不能晚于今天", " and not in the future")
        )
        raise InvalidValue(
            "date_range",
            f"日期{day.isoformat()}超出范围：不能早于1949-10-01{upper_zh}",
            f"date {day.isoformat()} is out of range: not before 1949-10-01{upper_en}",
        )
    return day


def _date_from_text(v: object) -> dt.date:
    if isinstance(v, bool):
        text = None
    elif isinstance(v, int) or (isinstance(v, float) and v.is_integer()):
        text = str(int(v))  # a number cell holding 20230501; serial numbers are refused below
    elif isinstance(v, str):
        text = _MIDNIGHT.sub("", to_halfwidth(v).strip())
    else:
        text = None
    match = text and (
        _DATE_SEPARATED.fullmatch(text)
        or _DATE_COMPACT.fullmatch(text)
        or _DATE_CHINESE.fullmatch(text)
    )
    if not match:
        serial = bool(text and _EXCEL_SERIAL.fullmatch(text))
        raise InvalidValue(
            "date_format",
            f"“{_shown(v)}”不是日期；请写成 2023-05-01、2023/5/1、20230501 或 2023年5月1日"
            + ("（这像是Excel日期序列号：请把单元格设为日期格式）" if serial else ""),
            f"'{_shown(v)}' is not a date; write it as 2023-05-01, 2023/5/1, 20230501 "
            "or 2023年5月1日"
            + (
                " (this looks like an Excel serial number: format the cell as a date)"
                if serial
                else ""
            ),
        )
    year, month, day = (int(g) for g in match.groups() if g.isdigit())  # skips the separator
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise InvalidValue(
            "date_format",
            f"日期“{_shown(v)}”不存在（{year}年{month}月{day}日）",
            f"'{_shown(v)}' is not a real date (year {year}, month {month}, day {day})",
        ) from None


_YEAR = re.compile(r"(\d{4})(?:\.0+|年)?")  # 2023, 2023年, and 2023.0 from Excel-made CSV


def parse_year(v: object, *, years_ahead: int = 0) -> int:
    """A calendar year from 1949 to this year, or up to ``years_ahead`` years later.

    Data describe past years; plans and targets look ahead (e.g. a 2035 target).
    """
    if type(v) is str and len(v) == 4 and v.isascii() and v.isdigit():
        v = int(v)  # the common cell, without the pattern below
    year = None
    if isinstance(v, bool):
        pass
    elif isinstance(v, int):
        year = v
    elif isinstance(v, (float, Decimal)) and _finite(v) and v == int(v):
        year = int(v)
    elif isinstance(v, str):
        match = _YEAR.fullmatch(to_halfwidth(v).strip())
        year = int(match[1]) if match else None
    if year is None:
        raise InvalidValue(
            "year_format",
            f"“{_shown(v)}”不是年份（如 2023）",
            f"'{_shown(v)}' is not a year (e.g. 2023)",
        )
    last = today().year + years_ahead
    if not _EARLIEST_YEAR <= year <= last:
        raise InvalidValue(
            "year_range",
            f"年份{year}超出范围（{_EARLIEST_YEAR}–{last}）",
            f"year {year} is out of range ({_EARLIEST_YEAR}–{last})",
        )
    return year


def _finite(v: float | Decimal) -> bool:
    return v.is_finite() if isinstance(v, Decimal) else math.isfinite(v)


# --- yes/no and text -------------------------------------------------------------------------

_TRUE_WORDS = frozenset({"是", "y", "yes", "true", "1", "√", "已上市"})
_FALSE_WORDS = frozenset({"否", "n", "no", "false", "0", "×", "未上市"})


def parse_bool(v: object) -> bool:
    """是/否, Y/N, yes/no, true/false, 1/0, √/×, 已上市/未上市 (case-insensitive)."""
    if isinstance(v, bool):
        return v
    if isinstance(v, (int, float, Decimal)) and _finite(v) and v in (0, 1):
        return v == 1
    if isinstance(v, str):
        word = to_halfwidth(v).strip().casefold()
        if word in _TRUE_WORDS:
            return True
        if word in _FALSE_WORDS:
            return False
    raise InvalidValue(
        "bool_format",
        f"“{_shown(v)}”不是是/否；请填 是/否、Y/N、√/× 或 1/0",
        f"'{_shown(v)}' is not yes/no; use 是/否, Y/N, yes/no, true/false, √/× or 1/0",
    )


def parse_text(v: object, *, max_length: int) -> str:
    """Trimmed text with each run of whitespace (U+3000, tabs, newlines …) made one space."""
    text = "" if v is None else " ".join(str(v).split())
    if not text:
        raise InvalidValue("text_empty", "内容不能为空", "the text must not be empty")
    if len(text) > max_length:
        raise InvalidValue(
            "text_length",
            f"“{_shown(text)}”共{len(text)}个字符，超过上限{max_length}",
            f"'{_shown(text)}' has {len(text)} characters, more than the limit of {max_length}",
        )
    return text
