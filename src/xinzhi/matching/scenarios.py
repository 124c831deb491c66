"""场景机会清单: application scenarios matched to future-industry firms and research results.

A scenario is offered by the bureau or a large firm (owner, need, track, budget, deadline).
Matching uses the matcher of the two lists unchanged: the need is a query like a technical
demand's — against the research-results index, and against an index built on the fly over
the scenario track's firms (name, 主要产品, 经营范围) — so every candidate comes with the same
reasons (shared terms, district …) in Chinese and English.

Lifecycle — each step needs the one before; none can be skipped:

    published ──match──▶ matched ──pilot──▶ piloting ──showcase──▶ showcase (标杆示范场景)
        └──────────────────────────┴──────────────┴──withdraw──▶ withdrawn

Every step is in the audit log (subject ``scenario:<id>``) in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from ..domain.errors import XinzhiError
from ..store import models
from ..store.audit import Action, audit
from ..store.models.matching import ResearchResult
from ..store.models.tracks import Scenario
from .challenges import State
from .index import UNKNOWN, Documents, build_index
from .matcher import Matcher
from .scoring import Query, rank

PUBLISHED = State("published", "已发布")
MATCHED = State("matched", "已对接")
PILOTING = State("piloting", "试点中")
SHOWCASE = State("showcase", "标杆示范场景")
WITHDRAWN = State("withdrawn", "已撤回")
STATES = {s.value: s for s in (PUBLISHED, MATCHED, PILOTING, SHOWCASE, WITHDRAWN)}
LIFECYCLE = {
    "match": ((PUBLISHED, MATCHED), MATCHED),
    "pilot": ((MATCHED,), PILOTING),
    "showcase": ((PILOTING,), SHOWCASE),
    "withdraw": ((PUBLISHED, MATCHED, PILOTING), WITHDRAWN),
}
ACTION_ZH = {
    "publish": "发布",
    "match": "匹配对接",
    "pilot": "开始试点",
    "showcase": "评为标杆示范",
    "withdraw": "撤回",
}
TOP = 10


class ScenarioError(XinzhiError, ValueError):
    def __init__(self, code: str, zh: str, en: str) -> None:
        self.code = code
        super().__init__(zh, en)


def _audit(session: Session, actor: str, action: str, scenario: Scenario, **detail) -> None:
    audit(
        session,
        actor=actor,
        action=Action(f"scenario.{action}"),
        subject=f"scenario:{scenario.id}",
        detail=detail,
    )


def get(session: Session, scenario_id: int) -> Scenario:
    found = session.get(Scenario, scenario_id, with_for_update=True)
    if found is None:
        raise ScenarioError(
            "not_found", f"没有编号为 {scenario_id} 的场景", f"no scenario #{scenario_id}"
        )
    return found


def _transition(session: Session, scenario: Scenario, action: str, actor: str, **detail) -> None:
    allowed, after = LIFECYCLE[action]
    if scenario.state not in {s.value for s in allowed}:
        state = STATES[scenario.state]
        needed = "、".join(s.zh for s in allowed)
        raise ScenarioError(
            "illegal_transition",
            f"场景 #{scenario.id} 处于“{state.zh}”状态，不能“{ACTION_ZH[action]}”（需要：{needed}）",
            f"scenario #{scenario.id} is {state.value}: cannot {action} "
            f"(needs {' or '.join(s.value for s in allowed)})",
        )
    before = scenario.state
    scenario.state = after.value
    _audit(session, actor, action, scenario, before=before, after=after.value, **detail)


def publish(
    session: Session,
    *,
    title: str,
    owner: str,
    need: str,
    track: str,
    actor: str,
    budget: Decimal | None = None,
    deadline: dt.date | None = None,
    owner_enterprise_id: int | None = None,
    district_id: int | None = None,
    catalogue=None,
) -> Scenario:
    """A new scenario, published; its track must exist and its text must say something."""
    from ..tracks.taxonomy import load_catalogue

    catalogue = catalogue or load_catalogue()
    if catalogue.get(track) is None:
        raise ScenarioError("unknown_track", f"没有赛道“{track}”", f"no track '{track}'")
    for name, value in (("title", title), ("owner", owner), ("need", need)):
        if not value or not value.strip():
            raise ScenarioError("missing", f"“{name}”不能为空", f"'{name}' must not be empty")
    if budget is not None and budget < 0:
        raise ScenarioError("budget", "预算不能为负", "the budget must not be negative")
    scenario = Scenario(
        title=title.strip(),
        owner=owner.strip(),
        need=need.strip(),
        track=track,
        budget=budget,
        deadline=deadline,
        owner_enterprise_id=owner_enterprise_id,
        district_id=district_id,
        state=PUBLISHED.value,
        created_by=actor,
    )
    session.add(scenario)
    session.flush()
    _audit(session, actor, "publish", scenario, track=track, budget=str(budget) if budget else None)
    return scenario


def publish_new(engine: Engine, **fields) -> int:
    """``publish`` in its own transaction; the new scenario's id."""
    with Session(engine) as session:
        scenario = publish(session, **fields)
        session.commit()
        return scenario.id


# --- matching ---------------------------------------------------------------------------------


def _firm_documents(engine: Engine, track: str, catalogue) -> tuple[Documents, dict[int, str]]:
    from ..tracks.service import member_ids

    e = models.Enterprise
    members = member_ids(catalogue.members(track)).subquery()
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(e.id, e.name, e.main_products, e.business_scope, e.district_id).where(
                e.id.in_(sa.select(members.c.enterprise_id))
            )
        ).all()
    names = {r.id: r.name for r in rows}
    n = len(rows)
    documents = Documents.build(
        ids=[r.id for r in rows],
        texts=[f"{r.name} {r.main_products or ''}\n{r.business_scope or ''}" for r in rows],
        field=[UNKNOWN] * n,
        node=[UNKNOWN] * n,
        chain=[UNKNOWN] * n,
        trl=[0] * n,
        district=[r.district_id for r in rows],
        city=[UNKNOWN] * n,
    )
    return documents, names


def match(
    engine: Engine, scenario_id: int, *, actor: str, top: int = TOP, matcher: Matcher | None = None
) -> dict:
    """Rank the track's firms and the research results for the scenario; record and move it to
    matched (a matched scenario may be matched again, e.g. after new firms were classified)."""
    from ..tracks.taxonomy import load_catalogue

    catalogue = load_catalogue()
    matcher = matcher or Matcher(engine, embedder=None)
    with Session(engine) as session:
        scenario = get(session, scenario_id)
        text = f"{scenario.title}\n{scenario.need}"
        query = Query(
            tokens=matcher.segmenter.tokens(text),
            district=scenario.district_id if scenario.district_id is not None else UNKNOWN,
            is_demand=True,
        )
        labels = matcher.labels()
        documents, names = _firm_documents(engine, scenario.track, catalogue)
        firms = []
        if len(documents):
            index = build_index(documents, matcher.segmenter)
            firms = [
                _shown(m, names.get(int(m.id))) for m in rank(index, query, top, labels=labels)
            ]
        results = []
        results_index = matcher.index("results")
        if len(results_index):
            titles = dict(session.execute(sa.select(ResearchResult.id, ResearchResult.title)).all())
            ranked = rank(results_index, query, top, labels=labels)
            results = [_shown(m, titles.get(int(m.id))) for m in ranked]
        found = {
            "firms": [f for f in firms if f["score"] > 0],
            "results": [r for r in results if r["score"] > 0],
        }
        scenario.matches = found
        _transition(
            session,
            scenario,
            "match",
            actor,
            firms=len(found["firms"]),
            results=len(found["results"]),
        )
        session.commit()
        return found


def _shown(match, name: str | None) -> dict:
    return {
        "id": int(match.id),
        "name": name,
        "score": round(float(match.score), 1),
        "reasons": [{"zh": r.zh, "en": r.en, "points": round(r.points, 1)} for r in match.reasons],
    }


def pilot(
    engine: Engine, scenario_id: int, *, enterprise_id: int, actor: str, note: str | None = None
):
    """The scenario goes to a pilot with one of its matched firms (or another, with a note)."""
    with Session(engine) as session:
        scenario = get(session, scenario_id)
        _transition(session, scenario, "pilot", actor, enterprise_id=enterprise_id, note=note)
        matched = {f["id"] for f in (scenario.matches or {}).get("firms", [])}
        if session.get(models.Enterprise, enterprise_id) is None:
            raise ScenarioError(
                "unknown_enterprise",
                f"没有编号为 {enterprise_id} 的企业",
                f"no enterprise #{enterprise_id}",
            )
        if enterprise_id not in matched and not note:
            raise ScenarioError(
                "not_matched",
                "该企业不在匹配结果中；如仍选择它，请写明理由",
                "this firm is not among the matches; give a reason to choose it anyway",
            )
        scenario.pilot_enterprise_id = enterprise_id
        session.commit()


def advance(engine: Engine, scenario_id: int, action: str, *, actor: str, note: str | None = None):
    """``showcase`` or ``withdraw``, with a note kept on the scenario."""
    if action not in ("showcase", "withdraw"):
        raise ScenarioError("bad_action", f"未知操作“{action}”", f"unknown action '{action}'")
    if not note:
        raise ScenarioError("note", "请写明理由", "give a reason")
    with Session(engine) as session:
        scenario = get(session, scenario_id)
        scenario.outcome_note = note
        _transition(session, scenario, action, actor, note=note)
        session.commit()


def listing(engine: Engine, *, state: str | None = None, track: str | None = None) -> list[dict]:
    s = Scenario
    stmt = sa.select(s).order_by(s.id)
    if state:
        stmt = stmt.where(s.state == state)
    if track:
        stmt = stmt.where(s.track == track)
    with Session(engine) as session:
        return [
            {
                "id": x.id,
                "title": x.title,
                "owner": x.owner,
                "track": x.track,
                "budget": x.budget,
                "deadline": x.deadline,
                "state": x.state,
                "state_zh": STATES[x.state].zh,
                "pilot_enterprise_id": x.pilot_enterprise_id,
                "matches": x.matches,
            }
            for x in session.scalars(stmt)
        ]


__all__ = ["STATES", "ScenarioError", "advance", "listing", "match", "pilot", "publish"]
