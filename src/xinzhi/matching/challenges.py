"""The 揭榜挂帅 board: open challenges with a bounty, applications, reviews, an award.

Lifecycle — each step needs the one before, none can be skipped or undone:

    draft ──publish──▶ published ──close──▶ closed ──start_review──▶ under_review ─┬─award──▶ awarded
                                                                                   └─fail───▶ failed

* publish: a bounty, requirements and a deadline not yet passed are needed;
* apply: only while published and on or before the deadline;
* close: stops applications (at or after the deadline, or earlier with a reason);
* start review: also with no application — such a challenge then fails, with its reason on
  record;
* score: only under review, one score (0–100) per reviewer and application;
* award: under review, every application scored; the award goes to the best mean score
  unless a reason is given for another;
* fail: under review, with a reason (no application good enough).

Every transition and every score is written to the audit log (subject ``challenge:<id>``)
in the same transaction as the change.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from statistics import fmean

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..domain.errors import XinzhiError
from ..domain.values import today
from ..store.audit import Action, audit
from ..store.models import AuditEntry
from ..store.models.matching import Challenge, ChallengeApplication, ChallengeReview


@dataclass(frozen=True)
class State:
    value: str
    zh: str


DRAFT = State("draft", "草稿")
PUBLISHED = State("published", "已发布（揭榜中）")
CLOSED = State("closed", "揭榜已截止")
UNDER_REVIEW = State("under_review", "评审中")
AWARDED = State("awarded", "已授榜")
FAILED = State("failed", "流榜")
STATES = {s.value: s for s in (DRAFT, PUBLISHED, CLOSED, UNDER_REVIEW, AWARDED, FAILED)}

# action → (state it needs, state it leads to)
LIFECYCLE: dict[str, tuple[State, State]] = {
    "publish": (DRAFT, PUBLISHED),
    "close": (PUBLISHED, CLOSED),
    "start_review": (CLOSED, UNDER_REVIEW),
    "award": (UNDER_REVIEW, AWARDED),
    "fail": (UNDER_REVIEW, FAILED),
}
ACTION_ZH = {
    "publish": "发布",
    "close": "截止揭榜",
    "start_review": "开始评审",
    "award": "授榜",
    "fail": "流榜",
    "apply": "揭榜申请",
    "score": "评分",
}
# what must happen first, to say so when a step is tried too early
_PATH = ["draft", "published", "closed", "under_review"]


class ChallengeError(XinzhiError, ValueError):
    """A step the board's rules do not allow, said in Chinese and English."""

    def __init__(self, code: str, zh: str, en: str) -> None:
        self.code = code
        super().__init__(zh, en, message=f"{en} / {zh}")


def _audit(session: Session, actor: str, action: str, challenge: Challenge, **detail) -> None:
    audit(
        session,
        actor=actor,
        action=Action(f"challenge.{action}"),
        subject=f"challenge:{challenge.id}",
        detail=detail,
    )


def _illegal(challenge: Challenge, action: str, needed: State) -> ChallengeError:
    state = STATES[challenge.state]
    steps: list[str] = []  # the states it must pass through first
    if challenge.state in _PATH and needed.value in _PATH:
        steps = _PATH[_PATH.index(challenge.state) + 1 : _PATH.index(needed.value) + 1]
    if steps:
        hint_zh = "须先经过：" + " → ".join(STATES[s].zh for s in steps)
        hint_en = "it must first go through: " + " → ".join(steps)
    else:
        hint_zh, hint_en = "此状态下不能再这样做", "this is no longer possible in its state"
    return ChallengeError(
        "illegal_transition",
        f"榜单 #{challenge.id} 处于“{state.zh}”状态，不能“{ACTION_ZH[action]}”（需要“{needed.zh}”状态）；"
        f"{hint_zh}",
        f"challenge #{challenge.id} is {state.value}: cannot {action} (needs {needed.value}); "
        f"{hint_en}",
    )


def _transition(session: Session, challenge: Challenge, action: str, actor: str, **detail) -> None:
    needed, after = LIFECYCLE[action]
    if challenge.state != needed.value:
        raise _illegal(challenge, action, needed)
    before = challenge.state
    challenge.state = after.value
    _audit(session, actor, action, challenge, before=before, after=after.value, **detail)


def get(session: Session, challenge_id: int, *, lock: bool = True) -> Challenge:
    query = sa.select(Challenge).where(Challenge.id == challenge_id)
    if lock:
        query = query.with_for_update()  # two reviewers awarding at once: one waits
    challenge = session.scalar(query)
    if challenge is None:
        raise ChallengeError(
            "not_found", f"没有编号为 {challenge_id} 的榜单", f"no challenge #{challenge_id}"
        )
    return challenge


# --- creating -----------------------------------------------------------------------------


def create(
    session: Session,
    *,
    title: str,
    description: str,
    requirements: str,
    bounty: Decimal,
    deadline: dt.date,
    actor: str,
    field: str | None = None,
    origin: str = "manual",
    chain_key: str | None = None,
    node_key: str | None = None,
    recommended_mode: str | None = None,
    chain_node_id: int | None = None,
    demand_id: int | None = None,
    enterprise_id: int | None = None,
) -> Challenge:
    """A challenge in draft: it can be edited by creating anew and is not yet visible."""
    if bounty is None or Decimal(bounty) <= 0:
        raise ChallengeError("bounty", "榜额须大于0", "the bounty must be more than 0")
    for name, value, zh in (
        ("title", title, "榜单名称"),
        ("requirements", requirements, "榜单要求"),
        ("description", description, "榜单内容"),
    ):
        if not (value or "").strip():
            raise ChallengeError("required", f"{zh}不能为空", f"the {name} must not be empty")
    challenge = Challenge(
        title=title.strip(),
        description=description.strip(),
        requirements=requirements.strip(),
        bounty=Decimal(bounty),
        deadline=deadline,
        field=field,
        state=DRAFT.value,
        origin=origin,
        chain_key=chain_key,
        node_key=node_key,
        recommended_mode=recommended_mode,
        chain_node_id=chain_node_id,
        demand_id=demand_id,
        enterprise_id=enterprise_id,
        created_by=actor,
    )
    session.add(challenge)
    session.flush()
    _audit(
        session,
        actor,
        "create",
        challenge,
        after=DRAFT.value,
        origin=origin,
        bounty=str(challenge.bounty),
        deadline=deadline.isoformat(),
    )
    return challenge


def create_from_technology_list(
    session: Session,
    *,
    chain_key: str,
    node_key: str,
    technology: str | None,
    bounty: Decimal,
    deadline: dt.date,
    requirements: str,
    actor: str,
) -> Challenge:
    """A challenge for an item of the chain's technology list (技术清单, "325" method)."""
    from .chainlink import load_chain_info, technology_items

    items = [
        item
        for item in technology_items(session.get_bind(), chain_key)
        if item.node_key == node_key and technology in (None, item.technology_name)
    ]
    if len(items) != 1:
        names = "、".join(item.technology_name for item in items)
        wanted = f"的技术“{technology}”" if technology else ""
        raise ChallengeError(
            "not_in_list" if not items else "ambiguous",
            f"产业链“{chain_key}”的技术清单中没有节点“{node_key}”{wanted}"
            if not items
            else f"该节点有多项技术，请用 --technology 指定其一：{names}",
            f"the technology list of chain '{chain_key}' has no item at node '{node_key}'"
            + (f" for '{technology}'" if technology else "")
            if not items
            else f"the node has several technologies; name one with --technology: {names}",
        )
    item = items[0]
    description = (
        f"技术清单第{item.rank}项：{item.node_name}·{item.technology_name}。"
        f"列入原因：{item.reason_zh}。建议攻关方式：{item.mode}。"
    )
    chains = load_chain_info(session.connection())
    return create(
        session,
        title=f"{item.node_name}：{item.technology_name}",
        description=description,
        requirements=requirements,
        bounty=bounty,
        deadline=deadline,
        actor=actor,
        origin="technology_list",
        chain_key=chain_key,
        node_key=node_key,
        recommended_mode=item.mode,
        chain_node_id=chains.resolve(f"{chain_key}/{node_key}"),
    )


def create_from_demand(
    session: Session,
    demand_id: int,
    *,
    bounty: Decimal,
    deadline: dt.date,
    requirements: str,
    actor: str,
) -> Challenge:
    """A challenge put out for an enterprise's technical demand."""
    from ..store.models.matching import TechnicalDemand

    demand = session.get(TechnicalDemand, demand_id)
    if demand is None:
        raise ChallengeError(
            "not_found", f"没有 id 为 {demand_id} 的技术需求", f"no technical demand #{demand_id}"
        )
    return create(
        session,
        title=demand.title,
        description=demand.description,
        requirements=requirements,
        bounty=bounty,
        deadline=deadline,
        actor=actor,
        field=demand.field,
        origin="demand",
        chain_node_id=demand.chain_node_id,
        demand_id=demand.id,
        enterprise_id=demand.enterprise_id,
    )


# --- the lifecycle --------------------------------------------------------------------------


def publish(
    session: Session, challenge_id: int, *, actor: str, on: dt.date | None = None
) -> Challenge:
    challenge = get(session, challenge_id)
    day = on or today()
    if challenge.state == DRAFT.value and challenge.deadline < day:
        raise ChallengeError(
            "deadline_passed",
            f"揭榜截止日期 {challenge.deadline} 已过，不能发布；请重新创建榜单",
            f"the deadline {challenge.deadline} has passed: it cannot be published; create it anew",
        )
    _transition(session, challenge, "publish", actor, on=day.isoformat())
    return challenge


def apply(
    session: Session,
    challenge_id: int,
    *,
    applicant: str,
    proposal: str,
    actor: str,
    expert_id: int | None = None,
    result_id: int | None = None,
    on: dt.date | None = None,
) -> ChallengeApplication:
    """A team takes up the challenge (揭榜)."""
    challenge = get(session, challenge_id)
    if challenge.state != PUBLISHED.value:
        raise ChallengeError(
            "not_open",
            f"榜单 #{challenge.id} 处于“{STATES[challenge.state].zh}”状态，不接受揭榜申请"
            "（只在“已发布”时接受）",
            f"challenge #{challenge.id} is {challenge.state}: applications are accepted only "
            "while it is published",
        )
    day = on or today()
    if day > challenge.deadline:
        raise ChallengeError(
            "deadline_passed",
            f"揭榜截止日期 {challenge.deadline} 已过",
            f"the deadline {challenge.deadline} has passed",
        )
    if not applicant.strip() or not proposal.strip():
        raise ChallengeError(
            "required", "申请单位和方案不能为空", "the applicant and the proposal must not be empty"
        )
    application = ChallengeApplication(
        applicant=applicant.strip(),
        proposal=proposal.strip(),
        expert_id=expert_id,
        result_id=result_id,
        status="submitted",
        submitted_by=actor,
    )
    challenge.applications.append(application)  # keeps the loaded collection current
    session.flush()
    _audit(
        session,
        actor,
        "apply",
        challenge,
        application_id=application.id,
        applicant=application.applicant,
    )
    return application


def close(
    session: Session,
    challenge_id: int,
    *,
    actor: str,
    reason: str | None = None,
    on: dt.date | None = None,
) -> Challenge:
    challenge = get(session, challenge_id)
    day = on or today()
    if challenge.state == PUBLISHED.value and day <= challenge.deadline and not reason:
        raise ChallengeError(
            "early_close",
            f"揭榜截止日期 {challenge.deadline} 未到：提前截止须说明原因",
            f"the deadline {challenge.deadline} has not passed: closing early needs a reason",
        )
    _transition(session, challenge, "close", actor, on=day.isoformat(), reason=reason)
    return challenge


def start_review(session: Session, challenge_id: int, *, actor: str) -> Challenge:
    challenge = get(session, challenge_id)
    _transition(session, challenge, "start_review", actor, applications=len(challenge.applications))
    return challenge


def score(
    session: Session,
    application_id: int,
    *,
    reviewer: str,
    points: int,
    comment: str | None = None,
    actor: str,
) -> ChallengeReview:
    application = session.get(ChallengeApplication, application_id)
    if application is None:
        raise ChallengeError(
            "not_found",
            f"没有编号为 {application_id} 的揭榜申请",
            f"no application #{application_id}",
        )
    challenge = get(session, application.challenge_id)
    if challenge.state != UNDER_REVIEW.value:
        raise _illegal(challenge, "score", UNDER_REVIEW)
    if not 0 <= int(points) <= 100:
        raise ChallengeError(
            "score_range", f"评分应在0到100之间：{points}", f"a score is from 0 to 100: {points}"
        )
    if not reviewer.strip():
        raise ChallengeError("required", "评审专家不能为空", "the reviewer must be named")
    exists = session.scalar(
        sa.select(ChallengeReview.id).where(
            ChallengeReview.application_id == application.id, ChallengeReview.reviewer == reviewer
        )
    )
    if exists:
        raise ChallengeError(
            "already_scored",
            f"评审专家“{reviewer}”已为申请 #{application.id} 评过分",
            f"{reviewer} has already scored application #{application.id}",
        )
    review = ChallengeReview(reviewer=reviewer.strip(), score=int(points), comment=comment)
    application.reviews.append(review)
    session.flush()
    _audit(
        session,
        actor,
        "score",
        challenge,
        application_id=application.id,
        reviewer=review.reviewer,
        score=review.score,
    )
    return review


def ranking(challenge: Challenge) -> list[tuple[ChallengeApplication, float | None]]:
    """Applications by mean reviewer score, best first; unscored ones last (mean None)."""
    scored = [
        (a, fmean(r.score for r in a.reviews) if a.reviews else None)
        for a in challenge.applications
    ]
    return sorted(scored, key=lambda pair: (pair[1] is None, -(pair[1] or 0), pair[0].id))


def award(
    session: Session,
    challenge_id: int,
    application_id: int,
    *,
    actor: str,
    reason: str | None = None,
) -> Challenge:
    challenge = get(session, challenge_id)
    if challenge.state != UNDER_REVIEW.value:
        raise _illegal(challenge, "award", UNDER_REVIEW)
    ranked = ranking(challenge)
    chosen = next((a for a, _ in ranked if a.id == application_id), None)
    if chosen is None:
        raise ChallengeError(
            "not_an_application",
            f"申请 #{application_id} 不属于榜单 #{challenge.id}",
            f"application #{application_id} is not for challenge #{challenge.id}",
        )
    unscored = [a.id for a, mean in ranked if mean is None]
    if unscored:
        raise ChallengeError(
            "unscored",
            f"仍有申请未评分：{'、'.join(f'#{i}' for i in unscored)}；全部评分后方可授榜",
            f"applications not yet scored: {', '.join(f'#{i}' for i in unscored)}; score all "
            "before awarding",
        )
    best = ranked[0][1]
    mean = {a.id: m for a, m in ranked}[chosen.id]
    if mean < best and not (reason or "").strip():
        raise ChallengeError(
            "not_best",
            f"申请 #{chosen.id} 平均分 {mean:.1f} 低于最高分 {best:.1f}：须说明授榜理由",
            f"application #{chosen.id} averages {mean:.1f}, below the best {best:.1f}: give a "
            "reason for awarding it",
        )
    _transition(
        session,
        challenge,
        "award",
        actor,
        application_id=chosen.id,
        mean_score=round(mean, 2),
        best_score=round(best, 2),
        reason=reason,
    )
    for application in challenge.applications:
        application.status = "awarded" if application.id == chosen.id else "not_awarded"
    challenge.outcome_note = reason
    return challenge


def fail(session: Session, challenge_id: int, *, actor: str, reason: str) -> Challenge:
    challenge = get(session, challenge_id)
    if not (reason or "").strip():
        raise ChallengeError("required", "流榜须说明原因", "failing a challenge needs a reason")
    _transition(session, challenge, "fail", actor, reason=reason)
    for application in challenge.applications:
        application.status = "not_awarded"
    challenge.outcome_note = reason
    return challenge


def history(session: Session, challenge_id: int) -> list[AuditEntry]:
    return list(
        session.scalars(
            sa.select(AuditEntry)
            .where(AuditEntry.subject == f"challenge:{challenge_id}")
            .order_by(AuditEntry.id)
        )
    )
