"""A matchmaking event (双百链接): who meets whom, why, when and at which table.

The quality of expert e meeting enterprise f is the best match between one of e's results and
one of f's demands; an expert without results on file is judged by field and place alone.
``pairing.choose_pairs`` picks the pairs; ``schedule`` puts them into time slots and tables
so that no expert is at two tables at once.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import sqlalchemy as sa

from ..store.models import District, Enterprise
from ..store.models.matching import (
    Expert,
    ResearchResult,
    ResultExpert,
    TechnicalDemand,
)
from .fields import FIELD_INDEX
from .index import UNKNOWN
from .matcher import Matcher, load_rows
from .pairing import Pair, PairingError, choose_pairs
from .scoring import FIELD_TABLE, Reason, Scored, explain, score_all


@dataclass
class Party:
    id: int
    code: str  # expert code or credit code
    name: str
    detail: str  # institution, or district


@dataclass
class EventPair:
    expert: Party
    enterprise: Party
    score: float  # 0–100
    demand: str | None  # the demand and result that make the pair, when one does
    result: str | None
    reasons: list[Reason] = field(default_factory=list)


@dataclass
class Meeting:
    slot: int  # 1-based
    table: int  # 1-based
    start: dt.datetime
    end: dt.datetime
    pair: EventPair


@dataclass
class _Best:
    score: float = 0.0
    demand: int | None = None  # demand row position
    result: int | None = None  # result index position


def plan_pairs(
    matcher: Matcher,
    pairs: int,
    *,
    capacity: int = 1,
    excluded: set[tuple[str, str]] = frozenset(),
    min_score: float | None = None,
) -> list[EventPair]:
    """Choose ``pairs`` expert–enterprise pairs (``excluded``: (expert code, credit code))."""
    engine = matcher.engine
    with engine.connect() as conn:
        experts = conn.execute(
            sa.select(
                Expert.id,
                Expert.code,
                Expert.name,
                Expert.institution,
                Expert.fields,
                Expert.district_id,
                District.city,
            )
            .outerjoin(District, District.id == Expert.district_id)
            .order_by(Expert.id)
        ).all()
        links = conn.execute(sa.select(ResultExpert.expert_id, ResultExpert.result_id)).all()
        demand_rows = load_rows(conn, "demands")
        owners = dict(
            conn.execute(sa.select(TechnicalDemand.id, TechnicalDemand.enterprise_id)).all()
        )
        firm_ids = sorted(set(owners.values()))
        firms = conn.execute(
            sa.select(
                Enterprise.id,
                Enterprise.credit_code,
                Enterprise.name,
                District.name.label("district"),
            )
            .join(District, District.id == Enterprise.district_id)
            .where(Enterprise.id.in_(firm_ids))
            .order_by(Enterprise.id)
        ).all()
    if not experts or not firms:
        raise PairingError(
            "没有专家或没有提出需求的企业，无法配对",
            "there are no experts or no enterprises with demands to pair",
        )
    index = matcher.index("results")
    expert_at = {e.id: i for i, e in enumerate(experts)}
    firm_at = {f.id: j for j, f in enumerate(firms)}
    results_of = [[] for _ in experts]
    for expert_id, result_id in links:
        if result_id in index.position:
            results_of[expert_at[expert_id]].append(index.position[result_id])
    best = [[_Best() for _ in firms] for _ in experts]
    weights = matcher.weights.active(semantic=False)
    total = sum(weights.values())
    scored_by_demand: dict[int, Scored] = {}
    queries = {}
    for d, row in enumerate(demand_rows):
        query = matcher.query("demands", row)
        scored = score_all(index, query, matcher.weights)
        scored_by_demand[d], queries[d] = scored, query
        usable = np.where(scored.candidate, scored.score, 0.0)
        j = firm_at[owners[row.id]]
        for i, expert in enumerate(experts):
            positions = results_of[i]
            if positions:
                k = int(np.argmax(usable[positions]))
                value = float(usable[positions[k]])
                if value > best[i][j].score:
                    best[i][j] = _Best(value, d, positions[k])
            fallback = _profile_score(expert, row, weights, total)
            if fallback > best[i][j].score:
                best[i][j] = _Best(fallback, d, None)
    quality = np.array([[b.score for b in line] for line in best])
    banned = np.zeros_like(quality, dtype=bool)
    expert_by_code = {e.code: i for i, e in enumerate(experts)}
    firm_by_code = {f.credit_code: j for j, f in enumerate(firms)}
    for expert_code, credit_code in excluded:
        if expert_code in expert_by_code and credit_code in firm_by_code:
            banned[expert_by_code[expert_code], firm_by_code[credit_code]] = True
    chosen = choose_pairs(
        quality,
        pairs,
        capacity=capacity,
        excluded=banned,
        min_quality=None if min_score is None else min_score / 100,
    )
    labels = matcher.labels()
    used = {
        int(index.ids[best[p.expert][p.enterprise].result])
        for p in chosen
        if best[p.expert][p.enterprise].result is not None
    }
    with engine.connect() as conn:
        titles = {
            row.id: f"{row.code} {row.title}"
            for row in conn.execute(
                sa.select(ResearchResult.id, ResearchResult.code, ResearchResult.title).where(
                    ResearchResult.id.in_(used)
                )
            )
        }
    return [
        _event_pair(
            p, experts, firms, best, demand_rows, scored_by_demand, queries, index, labels, titles
        )
        for p in chosen
    ]


def _profile_score(expert, demand, weights: dict[str, float], total: float) -> float:
    """An expert judged by the fields they work in and their place, without results."""
    d_field = FIELD_INDEX.get(demand.field, UNKNOWN)
    field_sim = max(
        (FIELD_TABLE[d_field][FIELD_INDEX.get(f, UNKNOWN)] for f in expert.fields.split(";") if f),
        default=0.0,
    )
    if field_sim == 0:
        return 0.0
    place = 0.0
    if expert.district_id is not None and expert.district_id == demand.district_id:
        place = 1.0
    elif expert.city and expert.city == demand.city:
        place = 0.5
    return float(weights["field"] * field_sim + weights["distance"] * place) / total


def _event_pair(
    pair: Pair,
    experts,
    firms,
    best,
    demand_rows,
    scored_by_demand,
    queries,
    index,
    labels,
    titles: dict[int, str],
) -> EventPair:
    expert, firm = experts[pair.expert], firms[pair.enterprise]
    chosen: _Best = best[pair.expert][pair.enterprise]
    party_e = Party(expert.id, expert.code, expert.name, expert.institution)
    party_f = Party(firm.id, firm.credit_code, firm.name, firm.district)
    if chosen.demand is None:
        return EventPair(
            party_e,
            party_f,
            0.0,
            None,
            None,
            [
                Reason(
                    "no_link",
                    "无直接关联：为凑满对数而安排",
                    "no direct link: paired to reach the number of pairs asked for",
                    0.0,
                )
            ],
        )
    demand = demand_rows[chosen.demand]
    if chosen.result is None:
        fields = "、".join(expert.fields.split(";"))
        reason = Reason(
            "expert_field",
            f"专家研究领域（{fields}）与需求领域相符（暂无成果在库）",
            f"the expert's fields ({fields.replace('、', ', ')}) fit the demand "
            "(no result on file)",
            round(100 * pair.quality, 1),
        )
        return EventPair(
            party_e, party_f, round(100 * pair.quality, 1), demand.title, None, [reason]
        )
    match = explain(
        index, queries[chosen.demand], scored_by_demand[chosen.demand], chosen.result, labels
    )
    result = titles.get(match.id, f"#{match.id}")
    with_result = [
        Reason(
            "via",
            f"需求“{demand.title}”↔成果“{result}”",
            f"demand '{demand.title}' ↔ result '{result}'",
            0.0,
        ),
        *match.reasons,
    ]
    return EventPair(party_e, party_f, match.score, demand.title, result, with_result)


def schedule(
    pairs: list[EventPair],
    *,
    start: dt.datetime,
    slot_minutes: int = 20,
    tables: int | None = None,
    break_minutes: int = 0,
) -> list[Meeting]:
    """Meetings in time slots: an expert meets their firms one after another, never two at
    once; a slot holds at most ``tables`` meetings.

    Slots needed: max(the most meetings one expert has, ⌈pairs / tables⌉). Pairs are laid out
    expert by expert (busiest first) and dealt round-robin over the slots, so an expert's
    meetings fall into different slots and every slot gets ⌈pairs / slots⌉ or fewer.
    """
    if not pairs:
        return []
    if tables is not None and tables < 1:
        raise PairingError("桌数至少为1", "there must be at least one table")
    by_expert: dict[int, list[EventPair]] = {}
    for pair in pairs:
        by_expert.setdefault(pair.expert.id, []).append(pair)
    busiest = max(len(group) for group in by_expert.values())
    slots = max(busiest, math.ceil(len(pairs) / tables) if tables else busiest)
    ordered = [
        p
        for _, group in sorted(by_expert.items(), key=lambda kv: (-len(kv[1]), kv[0]))
        for p in group
    ]
    meetings: list[Meeting] = []
    filled = [0] * slots
    step = dt.timedelta(minutes=slot_minutes + break_minutes)
    for i, pair in enumerate(ordered):
        slot = i % slots
        filled[slot] += 1
        begin = start + slot * step
        meetings.append(
            Meeting(slot + 1, filled[slot], begin, begin + dt.timedelta(minutes=slot_minutes), pair)
        )
    meetings.sort(key=lambda m: (m.slot, m.table))
    return meetings


SCHEDULE_COLUMNS = (
    ("时段 Slot", 8),
    ("开始 Start", 18),
    ("结束 End", 18),
    ("桌号 Table", 8),
    ("专家编号 Expert code", 16),
    ("专家 Expert", 12),
    ("单位 Institution", 28),
    ("企业 Enterprise", 30),
    ("统一社会信用代码 Credit code", 22),
    ("需求 Demand", 30),
    ("成果 Result", 10),
    ("匹配度 Score", 10),
    ("匹配理由", 60),
    ("Reasons", 60),
)


def write_schedule(meetings: list[Meeting], path: Path, *, about: list[tuple[str, object]]) -> Path:
    from openpyxl import Workbook

    from .sheets import add_sheet, append_row

    workbook = Workbook()
    workbook.remove(workbook.active)
    sheet = add_sheet(workbook, "日程 Schedule", SCHEDULE_COLUMNS)
    for m in meetings:
        p = m.pair
        append_row(
            sheet,
            (
                m.slot,
                m.start.strftime("%Y-%m-%d %H:%M"),
                m.end.strftime("%H:%M"),
                m.table,
                p.expert.code,
                p.expert.name,
                p.expert.detail,
                p.enterprise.name,
                p.enterprise.code,
                p.demand,
                p.result,
                p.score,
                "；".join(r.zh for r in p.reasons),
                "; ".join(r.en for r in p.reasons),
            ),
        )
    info = add_sheet(workbook, "说明 About", (("项目 Item", 36), ("值 Value", 60)))
    for key, value in about:
        append_row(info, (key, value))
    path = Path(path)
    workbook.save(path)
    return path


def read_exclusions(path: Path) -> tuple[set[tuple[str, str]], list[str]]:
    """Pairs that must not meet, as (expert code, credit code), and the problems found."""
    from ..domain.credit_code import parse_credit_code
    from ..domain.errors import InvalidValue
    from ..ingest.headers import bind_header
    from ..ingest.readers import open_table
    from .kinds import EXCLUSIONS, parse_code

    pairs: set[tuple[str, str]] = set()
    problems: list[str] = []
    with open_table(Path(path)) as table:
        at = {b.column.name: b.index for b in bind_header(EXCLUSIONS, table.header)}
        for number, cells in table.rows:
            cells = list(cells) + [None] * (max(at.values()) + 1 - len(cells))
            try:
                expert = parse_code(cells[at["expert"]] or "")
                firm = parse_credit_code(str(cells[at["enterprise"]] or "")).value
            except InvalidValue as error:
                problems.append(f"第{number}行：{error.zh} / row {number}: {error.en}")
                continue
            pairs.add((expert, firm))
    return pairs, problems


def record_event(engine, output, *, actor: str, **figures) -> None:
    """Write a matchmaking event's schedule to the audit log (pairs, capacity, exclusions …)."""
    from ..store.audit import Action, audit
    from ..store.db import session_scope

    with session_scope(engine) as session:
        audit(session, actor=actor, action=Action.MATCH_EVENT, subject=str(output), detail=figures)
