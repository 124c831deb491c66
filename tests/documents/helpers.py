"""Building a small demo city for the briefing tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import Engine

from xinzhi.demo.city import build_demo_city
from xinzhi.store.db import make_engine
from xinzhi.store.schema import upgrade


@contextmanager
def demo_city(folder, *, seed: int, enterprises: int) -> Iterator[Engine]:
    """A migrated SQLite demo city in ``folder``, its runs kept beside it."""
    patch = pytest.MonkeyPatch()
    patch.setenv("XINZHI_RUNS_DIR", str(folder / "runs"))
    engine = make_engine(f"sqlite:///{folder / 'xinzhi.db'}")
    upgrade(engine)
    build_demo_city(engine, seed=seed, enterprises=enterprises)
    try:
        yield engine
    finally:
        engine.dispose()
        patch.undo()
