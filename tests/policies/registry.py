"""A small registry for policy runs: the rule tests' firms plus technology contracts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from xinzhi.store.db import session_scope
from xinzhi.store.models import Enterprise, ImportBatch, TechContract

from ..assessments.firms import ALL_LISTS, AS_OF, registry

YEARS = (2021, 2022, 2023)
# RULES.md §2.5 T1, a tech SME that passes: 80 staff, 20 S&T, R&D 150 / sales 3,000 万元.
T1 = {
    "employees": 80,
    "tech_staff": 20,
    "revenue": 3000,
    "rd_expense": 150,
    "cost_expense_total": 2400,
    "total_assets": 5000,
}


def sme(name: str, rd_2023: float) -> dict:
    years = {year: dict(T1) for year in YEARS}
    years[2023]["rd_expense"] = rd_2023
    return {
        "name": name,
        "tax_collection": "audit",
        "industry_code": "I6510",
        "ip": [("utility_model", "own")] * 2,
        "years": years,
    }


FIRMS = [
    {"name": "合同大户", "contracts": [4000, 2000]},
    {"name": "合同小户", "contracts": [5000]},
    {"name": "广州合同户", "district": "440112", "contracts": [9000]},
    {"name": "中试基地", "platforms": [("pilot_base", "provincial", dt.date(2021, 6, 1))]},
    sme("算力券企业", 180),  # R&D +20 %: subsidy 3万元 < voucher 10万元
    sme("研发补助企业", 300),  # R&D +100 %: subsidy 15万元 > voucher 10万元
]


def build(engine) -> dict[str, str]:
    """Write the firms; returns firm name → credit code."""
    codes = registry(
        engine, [{k: v for k, v in f.items() if k != "contracts"} for f in FIRMS], lists=ALL_LISTS
    )
    now = dt.datetime(2024, 1, 1)
    with session_scope(engine) as s:
        names = {
            e.credit_code: e.name
            for e in s.query(Enterprise).filter(Enterprise.credit_code.in_(codes))
        }
        batch = ImportBatch(
            kind="tech_contracts",
            source="test",
            actor="test",
            started_at=now,
            finished_at=now,
            as_of=AS_OF,
            rows_total=0,
            rows_inserted=0,
            rows_updated=0,
            rows_unchanged=0,
        )
        s.add(batch)
        s.flush()
        by_name = {name: code for code, name in names.items()}
        serial = 0
        for firm in FIRMS:
            code = by_name[firm["name"]]
            for amount in firm.get("contracts", []):
                serial += 1
                yuan = Decimal(amount) * 10_000  # Money() takes yuan, stores whole fen
                s.add(
                    TechContract(
                        registration_no=f"2023210100{serial:06d}",
                        contract_type="development",
                        seller_code=code,
                        seller_name=firm["name"],
                        seller_enterprise_id=codes[code],
                        buyer_name="外地买方",
                        contract_amount=yuan,
                        tech_amount=yuan,
                        signed_on=dt.date(2023, 3, 1),
                        registered_on=dt.date(2023, 4, 1),
                        source="test",
                        as_of=AS_OF,
                        import_batch_id=batch.id,
                    )
                )
    return by_name
