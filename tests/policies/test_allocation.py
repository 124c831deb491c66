"""Stacking and budgets as window expressions: exact sums, ties, zero budgets, priorities."""

from __future__ import annotations

import ibis
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from xinzhi.rules.allocation import allocate

CON = ibis.duckdb.connect(threads=1)
_SQL: dict[pa.Schema, str] = {}


def allocated(rows: list[dict]) -> list[dict]:
    """Run ``allocate`` over payouts given as dicts (policy, amount, budget, …)."""
    defaults = {"credit_code": None, "name": "企业", "district_id": 1, "stack_group": None,
                "stack_rule": "larger", "shared": True, "priority": 100, "status": "eligible", "failed": None, "unknown": None,
                "missing": None, "budget": None, "by_rank": False, "boundary": "prorate",
                "rank_1": 0.0, "rank_2": 0.0, "rank_3": 0.0}  # fmt: skip
    full = []
    for i, row in enumerate(rows, 1):
        r = {**defaults, "enterprise_id": i, **row}
        r["credit_code"] = r["credit_code"] or f"CODE{r['enterprise_id']:06d}"
        r["stack_group"] = r["stack_group"] or r["policy"]
        full.append(r)
    types = {"enterprise_id": pa.int64(), "district_id": pa.int64(), "priority": pa.int64(), "amount": pa.int64(),
             "budget": pa.int64(), "by_rank": pa.bool_(), "shared": pa.bool_(), "rank_1": pa.float64(), "rank_2": pa.float64(),
             "rank_3": pa.float64()}  # fmt: skip
    names = list(full[0])
    table = pa.table({n: pa.array([r[n] for r in full], type=types.get(n, pa.string())) for n in names})
    CON.con.register("payouts_in", table)
    firms = {r["enterprise_id"]: r["credit_code"] for r in full}
    CON.con.register("firms_in", pa.table({"enterprise_id": pa.array(list(firms), pa.int64()),
                                           "credit_code": pa.array(list(firms.values()), pa.string())}))
    if table.schema not in _SQL:  # compile once: the examples differ in data only
        _SQL[table.schema] = str(CON.compile(allocate(CON.table("payouts_in"), CON.table("firms_in"))))
    result = CON.con.sql(_SQL[table.schema]).to_arrow_table()
    return sorted(result.to_pylist(), key=lambda r: (r["policy"], r["enterprise_id"]))


@settings(max_examples=60, deadline=None)
@given(amounts=st.lists(st.integers(min_value=0, max_value=10**12), min_size=1, max_size=12),
       budget=st.integers(min_value=0, max_value=10**13))  # fmt: skip
def test_prorating_pays_the_budget_exactly_to_the_fen(amounts, budget):
    """Largest remainder: the payouts sum to the budget when demand exceeds it, no payout
    exceeds its claim, and each differs from the exact share by less than one fen."""
    rows = allocated([{"policy": "p", "amount": a, "budget": budget} for a in amounts])
    paid = [r["amount_paid"] for r in rows]
    demand = sum(a for a in amounts if a > 0)
    assert sum(paid) == min(budget, demand)
    for row, amount in zip(rows, amounts):
        assert 0 <= row["amount_paid"] <= amount
        if demand > budget and amount > 0:
            exact = amount * budget / demand
            assert abs(row["amount_paid"] - exact) < 1


def test_large_amounts_and_budgets_do_not_overflow():
    """5 亿元 claims against a 1,000 亿元 budget: the products exceed 64 bits."""
    rows = allocated([{"policy": "p", "amount": 5 * 10**10 * 100 + i, "budget": 10**13 * 100 - 7}
                      for i in range(3)] * 1000)  # fmt: skip
    assert sum(r["amount_paid"] for r in rows) == 10**13 * 100 - 7


def test_remainder_goes_to_the_largest_remainders_then_by_credit_code():
    rows = allocated([{"policy": "p", "amount": 1, "budget": 2, "credit_code": c} for c in ("B", "A", "C")])
    assert [r["enterprise_id"] for r in rows] == [1, 2, 3]
    assert [r["amount_paid"] for r in rows] == [1, 1, 0]  # B, A, C: the odd fen to A, then B


def test_rank_pays_whole_groups_in_order_and_shares_the_boundary():
    rows = allocated([
        {"policy": "p", "amount": 50, "budget": 100, "by_rank": True, "rank_1": -3.0},
        {"policy": "p", "amount": 40, "budget": 100, "by_rank": True, "rank_1": -2.0},
        {"policy": "p", "amount": 40, "budget": 100, "by_rank": True, "rank_1": -2.0},
        {"policy": "p", "amount": 10, "budget": 100, "by_rank": True, "rank_1": -1.0},
    ])  # fmt: skip
    assert [r["amount_paid"] for r in rows] == [50, 25, 25, 0]
    assert [r["budget_rank"] for r in rows] == [1, 2, 2, 3]
    assert [r["outcome"] for r in rows] == ["paid", "reduced", "reduced", "unfunded"]


def test_rank_with_exact_fit_and_zero_budget():
    fit = allocated([{"policy": "p", "amount": 30, "budget": 60, "by_rank": True, "rank_1": float(-i)}
                     for i in range(2)])  # fmt: skip
    assert [r["amount_paid"] for r in fit] == [30, 30]
    zero = allocated([{"policy": "p", "amount": 30, "budget": 0, "by_rank": True, "rank_1": 1.0}])
    assert zero[0]["amount_paid"] == 0 and zero[0]["outcome"] == "unfunded"


def test_no_budget_pays_everyone_and_undetermined_rows_are_not_paid():
    rows = allocated([{"policy": "p", "amount": 30}, {"policy": "p", "amount": None, "status": "undetermined"}])
    assert [(r["amount_paid"], r["outcome"]) for r in rows] == [(30, "paid"), (None, "undetermined")]


def test_priority_stacking_keeps_the_declared_priority_not_the_larger():
    common = {"enterprise_id": 1, "stack_group": "g", "stack_rule": "priority"}
    rows = allocated([{**common, "policy": "big", "amount": 100, "priority": 2},
                      {**common, "policy": "small", "amount": 10, "priority": 1}])  # fmt: skip
    by_policy = {r["policy"]: r for r in rows}
    assert by_policy["small"]["outcome"] == "paid"
    assert by_policy["big"]["outcome"] == "excluded" and by_policy["big"]["superseded_by"] == "small"


def test_an_excluded_payout_does_not_use_the_budget():
    rows = allocated([
        {"enterprise_id": 1, "policy": "a", "stack_group": "g", "amount": 100},
        {"enterprise_id": 1, "policy": "b", "stack_group": "g", "amount": 50, "budget": 50},
        {"enterprise_id": 2, "policy": "b", "stack_group": "g", "amount": 50, "budget": 50},
    ])  # fmt: skip
    assert [(r["policy"], r["enterprise_id"], r["amount_paid"]) for r in rows] == \
        [("a", 1, 100), ("b", 1, 0), ("b", 2, 50)]  # fmt: skip
