"""Property tests of the cell parsers of the assessment inputs (issue #3)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xinzhi.domain.enums import StandardLevel
from xinzhi.domain.errors import InvalidValue
from xinzhi.ingest.kinds import (
    INNOVATION_REVIEWS,
    _rank,
    parse_round,
    parse_standard_number,
)

FULLWIDTH = {c: c + 0xFEE0 for c in range(0x21, 0x7F)}

# --- financing rounds ------------------------------------------------------------------------


@given(st.text(min_size=1, max_size=40).filter(lambda t: t.strip()))
def test_round_labels_are_a_fixed_point(text):
    """Whatever the spelling, parsing the label again gives the same label."""
    try:
        label = parse_round(text)
    except InvalidValue:
        return
    assert parse_round(label) == label
    assert label == label.strip() and len(label) <= 30


@given(
    st.sampled_from("abcdefgh"),
    st.booleans(),
    st.sampled_from(["", "+", "++"]),
    st.sampled_from(["{}", "{}轮", "{}轮融资", "{} round", "Series {}", " {} "]),
    st.booleans(),
)
def test_letter_rounds_have_one_spelling(letter, pre, plus, pattern, upper):
    name = ("pre-" if pre else "") + letter + plus
    written = pattern.format(name.upper() if upper else name)
    assert parse_round(written) == ("Pre-" if pre else "") + letter.upper() + plus


@pytest.mark.parametrize(
    ("written", "label"),
    [
        ("preipo", "Pre-IPO"),
        ("Pre IPO轮", "Pre-IPO"),
        ("天使轮", "天使"),
        ("战略投资", "战略投资"),
        ("ＡＢ", "AB"),
    ],
)
def test_other_round_names_are_kept(written, label):
    assert parse_round(written) == label


# --- standard numbers ------------------------------------------------------------------------

CODES = {
    StandardLevel.NATIONAL: ["GB", "GB/T", "GB/Z"],
    StandardLevel.INDUSTRY: ["JB/T", "YY", "SJ/T", "YY/T", "HG/T"],
    StandardLevel.LOCAL: ["DB21/T", "DB2101/T", "DB21"],
    StandardLevel.GROUP: ["T/CMIF", "T/CAMDI", "T/CES"],
}


@given(
    st.sampled_from([(level, code) for level, codes in CODES.items() for code in codes]),
    st.lists(st.integers(1, 99999), min_size=1, max_size=3),
    st.integers(1950, 2030),
    st.sampled_from([" ", "", "  "]),
    st.sampled_from(["-", "—", "－", " - "]),
    st.booleans(),
    st.booleans(),
)
def test_standard_numbers_have_one_spelling(code_level, parts, year, gap, dash, lower, wide):
    level, code = code_level
    number = ".".join(map(str, parts))
    gap = gap or (" " if code[-1].isdigit() else "")  # "DB2112-2020": which digits are the code?
    written = f"{code}{gap}{number}{dash}{year}"
    written = written.lower() if lower else written
    written = written.translate(FULLWIDTH) if wide else written
    assert parse_standard_number(written) == (f"{code} {number}-{year}", level)


@given(st.text(max_size=30))
def test_standard_number_parser_never_crashes_and_is_idempotent(text):
    try:
        number, level = parse_standard_number(text)
    except InvalidValue as error:
        assert error.code == "standard_number" and "GB/T 12345-2023" in error.zh
        return
    assert parse_standard_number(number) == (number, level)


@pytest.mark.parametrize(
    "written", ["ISO 9001:2015", "iso/iec 27001:2022", "IEC 61508-1:2010", "ITU-T Y.3172"]
)
def test_international_standards(written):
    number, level = parse_standard_number(written)
    assert level == StandardLevel.INTERNATIONAL and number == written.upper()


@pytest.mark.parametrize(
    "written", ["GB/T 12345", "12345-2023", "GB/T ABC-2023", "Q/XYZ 1-2020", "ISO", ""]
)
def test_not_standard_numbers(written):
    with pytest.raises(InvalidValue):
        parse_standard_number(written)


# --- scores and ranks ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("column", "maximum"), [("advancement", 8), ("core_support", 8), ("rd_management", 20)]
)
@given(value=st.integers(-50, 50))
def test_scores_are_whole_numbers_within_their_band(column, maximum, value):
    parse = INNOVATION_REVIEWS.column(column).parse
    if 0 <= value <= maximum:
        assert parse(str(value), 1) == value == parse(value, 1)
    else:
        with pytest.raises(InvalidValue) as raised:
            parse(str(value), 1)
        assert raised.value.code in ("score_range", "count_negative")


@given(st.integers(-5, 10**6))
def test_ranks_start_at_one(value):
    if value >= 1:
        assert _rank(str(value), 1) == value
    else:
        with pytest.raises(InvalidValue):
            _rank(str(value), 1)
