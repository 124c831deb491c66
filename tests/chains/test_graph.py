"""Graph computations against plain-Python oracles: downstream counts, levels, cycles."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xinzhi.chains.graph import (
    CycleError,
    components,
    descendant_counts,
    find_cycles,
    heights,
)


def reachable(n: int, edges: list[tuple[int, int]]) -> list[int]:
    successors = {i: [] for i in range(n)}
    for s, d in edges:
        successors[s].append(d)
    counts = []
    for start in range(n):
        seen, stack = set(), [start]
        while stack:
            for nxt in successors[stack.pop()]:
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append(nxt)
        counts.append(len(seen - {start}))
    return counts


def acyclic(n: int, edges: list[tuple[int, int]]) -> bool:
    """Peel nodes with no successor left; a cycle is what never peels."""
    remaining = set(range(n))
    live = set(edges)
    while True:
        sinks = {v for v in remaining if not any(s == v for s, _ in live)}
        if not sinks:
            return not remaining
        remaining -= sinks
        live = {(s, d) for s, d in live if d not in sinks}


@st.composite
def dags(draw, max_nodes: int = 40):
    n = draw(st.integers(1, max_nodes))
    order = draw(st.permutations(range(n)))
    pairs = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=4 * n))
    edges = sorted({(order[min(a, b)], order[max(a, b)]) for a, b in pairs if a != b})
    return n, edges


@st.composite
def digraphs(draw, max_nodes: int = 14):
    n = draw(st.integers(1, max_nodes))
    pairs = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=3 * n))
    return n, sorted(set(pairs))


def _arrays(edges):
    return (
        np.array([s for s, _ in edges], dtype=np.int64),
        np.array([d for _, d in edges], dtype=np.int64),
    )


@settings(max_examples=150, deadline=None)
@given(dags(), st.sampled_from([8, 64, 8192]))
def test_descendant_counts_equal_a_plain_search(dag, block):
    n, edges = dag
    src, dst = _arrays(edges)
    assert descendant_counts(n, src, dst, block=block).tolist() == reachable(n, edges)


@settings(max_examples=150, deadline=None)
@given(dags())
def test_heights_are_longest_paths_to_an_end(dag):
    n, edges = dag
    src, dst = _arrays(edges)
    height = heights(n, src, dst)
    has_successor = {s for s, _ in edges}
    for v in range(n):
        below = [height[d] for s, d in edges if s == v]
        assert height[v] == (max(below) + 1 if below else 0)
        assert (height[v] == 0) == (v not in has_successor)


@settings(max_examples=200, deadline=None)
@given(digraphs())
def test_cycles_are_found_exactly_and_are_real_paths(graph):
    n, edges = graph
    src, dst = _arrays(edges)
    cycles = find_cycles(n, src, dst)
    assert (cycles == []) == acyclic(n, edges)
    edge_set = set(edges)
    for path in cycles:
        assert path[0] == path[-1]
        assert all((a, b) in edge_set for a, b in itertools.pairwise(path))
    if cycles:
        with pytest.raises(CycleError):
            heights(n, src, dst)


def test_hand_checked_chain_with_a_separate_part():
    # 0 → 2 ← 1, 2 → 3; 4 → 5 apart; 6 alone
    src, dst = _arrays([(0, 2), (1, 2), (2, 3), (4, 5)])
    assert descendant_counts(7, src, dst).tolist() == [2, 2, 1, 0, 1, 0, 0]
    assert heights(7, src, dst).tolist() == [2, 2, 1, 0, 1, 0, 0]
    parts = components(7, src, dst).tolist()
    assert parts[0] == parts[1] == parts[2] == parts[3] != parts[4] == parts[5] != parts[6]


def test_two_cycles_are_both_reported():
    src, dst = _arrays([(0, 1), (1, 0), (2, 3), (3, 4), (4, 2), (5, 5), (6, 0)])
    assert find_cycles(7, src, dst) == [[0, 1, 0], [2, 3, 4, 2], [5, 5]]


def test_empty_and_edgeless_graphs():
    empty = np.zeros(0, dtype=np.int64)
    assert descendant_counts(0, empty, empty).tolist() == []
    assert descendant_counts(3, empty, empty).tolist() == [0, 0, 0]
    assert find_cycles(3, empty, empty) == []
