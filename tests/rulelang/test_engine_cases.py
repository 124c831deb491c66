"""The assessments' YAML cases (rulesets/assessments/cases/, issue #19) on every engine: the
same declarations and facts give the same status, score interval and failed and unknown
clauses on DuckDB (tests/assessments/test_cases.py), inside PostgreSQL and on Spark. One
query per declaration and engine; one Spark session for the module (starting it is slow)."""

from __future__ import annotations

import pytest

from xinzhi.assessments.cases import load_assessment_cases, run_cases
from xinzhi.assessments.catalogue import load_catalog
from xinzhi.rulelang.engines import BackendError, open_store, spark_session
from xinzhi.store.db import make_engine

CATALOG = load_catalog()
CASES = load_assessment_cases(catalog=CATALOG)
ASSESSMENTS = sorted({c.assessment for c in CASES})


def _mismatches(store, assessment: str) -> list[str]:
    cases = [c for c in CASES if c.assessment == assessment]
    found = run_cases(store, cases, CATALOG)
    assert set(found) == {c.id for c in cases}
    return [f"{c.file.name}:{c.line} {c.name}: {found[c.id]}" for c in cases if found[c.id]]


def test_every_declaration_has_cases():
    assert {d.id for d in CATALOG.declarations} <= set(ASSESSMENTS)


@pytest.fixture(scope="module")
def postgres_store(postgres_engine_module):
    store = open_store(postgres_engine_module, "postgres", names=[])
    yield store
    store.close()


@pytest.fixture(scope="module")
def postgres_engine_module(postgres_url):
    from ..dbfixtures import fresh_postgres

    with fresh_postgres(postgres_url) as engine:
        yield engine


@pytest.mark.postgres
@pytest.mark.parametrize("assessment", ASSESSMENTS)
def test_cases_inside_postgresql(postgres_store, assessment):
    assert _mismatches(postgres_store, assessment) == []


@pytest.fixture(scope="module")
def spark_store(tmp_path_factory):
    """The module's one Spark store; no Java 17 is a failure, never a skip (as in
    test_engines.py: `make system-deps` installs it)."""
    try:
        spark_session()
    except BackendError as exc:
        pytest.fail(f"{exc} (make system-deps)", pytrace=False)
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('spark-cases') / 'none.db'}")
    store = open_store(engine, "pyspark", names=[])
    yield store
    store.close()
    engine.dispose()


@pytest.mark.parametrize("assessment", ASSESSMENTS)
def test_cases_on_spark(spark_store, assessment):
    assert _mismatches(spark_store, assessment) == []
