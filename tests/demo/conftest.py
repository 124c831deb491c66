"""A small demo city (2,000 firms), built once for the demo tests."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from xinzhi.demo import DemoSummary, build_demo_city, generate_city
from xinzhi.demo.city import SyntheticCity
from xinzhi.store.db import make_engine
from xinzhi.store.schema import upgrade

SEED = 2023
SMALL = 2_000


@dataclass
class BuiltCity:
    engine: sa.Engine
    summary: DemoSummary
    city: SyntheticCity  # the same draw, regenerated: archetypes by firm for the checks

    def rows(self, sql: str) -> list[tuple]:
        """Raw rows (money as integer fen, dates as stored)."""
        with self.engine.connect() as conn:
            return [tuple(r) for r in conn.exec_driver_sql(sql).all()]


def build(tmp_path_factory, name: str, *, seed: int = SEED, enterprises: int = SMALL) -> BuiltCity:
    path = tmp_path_factory.mktemp(name) / "demo.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    summary = build_demo_city(engine, seed=seed, enterprises=enterprises)
    return BuiltCity(engine, summary, generate_city(seed, enterprises))


@pytest.fixture(scope="session")
def demo(tmp_path_factory) -> BuiltCity:
    built = build(tmp_path_factory, "demo")
    yield built
    built.engine.dispose()
