"""The analysis rule file: the shipped one loads; a bad one fails at load with file, line, reason."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xinzhi.chains.problems import ChainFileError
from xinzhi.chains.rules import VARIABLES, load_rules, parse_rules
from xinzhi.chains.vocab import Mode

from .helpers import EQUAL_RULES


def test_shipped_rules_declare_all_five_modes():
    rules = load_rules()
    assert {rule.mode for rule in rules.modes} == set(Mode)
    assert rules.modes[-1].conditions == ()
    assert len(rules.sha256) == 64 and rules.label


def _problems(text: str):
    with pytest.raises(ChainFileError) as caught:
        parse_rules(text, "bad.yaml")
    return caught.value.problems


def _line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), start=1) if needle in line)


@pytest.mark.parametrize(
    ("old", "new", "needle", "code_or_words"),
    [
        (
            'when: {maturity: "<= 4"}',
            'when: {maturity_level: "<= 4"}',
            "maturity_level",
            "未知变量",
        ),
        ('when: {maturity: "<= 4"}', 'when: {maturity: "about 4"}', "about 4", "无法识别"),
        ('reason_zh: "成熟度{maturity}"', 'reason_zh: "成熟度{trl}"', "{trl}", "占位符"),
        (
            'reason_zh: "成熟度{maturity}"',
            'reason_zh: "成熟度{maturity:.0%}"',
            "{maturity:.0%}",
            "无法填写",
        ),
        ("  - mode: 揭榜挂帅\n", "  - mode: 揭榜\n", "揭榜\n", "不是可选值"),
        ("capable_min: 2", "capable_min: 7", "capable_min", "1到4"),
        ("local_gap: 1, ", "", "weights:", "local_gap"),
        (
            "min_score: 0.5, min_dimension",
            "min_score: 1.5, min_dimension",
            "min_score: 1.5",
            "0到1",
        ),
    ],
)
def test_bad_rule_files_name_the_line_and_the_reason(old, new, needle, code_or_words):
    assert old in EQUAL_RULES
    text = EQUAL_RULES.replace(old, new, 1)
    problems = _problems(text)
    expected_line = _line_of(text, needle.strip())
    assert any(p.origin.line == expected_line and code_or_words in p.zh for p in problems), [
        (p.origin.line, p.zh) for p in problems
    ]
    assert all(p.origin.file == "bad.yaml" and p.en for p in problems)


def test_last_rule_must_be_the_default():
    text = EQUAL_RULES.replace(
        "  - mode: 揭榜挂帅\n", '  - mode: 揭榜挂帅\n    when: {score: ">= 0.9"}\n'
    )
    assert any("最后一条" in p.zh for p in _problems(text))


def test_yaml_syntax_error_and_repeated_key_name_their_line():
    problems = _problems("label: x\nweights: {technology_control: [1\n")
    assert problems[0].code == "yaml_syntax" and problems[0].origin.line >= 2
    problems = _problems("label: x\nlabel: y\n")
    assert (problems[0].code, problems[0].origin.line) == ("duplicate_key", 2)


def test_a_bureau_can_change_weights_and_rules(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text(
        EQUAL_RULES.replace("technology_control: 1,", "technology_control: 5,"), encoding="utf-8"
    )
    rules = load_rules(path)
    assert rules.weights["technology_control"] == 5 and rules.source == "mine.yaml"


@settings(max_examples=200, deadline=None)
@given(
    variable=st.sampled_from([*VARIABLES, "nonsense"]),
    condition=st.one_of(
        st.text(max_size=12),
        st.integers(-5, 20),
        st.floats(allow_nan=False),
        st.booleans(),
        st.none(),
    ),
)
def test_any_condition_loads_or_is_reported_with_its_line(variable, condition):
    import json

    text = EQUAL_RULES.replace(
        'when: {maturity: "<= 4"}', f"when: {{{variable}: {json.dumps(condition)}}}"
    )
    try:
        rules = parse_rules(text, "fuzz.yaml")
    except ChainFileError as error:
        assert all(p.origin.line and p.zh and p.en for p in error.problems)
    else:
        assert rules.modes[0].conditions[0].variable == variable


def test_a_bad_condition_is_reported_once():
    text = EQUAL_RULES.replace('when: {maturity: "<= 4"}', 'when: {maturity_level: "<= 4"}')
    assert [p.code for p in _problems(text)] == ["rules"]
    assert "maturity_level" in _problems(text)[0].zh
