"""Tables of the chains area: industry-chain maps, versioned.

``chains`` holds one row per chain and the number of its current version. Every import or
edit adds a ``chain_versions`` row with the whole map as JSON (old versions are kept and can
be exported again) and rewrites the current map in ``chain_nodes``, ``chain_edges``,
``chain_technologies`` and ``chain_enterprise_links``. A node keeps its id from version to
version as long as its key is unchanged, so other tables (technical demands) can refer to
it; a node dropped from the map is deleted.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from ..types import ScaledDecimal
from .base import Base, utcnow
from .registry import Provenance


class Chain(Base):
    __tablename__ = "chains"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)  # short slug, e.g. "robot"
    name: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str | None] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer)  # the current version
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class ChainVersion(Provenance, Base):
    """One version of a chain map, kept whole: who made it, from what, and the map itself."""

    __tablename__ = "chain_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    chain_id: Mapped[int] = mapped_column(ForeignKey("chains.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    actor: Mapped[str] = mapped_column(String(100))
    note: Mapped[str | None] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))  # of the canonical content
    node_count: Mapped[int] = mapped_column(Integer)
    edge_count: Mapped[int] = mapped_column(Integer)
    content: Mapped[dict] = mapped_column(JSON)

    __table_args__ = (UniqueConstraint("chain_id", "version"),)


class ChainNode(Base):
    __tablename__ = "chain_nodes"

    id: Mapped[int] = mapped_column(primary_key=True)
    chain_id: Mapped[int] = mapped_column(ForeignKey("chains.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(60))  # unique within the chain
    name: Mapped[str] = mapped_column(String(100), index=True)
    name_en: Mapped[str | None] = mapped_column(String(200))
    segment: Mapped[str] = mapped_column(String(10))  # 上游 / 中游 / 下游
    kind: Mapped[str] = mapped_column(String(20))  # material/component/equipment/software/product
    problem_class: Mapped[str] = mapped_column(String(10))  # 整机 / 零部件 / 元器件 / 材料 / 软件
    domestic_status: Mapped[str | None] = mapped_column(String(20))
    import_dependence: Mapped[Decimal | None] = mapped_column(ScaledDecimal(4))  # 0–1
    foreign_suppliers: Mapped[list] = mapped_column(JSON)
    domestic_suppliers: Mapped[list] = mapped_column(JSON)
    keywords: Mapped[list] = mapped_column(JSON)
    industry_codes: Mapped[list] = mapped_column(JSON)
    platforms: Mapped[list] = mapped_column(JSON)
    illustrative: Mapped[bool] = mapped_column(Boolean)
    source: Mapped[str | None] = mapped_column(String(500))
    note: Mapped[str | None] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer)  # order in the file

    __table_args__ = (
        UniqueConstraint("chain_id", "key"),
        CheckConstraint("import_dependence BETWEEN 0 AND 10000", name="import_dependence_share"),
    )


class ChainEdge(Base):
    """``source_node`` is an input to ``target_node``."""

    __tablename__ = "chain_edges"

    id: Mapped[int] = mapped_column(primary_key=True)
    chain_id: Mapped[int] = mapped_column(ForeignKey("chains.id", ondelete="CASCADE"), index=True)
    source_node_id: Mapped[int] = mapped_column(ForeignKey("chain_nodes.id", ondelete="CASCADE"))
    target_node_id: Mapped[int] = mapped_column(
        ForeignKey("chain_nodes.id", ondelete="CASCADE"), index=True
    )

    __table_args__ = (UniqueConstraint("source_node_id", "target_node_id"),)


class ChainTechnology(Base):
    __tablename__ = "chain_technologies"

    id: Mapped[int] = mapped_column(primary_key=True)
    node_id: Mapped[int] = mapped_column(ForeignKey("chain_nodes.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200), index=True)
    name_en: Mapped[str | None] = mapped_column(String(300))
    control: Mapped[Decimal | None] = mapped_column(ScaledDecimal(4))  # 0 own … 1 controlled
    maturity: Mapped[int | None] = mapped_column(Integer)  # TRL 1–9
    illustrative: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        UniqueConstraint("node_id", "name"),
        CheckConstraint("maturity BETWEEN 1 AND 9", name="maturity_trl"),
    )


class ChainEnterpriseLink(Base):
    """A local enterprise named at a node, with the capability a bureau assessed."""

    __tablename__ = "chain_enterprise_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    node_id: Mapped[int] = mapped_column(
        ForeignKey("chain_nodes.id", ondelete="CASCADE"), index=True
    )
    enterprise_id: Mapped[int | None] = mapped_column(
        ForeignKey("enterprises.id", ondelete="SET NULL"), index=True
    )
    credit_code: Mapped[str | None] = mapped_column(String(18))
    enterprise_name: Mapped[str] = mapped_column(String(200))
    capability: Mapped[int | None] = mapped_column(Integer)  # 1 basic … 4 leading
    role: Mapped[str | None] = mapped_column(String(40))
    illustrative: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (CheckConstraint("capability BETWEEN 1 AND 4", name="capability_level"),)
