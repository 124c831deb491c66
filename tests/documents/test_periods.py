"""Reporting periods: bounds, the period before, year on year, and clear errors."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xinzhi.domain.errors import InvalidValue
from xinzhi.metrics.periods import Period

periods = st.one_of(
    st.builds(Period, st.just("annual"), st.integers(1950, 2100)),
    st.builds(Period, st.just("quarterly"), st.integers(1950, 2100), st.integers(1, 4)),
    st.builds(Period, st.just("monthly"), st.integers(1950, 2100), st.integers(1, 12)),
)


@given(periods)
def test_the_period_before_ends_the_day_before_this_one_starts(period):
    assert period.previous().end + dt.timedelta(days=1) == period.start
    assert period.start <= period.end
    assert period.year_ago().start.replace(year=period.year) == period.start


def test_labels_and_bounds():
    q3 = Period.parse("quarterly", 2023, quarter=3)
    assert (q3.start, q3.end, q3.label_zh) == (
        dt.date(2023, 7, 1),
        dt.date(2023, 9, 30),
        "2023年第三季度",
    )
    feb = Period.parse("monthly", 2024, month=2)
    assert feb.end == dt.date(2024, 2, 29) and feb.label_zh == "2024年2月"
    assert Period.parse("monthly", 2023, month=1).previous() == Period("monthly", 2022, 12)


@pytest.mark.parametrize(
    ("kind", "quarter", "month", "code"),
    [
        ("weekly", None, None, "period_kind"),
        ("quarterly", 5, None, "period_quarter"),
        ("quarterly", None, None, "period_quarter"),
        ("monthly", None, 13, "period_month"),
        ("annual", 1, None, "period_extra"),
    ],
)
def test_a_bad_period_is_named_in_both_languages(kind, quarter, month, code):
    with pytest.raises(InvalidValue) as raised:
        Period.parse(kind, 2023, quarter, month)
    assert raised.value.code == code and raised.value.zh and raised.value.en
