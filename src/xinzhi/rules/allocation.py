"""From what each enterprise is due under each policy to what it is paid: stacking across
policies, then each policy's budget — set-at-a-time, as window expressions.

**Stacking** (同一事项不重复享受). Policies of one stacking group (same ``matter``, or linked by
``not_combinable_with``) are never paid together to one enterprise. Among its eligible
payouts of a group the enterprise keeps one: under the rule ``larger`` the largest amount
(equal amounts: the lower priority number, then the policy id); under ``priority`` the lowest
priority number (then the larger amount, then the policy id). The others are ``excluded``
and name the policy that took precedence.

**Budget**, per policy, over the payouts that survive stacking. When the demand fits, every
payout is paid in full. Otherwise:

* ``prorate``: each payout is ``amount × budget / demand`` rounded down to the fen; the fen
  left over (fewer than the number of payouts) go one each to the payouts with the largest
  remainders, ties by credit code — so the payouts sum to the budget exactly (largest
  remainder method);
* ``rank``: payouts ordered by the ``rank_by`` keys; payouts with equal keys form one tie
  group. Groups are paid in full in order while they fit; the first group that does not fit
  (the boundary) shares what is left pro rata exactly as above (``boundary: prorate``), or
  receives nothing (``boundary: none``); every later group receives nothing.

A zero budget pays nothing. Arithmetic is exact: a product of an amount and a budget is taken
in 64 bits when it fits and as DECIMAL(38, 0) otherwise; quotients are whole fen.
"""

from __future__ import annotations

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir

from .payouts import RANK_KEYS, CompiledPolicy

LONG_COLUMNS = ["enterprise_id", "credit_code", "name", "district_id", "policy", "status", "amount",
                "amount_granted", "amount_paid", "outcome", "superseded_by", "budget_rank", "failed",
                "unknown", "missing"]  # fmt: skip
ALLOCATED = ["enterprise_id", "policy", "amount_granted", "amount_paid", "outcome", "superseded_by",
             "budget_rank"]  # fmt: skip
OUTCOMES = ("paid", "reduced", "unfunded", "excluded", "zero", "undetermined")
_WIDE = dt.Decimal(38, 0)
_SAFE_PRODUCT = 9.0e18  # below 2^63 with room for the float estimate's error


def narrow(compiled: CompiledPolicy, table: ir.Table, group: str, rule: str, shared: bool) -> ir.Table:
    """One policy's rows that are not ineligible, with what allocation needs (keys, amount,
    stacking and budget settings: narrow rows keep the windows' sorts cheap)."""
    p = compiled.policy
    stacking = p.stacking
    budget = compiled.budget
    boundary = p.budget.boundary if p.budget else "none"
    by_rank = bool(p.budget and p.budget.rule == "rank")
    rows = table.filter(table.status != "ineligible")
    return rows.select(  # typed: the engine may have narrowed a materialised column (INTEGER)
        enterprise_id=rows.enterprise_id.cast("int64"),
        policy=ibis.literal(p.id, type="string"),
        stack_group=ibis.literal(group, type="string"),
        stack_rule=ibis.literal(rule, type="string"), shared=ibis.literal(shared),
        priority=ibis.literal(stacking.priority if stacking else 100, type="int64"),
        status=rows.status.cast("string"), amount=rows.amount.cast("int64"),
        budget=ibis.literal(budget, type="int64") if budget is not None else ibis.null("int64"),
        by_rank=ibis.literal(by_rank), boundary=ibis.literal(boundary, type="string"),
        **{f"rank_{i}": rows[f"rank_{i}"].cast("float64") if by_rank else ibis.literal(0.0, type="float64")
           for i in range(1, RANK_KEYS + 1)},
    )  # fmt: skip


def allocate(long: ir.Table, firms: ir.Table) -> ir.Table:
    """Stacking, then budget, over the union of ``narrow`` tables (one expression; a run
    materialises the three stages apart: ``stack``, ``rank``, ``pay``)."""
    return pay(rank(stack(long)), firms)


def stack(long: ir.Table) -> ir.Table:
    """Stage 1: which payout each enterprise keeps in each stacking group. Windows run over
    the rows that need them only (the others are set directly and unioned back): a sort is
    the costly part, and most payouts have no competitor."""
    t = long.mutate(payable=((long.status == "eligible") & (long.amount > 0)).fill_null(False))
    t = _stack(t)
    granted = t.payable & (t._place == 0)
    return t.mutate(
        amount_granted=ibis.ifelse(t.status == "eligible", ibis.ifelse(granted, t.amount, 0), ibis.null("int64")),
        superseded_by=ibis.ifelse(t.payable & (t._place > 0), t._winner, ibis.null("string")),
        _granted=granted,
        _in_budget=granted & t.budget.notnull(),
    ).drop("_place", "_winner")  # fmt: skip


def pay(ranked: ir.Table, firms: ir.Table) -> ir.Table:
    """Stage 3: the extra fen of the boundary group's remainders, then what each is paid."""
    sharing = ranked.filter(ranked._boundary)
    codes = firms.select(_firm=firms.enterprise_id, _code=firms.credit_code)  # remainders' tie-break
    sharing = sharing.left_join(codes, sharing.enterprise_id == codes._firm).drop("_firm")
    leftover = (sharing.budget - sharing._before) - sharing._q.sum().over(
        ibis.window(group_by=[sharing.policy, sharing._tie]))
    places = ibis.window(group_by=[sharing.policy, sharing._tie],
                         order_by=[sharing._r.desc(), sharing._code, sharing.enterprise_id])  # fmt: skip
    sharing = sharing.mutate(_extra=ibis.ifelse(ibis.row_number().over(places) < leftover, 1, 0).cast("int64"))
    settled = ranked.filter(~ranked._boundary).mutate(_extra=ibis.literal(0, type="int64"))
    t = ibis.union(sharing.drop("_code"), settled)
    paid = ibis.cases(
        (~t._granted, ibis.ifelse(t.status == "eligible", 0, ibis.null("int64"))),
        (t.budget.isnull() | (t._through <= t.budget), t.amount_granted),
        (t._boundary, t._q + t._extra),
        else_=0,
    )
    t = t.mutate(amount_paid=paid.cast("int64"))
    outcome = ibis.cases(
        (t.status == "undetermined", "undetermined"),
        (t.superseded_by.notnull(), "excluded"),
        (t.amount == 0, "zero"),
        (t.amount_paid == t.amount, "paid"),
        (t.amount_paid > 0, "reduced"),
        else_="unfunded",
    )
    position = ibis.ifelse(t._in_budget & t.by_rank, t._tie + 1, ibis.null("int64"))
    return t.mutate(outcome=outcome, budget_rank=position.cast("int64")).select(*ALLOCATED)


def _stack(t: ir.Table) -> ir.Table:
    """``_place``: 0 for the payout an enterprise keeps in its stacking group; ``_winner``."""
    shared = t.filter(t.shared)
    by_priority = shared.stack_rule == "priority"
    key1 = ibis.ifelse(by_priority, shared.priority, -shared.amount)
    key2 = ibis.ifelse(by_priority, -shared.amount, shared.priority)
    stack = ibis.window(group_by=[shared.enterprise_id, shared.stack_group, shared.payable],
                        order_by=[key1, key2, shared.policy])  # fmt: skip
    shared = shared.mutate(_place=ibis.row_number().over(stack), _winner=shared.policy.first().over(stack))
    alone = t.filter(~t.shared)
    alone = alone.mutate(_place=ibis.literal(0, type="int64"), _winner=alone.policy)
    return ibis.union(shared, alone)


def rank(stacked: ir.Table) -> ir.Table:
    """Stage 2: per policy under a budget, tie groups in ranking order (one group for
    prorate), the demand through each group, and for the group at the boundary each payout's
    share — quotient ``_q`` and remainder ``_r``."""
    inside = stacked.filter(stacked._in_budget)
    order = [inside[f"rank_{i}"] for i in range(1, RANK_KEYS + 1)]
    ranked = ibis.window(group_by=inside.policy, order_by=order)
    inside = inside.mutate(_tie=ibis.ifelse(inside.by_rank, ibis.dense_rank().over(ranked), 0).cast("int64"))
    through = ibis.window(group_by=inside.policy, order_by=inside._tie, range=(None, 0))
    group = ibis.window(group_by=[inside.policy, inside._tie])
    inside = inside.mutate(_through=inside.amount_granted.sum().over(through).cast("int64"),
                           _group_demand=inside.amount_granted.sum().over(group).cast("int64"))  # fmt: skip
    inside = inside.mutate(_before=inside._through - inside._group_demand)
    at_boundary = ~(inside._through <= inside.budget) & (inside._before < inside.budget) & \
        (inside.boundary == "prorate")  # fmt: skip
    pot = inside.budget - inside._before
    demand = ibis.ifelse(inside._group_demand == 0, 1, inside._group_demand)
    # amount × pot / demand, exactly: in 64 bits when the product fits (the usual case, and
    # cheap), else in DECIMAL(38, 0); the engines evaluate only the branch a row takes.
    fits = inside.amount_granted.cast("float64") * pot.cast("float64") < _SAFE_PRODUCT
    share = inside.amount_granted * pot
    wide = inside.amount_granted.cast(_WIDE) * pot.cast(_WIDE)
    wide_remainder = wide % demand.cast(_WIDE)
    remainder = ibis.ifelse(fits, (share % demand).cast(_WIDE), wide_remainder.cast(_WIDE))
    # (share − remainder) is a multiple of demand: the division is exact while the quotient,
    # at most the pot, stays below 2^53 fen.
    quotient = ibis.ifelse(fits, ((share - share % demand) / demand).round().cast("int64"),
                           ((wide - wide_remainder) / demand.cast(_WIDE)).round().cast("int64"))  # fmt: skip
    inside = inside.mutate(_q=ibis.ifelse(at_boundary, quotient, 0).cast("int64"), _r=remainder,
                           _boundary=at_boundary.fill_null(False))  # fmt: skip
    outside = stacked.filter(~stacked._in_budget).mutate(
        _tie=ibis.literal(0, type="int64"), _through=ibis.null("int64"), _group_demand=ibis.null("int64"),
        _before=ibis.null("int64"), _q=ibis.literal(0, type="int64"), _r=ibis.null(_WIDE),
        _boundary=ibis.literal(False))  # fmt: skip
    return ibis.union(inside.select(*outside.columns), outside)


def describe(allocated: ir.Table, details: dict[str, ir.Table], firms: ir.Table) -> ir.Table:
    """The payout list: the allocation with each row's status, amount and clause lists (from
    its policy's table) and the firm's code, name and district (from the frame, once)."""
    base = [d.select(enterprise_id=d.enterprise_id.cast("int64"), policy=ibis.literal(ident, type="string"),
                     status=d.status.cast("string"), amount=d.amount.cast("int64"),
                     failed=d.failed.cast("string"), unknown=d.unknown.cast("string"),
                     missing=d.missing.cast("string"))
            for ident, d in details.items()]  # fmt: skip
    rows = allocated.join(ibis.union(*base), ["enterprise_id", "policy"])
    names = firms.select("enterprise_id", "credit_code", "name", "district_id")
    rows = rows.join(names, "enterprise_id")
    return rows.select(*LONG_COLUMNS)  # unordered: sorting millions of rows is left to exports
