"""The throwaway PostgreSQL that `make test` starts answers through SQLAlchemy + psycopg 3."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

pytestmark = pytest.mark.postgres


def test_postgres_answers(postgres_url):
    assert postgres_url.startswith("postgresql+psycopg://")
    engine = create_engine(postgres_url)
    try:
        with engine.connect() as conn:
            version = conn.execute(text("select version()")).scalar_one()
            database = conn.execute(text("select current_database()")).scalar_one()
            encoding = conn.execute(text("show server_encoding")).scalar_one()
    finally:
        engine.dispose()
    assert version.startswith("PostgreSQL ")
    assert database == "xinzhi_test"
    assert encoding == "UTF8"
