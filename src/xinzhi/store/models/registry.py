"""The registry's tables.

Every registry record carries its provenance (``Provenance``): where it came from, when it
was imported and the date the data describes, so that every page and export can show how
fresh it is. Money is exact (see ``types.ScaledDecimal``); a missing figure is NULL —
unknown — never zero.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import (
    JSON,
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
)
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from ..types import Headcount, Money, Quantity
from .base import Base, utcnow


class ImportBatch(Base):
    """One committed import: a file (or API call, or generator run) and what it changed."""

    __tablename__ = "import_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    source: Mapped[str] = mapped_column(String(500))  # file name, "api:<user>" or "demo:…"
    sha256: Mapped[str | None] = mapped_column(String(64))
    actor: Mapped[str] = mapped_column(String(100))
    started_at: Mapped[dt.datetime] = mapped_column(DateTime)
    finished_at: Mapped[dt.datetime] = mapped_column(DateTime)
    as_of: Mapped[dt.date | None] = mapped_column(Date)
    rows_total: Mapped[int] = mapped_column(Integer)
    rows_inserted: Mapped[int] = mapped_column(Integer)
    rows_updated: Mapped[int] = mapped_column(Integer)
    rows_unchanged: Mapped[int] = mapped_column(Integer)


class Provenance:
    """Where a record came from and what date it describes."""

    source: Mapped[str] = mapped_column(String(500))  # file name, "api:<user>", "demo:seed=…"
    source_row: Mapped[int | None] = mapped_column(Integer)  # spreadsheet row, 1-based
    imported_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    as_of: Mapped[dt.date] = mapped_column(Date)  # the date the data describes

    @declared_attr
    def import_batch_id(cls) -> Mapped[int | None]:
        return mapped_column(ForeignKey("import_batches.id"), index=True)


class District(Provenance, Base):
    """A district or county of the city (GB/T 2260 code)."""

    __tablename__ = "districts"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(6), unique=True)
    name: Mapped[str] = mapped_column(String(50))
    city: Mapped[str] = mapped_column(String(50))
    province: Mapped[str] = mapped_column(String(50))
    kind: Mapped[str] = mapped_column(String(20))

    __table_args__ = (UniqueConstraint("city", "name"),)


class Park(Provenance, Base):
    """A park or development zone (高新区, 经开区, 产业园) inside a district."""

    __tablename__ = "parks"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id"), index=True)
    level: Mapped[str] = mapped_column(String(20))

    district: Mapped[District] = relationship()


class Enterprise(Provenance, Base):
    """A registered enterprise, keyed by its 统一社会信用代码."""

    __tablename__ = "enterprises"

    id: Mapped[int] = mapped_column(primary_key=True)
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id"), index=True)
    park_id: Mapped[int | None] = mapped_column(ForeignKey("parks.id"), index=True)
    founded_on: Mapped[dt.date] = mapped_column(Date)
    industry_code: Mapped[str | None] = mapped_column(String(5))  # GB/T 4754-2017, e.g. C3831
    sei_category: Mapped[str | None] = mapped_column(String(2))  # 战略性新兴产业分类 2018, 1–9
    listed: Mapped[bool | None] = mapped_column(Boolean)
    valuation: Mapped[Decimal | None] = mapped_column(Money())  # latest post-money, CNY
    valuation_on: Mapped[dt.date | None] = mapped_column(Date)
    hnte_certificate_no: Mapped[str | None] = mapped_column(String(40))
    hnte_certified_on: Mapped[dt.date | None] = mapped_column(Date)
    hnte_field: Mapped[str | None] = mapped_column(String(2))  # domain.enums.HnteField, "1"–"8"
    tax_collection: Mapped[str | None] = mapped_column(String(10))  # TaxCollection
    business_scope: Mapped[str | None] = mapped_column(Text)  # 经营范围 (tracks evidence)
    main_products: Mapped[str | None] = mapped_column(String(500))  # 主要产品 (tracks evidence)

    district: Mapped[District] = relationship()
    park: Mapped[Park | None] = relationship()
    years: Mapped[list[EnterpriseYear]] = relationship(
        back_populates="enterprise", order_by="EnterpriseYear.year"
    )


class EnterpriseYear(Provenance, Base):
    """One accounting year of an enterprise: financials, staff, R&D (all in CNY yuan)."""

    __tablename__ = "enterprise_years"

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id", ondelete="CASCADE"))
    year: Mapped[int] = mapped_column(Integer)
    revenue: Mapped[Decimal | None] = mapped_column(Money())  # 销售收入
    total_income: Mapped[Decimal | None] = mapped_column(Money())  # 总收入
    hitech_revenue: Mapped[Decimal | None] = mapped_column(Money())  # 高新技术产品（服务）收入
    total_assets: Mapped[Decimal | None] = mapped_column(Money())
    net_assets: Mapped[Decimal | None] = mapped_column(Money())  # may be negative
    # 职工总数 and 科技人员: yearly averages, persons exact to 0.01 (stored in hundredths)
    employees: Mapped[Decimal | None] = mapped_column(Headcount())
    tech_staff: Mapped[Decimal | None] = mapped_column(Headcount())
    rd_expense: Mapped[Decimal | None] = mapped_column(Money())  # 研究开发费用
    rd_expense_domestic: Mapped[Decimal | None] = mapped_column(Money())  # 境内研发费用
    exports: Mapped[Decimal | None] = mapped_column(Money())
    profit: Mapped[Decimal | None] = mapped_column(Money())  # may be negative
    cost_expense_total: Mapped[Decimal | None] = mapped_column(Money())  # 成本费用支出总额
    conversions: Mapped[int | None] = mapped_column(Integer)  # 科技成果转化 in the year

    enterprise: Mapped[Enterprise] = relationship(back_populates="years")

    __table_args__ = (
        UniqueConstraint("enterprise_id", "year"),
        CheckConstraint("tech_staff <= employees", name="tech_staff_within_employees"),
        CheckConstraint("rd_expense_domestic <= rd_expense", name="domestic_rd_within_rd"),
        CheckConstraint("conversions >= 0", name="conversions_not_negative"),
    )


class IPRight(Provenance, Base):
    """A patent, software copyright or other IP right, owned by one enterprise.

    (kind, number) is the natural key: an item with several owners may count for only one
    of them (RULES.md §1.3).
    """

    __tablename__ = "ip_rights"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    number: Mapped[str] = mapped_column(String(60))
    title: Mapped[str | None] = mapped_column(String(300))
    enterprise_id: Mapped[int] = mapped_column(
        ForeignKey("enterprises.id", ondelete="CASCADE"), index=True
    )
    applied_on: Mapped[dt.date | None] = mapped_column(Date)
    granted_on: Mapped[dt.date | None] = mapped_column(Date)
    acquisition: Mapped[str] = mapped_column(String(20))
    ipc: Mapped[str | None] = mapped_column(String(500))  # IPC symbols, ";"-separated (tracks)
    # The HNTE application this item was already used in: a Class II item counts only once
    # (RULES.md §1.3); NULL means not used, or not known to have been.
    hnte_used_on: Mapped[dt.date | None] = mapped_column(Date)
    # 终止日期: the right lapsed (unpaid fee, surrender, invalidation) before its term ended;
    # NULL means not known to have lapsed. The term itself follows from kind and applied_on.
    lapsed_on: Mapped[dt.date | None] = mapped_column(Date)

    __table_args__ = (UniqueConstraint("kind", "number"),)


class TechContract(Provenance, Base):
    """A registered technology contract (技术合同认定登记)."""

    __tablename__ = "tech_contracts"

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_no: Mapped[str] = mapped_column(String(40), unique=True)
    contract_type: Mapped[str] = mapped_column(String(20))
    seller_code: Mapped[str | None] = mapped_column(String(18))
    seller_name: Mapped[str] = mapped_column(String(200))
    seller_enterprise_id: Mapped[int | None] = mapped_column(
        ForeignKey("enterprises.id"), index=True
    )
    buyer_code: Mapped[str | None] = mapped_column(String(18))
    buyer_name: Mapped[str] = mapped_column(String(200))
    buyer_enterprise_id: Mapped[int | None] = mapped_column(
        ForeignKey("enterprises.id"), index=True
    )
    contract_amount: Mapped[Decimal] = mapped_column(Money())  # 合同成交额
    tech_amount: Mapped[Decimal] = mapped_column(Money())  # 技术交易额
    signed_on: Mapped[dt.date] = mapped_column(Date)
    registered_on: Mapped[dt.date] = mapped_column(Date, index=True)

    __table_args__ = (
        CheckConstraint("tech_amount <= contract_amount", name="tech_within_contract"),
    )


class Platform(Provenance, Base):
    """An innovation platform: laboratory, technology centre, pilot base (中试基地) …"""

    __tablename__ = "platforms"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(30))
    level: Mapped[str] = mapped_column(String(20))
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprises.id"), index=True)
    host_name: Mapped[str] = mapped_column(String(200))
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id"), index=True)
    approved_on: Mapped[dt.date | None] = mapped_column(Date)


def _enterprise_id() -> Mapped[int]:
    return mapped_column(ForeignKey("enterprises.id", ondelete="CASCADE"), index=True)


class Incident(Provenance, Base):
    """A serious incident or listing that bars an assessment (domain.enums.IncidentKind).

    Once the ``incidents`` list has been imported, an enterprise without rows had none.
    """

    __tablename__ = "incidents"

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = _enterprise_id()
    occurred_on: Mapped[dt.date] = mapped_column(Date)  # or the date of the listing
    kind: Mapped[str] = mapped_column(String(30))
    description: Mapped[str | None] = mapped_column(Text)
    # 移出日期: the day a listing (经营异常名录, 严重违法失信名单) was lifted; NULL: not known to be.
    removed_on: Mapped[dt.date | None] = mapped_column(Date)

    __table_args__ = (UniqueConstraint("enterprise_id", "occurred_on", "kind"),)


class Standard(Provenance, Base):
    """A standard the enterprise led or took part in drafting (StandardLevel, StandardRole)."""

    __tablename__ = "standards"

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = _enterprise_id()
    number: Mapped[str] = mapped_column(String(60))  # e.g. "GB/T 12345-2023"
    name: Mapped[str] = mapped_column(String(300))
    level: Mapped[str] = mapped_column(String(20))
    role: Mapped[str] = mapped_column(String(20))
    published_on: Mapped[dt.date] = mapped_column(Date)

    __table_args__ = (UniqueConstraint("enterprise_id", "number"),)


class Award(Provenance, Base):
    """A science and technology award won by the enterprise (AwardLevel)."""

    __tablename__ = "awards"

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = _enterprise_id()
    name: Mapped[str] = mapped_column(String(200))  # e.g. 国家科学技术进步奖二等奖
    level: Mapped[str] = mapped_column(String(20))
    rank: Mapped[int] = mapped_column(Integer)  # the firm's place among the winning units
    year: Mapped[int] = mapped_column(Integer)

    __table_args__ = (
        UniqueConstraint("enterprise_id", "name", "year"),
        CheckConstraint("rank >= 1", name="rank_positive"),
    )


class FinancingRound(Provenance, Base):
    """An equity financing round, amounts in CNY (converted before import)."""

    __tablename__ = "financing_rounds"

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = _enterprise_id()
    closed_on: Mapped[dt.date] = mapped_column(Date)
    round: Mapped[str] = mapped_column(String(30))  # 天使, Pre-A, A, B+, Pre-IPO, 战略投资 …
    amount: Mapped[Decimal] = mapped_column(Money())
    investor: Mapped[str | None] = mapped_column(String(500))
    post_money_valuation: Mapped[Decimal | None] = mapped_column(Money())

    __table_args__ = (
        UniqueConstraint("enterprise_id", "closed_on", "round"),
        CheckConstraint("amount <= post_money_valuation", name="amount_within_valuation"),
    )


class InnovationReview(Provenance, Base):
    """Scores of the expert-judged HNTE innovation items for one application year.

    技术的先进程度 and 对主要产品核心支持作用 (RULES.md §1.4.1 items 1–2, 0–8 each) and
    研究开发组织管理水平 (§1.4.3, 0–20), self-assessed or by experts; NULL: not scored.
    """

    __tablename__ = "innovation_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = _enterprise_id()
    year: Mapped[int] = mapped_column(Integer)  # the application year
    # ReviewSource: self or expert ("source" is the provenance column every table has)
    review_source: Mapped[str] = mapped_column(String(10))
    advancement: Mapped[int | None] = mapped_column(Integer)
    core_support: Mapped[int | None] = mapped_column(Integer)
    rd_management: Mapped[int | None] = mapped_column(Integer)
    reviewed_on: Mapped[dt.date] = mapped_column(Date)

    __table_args__ = (
        UniqueConstraint("enterprise_id", "year", "review_source"),
        CheckConstraint("advancement BETWEEN 0 AND 8", name="advancement_range"),
        CheckConstraint("core_support BETWEEN 0 AND 8", name="core_support_range"),
        CheckConstraint("rd_management BETWEEN 0 AND 20", name="rd_management_range"),
    )


class Target(Provenance, Base):
    """An annual target for an indicator, for the city or one district."""

    __tablename__ = "targets"

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator: Mapped[str] = mapped_column(String(100))
    region: Mapped[str] = mapped_column(String(50))
    year: Mapped[int] = mapped_column(Integer)
    value: Mapped[Decimal] = mapped_column(Quantity())
    value_max: Mapped[Decimal | None] = mapped_column(Quantity())  # for ranges like "4-6"
    unit: Mapped[str] = mapped_column(String(20))

    __table_args__ = (UniqueConstraint("indicator", "region", "year"),)


class CreditCodeVerification(Base):
    """An administrator's confirmation that a code failing the GB 32100 checksum was really issued.

    RULES.md §4.6: some genuinely issued codes fail the mod-31 check; they are accepted only
    once verified, and the verification is in the audit log.
    """

    __tablename__ = "credit_code_verifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)
    verified_by: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(Text)
    verified_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class AuditEntry(Base):
    """Every change and every run: who, when, what."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(60))
    subject: Mapped[str | None] = mapped_column(String(200))
    detail: Mapped[dict | None] = mapped_column(JSON)


Index("ix_enterprise_years_year", EnterpriseYear.year)
Index("ix_tech_contracts_type", TechContract.contract_type)
