"""Tables of the matching area (双百链接, 揭榜挂帅).

The two lists: research results (科技成果) offered by scientists and technical demands (技术需求)
raised by enterprises; the experts behind the results; and the open challenges (揭榜挂帅) with
their applications and reviews. Imported records carry their provenance; a challenge's every
state change is in the audit log (``AuditEntry``, subject ``challenge:<id>``).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..types import Money
from .base import Base, utcnow
from .registry import Enterprise, Provenance


class Expert(Provenance, Base):
    """A scientist on the talent list; a researcher's login points here (``users.expert_id``)."""

    __tablename__ = "experts"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)  # 专家编号
    name: Mapped[str] = mapped_column(String(100), index=True)
    institution: Mapped[str] = mapped_column(String(200))
    title: Mapped[str | None] = mapped_column(String(50))  # 职称
    fields: Mapped[str] = mapped_column(String(300))  # field identifiers, ";"-separated
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id"), index=True)

    results: Mapped[list[ResearchResult]] = relationship(
        secondary="research_result_experts", back_populates="experts", viewonly=True
    )

    @property
    def field_list(self) -> list[str]:
        return [field for field in self.fields.split(";") if field]


class ResearchResult(Provenance, Base):
    """A research result (科技成果) offered for transfer, with its maturity (TRL 1–9)."""

    __tablename__ = "research_results"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)  # 成果编号
    title: Mapped[str] = mapped_column(String(200))
    abstract: Mapped[str] = mapped_column(Text)
    field: Mapped[str] = mapped_column(String(40), index=True)
    trl: Mapped[int] = mapped_column(Integer)  # 技术就绪水平 (GB/T 22900-2009), 1–9
    institution: Mapped[str] = mapped_column(String(200))  # owner institution
    institution_code: Mapped[str | None] = mapped_column(String(18))  # its credit code
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id"), index=True)
    chain_node_id: Mapped[int | None] = mapped_column(ForeignKey("chain_nodes.id"), index=True)

    experts: Mapped[list[Expert]] = relationship(
        secondary="research_result_experts",
        back_populates="results",
        viewonly=True,
        order_by="ResultExpert.position",
    )
    patents: Mapped[list[ResultPatent]] = relationship(
        cascade="all, delete-orphan", order_by="ResultPatent.number"
    )

    __table_args__ = (CheckConstraint("trl BETWEEN 1 AND 9", name="trl_range"),)


class ResultExpert(Base):
    """An expert who made a result (完成专家), in the order the result lists them."""

    __tablename__ = "research_result_experts"

    result_id: Mapped[int] = mapped_column(
        ForeignKey("research_results.id", ondelete="CASCADE"), primary_key=True
    )
    expert_id: Mapped[int] = mapped_column(
        ForeignKey("experts.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    position: Mapped[int] = mapped_column(Integer)


class ResultPatent(Base):
    """A patent application number related to a result (checked, normalised)."""

    __tablename__ = "research_result_patents"

    id: Mapped[int] = mapped_column(primary_key=True)
    result_id: Mapped[int] = mapped_column(
        ForeignKey("research_results.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[str] = mapped_column(String(20), index=True)

    __table_args__ = (UniqueConstraint("result_id", "number"),)


class TechnicalDemand(Provenance, Base):
    """A technical demand (技术需求) raised by a registered enterprise."""

    __tablename__ = "technical_demands"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)  # 需求编号
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    field: Mapped[str] = mapped_column(String(40), index=True)
    budget: Mapped[Decimal | None] = mapped_column(Money())  # NULL: not stated
    deadline: Mapped[dt.date | None] = mapped_column(Date)
    min_trl: Mapped[int | None] = mapped_column(Integer)  # maturity the firm needs, if stated
    chain_node_id: Mapped[int | None] = mapped_column(ForeignKey("chain_nodes.id"), index=True)

    enterprise: Mapped[Enterprise] = relationship()

    __table_args__ = (
        CheckConstraint("min_trl BETWEEN 1 AND 9", name="min_trl_range"),
        CheckConstraint("budget >= 0", name="budget_not_negative"),
    )


class Challenge(Base):
    """An open challenge (揭榜挂帅): a key technology put out with a bounty.

    ``state`` follows ``matching.challenges.LIFECYCLE``; only that module changes it.
    """

    __tablename__ = "challenges"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    requirements: Mapped[str] = mapped_column(Text)  # 榜单要求: indicators the solution must meet
    bounty: Mapped[Decimal] = mapped_column(Money())  # 榜额
    deadline: Mapped[dt.date] = mapped_column(Date)  # last day to apply
    field: Mapped[str | None] = mapped_column(String(40))
    state: Mapped[str] = mapped_column(String(20), index=True)
    origin: Mapped[str] = mapped_column(String(20))  # "manual", "technology_list" or "demand"
    chain_key: Mapped[str | None] = mapped_column(String(60))
    node_key: Mapped[str | None] = mapped_column(String(60))
    recommended_mode: Mapped[str | None] = mapped_column(String(40))
    chain_node_id: Mapped[int | None] = mapped_column(ForeignKey("chain_nodes.id"), index=True)
    demand_id: Mapped[int | None] = mapped_column(ForeignKey("technical_demands.id"), index=True)
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprises.id"), index=True)
    outcome_note: Mapped[str | None] = mapped_column(Text)  # why it was awarded or failed
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    applications: Mapped[list[ChallengeApplication]] = relationship(
        back_populates="challenge", order_by="ChallengeApplication.id"
    )

    __table_args__ = (CheckConstraint("bounty > 0", name="bounty_positive"),)


class ChallengeApplication(Base):
    """A team's application to take up a challenge (揭榜)."""

    __tablename__ = "challenge_applications"

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(
        ForeignKey("challenges.id", ondelete="CASCADE"), index=True
    )
    applicant: Mapped[str] = mapped_column(String(200))  # team or institution
    expert_id: Mapped[int | None] = mapped_column(ForeignKey("experts.id"), index=True)
    result_id: Mapped[int | None] = mapped_column(ForeignKey("research_results.id"), index=True)
    proposal: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20))  # submitted, awarded, not_awarded
    submitted_by: Mapped[str] = mapped_column(String(100))
    submitted_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    challenge: Mapped[Challenge] = relationship(back_populates="applications")
    expert: Mapped[Expert | None] = relationship()
    result: Mapped[ResearchResult | None] = relationship()
    reviews: Mapped[list[ChallengeReview]] = relationship(
        back_populates="application", order_by="ChallengeReview.id"
    )


class ChallengeReview(Base):
    """One reviewer's score (0–100) of one application; a reviewer scores an application once."""

    __tablename__ = "challenge_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("challenge_applications.id", ondelete="CASCADE"), index=True
    )
    reviewer: Mapped[str] = mapped_column(String(100))
    score: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    reviewed_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    application: Mapped[ChallengeApplication] = relationship(back_populates="reviews")

    __table_args__ = (
        UniqueConstraint("application_id", "reviewer"),
        CheckConstraint("score BETWEEN 0 AND 100", name="score_range"),
    )
