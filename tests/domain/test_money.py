"""domain.money: one table of units and one set of formatters for every reader and writer of
money (declarations, import headers, the command line, payouts, explanations)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xinzhi.domain.errors import InvalidValue, XinzhiError
from xinzhi.domain.money import (
    DOLLAR_UNITS,
    FEN_PER_YUAN,
    HEADER_UNITS,
    ROUNDING_FEN,
    SHORT_UNITS,
    YUAN_UNITS,
    fen_to_yuan,
    format_wan,
    format_yuan,
    parse_yuan_text,
)


def test_the_unit_tables_agree():
    assert YUAN_UNITS == {"元": 1, "万元": 10_000, "亿元": 100_000_000}
    assert DOLLAR_UNITS == {"美元": 1, "万美元": 10_000, "亿美元": 100_000_000}
    for name, yuan in YUAN_UNITS.items():
        assert HEADER_UNITS[name] == yuan
        assert dict(SHORT_UNITS)[name] == yuan
    assert HEADER_UNITS["wanyuan"] == HEADER_UNITS["10kyuan"] == YUAN_UNITS["万元"]
    assert ROUNDING_FEN["万元"] == YUAN_UNITS["万元"] * FEN_PER_YUAN
    # the longer spelling is tried first, so 万元 is never read as 万 + "元"
    names = [name for name, _ in SHORT_UNITS]
    assert names.index("万元") < names.index("万") and names.index("亿元") < names.index("亿")


@given(st.integers(0, 10**6), st.sampled_from(SHORT_UNITS))  # below the 10^15 yuan limit
def test_typed_amounts_carry_their_unit(number, unit):
    name, scale = unit
    assert parse_yuan_text(f"{number}{name}") == Decimal(number) * scale
    assert parse_yuan_text(f" {number}{name} ") == Decimal(number) * scale


@given(st.decimals(min_value=0, max_value=10**6, places=2, allow_nan=False))
def test_plain_amounts_are_yuan(amount):
    assert parse_yuan_text(str(amount)) == amount


@pytest.mark.parametrize("text", ["", "万", "五百万", "-3万", "1e999万", "abc", "10000000亿"])
def test_a_bad_amount_is_a_bilingual_error(text):
    with pytest.raises(InvalidValue) as raised:
        parse_yuan_text(text)
    assert isinstance(raised.value, XinzhiError) and raised.value.zh and raised.value.en


@given(st.integers(-(10**15), 10**15))
def test_formatting_fen(fen):
    shown = format_yuan(fen)
    assert shown.endswith(" 元")
    assert Decimal(shown.removesuffix(" 元").replace(",", "")) == Decimal(fen) / 100
    assert fen_to_yuan(fen) == fen / 100
    wan = format_wan(fen)
    assert wan.endswith(" 万元")
    assert Decimal(wan.removesuffix(" 万元").replace(",", "")) == (
        Decimal(fen) / 1_000_000
    ).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def test_wan_rounds_half_up_and_large_amounts_stay_exact():
    """四舍五入: half a hundredth of 万元 (50 元) rounds up, as a bureau's tables round."""
    assert format_wan(5_000) == "0.01 万元"
    assert format_wan(4_999) == "0.00 万元"
    assert format_wan(15_000) == "0.02 万元"
    assert format_yuan(10**17 + 1) == "1,000,000,000,000,000.01 元"


def test_unknown_stays_unknown():
    assert format_yuan(None) == "—"
    assert fen_to_yuan(None) is None
    assert format_yuan(200_000_000) == "2,000,000.00 元"
    assert format_wan(1_234_500_000) == "1,234.50 万元"
