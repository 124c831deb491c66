"""Fixtures of the web tests: the small demo city with one user per role, before and after
a recorded assessment run of the real rule engine."""

from __future__ import annotations

import pytest

from xinzhi.assessments.runs import evaluate, record

from .helpers import build_web_city


@pytest.fixture
def web_city(sqlite_engine):
    return build_web_city(sqlite_engine)


@pytest.fixture
def any_web_city(engine):
    """The same city on SQLite, then on PostgreSQL."""
    return build_web_city(engine)


def assess(city):
    """Run and record every assessment over the city, as `xinzhi assess` does."""
    result = evaluate(city.engine)
    record(city.engine, result, actor="test")
    return result
