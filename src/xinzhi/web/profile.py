"""One enterprise's profile: registry data, data by year, IP, contracts, platforms — each
section with the date its data describes. Read only after ``visible_enterprise_or_404``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy import Engine

from ..store import models
from .auth import Principal
from .scoping import visible_enterprise_or_404
from .templating import zh_label

LIST_LIMIT = 100
YEAR_FIELDS = (
    ("revenue", "销售收入（万元）", "revenue (10k yuan)", True),
    ("total_income", "总收入（万元）", "total income (10k yuan)", True),
    ("hitech_revenue", "高新技术产品（服务）收入（万元）", "high-tech revenue (10k yuan)", True),
    ("rd_expense", "研究开发费用（万元）", "R&D expense (10k yuan)", True),
    ("rd_expense_domestic", "境内研发费用（万元）", "R&D in China (10k yuan)", True),
    ("total_assets", "资产总额（万元）", "total assets (10k yuan)", True),
    ("net_assets", "净资产（万元）", "net assets (10k yuan)", True),
    ("profit", "利润（万元）", "profit (10k yuan)", True),
    ("exports", "出口额（万元）", "exports (10k yuan)", True),
    ("employees", "职工总数", "employees", False),
    ("tech_staff", "科技人员", "S&T staff", False),
)
WAN = Decimal(10_000)


@dataclass
class Profile:
    enterprise: sa.Row
    district: str
    park: str | None
    years: list[dict]
    ip_counts: list[tuple[str, str, int, int]]  # kind zh, kind, items, granted
    ip_items: list
    ip_total: int
    ip_as_of: dt.date | None
    contracts: list
    contract_totals: dict
    contracts_as_of: dt.date | None
    platforms: list
    platforms_as_of: dt.date | None


# The sections of a profile, built once with the enterprise id as a parameter: building a
# statement costs more than running it here. They read one enterprise only, and run after
# ``visible_enterprise_or_404`` has checked that the principal may see that enterprise.
_ID = sa.bindparam("enterprise_id", type_=sa.Integer)
_Y, _IP, _C, _P = models.EnterpriseYear, models.IPRight, models.TechContract, models.Platform
_PLACE = (
    sa.select(models.District.name, models.Park.name)
    .select_from(
        models.Enterprise.__table__.join(
            models.District, models.District.id == models.Enterprise.district_id
        ).outerjoin(models.Park, models.Park.id == models.Enterprise.park_id)
    )
    .where(models.Enterprise.id == _ID)
)
_YEARS = sa.select(_Y.__table__).where(_Y.enterprise_id == _ID).order_by(_Y.year.desc())
_IP_COUNTS = (
    sa.select(_IP.kind, sa.func.count(), sa.func.count(_IP.granted_on), sa.func.max(_IP.as_of))
    .where(_IP.enterprise_id == _ID)
    .group_by(_IP.kind)
    .order_by(_IP.kind)
)
_IP_LATEST = (
    sa.select(_IP.kind, _IP.number, _IP.title, _IP.applied_on, _IP.granted_on, _IP.acquisition)
    .where(_IP.enterprise_id == _ID)
    .order_by(_IP.applied_on.desc().nulls_last(), _IP.id.desc())
    .limit(LIST_LIMIT)
)
# a contract is the enterprise's when it is a party to it
_PARTY = sa.or_(_C.seller_enterprise_id == _ID, _C.buyer_enterprise_id == _ID)
_AS_SELLER = _C.seller_enterprise_id == _ID
_CONTRACTS = (
    sa.select(
        _C.registration_no,
        _C.contract_type,
        _C.seller_name,
        _C.buyer_name,
        _C.contract_amount,
        _C.tech_amount,
        _C.signed_on,
        _C.registered_on,
        _AS_SELLER.label("as_seller"),
    )
    .where(_PARTY)
    .order_by(_C.registered_on.desc(), _C.id.desc())
    .limit(LIST_LIMIT)
)
_CONTRACT_TOTALS = sa.select(
    sa.func.count(),
    sa.func.sum(sa.case((_AS_SELLER, 1), else_=0)),
    sa.func.sum(sa.case((_AS_SELLER, sa.type_coerce(_C.contract_amount, sa.BigInteger)), else_=0)),
    sa.func.max(_C.registered_on),
).where(_PARTY)
_PLATFORMS = (
    sa.select(_P.name, _P.kind, _P.level, _P.approved_on, _P.as_of)
    .where(_P.enterprise_id == _ID)
    .order_by(_P.approved_on.desc().nulls_last())
)


def load_profile(engine: Engine, principal: Principal, enterprise_id: int) -> Profile:
    arguments = {"enterprise_id": enterprise_id}
    with engine.connect() as conn:
        enterprise = visible_enterprise_or_404(conn, principal, enterprise_id)
        district, park = conn.execute(_PLACE, arguments).one()
        years = [_year_row(row) for row in conn.execute(_YEARS, arguments)]
        ip_counts, ip_total, ip_as_of = [], 0, None
        for kind, count, granted, as_of in conn.execute(_IP_COUNTS, arguments):
            ip_counts.append((zh_label("ip", kind), kind, count, granted))
            ip_total += count
            ip_as_of = max(filter(None, (ip_as_of, as_of)), default=None)
        ip_items = conn.execute(_IP_LATEST, arguments).all()
        contracts = conn.execute(_CONTRACTS, arguments).all()
        totals = conn.execute(_CONTRACT_TOTALS, arguments).one()
        platforms = conn.execute(_PLATFORMS, arguments).all()
    return Profile(
        enterprise=enterprise,
        district=district,
        park=park,
        years=years,
        ip_counts=ip_counts,
        ip_items=ip_items,
        ip_total=ip_total,
        ip_as_of=ip_as_of,
        contracts=contracts,
        contract_totals={
            "count": totals[0],
            "as_seller": totals[1] or 0,
            "seller_amount_yuan": Decimal(totals[2] or 0) / 100,
        },
        contracts_as_of=totals[3],
        platforms=[
            (row.name, zh_label("platform", row.kind), row.kind, row.level, row.approved_on)
            for row in platforms
        ],
        platforms_as_of=max((row.as_of for row in platforms), default=None),
    )


def _year_row(row: sa.Row) -> dict:
    out = {"year": row.year, "as_of": row.as_of, "source": row.source}
    for name, _zh, _en, money in YEAR_FIELDS:
        value = getattr(row, name)
        if value is None:
            out[name] = None
        elif money:
            out[name] = (value / WAN).quantize(Decimal("0.01"))
        else:  # staff counts (yearly averages): 120, or 12.25 when fractional
            out[name] = int(value) if value == value.to_integral_value() else value
    if row.rd_expense is not None and row.revenue:
        out["rd_share"] = (row.rd_expense * 100 / row.revenue).quantize(Decimal("0.01"))
    else:
        out["rd_share"] = None  # unknown, not zero
    return out
