"""Every engine gives the same results (issue #3: "the same expression must run on PostgreSQL,
and on PySpark in local mode … Results must be identical on every backend (tested)").

One small demo city is built twice, in SQLite and in PostgreSQL; every declaration of every
region is evaluated on DuckDB over the SQLite file (the reference), then on DuckDB over the
PostgreSQL store (its tables copied in as Arrow), inside PostgreSQL, and on a local Spark;
the long results and every clause's value must equal the reference.
"""

from __future__ import annotations

import math
import re

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from xinzhi.assessments.catalogue import load_catalog
from xinzhi.assessments.runs import RunResult, default_as_of, evaluate
from xinzhi.cli import app
from xinzhi.demo.city import build_demo_city
from xinzhi.policies.cases import load_cases, run_case
from xinzhi.policies.declarations import load_policies
from xinzhi.rulelang.declaration import Declaration
from xinzhi.rulelang.engines import BackendError, open_store, spark_session
from xinzhi.store.db import make_engine
from xinzhi.store.schema import upgrade

from ..dbfixtures import fresh_postgres

SEED, ENTERPRISES = 7, 150
# Only values computed with pow() may differ, in the last bits: Spark's Math.pow and the C
# library's pow (DuckDB, PostgreSQL) round differently. They are displayed growth rates, never
# compared raw (a comparison rounds to 12 places first), so 1e-9 relative is agreement.
POW_TOLERANCE = 1e-9


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


@pytest.fixture(scope="module")
def sqlite_city(tmp_path_factory):
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('backends') / 'city.db'}")
    upgrade(engine)
    build_demo_city(engine, seed=SEED, enterprises=ENTERPRISES)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def postgres_city(postgres_url):
    with fresh_postgres(postgres_url) as engine:
        build_demo_city(engine, seed=SEED, enterprises=ENTERPRISES)
        yield engine


@pytest.fixture(scope="session")
def spark():
    """The one local Spark session; no Java 17 is a failure, never a skip."""
    try:
        return spark_session()
    except BackendError as exc:
        pytest.fail(f"{exc} (make system-deps)", pytrace=False)


@pytest.fixture(scope="module")
def reference(sqlite_city, catalog) -> RunResult:
    return evaluate(sqlite_city, backend="duckdb", all_regions=True, catalog=catalog)


def pow_columns(declaration: Declaration) -> set[str]:
    """The shown values that come from cagr() (a pow), directly or through other metrics."""
    powered = set()
    while True:
        found = {
            name
            for name, metric in declaration.metrics.items()
            if "cagr(" in metric.expr or any(re.search(rf"\b{p}\b", metric.expr) for p in powered)
        }
        if found <= powered:
            break
        powered |= found
    columns = {f"v__{name}" for name in powered}
    for item in declaration.score.items if declaration.score else []:
        for measure in item.measures:
            if measure.value and any(re.search(rf"\b{p}\b", measure.value) for p in powered):
                columns.add(f"v__b__{measure.id}__value")
    return columns


def assert_same_detail(
    expected: pa.Table, got: pa.Table, declaration: Declaration, label: str
) -> None:
    assert got.column_names == expected.column_names, label
    tolerant = pow_columns(declaration)
    for name in expected.column_names:
        want, have = expected[name].to_pylist(), got[name].to_pylist()
        if want == have:  # ints of any width compare equal as Python ints; floats exactly
            continue
        assert name in tolerant and pa.types.is_floating(expected[name].type), (
            f"{label} {declaration.id}.{name}: "
            f"{[(i, w, h) for i, (w, h) in enumerate(zip(want, have)) if w != h][:5]}"
        )
        for i, (w, h) in enumerate(zip(want, have, strict=True)):
            assert (w is None) == (h is None), f"{label} {declaration.id}.{name} row {i}: {w} ≠ {h}"
            if w is not None:
                assert math.isclose(w, h, rel_tol=POW_TOLERANCE, abs_tol=POW_TOLERANCE), (
                    f"{label} {declaration.id}.{name} row {i}: {w} ≠ {h}"
                )


def assert_same_run(expected: RunResult, got: RunResult, label: str) -> None:
    assert [d.id for d in got.declarations] == [d.id for d in expected.declarations]
    assert got.as_of == expected.as_of
    assert got.results.schema == expected.results.schema
    assert got.results.to_pylist() == expected.results.to_pylist(), label
    for declaration in expected.declarations:
        assert_same_detail(
            expected.detail[declaration.id], got.detail[declaration.id], declaration, label
        )


def test_the_reference_run_is_not_trivial(reference):
    """Equal results prove something only if they hold passes, failures and undetermined ones,
    with gaps, missing inputs and score intervals to compare."""
    results = reference.results.to_pylist()
    assert len(reference.declarations) >= 3
    assert len(results) == ENTERPRISES * len(reference.declarations)
    assert {r["status"] for r in results} == {"pass", "fail", "undetermined"}
    assert any(r["gap_zh"] for r in results) and any(r["missing"] for r in results)
    assert any(r["score_low"] is not None and r["score_low"] < r["score_high"] for r in results)
    hnte = reference.summary["counts"]["hnte"]
    assert min(hnte.values()) > 0, hnte


def test_the_reference_is_the_vectorised_evaluator(reference):
    assert reference.summary["evaluator"] == "vectorised"


def test_sql_over_the_snapshot_gives_the_vectorised_results(sqlite_city, reference, catalog):
    """The two evaluators of the DuckDB backend (issue #13): the same declarations compiled
    once, run as Arrow kernels and as DuckDB SQL, equal column for column — exactly, pow()
    included (both call the C library)."""
    result = evaluate(
        sqlite_city, backend="duckdb", all_regions=True, catalog=catalog, evaluator="sql"
    )
    assert result.summary["evaluator"] == "sql"
    assert result.results.to_pylist() == reference.results.to_pylist()
    for declaration in reference.declarations:
        assert result.detail[declaration.id].equals(reference.detail[declaration.id]), (
            declaration.id
        )


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["duckdb", "postgres"])
def test_a_postgres_store_gives_the_reference_results(backend, postgres_city, reference, catalog):
    """DuckDB reading the PostgreSQL store (tables copied in as Arrow), and the expressions run
    inside PostgreSQL itself."""
    assert default_as_of(postgres_city) == reference.as_of
    result = evaluate(postgres_city, backend=backend, all_regions=True, catalog=catalog)
    assert_same_run(reference, result, f"{backend} over PostgreSQL")


@pytest.mark.postgres
def test_spark_gives_the_reference_results(spark, postgres_city, reference, catalog):
    result = evaluate(postgres_city, backend="pyspark", all_regions=True, catalog=catalog)
    assert_same_run(reference, result, "pyspark over PostgreSQL")


def test_the_postgres_backend_refuses_a_sqlite_store(sqlite_city):
    with pytest.raises(
        BackendError, match="the postgres backend computes inside a PostgreSQL store"
    ):
        open_store(sqlite_city, "postgres")
    with pytest.raises(BackendError, match="unknown backend"):
        open_store(sqlite_city, "oracle")


def test_assess_names_the_reason_when_the_backend_does_not_fit_the_store(sqlite_city, monkeypatch):
    monkeypatch.setenv("XINZHI_DATABASE_URL", str(sqlite_city.url))
    result = CliRunner().invoke(app, ["assess", "--backend", "postgres", "--only", "hnte"])
    assert result.exit_code == 2
    assert "postgres 引擎在 PostgreSQL 数据库内计算" in result.output
    assert "Traceback" not in result.output


@pytest.mark.postgres
def test_assess_runs_inside_postgresql_from_the_command_line(
    postgres_city, reference, monkeypatch, tmp_path
):
    monkeypatch.setenv(
        "XINZHI_DATABASE_URL", postgres_city.url.render_as_string(hide_password=False)
    )
    monkeypatch.setenv("XINZHI_RUNS_DIR", str(tmp_path))
    output = tmp_path / "hnte.parquet"
    result = CliRunner().invoke(
        app, ["assess", "--backend", "postgres", "--only", "hnte", "--output", str(output)]
    )
    assert result.exit_code == 0, result.output
    written = pq.read_table(output).select(["credit_code", "status", "score_low", "gap"])
    expected = reference.results.filter(pc.equal(reference.results["assessment"], "hnte"))
    assert (
        written.to_pylist()
        == expected.select(["credit_code", "status", "score_low", "gap_zh"])
        .rename_columns(["credit_code", "status", "score_low", "gap"])
        .to_pylist()
    )


# The policies' YAML cases on Spark: every case's expectations, and the same rows as DuckDB.
POLICY_CATALOG = load_policies()
POLICY_CASES = load_cases(catalog=POLICY_CATALOG)


@pytest.fixture(scope="module")
def spark_for_cases():
    """The process's one local Spark session, started once for the module's cases; without
    Java 17 these cases are skipped (the run above, on a demo city, fails instead)."""
    try:
        return spark_session()
    except BackendError as exc:
        pytest.skip(f"Spark: {exc.en}")


@pytest.mark.parametrize("case", POLICY_CASES, ids=[c.id for c in POLICY_CASES])
def test_a_policy_case_gives_the_same_rows_on_spark(spark_for_cases, case):
    on_spark, problems = run_case(case, POLICY_CATALOG, backend="pyspark")
    assert not problems, f"{case.file}:{case.line} {case.name} on Spark\n" + "\n".join(problems)
    on_duckdb, _ = run_case(case, POLICY_CATALOG)
    assert _rows(on_spark.results) == _rows(on_duckdb.results)
    for policy, table in on_duckdb.detail.items():
        assert _rows(on_spark.detail[policy]) == _rows(table), policy


def _rows(table: pa.Table) -> list[dict]:
    return sorted(table.to_pylist(), key=lambda r: (r["enterprise_id"], r.get("policy") or ""))
