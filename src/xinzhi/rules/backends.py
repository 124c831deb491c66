"""Where rule expressions run: DuckDB by default, PostgreSQL, or Spark in local mode.

The same Ibis expression runs on each. DuckDB reads the embedded SQLite store in place
(the sqlite_scanner extension ships as a PyPI package and is loaded from its path: the
machines have no internet to download extensions). For a PostgreSQL store, Ibis's
PostgreSQL backend runs the expressions inside the database, or DuckDB can be asked to read
it. Spark is the path for a province or the nation: the store's tables are handed to Spark
as Arrow data (in production they would already sit in the cluster's own storage).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa
from sqlalchemy import Engine, inspect

BACKENDS = ("duckdb", "postgres", "pyspark")


class BackendError(RuntimeError):
    pass


@dataclass
class Store:
    """The store's tables as Ibis tables on one backend."""

    backend: str
    con: Any
    tables: dict[str, ir.Table] = field(default_factory=dict)
    owned: bool = True

    def table(self, name: str) -> ir.Table | None:
        return self.tables.get(name)

    def to_arrow(self, expr: ir.Expr) -> pa.Table:
        return self.con.to_pyarrow(expr)

    def schema_key(self) -> tuple:
        """What compiled SQL over this store depends on: the backend and every table's schema."""
        return (self.backend, tuple((n, tuple(t.schema().items())) for n, t in sorted(self.tables.items())))

    def compiled(self, key: Hashable, build: Callable[[], ir.Table]) -> str:
        """The SQL of the table ``build()`` describes, compiled once per process and ``key``.

        Lowering a large Ibis expression to SQL costs seconds (a declaration is hundreds of
        nested columns), and so would handing that SQL back to Ibis, which re-parses it; the
        SQL of one declaration, date and schema never changes, so later runs — the profile
        page explaining one firm — reuse it and run it on the engine directly. Select fusion
        is off while compiling: the engines' optimisers merge the nested SELECTs themselves,
        and Ibis's fusion pass dominated the compile time.
        """
        key = (self.schema_key(), key)
        sql = _COMPILED.get(key)
        if sql is None:
            fuse, ibis.options.sql.fuse_selects = ibis.options.sql.fuse_selects, False
            try:
                sql = str(self.con.compile(build()))
            finally:
                ibis.options.sql.fuse_selects = fuse
            if len(_COMPILED) >= _COMPILED_MAX:
                _COMPILED.pop(next(iter(_COMPILED)))
            _COMPILED[key] = sql
        return sql

    def fetch(self, sql: str, order_by: str | None = None) -> pa.Table:
        """Run SQL on the engine itself and return the rows as Arrow."""
        if order_by:
            sql = f"SELECT * FROM ({sql}) AS q ORDER BY {order_by}"
        if self.backend == "duckdb":
            return self.con.con.sql(sql).to_arrow_table()
        if self.backend == "pyspark":
            return self.con._session.sql(sql).toArrow()
        cursor = self.con.raw_sql(sql)
        try:
            names = [column.name for column in cursor.description]
            rows = cursor.fetchall()
        finally:
            cursor.close()
        return pa.table({name: pa.array([row[i] for row in rows]) for i, name in enumerate(names)})

    def materialise(self, sql: str, name: str) -> ir.Table:
        """Compute SQL once into a temporary table called ``name`` (Spark: a cached view), so
        SQL compiled against that name in one run is valid in the next."""
        if self.backend == "pyspark":
            session = self.con._session
            session.sql(sql).createOrReplaceTempView(name)
            session.catalog.cacheTable(name)
            return self.con.table(name)
        self.con.raw_sql(f'DROP TABLE IF EXISTS "{name}"')
        self.con.raw_sql(f'CREATE TEMPORARY TABLE "{name}" AS {sql}')
        return self.con.table(name)

    def close(self) -> None:
        if self.owned and self.backend != "pyspark":
            self.con.disconnect()


_COMPILED: dict[Hashable, str] = {}
_COMPILED_MAX = 256


def sqlite_scanner_path() -> Path:
    import duckdb
    import duckdb_extension_sqlite_scanner as package

    version = duckdb.__version__
    path = Path(package.__file__).parent / "extensions" / f"v{version}" / "sqlite_scanner.duckdb_extension"
    if not path.exists():
        found = sorted(Path(package.__file__).parent.glob("extensions/*/sqlite_scanner.duckdb_extension"))
        raise BackendError(
            f"DuckDB {version} 需要同版本的 sqlite_scanner 扩展，已安装：{[p.parent.name for p in found]} / "
            f"DuckDB {version} needs the sqlite_scanner extension of the same version; installed: "
            f"{[p.parent.name for p in found]} (pip install duckdb-extension-sqlite-scanner=={version})"
        )
    return path


def open_store(engine: Engine, backend: str = "duckdb", names: list[str] | None = None) -> Store:
    """Open the store behind ``engine`` on ``backend`` (``duckdb``, ``postgres``, ``pyspark``)."""
    if backend not in BACKENDS:
        raise BackendError(f"未知计算引擎 {backend} / unknown backend {backend} ({', '.join(BACKENDS)})")
    present = set(inspect(engine).get_table_names())
    wanted = [n for n in (names or sorted(present)) if n in present]
    dialect = engine.dialect.name
    if backend == "duckdb":
        return _duckdb(engine, dialect, wanted)
    if backend == "postgres":
        if dialect != "postgresql":
            raise BackendError("postgres 引擎需要 PostgreSQL 数据库 / the postgres backend needs a "
                               "PostgreSQL store")  # fmt: skip
        url = engine.url
        con = ibis.postgres.connect(
            host=url.host, port=url.port, user=url.username, password=url.password,
            database=url.database,
        )  # fmt: skip
        return Store("postgres", con, {n: con.table(n) for n in wanted})
    return _pyspark(engine, wanted)


def _duckdb(engine: Engine, dialect: str, names: list[str]) -> Store:
    con = ibis.duckdb.connect(threads=os.cpu_count() or 2)
    if dialect == "sqlite":
        database = engine.url.database
        if not database or database == ":memory:":
            raise BackendError("DuckDB 不能读取内存中的 SQLite / DuckDB cannot read an in-memory SQLite")
        con.raw_sql(f"LOAD '{sqlite_scanner_path()}'")
        con.raw_sql(f"ATTACH '{_quote(database)}' AS store (TYPE sqlite, READ_ONLY)")
        tables = {n: con.table(n, database="store") for n in names}
        return Store("duckdb", con, tables)
    # Any other store: copy the tables in as Arrow (fine for the sizes one machine handles).
    tables = {n: con.create_table(n, _read_arrow(engine, n), temp=True) for n in names}
    return Store("duckdb", con, tables)


def _quote(text: str) -> str:
    return text.replace("'", "''")


def _read_arrow(engine: Engine, name: str) -> pa.Table:
    """A whole table as Arrow, with SQLite's 0/1 booleans and ISO dates typed properly."""
    from sqlalchemy import MetaData, Table, select

    table = Table(name, MetaData(), autoload_with=engine)
    with engine.connect() as conn:
        rows = conn.execute(select(table)).all()
    columns = {}
    for column in table.columns:
        values = [row._mapping[column.name] for row in rows]
        columns[column.name] = pa.array(values, type=_arrow_type(column.type))
    return pa.table(columns) if columns else pa.table({})


def _arrow_type(sql_type) -> pa.DataType:
    from sqlalchemy import JSON, BigInteger, Boolean, Date, DateTime, Integer, Numeric

    if isinstance(sql_type, Boolean):
        return pa.bool_()
    if isinstance(sql_type, BigInteger | Integer):
        return pa.int64()
    if isinstance(sql_type, Numeric):
        return pa.float64()
    if isinstance(sql_type, DateTime):
        return pa.timestamp("us")
    if isinstance(sql_type, Date):
        return pa.date32()
    if isinstance(sql_type, JSON):
        return pa.string()
    return pa.string()


_SPARK = None


def spark_session():
    """One local Spark session per process (starting the JVM takes seconds)."""
    global _SPARK
    if _SPARK is None:
        from pyspark.sql import SparkSession

        _SPARK = (
            SparkSession.builder.master("local[2]")
            .appName("xinzhi")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "4")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.sql.ansi.enabled", "false")
            .getOrCreate()
        )
        _SPARK.sparkContext.setLogLevel("ERROR")
    return _SPARK


def _pyspark(engine: Engine, names: list[str]) -> Store:
    session = spark_session()
    con = ibis.pyspark.connect(session)
    tables = {}
    for name in names:
        data = _read_arrow(engine, name)
        # JSON columns are never read by rules; Spark has no use for them.
        tables[name] = con.create_table(f"xinzhi_{name}", data.to_pandas(), temp=True, overwrite=True) \
            if data.num_rows else con.create_table(f"xinzhi_{name}", schema=ibis.Schema.from_pyarrow(
                data.schema), temp=True, overwrite=True)  # fmt: skip
    return Store("pyspark", con, tables, owned=False)
