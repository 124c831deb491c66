"""The analytic snapshot: the population for one evaluation date, kept as a Parquet file.

Building the population from the store (the SQLite file read through DuckDB, the pivot of the
accounting years, eight joins) cost about 21 s CPU of a 45 s run over a million firms, and it
was done again on every run. The snapshot keeps it, sorted by enterprise, beside the store:

* its **key** is the data version (the newest import batch and the newest audit entry of a
  change — runs, logins and analyses change no input), the evaluation date, the kinds of list
  imported, and the code that builds the population (a change to it is a new snapshot);
* a run finds the snapshot of its key or builds it once (written to a temporary name and
  renamed: a reader never sees half a file), then reads **no SQLite**: DuckDB scans the
  Parquet file, only the columns a declaration reads;
* an import moves the data version on, so the next run builds a new snapshot; older ones are
  removed, except the few newest, so a recorded run can still be given its words later
  (``assessments.runs``: gap texts are produced from the run's own snapshot when asked).

Only the DuckDB engine uses it; PostgreSQL and Spark compute inside their own stores.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import inspect
import os
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

import ibis
import sqlalchemy as sa
from sqlalchemy import Engine

from . import population as population_module
from . import registry as registry_module
from .engines import DuckDBStore, open_store

# Audit actions that change no input of the population (runs, analyses, accounts).
_NO_INPUT_CHANGE = (
    "assess.run",
    "policy.run",
    "policy_correction.run",
    "chain.analyse",
    "match.event",
)
ROW_GROUP = 16_384  # sorted by enterprise: one firm's row is in one row group
KEEP = 4  # snapshots kept per store (the newest), so recent runs can still be given words


def data_version(engine: Engine) -> tuple[int, int]:
    """(newest import batch, newest audit entry of a change): both move on with every import
    and edit; a run does not move them, so two runs in a row share one snapshot."""
    excluded = ", ".join(f"'{a}'" for a in _NO_INPUT_CHANGE)
    query = sa.text(
        "SELECT (SELECT max(id) FROM import_batches), (SELECT id FROM audit_log "
        f"WHERE action NOT LIKE 'user.%' AND action NOT IN ({excluded}) "
        "ORDER BY id DESC LIMIT 1)"
    )
    with engine.connect() as conn:
        batch, entry = conn.execute(query).one()
    return (batch or 0, entry or 0)


def covered_kinds(engine: Engine) -> frozenset[str]:
    """The kinds of list imported at least once (``population.imported_kinds``, read with
    SQLAlchemy: deciding whether the snapshot is fresh must not open DuckDB)."""
    with engine.connect() as conn:
        return frozenset(
            conn.execute(sa.text("SELECT DISTINCT kind FROM import_batches")).scalars()
        )


# The code that builds a snapshot: a change to it is a new snapshot.
_CODE = hashlib.sha256(
    "".join(
        inspect.getsource(m) for m in (population_module, registry_module, sys.modules[__name__])
    ).encode()
).hexdigest()[:12]


def code_version() -> str:
    """The version of the code that builds snapshots and fixes the inputs' units: a run
    records it, and its snapshot is read again only by the same version (a staff count kept
    in persons must not be read as hundredths)."""
    return _CODE


@dataclass(frozen=True)
class SnapshotKey:
    as_of: dt.date
    version: tuple[int, int]
    covered: frozenset[str]
    store: str = ""  # the store's URL: two stores may share a snapshot folder (var/snapshots)
    # The latest accounting year when an application date sets it (None: the default for
    # ``as_of``); an application on 31 December reads other years than that evaluation date.
    accounting_year: int | None = None

    @property
    def digest(self) -> str:
        text = f"{self.store}|{self.as_of}|{self.version}|{sorted(self.covered)}|{_CODE}"
        if self.accounting_year is not None:
            text += f"|y1={self.accounting_year}"
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    @property
    def filename(self) -> str:
        return f"population-{self.as_of.isoformat()}-{self.digest}.parquet"


def current_key(engine: Engine, as_of: dt.date, accounting_year: int | None = None) -> SnapshotKey:
    store = engine.url.render_as_string(hide_password=True)
    return SnapshotKey(as_of, data_version(engine), covered_kinds(engine), store, accounting_year)


def snapshot_directory(engine: Engine) -> Path:
    configured = os.environ.get("XINZHI_SNAPSHOT_DIR")
    if configured:
        return Path(configured)
    if engine.dialect.name == "sqlite" and engine.url.database not in (None, "", ":memory:"):
        database = Path(engine.url.database)
        return database.with_name(database.name + ".snapshots")
    return Path("var/snapshots")


def snapshot_path(engine: Engine, key: SnapshotKey) -> Path:
    return snapshot_directory(engine) / key.filename


_BUILDING = threading.Lock()


def ensure_snapshot(engine: Engine, key: SnapshotKey) -> tuple[Path, bool]:
    """The snapshot file of ``key``, built when missing; (path, whether it was built now)."""
    path = snapshot_path(engine, key)
    if path.exists():
        return path, False
    with _BUILDING:
        if path.exists():
            return path, False
        build_snapshot(engine, key, path)
        _prune(path.parent, keep=path)
    return path, True


def build_snapshot(engine: Engine, key: SnapshotKey, path: Path) -> None:
    """Compute the population from the store once and write it, sorted by enterprise."""
    from .population import build_population

    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    store = open_store(engine, "duckdb")
    try:
        covered = set(key.covered)
        sql = store.compiled(
            ("population", key.as_of, key.covered, key.accounting_year),
            lambda: build_population(store, key.as_of, covered, key.accounting_year),
        )
        store.con.con.execute("SET enable_progress_bar = false")  # no bar on the console
        target = str(partial).replace("'", "''")
        columns = ", ".join(_narrowed(store, sql))
        store.con.con.execute(
            f"COPY (SELECT {columns} FROM ({sql}) AS p ORDER BY enterprise_id) TO '{target}' "
            f"(FORMAT parquet, ROW_GROUP_SIZE {ROW_GROUP})"
        )
    finally:
        store.close()
    os.replace(partial, path)


def _narrowed(store: DuckDBStore, sql: str) -> list[str]:
    """The population's columns, its counts and sums as 64-bit integers: DuckDB sums BIGINTs
    into a 128-bit HUGEINT, which Parquet stores as a double, and every rule would then
    compute in floating point (or in 128 bits). A count or a sum of fen that does not fit in
    64 bits fails the cast instead of being cut."""
    described = store.con.con.sql(f"DESCRIBE SELECT * FROM ({sql}) AS p").fetchall()
    columns = []
    for name, kind, *_ in described:
        quoted = '"' + name.replace('"', '""') + '"'
        if kind == "HUGEINT" or (kind.startswith("DECIMAL") and kind.endswith(",0)")):
            columns.append(f"CAST({quoted} AS BIGINT) AS {quoted}")
        else:
            columns.append(quoted)
    return columns


def _prune(folder: Path, keep: Path) -> None:
    """Remove all but the ``KEEP`` newest snapshots (and partial files of dead builds)."""
    files = sorted(folder.glob("population-*.parquet"), key=lambda p: p.stat().st_mtime)
    for old in files[:-KEEP]:
        if old != keep:
            old.unlink(missing_ok=True)


def is_fresh(engine: Engine, as_of: dt.date) -> bool:
    return snapshot_path(engine, current_key(engine, as_of)).exists()


_OPEN: dict[tuple[int, str], DuckDBStore] = {}  # (thread, path) → a connection over it
_OPEN_LOCK = threading.Lock()


def snapshot_store(path: Path, enterprise_id: int | None = None) -> DuckDBStore:
    """A DuckDB store whose ``population`` is the snapshot (one enterprise of it, with
    ``enterprise_id``). Over everyone the connection is kept for the thread (a DuckDB
    connection is not shared between threads): a second run over the same snapshot finds
    DuckDB's caches warm."""
    if enterprise_id is None:
        thread = threading.get_ident()
        with _OPEN_LOCK:
            store = _OPEN.get((thread, str(path)))
            if store is None:
                for stale in [k for k in _OPEN if k[0] == thread]:  # one snapshot per thread
                    _OPEN.pop(stale).con.disconnect()
                store = _open(path, None)
                _OPEN[(thread, str(path))] = store
            return store
    return _open(path, enterprise_id)


def _open(path: Path, enterprise_id: int | None) -> DuckDBStore:
    con = ibis.duckdb.connect(threads=os.cpu_count() or 2)
    source = f"read_parquet('{str(path).replace(chr(39), chr(39) * 2)}')"
    if enterprise_id is None:
        con.raw_sql(f"CREATE TEMPORARY VIEW population AS SELECT * FROM {source}")
    else:
        con.raw_sql(
            f"CREATE TEMPORARY TABLE population AS SELECT * FROM {source} "
            f"WHERE enterprise_id = {int(enterprise_id)}"
        )
    store = DuckDBStore(con, location="snapshot", owned=enterprise_id is not None)
    store.sql_cache = path.parent / "sql"
    store.tables["population"] = con.table("population")
    return store
