"""Writing generated tables: an import batch per table, provenance on every row, chunked inserts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from itertools import repeat

import sqlalchemy as sa
from rich.progress import Progress
from sqlalchemy import Connection

from ..store.models import ImportBatch, utcnow

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
            keys = [*columns, *constants]
            size = len(next(iter(columns.values()))) if columns else 0
            for start in range(0, size, CHUNK):
                part = [values[start : start + CHUNK] for values in columns.values()]
                rows = [
                    dict(zip(keys, values))
                    for values in zip(*part, *(repeat(v) for v in constants.values()))
                ]
                self.connection.execute(table.insert(), rows)
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
