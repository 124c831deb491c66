"""Tables of the public compute area (算力): centres, pools and their dated capacity, tenants,
usage, reservations, unmet requests, invoices, and the 算力券 voucher ledger.

Times are naive UTC+8 wall-clock datetimes as the centres' accounting exports write them.
Card-hours are exact to 1/10,000 (``Quantity``), money to the fen (``Money``). Usage rows keep
their import batch and file row but not the file name (ten million rows would repeat it);
the batch holds it.

The ledger is append-only: every issue, redemption, expiry and reversal is one entry with a
signed amount; ``ComputeVoucher.balance`` is the running balance that a redemption decrements
with one conditional UPDATE, so two concurrent redemptions cannot both spend the same fen.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from ..types import Money, Quantity
from .base import Base, utcnow
from .registry import Provenance


class ComputeCentre(Provenance, Base):
    """A public compute centre (算力中心), e.g. an AI computing centre or a supercomputer."""

    __tablename__ = "compute_centres"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    city: Mapped[str] = mapped_column(String(50))
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id"), index=True)
    platform_id: Mapped[int | None] = mapped_column(ForeignKey("platforms.id"))
    operator: Mapped[str | None] = mapped_column(String(200))


class ComputePool(Provenance, Base):
    """A resource pool of a centre: one accelerator model (or CPU partition)."""

    __tablename__ = "compute_pools"

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("compute_centres.id"), index=True)
    code: Mapped[str] = mapped_column(String(40))  # the Slurm partition name in sacct exports
    name: Mapped[str] = mapped_column(String(200))
    accelerator: Mapped[str] = mapped_column(String(100))  # e.g. 昇腾910B, A100, CPU
    domestic: Mapped[bool] = mapped_column(Boolean)
    unit: Mapped[str] = mapped_column(String(10), default="card")  # card | core

    __table_args__ = (
        UniqueConstraint("centre_id", "code"),
        CheckConstraint("unit IN ('card', 'core')", name="known_unit"),
    )


class ComputePoolCapacity(Base):
    """A pool's capacity from a date on (expansions and retirements are new rows)."""

    __tablename__ = "compute_pool_capacities"

    id: Mapped[int] = mapped_column(primary_key=True)
    pool_id: Mapped[int] = mapped_column(ForeignKey("compute_pools.id", ondelete="CASCADE"))
    effective_from: Mapped[dt.date] = mapped_column(Date)
    cards: Mapped[int] = mapped_column(Integer)
    fp16_tflops_per_card: Mapped[Decimal] = mapped_column(Quantity())
    fp32_tflops_per_card: Mapped[Decimal | None] = mapped_column(Quantity())
    source: Mapped[str] = mapped_column(String(500))

    __table_args__ = (
        UniqueConstraint("pool_id", "effective_from"),
        CheckConstraint("cards >= 0", name="cards_not_negative"),
        CheckConstraint("fp16_tflops_per_card >= 0", name="fp16_not_negative"),
    )


class ComputeTenant(Provenance, Base):
    """A client account of a centre: an enterprise (by credit code), university, institute …"""

    __tablename__ = "compute_tenants"

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("compute_centres.id"), index=True)
    account: Mapped[str] = mapped_column(String(100))  # the centre's account (sacct Account)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))  # enterprise | university | institute | other
    credit_code: Mapped[str | None] = mapped_column(String(18))
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprises.id"), index=True)
    city: Mapped[str] = mapped_column(String(50))

    __table_args__ = (
        UniqueConstraint("centre_id", "account"),
        CheckConstraint(
            "kind IN ('enterprise', 'university', 'institute', 'other')", name="known_kind"
        ),
    )


class ComputeUsage(Base):
    """One job (or one tenant-day) from a centre's accounting export."""

    __tablename__ = "compute_usage"

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("compute_centres.id"))
    job_id: Mapped[str] = mapped_column(String(60))
    pool_id: Mapped[int] = mapped_column(ForeignKey("compute_pools.id"))
    tenant_id: Mapped[int] = mapped_column(ForeignKey("compute_tenants.id"), index=True)
    started_at: Mapped[dt.datetime] = mapped_column(DateTime)
    ended_at: Mapped[dt.datetime] = mapped_column(DateTime)
    cards: Mapped[int] = mapped_column(Integer)
    card_hours: Mapped[Decimal] = mapped_column(Quantity())
    job_type: Mapped[str] = mapped_column(String(20))  # training | inference | simulation | other
    fee: Mapped[Decimal | None] = mapped_column(Money())
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("compute_invoices.id"), index=True)
    import_batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batches.id"))
    source_row: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (
        UniqueConstraint("centre_id", "job_id"),
        CheckConstraint("ended_at > started_at", name="ends_after_start"),
        CheckConstraint("cards > 0", name="cards_positive"),
        CheckConstraint("card_hours >= 0", name="card_hours_not_negative"),
    )


Index("ix_compute_usage_pool_started", ComputeUsage.pool_id, ComputeUsage.started_at)


class ComputeReservation(Base):
    """A tenant holds N cards of a pool over a period, used or not."""

    __tablename__ = "compute_reservations"

    id: Mapped[int] = mapped_column(primary_key=True)
    pool_id: Mapped[int] = mapped_column(ForeignKey("compute_pools.id"), index=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("compute_tenants.id"))
    cards: Mapped[int] = mapped_column(Integer)
    starts_at: Mapped[dt.datetime] = mapped_column(DateTime)
    ends_at: Mapped[dt.datetime] = mapped_column(DateTime)
    source: Mapped[str] = mapped_column(String(500))

    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("cards > 0", name="cards_positive"),
    )


class ComputeRequest(Base):
    """A request the centre could not serve: who wanted how many cards, when, asked when."""

    __tablename__ = "compute_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    pool_id: Mapped[int] = mapped_column(ForeignKey("compute_pools.id"), index=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("compute_tenants.id"))
    cards: Mapped[int] = mapped_column(Integer)
    wanted_from: Mapped[dt.datetime] = mapped_column(DateTime)
    wanted_to: Mapped[dt.datetime] = mapped_column(DateTime)
    asked_at: Mapped[dt.datetime] = mapped_column(DateTime)
    source: Mapped[str] = mapped_column(String(500))

    __table_args__ = (
        CheckConstraint("wanted_to > wanted_from", name="ends_after_start"),
        CheckConstraint("cards > 0", name="cards_positive"),
    )


class ComputeInvoice(Base):
    """A centre's bill to one tenant for one period: the fee of its usage rows."""

    __tablename__ = "compute_invoices"

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("compute_centres.id"))
    number: Mapped[str] = mapped_column(String(60))
    tenant_id: Mapped[int] = mapped_column(ForeignKey("compute_tenants.id"), index=True)
    period_from: Mapped[dt.date] = mapped_column(Date)
    period_to: Mapped[dt.date] = mapped_column(Date)
    issued_on: Mapped[dt.date] = mapped_column(Date)
    fee: Mapped[Decimal] = mapped_column(Money())

    __table_args__ = (
        UniqueConstraint("centre_id", "number"),
        CheckConstraint("fee >= 0", name="fee_not_negative"),
        CheckConstraint("period_to >= period_from", name="period_ordered"),
    )


class ComputeVoucher(Base):
    """A 算力券 issued to an enterprise by a recorded policy run."""

    __tablename__ = "compute_vouchers"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    policy: Mapped[str] = mapped_column(String(60))
    run_id: Mapped[int | None] = mapped_column(ForeignKey("evaluation_runs.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money())
    balance: Mapped[Decimal] = mapped_column(Money())
    share_percent: Mapped[int] = mapped_column(Integer)  # of an invoice's fee it may pay
    valid_from: Mapped[dt.date] = mapped_column(Date)
    valid_to: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default="active")  # active | expired
    issued_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    __table_args__ = (
        UniqueConstraint("run_id", "enterprise_id", "policy"),
        CheckConstraint("balance >= 0", name="balance_not_negative"),
        CheckConstraint("balance <= amount", name="balance_within_amount"),
        CheckConstraint("share_percent BETWEEN 1 AND 100", name="share_range"),
        CheckConstraint("valid_to >= valid_from", name="validity_ordered"),
        CheckConstraint("status IN ('active', 'expired')", name="known_status"),
    )


class ComputeLedgerEntry(Base):
    """One movement of a voucher: issue (+), redeem (−), expire (−) or reverse (+)."""

    __tablename__ = "compute_ledger"

    id: Mapped[int] = mapped_column(primary_key=True)
    voucher_id: Mapped[int] = mapped_column(ForeignKey("compute_vouchers.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    amount: Mapped[Decimal] = mapped_column(Money())  # signed: what it did to the balance
    balance_after: Mapped[Decimal] = mapped_column(Money())
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("compute_invoices.id"))
    # a redemption stays active until reversed; one active redemption per invoice
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("compute_ledger.id"), unique=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(100))
    note: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        CheckConstraint("kind IN ('issue', 'redeem', 'expire', 'reverse')", name="known_kind"),
    )


Index(
    "uq_compute_ledger_invoice_redeemed",
    ComputeLedgerEntry.invoice_id,
    unique=True,
    sqlite_where=text("kind = 'redeem' AND active"),
    postgresql_where=text("kind = 'redeem' AND active"),
)


class ComputeOperator(Base):
    """The centre a ``centre_operator`` user works for: it sees that centre only."""

    __tablename__ = "compute_operators"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    centre_id: Mapped[int] = mapped_column(ForeignKey("compute_centres.id"))
