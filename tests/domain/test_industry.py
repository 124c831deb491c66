"""Tests for xinzhi.domain.industry: GB/T 4754-2017 and 战略性新兴产业分类 2018 (RULES.md §7)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xinzhi.domain.errors import InvalidValue
from xinzhi.domain.industry import (
    GB4754_SECTIONS,
    SEI_CATEGORIES,
    parse_industry_code,
    parse_sei_category,
    section_of_division,
)

# --- §7.1 GB/T 4754-2017 -----------------------------------------------------------------------


def test_twenty_sections_a_to_t():
    """RULES.md §7.1 / §0 C7 ✅ 20 门类, lettered A–T."""
    assert list(GB4754_SECTIONS) == [chr(c) for c in range(ord("A"), ord("T") + 1)]


def test_division_ranges_are_contiguous_and_cover_97_divisions():
    """RULES.md §7.1 ✅ 97 大类; ❓ ranges other than A/B, which must at least tile 01–97."""
    expected_first = 1
    for _name, first, last in GB4754_SECTIONS.values():
        assert first == expected_first and last >= first
        expected_first = last + 1
    assert expected_first - 1 == 97


def test_confirmed_ranges_of_a_and_b():
    """RULES.md §7.1 ✅ [S25] A 农、林、牧、渔业 01–05; B 采矿业 06–12."""
    assert GB4754_SECTIONS["A"] == ("农、林、牧、渔业", 1, 5)
    assert GB4754_SECTIONS["B"] == ("采矿业", 6, 12)


@pytest.mark.parametrize(
    ("division", "section"),
    [
        (1, "A"),
        (5, "A"),
        (6, "B"),
        (13, "C"),
        (38, "C"),
        (65, "I"),
        (70, "K"),
        (83, "P"),
        (97, "T"),
    ],
)
def test_section_of_division(division, section):
    """RULES.md §7.1 ✅ the 大类 is unique across 门类, so the letter follows from it (6513 → I)."""
    assert section_of_division(division) == section


@pytest.mark.parametrize("division", [0, 98, 99, -1])
def test_section_of_unknown_division(division):
    """RULES.md §7.1 ✅ 大类 run from 01 to 97."""
    with pytest.raises(InvalidValue) as caught:
        section_of_division(division)
    assert caught.value.code == "industry_code"


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("C3831", "C3831"),
        ("3831", "C3831"),
        ("C38", "C38"),
        ("383", "C383"),
        ("38", "C38"),
        ("C", "C"),
        ("6513", "I6513"),  # the §7.1 example: 6513 → I
        ("I6513", "I6513"),
        ("0511", "A0511"),
        ("c3831", "C3831"),
        (" C 3831\u3000", "C3831"),
        ("Ｃ３８３１", "C3831"),
        ("9700", "T9700"),
    ],
)
def test_industry_code_is_normalised_with_its_letter(raw, normalised):
    """RULES.md §7.1 ✅ 门类 letter + 2/3/4 digits; stored with the letter, e.g. I6513."""
    assert parse_industry_code(raw) == normalised


def test_letter_must_match_the_division():
    """RULES.md §7.1 ✅ the letter is derived from the 大类: F with 大类 38 (制造业, C) is wrong."""
    with pytest.raises(InvalidValue) as caught:
        parse_industry_code("F3831")
    error = caught.value
    assert error.code == "industry_code"
    assert "F3831" in error.zh and "C门类（制造业）" in error.zh
    assert "section C" in error.en


def test_2002_lettering_is_refused():
    """RULES.md §7.1 ✅ pitfall: 2002 lettering (G = 信息传输); 大类 65 is I in 2017, not G."""
    with pytest.raises(InvalidValue):
        parse_industry_code("G6513")


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "3",
        "C3",
        "38311",
        "C38311",
        "00",
        "0011",
        "98",
        "9901",
        "U",
        "U97",
        "CC38",
        "C-3831",
        "38C",
        "C38.31",
    ],
)
def test_malformed_or_unknown_industry_codes(raw):
    """RULES.md §7.1 ✅ 2–4 digits, 大类 01–97, optional letter A–T; nothing else."""
    with pytest.raises(InvalidValue) as caught:
        parse_industry_code(raw)
    assert caught.value.code == "industry_code"


@given(st.integers(1, 97), st.text(alphabet="0123456789", max_size=2))
def test_every_division_code_with_or_without_letter(division, rest):
    """RULES.md §7.1 ✅ a bare code and the same code with its letter normalise to one value."""
    digits = f"{division:02d}{rest}"
    letter = section_of_division(division)
    assert parse_industry_code(digits) == parse_industry_code(letter + digits) == letter + digits


# --- §7.2 战略性新兴产业分类 (2018) --------------------------------------------------------


def test_nine_categories_in_official_order():
    """RULES.md §7.2 ✅ nine categories, names and order [S26]; ❓ the numeric codes 1–9."""
    assert SEI_CATEGORIES == {
        "1": "新一代信息技术产业",
        "2": "高端装备制造产业",
        "3": "新材料产业",
        "4": "生物产业",
        "5": "新能源汽车产业",
        "6": "新能源产业",
        "7": "节能环保产业",
        "8": "数字创意产业",
        "9": "相关服务业",
    }


@pytest.mark.parametrize("code", list(SEI_CATEGORIES))
def test_category_by_code_or_name(code):
    """RULES.md §7.2 ✅ a category is given by its code or its exact Chinese name."""
    assert parse_sei_category(code) == code
    assert parse_sei_category(SEI_CATEGORIES[code]) == code
    assert parse_sei_category(f" {SEI_CATEGORIES[code]}\u3000") == code


@pytest.mark.parametrize(
    ("short", "code"),
    [
        ("新一代信息技术", "1"),
        ("新材料", "3"),
        ("生物", "4"),
        ("新能源汽车", "5"),
        ("新能源", "6"),
        ("数字创意", "8"),
        ("相关服务", "9"),
        ("１", "1"),
    ],
)
def test_short_names_without_the_suffix(short, code):
    """Names without the trailing 产业 / 业 are accepted: none of them is ambiguous."""
    assert parse_sei_category(short) == code


@pytest.mark.parametrize("raw", ["", "0", "10", "01", "新能源产", "互联网", "生物医药", "高端装备"])
def test_unknown_category(raw):
    """RULES.md §7.2 ✅ only the nine first-level categories exist."""
    with pytest.raises(InvalidValue) as caught:
        parse_sei_category(raw)
    assert caught.value.code == "sei_category"
    assert "新一代信息技术产业" in caught.value.zh  # lists the choices
