"""Event pairing respects every constraint and is optimal (checked against brute force)."""

from __future__ import annotations

import datetime as dt
import itertools
import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from xinzhi.matching.event import EventPair, Party, schedule
from xinzhi.matching.pairing import PairingError, choose_pairs


@st.composite
def problems(draw, max_experts=4, max_firms=4):
    experts = draw(st.integers(1, max_experts))
    firms = draw(st.integers(1, max_firms))
    quality = draw(
        arrays(np.float64, (experts, firms), elements=st.floats(0, 100, allow_nan=False, width=32))
    )
    capacity = draw(st.lists(st.integers(0, 3), min_size=experts, max_size=experts))
    excluded = draw(arrays(bool, (experts, firms)))
    pairs = draw(st.integers(0, min(sum(capacity), firms)))
    return quality, np.array(capacity), excluded, pairs


def brute_force(quality, capacity, excluded, pairs):
    """Best total over every set of ``pairs`` allowed pairs meeting the constraints, or None."""
    experts, firms = quality.shape
    allowed = [(e, f) for e in range(experts) for f in range(firms) if not excluded[e, f]]
    best = None
    for chosen in itertools.combinations(allowed, pairs):
        if len({f for _, f in chosen}) < pairs:
            continue  # a firm twice
        load = np.bincount([e for e, _ in chosen], minlength=experts)
        if (load > capacity).any():
            continue
        total = sum(quality[e, f] for e, f in chosen)
        best = total if best is None else max(best, total)
    return best


@settings(max_examples=150, deadline=None)
@given(problems())
def test_pairs_respect_every_constraint_and_are_optimal(problem):
    quality, capacity, excluded, pairs = problem
    best = brute_force(quality, capacity, excluded, pairs)
    if best is None:
        with pytest.raises(PairingError):
            choose_pairs(quality, pairs, capacity=capacity, excluded=excluded)
        return
    chosen = choose_pairs(quality, pairs, capacity=capacity, excluded=excluded)
    assert len(chosen) == pairs  # exactly N
    firms = [p.enterprise for p in chosen]
    assert len(set(firms)) == len(firms)  # one expert per enterprise
    load = np.bincount([p.expert for p in chosen], minlength=len(capacity))
    assert (load <= capacity).all()  # capacity
    assert not any(excluded[p.expert, p.enterprise] for p in chosen)  # exclusions
    assert all(p.quality == quality[p.expert, p.enterprise] for p in chosen)
    assert math.isclose(sum(p.quality for p in chosen), best, rel_tol=1e-9, abs_tol=1e-6)


@settings(max_examples=60, deadline=None)
@given(problems(max_experts=3, max_firms=4), st.floats(0, 100))
def test_minimum_quality_is_never_undercut(problem, floor):
    quality, capacity, excluded, pairs = problem
    below = excluded | (quality < floor)
    assume(brute_force(quality, capacity, below, pairs) is not None)
    chosen = choose_pairs(quality, pairs, capacity=capacity, excluded=excluded, min_quality=floor)
    assert all(p.quality >= floor for p in chosen)


def test_one_to_one_is_the_default_capacity():
    quality = np.array([[9.0, 8.0], [1.0, 1.0]])
    chosen = choose_pairs(quality, 2)
    assert {(p.expert, p.enterprise) for p in chosen} == {(0, 0), (1, 1)}


def test_capacity_lets_a_strong_expert_take_several_firms():
    quality = np.array([[9.0, 8.0, 7.0], [1.0, 1.0, 1.0]])
    chosen = choose_pairs(quality, 3, capacity=3)
    assert sum(p.quality for p in chosen) == 24.0
    assert {p.expert for p in chosen} == {0}


def test_too_many_pairs_are_refused_in_both_languages():
    with pytest.raises(PairingError) as error:
        choose_pairs(np.ones((2, 3)), 3)
    assert "最多 2 对" in error.value.zh and "at most 2" in error.value.en


def test_exclusions_that_make_it_impossible_are_refused():
    excluded = np.array([[True, True], [False, True]])
    with pytest.raises(PairingError, match="exclusions"):
        choose_pairs(np.ones((2, 2)), 2, excluded=excluded)


def test_negative_quality_is_a_programming_error():
    with pytest.raises(ValueError):
        choose_pairs(np.array([[-1.0]]), 1)


# --- the schedule -------------------------------------------------------------------------


def _pairs(experts_of: list[int]) -> list[EventPair]:
    return [
        EventPair(
            Party(e, f"E{e}", f"专家{e}", "所"),
            Party(100 + i, f"C{i}", f"企业{i}", "区"),
            50.0,
            None,
            None,
        )
        for i, e in enumerate(experts_of)
    ]


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.integers(0, 5), min_size=1, max_size=40), st.one_of(st.none(), st.integers(1, 8))
)
def test_schedule_never_double_books_and_fits_the_tables(experts_of, tables):
    start = dt.datetime(2024, 6, 18, 9, 0)
    meetings = schedule(
        _pairs(experts_of), start=start, slot_minutes=20, tables=tables, break_minutes=5
    )
    assert len(meetings) == len(experts_of)  # everyone meets
    busiest = max(experts_of.count(e) for e in set(experts_of))
    slots = max(m.slot for m in meetings)
    assert slots == max(busiest, math.ceil(len(experts_of) / tables) if tables else busiest)
    seen = set()
    for m in meetings:
        assert (m.slot, m.pair.expert.id) not in seen  # one table at a time
        seen.add((m.slot, m.pair.expert.id))
        if tables:
            assert 1 <= m.table <= tables
        assert m.start == start + (m.slot - 1) * dt.timedelta(minutes=25)
        assert m.end - m.start == dt.timedelta(minutes=20)
    per_slot = [(m.slot, m.table) for m in meetings]
    assert len(set(per_slot)) == len(per_slot)  # one meeting per table and slot


def test_schedule_rejects_a_room_without_tables():
    with pytest.raises(PairingError):
        schedule(_pairs([0]), start=dt.datetime(2024, 1, 1), tables=0)
