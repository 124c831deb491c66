"""The city's headline counts, each with the date its data describes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy import Engine

from ..store import models

YUAN_PER_YI = Decimal(100_000_000)  # 1 亿元


@dataclass(frozen=True)
class Figure:
    key: str
    zh: str
    en: str
    value: int | Decimal
    unit_zh: str
    unit_en: str
    as_of: dt.date | None  # the newest date the counted records describe
    imported_at: dt.datetime | None  # when the newest of them was imported


def _figure(conn, key, zh, en, unit_zh, unit_en, model, value=None, where=()) -> Figure:
    value = value if value is not None else sa.func.count()
    row = conn.execute(
        sa.select(value, sa.func.max(model.as_of), sa.func.max(model.imported_at)).where(*where)
    ).one()
    return Figure(key, zh, en, row[0] or 0, unit_zh, unit_en, row[1], row[2])


def headline(engine: Engine) -> list[Figure]:
    contracts = models.TechContract.__table__
    with engine.connect() as conn:
        figures = [
            _figure(
                conn,
                "enterprises",
                "科技型企业",
                "tech enterprises",
                "家",
                "firms",
                models.Enterprise,
            ),
            _figure(
                conn,
                "hnte_certified",
                "持有高新技术企业证书",
                "holding an HNTE certificate",
                "家",
                "firms",
                models.Enterprise,
                where=(models.Enterprise.hnte_certificate_no.is_not(None),),
            ),
            _figure(
                conn,
                "contracts",
                "登记技术合同",
                "registered technology contracts",
                "项",
                "contracts",
                models.TechContract,
            ),
            _figure(conn, "ip_rights", "知识产权", "IP rights", "件", "items", models.IPRight),
            _figure(
                conn,
                "platforms",
                "创新平台",
                "innovation platforms",
                "个",
                "platforms",
                models.Platform,
            ),
            _figure(
                conn,
                "national_platforms",
                "国家级创新平台",
                "national platforms",
                "个",
                "platforms",
                models.Platform,
                where=(models.Platform.level == "national",),
            ),
        ]
        # sum() of a Money column comes back as Decimal yuan (the column type applies)
        yuan = conn.scalar(sa.select(sa.func.coalesce(sa.func.sum(contracts.c.contract_amount), 0)))
        contracts_figure = figures[2]
        figures.insert(
            3,
            Figure(
                "contract_turnover",
                "技术合同成交额",
                "technology contract turnover",
                (Decimal(yuan) / YUAN_PER_YI).quantize(Decimal("0.01")),
                "亿元",
                "100M yuan",
                contracts_figure.as_of,
                contracts_figure.imported_at,
            ),
        )
    return figures


def enterprises_by_district(engine: Engine) -> list[tuple[str, int]]:
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(models.District.name, sa.func.count(models.Enterprise.id))
            .join(
                models.Enterprise, models.Enterprise.district_id == models.District.id, isouter=True
            )
            .group_by(models.District.id, models.District.name)
            .order_by(sa.func.count(models.Enterprise.id).desc())
        ).all()
    return [(name, count) for name, count in rows]
