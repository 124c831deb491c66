"""Saved header mappings of imports: how a sender's columns map to a kind's fields."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, DateTime, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow


class ImportMapping(Base):
    """A mapping saved under a name (e.g. the sending district), applied automatically when a
    file of the same kind arrives with the same header row."""

    __tablename__ = "import_mappings"
    __table_args__ = (
        UniqueConstraint("kind", "name"),
        Index("ix_import_mappings_kind_headers_key", "kind", "headers_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(100))
    headers_key: Mapped[str] = mapped_column(String(64))  # sha256 of the folded header row
    headers: Mapped[list] = mapped_column(JSON)  # the header row as it was, for people
    mapping: Mapped[dict] = mapped_column(JSON)  # header → field name, or null: ignored
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
