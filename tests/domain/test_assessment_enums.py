"""The closed vocabularies of the assessment inputs (issue #3): values, labels and parsing."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xinzhi.domain.enums import (
    AwardLevel,
    HnteField,
    IncidentKind,
    ReviewSource,
    StandardLevel,
    StandardRole,
    TaxCollection,
)
from xinzhi.domain.errors import InvalidValue
from xinzhi.domain.text import to_halfwidth

NEW = (
    HnteField,
    TaxCollection,
    IncidentKind,
    StandardLevel,
    StandardRole,
    AwardLevel,
    ReviewSource,
)
NUMERALS = "一二三四五六七八"


def test_hnte_fields_are_the_eight_of_rules_1_7():
    """RULES.md §1.7: the 2016 first-level fields, in order, stored as "1"…"8"."""
    assert [(f.value, f.zh) for f in HnteField] == [
        ("1", "电子信息"),
        ("2", "生物与新医药"),
        ("3", "航空航天"),
        ("4", "新材料"),
        ("5", "高技术服务"),
        ("6", "新能源与节能"),
        ("7", "资源与环境"),
        ("8", "先进制造与自动化"),
    ]


@given(
    st.sampled_from(list(HnteField)),
    st.sampled_from(["code", "numeral", "name", "wide"]),
    st.sampled_from(["", " ", "\u3000"]),
    st.booleans(),
)
def test_hnte_field_parses_code_numeral_or_name(field, form, pad, suffix):
    written = {
        "code": field.value,
        "numeral": NUMERALS[int(field.value) - 1],
        "name": field.zh,
        "wide": chr(ord(field.value) + 0xFEE0),
    }[form]
    if suffix and form == "name":
        written += "领域"
    assert HnteField.parse(pad + written + pad) is field


@given(st.text(max_size=12))
def test_hnte_field_refuses_anything_else(text):
    try:
        field = HnteField.parse(text)
    except InvalidValue as error:
        assert error.code == "unknown_choice" and "电子信息" in error.zh
        return
    written = to_halfwidth(text).strip().removesuffix("领域")
    assert written in (field.value, field.zh, *field.aliases)


@pytest.mark.parametrize("enum", NEW)
def test_every_member_parses_from_value_label_and_aliases(enum):
    for member in enum:
        for written in (member.value, member.zh, *member.aliases):
            assert enum.parse(written) is member
    spellings = [w for m in enum for w in (m.value, m.zh, *m.aliases)]
    assert len(spellings) == len(set(spellings)), "a spelling must name one member only"


def test_stored_values_fit_their_columns():
    """The lengths the registry columns allow (models.registry)."""
    widths = {
        HnteField: 2,
        TaxCollection: 10,
        IncidentKind: 30,
        StandardLevel: 20,
        StandardRole: 20,
        AwardLevel: 20,
        ReviewSource: 10,
    }
    for enum, width in widths.items():
        assert max(len(m.value) for m in enum) <= width, enum


def test_incident_kinds_named_in_the_rules():
    """RULES.md §1.2 condition 8 and §2.2 condition 4 name exactly these seven."""
    assert {k.zh for k in IncidentKind} == {
        "重大安全事故",
        "重大质量事故",
        "严重环境违法行为",
        "科研严重失信行为",
        "列入经营异常名录",
        "列入严重违法失信企业名单",
        "严重弄虚作假",
    }
    assert TaxCollection.parse("查账征收") is TaxCollection.AUDIT
