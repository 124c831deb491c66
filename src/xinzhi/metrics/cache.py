"""Dashboards computed once per data version, served from memory between changes.

The data version is the newest audit-log entry and import batch: every import, run and
change writes one, so a new version means the figures may have moved. Entries about users
(``user.*``: logins, passwords, roles) change no figure and are left out. A request that finds
only an older version gets it at once (its figures carry their data dates) while one thread
recomputes — page views never wait behind a recomputation that another request started.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable

import sqlalchemy as sa
from sqlalchemy import Engine

from ..store import models

_DATA_VERSION = sa.select(
    # newest first, stopping at the first match: no scan of the whole log
    sa.select(models.AuditEntry.id)
    .where(models.AuditEntry.action.not_like("user.%"))
    .order_by(models.AuditEntry.id.desc())
    .limit(1)
    .scalar_subquery(),
    sa.select(sa.func.max(models.ImportBatch.id)).scalar_subquery(),
)


def data_version(engine: Engine) -> tuple:
    with engine.connect() as conn:
        return tuple(conn.execute(_DATA_VERSION).one())


class VersionedCache:
    """key → (version, value); recomputed in the background when the version moves on."""

    def __init__(
        self,
        compute: Callable[[Hashable], object],
        max_age_seconds: float = 3600,
        max_entries: int = 64,
    ):
        self.compute = compute
        self.max_age = max_age_seconds
        self.max_entries = max_entries
        self._entries: dict[Hashable, tuple[tuple, float, object]] = {}
        self._locks: dict[Hashable, threading.Lock] = {}
        self._guard = threading.Lock()

    def _lock(self, key: Hashable) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(key, threading.Lock())

    def get(self, key: Hashable, version: tuple) -> tuple[object, bool]:
        """(value, fresh): a stale value comes back at once while a thread refreshes it."""
        entry = self._entries.get(key)
        if entry is not None:
            entry_version, computed_at, value = entry
            if entry_version == version and time.monotonic() - computed_at < self.max_age:
                return value, True
            lock = self._lock(key)
            if lock.acquire(blocking=False):
                threading.Thread(
                    target=self._refresh_locked,
                    args=(key, version, lock),
                    daemon=True,
                    name="xinzhi-cache-refresh",
                ).start()
            return value, False
        with self._lock(key):  # the first request computes; others wait for it, not redo it
            entry = self._entries.get(key)
            if entry is None or entry[0] != version:
                self._store(key, version)
            return self._entries[key][2], True

    def _store(self, key: Hashable, version: tuple) -> None:
        value = self.compute(key)
        self._entries.pop(key, None)
        self._entries[key] = (version, time.monotonic(), value)
        while len(self._entries) > self.max_entries:  # the oldest computed goes first
            self._entries.pop(next(iter(self._entries)), None)

    def _refresh_locked(self, key: Hashable, version: tuple, lock: threading.Lock) -> None:
        try:
            self._store(key, version)
        finally:
            lock.release()

    def clear(self) -> None:
        self._entries.clear()
