"""Stacking and budgets: exact sums, ties, zero budgets, priorities."""

from __future__ import annotations

import ibis
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from xinzhi.policies.allocation import ALLOCATED, Settings, allocate, settle
from xinzhi.rulelang.engines import DuckDBStore

CON = ibis.duckdb.connect(threads=1)
STORE = DuckDBStore(CON, owned=False)


def allocated(rows: list[dict]) -> list[dict]:
    """Run ``allocate`` and ``settle`` over payouts given as dicts (policy, amount, budget, …;
    the settings of a policy's first row are the policy's)."""
    defaults = {
        "credit_code": None,
        "name": "企业",
        "district_id": 1,
        "stack_group": None,
        "stack_rule": "larger",
        "shared": True,
        "priority": 100,
        "status": "eligible",
        "failed": None,
        "unknown": None,
        "missing": None,
        "budget": None,
        "by_rank": False,
        "boundary": "prorate",
        "rank_1": 0.0,
        "rank_2": 0.0,
        "rank_3": 0.0,
    }
    by_policy: dict[str, list[dict]] = {}
    for i, row in enumerate(rows, 1):
        r = {**defaults, "enterprise_id": i, **row}
        r["credit_code"] = r["credit_code"] or f"CODE{r['enterprise_id']:06d}"
        r["stack_group"] = r["stack_group"] or r["policy"]
        by_policy.setdefault(r["policy"], []).append(r)
    types = {
        "enterprise_id": pa.int64(),
        "status": pa.string(),
        "amount": pa.int64(),
        "rank_1": pa.float64(),
        "rank_2": pa.float64(),
        "rank_3": pa.float64(),
    }
    settings, tables, arrows = {}, {}, {}
    for policy, members in by_policy.items():
        first = members[0]
        settings[policy] = Settings(
            policy,
            first["stack_group"],
            first["stack_rule"],
            first["shared"],
            first["priority"],
            first["budget"],
            first["by_rank"],
            first["boundary"],
        )
        arrows[policy] = pa.table(
            {n: pa.array([r[n] for r in members], type=t) for n, t in types.items()}
        )
        CON.con.register(f"rows_{policy}", arrows[policy])
        tables[policy] = CON.table(f"rows_{policy}")
    firms = {
        r["enterprise_id"]: r["credit_code"] for members in by_policy.values() for r in members
    }
    CON.con.register(
        "firms_in",
        pa.table(
            {
                "enterprise_id": pa.array(list(firms), pa.int64()),
                "credit_code": pa.array(list(firms.values()), pa.string()),
            }
        ),
    )
    allocation = allocate(STORE, tables, list(settings.values()), CON.table("firms_in"))
    result = []
    for policy, members in by_policy.items():
        columns = {
            name: column.to_pylist()
            for name, column in settle(arrows[policy], settings[policy], allocation).items()
        }
        for i, r in enumerate(members):
            result.append(
                {
                    "enterprise_id": r["enterprise_id"],
                    "policy": policy,
                    **{name: columns[name][i] for name in ALLOCATED},
                }
            )
    return sorted(result, key=lambda r: (r["policy"], r["enterprise_id"]))


@settings(max_examples=60, deadline=None)
@given(
    amounts=st.lists(st.integers(min_value=0, max_value=10**12), min_size=1, max_size=12),
    budget=st.integers(min_value=0, max_value=10**13),
)
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
    rows = allocated(
        [
            {"policy": "p", "amount": 5 * 10**10 * 100 + i, "budget": 10**13 * 100 - 7}
            for i in range(3)
        ]
        * 1000
    )
    assert sum(r["amount_paid"] for r in rows) == 10**13 * 100 - 7


def test_remainder_goes_to_the_largest_remainders_then_by_credit_code():
    rows = allocated(
        [{"policy": "p", "amount": 1, "budget": 2, "credit_code": c} for c in ("B", "A", "C")]
    )
    assert [r["enterprise_id"] for r in rows] == [1, 2, 3]
    assert [r["amount_paid"] for r in rows] == [1, 1, 0]  # B, A, C: the odd fen to A, then B


def test_rank_pays_whole_groups_in_order_and_shares_the_boundary():
    rows = allocated(
        [
            {"policy": "p", "amount": 50, "budget": 100, "by_rank": True, "rank_1": -3.0},
            {"policy": "p", "amount": 40, "budget": 100, "by_rank": True, "rank_1": -2.0},
            {"policy": "p", "amount": 40, "budget": 100, "by_rank": True, "rank_1": -2.0},
            {"policy": "p", "amount": 10, "budget": 100, "by_rank": True, "rank_1": -1.0},
        ]
    )
    assert [r["amount_paid"] for r in rows] == [50, 25, 25, 0]
    assert [r["budget_rank"] for r in rows] == [1, 2, 2, 3]
    assert [r["outcome"] for r in rows] == ["paid", "reduced", "reduced", "unfunded"]


def test_rank_with_exact_fit_and_zero_budget():
    fit = allocated(
        [
            {"policy": "p", "amount": 30, "budget": 60, "by_rank": True, "rank_1": float(-i)}
            for i in range(2)
        ]
    )
    assert [r["amount_paid"] for r in fit] == [30, 30]
    zero = allocated([{"policy": "p", "amount": 30, "budget": 0, "by_rank": True, "rank_1": 1.0}])
    assert zero[0]["amount_paid"] == 0 and zero[0]["outcome"] == "unfunded"


def test_no_budget_pays_everyone_and_undetermined_rows_are_not_paid():
    rows = allocated(
        [{"policy": "p", "amount": 30}, {"policy": "p", "amount": None, "status": "undetermined"}]
    )
    assert [(r["amount_paid"], r["outcome"]) for r in rows] == [
        (30, "paid"),
        (None, "undetermined"),
    ]


def test_priority_stacking_keeps_the_declared_priority_not_the_larger():
    common = {"enterprise_id": 1, "stack_group": "g", "stack_rule": "priority"}
    rows = allocated(
        [
            {**common, "policy": "big", "amount": 100, "priority": 2},
            {**common, "policy": "small", "amount": 10, "priority": 1},
        ]
    )
    by_policy = {r["policy"]: r for r in rows}
    assert by_policy["small"]["outcome"] == "paid"
    assert (
        by_policy["big"]["outcome"] == "excluded" and by_policy["big"]["superseded_by"] == "small"
    )


def test_an_excluded_payout_does_not_use_the_budget():
    rows = allocated(
        [
            {"enterprise_id": 1, "policy": "a", "stack_group": "g", "amount": 100},
            {"enterprise_id": 1, "policy": "b", "stack_group": "g", "amount": 50, "budget": 50},
            {"enterprise_id": 2, "policy": "b", "stack_group": "g", "amount": 50, "budget": 50},
        ]
    )
    assert [(r["policy"], r["enterprise_id"], r["amount_paid"]) for r in rows] == [
        ("a", 1, 100),
        ("b", 1, 0),
        ("b", 2, 50),
    ]


def test_a_group_starting_exactly_at_the_budget_shares_nothing():
    """50 + 50 use the whole budget: the next group is the first that does not fit, but
    nothing is left for it to share."""
    rows = allocated(
        [
            {"policy": "p", "amount": a, "budget": 100, "by_rank": True, "rank_1": float(k)}
            for k, a in enumerate([50, 50, 10, 10])
        ]
    )
    assert [r["amount_paid"] for r in rows] == [50, 50, 0, 0]
    assert [r["outcome"] for r in rows] == ["paid", "paid", "unfunded", "unfunded"]


def reference(rows: list[dict]) -> dict[tuple[str, int], tuple]:
    """The rules of ``allocation``'s docstring, one claim at a time, in exact integers."""
    first = {}
    for r in rows:
        first.setdefault(r["policy"], r)
    payable = [
        r for r in rows if r["status"] == "eligible" and r["amount"] is not None and r["amount"] > 0
    ]
    winner: dict[tuple[str, int], str] = {}
    claims: dict[tuple, list[dict]] = {}
    for r in payable:
        if first[r["policy"]]["shared"]:
            claims.setdefault((r["enterprise_id"], r["stack_group"]), []).append(r)
    for group in claims.values():

        def order(r):
            p = first[r["policy"]]
            if p["stack_rule"] == "priority":
                return (p["priority"], -r["amount"], r["policy"])
            return (-r["amount"], p["priority"], r["policy"])

        kept = min(group, key=order)
        for r in group:
            if r is not kept:
                winner[(r["policy"], r["enterprise_id"])] = kept["policy"]
    granted = [r for r in payable if (r["policy"], r["enterprise_id"]) not in winner]
    paid, ranks = {}, {}
    for policy, p in first.items():
        mine = [r for r in granted if r["policy"] == policy]
        if p["budget"] is None:
            paid.update({(policy, r["enterprise_id"]): r["amount"] for r in mine})
            continue
        budget = p["budget"]
        key = (lambda r: (r["rank_1"], r["rank_2"], r["rank_3"])) if p["by_rank"] else (lambda r: 0)
        ties = sorted({key(r) for r in mine})
        through = 0
        for place, tie in enumerate(ties):
            group = [r for r in mine if key(r) == tie]
            before, demand = through, sum(r["amount"] for r in group)
            through += demand
            for r in group:
                ranks[(policy, r["enterprise_id"])] = place + 1 if p["by_rank"] else None
                paid[(policy, r["enterprise_id"])] = r["amount"] if through <= budget else 0
            if through > budget and before < budget and p["boundary"] == "prorate":
                pot = budget - before
                shares = {r["enterprise_id"]: divmod(r["amount"] * pot, demand) for r in group}
                leftover = pot - sum(q for q, _ in shares.values())
                codes = {r["enterprise_id"]: r["credit_code"] for r in group}
                odd = sorted(shares, key=lambda e: (-shares[e][1], codes[e], e))[:leftover]
                for e, (q, _) in shares.items():
                    paid[(policy, e)] = q + (e in odd)
    out = {}
    for r in rows:
        k = (r["policy"], r["enterprise_id"])
        eligible = r["status"] == "eligible"
        got = paid.get(k, 0) if eligible else None
        kept = eligible and k not in winner and r in payable
        outcome = (
            "undetermined"
            if r["status"] == "undetermined"
            else "excluded"
            if k in winner
            else "zero"
            if r["amount"] == 0
            else "paid"
            if got == r["amount"]
            else "reduced"
            if got > 0
            else "unfunded"
        )
        out[k] = (
            (r["amount"] if kept else 0) if eligible else None,
            got,
            outcome,
            winner.get(k),
            ranks.get(k) if kept else None,
        )
    return out


@st.composite
def payout_sets(draw) -> list[dict]:
    """Up to three policies (two may share a group), a few firms with ties in amounts,
    ranking keys and remainders, credit codes out of id order."""
    policies = draw(st.lists(st.sampled_from("abc"), min_size=1, max_size=3, unique=True))
    shared_group = draw(st.booleans())
    rule = draw(st.sampled_from(["larger", "priority"]))
    codes = draw(st.permutations([f"C{i}" for i in range(1, 9)]))
    rows = []
    for policy in policies:
        settings = {
            "stack_group": "g" if shared_group and policy != "c" else policy,
            "stack_rule": rule,
            "priority": draw(st.integers(1, 3)),
            "by_rank": draw(st.booleans()),
            "budget": draw(st.none() | st.integers(0, 120)),
            "boundary": draw(st.sampled_from(["prorate", "none"])),
        }
        settings["shared"] = settings["stack_group"] == "g"
        for firm in draw(st.lists(st.integers(1, 8), min_size=1, max_size=8, unique=True)):
            status = draw(st.sampled_from(["eligible", "eligible", "eligible", "undetermined"]))
            amount = draw(st.sampled_from([0, 7, 10, 10, 25, 40]))
            rows.append(
                {
                    "policy": policy,
                    "enterprise_id": firm,
                    "credit_code": codes[firm - 1],
                    **settings,
                    "status": status,
                    "amount": None if status == "undetermined" and firm % 2 else amount,
                    "rank_1": draw(st.sampled_from([-2.0, -1.0, 0.0, float("inf")])),
                    "rank_2": draw(st.sampled_from([0.0, 1.0])),
                }
            )
    return rows


@settings(max_examples=30, deadline=None)
@given(rows=payout_sets())
def test_allocation_agrees_with_a_claim_by_claim_reference(rows):
    """Stacking and budgets on the engine equal the rules applied one claim at a time."""
    want = reference([{"rank_3": 0.0, **r} for r in rows])
    got = {
        (r["policy"], r["enterprise_id"]): (
            r["amount_granted"],
            r["amount_paid"],
            r["outcome"],
            r["superseded_by"],
            r["budget_rank"],
        )
        for r in allocated(rows)
    }
    assert got == want
