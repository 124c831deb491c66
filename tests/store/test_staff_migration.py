"""Migration 0013 (issue #19 item 12): whole staff counts become hundredths of a person, and
back; a downgrade that would lose a fractional count is refused."""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa
from alembic import command

from xinzhi.store.schema import alembic_config, upgrade

from ..assessments.firms import registry

STAFF = sa.text("SELECT employees, tech_staff FROM enterprise_years ORDER BY year")


def _downgrade(engine, revision: str) -> None:
    with engine.begin() as connection:
        command.downgrade(alembic_config(engine, connection), revision)


def test_staff_counts_move_to_hundredths_and_back(engine):
    registry(engine, [{"years": {2022: {"employees": 120, "tech_staff": 14}}}])
    with engine.connect() as conn:
        assert conn.execute(STAFF).all() == [(12000, 1400)]
    _downgrade(engine, "0012")  # the whole persons of before
    with engine.connect() as conn:
        assert conn.execute(STAFF).all() == [(120, 14)]
    upgrade(engine)
    with engine.connect() as conn:
        assert conn.execute(STAFF).all() == [(12000, 1400)]


def test_a_downgrade_would_lose_a_fraction_and_is_refused(engine):
    registry(engine, [{"years": {2022: {"employees": Decimal("122.5"), "tech_staff": 14}}}])
    with pytest.raises(RuntimeError, match="fractional staff counts"):
        _downgrade(engine, "0012")
    with engine.connect() as conn:  # nothing changed
        assert conn.execute(STAFF).all() == [(12250, 1400)]
