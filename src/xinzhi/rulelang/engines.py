"""Where rule expressions run: DuckDB by default, PostgreSQL, or Spark in local mode.

The same Ibis expression runs on each, and gives the same results (tests/rulelang/test_engines.py):

* ``duckdb`` over a SQLite store never lets the scanner's own SQLite library open the live
  file (``sqlite_reading_copy`` says why). A run for some firms (one firm's policies, a
  snapshot refreshed after a small import) reads just their rows through Python's sqlite3 —
  the library SQLAlchemy uses — into DuckDB tables typed as the scanner types them; a run
  over everyone reads a backup copy of the file through the sqlite_scanner extension, which
  ships as a PyPI package and is loaded from its path (the machines have no internet to
  download extensions). Over any other store the tables the rules read are copied in as
  Arrow;
* ``postgres`` runs the expressions inside the PostgreSQL store itself (Ibis's PostgreSQL
  backend);
* ``pyspark`` is the path for a province or the nation: a local Spark session gets the
  tables as Arrow data, registered as temporary views (in production they would already sit
  in the cluster's own storage).

Rows come back as Arrow typed by the Ibis schema of the compiled expression, whatever the
engine's own types (PostgreSQL's ``sum`` of bigints is a numeric, Spark's counts are longs), so
the results of two engines compare column by column.
"""

from __future__ import annotations

import contextlib
import glob
import hashlib
import json
import math
import os
import tempfile
import weakref
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import ibis
import ibis.expr.types as ir
import pyarrow as pa
from sqlalchemy import Engine, MetaData

from ..domain.errors import XinzhiError
from .codeversion import code_digest

BACKENDS = ("duckdb", "postgres", "pyspark")


class BackendError(XinzhiError, RuntimeError):
    """An engine that does not fit the store, or is missing (Java for Spark, an extension)."""


class Store(Protocol):
    """What the rule language needs of an engine: the store's tables as Ibis tables, SQL
    compiled once and run on the engine itself, temporary tables, and Arrow back."""

    backend: str  # duckdb | postgres | pyspark
    con: Any  # the Ibis backend
    location: str

    def table(self, name: str) -> ir.Table | None: ...
    def to_arrow(self, expr: ir.Table) -> pa.Table: ...
    def schema_key(self) -> tuple: ...
    def compiled(self, key: Hashable, build: Callable[[], ir.Table]) -> str: ...
    def fetch(self, sql: str, order_by: str | None = None) -> pa.Table: ...
    def materialise(self, sql: str, name: str) -> ir.Table: ...
    def close(self) -> None: ...


@dataclass
class _SqlStore:
    """What the three engines share: lazily opened tables and the compiled-SQL cache.

    ``location`` says what compiled SQL names (the attached SQLite file's alias, Arrow copies,
    the PostgreSQL tables, Spark views): two stores whose SQL is interchangeable share it.
    Tables copied in (``loaders``) are copied on first use, so a run reads only the tables its
    rules need.
    """

    con: Any
    tables: dict[str, ir.Table] = field(default_factory=dict)
    owned: bool = True
    location: str = ""
    signature: tuple = ()  # every table's columns and types, as the store declares them
    loaders: dict[str, Callable[[], ir.Table]] = field(default_factory=dict)
    reading: set[str] | None = None  # while compiling: the tables the expression reads
    sql_cache: Path | None = None  # a folder keeping compiled SQL across processes

    backend = ""

    def table(self, name: str) -> ir.Table | None:
        if self.reading is not None:
            self.reading.add(name)
        if name not in self.tables and name in self.loaders:
            self.tables[name] = self.loaders.pop(name)()
        return self.tables.get(name)

    def to_arrow(self, expr: ir.Table) -> pa.Table:
        return self.con.to_pyarrow(expr)

    def schema_key(self) -> tuple:
        """What compiled SQL over this store depends on: the engine, what the SQL names, and
        every table's schema."""
        return (self.backend, self.location, self.signature)

    def compiled(self, key: Hashable, build: Callable[[], ir.Table]) -> str:
        """The SQL of the table ``build()`` describes, compiled once per process and ``key``.

        Lowering a large Ibis expression to SQL costs seconds (a declaration is hundreds of
        nested columns), and so would handing that SQL back to Ibis, which re-parses it; the
        SQL of one declaration, date and schema never changes, so later runs — the profile
        page explaining one firm — reuse it and run it on the engine directly. Select fusion
        is off while compiling: the engines' optimisers merge the nested SELECTs themselves,
        and Ibis's fusion pass dominated the compile time. The expression's schema is kept
        with the SQL: ``fetch`` types the rows by it.
        """
        key = (self.schema_key(), key)
        if key not in _COMPILED and self.sql_cache is not None:
            _read_compiled(self.sql_cache, key)
        if key in _COMPILED:
            sql, names = _COMPILED[key]
            for name in names:  # copied-in tables are copied on first use: use them now
                self.table(name)
            return sql
        fuse, ibis.options.sql.fuse_selects = ibis.options.sql.fuse_selects, False
        self.reading = set()
        try:
            expr = build()
            sql = str(self.con.compile(expr))
            names = frozenset(self.reading)
        finally:
            ibis.options.sql.fuse_selects = fuse
            self.reading = None
        if len(_COMPILED) >= _COMPILED_MAX:
            _SCHEMAS.pop(_COMPILED.pop(next(iter(_COMPILED)))[0], None)
        _COMPILED[key] = sql, names
        _SCHEMAS[sql] = expr.schema().to_pyarrow()
        if self.sql_cache is not None:
            _write_compiled(self.sql_cache, key, sql, names, _SCHEMAS[sql])
        return sql

    def tables_read(self, key: Hashable) -> frozenset[str]:
        """The store's tables the SQL compiled for ``key`` reads (after ``compiled``)."""
        return _COMPILED[(self.schema_key(), key)][1]

    def fetch(self, sql: str, order_by: str | None = None) -> pa.Table:
        """Run SQL on the engine itself and return the rows as Arrow (typed by the compiled
        expression's schema when ``sql`` came from ``compiled``)."""
        schema = _SCHEMAS.get(sql)
        if order_by:
            sql = f"SELECT * FROM ({sql}) AS q ORDER BY {order_by}"
        table = self._rows(sql)
        return _conform(table, schema) if schema is not None else table

    def _rows(self, sql: str) -> pa.Table:
        raise NotImplementedError

    def materialise(self, sql: str, name: str) -> ir.Table:
        """Compute SQL once into a temporary table called ``name``, so SQL compiled against
        that name in one run is valid in the next."""
        _execute(self.con, f'DROP TABLE IF EXISTS "{name}"')
        _execute(self.con, f'CREATE TEMPORARY TABLE "{name}" AS {sql}')
        return self.con.table(name)

    def close(self) -> None:
        if self.owned:
            self.con.disconnect()


# The columns naming the firm in each table: a read for some firms takes the rows naming one
# of them; a table naming none (districts, parks, import batches) is read whole.
FIRM_COLUMNS: dict[str, tuple[str, ...]] = {
    "enterprises": ("id",),
    "enterprise_years": ("enterprise_id",),
    "ip_rights": ("enterprise_id",),
    "platforms": ("enterprise_id",),
    "incidents": ("enterprise_id",),
    "standards": ("enterprise_id",),
    "awards": ("enterprise_id",),
    "financing_rounds": ("enterprise_id",),
    "innovation_reviews": ("enterprise_id",),
    "tech_contracts": ("seller_enterprise_id", "buyer_enterprise_id"),
}

WHOLE, FIRMS, LATER = "whole", "firms", "later"  # how a SQLite store's rows are read
# The columns (name, DuckDB type, nullable) the scanner gives each table, by schema digest.
_SHAPE_COLUMNS: dict[tuple[str, str], list[tuple[str, str, str]]] = {}


@dataclass
class DuckDBStore(_SqlStore):
    """DuckDB in-process: a SQLite store read without its scanner opening the live file (some
    firms' rows through Python's sqlite3, everyone's through a copy), any other store copied
    in as Arrow.

    Over SQLite, ``rows`` says what the tables hold: ``whole`` (everyone, from a copy),
    ``firms`` (the rows naming ``firms``), or ``later`` — the tables are empty until
    ``read_rows`` fills them, so SQL can be compiled (and the tables it reads known) before
    deciding what to read. Compiled SQL names ``store."table"`` in all three, with the same
    columns and types, so it is shared between them.
    """

    backend = "duckdb"
    sqlite_database: str | None = None  # a SQLite store
    rows: str = WHOLE
    firms: tuple[int, ...] = ()  # with rows == "firms": the firms whose rows are read
    sqlite_copy: Path | None = None  # the copy read for everyone, made when first needed
    _reader: Any = None  # Python's sqlite3, one read transaction for the store's life
    _scanner: bool = False  # the SQLite scanner loaded
    _schema: tuple[str, list[str]] = ("", [])  # the store's schema digest and statements
    _shape: Path | None = None  # a schema-only file typing the tables, when one was needed
    _created: set[str] = field(default_factory=set)  # tables of the in-memory "store"
    _filled: set[str] = field(default_factory=set)  # those holding their rows

    def _rows(self, sql: str) -> pa.Table:
        return self.con.con.sql(sql).to_arrow_table()

    def sqlite_table(self, name: str) -> ir.Table:
        """Table ``name`` of the SQLite store, its rows read as ``rows`` says."""
        if self.rows == WHOLE:
            return self.con.table(name, database=self.attach_copy())
        self._empty_table(name)
        if self.rows == FIRMS:
            self._fill(name)
        return self.con.table(name, database="store")

    def read_rows(self, tables: set[str] | frozenset[str], firms: list[int] | None) -> None:
        """Fill the tables of a store opened with ``rows="later"``: ``firms``' rows of
        ``tables``, or with ``firms=None`` everyone's (the copy, attached in their place)."""
        if self.rows != LATER:
            raise BackendError("表的行已读取", f"the rows were read already ({self.rows})")
        if firms is None:
            self.rows = WHOLE
            if self._created:
                self.con.raw_sql("DETACH store")
            self.attach_copy()
            return
        self.rows, self.firms = FIRMS, tuple(int(f) for f in firms)
        for name in sorted(tables):
            self._empty_table(name)
            self._fill(name)

    def attach_copy(self) -> str:
        """Copy the SQLite store and attach the copy as ``store``, once; the alias."""
        if self.sqlite_copy is None:
            self._load_scanner()
            copy = sqlite_reading_copy(self.sqlite_database)
            try:
                self.con.raw_sql(f"ATTACH '{_quote(str(copy))}' AS store (TYPE sqlite, READ_ONLY)")
            except BaseException:
                copy.unlink(missing_ok=True)
                raise
            self.sqlite_copy = copy
            # removed on close(), or when the store is collected if nobody closed it
            weakref.finalize(self, copy.unlink, missing_ok=True)
        return "store"

    def _load_scanner(self) -> None:
        """Load the SQLite scanner, once, when a file is attached (a run for some firms whose
        tables' types are known in the process attaches none)."""
        if not self._scanner:
            self.con.raw_sql(f"LOAD '{sqlite_scanner_path()}'")
            self._scanner = True

    def _empty_table(self, name: str) -> None:
        """``store.name`` created empty, with the columns, types and NOT NULLs the scanner gives
        the live table: read from a schema-only file (``sqlite_shape``) once per process and
        schema, then kept."""
        if name in self._created:
            return
        if not self._created:
            self._schema = sqlite_schema(self.sqlite_database)
            self.con.raw_sql("ATTACH ':memory:' AS store")
        key = (self._schema[0], name)
        if key not in _SHAPE_COLUMNS:  # the scanner's types, kept for the process
            if self._shape is None:
                self._load_scanner()
                self._shape = shape = sqlite_shape(self._schema[1])
                weakref.finalize(self, shape.unlink, missing_ok=True)  # if never closed
                path = _quote(str(shape))
                self.con.raw_sql(f"ATTACH '{path}' AS shape (TYPE sqlite, READ_ONLY)")
            described = self.con.con.execute(f"DESCRIBE shape.{_ident(name)}").fetchall()
            _SHAPE_COLUMNS[key] = [(column, kind, null) for column, kind, null, *_ in described]
        columns = ", ".join(
            f"{_ident(column)} {kind}{'' if null == 'YES' else ' NOT NULL'}"
            for column, kind, null in _SHAPE_COLUMNS[key]
        )
        self.con.raw_sql(f"CREATE TABLE store.{_ident(name)} ({columns})")
        self._created.add(name)

    def _fill(self, name: str) -> None:
        """Insert the rows of ``name`` naming ``firms`` (every row of a table naming no firm),
        read through Python's sqlite3 in the store's one read transaction, using SQLite's
        indexes on the firm columns."""
        if name in self._filled:
            return
        described = self.con.con.execute(f"DESCRIBE store.{_ident(name)}").fetchall()
        names = [column for column, *_ in described]
        query = f"SELECT {', '.join(_ident(n) for n in names)} FROM {_ident(name)}"
        parameters: tuple = ()
        firm_columns = FIRM_COLUMNS.get(name)
        if firm_columns:
            listed = "(SELECT value FROM json_each(?))"
            query += " WHERE " + " OR ".join(f"{_ident(c)} IN {listed}" for c in firm_columns)
            parameters = (json.dumps(list(self.firms)),) * len(firm_columns)
        found = self._reading().execute(query, parameters).fetchall()
        values = list(zip(*found, strict=True)) if found else [() for _ in names]
        arrays = {
            f"c{i}": _arrow_column(list(column), kind)
            for i, (column, (_, kind, *_)) in enumerate(zip(values, described, strict=True))
        }
        staging = f"_rows_{name}"
        self.con.con.register(staging, pa.table(arrays))
        try:
            cast = ", ".join(f"CAST(c{i} AS {kind})" for i, (_, kind, *_) in enumerate(described))
            self.con.con.execute(f"INSERT INTO store.{_ident(name)} SELECT {cast} FROM {staging}")
        finally:
            self.con.con.unregister(staging)
        self._filled.add(name)

    def _reading(self):
        """Python's sqlite3 on the live file, in one read transaction: every table read for
        this store sees the same committed state, as the copy did."""
        if self._reader is None:
            import sqlite3

            reader = sqlite3.connect(
                self.sqlite_database, timeout=30, isolation_level=None, check_same_thread=False
            )
            reader.execute("BEGIN")
            self._reader = reader
            weakref.finalize(self, reader.close)
        return self._reader

    def close(self) -> None:
        super().close()
        if self._reader is not None:
            self._reader.close()
        if self._shape is not None:
            self._shape.unlink(missing_ok=True)
        if self.sqlite_copy is not None:
            self.sqlite_copy.unlink(missing_ok=True)

    def register_arrow(self, name: str, rows: pa.Table) -> ir.Table:
        """Arrow data readable as table ``name`` in place, without a copy."""
        self.con.con.register(name, rows)
        return self.con.table(name)


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _arrow_column(values: list, duckdb_type: str) -> pa.Array:
    """Values read through sqlite3 as Arrow, for a cast to ``duckdb_type`` in DuckDB: numbers
    as numbers (a REAL's float bit for bit), dates and times as SQLite's text."""
    wanted = {"BIGINT": pa.int64(), "DOUBLE": pa.float64(), "FLOAT": pa.float64()}
    wanted |= {"BLOB": pa.binary()}
    try:
        return pa.array(values, type=wanted.get(duckdb_type, pa.string()))
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # a value stored with another type
        return pa.array([None if v is None else str(v) for v in values], type=pa.string())


@dataclass
class PostgresStore(_SqlStore):
    """Ibis's PostgreSQL backend: the expressions run inside the store itself."""

    backend = "postgres"

    def _rows(self, sql: str) -> pa.Table:
        return _postgres_rows(self.con, sql)

    def register_arrow(self, name: str, rows: pa.Table) -> ir.Table:
        """Arrow data copied into a temporary table ``name`` (this connection's only)."""
        _execute(self.con, f'DROP TABLE IF EXISTS "{name}"')  # Ibis's overwrite=True fails here
        return self.con.create_table(name, rows, temp=True)


@dataclass
class SparkStore(_SqlStore):
    """A Spark session (local, or a cluster's); the tables are temporary views in it."""

    session: Any = None  # the SparkSession the Ibis backend was connected to
    views: list[str] = field(default_factory=list)  # temporary views to drop on close

    backend = "pyspark"

    def to_arrow(self, expr: ir.Table) -> pa.Table:  # Ibis would go through pandas
        rows = self.session.sql(str(self.con.compile(expr))).toArrow()
        return _conform(rows, expr.schema().to_pyarrow())

    def _rows(self, sql: str) -> pa.Table:
        return self.session.sql(sql).toArrow()

    def register_arrow(self, name: str, rows: pa.Table) -> ir.Table:
        """Arrow data as a temporary view, named after the store, dropped on ``close``."""
        view = f"{self.location}_{name}"
        self.session.createDataFrame(rows).createOrReplaceTempView(view)
        self.views.append(view)
        return self.con.table(view)

    def materialise(self, sql: str, name: str) -> ir.Table:
        """A cached temporary view, named after the store (two stores share the session)."""
        view = f"{self.location}_{name}"
        if self.session.catalog.tableExists(view):
            self.session.catalog.uncacheTable(view)
        self.session.sql(sql).createOrReplaceTempView(view)
        self.session.catalog.cacheTable(view)
        self.views.append(view)
        return self.con.table(view)

    def close(self) -> None:  # the session outlives the store: drop what it holds
        catalog = self.session.catalog
        for view in dict.fromkeys(self.views):
            if catalog.tableExists(view):
                catalog.uncacheTable(view)
            catalog.dropTempView(view)
        self.views.clear()


_COMPILED: dict[Hashable, tuple[str, frozenset[str]]] = {}  # SQL, the tables it reads
_SCHEMAS: dict[str, pa.Schema] = {}
_COMPILED_MAX = 256


def _compiler_code() -> str:
    """What compiled SQL also depends on: the code that compiles it, and Ibis."""
    return code_digest(
        ("compiler.py", "expressions.py", "engines.py", "registry.py"), ("ibis-framework",)
    )


def _cache_file(folder: Path, key: Hashable) -> Path:
    digest = hashlib.sha256(f"{_compiler_code()}|{key!r}".encode()).hexdigest()[:24]
    return folder / f"{digest}.sql.arrow"


def _read_compiled(folder: Path, key: Hashable) -> None:
    """Compiled SQL kept by an earlier process (lowering a declaration to SQL costs seconds
    to tens of seconds on a loaded machine; the SQL of one key never changes)."""
    path = _cache_file(folder, key)
    if not path.exists():
        return
    try:
        with pa.ipc.open_file(path) as reader:
            table = reader.read_all()
    except (OSError, pa.ArrowInvalid):
        return  # a damaged entry is compiled again
    meta = table.schema.metadata or {}
    sql = meta[b"sql"].decode()
    names = frozenset(json.loads(meta[b"tables"].decode()))
    _COMPILED[key] = sql, names
    _SCHEMAS[sql] = table.schema.remove_metadata()


def _write_compiled(
    folder: Path, key: Hashable, sql: str, names: frozenset[str], schema: pa.Schema
) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    path = _cache_file(folder, key)
    partial = path.with_name(f".{path.name}.{os.getpid()}")
    meta = {b"sql": sql.encode(), b"tables": json.dumps(sorted(names)).encode()}
    with pa.ipc.new_file(partial, schema.with_metadata(meta)) as writer:
        writer.write_table(schema.empty_table())
    os.replace(partial, path)  # readers never see half an entry


def _execute(con: Any, sql: str) -> None:
    result = con.raw_sql(sql)
    if con.name == "postgres":  # an open cursor (DuckDB hands back its connection)
        result.close()


def _postgres_rows(con: Any, sql: str) -> pa.Table:
    cursor = con.raw_sql(sql)
    try:
        names = [column.name for column in cursor.description]
        rows = cursor.fetchall()
    finally:
        cursor.close()
    # Python values (Decimal for numeric); the caller casts them to the expression's types.
    return pa.table({name: pa.array([row[i] for row in rows]) for i, name in enumerate(names)})


def _conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """``table`` with the columns and types of ``schema`` (a safe cast: no silent truncation)."""
    missing = [name for name in schema.names if name not in table.column_names]
    if missing:
        raise BackendError(f"结果缺少列 {missing}", f"the result lacks the columns {missing}")
    columns = []
    for target in schema:
        column = table[target.name]
        if column.type != target.type:
            column = column.cast(target.type)
        columns.append(column)
    return pa.Table.from_arrays(columns, schema=schema)


def sqlite_scanner_path() -> Path:
    import duckdb
    import duckdb_extension_sqlite_scanner as package

    version = duckdb.__version__
    path = (
        Path(package.__file__).parent
        / "extensions"
        / f"v{version}"
        / "sqlite_scanner.duckdb_extension"
    )
    if not path.exists():
        found = sorted(
            Path(package.__file__).parent.glob("extensions/*/sqlite_scanner.duckdb_extension")
        )
        raise BackendError(
            f"DuckDB {version} 需要同版本的 sqlite_scanner 扩展，已安装：{[p.parent.name for p in found]}",
            f"DuckDB {version} needs the sqlite_scanner extension of the same version; installed: "
            f"{[p.parent.name for p in found]} (pip install duckdb-extension-sqlite-scanner=={version})",
        )
    return path


def open_store(
    engine: Engine,
    backend: str = "duckdb",
    names: list[str] | None = None,
    *,
    firms: list[int] | None = None,
    later: bool = False,
) -> Store:
    """Open the store behind ``engine`` on ``backend`` (``duckdb``, ``postgres``, ``pyspark``).

    On DuckDB over SQLite, ``firms`` reads only those firms' rows (and the tables naming no
    firm whole: ``FIRM_COLUMNS``); ``later`` leaves the tables empty until
    ``DuckDBStore.read_rows`` says what to read. Other engines read everything."""
    rows = LATER if later else (WHOLE if firms is None else FIRMS)
    if backend not in BACKENDS:
        raise BackendError(
            f"未知计算引擎 {backend}", f"unknown backend {backend} ({', '.join(BACKENDS)})"
        )
    dialect = engine.dialect.name
    if backend == "postgres" and dialect != "postgresql":
        raise BackendError(
            f"postgres 引擎在 PostgreSQL 数据库内计算，当前数据库是 {dialect}；请改用 --backend duckdb "
            f"或 pyspark",
            f"the postgres backend computes inside a PostgreSQL store, this store is "
            f"{dialect}: use --backend duckdb or pyspark",
        )
    wanted, signature = _reflect(engine, names)
    if backend == "duckdb":
        store = _duckdb(engine, dialect, wanted, rows, firms)
    elif backend == "postgres":
        store = _postgres(engine, wanted)
    else:
        store = _pyspark(engine, wanted)
    store.signature = signature
    return store


_REFLECTED: dict[tuple, tuple[dict, tuple]] = {}  # SQLite: by file, schema text and names


def _reflect(engine: Engine, names: list[str] | None) -> tuple[dict, tuple]:
    """The store's tables (``names`` only, when given) and their signature. Reflecting a
    SQLite schema costs ~0.4 s, more than the rest of a one-firm read: it is kept while the
    file's schema (the text of its ``sqlite_master``) stays the same."""
    dialect = engine.dialect.name
    key = None
    if dialect == "sqlite":
        with engine.connect() as conn:
            schema = conn.exec_driver_sql(
                "SELECT group_concat(sql, ';') FROM "
                "(SELECT sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY type, name)"
            ).scalar_one()
        digest = hashlib.sha256((schema or "").encode()).hexdigest()
        key = (str(engine.url), digest, None if names is None else tuple(sorted(names)))
        if key in _REFLECTED:
            return _REFLECTED[key]
    metadata = MetaData()
    metadata.reflect(engine, only=lambda name, _: names is None or name in names)
    wanted = {name: metadata.tables[name] for name in sorted(metadata.tables)}
    signature = (
        dialect,
        tuple(
            (name, tuple((c.name, repr(c.type)) for c in table.columns))
            for name, table in wanted.items()
        ),
    )
    if key is not None:
        if len(_REFLECTED) >= 16:
            _REFLECTED.pop(next(iter(_REFLECTED)))
        _REFLECTED[key] = wanted, signature
    return wanted, signature


def _postgres(engine: Engine, tables: dict) -> Store:
    url = engine.url
    con = ibis.postgres.connect(
        host=url.host,
        port=url.port,
        user=url.username,
        password=url.password,
        database=url.database,
    )
    con.compiler = _postgres_compiler()
    loaders = {name: _opener(con, name) for name in tables}
    return PostgresStore(con, location="postgres", loaders=loaders)


def _postgres_compiler():
    """Ibis's PostgreSQL compiler, casting a boolean to a bigint by way of an integer:
    PostgreSQL casts boolean to int4 only (``CAST(true AS BIGINT)`` is an error), and the rules
    count flags as ``condition.cast("int64").sum()`` — the same expression on every engine."""
    import ibis.expr.datatypes as dt
    from ibis.backends.sql.compilers.postgres import PostgresCompiler

    class Compiler(PostgresCompiler):
        def visit_Cast(self, op, *, arg, to):
            if op.arg.dtype.is_boolean() and to.is_integer() and not to.is_int32():
                return self.cast(self.cast(arg, dt.int32), to)
            return super().visit_Cast(op, arg=arg, to=to)

    return Compiler()


def sqlite_reading_copy(database: str) -> Path:
    """A consistent copy of a SQLite store, for DuckDB's SQLite scanner to read.

    The scanner carries a SQLite library of its own. When it opens a WAL database that this
    process already has open (SQLAlchemy's pysqlite connections), it takes itself for the
    first connection — POSIX locks never conflict within one process — and resets the shared
    wal-index (``-shm``) under the other library's memory map: SIGBUS, or "database disk image
    is malformed" (https://www.sqlite.org/howtocorrupt.html, 2.2). So the scanner reads a copy
    made by SQLite's own backup API through Python's sqlite3 (one consistent read
    transaction), in rollback-journal mode (no ``-shm``), which nothing else here opens."""
    import sqlite3

    source = Path(database)
    _remove_orphan_copies(source)
    prefix = f".{source.name}.read-{os.getpid()}-"  # the pid: a dead process's copy is removed
    handle, name = tempfile.mkstemp(prefix=prefix, suffix=".db", dir=source.parent)
    os.close(handle)
    copy = Path(name)
    try:
        with contextlib.closing(sqlite3.connect(source, timeout=30)) as reading:
            with contextlib.closing(sqlite3.connect(copy)) as written:
                written.execute("PRAGMA synchronous=OFF")  # a throwaway file: no fsync
                reading.backup(written)
                written.execute("PRAGMA journal_mode=DELETE")
    except BaseException:
        copy.unlink(missing_ok=True)
        raise
    return copy


# Run by ``run_in_child`` in a fresh interpreter: DuckDB alone, its scanner on the live file.
_CHILD = """
import json, sys
import duckdb
job = json.load(sys.stdin)
try:
    con = duckdb.connect(config={"threads": job["threads"]})
    con.execute("SET enable_progress_bar = false")
    con.execute("LOAD '" + job["scanner"].replace("'", "''") + "'")
    con.execute(
        "ATTACH '" + job["database"].replace("'", "''") + "' AS store (TYPE sqlite, READ_ONLY)"
    )
    con.execute(job["sql"])
except Exception as error:  # one line for the parent's message
    print(type(error).__name__ + ": " + (str(error).splitlines() or [""])[0], file=sys.stderr)
    sys.exit(1)
"""


def run_in_child(database: str, sql: str) -> None:
    """Run DuckDB ``sql`` naming ``store."table"`` over the live SQLite file ``database`` in a
    child process (a statement that writes its result, such as ``COPY … TO``).

    Another process may open the file with its own SQLite library: POSIX locks and the
    wal-index work between processes, only not between two libraries in one process
    (``sqlite_reading_copy``). So everyone's rows are read in place, without first copying
    the whole store; the child is a fresh interpreter (no fork of this process's open
    connections) importing DuckDB alone."""
    import subprocess
    import sys

    job = {
        "scanner": str(sqlite_scanner_path()),
        "database": str(database),
        "sql": sql,
        "threads": os.cpu_count() or 2,
    }
    done = subprocess.run(
        [sys.executable, "-c", _CHILD],
        input=json.dumps(job),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        lines = (done.stderr or "").strip().splitlines()
        reason = lines[-1] if lines else f"exit status {done.returncode}"
        raise BackendError(
            f"读取 SQLite 的子进程失败：{reason}",
            f"the child process reading SQLite failed: {reason}",
        )


def _remove_orphan_copies(source: Path) -> None:
    """Remove the reading copies of ``source`` left by processes that died before closing
    their store (a copy is otherwise removed on close): they never pile up beside it."""
    start = f".{source.name}.read-"
    for old in source.parent.glob(f"{glob.escape(start)}*.db"):
        pid = old.name[len(start) :].split("-", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            old.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return pid <= 2**31  # another user's process (an impossible pid is nobody's)
    return True


def sqlite_schema(database: str) -> tuple[str, list[str]]:
    """The ``CREATE TABLE`` statements of ``database`` (read through Python's sqlite3) and
    their digest."""
    import sqlite3

    with contextlib.closing(sqlite3.connect(database, timeout=30)) as reading:
        statements = [
            sql
            for (sql,) in reading.execute(
                "SELECT sql FROM sqlite_master WHERE type = 'table' AND sql IS NOT NULL "
                "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name"
            )
        ]
    return hashlib.sha256("\n;\n".join(statements).encode()).hexdigest(), statements


def sqlite_shape(statements: list[str]) -> Path:
    """A temporary SQLite file holding those tables without rows, for the scanner to type the
    columns as it types the live file's (which it must not open); the caller removes it."""
    import sqlite3

    handle, name = tempfile.mkstemp(prefix="xinzhi-sqlite-shape-", suffix=".db")
    os.close(handle)
    shape = Path(name)
    try:
        with contextlib.closing(sqlite3.connect(shape)) as written:
            written.execute("PRAGMA synchronous=OFF")  # a throwaway file: no fsync
            with written:
                for sql in statements:
                    written.execute(sql)
    except BaseException:
        shape.unlink(missing_ok=True)
        raise
    return shape


def _sqlite_opener(store: DuckDBStore, name: str) -> Callable[[], ir.Table]:
    return lambda: store.sqlite_table(name)


def _opener(con: Any, name: str, **where: str) -> Callable[[], ir.Table]:
    return lambda: con.table(name, **where)


def _duckdb(engine: Engine, dialect: str, tables: dict, rows: str, firms) -> Store:
    con = ibis.duckdb.connect(threads=os.cpu_count() or 2)
    if dialect == "sqlite":
        database = engine.url.database
        if not database or database == ":memory:":
            raise BackendError(
                "DuckDB 不能读取内存中的 SQLite", "DuckDB cannot read an in-memory SQLite"
            )
        store = DuckDBStore(con, location="sqlite", sqlite_database=database, rows=rows)
        store.firms = tuple(int(f) for f in firms or ())
        store.loaders = {name: _sqlite_opener(store, name) for name in tables}
        return store
    # Any other store: copy the tables in as Arrow (fine for the sizes one machine handles).
    loaders = {name: _arrow_copier(con, engine, table) for name, table in tables.items()}
    return DuckDBStore(con, location="arrow", loaders=loaders)


def _arrow_copier(con: Any, engine: Engine, table) -> Callable[[], ir.Table]:
    def copy() -> ir.Table:
        data = _read_arrow(engine, table)
        staging = f"_arrow_{table.name}"
        con.con.register(staging, data)
        try:
            con.con.execute(
                f'CREATE OR REPLACE TEMPORARY TABLE "{table.name}" AS SELECT * FROM "{staging}"'
            )
        finally:
            con.con.unregister(staging)
        return con.table(table.name)

    return copy


def _quote(text: str) -> str:
    return text.replace("'", "''")


def _read_arrow(engine: Engine, table) -> pa.Table:
    """A whole table as Arrow, typed by its declared column types (SQLite's 0/1 booleans and
    ISO dates included; JSON as text, which no rule reads)."""
    from sqlalchemy import JSON, select

    with engine.connect() as conn:
        rows = conn.execute(select(table)).all()
    columns = {}
    for i, column in enumerate(table.columns):
        values = [row[i] for row in rows]
        if isinstance(column.type, JSON):
            values = [None if v is None else json.dumps(v, ensure_ascii=False) for v in values]
        columns[column.name] = pa.array(values, type=_arrow_type(column.type))
    return pa.table(columns)


def _arrow_type(sql_type) -> pa.DataType:
    from sqlalchemy import BigInteger, Boolean, Date, DateTime, Float, Integer, Numeric

    if isinstance(sql_type, Boolean):
        return pa.bool_()
    if isinstance(sql_type, BigInteger | Integer):
        return pa.int64()
    if isinstance(sql_type, Numeric | Float):
        return pa.float64()
    if isinstance(sql_type, DateTime):
        return pa.timestamp("us")
    if isinstance(sql_type, Date):
        return pa.date32()
    return pa.string()


_SPARK = None

SPARK_CONFIG = {
    "spark.master": "local[2]",
    "spark.app.name": "xinzhi",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.driver.bindAddress": "127.0.0.1",
    "spark.sql.shuffle.partitions": "4",
    "spark.sql.session.timeZone": "UTC",
    # Overflow and bad casts fail, as on PostgreSQL and DuckDB, instead of wrapping silently.
    "spark.sql.ansi.enabled": "true",
    # A declaration is a projection hundreds of columns wide: whole-stage code generation
    # outgrows the JVM's 64 KB method limit, logs the failure and falls back on every query,
    # after spending seconds compiling.
    "spark.sql.codegen.wholeStage": "false",
    # The JVM's optimising (C2) compiler competes for the cores with the work in a local run of
    # short queries; with the quick (C1) one alone the session started in 9 s instead of
    # 14–18 s and the 12 declarations over 150 firms took 47 s instead of 81–100 s (2 shared
    # cores, load average 5–6). A province-sized run on a cluster brings its own session.
    "spark.driver.extraJavaOptions": "-XX:TieredStopAtLevel=1",
}


def spark_session():
    """The Spark session: the active one (``spark-submit``, a notebook on a cluster), else one
    local session per process, started once (starting the JVM takes seconds)."""
    global _SPARK
    if _SPARK is None:
        from pyspark.sql import SparkSession

        active = SparkSession.getActiveSession()
        if active is not None:
            _SPARK = active
            return _SPARK
        _require_java()
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")  # no warning about the host name
        builder = SparkSession.builder
        for key, value in SPARK_CONFIG.items():
            builder = builder.config(key, value)
        _SPARK = builder.getOrCreate()
        _SPARK.sparkContext.setLogLevel("ERROR")
    return _SPARK


def _require_java() -> None:
    """Spark 4 runs on Java 17 or later: say so plainly instead of a JVM stack trace."""
    import re
    import shutil
    import subprocess

    java_home = os.environ.get("JAVA_HOME")
    java = str(Path(java_home, "bin", "java")) if java_home else shutil.which("java")
    found = "no java"
    if java and Path(java).exists():
        shown = subprocess.run(
            [java, "-version"], check=False, capture_output=True, text=True
        ).stderr
        found = shown.strip().splitlines()[0] if shown.strip() else java
        major = re.search(r'version "(\d+)', shown)
        if major and int(major.group(1)) >= 17:
            return
    raise BackendError(
        f"pyspark 引擎需要 Java 17 或更新版本（现有：{found}）；Debian：apt-get install "
        f"openjdk-17-jre-headless，或运行 scripts/ensure-system-packages.sh",
        f"the pyspark backend "
        f"needs Java 17 or later (found: {found}); on Debian: apt-get install openjdk-17-jre-headless, "
        f"or run scripts/ensure-system-packages.sh",
    )


def _pyspark(engine: Engine, tables: dict) -> SparkStore:
    # Views are named after the store, so two stores can share the one session.
    location = (
        "xinzhi_"
        + hashlib.sha256(engine.url.render_as_string(hide_password=True).encode()).hexdigest()[:8]
    )
    store = spark_store(location)
    store.loaders = {name: _spark_copier(store, engine, table) for name, table in tables.items()}
    return store


def spark_store(location: str) -> SparkStore:
    """A store in the Spark session whose temporary views are named ``<location>_<name>``."""
    session = spark_session()
    con = ibis.pyspark.connect(session)
    con.compiler = _spark_compiler()
    return SparkStore(con, owned=False, location=location, session=session)


def register_arrow_view(store: SparkStore, name: str, rows: pa.Table) -> ir.Table:
    """Arrow rows as the store's temporary view ``name`` (dropped on close)."""
    view = f"{store.location}_{name}"
    store.session.createDataFrame(rows).createOrReplaceTempView(view)
    store.views.append(view)
    return store.con.table(view)


def _spark_compiler():
    """Ibis's Spark SQL compiler, writing a float64 literal as a double: Spark reads ``3.0`` as
    DECIMAL(2,1), so ``1 / 3.0`` is a decimal rounded to six places (0.333333) and a CAGR's
    ``power(ratio, 1 / 3.0)`` differed from the other engines from the sixth digit on."""
    import ibis.expr.datatypes as dt
    from ibis.backends.sql.compilers.pyspark import PySparkCompiler

    class Compiler(PySparkCompiler):
        def visit_NonNullLiteral(self, op, *, value, dtype):
            result = super().visit_NonNullLiteral(op, value=value, dtype=dtype)
            if dtype.is_floating() and math.isfinite(value):
                return self.cast(result, dt.float64)
            return result

    return Compiler()


def _spark_copier(store: SparkStore, engine: Engine, table) -> Callable[[], ir.Table]:
    return lambda: register_arrow_view(store, table.name, _read_arrow(engine, table))
