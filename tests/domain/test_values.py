"""Tests for xinzhi.domain.values: cells from CSV and Excel (RULES.md §8.3 exact Decimal)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xinzhi.domain.errors import InvalidValue
from xinzhi.domain.values import (
    from_fen,
    is_blank,
    parse_bool,
    parse_count,
    parse_date,
    parse_money,
    parse_money_fen,
    parse_ratio,
    parse_signed_money,
    parse_text,
    parse_year,
    to_fen,
)

TODAY = dt.date.today()
WAN = Decimal(10_000)
YI = Decimal(100_000_000)


def _code(parse, raw, **kwargs) -> str:
    with pytest.raises(InvalidValue) as caught:
        parse(raw, **kwargs)
    return caught.value.code


def _same(a: Decimal, b: Decimal) -> bool:
    """Equal value; Decimal equality ignores trailing zeros, which callers may not rely on."""
    return isinstance(a, Decimal) and a == b


# --- blanks ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [None, "", " ", "\t\n", "\u3000", "\u00a0"])
def test_blank_cells(value):
    """None, empty and whitespace-only cells (incl. U+3000, NBSP) are blank."""
    assert is_blank(value)


@pytest.mark.parametrize("value", ["0", 0, 0.0, False, "-", Decimal(0), dt.date(2023, 1, 1)])
def test_non_blank_cells(value):
    """Zero, False and a dash are values, not blanks."""
    assert not is_blank(value)


# --- money ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1,234.50", "1234.50"),
        ("1234.5", "1234.5"),
        ("１２３", "123"),
        ("１，２３４．５", "1234.5"),
        (" 0 ", "0"),
        ("+12", "12"),
        (123, "123"),
        (Decimal("99.99"), "99.99"),
        (1234.5, "1234.5"),
        (0.1, "0.1"),
        (1234.0, "1234"),
        ("1.500", "1.5"),  # trailing zeros are not extra decimal places
    ],
)
def test_money_accepted_forms(raw, expected):
    """RULES.md §8.3 exact Decimal amounts in 元; thousands separators and full-width digits."""
    assert _same(parse_money(raw), Decimal(expected))


def test_money_is_returned_exactly_without_padding():
    """The exact value comes back: no quantizing to 0.01 (callers convert to fen)."""
    assert str(parse_money("12.5")) == "12.5"
    assert str(parse_money(12)) == "12"


def test_excel_float_goes_through_repr():
    """Excel floats: Decimal(repr(f)) is the number the user typed, not the binary expansion."""
    assert Decimal(0.1) != Decimal("0.1")  # noqa: RUF032  (the binary expansion: why repr matters)
    assert _same(parse_money(0.1), Decimal("0.1"))
    assert _code(parse_money, 0.1 + 0.2) == "money_precision"  # 0.30000000000000004


@pytest.mark.parametrize(
    ("raw", "scale", "expected"),
    [
        ("1.2345", WAN, "12345"),
        ("1,234.5678", WAN, "12345678"),
        (1.23456, WAN, "12345.6"),
        ("0.00000001", YI, "1"),
        ("3", YI, "300000000"),
    ],
)
def test_money_scale_applies_before_the_precision_check(raw, scale, expected):
    """Columns in 万元 / 亿元: at most 2 decimal places AFTER converting to 元."""
    assert _same(parse_money(raw, scale=scale), Decimal(expected))


def test_money_precision_after_scaling():
    """1.234567 万元 = 12345.67 元 is fine; 1.2345678 万元 = 12345.678 元 is not."""
    assert _same(parse_money("1.234567", scale=WAN), Decimal("12345.67"))
    assert _code(parse_money, "1.2345678", scale=WAN) == "money_precision"


@pytest.mark.parametrize(
    "raw",
    [
        "1.005",
        1.005,
        Decimal("0.001"),
        "0.0000000000000000000000000000001",
        Decimal("1.00000000000000000000000000001"),
    ],
)
def test_money_with_more_than_two_decimals(raw):
    """At most 2 decimal places (whole fen), checked exactly, also past 28 significant digits."""
    assert _code(parse_money, raw) == "money_precision"


@pytest.mark.parametrize("raw", ["-1", -1, -0.01, Decimal(-5), "－３"])
def test_money_negative(raw):
    """Amounts such as revenue and R&D spending cannot be negative."""
    assert _code(parse_money, raw) == "money_negative"


@pytest.mark.parametrize(
    "raw",
    [
        "abc",
        "",
        "一百",
        "1,23",
        "12,34.5",
        "1.2.3",
        "¥100",
        "100元",
        "12.",
        "(100)",
        "1 000",
        float("nan"),
        float("inf"),
        Decimal("NaN"),
        Decimal("Infinity"),
        True,
        None,
        dt.date(2023, 1, 1),
    ],
)
def test_money_format(raw):
    """Text, NaN/inf, booleans and dates are not amounts."""
    assert _code(parse_money, raw) == "money_format"


def test_money_scientific_notation_is_refused_with_a_reason():
    """Excel writes big numbers to CSV as 1.23457E+11, after dropping digits: refuse, say why."""
    with pytest.raises(InvalidValue) as caught:
        parse_money("1.23457E+11")
    assert caught.value.code == "money_format"
    assert "科学计数法" in caught.value.zh and "scientific notation" in caught.value.en


@pytest.mark.parametrize("raw", ["1000000000000000", 1e15, Decimal("1E+40"), Decimal("1E+999999")])
def test_money_out_of_range(raw):
    """Amounts from 10^15 元 up cannot be real and would overflow a 64-bit fen column."""
    assert _code(parse_money, raw) == "money_range"


def test_money_error_names_the_value():
    """Every message quotes the offending cell."""
    with pytest.raises(InvalidValue) as caught:
        parse_money("12.345")
    assert "12.345" in caught.value.zh and "12.345" in caught.value.en


def test_negative_zero_is_zero():
    """ "-0" is zero, not a negative amount, and does not print as -0."""
    assert str(parse_money("-0")) == "0"
    assert str(parse_signed_money("-0.00")) == "0.00"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("-1,234.50", "-1234.50"), (-12, "-12"), (-0.5, "-0.5"), ("12", "12"), ("－３", "-3")],
)
def test_signed_money_allows_negatives(raw, expected):
    """Profit and net assets may be negative; all other money rules still apply."""
    assert _same(parse_signed_money(raw), Decimal(expected))


def test_signed_money_keeps_the_other_rules():
    """Signed amounts still need ≤ 2 decimal places after scaling and a number."""
    assert _same(parse_signed_money("-1.5", scale=WAN), Decimal(-15000))
    assert _code(parse_signed_money, "-0.001") == "money_precision"
    assert _code(parse_signed_money, "亏损") == "money_format"


def test_fen_conversions():
    """Money is stored as whole fen: 123.45 元 ↔ 12345 分, exactly 2 decimal places back."""
    assert to_fen(Decimal("123.45")) == 12345
    assert to_fen(Decimal("12.5")) == 1250
    assert to_fen(Decimal("-0.01")) == -1
    assert to_fen(Decimal("1E+3")) == 100000
    assert str(from_fen(12345)) == "123.45"
    assert str(from_fen(100)) == "1.00"
    assert str(from_fen(-5)) == "-0.05"


@pytest.mark.parametrize("raw", [Decimal("0.001"), Decimal("NaN"), Decimal("Infinity")])
def test_to_fen_refuses_fractions_of_a_fen(raw):
    """to_fen never rounds."""
    assert _code(to_fen, raw) == "money_precision"


def test_from_fen_takes_integers_only():
    """from_fen is exact: a float would already be inexact."""
    with pytest.raises(TypeError):
        from_fen(1.5)  # type: ignore[arg-type]


money_values = st.decimals(
    min_value=0,
    max_value=Decimal("999999999999999.99"),
    places=2,
    allow_nan=False,
    allow_infinity=False,
)


@given(money_values)
def test_money_text_round_trips(amount):
    """parse_money(str(d)) == d for any amount with ≤ 2 decimal places in range."""
    assert parse_money(str(amount)) == amount
    assert parse_money(f"{amount:,}") == amount  # with thousands separators


@given(st.integers(-(10**17) + 1, 10**17 - 1))
def test_fen_round_trip(fen):
    """to_fen(from_fen(i)) == i and from_fen(i) has exactly 2 decimal places."""
    amount = from_fen(fen)
    assert amount.as_tuple().exponent == -2
    assert to_fen(amount) == fen
    assert from_fen(to_fen(amount)) == amount


@given(
    st.decimals(
        min_value=Decimal("-999999999999999.99"), max_value=Decimal("999999999999999.99"), places=2
    )
)
def test_signed_money_to_fen_round_trip(amount):
    """A parsed signed amount converts to fen and back unchanged."""
    assert from_fen(to_fen(parse_signed_money(str(amount)))) == amount


# --- counts ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("12", 12),
        (12, 12),
        (12.0, 12),
        ("12.0", 12),
        ("1,234", 1234),
        ("１２", 12),
        (Decimal("12.00"), 12),
        ("0", 0),
    ],
)
def test_count_accepted_forms(raw, expected):
    """A count is a non-negative whole number, however the cell spells it."""
    assert parse_count(raw) == expected and type(parse_count(raw)) is int


@pytest.mark.parametrize("raw", ["12.5", 12.5, "abc", "", "十二", True, None, float("nan")])
def test_count_format(raw):
    """Fractions, text and booleans are not counts."""
    assert _code(parse_count, raw) == "count_format"


@pytest.mark.parametrize("raw", [-1, "-1", -1.0])
def test_count_negative(raw):
    """Counts cannot be negative."""
    assert _code(parse_count, raw) == "count_negative"


def test_count_range():
    """A count must fit a SQL INTEGER column."""
    assert parse_count(2**31 - 1) == 2**31 - 1
    assert _code(parse_count, 2**31) == "count_range"


# --- ratios ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0.35", "0.35"),
        ("35%", "0.35"),
        ("35 %", "0.35"),
        ("３５％", "0.35"),
        ("12.5%", "0.125"),
        (0.35, "0.35"),
        (0, "0"),
        (1, "1"),
        ("100%", "1"),
        ("0%", "0"),
        (Decimal("0.6"), "0.6"),
    ],
)
def test_ratio_accepted_forms(raw, expected):
    """A ratio is 0 ≤ x ≤ 1, as a decimal or a percentage (RULES.md §8.3 exact Decimal)."""
    assert _same(parse_ratio(raw), Decimal(expected))


@pytest.mark.parametrize("raw", ["1.01", "101%", -0.1, "-5%", 35])
def test_ratio_range(raw):
    """Outside [0, 1] (or [0 %, 100 %]) is refused."""
    assert _code(parse_ratio, raw) == "ratio_range"


def test_ratio_hint_for_a_missing_percent_sign():
    """35 is probably 35 %: say so rather than guess."""
    with pytest.raises(InvalidValue) as caught:
        parse_ratio("35")
    assert "%" in caught.value.zh and "'%'" in caught.value.en


@pytest.mark.parametrize("raw", ["abc", "%", "35%%", "", True, None, float("nan")])
def test_ratio_format(raw):
    """Text, booleans and NaN are not ratios."""
    assert _code(parse_ratio, raw) == "ratio_format"


# --- dates ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "2023-05-01",
        "2023/5/1",
        "2023/05/01",
        "2023.05.01",
        "2023.5.1",
        "20230501",
        "2023年5月1日",
        "2023 年 5 月 1 日",
        "２０２３－０５－０１",
        " 2023-05-01 ",
        "2023-05-01 00:00:00",
        "2023-05-01T00:00",
        dt.date(2023, 5, 1),
        dt.datetime(2023, 5, 1, 14, 30),
        20230501,
    ],
)
def test_date_accepted_forms(raw):
    """Date cells and the usual Chinese spellings of 2023-05-01."""
    assert parse_date(raw) == dt.date(2023, 5, 1)


@pytest.mark.parametrize(
    "raw", ["2023-02-29", "2023-13-01", "2023/4/31", "20230230", "2023年2月30日"]
)
def test_impossible_dates(raw):
    """Dates that do not exist are format errors, naming the value."""
    with pytest.raises(InvalidValue) as caught:
        parse_date(raw)
    assert caught.value.code == "date_format"
    assert raw in caught.value.zh and raw in caught.value.en


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "abc",
        "2023-05",
        "2023-05/01",
        "05/01/2023",
        "23-5-1",
        "2023-05-01 13:45",
        True,
        None,
        2023.5,
    ],
)
def test_date_format(raw):
    """Anything but a date or one of the accepted spellings is refused."""
    assert _code(parse_date, raw) == "date_format"


@pytest.mark.parametrize("raw", ["45047", 45047, 45047.0])
def test_excel_serial_numbers_are_refused_with_a_hint(raw):
    """Excel serial numbers are not accepted: the cell should be formatted as a date."""
    with pytest.raises(InvalidValue) as caught:
        parse_date(raw)
    assert caught.value.code == "date_format"
    assert "序列号" in caught.value.zh and "serial number" in caught.value.en


def test_date_range():
    """Dates before 1949-10-01 or after today are refused unless allow_future."""
    tomorrow = TODAY + dt.timedelta(days=1)
    assert parse_date("1949-10-01") == dt.date(1949, 10, 1)
    assert parse_date(TODAY.isoformat()) == TODAY
    assert _code(parse_date, "1949-09-30") == "date_range"
    assert _code(parse_date, tomorrow) == "date_range"
    assert parse_date(tomorrow, allow_future=True) == tomorrow
    assert _code(parse_date, "1900-01-01", allow_future=True) == "date_range"


@given(st.dates(min_value=dt.date(1949, 10, 1), max_value=TODAY))
def test_date_isoformat_round_trips(day):
    """parse_date(d.isoformat()) == d, also in the compact and Chinese spellings."""
    assert parse_date(day.isoformat()) == day
    assert parse_date(day.strftime("%Y%m%d")) == day
    assert parse_date(f"{day.year}年{day.month}月{day.day}日") == day


# --- years ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw", ["2023", 2023, 2023.0, "2023年", "２０２３", " 2023 ", "2023.0", Decimal(2023)]
)
def test_year_accepted_forms(raw):
    """A four-digit year as number or text."""
    assert parse_year(raw) == 2023


@pytest.mark.parametrize(
    "raw", ["", "abc", "23", "2023.5", 2023.5, True, None, "2023-01", float("inf")]
)
def test_year_format(raw):
    """Anything that is not a whole four-digit year is refused."""
    assert _code(parse_year, raw) == "year_format"


def test_year_range():
    """1949 … this year; with years_ahead, that many years later too."""
    assert parse_year(1949) == 1949
    assert parse_year(TODAY.year) == TODAY.year
    assert _code(parse_year, 1948) == "year_range"
    assert _code(parse_year, TODAY.year + 1) == "year_range"
    assert parse_year(TODAY.year + 1, years_ahead=1) == TODAY.year + 1
    assert _code(parse_year, TODAY.year + 2, years_ahead=1) == "year_range"
    assert parse_year(2035, years_ahead=30) == 2035


# --- booleans -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    ["是", "Y", "y", "yes", "YES", "true", "True", "1", "√", "已上市", " 是 ", "Ｙ", True, 1, 1.0],
)
def test_true_values(raw):
    """是, Y, yes, true, 1, √, 已上市 mean yes."""
    assert parse_bool(raw) is True


@pytest.mark.parametrize(
    "raw", ["否", "N", "n", "no", "FALSE", "false", "0", "×", "未上市", False, 0, 0.0]
)
def test_false_values(raw):
    """否, N, no, false, 0, ×, 未上市 mean no."""
    assert parse_bool(raw) is False


@pytest.mark.parametrize("raw", ["", "maybe", "对", "2", 2, "x", None, float("nan")])
def test_bool_format(raw):
    """Anything else is refused rather than guessed."""
    assert _code(parse_bool, raw) == "bool_format"


# --- text -----------------------------------------------------------------------------------------


def test_text_is_trimmed_and_whitespace_collapsed():
    """Whitespace at the ends goes; inner runs (U+3000, tabs, newlines …) become one space."""
    assert (
        parse_text("  沈阳\u3000\u3000甲智能\t装备\n有限公司 ", max_length=50)
        == "沈阳 甲智能 装备 有限公司"
    )


def test_text_keeps_full_width_characters():
    """Text is not a code: its characters are kept as written."""
    assert parse_text("ＡＢＣ科技", max_length=10) == "ＡＢＣ科技"


@pytest.mark.parametrize("raw", ["", "   ", "\u3000", None])
def test_text_empty(raw):
    """Empty or whitespace-only text is refused."""
    assert _code(parse_text, raw, max_length=10) == "text_empty"


def test_text_length_counts_characters_after_collapsing():
    """The limit applies to the cleaned text, in characters (not bytes)."""
    assert parse_text("沈阳  浑南", max_length=5) == "沈阳 浑南"
    with pytest.raises(InvalidValue) as caught:
        parse_text("沈阳浑南区", max_length=4)
    assert caught.value.code == "text_length"
    assert "沈阳浑南区" in caught.value.zh and "5" in caught.value.en and "4" in caught.value.en


def test_text_from_a_number_cell():
    """An Excel number in a text column is read as its text."""
    assert parse_text(12345, max_length=10) == "12345"


@settings(max_examples=300)
@given(
    st.decimals(min_value=-(10**14), max_value=10**14, places=2, allow_nan=False),
    st.sampled_from(["{}", "{:,}", "{:.1f}", "{:.0f}"]),
    st.booleans(),
)
def test_parse_money_fen_agrees_with_the_exact_path(amount, template, signed):
    """The fast path for plain cells gives exactly what parse_money + to_fen give."""
    text = template.format(amount)
    try:
        expected = to_fen(parse_signed_money(text) if signed else parse_money(text))
    except InvalidValue as error:
        with pytest.raises(InvalidValue) as raised:
            parse_money_fen(text, signed=signed)
        assert raised.value.code == error.code
    else:
        assert parse_money_fen(text, signed=signed) == expected
