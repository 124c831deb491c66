"""Tests for xinzhi.domain.patent: 专利申请号 and software-copyright numbers (RULES.md §5)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xinzhi.domain.enums import IPKind
from xinzhi.domain.errors import InvalidValue
from xinzhi.domain.patent import (
    PatentNumber,
    parse_patent_application_number,
    parse_software_copyright_number,
    patent_check_char,
)

THIS_YEAR = dt.date.today().year


def _error(raw: str) -> InvalidValue:
    with pytest.raises(InvalidValue) as caught:
        parse_patent_application_number(raw)
    return caught.value


def _number(digits: str) -> str:
    """A number with the right check character, to test the other rules in isolation."""
    return f"{digits}.{patent_check_char(digits)}"


# --- §5.2 check digit ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("digits", "check"), [("202310123456", "6"), ("200310100002", "X"), ("03101234", "5")]
)
def test_worked_examples_check_digit(digits, check):
    """RULES.md §5.2 ✅ worked examples: 202310123456.6, 200310100002.X, 03101234.5."""
    assert patent_check_char(digits) == check


def test_check_digit_is_the_remainder_itself():
    """RULES.md §5.2 ✅ check = Σ mod 11 (127 mod 11 = 6), not GB 11714's 11 − r (which gives 5)."""
    weights = [2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5]
    total = sum(int(d) * w for d, w in zip("202310123456", weights, strict=True))
    assert total == 127
    assert patent_check_char("202310123456") == str(total % 11) != str(11 - total % 11)


@pytest.mark.parametrize(
    "digits", ["", "2023101234", "2023101234567", "20231012345X", "２０２３１０１２３４５６"]
)
def test_check_char_needs_8_or_12_ascii_digits(digits):
    """RULES.md §5.2 ✅ the check is defined on 12 or 8 digits without the dot."""
    with pytest.raises(InvalidValue) as caught:
        patent_check_char(digits)
    assert caught.value.code == "patent_format"


# --- §5.1 formats ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "202310123456.6",
        "2023101234566",  # no dot
        "CN202310123456.6",
        "cn 202310123456.6",
        "ZL202310123456.6",
        "zl 2023 1012 3456.6",
        "２０２３１０１２３４５６．６",  # full-width
        "\u3000CN202310123456.6 ",
    ],
)
def test_twelve_digit_number_in_its_usual_spellings(raw):
    """RULES.md §5.1 ✅ YYYY T NNNNNNN . C, often prefixed CN (application) or ZL (granted)."""
    assert parse_patent_application_number(raw) == PatentNumber(
        "202310123456.6", 2023, "1", "0123456"
    )


def test_check_character_x_may_be_lower_case():
    """RULES.md §5.2 ✅ 10 → X; input is upper-cased before the check."""
    assert parse_patent_application_number("cn200310100002.x").number == "200310100002.X"


@pytest.mark.parametrize("raw", ["03101234.5", "031012345", "ZL03101234.5", "CN 03101234.5"])
def test_eight_digit_number_before_2003(raw):
    """RULES.md §5.1 ✅ 1985–2003: YY T NNNNN . C (8 digits + check); 03 → 2003."""
    assert parse_patent_application_number(raw) == PatentNumber("03101234.5", 2003, "1", "01234")


@pytest.mark.parametrize(("yy", "year"), [("85", 1985), ("99", 1999), ("00", 2000), ("03", 2003)])
def test_eight_digit_year_window(yy, year):
    """RULES.md §5.1 ✅ 8-digit numbers cover 1985–2003: 85–99 → 19YY, 00–03 → 20YY."""
    assert parse_patent_application_number(_number(f"{yy}201234")).year == year


@pytest.mark.parametrize("yy", ["04", "50", "84"])
def test_eight_digit_year_outside_the_window(yy):
    """RULES.md §5.1 ✅ the 8-digit format ended in 2003 and began in 1985."""
    error = _error(_number(f"{yy}201234"))
    assert error.code == "patent_year"
    assert f"'{yy}'" in error.en


@pytest.mark.parametrize("year", [1984, 2002])
def test_twelve_digit_number_before_2003(year):
    """RULES.md §5.1 ✅ structure / ❓ date: the 12-digit format starts in 2003."""
    error = _error(_number(f"{year}10123456"))
    assert error.code == "patent_year"
    assert str(year) in error.zh and str(year) in error.en


def test_year_in_the_future():
    """An application cannot come from next year."""
    error = _error(_number(f"{THIS_YEAR + 1}10123456"))
    assert error.code == "patent_year"
    assert "in the future" in error.en


def test_this_year_is_fine():
    """The current year is not in the future."""
    assert parse_patent_application_number(_number(f"{THIS_YEAR}10123456")).year == THIS_YEAR


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "CN",
        "20231012345.6",
        "20231012345666",
        "2023101234X6.6",
        "202310123456.A",
        "US202310123456.6",
        "202310123456-6",
        "CN112345678A",  # a publication number, not an application number
        "0310123.5",
    ],
)
def test_malformed_numbers(raw):
    """RULES.md §5.1 ✅ only 12+1 or 8+1 digits (check 0–9 or X), optional CN/ZL and dot."""
    error = _error(raw)
    assert error.code == "patent_format"
    assert "202310123456.6" in error.en  # shows an example of the right format


def test_missing_check_character_is_named():
    """RULES.md §5.1 ✅ the check character is part of the number; say when it is missing."""
    error = _error("CN202310123456")
    assert error.code == "patent_format"
    assert "缺少校验位" in error.zh and "check character is missing" in error.en


def test_checksum_failure():
    """RULES.md §5.2 ✅ a wrong check character is rejected, naming the number."""
    error = _error("202310123456.7")
    assert error.code == "patent_checksum"
    assert "202310123456.7" in error.zh and "202310123456.7" in error.en


# --- §5.1 type digit ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("type_code", "kind", "pct"),
    [
        ("1", IPKind.INVENTION_PATENT, False),
        ("2", IPKind.UTILITY_MODEL, False),
        ("3", IPKind.DESIGN_PATENT, False),
        ("8", IPKind.INVENTION_PATENT, True),
        ("9", IPKind.UTILITY_MODEL, True),
    ],
)
def test_type_digits(type_code, kind, pct):
    """RULES.md §5.1 ✅ 1 发明, 2 实用新型, 3 外观设计, 8/9 PCT national phase; 1, 8 → class I."""
    patent = parse_patent_application_number(_number(f"2023{type_code}0123456"))
    assert (patent.type_code, patent.ip_kind, patent.pct) == (type_code, kind, pct)
    assert patent.ip_kind.ip_class == (1 if type_code in "18" else 2)


def test_type_digit_in_the_old_format():
    """RULES.md §5.1 ✅ the 8-digit format's third digit is the type."""
    patent = parse_patent_application_number(_number("98201234"))
    assert (patent.year, patent.type_code, patent.serial, patent.ip_kind) == (
        1998,
        "2",
        "01234",
        IPKind.UTILITY_MODEL,
    )


@pytest.mark.parametrize("type_code", ["0", "4", "5", "6", "7"])
def test_unknown_type_digit(type_code):
    """RULES.md §5.1 ✅ only 1, 2, 3, 8, 9 are type digits."""
    error = _error(_number(f"2023{type_code}0123456"))
    assert error.code == "patent_type"
    assert f"“{type_code}”" in error.zh and f"'{type_code}'" in error.en


# --- properties -----------------------------------------------------------------------------------

serials7 = st.text(alphabet="0123456789", min_size=7, max_size=7)
serials5 = st.text(alphabet="0123456789", min_size=5, max_size=5)
type_codes = st.sampled_from("12389")


@given(st.integers(2003, THIS_YEAR), type_codes, serials7)
def test_built_twelve_digit_numbers_parse(year, type_code, serial):
    """RULES.md §5.1–§5.2 ✅ any 12-digit number with its check character parses back."""
    digits = f"{year}{type_code}{serial}"
    number = _number(digits)
    assert parse_patent_application_number(number) == PatentNumber(number, year, type_code, serial)
    assert parse_patent_application_number("ZL" + number.replace(".", "")).number == number


@given(st.sampled_from([*range(85, 100), *range(4)]), type_codes, serials5)
def test_built_eight_digit_numbers_parse(yy, type_code, serial):
    """RULES.md §5.1–§5.2 ✅ any 8-digit number (1985–2003) with its check character parses back."""
    number = _number(f"{yy:02d}{type_code}{serial}")
    patent = parse_patent_application_number(number)
    assert patent.number == number and patent.serial == serial
    assert patent.year == (1900 + yy if yy >= 85 else 2000 + yy)


@given(st.integers(2003, THIS_YEAR), type_codes, serials7, st.integers(0, 11), st.data())
def test_any_single_digit_substitution_is_detected(year, type_code, serial, position, data):
    """RULES.md §5.2 ✅ weights 2–9 are non-zero mod 11 (prime), so every single-digit change
    alters Σ mod 11: the check catches it."""
    digits = f"{year}{type_code}{serial}"
    check = patent_check_char(digits)
    replacement = data.draw(st.sampled_from("0123456789".replace(digits[position], "")))
    changed = digits[:position] + replacement + digits[position + 1 :]
    assert patent_check_char(changed) != check


# --- software copyright (§5.1 ❓) -----------------------------------------------------------------


@pytest.mark.parametrize(
    "raw", ["2023SR0123456", "2023sr0123456", " 2023 SR 0123456 ", "２０２３ＳＲ０１２３４５６"]
)
def test_software_copyright_number(raw):
    """RULES.md §5.1 ❓ 软件著作权登记号: 4-digit year + SR + digits, e.g. 2023SR0123456."""
    assert parse_software_copyright_number(raw) == "2023SR0123456"


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "2023SR",
        "23SR0123456",
        "2023SR123456789",
        "2023R0123456",
        "软著登字第0123456号",
        "202310123456.6",
        f"{THIS_YEAR + 1}SR0000001",
    ],
)
def test_malformed_software_copyright_number(raw):
    """RULES.md §5.1 ❓ anything else (incl. a future year or a patent number) is refused."""
    with pytest.raises(InvalidValue) as caught:
        parse_software_copyright_number(raw)
    assert caught.value.code == "software_copyright_format"
