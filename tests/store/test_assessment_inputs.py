"""The assessment-input tables (issue #3) refuse inconsistent rows in the database itself."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa

from xinzhi.store import models
from xinzhi.store.db import session_scope

AS_OF = dt.date(2023, 8, 31)
PROVENANCE = {"source": "test", "as_of": AS_OF}


def _enterprise(session) -> models.Enterprise:
    district = models.District(
        code="210112",
        name="浑南区",
        city="沈阳市",
        province="辽宁省",
        kind="district",
        **PROVENANCE,
    )
    enterprise = models.Enterprise(
        credit_code="91110108MA01B7C46F",
        name="甲",
        district=district,
        founded_on=dt.date(2015, 1, 1),
        hnte_field="8",
        tax_collection="audit",
        **PROVENANCE,
    )
    session.add(enterprise)
    session.flush()
    return enterprise


def _good_rows(enterprise_id: int) -> list:
    return [
        models.Incident(
            enterprise_id=enterprise_id,
            occurred_on=dt.date(2023, 4, 12),
            kind="safety",
            **PROVENANCE,
        ),
        models.Standard(
            enterprise_id=enterprise_id,
            number="GB/T 12345-2023",
            name="试验方法",
            level="national",
            role="lead",
            published_on=dt.date(2023, 3, 17),
            **PROVENANCE,
        ),
        models.Award(
            enterprise_id=enterprise_id,
            name="国家科学技术进步奖二等奖",
            level="national",
            rank=1,
            year=2022,
            **PROVENANCE,
        ),
        models.FinancingRound(
            enterprise_id=enterprise_id,
            closed_on=dt.date(2023, 5, 30),
            round="B",
            amount=Decimal("80000000.00"),
            post_money_valuation=Decimal("800000000.00"),
            **PROVENANCE,
        ),
        models.InnovationReview(
            enterprise_id=enterprise_id,
            year=2023,
            review_source="self",
            advancement=8,
            core_support=0,
            rd_management=20,
            reviewed_on=dt.date(2023, 5, 10),
            **PROVENANCE,
        ),
        models.EnterpriseYear(
            enterprise_id=enterprise_id,
            year=2023,
            conversions=0,
            cost_expense_total=Decimal("12.34"),
            source="test",
            as_of=dt.date(2023, 12, 31),
        ),
    ]


def test_good_rows_round_trip_and_go_with_their_enterprise(engine):
    with session_scope(engine) as session:
        enterprise = _enterprise(session)
        session.add_all(_good_rows(enterprise.id))
    with session_scope(engine) as session:
        year = session.scalars(sa.select(models.EnterpriseYear)).one()
        assert (year.conversions, year.cost_expense_total) == (0, Decimal("12.34"))
        round_ = session.scalars(sa.select(models.FinancingRound)).one()
        assert round_.post_money_valuation == Decimal("800000000.00")
        session.execute(sa.delete(models.Enterprise))
    with engine.connect() as conn:  # ON DELETE CASCADE, as for the other enterprise tables
        for table in (
            "incidents",
            "standards",
            "awards",
            "financing_rounds",
            "innovation_reviews",
            "enterprise_years",
        ):
            assert conn.scalar(sa.text(f"select count(*) from {table}")) == 0, table


BAD = [
    ("conversions", lambda rows: setattr(rows[5], "conversions", -1)),
    ("rank", lambda rows: setattr(rows[2], "rank", 0)),
    ("amount", lambda rows: setattr(rows[3], "amount", Decimal("900000000.00"))),
    ("advancement", lambda rows: setattr(rows[4], "advancement", 9)),
    ("core_support", lambda rows: setattr(rows[4], "core_support", -1)),
    ("rd_management", lambda rows: setattr(rows[4], "rd_management", 21)),
]


def test_check_constraints_refuse_bad_rows(engine):
    with session_scope(engine) as session:
        enterprise_id = _enterprise(session).id
    for column, spoil in BAD:
        rows = _good_rows(enterprise_id)
        spoil(rows)
        with pytest.raises(sa.exc.IntegrityError), session_scope(engine) as session:
            session.add_all(rows)
            session.flush()
            pytest.fail(f"{column}: the database took the row")  # pragma: no cover


def test_natural_keys_are_unique(engine):
    with session_scope(engine) as session:
        enterprise_id = _enterprise(session).id
        session.add_all(_good_rows(enterprise_id))
    for again in _good_rows(enterprise_id)[:5]:
        with pytest.raises(sa.exc.IntegrityError), session_scope(engine) as session:
            session.add(again)


def test_every_enterprise_reference_is_indexed(engine):
    inspector = sa.inspect(engine)
    for table in ("incidents", "standards", "awards", "financing_rounds", "innovation_reviews"):
        indexed = {tuple(ix["column_names"]) for ix in inspector.get_indexes(table)}
        assert ("enterprise_id",) in indexed, table
