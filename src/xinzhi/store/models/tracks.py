"""Tables of the future-industry tracks area: classification runs, assignments with their
evidence, analysts' confirmations, and the application-scenario list (场景机会清单).

The taxonomies themselves are data files (``xinzhi.tracks.data``), not tables. A
classification run replaces ``track_assignments`` for the subject kinds it covered (the run
row stays); confirmations live apart in ``track_labels`` so that they survive every
re-classification and win over it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from ..types import Money
from .base import Base, utcnow


class TrackRun(Base):
    """One classification run: which taxonomies (by hash), as of when, who, what it found."""

    __tablename__ = "track_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    catalogue_sha256: Mapped[str] = mapped_column(String(64))
    taxonomies: Mapped[list] = mapped_column(JSON)  # [taxonomy key, …] in force
    as_of: Mapped[dt.date] = mapped_column(Date)
    actor: Mapped[str] = mapped_column(String(100))
    started_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    summary: Mapped[dict] = mapped_column(JSON)  # per kind: subjects, without data, assignments


class TrackAssignment(Base):
    """A subject (enterprise, result, demand, platform) inferred to belong to a track."""

    __tablename__ = "track_assignments"
    __table_args__ = (
        Index("ix_track_assignments_track", "subject_kind", "track"),
        Index("ix_track_assignments_subject", "subject_kind", "subject_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("track_runs.id", ondelete="CASCADE"))
    subject_kind: Mapped[str] = mapped_column(String(20))  # enterprise | result | demand | platform
    subject_id: Mapped[int] = mapped_column(Integer)
    track: Mapped[str] = mapped_column(String(60))
    confidence: Mapped[float] = mapped_column(Float)
    evidence: Mapped[list] = mapped_column(JSON)  # [[field, term or code, weight], …]


class TrackLabel(Base):
    """An analyst's confirmation or rejection of a firm's track; wins over inference."""

    __tablename__ = "track_labels"
    __table_args__ = (
        UniqueConstraint("enterprise_id", "track"),
        CheckConstraint("verdict IN ('confirmed', 'rejected')", name="verdict_known"),
        Index("ix_track_labels_track", "track", "verdict"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id", ondelete="CASCADE"))
    track: Mapped[str] = mapped_column(String(60))
    verdict: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(100))
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class Scenario(Base):
    """An application scenario (场景) published by the bureau or a large firm, with its lifecycle
    published → matched → piloting → showcase (标杆示范场景); see ``matching.scenarios``."""

    __tablename__ = "scenarios"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    owner: Mapped[str] = mapped_column(String(200))  # the bureau or the firm offering it
    owner_enterprise_id: Mapped[int | None] = mapped_column(
        ForeignKey("enterprises.id"), index=True
    )
    need: Mapped[str] = mapped_column(Text)
    track: Mapped[str] = mapped_column(String(60), index=True)
    budget: Mapped[Decimal | None] = mapped_column(Money())  # NULL: not stated
    deadline: Mapped[dt.date | None] = mapped_column(Date)
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id"), index=True)
    state: Mapped[str] = mapped_column(String(20), index=True)
    pilot_enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprises.id"))
    matches: Mapped[list | None] = mapped_column(JSON)  # the last matching, with reasons
    outcome_note: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
