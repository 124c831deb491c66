"""DuckDB's SQLite scanner never opens the live SQLite file of this process.

The scanner carries its own SQLite library; opening a WAL database that SQLAlchemy's pysqlite
already has open made it reset the shared wal-index under pysqlite's memory map — the test
process died of SIGBUS (CI, 2026-12-07) or read "database disk image is malformed". A store
opened on DuckDB now reads a backup copy; this test reads through it again and again while
other threads write and read the live file.
"""

from __future__ import annotations

import threading
import time

import sqlalchemy as sa

from xinzhi.rulelang.engines import open_store, sqlite_reading_copy
from xinzhi.store.db import make_engine

BATCH = 500


def test_scanner_reads_beside_live_writers_and_readers(tmp_path):
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
        store = open_store(engine, "duckdb", names=["t"])
        try:
            store.table("t")  # the first read copies the store and attaches the copy
            counts.append(store.fetch('SELECT count(*) AS n FROM store."t"').column("n")[0].as_py())
        finally:
            store.close()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(counts) >= 3 and all(n % BATCH == 0 for n in counts)  # whole transactions
    assert counts == sorted(counts) and counts[-1] > 0
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    assert [p.name for p in tmp_path.iterdir() if ".read-" in p.name] == []  # copies removed
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
