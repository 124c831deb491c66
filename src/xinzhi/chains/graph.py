"""Graph computations on a chain, whole-array (numpy and scipy.sparse), never node by node.

Nodes are 0..n-1; an edge (s, t) says s is an input to t. A chain must be acyclic: cycles
are found with strongly connected components and reported, and every traversal here runs
by levels, so a cycle can never make it loop. Disconnected parts need nothing special.
"""

from __future__ import annotations

import numpy as np
from scipy.sparse import coo_array
from scipy.sparse.csgraph import connected_components

from ..domain.errors import XinzhiError


class CycleError(XinzhiError, ValueError):
    """The chain has cycles; ``cycles`` lists each as a closed path of node indices."""

    def __init__(self, cycles: list[list[int]]) -> None:
        self.cycles = cycles
        super().__init__(
            f"产业链图谱有 {len(cycles)} 个环",
            f"{len(cycles)} cycle(s)",
            message=f"{len(cycles)} cycle(s)",
        )


def _adjacency(n: int, src: np.ndarray, dst: np.ndarray):
    data = np.ones(len(src), dtype=np.int8)
    return coo_array((data, (src, dst)), shape=(n, n)).tocsr()


def find_cycles(n: int, src: np.ndarray, dst: np.ndarray) -> list[list[int]]:
    """One closed path per cyclic part (strong component of two or more nodes, or a self-loop).

    A path is [a, b, …, a]; the parts are ordered by their smallest node.
    """
    src = np.asarray(src, dtype=np.int64)
    dst = np.asarray(dst, dtype=np.int64)
    if n == 0 or len(src) == 0:
        return []
    _, labels = connected_components(_adjacency(n, src, dst), directed=True, connection="strong")
    sizes = np.bincount(labels, minlength=labels.max() + 1)
    cyclic = sizes[labels] > 1
    loops = src[src == dst]
    cycles = [[int(v), int(v)] for v in np.unique(loops) if not cyclic[v]]
    inside = cyclic[src] & cyclic[dst] & (labels[src] == labels[dst])
    s_in, d_in = src[inside], dst[inside]
    for label in np.unique(labels[cyclic]):
        members = np.flatnonzero(labels == label)
        start = int(members.min())
        mask = labels[s_in] == label
        cycles.append(_closed_path(start, s_in[mask], d_in[mask]))
    return sorted(cycles, key=lambda path: min(path))


def _closed_path(start: int, src: np.ndarray, dst: np.ndarray) -> list[int]:
    """A cycle through ``start`` inside one strong component (every node there lies on one).

    Breadth-first from ``start`` over the component's edges, each node visited once, until an
    edge leads back to ``start``; then the path is read back through the parents.
    """
    successors: dict[int, list[int]] = {}
    for s, d in zip(src.tolist(), dst.tolist()):
        successors.setdefault(s, []).append(d)
    parent = {start: start}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for nxt in successors.get(node, ()):
                if nxt == start:
                    path = [start]
                    while node != start:
                        path.append(node)
                        node = parent[node]
                    path.append(start)
                    return [start, *reversed(path[1:-1]), start]
                if nxt not in parent:
                    parent[nxt] = node
                    following.append(nxt)
        frontier = following
    raise AssertionError("a strong component of two or more nodes always has a cycle")


def heights(n: int, src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """Longest path from each node to a node with no successor (0 for those); by levels.

    Raises ``CycleError`` if the graph has a cycle (its nodes never reach height).
    """
    src = np.asarray(src, dtype=np.int64)
    dst = np.asarray(dst, dtype=np.int64)
    height = np.full(n, -1, dtype=np.int64)
    remaining = np.bincount(src, minlength=n)  # successors not yet given a height
    order = np.argsort(dst, kind="stable")  # edges grouped by target: predecessors of each node
    by_target_src = src[order]
    starts = np.searchsorted(dst[order], np.arange(n + 1))
    frontier = np.flatnonzero(remaining == 0)
    level = 0
    while len(frontier):
        height[frontier] = level
        counts = starts[frontier + 1] - starts[frontier]
        picks = np.repeat(starts[frontier] - np.cumsum(counts) + counts, counts) + np.arange(
            counts.sum()
        )
        predecessors = by_target_src[picks]
        if len(predecessors) == 0:
            break
        touched, times = np.unique(predecessors, return_counts=True)
        remaining[touched] -= times
        frontier = touched[remaining[touched] == 0]
        level += 1
    if (height < 0).any():
        raise CycleError(find_cycles(n, src, dst))
    return height


def descendant_counts(
    n: int, src: np.ndarray, dst: np.ndarray, *, height: np.ndarray | None = None, block: int = 8192
) -> np.ndarray:
    """How many nodes each node reaches downstream (itself excluded), exactly.

    Each node's set of descendants is a bitset; going up level by level, a node's set is the
    union of its successors' sets and the successors themselves (``bitwise_or.reduceat`` over
    the edges of the level). The bitsets are built ``block`` target nodes at a time, so that
    memory stays n × block bits however large the chain.
    """
    src = np.asarray(src, dtype=np.int64)
    dst = np.asarray(dst, dtype=np.int64)
    if height is None:
        height = heights(n, src, dst)
    counts = np.zeros(n, dtype=np.int64)
    if len(src) == 0:
        return counts
    order = np.lexsort((src, height[src]))
    e_src, e_dst, e_level = src[order], dst[order], height[src[order]]
    level_bounds = np.flatnonzero(np.diff(e_level)) + 1
    level_slices = list(zip(np.r_[0, level_bounds], np.r_[level_bounds, len(e_src)]))
    for first in range(0, n, block):
        last = min(n, first + block)
        words = (last - first + 63) // 64
        bits = np.zeros((n, words), dtype=np.uint64)
        for lo, hi in level_slices:
            s, d = e_src[lo:hi], e_dst[lo:hi]
            contribution = bits[d]  # a copy: the successors' sets
            inside = np.flatnonzero((d >= first) & (d < last))
            offset = d[inside] - first
            np.bitwise_or.at(
                contribution,
                (inside, offset >> 6),
                np.left_shift(np.uint64(1), (offset & 63).astype(np.uint64)),
            )
            group_starts = np.r_[0, np.flatnonzero(np.diff(s)) + 1]
            bits[s[group_starts]] = np.bitwise_or.reduceat(contribution, group_starts, axis=0)
        counts += np.bitwise_count(bits).sum(axis=1, dtype=np.int64)
    return counts


def components(n: int, src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """The weakly connected part each node belongs to (0, 1, …): disconnected sub-chains."""
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    _, labels = connected_components(
        _adjacency(n, np.asarray(src, dtype=np.int64), np.asarray(dst, dtype=np.int64)),
        directed=True,
        connection="weak",
    )
    return labels.astype(np.int64)
