"""The 揭榜挂帅 board: a lifecycle whose steps cannot be skipped, each one in the audit log."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa

from xinzhi.matching import challenges
from xinzhi.matching.challenges import LIFECYCLE, STATES, ChallengeError
from xinzhi.store.db import session_scope
from xinzhi.store.models import AuditEntry
from xinzhi.store.models.matching import Challenge, TechnicalDemand

TODAY = dt.date.today()


def _create(session, **overrides) -> Challenge:
    fields = {
        "title": "精密减速器寿命攻关",
        "description": "柔轮疲劳寿命提升",
        "requirements": "寿命≥8000小时，传动误差≤30弧秒",
        "bounty": Decimal(5000000),
        "deadline": TODAY + dt.timedelta(days=30),
        "actor": "局长",
    }
    return challenges.create(session, **(fields | overrides))


def _to_state(session, state: str) -> Challenge:
    """A challenge brought to ``state`` the legal way (with two applications once published)."""
    challenge = _create(session)
    if state == "draft":
        return challenge
    challenges.publish(session, challenge.id, actor="局长")
    for team in ("东北大学团队", "沈北机器人研究院"):
        challenges.apply(session, challenge.id, applicant=team, proposal="方案", actor=team)
    if state == "published":
        return challenge
    challenges.close(session, challenge.id, actor="局长", reason="提前截止")
    if state == "closed":
        return challenge
    challenges.start_review(session, challenge.id, actor="局长")
    if state == "under_review":
        return challenge
    if state == "awarded":
        first, second = challenge.applications
        for application, points in ((first, 90), (second, 70)):
            challenges.score(session, application.id, reviewer="专家甲", points=points, actor="甲")
        challenges.award(session, challenge.id, first.id, actor="局长")
    else:
        challenges.fail(session, challenge.id, actor="局长", reason="均未达到指标")
    return challenge


ACTIONS = {
    "publish": lambda s, c: challenges.publish(s, c.id, actor="x"),
    "close": lambda s, c: challenges.close(s, c.id, actor="x", reason="r"),
    "start_review": lambda s, c: challenges.start_review(s, c.id, actor="x"),
    "award": lambda s, c: challenges.award(
        s, c.id, c.applications[0].id if c.applications else 0, actor="x", reason="r"
    ),
    "fail": lambda s, c: challenges.fail(s, c.id, actor="x", reason="r"),
}


ILLEGAL = [
    (state, action)
    for state in STATES
    for action in LIFECYCLE
    if LIFECYCLE[action][0].value != state
]


def test_the_lifecycle_has_one_way_through():
    assert len(ILLEGAL) == len(STATES) * len(LIFECYCLE) - len(LIFECYCLE)
    assert {before.value for before, _ in LIFECYCLE.values()} == {
        "draft",
        "published",
        "closed",
        "under_review",
    }
    assert not {after.value for _, after in LIFECYCLE.values()} & {"draft"}  # never back


@pytest.mark.parametrize(("state", "action"), ILLEGAL)
def test_every_illegal_transition_is_refused_in_both_languages(engine, state, action):
    with session_scope(engine) as session:
        challenge = _to_state(session, state)
        challenge_id = challenge.id
        logged = session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))
    with pytest.raises(ChallengeError) as error, session_scope(engine) as session:
        ACTIONS[action](session, session.get(Challenge, challenge_id))
    assert error.value.code == "illegal_transition"
    assert STATES[state].zh in error.value.zh and state in error.value.en
    with session_scope(engine) as session:
        assert session.get(Challenge, challenge_id).state == state  # unchanged
        assert session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == logged


def test_skipping_a_step_says_which_steps_are_missing(engine):
    with session_scope(engine) as session:
        challenge = _to_state(session, "published")
        with pytest.raises(ChallengeError) as error:
            challenges.award(session, challenge.id, challenge.applications[0].id, actor="x")
    assert "揭榜已截止 → 评审中" in error.value.zh
    assert "closed → under_review" in error.value.en


def test_the_whole_lifecycle_is_in_the_audit_log(engine):
    with session_scope(engine) as session:
        challenge_id = _to_state(session, "awarded").id
    with session_scope(engine) as session:
        challenge = session.get(Challenge, challenge_id)
        assert challenge.state == "awarded"
        assert [a.status for a in challenge.applications] == ["awarded", "not_awarded"]
        actions = [e.action for e in challenges.history(session, challenge_id)]
    assert actions == [
        "challenge.create",
        "challenge.publish",
        "challenge.apply",
        "challenge.apply",
        "challenge.close",
        "challenge.start_review",
        "challenge.score",
        "challenge.score",
        "challenge.award",
    ]
    with session_scope(engine) as session:
        award = challenges.history(session, challenge_id)[-1]
        assert award.detail["before"] == "under_review" and award.detail["after"] == "awarded"
        assert award.actor == "局长" and award.subject == f"challenge:{challenge_id}"


def test_a_failed_challenge_keeps_its_reason(engine):
    with session_scope(engine) as session:
        challenge = _to_state(session, "failed")
        assert challenge.state == "failed" and challenge.outcome_note == "均未达到指标"
        with pytest.raises(ChallengeError, match="reason"):
            challenges.fail(session, _to_state(session, "under_review").id, actor="x", reason=" ")


def test_no_application_after_the_deadline_or_outside_publication(engine):
    with session_scope(engine) as session:
        draft = _create(session)
        with pytest.raises(ChallengeError, match="published"):
            challenges.apply(session, draft.id, applicant="甲", proposal="方案", actor="甲")
        challenges.publish(session, draft.id, actor="x")
        late = draft.deadline + dt.timedelta(days=1)
        with pytest.raises(ChallengeError, match="deadline"):
            challenges.apply(
                session, draft.id, applicant="甲", proposal="方案", actor="甲", on=late
            )


def test_closing_early_needs_a_reason_but_not_after_the_deadline(engine):
    with session_scope(engine) as session:
        challenge = _create(session)
        challenges.publish(session, challenge.id, actor="x")
        with pytest.raises(ChallengeError, match="early"):
            challenges.close(session, challenge.id, actor="x")
        after = challenge.deadline + dt.timedelta(days=1)
        assert challenges.close(session, challenge.id, actor="x", on=after).state == "closed"


def test_a_draft_past_its_deadline_cannot_be_published(engine):
    with session_scope(engine) as session:
        challenge = _create(session, deadline=TODAY - dt.timedelta(days=1))
        with pytest.raises(ChallengeError, match="passed"):
            challenges.publish(session, challenge.id, actor="x")


def test_award_needs_every_application_scored_and_a_reason_below_the_best(engine):
    with session_scope(engine) as session:
        challenge = _to_state(session, "under_review")
        first, second = challenge.applications
        challenges.score(session, first.id, reviewer="专家甲", points=60, actor="甲")
        with pytest.raises(ChallengeError, match="not yet scored"):
            challenges.award(session, challenge.id, first.id, actor="x")
        challenges.score(session, second.id, reviewer="专家甲", points=85, actor="甲")
        with pytest.raises(ChallengeError) as error:
            challenges.award(session, challenge.id, first.id, actor="x")
        assert "须说明授榜理由" in error.value.zh
        awarded = challenges.award(
            session, challenge.id, first.id, actor="x", reason="第二名团队无法在本地转化"
        )
        assert awarded.state == "awarded" and awarded.outcome_note.startswith("第二名")


def test_scores_are_bounded_once_per_reviewer_and_only_in_review(engine):
    with session_scope(engine) as session:
        challenge = _to_state(session, "closed")
        application = challenge.applications[0]
        with pytest.raises(ChallengeError, match="illegal|cannot score"):
            challenges.score(session, application.id, reviewer="甲", points=80, actor="甲")
        challenges.start_review(session, challenge.id, actor="x")
        with pytest.raises(ChallengeError, match="0 to 100"):
            challenges.score(session, application.id, reviewer="甲", points=101, actor="甲")
        challenges.score(session, application.id, reviewer="甲", points=80, actor="甲")
        with pytest.raises(ChallengeError, match="already scored"):
            challenges.score(session, application.id, reviewer="甲", points=70, actor="甲")


def test_the_bounty_must_be_positive_and_texts_present(engine):
    with session_scope(engine) as session:
        with pytest.raises(ChallengeError, match="bounty"):
            _create(session, bounty=Decimal(0))
        with pytest.raises(ChallengeError, match="requirements"):
            _create(session, requirements="  ")


def test_a_challenge_from_a_demand_carries_its_enterprise_and_field(city):
    with session_scope(city) as session:
        demand = session.scalar(sa.select(TechnicalDemand).where(TechnicalDemand.code == "D-0001"))
        challenge = challenges.create_from_demand(
            session,
            demand.id,
            bounty=Decimal(800000),
            deadline=TODAY,
            requirements="寿命≥8000小时",
            actor="x",
        )
        assert (challenge.origin, challenge.field) == ("demand", "robotics")
        assert challenge.enterprise_id == demand.enterprise_id and challenge.state == "draft"


def test_a_challenge_from_the_technology_list(engine):
    from xinzhi.matching.chainlink import ChainsUnavailable, technology_items

    try:
        items = technology_items(engine, "robot")
    except (ChainsUnavailable, LookupError, ValueError) as error:
        pytest.skip(f"the chains area provides no technology list here: {error}")
    if not items:
        pytest.skip("the robot chain has an empty technology list")
    item = items[0]
    with session_scope(engine) as session:
        challenge = challenges.create_from_technology_list(
            session,
            chain_key="robot",
            node_key=item.node_key,
            technology=item.technology_name,
            bounty=Decimal(1000000),
            deadline=TODAY,
            requirements="达到清单指标",
            actor="x",
        )
        assert challenge.origin == "technology_list" and item.technology_name in challenge.title
        assert challenge.recommended_mode == item.mode
        with pytest.raises(ChallengeError, match="no item"):
            challenges.create_from_technology_list(
                session,
                chain_key="robot",
                node_key="no-such-node",
                technology=None,
                bounty=Decimal(1),
                deadline=TODAY,
                requirements="r",
                actor="x",
            )
