"""Credit codes that fail the GB 32100 checksum but were really issued: an administrator
records the evidence once, and imports accept the code from then on."""

from __future__ import annotations

from sqlalchemy import Engine, select

from .audit import Action, audit
from .db import session_scope
from .models import CreditCodeVerification


def verify_credit_code(engine: Engine, code: str, *, actor: str, reason: str) -> bool:
    """Record ``code`` (already parsed, checksum aside) as issued; False if it was already."""
    with session_scope(engine) as session:
        known = session.scalar(
            select(CreditCodeVerification.id).where(CreditCodeVerification.credit_code == code)
        )
        if known is not None:
            return False
        session.add(CreditCodeVerification(credit_code=code, verified_by=actor, reason=reason))
        audit(
            session,
            actor=actor,
            action=Action.CREDIT_CODE_VERIFY,
            subject=code,
            detail={"reason": reason},
        )
    return True
