"""The same briefing on every store: SQLite and the throwaway PostgreSQL."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from xinzhi.demo.city import build_demo_city
from xinzhi.documents.briefings.compose import build_briefing
from xinzhi.metrics.periods import Period
from xinzhi.store import models


def test_headline_and_district_table_on_every_store(engine):
    build_demo_city(engine, seed=5, enterprises=200)
    E, C = models.Enterprise, models.TechContract
    with engine.connect() as conn:
        firms = conn.scalar(
            sa.select(sa.func.count()).select_from(E).where(E.founded_on <= dt.date(2023, 6, 30))
        )
        contracts = conn.scalar(
            sa.select(sa.func.count())
            .select_from(C)
            .where(C.registered_on.between(dt.date(2023, 4, 1), dt.date(2023, 6, 30)))
        )
    briefing = build_briefing(engine, Period("quarterly", 2023, 2), charts=False)
    headline = briefing.sections[0]
    assert f"全市科技型企业总数达到{firms}家" in headline.bullets[0].text
    assert f"登记技术合同{contracts}项" in headline.bullets[2].text
    districts = next(s for s in briefing.sections if s.key == "districts")
    assert sum(int(row[1]) for row in districts.tables[0].rows) == firms
