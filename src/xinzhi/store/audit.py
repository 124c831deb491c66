"""The audit log's one write path: every change and every run, who, when, what.

Each row is written in the caller's transaction (a ``Session`` or a ``Connection``), so a
change and its audit row are committed together or not at all. The action names are the
members of ``Action``: the audit page filters by them, the metrics cache and objections read
them back, so they are never spelled by hand.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection
from sqlalchemy.orm import Session

from .models import AuditEntry


class Action(StrEnum):
    # registry imports and codes
    IMPORT = "import"
    CREDIT_CODE_VERIFY = "credit_code.verify"
    TARGET_SET = "target.set"
    DEMO_BUILD = "demo.build"
    # runs
    ASSESS_RUN = "assess.run"
    POLICY_RUN = "policy.run"
    POLICY_CORRECTION_RUN = "policy_correction.run"
    POLICY_OBJECTION = "policy.objection"
    # chains
    CHAIN_IMPORT = "chain.import"
    CHAIN_EDIT = "chain.edit"
    CHAIN_ANALYSE = "chain.analyse"
    # matching
    MATCH_EVENT = "match.event"
    RESULT_EDIT = "result.edit"
    CHALLENGE_CREATE = "challenge.create"
    CHALLENGE_PUBLISH = "challenge.publish"
    CHALLENGE_APPLY = "challenge.apply"
    CHALLENGE_START_REVIEW = "challenge.start_review"
    CHALLENGE_SCORE = "challenge.score"
    CHALLENGE_AWARD = "challenge.award"
    CHALLENGE_NOT_AWARDED = "challenge.not_awarded"
    CHALLENGE_CLOSE = "challenge.close"
    CHALLENGE_FAIL = "challenge.fail"
    # users
    USER_ADD = "user.add"
    USER_PASSWD = "user.passwd"
    USER_ROLE = "user.role"
    USER_ENABLE = "user.enable"
    USER_DISABLE = "user.disable"
    USER_LOGIN = "user.login"


def audit(
    target: Session | Connection,
    *,
    actor: str,
    action: Action,
    subject: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Add one audit row in ``target``'s transaction."""
    values = {"actor": actor, "action": Action(action).value, "subject": subject, "detail": detail}
    if isinstance(target, Session):
        target.add(AuditEntry(**values))
    else:
        target.execute(sa.insert(AuditEntry).values(**values))
