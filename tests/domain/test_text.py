"""Tests for xinzhi.domain.text: the normalisation every code validator starts with."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from xinzhi.domain.text import normalise_code, to_halfwidth


def test_halfwidth_maps_the_fullwidth_ascii_block():
    """RULES.md §4.6 ✅ normalise: full-width characters (U+FF01–U+FF5E) become half-width."""
    fullwidth = "".join(chr(c) for c in range(0xFF01, 0xFF5F))
    ascii_printable = "".join(chr(c) for c in range(0x21, 0x7F))
    assert to_halfwidth(fullwidth) == ascii_printable


def test_halfwidth_maps_the_ideographic_space():
    """RULES.md §4.6 ✅ normalise: the ideographic space U+3000 becomes an ordinary space."""
    assert to_halfwidth("沈阳\u3000浑南") == "沈阳 浑南"


def test_halfwidth_leaves_everything_else_alone():
    """to_halfwidth converts nothing beyond U+FF01–U+FF5E and U+3000 (e.g. not ￥, 。, tabs)."""
    text = "沈阳市，。、￥\t\u00a0abc 123 ｡ｱ"
    assert to_halfwidth(text) == "沈阳市,。、￥\t\u00a0abc 123 ｡ｱ"


def test_normalise_code_strips_whitespace_and_upper_cases():
    """RULES.md §4.6 ✅ normalise: trim, full-width to half-width, upper-case."""
    assert normalise_code("  ９１１１０１０８ｍａ０１ｂ７ｃ４６ｆ\u3000") == "91110108MA01B7C46F"
    assert normalise_code("\t9111 0108\u00a0ma01 b7c4 6f\n") == "91110108MA01B7C46F"


def test_normalise_code_removes_zero_width_characters():
    """Copying from web pages leaves invisible U+200B / U+FEFF inside codes; they are noise."""
    assert normalise_code("\ufeff9111\u200b0108MA01B7C46F") == "91110108MA01B7C46F"


def test_normalise_code_never_maps_look_alikes():
    """RULES.md §4.6 ✅ do not silently map O→0 or I→1: report the error instead."""
    assert normalise_code("mao1i") == "MAO1I"
    assert normalise_code("ＭＡＯ１Ｉ") == "MAO1I"


@given(st.text())
def test_normalise_code_is_idempotent(text):
    """Normalising twice changes nothing: stored codes compare equal to re-typed ones."""
    once = normalise_code(text)
    assert normalise_code(once) == once


@given(st.text(alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E)))
def test_fullwidth_text_normalises_like_ascii(text):
    """A code typed with a Chinese input method normalises exactly like its ASCII spelling."""
    fullwidth = "".join(chr(ord(c) + 0xFEE0) for c in text)
    assert normalise_code(fullwidth) == normalise_code(text)
