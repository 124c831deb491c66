"""Tests for xinzhi.domain.credit_code: 统一社会信用代码 GB 32100-2015 + GB 11714 (RULES.md §4)."""

from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from xinzhi.domain.credit_code import (
    ORG_VALUES,
    ORG_WEIGHTS,
    USCC_CHARSET,
    USCC_WEIGHTS,
    CreditCode,
    is_valid_credit_code,
    make_credit_code,
    org_check_char,
    parse_credit_code,
    uscc_check_char,
)
from xinzhi.domain.errors import InvalidValue

WORKED_EXAMPLE = "91110108MA01B7C46F"  # RULES.md §4.5
REAL_CODES = ["91350200776049653A", "913502000728319549", "9135021359498494XQ"]  # §4.5 [S20a]
ISSUED_BUT_FAILS_CHECKSUM = "91350203M0001QAY9B"  # §4.6 [S20a]
DIGITS = "0123456789"


def _error(raw: str, **kwargs) -> InvalidValue:
    with pytest.raises(InvalidValue) as caught:
        parse_credit_code(raw, **kwargs)
    return caught.value


# --- constants ---------------------------------------------------------------------------------


def test_charset_has_31_characters_without_i_o_s_v_z():
    """RULES.md §4.2 ✅ 31-character set, value = index, no I, O, S, V, Z."""
    assert len(USCC_CHARSET) == len(set(USCC_CHARSET)) == 31
    assert not set("IOSVZ") & set(USCC_CHARSET)
    assert USCC_CHARSET.index("A") == 10 and USCC_CHARSET.index("M") == 21
    assert USCC_CHARSET.index("Y") == 30


def test_uscc_weights_are_powers_of_three_mod_31():
    """RULES.md §4.3 ✅ W_i = 3^(i−1) mod 31."""
    assert list(USCC_WEIGHTS) == [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def test_org_table_runs_over_the_full_alphabet():
    """RULES.md §4.4 / §0 C8 ✅ GB 11714: A=10 … I=18 … M=22 … Z=35; weights 3 7 9 10 5 8 4 2."""
    assert ORG_VALUES.index("I") == 18
    assert ORG_VALUES.index("M") == 22
    assert ORG_VALUES.index("Z") == 35
    assert list(ORG_WEIGHTS) == [3, 7, 9, 10, 5, 8, 4, 2]


# --- worked example and real codes (§4.5) --------------------------------------------------------


def test_worked_example_org_check_char():
    """RULES.md §4.5 ✅ GB 11714 on MA01B7C4: Σ = 313, 313 mod 11 = 5, 11 − 5 = 6."""
    assert org_check_char("MA01B7C4") == "6"


def test_worked_example_uscc_check_char():
    """RULES.md §4.5 ✅ GB 32100 on 91110108MA01B7C46: Σ = 1597, 31 − 16 = 15 → F."""
    assert uscc_check_char("91110108MA01B7C46") == "F"


def test_worked_example_is_valid_and_split_into_parts():
    """RULES.md §4.1 ✅ structure: 9 工商 · 1 企业 · 110108 海淀 · MA01B7C46 org code · F."""
    code = parse_credit_code(WORKED_EXAMPLE)
    assert code == CreditCode(WORKED_EXAMPLE, "9", "1", "110108", "MA01B7C46")
    assert code.department_zh == "工商（市场监管）"
    assert code.category_zh == "企业"
    assert code.warnings == ()
    assert is_valid_credit_code(WORKED_EXAMPLE)


def test_worked_example_with_wrong_check_char_fails_checksum():
    """RULES.md §4.5 ✅ negative test: 91110108MA01B7C46G fails the GB 32100 checksum."""
    error = _error("91110108MA01B7C46G")
    assert error.code == "credit_code_checksum"
    assert "91110108MA01B7C46G" in error.zh and "91110108MA01B7C46G" in error.en
    assert not is_valid_credit_code("91110108MA01B7C46G")


def test_worked_example_with_letter_o_fails_format_with_a_hint():
    """RULES.md §4.5 ✅ negative test: MAO1… (letter O) fails the format; §4.6 hint, never map."""
    error = _error("91110108MAO1B7C46F")
    assert error.code == "credit_code_charset"
    assert "第11位“O”" in error.zh and "数字0" in error.zh
    assert "character 11 'O'" in error.en and "did you mean the digit 0?" in error.en


@pytest.mark.parametrize("code", REAL_CODES)
def test_real_world_codes_pass_both_checks(code):
    """RULES.md §4.5 ✅ real-world cross-check codes from a public validator's test list [S20a]."""
    assert parse_credit_code(code).value == code
    assert is_valid_credit_code(code)


def test_issued_code_failing_checksum_needs_the_override():
    """RULES.md §4.6 ✅ 91350203M0001QAY9B was issued but fails mod 31: needs the override."""
    assert _error(ISSUED_BUT_FAILS_CHECKSUM).code == "credit_code_checksum"
    assert not is_valid_credit_code(ISSUED_BUT_FAILS_CHECKSUM)
    code = parse_credit_code(ISSUED_BUT_FAILS_CHECKSUM, allow_checksum_failure=True)
    assert code.value == ISSUED_BUT_FAILS_CHECKSUM
    assert code.org_code == "M0001QAY9"


# --- §4.4: the GB 11714 check at position 17 ------------------------------------------------------


def _with_wrong_org_check() -> str:
    """The worked example with a wrong position 17 but a correct position 18."""
    first16 = WORKED_EXAMPLE[:16]
    first17 = first16 + "7"  # the right org check character is 6
    return first17 + uscc_check_char(first17)


def test_org_check_failure_has_its_own_code():
    """RULES.md §4.4 ✅ position 17 is the GB 11714 check over positions 9–16."""
    code = _with_wrong_org_check()
    error = _error(code)
    assert error.code == "credit_code_org_check"
    assert code in error.zh and "第17位" in error.zh
    assert "character 17" in error.en


def test_override_also_tolerates_the_org_check():
    """RULES.md §4.6 ✅ administrator override covers both checksum failures (org and final)."""
    code = _with_wrong_org_check()
    assert parse_credit_code(code, allow_checksum_failure=True).org_code == "MA01B7C47"


def test_org_check_uses_the_full_alphabet_table():
    """RULES.md §0 C8 ✅ using the GB 32100 table for GB 11714 is the common bug: M must be 22."""
    wrong_table = sum(
        USCC_CHARSET.index(c) * w for c, w in zip("MA01B7C4", ORG_WEIGHTS, strict=True)
    )
    wrong_check = str(11 - wrong_table % 11)  # = 9: what the buggy implementation gives
    assert wrong_check != org_check_char("MA01B7C4") == "6"


def test_org_check_char_values_10_and_11():
    """RULES.md §4.4 ✅ C9 = 11 − (Σ mod 11); 10 → X, 11 → 0."""
    assert org_check_char("00000000") == "0"  # Σ = 0 → 11 → 0
    assert org_check_char("59498494") == "X"  # from the real code 9135021359498494XQ


# --- length and character set (§4.1, §4.2) -----------------------------------------------------


@pytest.mark.parametrize("raw", ["", "91110108MA01B7C46", "91110108MA01B7C46FF"])
def test_length_must_be_18(raw):
    """RULES.md §4.1 ✅ 18 characters."""
    error = _error(raw)
    assert error.code == "credit_code_length"
    assert f"为{len(raw)}位" in error.zh and f"has {len(raw)}" in error.en


def test_legacy_registration_number_gets_a_hint():
    """RULES.md §4.6 ✅ legacy 15-digit 工商注册号: say what it is."""
    error = _error("110108012345678")
    assert error.code == "credit_code_length"
    assert "工商注册号" in error.zh and "registration number" in error.en


def test_legacy_organisation_code_gets_a_hint():
    """RULES.md §4.6 ✅ legacy 9-character 组织机构代码 written XXXXXXXX-X: say what it is."""
    error = _error("MA01B7C4-6")
    assert error.code == "credit_code_length"
    assert "组织机构代码" in error.zh and "organisation code" in error.en


@pytest.mark.parametrize("letter", list("IOSVZ"))
def test_letters_i_o_s_v_z_are_never_valid(letter):
    """RULES.md §4.2 ✅ I, O, S, V, Z are not in the charset: name the position and character."""
    raw = WORKED_EXAMPLE[:9] + letter + WORKED_EXAMPLE[10:]
    error = _error(raw)
    assert error.code == "credit_code_charset"
    assert f"第10位“{letter}”" in error.zh and f"character 10 '{letter}'" in error.en
    hinted = {"O": "0", "I": "1"}.get(letter)
    assert ("did you mean" in error.en) == (hinted is not None)
    if hinted:
        assert f"digit {hinted}" in error.en and f"数字{hinted}" in error.zh


def test_override_never_relaxes_length_or_charset():
    """RULES.md §4.6 ✅ only checksum failures are overridable; the format is always enforced."""
    assert _error("91110108MAO1B7C46F", allow_checksum_failure=True).code == "credit_code_charset"
    assert _error("91110108MA01B7C4", allow_checksum_failure=True).code == "credit_code_length"


def test_region_must_be_digits():
    """RULES.md §4.2 ✅ format regex: positions 3–8 (行政区划码) are digits only."""
    first17 = "91A10108MA01B7C46"
    error = _error(first17 + uscc_check_char(first17))  # a letter the charset has, wrong place
    assert error.code == "credit_code_charset"
    assert "第3位“A”应为数字" in error.zh and "character 3 'A' must be a digit" in error.en


def test_every_offending_character_is_reported():
    """All bad positions in one message, so a clerk fixes the code in one go."""
    error = _error("9I11O108MA01B7C4-F")
    assert "第2位“I”" in error.zh and "第5位“O”" in error.zh and "第17位“-”" in error.zh


def test_input_is_normalised_first():
    """RULES.md §4.6 ✅ trim, full-width → half-width, upper-case before checking."""
    for raw in [
        "９１１１０１０８ＭＡ０１Ｂ７Ｃ４６Ｆ",
        " 91110108ma01b7c46f\u3000",
        "9111 0108 MA01 B7C4 6F",
    ]:
        assert parse_credit_code(raw).value == WORKED_EXAMPLE
        assert is_valid_credit_code(raw)


# --- department and category codes (§4.1) ------------------------------------------------------


@pytest.mark.parametrize(
    ("department", "category", "department_zh", "category_zh"),
    [
        ("1", "1", "机构编制", "机关"),
        ("1", "2", "机构编制", "事业单位"),
        ("5", "1", "民政", "社会团体"),
        ("5", "3", "民政", "基金会"),
        ("9", "2", "工商（市场监管）", "个体工商户"),
        ("9", "3", "工商（市场监管）", "农民专业合作社"),
        ("Y", "1", "其他", "其他"),
    ],
)
def test_known_department_and_category_codes(department, category, department_zh, category_zh):
    """RULES.md §4.1 ✅ [S20e] department codes 1/5/9/Y and their category codes."""
    code = parse_credit_code(make_credit_code(department, category, "210112", "MA0XK1W1"))
    assert (code.department_zh, code.category_zh, code.warnings) == (department_zh, category_zh, ())


def test_unknown_department_is_a_warning_not_an_error():
    """RULES.md §4.1 ❓ other department codes (e.g. 3 司法行政): warn, never hard-reject."""
    code = parse_credit_code(make_credit_code("3", "1", "210112", "MA0XK1W1"))
    assert code.department_zh is None
    (warning,) = code.warnings
    assert warning.code == "credit_code_department"
    assert "“3”" in warning.zh and "司法行政" in warning.zh and "'3'" in warning.en


def test_unknown_category_under_a_known_department_is_a_warning():
    """RULES.md §4.1 ✅ under 9 the categories are 1/2/3: anything else is warned, not rejected."""
    code = parse_credit_code(make_credit_code("9", "4", "210112", "MA0XK1W1"))
    assert code.category_zh is None
    (warning,) = code.warnings
    assert warning.code == "credit_code_category"
    assert "“4”" in warning.zh and "'4'" in warning.en


# --- make_credit_code and the check-character helpers -------------------------------------------


def test_make_credit_code_reproduces_the_worked_example():
    """RULES.md §4.5 ✅ 91 + 110108 + MA01B7C4 → 91110108MA01B7C46F."""
    assert make_credit_code("9", "1", "110108", "MA01B7C4") == WORKED_EXAMPLE


@pytest.mark.parametrize(
    ("parts", "code"),
    [
        (("91", "1", "110108", "MA01B7C4"), "credit_code_length"),
        (("9", "1", "11010", "MA01B7C4"), "credit_code_length"),
        (("9", "1", "110108", "MA01B7C"), "credit_code_length"),
        (("9", "1", "11010A", "MA01B7C4"), "credit_code_charset"),
        (("9", "1", "110108", "MAO1B7C4"), "credit_code_charset"),
        (("I", "1", "110108", "MA01B7C4"), "credit_code_charset"),
    ],
)
def test_make_credit_code_rejects_invalid_parts(parts, code):
    """RULES.md §4.2 ✅ the builder never produces a code the format forbids."""
    with pytest.raises(InvalidValue) as caught:
        make_credit_code(*parts)
    assert caught.value.code == code


@pytest.mark.parametrize(
    ("function", "raw", "code"),
    [
        (uscc_check_char, "91110108MA01B7C4", "credit_code_length"),
        (uscc_check_char, "91110108MAO1B7C46", "credit_code_charset"),
        (org_check_char, "MA01B7C", "credit_code_length"),
        (org_check_char, "MA01-7C4", "credit_code_charset"),
    ],
)
def test_check_char_helpers_reject_bad_input(function, raw, code):
    """The helpers take canonical input only; they refuse rather than compute garbage."""
    with pytest.raises(InvalidValue) as caught:
        function(raw)
    assert caught.value.code == code


def test_is_valid_credit_code_rejects_non_strings():
    """is_valid_credit_code is a predicate: it never raises."""
    assert not is_valid_credit_code(None)  # type: ignore[arg-type]
    assert not is_valid_credit_code(913502000728319549)  # type: ignore[arg-type]


# --- properties ----------------------------------------------------------------------------------

charset_char = st.sampled_from(USCC_CHARSET)
parts = st.tuples(
    charset_char,
    charset_char,
    st.text(alphabet=DIGITS, min_size=6, max_size=6),
    st.text(alphabet=USCC_CHARSET, min_size=8, max_size=8),
)
valid_codes = parts.map(lambda p: make_credit_code(*p))


def _allowed_at(position: int) -> str:
    """Characters the §4.2 format allows at a 0-based position."""
    return DIGITS if 2 <= position <= 7 else USCC_CHARSET


@given(parts)
def test_built_codes_parse_and_round_trip(p):
    """RULES.md §4.1–§4.4 ✅ any code built from valid parts parses back into those parts."""
    department, category, region, body = p
    code = make_credit_code(department, category, region, body)
    parsed = parse_credit_code(code)
    assert parsed.value == code
    assert (parsed.department, parsed.category, parsed.region) == (department, category, region)
    assert parsed.org_code == body + org_check_char(body)
    assert is_valid_credit_code(code)


@given(valid_codes, st.integers(0, 17), st.data())
def test_any_single_substitution_is_detected(code, position, data):
    """RULES.md §4.3 ✅ mod 31 with weights 3^i (31 prime, 31 symbols): every single-character
    substitution is caught; within the format it is a checksum error, outside a charset error."""
    replacement = data.draw(st.sampled_from(USCC_CHARSET.replace(code[position], "")))
    changed = code[:position] + replacement + code[position + 1 :]
    assert not is_valid_credit_code(changed)
    with pytest.raises(InvalidValue) as caught:
        parse_credit_code(changed)
    if replacement in _allowed_at(position):
        assert caught.value.code in ("credit_code_checksum", "credit_code_org_check")
    else:
        assert caught.value.code == "credit_code_charset"


def test_every_single_substitution_of_the_worked_example_is_detected():
    """RULES.md §4.3 ✅ exhaustively: all 18 × 30 substitutions of 91110108MA01B7C46F fail."""
    for position in range(18):
        for replacement in USCC_CHARSET.replace(WORKED_EXAMPLE[position], ""):
            changed = WORKED_EXAMPLE[:position] + replacement + WORKED_EXAMPLE[position + 1 :]
            assert not is_valid_credit_code(changed), changed


def test_org_check_alone_misses_some_substitutions_the_final_check_catches():
    """RULES.md §4.4 ✅ GB 11714 is mod 11 over values 0–35: 0 → B (value 11) keeps Σ mod 11, so
    position 17 stays right; the GB 32100 check at position 18 still rejects the code."""
    body = "MA01B7C4"
    changed_body = body.replace("0", "B")  # value 0 → 11, weight 9: Σ changes by 99 ≡ 0 (mod 11)
    assert org_check_char(changed_body) == org_check_char(body)
    changed = WORKED_EXAMPLE[:8] + changed_body + WORKED_EXAMPLE[16:]
    assert _error(changed).code == "credit_code_checksum"


@given(valid_codes, st.integers(0, 15))
def test_adjacent_transpositions_in_positions_1_to_17_are_detected(code, position):
    """RULES.md §4.3 ✅ weights w and 3w differ mod 31, so swapping two different neighbours
    among positions 1–17 changes Σ mod 31."""
    a, b = code[position], code[position + 1]
    # Skip no-op swaps and swaps that break the format (a charset error, tested above).
    assume(a != b and a in _allowed_at(position + 1) and b in _allowed_at(position))
    swapped = code[:position] + b + a + code[position + 2 :]
    assert not is_valid_credit_code(swapped)


@given(valid_codes)
def test_fullwidth_and_lowercase_spellings_parse_to_the_same_value(code):
    """RULES.md §4.6 ✅ normalise: full-width, lower-case and spaced spellings are the same code."""
    fullwidth = "".join(chr(ord(c) + 0xFEE0) for c in code)
    spaced = f" {code[:6].lower()}\u3000{code[6:].lower()}\t"
    assert parse_credit_code(fullwidth).value == code
    assert parse_credit_code(spaced).value == code
