"""Build small registries for rule tests: one call per firm, amounts in 万元 as in RULES.md.

A firm is a dict: ``name``, ``founded_on``, ``district`` (a code of ``DISTRICTS``, default
和平区 210102), enterprise fields, ``years`` ({year: {field: value}}), ``ip`` and the lists
an assessment reads — ``incidents``, ``standards``, ``awards``, ``platforms``, ``rounds`` —
see ``registry``. A list any firm uses counts as imported (so a firm without rows in it has
none); ``lists`` adds lists imported empty.
"""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from pathlib import Path

from xinzhi.domain.credit_code import make_credit_code
from xinzhi.store.db import make_engine, session_scope
from xinzhi.store.models import (
    Award,
    District,
    Enterprise,
    EnterpriseYear,
    FinancingRound,
    ImportBatch,
    Incident,
    IPRight,
    Platform,
    Standard,
)
from xinzhi.store.schema import upgrade

_serial = itertools.count(1)
AS_OF = dt.date(2023, 12, 31)

# code: (name, city, province)
DISTRICTS = {
    "210102": ("和平区", "沈阳市", "辽宁省"),
    "210106": ("铁西区", "沈阳市", "辽宁省"),
    "440112": ("黄埔区", "广州市", "广东省"),
    "440305": ("南山区", "深圳市", "广东省"),
}
# firm key: the import kind of its list
LISTS = {
    "ip": "ip_rights",
    "incidents": "incidents",
    "standards": "standards",
    "awards": "awards",
    "platforms": "platforms",
    "rounds": "financing_rounds",
}
COUNTS = ("employees", "tech_staff", "conversions")
HEADCOUNTS = ("employees", "tech_staff")
# Every list a test registry may import: the same set keeps one compiled population SQL per date.
ALL_LISTS = tuple(LISTS.values())


def _provenance(batch_id: int) -> dict:
    return {"source": "test", "as_of": AS_OF, "import_batch_id": batch_id}


def _wan(value) -> Decimal | None:
    return None if value is None else Decimal(str(value)) * 10_000


def database(folder: Path):
    """A migrated SQLite store in ``folder`` (for module-scoped registries)."""
    engine = make_engine(f"sqlite:///{folder / 'xinzhi.db'}")
    upgrade(engine)
    return engine


def registered(folder: Path, firms: list[dict]):
    """A migrated SQLite store in ``folder`` holding ``firms``, with every list imported."""
    engine = database(folder)
    registry(engine, firms, lists=ALL_LISTS)
    return engine


def registry(
    engine, firms: list[dict], *, lists: tuple[str, ...] = ("ip_rights",)
) -> dict[str, int]:
    """Write ``firms`` and mark ``lists`` as imported; returns credit code → enterprise id.

    List rows per firm (dates as ``datetime.date``, money in 万元):
    ``ip`` [(kind, acquisition[, applied_on[, granted_on[, lapsed_on]]])] (filed 2019-01-01,
    granted 2020-01-01 unless given), ``incidents`` [(occurred_on, kind[, removed_on])], ``standards``
    [(level, role, published_on)], ``awards`` [(level, rank, year)], ``platforms``
    [(kind, level, approved_on)], ``rounds`` [(closed_on, amount)].
    """
    now = dt.datetime(2024, 1, 1)
    used = {LISTS[key] for firm in firms for key in LISTS if firm.get(key)}
    kinds = [
        "districts",
        "enterprises",
        "enterprise_years",
        *dict.fromkeys([*lists, *sorted(used)]),
    ]
    ids = {}
    with session_scope(engine) as s:
        batches = {}
        for kind in kinds:
            batch = ImportBatch(
                kind=kind,
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
            batches[kind] = batch.id
        districts = {}
        for code in dict.fromkeys([f.get("district", "210102") for f in firms] or ["210102"]):
            name, city, province = DISTRICTS[code]
            district = District(
                code=code,
                name=name,
                city=city,
                province=province,
                kind="district",
                **_provenance(batches["districts"]),
            )
            s.add(district)
            s.flush()
            districts[code] = district.id
        for firm in firms:
            n = next(_serial)
            region = firm.get("district", "210102")
            code = firm.get("code") or make_credit_code("9", "1", region, f"T{n:07d}")
            e = Enterprise(
                credit_code=code,
                name=firm.get("name", f"测试企业{n}"),
                district_id=districts[region],
                founded_on=firm.get("founded_on", dt.date(2015, 1, 1)),
                hnte_field=firm.get("hnte_field"),
                tax_collection=firm.get("tax_collection"),
                industry_code=firm.get("industry_code", "C3311"),
                listed=firm.get("listed", False),
                valuation=_wan(firm.get("valuation")),
                hnte_certified_on=firm.get("hnte_certified_on"),
                **_provenance(batches["enterprises"]),
            )
            s.add(e)
            s.flush()
            ids[code] = e.id
            for year, values in firm.get("years", {}).items():
                money = {k: _wan(v) for k, v in values.items() if k not in COUNTS and v is not None}
                # Staff counts are exact decimals (persons, two places); conversions whole.
                counts = {
                    k: Decimal(str(v)) if k in HEADCOUNTS and v is not None else v
                    for k, v in values.items()
                    if k in COUNTS
                }
                s.add(
                    EnterpriseYear(
                        enterprise_id=e.id,
                        year=year,
                        **money,
                        **counts,
                        **_provenance(batches["enterprise_years"]),
                    )
                )
            for i, (kind, acquisition, *dates) in enumerate(firm.get("ip", [])):
                applied_on, granted_on, lapsed_on = (
                    *dates,
                    *(dt.date(2019, 1, 1), dt.date(2020, 1, 1), None)[len(dates) :],
                )
                s.add(
                    IPRight(
                        enterprise_id=e.id,
                        kind=kind,
                        number=f"{code}-{i}",
                        applied_on=applied_on,
                        granted_on=granted_on,
                        lapsed_on=lapsed_on,
                        acquisition=acquisition,
                        **_provenance(batches["ip_rights"]),
                    )
                )
            _lists(s, e.id, code, firm, batches)
    return ids


def _lists(s, enterprise_id: int, code: str, firm: dict, batches: dict[str, int]) -> None:
    for occurred_on, kind, *removed_on in firm.get("incidents", []):
        s.add(
            Incident(
                enterprise_id=enterprise_id,
                occurred_on=occurred_on,
                kind=kind,
                removed_on=removed_on[0] if removed_on else None,
                **_provenance(batches["incidents"]),
            )
        )
    for i, (level, role, published_on) in enumerate(firm.get("standards", [])):
        s.add(
            Standard(
                enterprise_id=enterprise_id,
                number=f"GB/T {code[-6:]}.{i}",
                name="测试标准",
                level=level,
                role=role,
                published_on=published_on,
                **_provenance(batches["standards"]),
            )
        )
    for i, (level, rank, year) in enumerate(firm.get("awards", [])):
        s.add(
            Award(
                enterprise_id=enterprise_id,
                name=f"科学技术进步奖{i}",
                level=level,
                rank=rank,
                year=year,
                **_provenance(batches["awards"]),
            )
        )
    for i, (kind, level, approved_on) in enumerate(firm.get("platforms", [])):
        s.add(
            Platform(
                name=f"{code}平台{i}",
                kind=kind,
                level=level,
                enterprise_id=enterprise_id,
                host_name=firm.get("name", code),
                approved_on=approved_on,
                **_provenance(batches["platforms"]),
            )
        )
    for i, (closed_on, amount) in enumerate(firm.get("rounds", [])):
        s.add(
            FinancingRound(
                enterprise_id=enterprise_id,
                closed_on=closed_on,
                round=f"第{i + 1}轮",
                amount=_wan(amount),
                **_provenance(batches["financing_rounds"]),
            )
        )


def rows_by_name(table) -> dict[str, dict]:
    """A result table (``RunResult.detail[...]``) as firm name → row."""
    return {row["name"]: row for row in table.to_pylist()}
