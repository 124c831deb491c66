"""Engines and sessions: one SQLite file by default, PostgreSQL when configured.

``XINZHI_DATABASE_URL`` selects the database; unset, it is ``sqlite:///xinzhi.db`` in the
working directory. SQLite runs in WAL mode so that readers are never blocked by an import
and never see half of one.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

DEFAULT_URL = "sqlite:///xinzhi.db"


def database_url(url: str | None = None) -> str:
    return url or os.environ.get("XINZHI_DATABASE_URL") or DEFAULT_URL


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # Let SQLAlchemy, not pysqlite, open transactions (see _sqlite_begin), so that DDL is
    # transactional too: a failed migration or import leaves nothing behind.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin(connection) -> None:
    connection.exec_driver_sql("BEGIN")


def make_engine(url: str | None = None, **kwargs) -> Engine:
    """Create an engine for ``url`` (or the configured one) with Xinzhi's connection settings."""
    resolved = make_url(database_url(url))
    if resolved.get_backend_name() == "sqlite":
        if resolved.database and resolved.database != ":memory:":
            directory = os.path.dirname(os.path.abspath(resolved.database))
            os.makedirs(directory, exist_ok=True)
        engine = create_engine(resolved, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(resolved, pool_pre_ping=True, **kwargs)


def files_beside(engine: Engine, kind: str, *, sqlite_name: str | None = None) -> Path:
    """Where the files that belong to this store live (runs, snapshots, indexes): beside a
    SQLite file (``<file>.<kind>``), else ``var/<kind>/<server-database>`` — one folder per
    database, so two databases served from one working directory never share a file."""
    url = engine.url
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        database = Path(url.database)
        return database.with_name(sqlite_name or f"{database.name}.{kind}")
    name = re.sub(r"[^\w.-]+", "_", f"{url.get_backend_name()}-{url.host or ''}-{url.database}")
    return Path("var") / kind / name


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session that commits on success and rolls back on any error."""
    with session_factory(engine)() as session, session.begin():
        yield session
