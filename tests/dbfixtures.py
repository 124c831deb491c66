"""Database fixtures: every store test runs on SQLite and on the throwaway PostgreSQL.

Loaded from conftest.py. A PostgreSQL test gets a database of its own, created and dropped
around it, so tests never see each other's rows.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import make_url

from xinzhi.store.db import make_engine
from xinzhi.store.schema import upgrade


@pytest.fixture
def sqlite_engine(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'xinzhi.db'}")
    upgrade(engine)
    yield engine
    engine.dispose()


@contextmanager
def fresh_postgres(postgres_url: str) -> Iterator[Engine]:
    """A migrated database of its own on the throwaway server, dropped afterwards (for
    fixtures of any scope)."""
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    name = f"xinzhi_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    engine = make_engine(make_url(postgres_url).set(database=name))
    upgrade(engine)
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture
def postgres_engine(postgres_url):
    with fresh_postgres(postgres_url) as engine:
        yield engine


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request):
    """A migrated, empty database: SQLite, then PostgreSQL."""
    return request.getfixturevalue(f"{request.param}_engine")
