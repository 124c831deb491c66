"""DuckDB's SQLite scanner never opens the live SQLite file of this process.

Some firms' rows are read through Python's sqlite3 instead (the last tests: they equal the
copy's rows for those firms, typed alike, whatever the values).

The scanner carries its own SQLite library; opening a WAL database that SQLAlchemy's pysqlite
already has open made it reset the shared wal-index under pysqlite's memory map — the test
process died of SIGBUS (CI, 2026-12-07) or read "database disk image is malformed". A store
opened on DuckDB now reads a backup copy; this test reads through it again and again while
other threads write and read the live file.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.compute
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xinzhi.rulelang.engines import BackendError, open_store, run_in_child, sqlite_reading_copy
from xinzhi.store.db import make_engine

BATCH = 500


def _counts_beside_live_traffic(tmp_path, count) -> list[int]:
    """``count()`` (the rows of table ``t``) again and again for 6 s while a thread writes
    ``t`` in transactions of ``BATCH`` rows and two threads read it through SQLAlchemy; then
    checks nothing failed, every count saw whole transactions, and the file is sound."""
    engine = make_engine(f"sqlite:///{tmp_path / 'live.db'}")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")
    stop = time.monotonic() + 6
    errors: list[BaseException] = []

    def write():
        try:
            while time.monotonic() < stop:
                with engine.begin() as conn:
                    conn.execute(
                        sa.text("INSERT INTO t VALUES (:x)"), [{"x": i} for i in range(BATCH)]
                    )
        except BaseException as error:  # noqa: BLE001 — reported below
            errors.append(error)

    def read():
        try:
            while time.monotonic() < stop:
                with engine.connect() as conn:
                    conn.exec_driver_sql("SELECT count(*), sum(x) FROM t").one()
        except BaseException as error:  # noqa: BLE001 — reported below
            errors.append(error)

    threads = [threading.Thread(target=f) for f in (write, read, read)]
    for thread in threads:
        thread.start()
    counts = []
    while time.monotonic() < stop:
        counts.append(count(engine, len(counts)))
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(counts) >= 3 and all(n % BATCH == 0 for n in counts)  # whole transactions
    assert counts == sorted(counts) and counts[-1] > 0
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    assert [p.name for p in tmp_path.iterdir() if ".read-" in p.name] == []  # copies removed
    engine.dispose()
    return counts


def test_scanner_reads_beside_live_writers_and_readers(tmp_path):
    def count(engine, i):
        # everyone (the copy), or some firms (sqlite3; "t" names no firm: read whole)
        store = open_store(engine, "duckdb", names=["t"], firms=None if i % 2 == 0 else [])
        try:
            store.table("t")  # the first read copies the store, or reads its rows
            return store.fetch('SELECT count(*) AS n FROM store."t"').column("n")[0].as_py()
        finally:
            store.close()

    _counts_beside_live_traffic(tmp_path, count)


def test_a_child_process_reads_the_live_file_beside_writers_and_readers(tmp_path):
    """A full snapshot build runs the scanner on the live file in a child process
    (``run_in_child``): another process, so the two SQLite libraries never share a lock table."""
    result = tmp_path / "count.csv"

    def count(engine, _):
        run_in_child(
            engine.url.database,
            f"COPY (SELECT count(*) AS n FROM store.\"t\") TO '{result}' (FORMAT csv, HEADER false)",
        )
        return int(result.read_text().strip())

    _counts_beside_live_traffic(tmp_path, count)


def test_a_failing_child_says_why(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'live.db'}")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")
    with pytest.raises(BackendError, match="子进程.*child process.*nowhere"):
        run_in_child(engine.url.database, "SELECT * FROM store.nowhere")
    engine.dispose()


def test_the_copy_is_a_rollback_journal_file_with_the_committed_rows(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'live.db'}")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")
        conn.exec_driver_sql("INSERT INTO t VALUES (1), (2)")
    copy = sqlite_reading_copy(str(tmp_path / "live.db"))
    try:
        import sqlite3

        with sqlite3.connect(copy) as reading:
            assert reading.execute("PRAGMA journal_mode").fetchone() == ("delete",)
            assert reading.execute("SELECT sum(x) FROM t").fetchone() == (3,)
        assert not copy.with_name(copy.name + "-shm").exists()
    finally:
        copy.unlink()
    engine.dispose()


# ---- Some firms' rows read through Python's sqlite3 (no copy, no scanner on the live file) ----

TABLES = """
CREATE TABLE enterprises (id INTEGER PRIMARY KEY, name VARCHAR(40) NOT NULL, founded_on DATE,
    listed BOOLEAN, valuation BIGINT, score FLOAT, imported_at DATETIME NOT NULL);
CREATE TABLE tech_contracts (id INTEGER PRIMARY KEY, seller_enterprise_id INTEGER,
    buyer_enterprise_id INTEGER, amount BIGINT NOT NULL);
CREATE INDEX ix_seller ON tech_contracts (seller_enterprise_id);
CREATE INDEX ix_buyer ON tech_contracts (buyer_enterprise_id);
CREATE TABLE districts (id INTEGER PRIMARY KEY, code VARCHAR(6) NOT NULL);
"""


def _city(tmp_path, rows):
    engine = make_engine(f"sqlite:///{tmp_path / 'city.db'}")
    with engine.begin() as conn:
        for statement in TABLES.split(";"):
            if statement.strip():
                conn.exec_driver_sql(statement)
        conn.execute(
            sa.text(
                "INSERT INTO enterprises VALUES (:id, :name, :founded_on, :listed, :valuation, "
                ":score, :imported_at)"
            ),
            rows,
        )
        conn.exec_driver_sql(
            "INSERT INTO tech_contracts VALUES (1, 1, 2, 10), (2, 3, 1, 20), (3, 2, 3, 30), "
            "(4, NULL, 2, 40)"
        )
        conn.exec_driver_sql("INSERT INTO districts VALUES (1, '210102'), (2, '210103')")
    return engine


def _read(engine, table, firms=None):
    store = open_store(engine, "duckdb", firms=firms)
    try:
        read = store.table(table)
        return read.schema(), store.to_arrow(read.order_by("id"))
    finally:
        store.close()


def _row(i, founded, listed, valuation, score, stamp):
    return {
        "id": i,
        "name": f"企业{i}",
        "founded_on": founded,
        "listed": listed,
        "valuation": valuation,
        "score": score,
        "imported_at": stamp,
    }


def test_some_firms_rows_equal_the_copys_rows_for_them_typed_alike(tmp_path):
    stamp = dt.datetime(2026, 12, 7, 9, 30, 1, 123456)
    rows = [
        _row(1, dt.date(2020, 2, 29), True, 10**15, 0.1 + 0.2, stamp),
        _row(2, None, None, None, None, stamp),
        _row(3, dt.date(1999, 12, 31), False, -7, 1e-300, stamp),
    ]
    engine = _city(tmp_path, rows)
    schema, whole = _read(engine, "enterprises")
    firm_schema, some = _read(engine, "enterprises", firms=[1, 2])
    assert firm_schema == schema  # the same columns, types and NOT NULLs: SQL is shared
    assert some.equals(whole.slice(0, 2))
    assert some["score"][0].as_py() == 0.1 + 0.2  # a REAL bit for bit
    # a contract is the firm's as seller or as buyer; a table naming no firm is read whole
    _, contracts = _read(engine, "tech_contracts", firms=[1])
    assert contracts["id"].to_pylist() == [1, 2]
    _, districts = _read(engine, "districts", firms=[1])
    assert districts["code"].to_pylist() == ["210102", "210103"]
    _, nobody = _read(engine, "enterprises", firms=[])
    assert nobody.num_rows == 0
    assert [p.name for p in tmp_path.iterdir() if ".read-" in p.name] == []
    engine.dispose()


def test_a_firms_store_neither_copies_nor_attaches_the_live_file(tmp_path):
    engine = _city(tmp_path, [_row(1, dt.date(2020, 1, 1), True, 1, 1.0, dt.datetime(2026, 1, 1))])
    store = open_store(engine, "duckdb", firms=[1])
    try:
        store.table("enterprises")
        attached = store.fetch("SELECT path FROM duckdb_databases() WHERE path IS NOT NULL")
        paths = {Path(p).resolve() for p in attached["path"].to_pylist() if p}
        assert (tmp_path / "city.db").resolve() not in paths
        assert store.sqlite_copy is None
        assert [p.name for p in tmp_path.iterdir() if ".read-" in p.name] == []
    finally:
        store.close()
    engine.dispose()


def test_rows_read_later_for_some_firms_or_everyone(tmp_path):
    engine = _city(
        tmp_path, [_row(i, None, None, i, None, dt.datetime(2026, 1, 1)) for i in (1, 2)]
    )
    for firms, expected in (([2], [2]), (None, [1, 2])):
        store = open_store(engine, "duckdb", later=True)
        try:
            table = store.table("enterprises")  # compiled against the empty table
            assert store.to_arrow(table).num_rows == 0
            store.read_rows({"enterprises"}, firms)
            assert store.to_arrow(table.order_by("id"))["id"].to_pylist() == expected
        finally:
            store.close()
    engine.dispose()


_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    values=st.lists(
        st.tuples(
            st.one_of(st.none(), st.dates(dt.date(1900, 1, 1), dt.date(2100, 12, 31))),
            st.one_of(st.none(), st.booleans()),
            st.one_of(st.none(), st.integers(-(2**63), 2**63 - 1)),
            st.one_of(st.none(), st.floats(allow_nan=False, allow_infinity=False)),
            st.datetimes(dt.datetime(1970, 1, 1), dt.datetime(2100, 1, 1)),
            _TEXT,
        ),
        min_size=1,
        max_size=6,
    )
)
def test_any_values_read_for_a_firm_equal_the_copys(tmp_path_factory, values):
    folder = tmp_path_factory.mktemp("city")
    rows = [
        {**_row(i + 1, founded, listed, valuation, score, stamp), "name": name}
        for i, (founded, listed, valuation, score, stamp, name) in enumerate(values)
    ]
    engine = _city(folder, rows)
    _, whole = _read(engine, "enterprises")
    firms = list(range(1, len(rows) + 1, 2))
    _, some = _read(engine, "enterprises", firms=firms)
    assert some.equals(whole.filter(pa.compute.is_in(whole["id"], pa.array(firms))))
    engine.dispose()


def test_a_dead_processs_copy_is_removed_by_the_next_copy(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'live.db'}")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")
    orphan = tmp_path / ".live.db.read-4194304999-abc.db"  # no such process
    orphan.write_bytes(b"")
    copy = sqlite_reading_copy(str(tmp_path / "live.db"))
    try:
        assert not orphan.exists()
        assert copy.name.startswith(f".live.db.read-{os.getpid()}-")
        sqlite_reading_copy(str(tmp_path / "live.db")).unlink()  # a live process's: kept
        assert copy.exists()
    finally:
        copy.unlink()
    engine.dispose()
