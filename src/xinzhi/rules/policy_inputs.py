"""Inputs that policies read besides the assessments' population: technology-contract
turnover, pilot bases, the park, the HNTE certificate date — and, joined in by the run, the
status of each assessment a policy names (``status_<assessment id>``).

Like the population, every input is built set-at-a-time for one evaluation date, and a list
never imported (technology contracts, platforms) leaves its figures unknown, not zero.
"""

from __future__ import annotations

import datetime as dt

import ibis
import ibis.expr.types as ir

from .backends import Store
from .population import CATALOGUE, Input, _dtype, window_year

POLICY_INPUTS: dict[str, Input] = {
    i.name: i
    for i in [
        Input("park_name", "code", "所在园区", "park", "parks.name via enterprises.park_id"),
        Input(
            "hnte_certified_on",
            "date",
            "高新技术企业证书发证日期",
            "HNTE certificate date",
            "enterprises.hnte_certified_on",
        ),
        Input(
            "hnte_certified_year",
            "year",
            "高新技术企业证书发证年度",
            "year of the HNTE certificate",
            "enterprises.hnte_certified_on",
        ),
        Input(
            "hnte_earlier_certificate",
            "bool",
            "此前曾持有高新技术企业证书",
            "held an HNTE certificate before the current one",
            "not in the registry: recorded by a correction (xinzhi policy object)",
        ),
        Input(
            "tech_contract_turnover_y1",
            "fen",
            "作为卖方登记的技术合同成交额（y1）",
            "registered technology-contract turnover as seller (y1)",
            "tech_contracts.contract_amount, seller, registered in y1",
        ),
        Input(
            "tech_contract_amount_y1",
            "fen",
            "作为卖方的技术交易额（y1）",
            "technology transaction amount as seller (y1)",
            "tech_contracts.tech_amount, seller, y1",
        ),
        Input(
            "tech_contracts_y1",
            "count",
            "作为卖方登记的技术合同数（y1）",
            "technology contracts registered as seller (y1)",
            "tech_contracts, seller, y1",
        ),
        Input(
            "tech_contract_bought_y1",
            "fen",
            "作为买方的技术合同成交额（y1）",
            "technology-contract turnover as buyer (y1)",
            "tech_contracts.contract_amount, buyer, y1",
        ),
        Input(
            "pilot_bases_provincial",
            "count",
            "省级以上科技成果转化中试基地数",
            "provincial-or-higher pilot bases (中试基地)",
            "platforms kind pilot_base",
        ),
    ]
}


def input_spec(name: str) -> Input | None:
    """An input of either catalogue, or an assessment status column."""
    if name in CATALOGUE:
        return CATALOGUE[name]
    if name in POLICY_INPUTS:
        return POLICY_INPUTS[name]
    if name.startswith("status_"):
        ident = name.removeprefix("status_")
        return Input(
            name,
            "code",
            f"评价结果：{ident}",
            f"assessment status: {ident}",
            f"this run's assessment {ident} (pass | fail | undetermined)",
        )
    if name.startswith("judged__"):
        ident = name.removeprefix("judged__")
        return Input(
            name,
            "bool",
            f"评审结论：{ident}",
            f"review decision: {ident}",
            "recorded by a correction (xinzhi policy object)",
        )
    return None


def policy_columns(
    store: Store, population: ir.Table, as_of: dt.date, covered: set[str]
) -> ir.Table:
    """``population`` with every column of ``POLICY_INPUTS`` added."""
    y1 = window_year(as_of)
    ent = store.table("enterprises")
    parks = store.table("parks")
    extra = ent.select(
        enterprise_id=ent.id, _park_id=ent.park_id, hnte_certified_on=ent.hnte_certified_on
    )
    if parks is not None:
        names = parks.select(_park_key=parks.id, park_name=parks.name)
        extra = extra.left_join(names, extra._park_id == names._park_key).drop("_park_key")
    else:
        extra = extra.mutate(park_name=ibis.null("string"))
    extra = extra.drop("_park_id").mutate(
        hnte_certified_year=ibis._.hnte_certified_on.year().cast("int64"),
        hnte_earlier_certificate=ibis.null("boolean"),
    )
    frame = population.left_join(extra, "enterprise_id")
    frame = frame.drop(*[c for c in frame.columns if c.endswith("_right")])
    for part in (_contracts(store, y1, covered), _pilot_bases(store, as_of, covered)):
        if part is None:
            continue
        table, columns = part
        frame = frame.left_join(table, "enterprise_id")
        frame = frame.drop(*[c for c in frame.columns if c.endswith("_right")])
        frame = frame.mutate(**{c: frame[c].fill_null(0) for c in columns})  # imported: none is 0
    missing = {
        n: ibis.null(_dtype(i.unit)) for n, i in POLICY_INPUTS.items() if n not in frame.columns
    }
    return frame.mutate(**missing) if missing else frame


def _contracts(store: Store, y1: int, covered: set[str]):
    t = store.table("tech_contracts")
    if t is None or "tech_contracts" not in covered:
        return None
    t = t.filter(t.registered_on.year() == y1)
    sold = t.filter(t.seller_enterprise_id.notnull())
    sold = sold.group_by(enterprise_id=sold.seller_enterprise_id).aggregate(
        tech_contract_turnover_y1=sold.contract_amount.cast("int64").sum(),
        tech_contract_amount_y1=sold.tech_amount.cast("int64").sum(),
        tech_contracts_y1=sold.count().cast("int64"),
    )
    bought = t.filter(t.buyer_enterprise_id.notnull())
    bought = bought.group_by(enterprise_id=bought.buyer_enterprise_id).aggregate(
        tech_contract_bought_y1=bought.contract_amount.cast("int64").sum()
    )
    table = sold.outer_join(bought, "enterprise_id")
    table = table.mutate(
        enterprise_id=ibis.coalesce(table.enterprise_id, table.enterprise_id_right)
    )
    table = table.drop("enterprise_id_right")
    return table, [
        "tech_contract_turnover_y1",
        "tech_contract_amount_y1",
        "tech_contracts_y1",
        "tech_contract_bought_y1",
    ]


def _pilot_bases(store: Store, as_of: dt.date, covered: set[str]):
    p = store.table("platforms")
    if p is None or "platforms" not in covered:
        return None
    p = p.filter(
        p.enterprise_id.notnull()
        & (p.kind == "pilot_base")
        & p.level.isin(["national", "provincial"])
        & (p.approved_on.isnull() | (p.approved_on <= ibis.literal(as_of)))
    )
    table = p.group_by(enterprise_id=p.enterprise_id).aggregate(
        pilot_bases_provincial=p.count().cast("int64")
    )
    return table, ["pilot_bases_provincial"]


def input_table_schema(assessments: list[str]) -> dict[str, str]:
    """The columns a policy frame has: for compiling without data and for YAML tests."""
    schema = {
        "enterprise_id": "int64",
        "credit_code": "string",
        "name": "string",
        "district_id": "int64",
    }
    for name, spec in {**CATALOGUE, **POLICY_INPUTS}.items():
        schema[name] = _dtype(spec.unit)
    for ident in assessments:
        schema[f"status_{ident}"] = "string"
    return schema
