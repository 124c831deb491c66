"""Where each node of a chain map stands: layered by segment, from 上游 to 下游.

Inside a segment, a node stands one column right of its longest chain of inputs from the
same segment; within a column, nodes are ordered by the mean position of their neighbours
(a few barycentre sweeps, alternating direction) to keep edges short and crossings few.
Used by the SVG export and the web map alike.
"""

from __future__ import annotations

import numpy as np

from .graph import heights
from .spec import ChainSpec
from .vocab import Segment


def layered_layout(chain: ChainSpec) -> tuple[np.ndarray, np.ndarray, int]:
    """Column and row of every node, and the number of columns."""
    n = len(chain.nodes)
    index = {node.key: i for i, node in enumerate(chain.nodes)}
    segment = np.array([node.segment.order for node in chain.nodes], dtype=np.int64)
    src = np.array([index[e.source] for e in chain.edges], dtype=np.int64)
    dst = np.array([index[e.target] for e in chain.edges], dtype=np.int64)
    inside = segment[src] == segment[dst]
    depth = heights(n, dst[inside], src[inside])  # longest path back to a source in the segment
    column = np.zeros(n, dtype=np.int64)
    offset = 0
    for order in range(len(Segment)):
        members = segment == order
        if members.any():
            column[members] = offset + depth[members]
            offset += int(depth[members].max()) + 1
    columns = max(offset, 1)
    row = np.zeros(n, dtype=np.float64)
    for c in range(columns):
        members = np.flatnonzero(column == c)
        row[members] = np.arange(len(members))
    neighbours_in = [[] for _ in range(n)]
    neighbours_out = [[] for _ in range(n)]
    for s, d in zip(src.tolist(), dst.tolist()):
        neighbours_in[d].append(s)
        neighbours_out[s].append(d)
    for sweep in range(6):  # barycentre ordering, alternating directions
        forward = sweep % 2 == 0
        order = range(columns) if forward else range(columns - 1, -1, -1)
        for c in order:
            members = np.flatnonzero(column == c)
            keys = []
            for i in members.tolist():
                near = neighbours_in[i] if forward else neighbours_out[i]
                keys.append(np.mean(row[near]) if near else row[i])
            ranked = members[np.lexsort((row[members], np.array(keys)))]
            row[ranked] = np.arange(len(ranked))
    return column, row.astype(np.int64), columns
