"""Column types of import files: how a cell is parsed and checked.

Each parser takes the raw cell (str from CSV; str, number, date or bool from Excel) and
returns the value as it is stored (money as whole fen), or raises ``InvalidValue`` with a
bilingual reason. Blank cells never reach a parser: the pipeline turns them into NULL
(unknown) or a "required" error.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import partial
from typing import Any

from ..domain import values
from ..domain.credit_code import parse_credit_code
from ..domain.enums import LabelledEnum
from ..domain.errors import InvalidValue
from ..domain.industry import parse_industry_code, parse_sei_category

Parser = Callable[[Any, Decimal], Any]


@dataclass(frozen=True)
class Column:
    """One column of an import file."""

    name: str  # English header, and the staging column it fills
    zh: str  # Chinese header
    parse: Parser
    type_zh: str
    type_en: str
    required: bool = True
    doc_zh: str = ""
    doc_en: str = ""
    example: str = ""
    money: bool = False  # accepts a unit in the header: （元）, （万元）, （亿元）
    aliases: tuple[str, ...] = field(default=())

    @property
    def headers(self) -> tuple[str, ...]:
        return (self.name, self.zh, *self.aliases)


# --- parsers -----------------------------------------------------------------------------


def text(max_length: int) -> Parser:
    return lambda raw, _scale: values.parse_text(raw, max_length=max_length)


money: Parser = values.parse_money_fen  # (raw, scale) -> whole fen
signed_money: Parser = partial(values.parse_money_fen, signed=True)


def count(raw, _scale) -> int:
    return values.parse_count(raw)


def headcount(raw, _scale) -> int:
    """A staff count (a yearly average): hundredths of a person, two decimals at most."""
    return values.parse_headcount(raw)


def date(raw, _scale):
    return values.parse_date(raw)


def year(raw, _scale) -> int:
    return values.parse_year(raw)


PLANNING_HORIZON_YEARS = 30  # targets of long-range plans (2035 远景目标) are years ahead


def target_year(raw, _scale) -> int:
    return values.parse_year(raw, years_ahead=PLANNING_HORIZON_YEARS)


def boolean(raw, _scale) -> bool:
    return values.parse_bool(raw)


def quantity(raw, _scale) -> int:
    """A non-negative figure with at most 4 decimal places (targets: 家, 项, %, 亿元 …).

    Returned in ten-thousandths, as ``store.types.Quantity`` stores it.
    """
    text_value = str(raw).strip().replace(",", "")
    try:
        number = Decimal(text_value)
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        raise InvalidValue("quantity_format", f"“{raw}”不是数值", f"'{raw}' is not a number")
    if number < 0:
        raise InvalidValue(
            "quantity_negative", f"数值不能为负：{raw}", f"must not be negative: {raw}"
        )
    if number != number.quantize(Decimal("0.0001")):
        raise InvalidValue(
            "quantity_precision", f"最多保留4位小数：{raw}", f"at most 4 decimal places: {raw}"
        )
    return int(number.scaleb(4))


def industry(raw, _scale) -> str:
    """GB/T 4754 code; a number cell is accepted only where no leading zero can have been lost.

    Excel turns the text 0511 into the number 511, which would read as 中类 511 (批发业).
    """
    if isinstance(raw, int | float | Decimal) and not isinstance(raw, bool):
        digits = str(int(raw)) if raw == int(raw) else str(raw)
        if len(digits) not in (2, 4):
            raise InvalidValue(
                "industry_code_number",
                f"行业代码“{digits}”是数字单元格，前导0可能已丢失；请将该列设为文本格式后重新填写",
                f"industry code '{digits}' is a number cell and may have lost a leading zero; "
                "format the column as text and enter it again",
            )
        raw = digits
    return parse_industry_code(str(raw))


def sei(raw, _scale) -> str:
    return parse_sei_category(str(raw))


def choice(enum: type[LabelledEnum]) -> Parser:
    return lambda raw, _scale: enum.parse(str(raw)).value


_CHECKSUM_ERRORS = {"credit_code_checksum", "credit_code_org_check"}


class CreditCodeChecker:
    """Checks 统一社会信用代码 (GB 32100), accepting checksum failures an administrator verified.

    RULES.md §4.6 ✅: some genuinely issued codes fail the mod-31 check; they are invalid
    unless listed in ``credit_code_verifications``. Results are cached: a file names the
    same enterprise many times.
    """

    def __init__(self, verified: set[str]) -> None:
        self._verified = verified
        self._cache: dict[str, str | tuple[str, str, str]] = {}

    def __call__(self, raw, _scale=None) -> str:
        key = str(raw)
        result = self._cache.get(key)
        if result is None:
            try:
                result = self._check(key)
            except InvalidValue as error:
                result = (error.code, error.zh, error.en)
            self._cache[key] = result
        if result.__class__ is tuple:
            # A fresh exception each time: re-raising one cached object would grow its
            # traceback by every raise and keep each failing row's frame alive (issue #16).
            raise InvalidValue(*result)
        return result

    def _check(self, raw: str) -> str:
        try:
            return parse_credit_code(raw).value
        except InvalidValue as error:
            if error.code not in _CHECKSUM_ERRORS:
                raise
            code = parse_credit_code(raw, allow_checksum_failure=True).value
            if code in self._verified:
                return code
            raise InvalidValue(
                error.code,
                error.zh + "；如确为登记机关核发的代码，请管理员核实后运行 `xinzhi code verify`",
                error.en + "; if it was really issued, an administrator can verify it with "
                "`xinzhi code verify`",
            ) from None
