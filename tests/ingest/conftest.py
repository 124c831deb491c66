"""Fixtures of the ingest tests."""

from __future__ import annotations

import pytest

from xinzhi.ingest.pipeline import import_file

from .helpers import (
    DISTRICT_HEADER,
    DISTRICT_ROWS,
    ENTERPRISE_HEADER,
    enterprise_rows,
    write_csv,
)


def _with_registry(engine, tmp_path):
    districts = write_csv(tmp_path / "districts.csv", DISTRICT_HEADER, DISTRICT_ROWS)
    assert import_file(engine, "districts", districts, actor="test").ok
    enterprises = write_csv(tmp_path / "enterprises.csv", ENTERPRISE_HEADER, enterprise_rows())
    result = import_file(engine, "enterprises", enterprises, actor="test")
    assert result.ok, result.errors
    return engine


@pytest.fixture
def registry(engine, tmp_path):
    """Districts and three enterprises, imported through the pipeline itself (SQLite, then
    PostgreSQL)."""
    return _with_registry(engine, tmp_path)


@pytest.fixture
def sqlite_registry(sqlite_engine, tmp_path):
    """The same on SQLite only: for checks done in Python, the same on every backend."""
    return _with_registry(sqlite_engine, tmp_path)
