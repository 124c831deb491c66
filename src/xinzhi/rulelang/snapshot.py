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
import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path

import ibis
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import sqlalchemy as sa
from sqlalchemy import Engine

from ..store.db import files_beside
from .codeversion import code_digest
from .engines import FIRM_COLUMNS, DuckDBStore, open_store, run_in_child

# Audit actions that change no input of the population (runs, analyses, accounts).
_NO_INPUT_CHANGE = (
    "assess.run",
    "policy.run",
    "policy_correction.run",
    "chain.analyse",
    "match.event",
)
# Sorted by enterprise: one firm's row is in one row group, which an explanation decodes
# whole (16,384 rows took 24 ms of a 158 ms explanation at 100,000 firms).
ROW_GROUP = 4_096
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
_CODE = code_digest(("population.py", "registry.py", "snapshot.py"))


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
    return files_beside(engine, "snapshots")


def snapshot_path(engine: Engine, key: SnapshotKey) -> Path:
    return snapshot_directory(engine) / key.filename


_BUILDING = threading.Lock()


def ensure_snapshot(engine: Engine, key: SnapshotKey) -> tuple[Path, bool]:
    """The snapshot file of ``key``, made when missing (refreshed from an older one where
    only imports changed few firms since, else built); (path, whether it was made now)."""
    path = snapshot_path(engine, key)
    if path.exists():
        return path, False
    with _BUILDING:
        if path.exists():
            return path, False
        build_snapshot(engine, key, path)
        _prune(path.parent, keep=path)
    return path, True


REFRESH_SHARE = 0.2  # refresh when imports touched at most this share of the firms, else build
_IMPORT = "import"  # the registry import's audit action: its rows carry their batch id


def build_snapshot(engine: Engine, key: SnapshotKey, path: Path, refresh: bool = True) -> str:
    """Write the snapshot of ``key``: refreshed from an older snapshot when every change
    since it was an import that touched few firms (a **delta**: the touched firms' rows,
    computed from the store for them alone, read over the older full file), else computed
    from the store for everyone. Returns how: ``"refreshed"`` or ``"built"``."""
    from .population import build_population

    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    sqlite = engine.dialect.name == "sqlite"
    # Over SQLite the tables stay empty while the SQL is compiled: what to read (everyone, or
    # the firms a refresh recomputes) is decided once the tables it reads are known.
    store = open_store(engine, "duckdb", later=sqlite)
    store.sql_cache = path.parent / "sql"
    try:
        covered = set(key.covered)
        # Sorted: a frozenset's order (its repr, the disk cache's key) varies by process.
        compiled_key = ("population", key.as_of, tuple(sorted(key.covered)), key.accounting_year)
        sql = store.compiled(
            compiled_key,
            lambda: build_population(store, key.as_of, covered, key.accounting_year),
        )
        con = store.con.con
        con.execute("SET enable_progress_bar = false")  # no bar on the console
        columns = ", ".join(_narrowed(store, sql))
        reads = store.tables_read(compiled_key)
        # A refresh reads the touched firms' rows through SQLite; other stores build.
        found = _refresh_base(engine, key, path.parent, reads) if refresh and sqlite else None
        meta = json.loads(_key_text(key))
        if found is None:
            rows, how = f"SELECT {columns} FROM ({sql}) AS p", "built"
        else:
            base, touched = found
            # "store" holds the touched firms' rows only, read through SQLite's indexes
            # (DuckDB's scanner pushes no filter down and would read every table whole)
            store.read_rows(reads, touched)
            rows = f"SELECT {columns} FROM ({sql}) AS p"
            written = _written_key(base) or {}
            if written.get("base"):  # a delta already: keep its other firms' rows
                con.register("_touched", pa.table({"id": pa.array(touched, pa.int64())}))
                rows = (
                    f"SELECT * FROM read_parquet('{_quote(base)}') "
                    f"WHERE enterprise_id NOT IN (SELECT id FROM _touched) UNION ALL {rows}"
                )
            meta["base"] = written.get("base") or base.name
            how = "refreshed"
        write = (
            f"COPY (SELECT * FROM ({rows}) AS r ORDER BY enterprise_id) TO '{_quote(partial)}' "
            f"(FORMAT parquet, ROW_GROUP_SIZE {ROW_GROUP}, "
            f"KV_METADATA {{{_META}: '{_quote(json.dumps(meta))}'}})"
        )
        if sqlite and found is None:
            # Everyone's rows: read in place by a child process (engines.run_in_child), not
            # through a copy of the whole store.
            run_in_child(store.sqlite_database, write)
        else:
            con.execute(write)
    except BaseException:
        partial.unlink(missing_ok=True)  # a failed build leaves no half-written file
        raise
    finally:
        store.close()
    os.replace(partial, path)
    return how


_META = "xinzhi_snapshot"  # the key a snapshot was written for, kept in its Parquet footer


def _quote(text: object) -> str:
    return str(text).replace("'", "''")


def _key_text(key: SnapshotKey) -> str:
    return json.dumps(
        {
            "store": key.store,
            "as_of": key.as_of.isoformat(),
            "version": list(key.version),
            "covered": sorted(key.covered),
            "code": _CODE,
            "accounting_year": key.accounting_year,  # a refresh never mixes two windows
        }
    )


def _written_key(path: Path) -> dict | None:
    try:
        meta = _footer(path).metadata or {}
        return json.loads(meta[_META.encode()])
    except (OSError, KeyError, ValueError, pa.ArrowInvalid):
        return None  # an older snapshot without its key, or a damaged file: never a base


def _refresh_base(
    engine: Engine, key: SnapshotKey, folder: Path, reads: frozenset[str]
) -> tuple[Path, list[int]] | None:
    """The newest older snapshot of the same store, date, lists and code, and the firms
    whose rows changed since it — or None when a full build is needed: a change that was not
    an import (an edit, a demo build), an import of a table the population reads without
    naming a firm (the districts), or more than ``REFRESH_SHARE`` of the firms touched."""
    wanted = json.loads(_key_text(key))
    best: tuple[tuple[int, int], Path] | None = None
    for candidate in folder.glob(f"population-{key.as_of.isoformat()}-*.parquet"):
        written = _written_key(candidate)
        if written is None or {**written, "version": wanted["version"], "base": None} != {
            **wanted,
            "base": None,
        }:
            continue
        if written.get("base") and not (folder / written["base"]).is_file():
            continue  # a delta whose full file is gone
        version = tuple(written["version"])
        if all(o <= n for o, n in zip(version, key.version, strict=True)):
            if best is None or version > best[0]:
                best = (version, candidate)
    if best is None:
        return None
    (old_batch, old_entry), path = best
    new_batch, new_entry = key.version
    excluded = ", ".join(f"'{a}'" for a in _NO_INPUT_CHANGE)
    with engine.connect() as conn:
        actions = conn.execute(
            sa.text(
                "SELECT DISTINCT action FROM audit_log WHERE id > :old AND id <= :new "
                f"AND action NOT LIKE 'user.%' AND action NOT IN ({excluded})"
            ),
            {"old": old_entry, "new": new_entry},
        ).scalars()
        if set(actions) - {_IMPORT}:
            return None
        batches = conn.execute(
            sa.text(
                "SELECT id, kind, rows_updated FROM import_batches WHERE id > :old AND id <= :new"
            ),
            {"old": old_batch, "new": new_batch},
        ).all()
        touched: set[int] = set()
        for batch, kind, updated in batches:
            if kind not in reads:
                continue  # a list the population does not read
            column = _FIRM_COLUMN.get(kind)
            if column is None or (updated and kind in MOVABLE):
                return None
            touched.update(
                conn.execute(
                    sa.text(f"SELECT DISTINCT {column} FROM {kind} WHERE import_batch_id = :b"),
                    {"b": batch},
                ).scalars()
            )
        firms = conn.execute(sa.text("SELECT count(*) FROM enterprises")).scalar_one()
    touched.discard(None)
    delta = pq.read_metadata(path).num_rows if (_written_key(path) or {}).get("base") else 0
    if len(touched) + delta > REFRESH_SHARE * max(firms, 1):
        return None  # a delta that large costs every reader: build afresh
    return path, sorted(touched)


# The column naming the firm in each table whose imports a refresh follows (those naming it
# in one column); a table read without one (the districts: a code for many firms) is rebuilt
# in full.
_FIRM_COLUMN = {table: columns[0] for table, columns in FIRM_COLUMNS.items() if len(columns) == 1}


# Lists whose natural key does not name the firm (an IP right by its number, a platform by
# its name): an import updating a row may move it to another firm, and the firm it left is
# not known afterwards, so such an update is rebuilt in full (an insertion is refreshed).
MOVABLE = frozenset({"ip_rights", "platforms"})


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
    kept = {keep, *files[-KEEP:]}
    kept |= {folder / base for f in kept if (base := (_written_key(f) or {}).get("base"))}
    for old in files:
        if old not in kept:
            close_snapshots(old)
            old.unlink(missing_ok=True)


def is_fresh(engine: Engine, as_of: dt.date) -> bool:
    return snapshot_path(engine, current_key(engine, as_of)).exists()


IDLE = 2  # idle connections kept warm (over the newest snapshots), whatever the threads


@dataclass
class _PooledStore(DuckDBStore):
    """A connection over the whole snapshot, lent to one run at a time: ``close`` gives it
    back to the pool instead of disconnecting."""

    path: str = ""

    def close(self) -> None:
        _release(self)


_IDLE: list[_PooledStore] = []  # the newest given back last
_IDLE_LOCK = threading.Lock()


def snapshot_store(path: Path, enterprise_id: int | None = None) -> DuckDBStore:
    """A DuckDB store whose ``population`` is the snapshot (one enterprise of it, with
    ``enterprise_id``); the caller closes it.

    Over everyone the connection is borrowed from a small pool and given back on ``close``:
    a second run over the same snapshot finds DuckDB's caches warm. The pool is not per
    thread: the web app serves from a pool of threads that come and go, and a connection kept
    per thread (with DuckDB's own worker threads) outlived the thread that opened it. A
    DuckDB connection is used by one thread at a time, which borrowing guarantees.
    """
    if enterprise_id is not None:
        return _open(path, enterprise_id)
    with _IDLE_LOCK:
        for i in range(len(_IDLE) - 1, -1, -1):
            if _IDLE[i].path == str(path):
                return _IDLE.pop(i)
    return _open(path, None)


def _release(store: _PooledStore) -> None:
    with _IDLE_LOCK:
        _IDLE.append(store)
        surplus = _IDLE[: max(0, len(_IDLE) - IDLE)]
        del _IDLE[: len(surplus)]
    for old in surplus:
        old.con.disconnect()


def close_snapshots(path: Path | None = None) -> None:
    """Disconnect the idle connections (over ``path`` only, when given): at shutdown, and
    when a snapshot file is removed."""
    with _IDLE_LOCK:
        closing = [s for s in _IDLE if path is None or s.path == str(path)]
        _IDLE[:] = [s for s in _IDLE if s not in closing]
    for store in closing:
        store.con.disconnect()


def population_sql(path: Path) -> str:
    """DuckDB SQL of the snapshot's rows: the file, or for a delta its rows over those of
    the full file it refreshes (the firms it holds replaced)."""
    base = (_written_key(path) or {}).get("base")
    delta = f"read_parquet('{_quote(path)}')"
    if not base:
        return f"SELECT * FROM {delta}"
    full = f"read_parquet('{_quote(path.with_name(base))}')"
    return (
        f"SELECT * FROM {full} WHERE enterprise_id NOT IN (SELECT enterprise_id FROM {delta}) "
        f"UNION ALL SELECT * FROM {delta}"
    )


def read_snapshot(path: Path, columns: list[str] | None = None, filters=None) -> pa.Table:
    """The snapshot's rows as Arrow (``pyarrow.parquet`` ``filters`` read only the row groups
    they can match), sorted by enterprise; a delta read over its full file."""
    base = (_written_key(path) or {}).get("base")
    if columns is not None and "enterprise_id" not in columns:
        columns = ["enterprise_id", *columns]
    table = pq.read_table(path, columns=columns, filters=filters)
    if base:
        full = pq.read_table(path.with_name(base), columns=columns, filters=filters)
        replaced = pc.is_in(full["enterprise_id"], table["enterprise_id"])
        table = pa.concat_tables([full.filter(pc.invert(replaced)), table])
        table = table.sort_by("enterprise_id")
    return table


def _open(path: Path, enterprise_id: int | None) -> DuckDBStore:
    con = ibis.duckdb.connect(threads=os.cpu_count() or 2)
    source = population_sql(path)
    if enterprise_id is None:
        con.raw_sql(f"CREATE TEMPORARY VIEW population AS {source}")
    else:
        con.raw_sql(
            f"CREATE TEMPORARY TABLE population AS SELECT * FROM ({source}) AS s "
            f"WHERE enterprise_id = {int(enterprise_id)}"
        )
    if enterprise_id is None:
        store = _PooledStore(con, location="snapshot", owned=False, path=str(path))
    else:
        store = DuckDBStore(con, location="snapshot")
    store.sql_cache = path.parent / "sql"
    store.tables["population"] = con.table("population")
    return store


# The newest snapshot read by the vectorised evaluator, kept in memory (the columns read so
# far): a second run over it — the web app, a benchmark's warm run — reads no file.
_ROWS: dict[str, tuple[int, pa.Table]] = {}
_ROWS_LOCK = threading.Lock()


def population_rows(path: Path, columns: list[str], enterprise_id: int | None = None) -> pa.Table:
    """``columns`` of the snapshot's rows, sorted by enterprise (one enterprise's row only,
    with ``enterprise_id``: the row groups that can hold it are read, nothing is kept)."""
    wanted = ["enterprise_id", *[c for c in columns if c != "enterprise_id"]]
    if enterprise_id is not None:
        row = _firm_row(path, wanted, int(enterprise_id))
        base = (_written_key(path) or {}).get("base")
        if row.num_rows == 0 and base:  # a delta holds the touched firms only
            row = _firm_row(path.with_name(base), wanted, int(enterprise_id))
        return row
    stamp = path.stat().st_mtime_ns
    with _ROWS_LOCK:
        kept = _ROWS.get(str(path))
        table = kept[1] if kept and kept[0] == stamp else None
        missing = [c for c in wanted if table is None or c not in table.column_names]
        if missing:
            # the same sorted order as every read; one chunk a column, so that the
            # evaluator's slices are views, not copies
            read = read_snapshot(path, missing).combine_chunks()
            if table is None:
                table = read
            else:
                for name in missing:
                    table = table.append_column(name, read[name])
            _ROWS.clear()
            _ROWS[str(path)] = (stamp, table)
    return table.select(wanted)


# Per snapshot file: its footer, and its row groups' enterprise-id ranges once asked for.
# A file never changes once written (a new one is renamed into place), and parsing a footer
# again cost more than decoding a row group of it.
_FOOTERS: dict[str, tuple[int, pq.FileMetaData, list[tuple[int, int]] | None]] = {}


def _footer(path: Path) -> pq.FileMetaData:
    stamp = path.stat().st_mtime_ns
    kept = _FOOTERS.get(str(path))
    if kept is None or kept[0] != stamp:
        if len(_FOOTERS) >= 64:
            _FOOTERS.pop(next(iter(_FOOTERS)), None)
        kept = _FOOTERS[str(path)] = (stamp, pq.read_metadata(path), None)
    return kept[1]


def snapshot_schema(path: Path) -> pa.Schema:
    """The snapshot file's columns and types (from its footer, read once)."""
    return _footer(path).schema.to_arrow_schema()


def _group_ranges(path: Path) -> list[tuple[int, int]]:
    metadata = _footer(path)
    stamp, _, ranges = _FOOTERS[str(path)]
    if ranges is None:
        position = metadata.schema.to_arrow_schema().get_field_index("enterprise_id")
        ranges = []
        for i in range(metadata.num_row_groups):
            stats = metadata.row_group(i).column(position).statistics
            ranges.append((stats.min, stats.max))
        _FOOTERS[str(path)] = (stamp, metadata, ranges)
    return ranges


def _firm_row(path: Path, columns: list[str], enterprise_id: int) -> pa.Table:
    """One firm's row of a snapshot file: only the row group whose enterprise ids span it is
    decoded (the file is sorted by enterprise)."""
    ranges = _group_ranges(path)
    file = pq.ParquetFile(path, metadata=_footer(path))  # a reader per call: threads share none
    for i, (low, high) in enumerate(ranges):
        if low <= enterprise_id <= high:
            rows = file.read_row_group(i, columns=columns)
            return rows.filter(pc.equal(rows["enterprise_id"], enterprise_id))
    return file.schema_arrow.empty_table().select(columns)
