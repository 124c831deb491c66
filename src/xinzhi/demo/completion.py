"""Everything the demo city needs besides its registry, so that every page has data.

After ``build_demo_city`` has written the registry and the assessment inputs,
``complete_demo_city`` goes through the other areas' own entry points, in order:

1. the eight shipped chain maps, saved as version 1 (``chains.repository.save_chain``);
2. the experts, research results and technical demands (``demo.matching``), imported with
   the matching area's checks (``matching.imports.import_rows``);
3. the 揭榜挂帅 board, one challenge per lifecycle state (``demo.board``);
4. the matching indexes, built now rather than on a visitor's first request;
5. the Shenyang AI computing centre's 2023 and its 算力券 (``demo.compute``);
6. the future-industry tracks: scopes and products, a classification run, labels and
   scenarios (``demo.tracks``);
7. an assessment run over every firm, recorded (``rules.runs.evaluate`` and ``record``), so
   that the dashboard's tier cards, the tier filter and the profiles show results;
8. one run of the policies for the registry's year, recorded (``policies.runs``), so that
   /policies and the briefings show payouts.

Each step reports what it wrote and how long it took.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from rich.progress import Progress
from rich.table import Table
from sqlalchemy import Engine

from .archetypes import REGISTRY_AS_OF
from .writer import ACTOR


@dataclass(frozen=True)
class Step:
    zh: str
    en: str
    what: str  # what it wrote, e.g. "8 chains, 238 nodes"
    seconds: float


@dataclass
class Completion:
    seed: int
    steps: list[Step] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    run_id: int | None = None

    @property
    def seconds(self) -> float:
        return sum(step.seconds for step in self.steps)

    def as_table(self) -> Table:
        table = Table(
            "步骤 step", "内容 what", "用时 s", title="演示城市的其余部分 the rest of the city"
        )
        for step in self.steps:
            table.add_row(f"{step.zh} {step.en}", step.what, f"{step.seconds:.1f}")
        table.add_row("合计 total", "", f"{self.seconds:.1f}")
        return table


def streams(seed: int) -> dict[str, np.random.Generator]:
    """The completion's own random streams, from the city's seed (the city's stay untouched)."""
    from .city import random_streams

    all_streams = random_streams(seed)
    return {"matching": all_streams["matching"], "board": all_streams["board"]}


def complete_demo_city(
    engine: Engine,
    *,
    seed: int = 2023,
    assess: bool = True,
    progress: Progress | None = None,
    actor: str = ACTOR,
) -> Completion:
    """Add chains, matching lists, challenges, indexes and (with ``assess``) a recorded run."""
    done = Completion(seed)
    rng = streams(seed)

    def step(zh: str, en: str, work: Callable[[], str]) -> None:
        task = progress.add_task(f"{zh} {en}", total=None) if progress else None
        started = time.perf_counter()
        what = work()
        done.steps.append(Step(zh, en, what, time.perf_counter() - started))
        if progress is not None:
            progress.update(task, total=1, completed=1)

    step("产业链图谱", "chain maps", lambda: _seed_chains(engine, actor, done.counts))
    step(
        "专家、成果与需求",
        "experts, results, demands",
        lambda: _matching_lists(engine, rng["matching"], actor, seed, done.counts),
    )
    step(
        "揭榜挂帅榜单", "challenge board", lambda: _board(engine, rng["board"], actor, done.counts)
    )
    step("匹配索引", "matching index", lambda: _index(engine))
    step(
        "公共算力与算力券",
        "compute and vouchers",
        lambda: _compute(engine, seed, actor, done.counts),
    )
    step("未来产业赛道", "future-industry tracks", lambda: _tracks(engine, seed, actor))
    if assess:
        step("评价并记录", "assessment run", lambda: _assess(engine, actor, done))
        step("政策兑现运行", "policy run", lambda: _run_policies(engine, actor, done))
    return done


def _tracks(engine: Engine, seed: int, actor: str) -> str:
    from .tracks import build_demo_tracks

    return build_demo_tracks(engine, seed=seed, actor=actor)


def _seed_chains(engine: Engine, actor: str, counts: dict[str, int]) -> str:
    """As `xinzhi chain seed`: each shipped map saved as a version of its own."""
    from ..chains.catalogue import shipped_chains
    from ..chains.repository import save_chain

    chains = shipped_chains()
    for chain in chains:
        save_chain(
            engine,
            chain,
            actor=actor,
            source=f"shipped:{chain.key}.yaml",
            note="内置示意图谱 shipped illustrative map",
        )
    counts["chains"] = len(chains)
    counts["chain_nodes"] = sum(len(chain.nodes) for chain in chains)
    return f"{counts['chains']} 条 chains, {counts['chain_nodes']} 个节点 nodes"


def _matching_lists(
    engine: Engine, rng: np.random.Generator, actor: str, seed: int, counts: dict[str, int]
) -> str:
    from ..chains.catalogue import shipped_chains
    from .matching import Firms, ListSizes, draw_lists, import_lists
    from .reference import shenyang

    firms = Firms.read(engine)
    lists = draw_lists(
        rng, shipped_chains(), firms, shenyang(), ListSizes.at(len(firms.credit_code))
    )
    written = import_lists(
        engine, lists, actor=actor, as_of=REGISTRY_AS_OF, source=f"demo:seed={seed}"
    )
    counts.update(written)
    return (
        f"专家 {written['experts']:,} experts, 成果 {written['results']:,} results, "
        f"需求 {written['demands']:,} demands"
    )


def _board(engine: Engine, rng: np.random.Generator, actor: str, counts: dict[str, int]) -> str:
    from ..matching.challenges import STATES
    from .board import stage_board

    states = stage_board(engine, rng, actor=actor)
    counts["challenges"] = sum(states.values())
    return "、".join(f"{STATES[s].zh} {n}" for s, n in states.items())


def _index(engine: Engine) -> str:
    from ..matching.matcher import Matcher

    matcher = Matcher(engine)
    sizes = [len(matcher.index(side, rebuild=True)) for side in ("results", "demands")]
    return f"成果 {sizes[0]:,} results, 需求 {sizes[1]:,} demands → {matcher.index_dir}"


def _assess(engine: Engine, actor: str, done: Completion) -> str:
    from ..assessments.runs import evaluate, record

    result = evaluate(engine)
    done.run_id = record(engine, result, actor=actor)
    passed = {d.family: 0 for d in result.declarations}
    for d in result.declarations:
        passed[d.family] += result.summary["counts"][d.id]["pass"]
    done.counts.update({f"pass_{family}": n for family, n in passed.items()})
    shown = ", ".join(f"{family} {n:,}" for family, n in passed.items())
    return f"run {done.run_id} (as of {result.as_of}): 符合 pass {shown}"


def _compute(engine: Engine, seed: int, actor: str, counts: dict[str, int]) -> str:
    from .compute import stage_compute

    staged = stage_compute(engine, seed=seed, actor=actor)
    counts.update(
        compute_tenants=staged.tenants, compute_jobs=staged.jobs, vouchers=staged.vouchers
    )
    return (
        f"用户 {staged.tenants} tenants, 作业 {staged.jobs:,} jobs, 算力券 {staged.vouchers} vouchers "
        f"{staged.issued:,.0f} 元, 抵扣 redeemed {staged.redeemed:,.0f} 元"
    )


def _run_policies(engine: Engine, actor: str, done: Completion) -> str:
    import pyarrow.compute as pc

    from ..policies.runs import evaluate_policies, record_policy_run, run_year

    run = evaluate_policies(engine, as_of=run_year(REGISTRY_AS_OF.year))
    run_id = record_policy_run(engine, run, actor=actor)
    paid = run.summary["paid"]
    paid_rows = run.results.filter(pc.greater(pc.fill_null(run.results["amount_paid"], 0), 0))
    firms = len(pc.unique(paid_rows["enterprise_id"]))
    done.counts.update({"policy_firms": firms, "policy_paid_fen": paid})
    return f"run {run_id} (as of {run.as_of}): {firms:,} 家企业 firms, {paid / 1_000_000:,.2f} 万元 paid"
