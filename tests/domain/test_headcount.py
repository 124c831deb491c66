"""Staff counts with two decimals (issue #19 item 12): 职工总数 and 科技人员数 are yearly averages
of monthly averages (全年月平均数), kept exactly in hundredths of a person."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xinzhi.domain.errors import InvalidValue
from xinzhi.domain.values import from_hundredths, parse_headcount


@pytest.mark.parametrize(
    ("raw", "hundredths"),
    [
        ("12", 1200),
        ("12.25", 1225),
        ("12.5", 1250),
        ("12.50", 1250),
        ("0.01", 1),
        ("007", 700),
        (" 12.5 ", 1250),
        ("１２.２５", 1225),  # full-width digits
        ("1,200.5", 120050),
        (12, 1200),
        (12.25, 1225),  # a spreadsheet number: its decimal as shown
        (Decimal("12.5"), 1250),
    ],
)
def test_accepted_forms(raw, hundredths):
    assert parse_headcount(raw) == hundredths


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("12.255", "headcount_precision"),
        (12.255, "headcount_precision"),
        ("0.001", "headcount_precision"),
        ("-1", "headcount_negative"),
        ("-0.5", "headcount_negative"),
        ("abc", "headcount_format"),
        (True, "headcount_format"),
        ("1000000000", "headcount_range"),
    ],
)
def test_refused_forms_say_why(raw, code):
    with pytest.raises(InvalidValue) as raised:
        parse_headcount(raw)
    assert raised.value.code == code
    assert raised.value.zh and raised.value.en and str(raw).strip() in str(raised.value)


persons = st.decimals(min_value=0, max_value=Decimal("999999999.99"), places=2)


@given(persons)
def test_two_decimals_round_trip_exactly(value):
    hundredths = parse_headcount(str(value))
    assert hundredths == int(value * 100)
    assert from_hundredths(hundredths) == value
    assert parse_headcount(value) == hundredths  # a Decimal cell gives the same


@given(persons, st.integers(min_value=1, max_value=9))
def test_a_third_decimal_is_refused(value, digit):
    with pytest.raises(InvalidValue) as raised:
        parse_headcount(f"{value:.2f}{digit}")  # 12.25 → 12.251
    assert "两位小数" in raised.value.zh and "2 decimal places" in raised.value.en


@given(st.decimals(max_value=Decimal("-0.01"), min_value=Decimal(-(10**9)), places=2))
def test_a_negative_count_is_refused(value):
    with pytest.raises(InvalidValue, match="不能为负数"):
        parse_headcount(str(value))
