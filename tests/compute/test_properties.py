"""Property tests: the capacity check agrees with a direct sweep; date-times parse or are
refused with a reason."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xinzhi.compute.imports import import_compute_file, parse_datetime
from xinzhi.domain.errors import InvalidValue

from .conftest import write

GPU_CARDS = 8
jobs = st.lists(
    st.tuples(st.integers(0, 23), st.integers(1, 12), st.integers(1, 8)),  # start h, hours, cards
    min_size=1,
    max_size=6,
)


def peak(rows) -> int:
    events = sorted(
        [(start, cards) for start, _, cards in rows]
        + [(start + hours, -cards) for start, hours, cards in rows],
        key=lambda e: (e[0], e[1]),  # an end frees its cards before a start at the same hour
    )
    held = top = 0
    for _, delta in events:
        held += delta
        top = max(top, held)
    return top


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=jobs)
def test_a_file_is_refused_exactly_when_the_pool_is_ever_over_capacity(centre, rows):
    engine, tmp = centre
    # Two days of its own: a job may start at 23:00 and run 12 hours into the next day, where
    # the next example's jobs would overlap it.
    number = next(_days)
    day = dt.datetime(2023, 1, 1) + dt.timedelta(days=2 * number)
    lines = ["JobID,Account,Partition,Start,End,卡数"]
    for i, (start, hours, cards) in enumerate(rows):
        begin = day + dt.timedelta(hours=start)
        lines.append(
            f"{number}-{i},acme,gpu,{begin:%Y-%m-%d %H:%M},{begin + dt.timedelta(hours=hours):%Y-%m-%d %H:%M},{cards}"
        )
    result = import_compute_file(
        engine, "usage", write(tmp, "p.csv", "\n".join(lines) + "\n"), centre="SY", actor="t"
    )
    assert result.ok == (peak(rows) <= GPU_CARDS), result.errors
    assert all(e.code == "above_capacity" for e in result.errors)


_days = itertools.count()


@given(st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2099, 12, 31)))
def test_datetimes_round_trip_in_every_written_form(moment):
    moment = moment.replace(microsecond=0)
    for text in (moment.isoformat(), moment.isoformat(sep=" "), f"{moment:%Y/%m/%d %H:%M:%S}"):
        assert parse_datetime(text) == moment


@given(st.text(max_size=30))
def test_anything_else_is_refused_with_a_reason(text):
    try:
        parse_datetime(text)
    except InvalidValue as error:
        assert error.code == "datetime_format" and "不是日期时间" in error.zh
