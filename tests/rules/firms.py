"""Build small registries for rule tests: one call per firm, amounts in 万元 as in RULES.md."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from xinzhi.domain.credit_code import make_credit_code
from xinzhi.store.db import session_scope
from xinzhi.store.models import District, Enterprise, EnterpriseYear, ImportBatch, IPRight

_serial = itertools.count(1)
AS_OF = dt.date(2023, 12, 31)


def _provenance(batch_id: int) -> dict:
    return {"source": "test", "as_of": AS_OF, "import_batch_id": batch_id}


def registry(engine, firms: list[dict], *, lists: tuple[str, ...] = ("ip_rights",)) -> dict[str, int]:
    """Write ``firms`` and mark ``lists`` as imported; returns credit code → enterprise id."""
    now = dt.datetime(2024, 1, 1)
    ids = {}
    with session_scope(engine) as s:
        batches = {}
        for kind in ("districts", "enterprises", "enterprise_years", *lists):
            batch = ImportBatch(kind=kind, source="test", actor="test", started_at=now,
                                finished_at=now, as_of=AS_OF, rows_total=0, rows_inserted=0,
                                rows_updated=0, rows_unchanged=0)  # fmt: skip
            s.add(batch)
            s.flush()
            batches[kind] = batch.id
        district = District(code="210102", name="和平区", city="沈阳市", province="辽宁省", kind="district",
                            **_provenance(batches["districts"]))  # fmt: skip
        s.add(district)
        s.flush()
        for firm in firms:
            n = next(_serial)
            code = firm.get("code") or make_credit_code("9", "1", "210102", f"T{n:07d}")
            e = Enterprise(credit_code=code, name=firm.get("name", f"测试企业{n}"), district_id=district.id,
                           founded_on=firm.get("founded_on", dt.date(2015, 1, 1)),
                           hnte_field=firm.get("hnte_field"), tax_collection=firm.get("tax_collection"),
                           industry_code=firm.get("industry_code", "C3311"), listed=firm.get("listed", False),
                           valuation=firm.get("valuation"),
                           hnte_certified_on=firm.get("hnte_certified_on"),
                           **_provenance(batches["enterprises"]))  # fmt: skip
            s.add(e)
            s.flush()
            ids[code] = e.id
            for year, values in firm.get("years", {}).items():
                money = {k: Decimal(str(v)) * 10_000 for k, v in values.items()
                         if k not in ("employees", "tech_staff", "conversions") and v is not None}
                counts = {k: v for k, v in values.items() if k in ("employees", "tech_staff", "conversions")}
                s.add(EnterpriseYear(enterprise_id=e.id, year=year, **money, **counts,
                                     **_provenance(batches["enterprise_years"])))  # fmt: skip
            for i, (kind, acquisition) in enumerate(firm.get("ip", [])):
                s.add(IPRight(enterprise_id=e.id, kind=kind, number=f"{code}-{i}",
                              applied_on=dt.date(2019, 1, 1), granted_on=dt.date(2020, 1, 1),
                              acquisition=acquisition, **_provenance(batches["ip_rights"])))  # fmt: skip
    return ids
