"""The analytic snapshot and decisions-first runs: the same results as the population built
from the store, and the same words, produced when asked, as a run that produced them at once."""

from __future__ import annotations

import csv
import datetime as dt
import gc
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from functools import partial

import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa

from xinzhi.assessments import runs as runs_module
from xinzhi.assessments.catalogue import load_catalog
from xinzhi.assessments.runs import (
    evaluate,
    latest_run,
    materialise_population,
    read_results,
    record,
    recorded_result,
    words_path,
)
from xinzhi.demo.city import build_demo_city
from xinzhi.ingest.pipeline import import_file
from xinzhi.rulelang import engines, snapshot, vectorised
from xinzhi.rulelang.compiler import WORDS, compile_declaration
from xinzhi.rulelang.engines import open_store
from xinzhi.rulelang.snapshot import (
    build_snapshot,
    close_snapshots,
    current_key,
    data_version,
    read_snapshot,
    snapshot_path,
)
from xinzhi.store.audit import Action, audit
from xinzhi.store.db import session_scope

AS_OF = dt.date(2023, 12, 31)


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    from xinzhi.store.db import make_engine
    from xinzhi.store.schema import upgrade

    path = tmp_path_factory.mktemp("snapshot") / "city.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    build_demo_city(engine, seed=7, enterprises=300)
    return engine


def test_a_run_over_the_snapshot_equals_one_over_the_population_built_from_the_store(city):
    worded = evaluate(city, as_of=AS_OF)
    decisions = evaluate(city, as_of=AS_OF, words=False)
    store = open_store(city)
    try:
        population = materialise_population(store, AS_OF)
        for declaration in worded.declarations:
            sql = store.compiled(
                ("from the store", declaration.sha256, AS_OF),
                partial(lambda d: compile_declaration(d, population, AS_OF).table, declaration),
            )
            expected = store.fetch(sql, order_by="enterprise_id")
            assert worded.detail[declaration.id].equals(expected), declaration.id
            assert decisions.detail[declaration.id].equals(expected.drop_columns(WORDS))
    finally:
        store.close()
    assert decisions.summary["counts"] == worded.summary["counts"]
    assert not set(WORDS) & set(decisions.results.column_names)


def test_the_snapshot_follows_the_data_version_and_a_run_does_not_move_it(city):
    before = current_key(city, AS_OF)
    evaluate(city, as_of=AS_OF, words=False, only={"hnte"})
    assert snapshot_path(city, before).exists()
    result = evaluate(city, as_of=AS_OF, words=False, only={"hnte"})
    assert result.summary["snapshot_built"] is False
    record(city, result, actor="test")  # a run is audited, but changes no input
    assert current_key(city, AS_OF) == before
    with session_scope(city) as session:  # an edit of the registry is a new data version
        audit(session, actor="test", action=Action.RESULT_EDIT, subject="enterprise:1")
    after = current_key(city, AS_OF)
    assert after.version > before.version and after.digest != before.digest
    assert data_version(city) == after.version
    rerun = evaluate(city, as_of=AS_OF, words=False, only={"hnte"})
    assert rerun.summary["snapshot_built"] is True
    assert snapshot_path(city, after).exists()


def test_a_decisions_first_run_gives_the_words_of_a_worded_run_when_asked(city):
    worded = evaluate(city, as_of=AS_OF)
    result = evaluate(city, as_of=AS_OF, words=False)
    record(city, result, actor="test")
    run = latest_run(city)
    assert run.summary["words"] is False
    assert read_results(run, words=False).equals(result.results)
    firms = {}
    for row in worded.results.to_pylist():
        firms.setdefault((row["assessment"], row["status"]), row["enterprise_id"])
    # Before the words are produced, one firm's are replayed over the run's snapshot …
    _same_as_bulk(recorded_result(run, load_catalog(), min(firms.values())), worded)
    assert read_results(run).equals(worded.results)  # produced now from the run's snapshot
    assert words_path(run.results_path).exists()  # and kept: the next reader reads them
    assert read_results(run).equals(worded.results)
    # … afterwards read from the detail kept with them: a firm of every assessment and status.
    for firm in sorted(set(firms.values())):
        _same_as_bulk(recorded_result(run, load_catalog(), firm), worded)


def _same_as_bulk(one, worded) -> None:
    """One firm's results and clause values equal the bulk run's rows for it."""
    firm = one.enterprise_id
    expected = worded.results.filter(pc.equal(worded.results["enterprise_id"], firm))
    assert one.results.equals(expected), firm
    for declaration in worded.declarations:
        table = worded.detail[declaration.id]
        assert one.detail[declaration.id].equals(
            table.filter(pc.equal(table["enterprise_id"], firm))
        ), (firm, declaration.id)


def test_compiled_sql_is_kept_for_the_next_process(city):
    result = evaluate(city, as_of=AS_OF, words=False, only={"hnte"}, evaluator="sql")
    folder = snapshot_path(city, current_key(city, AS_OF)).parent / "sql"
    assert any(folder.glob("*.sql.arrow"))
    kept = dict(engines._COMPILED)
    engines._COMPILED.clear()  # as in a fresh process
    engines._SCHEMAS.clear()
    try:
        again = evaluate(city, as_of=AS_OF, words=False, only={"hnte"}, evaluator="sql")
        assert set(engines._COMPILED) <= set(kept) and engines._COMPILED
    finally:
        engines._COMPILED.update(kept)
    assert again.detail["hnte"].equals(result.detail["hnte"])


def test_programs_are_kept_for_the_next_process(city, monkeypatch):
    result = evaluate(city, as_of=AS_OF, words=False, only={"hnte"})
    folder = snapshot_path(city, current_key(city, AS_OF)).parent / "programs"
    assert any(folder.glob("*.program.json"))
    monkeypatch.setattr(vectorised, "_PROGRAMS", {})  # as in a fresh process
    monkeypatch.setattr(
        vectorised, "program_of", lambda table: pytest.fail("the kept program was not read")
    )
    again = evaluate(city, as_of=AS_OF, words=False, only={"hnte"})
    assert again.detail["hnte"].equals(result.detail["hnte"])
    assert again.summary["evaluator"] == "vectorised"


def _os_threads(at_most: int = 0) -> int:
    """The process's threads, DuckDB's workers included: a closed database's workers end a
    moment after ``close``, so wait up to 5 s for the count to come down to ``at_most``."""
    gc.collect()
    for _ in range(100):
        count = len(os.listdir("/proc/self/task"))
        if count <= at_most:
            break
        time.sleep(0.05)
    return count


def _open_files() -> int:
    return len(os.listdir("/proc/self/fd"))


@pytest.mark.skipif(not os.path.isdir("/proc/self/task"), reason="needs Linux's /proc")
def test_runs_from_many_threads_leave_no_connection_behind(city):
    """The web app evaluates from a pool of threads that come and go: a connection kept per
    thread (each with DuckDB's own worker threads) outlived its thread."""
    first = evaluate(city, as_of=AS_OF, words=False, only={"hnte"}).detail["hnte"]
    close_snapshots()
    city.dispose()  # SQLAlchemy's pool of SQLite connections holds files too
    threads, files = _os_threads(), _open_files()
    for _ in range(3):  # new threads each round, as a thread pool replaces its workers
        together = threading.Barrier(6)

        def run(_, together=together):
            together.wait()  # six runs at once: six connections open at once
            return evaluate(city, as_of=AS_OF, words=False, only={"hnte"}).detail["hnte"]

        with ThreadPoolExecutor(6) as pool:
            assert all(table.equals(first) for table in pool.map(run, range(6)))
        # At most the pool's idle connections stay open, each with its DuckDB workers.
        bound = threads + snapshot.IDLE * (os.cpu_count() or 2)
        assert _os_threads(bound) <= bound
    close_snapshots()
    city.dispose()
    assert (_os_threads(threads), _open_files()) == (threads, files)


YEAR_HEADER = ["统一社会信用代码", "年度", "销售收入", "研究开发费用", "职工总数", "科技人员数"]


def _import_years(engine, path, rows) -> None:
    """Import enterprise-year rows (credit code, year, revenue and R&D in yuan, staff, tech
    staff) through the ordinary import pipeline."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(YEAR_HEADER)
        writer.writerows(rows)
    result = import_file(engine, "enterprise_years", path, actor="test")
    assert result.ok, result.errors[:3]


@pytest.fixture()
def small_city(tmp_path):
    from xinzhi.store.db import make_engine
    from xinzhi.store.schema import upgrade

    engine = make_engine(f"sqlite:///{tmp_path / 'small.db'}")
    upgrade(engine)
    build_demo_city(engine, seed=11, enterprises=120)
    yield engine
    close_snapshots()
    engine.dispose()


def test_a_snapshot_refreshed_after_an_import_equals_one_built_afresh(small_city, tmp_path):
    evaluate(small_city, as_of=AS_OF, words=False, only={"hnte"})  # the snapshot to refresh
    with small_city.connect() as conn:
        firms = conn.execute(
            sa.text("SELECT credit_code FROM enterprises ORDER BY id LIMIT 6")
        ).scalars()
        firms = list(firms)
    # New figures for some firms: a year in the window, a year before it, a year not there yet.
    rows = [[code, 2023, "12345678.90", "1234567.89", 80, 20] for code in firms[:3]]
    rows += [[firms[3], 2019, "5000000", "100000", 30, 3], [firms[4], 2024, "1", "0", 1, 0]]
    _import_years(small_city, tmp_path / "years.csv", rows)
    key = current_key(small_city, AS_OF)
    refreshed, fresh = snapshot_path(small_city, key), tmp_path / "fresh.parquet"
    assert build_snapshot(small_city, key, refreshed) == "refreshed"
    assert build_snapshot(small_city, key, fresh, refresh=False) == "built"
    assert pq.read_metadata(refreshed).num_rows == 5  # a delta: the touched firms' rows
    assert read_snapshot(refreshed).equals(pq.read_table(fresh))
    changed = read_snapshot(refreshed, filters=[("credit_code", "in", firms[:3])])
    assert changed["revenue_y1"].to_pylist() == [1_234_567_890] * 3  # fen
    result = evaluate(small_city, as_of=AS_OF, words=False)  # the refreshed file is current
    assert result.summary["snapshot_built"] is False
    # A second import refreshes the delta: its other firms kept, a firm touched again replaced.
    _import_years(small_city, tmp_path / "more.csv", [[firms[0], 2022, "1", "1", 9, 9]])
    _import_years(small_city, tmp_path / "again.csv", [[firms[5], 2023, "7", "0", 2, 1]])
    key = current_key(small_city, AS_OF)
    again = snapshot_path(small_city, key)
    assert build_snapshot(small_city, key, again) == "refreshed"
    assert build_snapshot(small_city, key, fresh, refresh=False) == "built"
    assert pq.read_metadata(again).num_rows == 6
    assert read_snapshot(again).equals(pq.read_table(fresh))
    assert (
        evaluate(small_city, as_of=AS_OF, words=False)
        .detail["hnte"]
        .equals(evaluate(small_city, as_of=AS_OF, words=False, snapshot=fresh).detail["hnte"])
    )


def test_a_change_other_than_an_import_is_a_full_build(small_city, tmp_path):
    evaluate(small_city, as_of=AS_OF, words=False, only={"hnte"})
    with session_scope(small_city) as session:
        audit(session, actor="test", action=Action.RESULT_EDIT, subject="enterprise:1")
    key = current_key(small_city, AS_OF)
    assert build_snapshot(small_city, key, snapshot_path(small_city, key)) == "built"


def test_a_refresh_follows_every_list_by_the_column_naming_its_firm():
    """The tables a refresh follows are import kinds; those whose natural key does not name
    the firm (its rows can move to another firm) are the ones an update rebuilds in full."""
    from xinzhi.ingest.kinds import KINDS

    for table, column in snapshot._FIRM_COLUMN.items():
        kind = KINDS[table]
        assert column in kind.table.columns, table
        keyed = column in kind.key or table == "enterprises"  # its id never changes
        assert (table in snapshot.MOVABLE) == (not keyed), table


def test_a_full_build_reads_the_live_file_in_a_child_and_a_failed_one_leaves_no_file(
    city, tmp_path, monkeypatch
):
    """Everyone's rows are read by DuckDB's scanner in a child process (never in this one,
    never through a copy of the store); a build that fails there leaves nothing behind."""
    key = current_key(city, AS_OF)
    seen = []
    real = snapshot.run_in_child
    monkeypatch.setattr(snapshot, "run_in_child", lambda db, sql: (seen.append(db), real(db, sql)))
    monkeypatch.setattr(engines, "sqlite_reading_copy", None)  # a copy would fail loudly
    built = tmp_path / "built.parquet"
    assert build_snapshot(city, key, built, refresh=False) == "built"
    assert seen == [city.url.database] and pq.read_metadata(built).num_rows == 300

    def fails(database, sql):
        (tmp_path / f".failed.parquet.{os.getpid()}.partial").write_bytes(b"half")
        raise engines.BackendError("子进程失败", "the child failed")

    monkeypatch.setattr(snapshot, "run_in_child", fails)
    with pytest.raises(engines.BackendError, match="child failed"):
        build_snapshot(city, key, tmp_path / "failed.parquet", refresh=False)
    assert [p.name for p in tmp_path.iterdir() if p.suffix in (".parquet", ".partial")] == [
        "built.parquet"
    ]


@pytest.mark.parametrize("where", ["cached_program", "vectorised_run"])
def test_a_declaration_the_evaluator_cannot_run_is_run_by_sql(city, monkeypatch, where):
    """An operation the evaluator lacks (the program cannot be made) or a 64-bit overflow
    (DuckDB's SQL then reports it in its own words): that declaration runs on SQL."""
    expected = evaluate(city, as_of=AS_OF, only={"hnte", "sme"})
    error = vectorised.Unsupported if where == "cached_program" else vectorised.VectorisedOverflow

    def refuse(*args, **kwargs):
        raise error("不能", "cannot")

    monkeypatch.setattr(runs_module, where, refuse)
    got = evaluate(city, as_of=AS_OF, only={"hnte", "sme"})
    assert got.results.equals(expected.results)
    for assessment in ("hnte", "sme"):
        assert got.detail[assessment].equals(expected.detail[assessment]), assessment
