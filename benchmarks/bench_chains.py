"""Chokepoint analysis of a synthetic chain: 10,000 nodes, 50,000 edges, 100,000 enterprise links.

    .venv/bin/python benchmarks/bench_chains.py [--nodes 10000] [--edges 50000] [--links 100000]
                                                [--repeat 5] [--no-baseline]

Measures ``xinzhi.chains.analysis.analyse`` (cycle check, levels, exact downstream counts,
both dimensions, local and domestic capability, scores, the 问题清单 and the 技术清单 with
modes and worded reasons) on arrays already in memory, as the median of ``--repeat`` runs
after one warm-up; and the same analysis written with networkx (``nx.descendants`` per node,
``nx.topological_generations``, the scores and lists in plain Python), once, in the same run.
Both must agree on every node's downstream count and on both lists; the script checks it.

The chain is layered like a real map: 12 tiers from raw materials to end products (4 per
segment) in 200 product families; an edge goes from a tier to one of the next three, in the
same family with probability 0.9, to another family otherwise.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import statistics
import sys
import time

import numpy as np

from xinzhi.chains.analysis import ChainArrays, analyse
from xinzhi.chains.linking import EXPLICIT, LinkTable
from xinzhi.chains.rules import WEIGHTS, load_rules
from xinzhi.chains.vocab import ProblemClass

TIERS, FAMILIES = 12, 200
CLASSES = [
    ProblemClass.MATERIAL,
    ProblemClass.PART,
    ProblemClass.DEVICE,
    ProblemClass.SOFTWARE,
    ProblemClass.WHOLE_MACHINE,
]


def synthetic_chain(nodes: int, edges: int, links: int, seed: int = 5) -> ChainArrays:
    rng = np.random.default_rng(seed)
    tier = np.sort(rng.integers(0, TIERS, nodes))
    family = rng.integers(0, FAMILIES, nodes)
    by_key: dict[tuple[int, int], np.ndarray] = {}
    order = np.lexsort((family, tier))
    keys = tier[order] * FAMILIES + family[order]
    starts = np.searchsorted(keys, np.arange(TIERS * FAMILIES + 1))
    for t in range(TIERS):
        for f in range(FAMILIES):
            by_key[(t, f)] = order[starts[t * FAMILIES + f] : starts[t * FAMILIES + f + 1]]
    by_tier = [np.flatnonzero(tier == t) for t in range(TIERS)]
    pairs: set[tuple[int, int]] = set()
    while len(pairs) < edges:
        batch = edges - len(pairs)
        src = rng.integers(0, nodes, batch * 2)
        src = src[tier[src] < TIERS - 1]
        step = rng.integers(1, 4, len(src))
        target_tier = np.minimum(tier[src] + step, TIERS - 1)
        same = rng.random(len(src)) < 0.9
        for s, t, keep_family in zip(src.tolist(), target_tier.tolist(), same.tolist()):
            pool = by_key[(t, int(family[s]))] if keep_family else by_tier[t]
            if len(pool) == 0:
                pool = by_tier[t]
            d = int(pool[rng.integers(0, len(pool))])
            pairs.add((s, d))
            if len(pairs) == edges:
                break
    edge_array = np.array(sorted(pairs), dtype=np.int64)
    link_node = rng.integers(0, nodes, links)
    capability = rng.integers(1, 5, links).astype(np.float64)
    capability[rng.random(links) < 0.05] = np.nan  # assessed? not always: unknown
    tech_node = np.repeat(np.arange(nodes), rng.integers(0, 3, nodes))
    techs = len(tech_node)
    control = rng.choice([0.0, 0.5, 1.0], techs)
    control[rng.random(techs) < 0.1] = np.nan
    maturity = rng.integers(2, 10, techs).astype(np.float64)
    maturity[rng.random(techs) < 0.1] = np.nan
    imports = rng.random(nodes)
    imports[rng.random(nodes) < 0.1] = np.nan
    domestic = rng.choice([0.0, 0.2, 0.5, 0.75, 1.0], nodes)
    domestic[rng.random(nodes) < 0.1] = np.nan
    suppliers = [["国内供应商甲"] if x else [] for x in (rng.random(nodes) < 0.5).tolist()]
    return ChainArrays(
        key="synthetic",
        node_keys=[f"n{i}" for i in range(nodes)],
        node_names=[f"节点{i}" for i in range(nodes)],
        segment=(tier // 4).astype(np.int8),
        problem_class=[CLASSES[c] for c in rng.integers(0, len(CLASSES), nodes).tolist()],
        import_dependence=imports,
        domestic_capability=domestic,
        domestic_suppliers=suppliers,
        foreign_suppliers=[["国外供应商"]] * nodes,
        src=edge_array[:, 0],
        dst=edge_array[:, 1],
        tech_node=tech_node,
        tech_names=[f"技术{i}" for i in range(techs)],
        tech_names_en=[None] * techs,
        tech_control=control,
        tech_maturity=maturity,
        links=LinkTable(
            node=link_node,
            capability=capability,
            names=[f"企业{i}" for i in range(links)],
            credit_codes=[None] * links,
            enterprise_ids=list(range(links)),
            basis=[EXPLICIT] * links,
        ),
    )


# --- the baseline: the same analysis with networkx and plain Python ---------------------------


def _nan(x) -> bool:
    return math.isnan(x)


def _mean(values, weights):
    known = [(v, w) for v, w in zip(values, weights) if not _nan(v)]
    total = sum(w for _, w in known)
    return sum(v * w for v, w in known) / total if total else float("nan")


def networkx_analysis(a: ChainArrays, rules) -> tuple[list[int], list[str], list[str]]:
    """Downstream counts, and the node keys of the 问题清单 and the (node, technology) names of
    the 技术清单 in rank order, computed node by node."""
    import networkx as nx

    n = a.n
    graph = nx.DiGraph()
    graph.add_nodes_from(range(n))
    graph.add_edges_from(zip(a.src.tolist(), a.dst.tolist()))
    if not nx.is_directed_acyclic_graph(graph):
        raise ValueError("cycle")
    list(nx.topological_generations(graph))  # the levels, as the vectorised version computes
    descendants = [len(nx.descendants(graph, v)) for v in range(n)]
    technology_control = [float("nan")] * n
    maturity = [float("nan")] * n
    for node, control, trl in zip(
        a.tech_node.tolist(), a.tech_control.tolist(), a.tech_maturity.tolist()
    ):
        if not _nan(control) and (
            _nan(technology_control[node]) or control > technology_control[node]
        ):
            technology_control[node] = control
        if not _nan(trl) and (_nan(maturity[node]) or trl < maturity[node]):
            maturity[node] = trl
    firms = [0] * n
    capable = [0] * n
    leader = [float("nan")] * n
    for node, level in zip(a.links.node.tolist(), a.links.capability.tolist()):
        firms[node] += 1
        if not _nan(level):
            capable[node] += level >= rules.capable_min
            if _nan(leader[node]) or level > leader[node]:
                leader[node] = level
    weights = [rules.weights[name] for name in WEIGHTS]
    scores, in_list, variables = [], [], []
    for v in range(n):
        lead = 0.0 if firms[v] == 0 else leader[v]
        crit = descendants[v] / (n - 1)
        dims = [
            technology_control[v],
            a.import_dependence[v],
            crit,
            1 - lead / 4,
            1 - a.domestic_capability[v],
        ]
        score = _mean(dims, weights)
        scores.append(score)
        on_dimension = any(
            not _nan(x) and x >= rules.problem_min_dimension
            for x in (technology_control[v], a.import_dependence[v])
        )
        in_list.append(
            a.problem_class[v] in rules.problem_classes
            and not _nan(score)
            and score >= rules.problem_min_score
            and on_dimension
        )
        variables.append(
            {
                "score": score,
                "technology_control": technology_control[v],
                "import_dependence": a.import_dependence[v],
                "criticality": crit,
                "maturity": maturity[v],
                "local_firms": firms[v],
                "capable_local_firms": capable[v],
                "leader_level": lead,
                "domestic_capability": a.domestic_capability[v],
                "domestic_suppliers": len(a.domestic_suppliers[v]),
            }
        )
    problems = sorted(
        (v for v in range(n) if in_list[v]), key=lambda v: (-scores[v], -descendants[v], v)
    )
    for v in problems:
        _mode(rules, variables[v])
    tw = [rules.technology_weights[k] for k in ("node", "control", "immaturity")]
    picked = []
    for t, (node, control, trl) in enumerate(
        zip(a.tech_node.tolist(), a.tech_control.tolist(), a.tech_maturity.tolist())
    ):
        score = _mean([scores[node], control, 1 - (trl - 1) / 8], tw)
        if score >= rules.technology_min_score and (
            in_list[node] or (not _nan(control) and control >= rules.technology_min_control)
        ):
            picked.append((t, score, node))
    picked.sort(key=lambda x: (-x[1], -scores[x[2]], x[0]))
    for t, score, node in picked:
        _mode(
            rules,
            variables[node]
            | {
                "score": score,
                "technology_control": a.tech_control[t],
                "maturity": a.tech_maturity[t],
            },
        )
    return (
        descendants,
        [a.node_keys[v] for v in problems],
        [a.tech_names[t] for t, _, _ in picked],
    )


def _mode(rules, values: dict) -> str:
    import operator

    ops = {
        "<": operator.lt,
        "<=": operator.le,
        ">": operator.gt,
        ">=": operator.ge,
        "==": operator.eq,
        "!=": operator.ne,
    }
    for rule in rules.modes:
        ok = True
        for c in rule.conditions:
            value = values[c.variable]
            if c.operator == "unknown":
                ok = _nan(value)
            elif c.operator == "known":
                ok = not _nan(value)
            else:
                ok = not _nan(value) and ops[c.operator](value, c.value)
            if not ok:
                break
        if ok:
            return rule.mode.zh
    return rules.modes[-1].mode.zh


# --- run -----------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=10_000)
    parser.add_argument("--edges", type=int, default=50_000)
    parser.add_argument("--links", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-baseline", action="store_true")
    args = parser.parse_args()

    print(
        f"machine: {platform.machine()} {platform.processor() or ''}, {os.cpu_count()} CPUs, "
        f"Python {sys.version.split()[0]}, numpy {np.__version__}"
    )
    print(f"load average before: {os.getloadavg()}")
    started = time.perf_counter()
    chain = synthetic_chain(args.nodes, args.edges, args.links)
    print(
        f"synthetic chain: {chain.n:,} nodes, {len(chain.src):,} edges, {len(chain.links):,} "
        f"enterprise links, {len(chain.tech_node):,} technologies "
        f"(built in {time.perf_counter() - started:.1f} s)"
    )
    rules = load_rules()
    analyse(chain, rules)  # warm-up: imports, allocator
    times = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        result = analyse(chain, rules)
        times.append(time.perf_counter() - started)
    median = statistics.median(times)
    print(
        f"xinzhi analyse: median {median:.3f} s over {args.repeat} runs "
        f"(min {min(times):.3f}, max {max(times):.3f}); {len(result.problems):,} problems, "
        f"{len(result.technologies):,} technologies; mean downstream share "
        f"{result.nodes.criticality.mean():.1%}"
    )
    print(f"target ≤ 1 s: {'met' if median <= 1.0 else 'NOT met'}")
    if args.no_baseline:
        return 0
    started = time.perf_counter()
    descendants, problems, technologies = networkx_analysis(chain, rules)
    baseline = time.perf_counter() - started
    same = (
        descendants == result.nodes.descendants.tolist()
        and problems == [p.node_key for p in result.problems]
        and technologies == [t.technology_name for t in result.technologies]
    )
    print(f"networkx baseline: {baseline:.1f} s (one run); same results: {same}")
    print(f"ratio: {baseline / median:.0f}× faster than networkx")
    print(f"load average after: {os.getloadavg()}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
