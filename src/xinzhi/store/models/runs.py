"""Recorded evaluation runs: which rules (by hash), which data date, who, when, and where the
results are kept."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow


class EvaluationRun(Base):
    """One run of assessments (or, later, policies) over the whole population."""

    __tablename__ = "evaluation_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # assessment | policy
    rule_set_hash: Mapped[str] = mapped_column(String(64))
    declarations: Mapped[list] = mapped_column(JSON)  # [{id, version, sha256}]
    as_of: Mapped[dt.date] = mapped_column(Date)
    backend: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(String(100))
    started_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    summary: Mapped[dict] = mapped_column(JSON)  # counts per assessment and status
    results_path: Mapped[str | None] = mapped_column(String(500))  # Parquet, one row per result


class CurrentStatus(Base):
    """Each enterprise's pass or undetermined status in the latest recorded assessment run
    (failures are the absence of a row): what the enterprise list filters on by tier. The
    full results of every run stay in the run's Parquet file."""

    __tablename__ = "current_statuses"
    __table_args__ = (Index("ix_current_statuses_family_status", "family", "status"),)

    enterprise_id: Mapped[int] = mapped_column(
        ForeignKey("enterprises.id", ondelete="CASCADE"), primary_key=True
    )
    assessment: Mapped[str] = mapped_column(String(60), primary_key=True)
    family: Mapped[str] = mapped_column(String(40))  # hnte, sme, eaglet, gazelle, unicorn …
    status: Mapped[str] = mapped_column(String(20))  # pass | undetermined
    run_id: Mapped[int] = mapped_column(ForeignKey("evaluation_runs.id", ondelete="CASCADE"))
