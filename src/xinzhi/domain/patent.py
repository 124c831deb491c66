"""Chinese patent application numbers (专利申请号) and software-copyright registration numbers.

RULES.md §5.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from .enums import IPKind
from .errors import InvalidValue
from .text import normalise_code

# §5.2 ✅ [S21a, S21b]: weights cycle 2…9 from the left; the remainder itself is the check
# digit (10 → X). Not the "11 − r" rule of GB 11714.
_WEIGHTS = (2, 3, 4, 5, 6, 7, 8, 9)

# §5.1 ✅ [S21a, S21b]: type digit → kind; 8 and 9 are PCT applications entering the Chinese
# national phase (invention, utility model). Class mapping 1, 8 → I; 2, 9, 3 → II.
# RULES.md gives one type table for both formats, so the 8-digit format uses it too (❓).
_TYPES = {
    "1": IPKind.INVENTION_PATENT,
    "2": IPKind.UTILITY_MODEL,
    "3": IPKind.DESIGN_PATENT,
    "8": IPKind.INVENTION_PATENT,
    "9": IPKind.UTILITY_MODEL,
}
_PCT_TYPES = frozenset("89")

# §5.1 ✅ structure [S21a, S21b]: 12 digits (from 2003) or 8 digits (1985–2003), then an
# optional "." and the check character. "CN" (application) and "ZL" (granted: ZL + application
# number) are prefixes people copy along.
_APPLICATION_NUMBER = re.compile(r"(?:CN|ZL)?(\d{12}|\d{8})\.?([0-9X])")
_WITHOUT_CHECK = re.compile(r"(?:CN|ZL)?(\d{12}|\d{8})\.?")

_FIRST_YEAR = 1985  # §5.1 ✅ [S21a, S21b]: the 8-digit format starts in 1985.
# §5.1 ✅ structure / ❓ date (2003-10-01, ZC 0006-2003): 12-digit numbers start in 2003 and
# 8-digit ones end there; 2003 is allowed in both, as the switch happened within the year.
_TWELVE_DIGIT_FROM = 2003
_EIGHT_DIGIT_UNTIL = 2003

# §5.1 ❓ [no source]: software-copyright registration numbers such as "2023SR0123456".
_SOFTWARE_COPYRIGHT = re.compile(r"(\d{4})SR(\d{1,8})")


def patent_check_char(digits: str) -> str:
    """Check character of a 12- or 8-digit application number without the dot (RULES.md §5.2 ✅)."""
    if len(digits) not in (8, 12) or not (digits.isascii() and digits.isdigit()):
        raise InvalidValue(
            "patent_format",
            f"计算专利申请号校验位需要12位或8位数字，而不是“{digits}”",
            f"a patent check character needs 12 or 8 digits, not '{digits}'",
        )
    remainder = sum(int(d) * _WEIGHTS[i % 8] for i, d in enumerate(digits)) % 11
    return "X" if remainder == 10 else str(remainder)


@dataclass(frozen=True)
class PatentNumber:
    """A checked Chinese patent application number."""

    number: str  # normalised, without prefix: "202310123456.6" or "03101234.5"
    year: int  # application year, four digits
    type_code: str  # "1", "2", "3", "8" or "9"
    serial: str  # 7 digits (12-digit format) or 5 digits (8-digit format)

    @property
    def ip_kind(self) -> IPKind:
        return _TYPES[self.type_code]

    @property
    def pct(self) -> bool:
        """A PCT application that entered the Chinese national phase (type 8 or 9)."""
        return self.type_code in _PCT_TYPES


def parse_patent_application_number(raw: str) -> PatentNumber:
    """Normalise and check a 专利申请号 ("CN202310123456.6", "ZL 03101234.5" …)."""
    text = normalise_code(raw if isinstance(raw, str) else str(raw))
    match = _APPLICATION_NUMBER.fullmatch(text)
    if match is None:
        missing = bool(_WITHOUT_CHECK.fullmatch(text))
        raise InvalidValue(
            "patent_format",
            f"专利申请号“{text}”格式不正确："
            + ("缺少校验位；" if missing else "")
            + "应为12位数字（2003年起）或8位数字（1985–2003年）加校验位，"
            "如 202310123456.6、03101234.5",
            f"patent application number '{text}' is malformed: "
            + ("the check character is missing; " if missing else "")
            + "expected 12 digits (from 2003) or 8 digits (1985–2003) and a check character, "
            "e.g. 202310123456.6 or 03101234.5",
        )
    digits, check = match.groups()
    number = f"{digits}.{check}"
    if check != patent_check_char(digits):
        raise InvalidValue(
            "patent_checksum",
            f"专利申请号“{number}”校验位不符，请核对各位数字",
            f"patent application number '{number}': the check character does not match; "
            "check the digits",
        )
    if len(digits) == 12:
        year, type_code, serial = int(digits[:4]), digits[4], digits[5:]
    else:
        two_digit, type_code, serial = int(digits[:2]), digits[2], digits[3:]
        # 85–99 → 1985–1999, 00–03 → 2000–2003; 04–84 never used this format (rejected below).
        year = 1900 + two_digit if two_digit >= 85 else 2000 + two_digit
    _check_year(number, year, twelve_digits=len(digits) == 12)
    if type_code not in _TYPES:
        raise InvalidValue(
            "patent_type",
            f"专利申请号“{number}”的类型码“{type_code}”未知（1 发明、2 实用新型、3 外观设计、"
            "8 PCT发明、9 PCT实用新型）",
            f"patent application number '{number}': unknown type digit '{type_code}' "
            "(1 invention, 2 utility model, 3 design, 8 PCT invention, 9 PCT utility model)",
        )
    return PatentNumber(number, year, type_code, serial)


def _check_year(number: str, year: int, *, twelve_digits: bool) -> None:
    if not twelve_digits and not _FIRST_YEAR <= year <= _EIGHT_DIGIT_UNTIL:
        zh = (
            f"8位申请号只用于{_FIRST_YEAR}–{_EIGHT_DIGIT_UNTIL}年（年份码85–99、00–03），"
            f"年份码“{number[:2]}”不可能"
        )
        en = (
            f"8-digit numbers were used in {_FIRST_YEAR}–{_EIGHT_DIGIT_UNTIL} only "
            f"(year digits 85–99, 00–03), not '{number[:2]}'"
        )
    elif twelve_digits and year < _TWELVE_DIGIT_FROM:
        zh, en = (
            f"12位申请号始于{_TWELVE_DIGIT_FROM}年，年份{year}不可能",
            f"12-digit numbers start in {_TWELVE_DIGIT_FROM}; year {year} is impossible",
        )
    elif year > dt.date.today().year:
        zh, en = f"申请年份{year}晚于今年", f"application year {year} is in the future"
    else:
        return
    raise InvalidValue(
        "patent_year",
        f"专利申请号“{number}”：{zh}",
        f"patent application number '{number}': {en}",
    )


def parse_software_copyright_number(raw: str) -> str:
    """Normalise a 软件著作权登记号 such as "2023SR0123456" (RULES.md §5.1 ❓ format)."""
    text = normalise_code(raw if isinstance(raw, str) else str(raw))
    match = _SOFTWARE_COPYRIGHT.fullmatch(text)
    if match is None or int(match[1]) > dt.date.today().year:
        raise InvalidValue(
            "software_copyright_format",
            f"软件著作权登记号“{text}”格式不正确：应为4位年份、“SR”和1–8位数字，如 2023SR0123456，"
            "年份不能晚于今年",
            f"software copyright registration number '{text}' is malformed: expected a 4-digit "
            "year (not in the future), 'SR' and 1–8 digits, e.g. 2023SR0123456",
        )
    return text
