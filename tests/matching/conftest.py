"""A small city for the matching tests: 3 districts, 3 enterprises and the sample lists."""

from __future__ import annotations

from pathlib import Path

import pytest

from xinzhi.ingest.pipeline import import_file
from xinzhi.matching.imports import import_list
from xinzhi.matching.matcher import Matcher
from xinzhi.matching.segment import default_segmenter

from ..ingest.helpers import (
    DISTRICT_HEADER,
    DISTRICT_ROWS,
    ENTERPRISE_HEADER,
    enterprise_rows,
    write_csv,
)

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "matching" / "sample"
LABELLED = Path(__file__).resolve().parents[1] / "data" / "matching" / "labelled"


@pytest.fixture(scope="session")
def segmenter():
    """jieba takes a couple of seconds to load: once per test session."""
    return default_segmenter()


def load_registry(engine, tmp_path: Path) -> None:
    districts = write_csv(tmp_path / "districts.csv", DISTRICT_HEADER, DISTRICT_ROWS)
    enterprises = write_csv(tmp_path / "enterprises.csv", ENTERPRISE_HEADER, enterprise_rows())
    for kind, path in (("districts", districts), ("enterprises", enterprises)):
        assert import_file(engine, kind, path, actor="test").ok


def load_lists(engine) -> None:
    for kind in ("experts", "results", "demands"):
        result = import_list(engine, kind, SAMPLE / f"{kind}.csv", actor="test")
        assert result.ok, result.errors


@pytest.fixture
def city(engine, tmp_path, segmenter):
    """The registry and the sample experts, results and demands, in ``engine``."""
    load_registry(engine, tmp_path)
    load_lists(engine)
    return engine


@pytest.fixture
def matcher(city, tmp_path):
    return Matcher(city, index_dir=tmp_path / "index", embedder=None)
