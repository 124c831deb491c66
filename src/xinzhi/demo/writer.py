"""Writing generated tables: an import batch per table, provenance on every row, chunked inserts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from decimal import Decimal
from functools import partial
from itertools import repeat

import sqlalchemy as sa
from rich.progress import Progress
from sqlalchemy import Connection

from ..store.models import ImportBatch, utcnow
from ..store.types import ScaledDecimal

ACTOR = "xinzhi demo"
CHUNK = 20_000


class DemoWriter:
    """Inserts tables on one connection (inside the caller's transaction)."""

    def __init__(
        self, connection: Connection, *, source: str, progress: Progress | None = None
    ) -> None:
        self.connection = connection
        self.source = source
        self.progress = progress
        self.rows: dict[str, int] = {}

    def write(
        self,
        table: sa.Table,
        chunks: Iterable[dict[str, list]],
        *,
        total: int,
        as_of: dt.date,
        label: str,
    ) -> int:
        """Insert column chunks into ``table``; rows without their own ``as_of`` get ``as_of``."""
        started = utcnow()
        batch_id = self.connection.execute(
            sa.insert(ImportBatch).values(
                kind=table.name,
                source=self.source,
                sha256=None,
                actor=ACTOR,
                started_at=started,
                finished_at=started,
                as_of=as_of,
                rows_total=total,
                rows_inserted=0,
                rows_updated=0,
                rows_unchanged=0,
            )
        ).inserted_primary_key[0]
        provenance = {
            "source": self.source,
            "source_row": None,
            "import_batch_id": batch_id,
            "imported_at": started,
        }
        task = self.progress.add_task(label, total=total) if self.progress else None
        written = 0
        for columns in chunks:
            constants = provenance if "as_of" in columns else provenance | {"as_of": as_of}
            names = [*columns, *constants]
            insert = self._insert(table, names, columns)
            size = len(next(iter(columns.values()))) if columns else 0
            for start in range(0, size, CHUNK):
                part = [values[start : start + CHUNK] for values in columns.values()]
                rows = list(zip(*part, *(repeat(v) for v in constants.values())))
                insert(rows)
                written += len(rows)
                if task is not None:
                    self.progress.advance(task, len(rows))
        if written != total:
            raise AssertionError(f"{table.name}: wrote {written} rows, expected {total}")
        self.connection.execute(
            sa.update(ImportBatch)
            .where(ImportBatch.id == batch_id)
            .values(finished_at=utcnow(), rows_inserted=written)
        )
        self.rows[table.name] = written
        return written

    def _insert(
        self, table: sa.Table, names: list[str], columns: dict[str, list]
    ) -> Callable[[list[tuple]], None]:
        """Row tuples straight to the driver's executemany: SQLAlchemy's per-row parameter
        processing would cost more than drawing the city. Money arrives in fen already (a
        Decimal is scaled here); SQLite gets dates as the text SQLAlchemy writes."""
        connection = self.connection
        marker = "?" if connection.dialect.paramstyle == "qmark" else "%s"
        sql = (
            f"INSERT INTO {table.name} ({', '.join(names)}) "
            f"VALUES ({', '.join([marker] * len(names))})"
        )
        sqlite = connection.dialect.name == "sqlite"
        converters: dict[int, Callable] = {}
        for i, name in enumerate(names):
            kind = table.c[name].type
            if isinstance(kind, ScaledDecimal):
                if any(isinstance(v, Decimal) for v in columns.get(name, ())):  # targets
                    converters[i] = partial(kind.process_bind_param, dialect=None)
            elif sqlite and isinstance(kind, sa.DateTime):
                converters[i] = _datetime_text
            elif sqlite and isinstance(kind, sa.Date):
                converters[i] = dt.date.isoformat

        def insert(rows: list[tuple]) -> None:
            if converters:
                rows = [_converted(row, converters) for row in rows]
            connection.exec_driver_sql(sql, rows)

        return insert


def _datetime_text(value: dt.datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S.%f")  # SQLAlchemy's SQLite DATETIME format


def _converted(row: tuple, converters: dict[int, Callable]) -> tuple:
    values = list(row)
    for i, convert in converters.items():
        if values[i] is not None:
            values[i] = convert(values[i])
    return tuple(values)
