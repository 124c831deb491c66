"""From what each enterprise is due under each policy to what it is paid: stacking across
policies, then each policy's budget — set-at-a-time.

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

**How it runs.** Only the claims allocation can change go to the engine: the payable rows
(eligible, amount above zero) of the policies that share a stacking group or have a budget,
as narrow rows (the policy as its place in the sorted ids, the group as a number — sorts of
narrow rows are cheap). Two queries: ``stacking_losers`` (one window over each group's
claims: the claims another policy takes precedence over, and which) and ``budget_payments``
(per policy under a budget, what each claim left is paid: a ``rank`` policy sorts its claims
once — tie groups, the demand through each group and of each group share that sort — a
``prorate`` one not at all; only the boundary group is sorted by remainders). Every row's
outcome then follows from its status, its amount and those two results (``settle``, in
Arrow, aligned by enterprise id within each policy): no join over the whole payout list.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.operations as ops
import ibis.expr.types as ir
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..rulelang.engines import Store
from .payouts import RANK_KEYS, CompiledPolicy

LONG_COLUMNS = [
    "enterprise_id",
    "credit_code",
    "name",
    "district_id",
    "policy",
    "status",
    "amount",
    "amount_granted",
    "amount_paid",
    "outcome",
    "superseded_by",
    "budget_rank",
    "failed",
    "unknown",
    "missing",
]
ALLOCATED = ["amount_granted", "amount_paid", "outcome", "superseded_by", "budget_rank"]
OUTCOMES = ("paid", "reduced", "unfunded", "excluded", "zero", "undetermined")
FIRM_COLUMNS = ["enterprise_id", "credit_code", "name", "district_id"]
_WIDE = dt.Decimal(38, 0)
_SAFE_PRODUCT = 9.0e18  # below 2^63 with room for the float estimate's error


@dataclass(frozen=True)
class Settings:
    """What allocation knows of one policy of a run."""

    policy: str
    group: str  # its stacking group (its own id when alone)
    rule: str = "larger"  # the group's rule: larger | priority
    shared: bool = False  # other policies of the run are in the group
    priority: int = 100
    budget: int | None = None  # fen; None: no budget
    by_rank: bool = False  # the budget ranks (else it prorates)
    boundary: str = "none"  # prorate | none
    rank_keys: int = RANK_KEYS  # how many rank_i keys the ranking reads

    @property
    def allocated(self) -> bool:
        """Whether anything but the row itself decides what the row is paid."""
        return self.shared or self.budget is not None


def settings_of(compiled: CompiledPolicy, group: str, rule: str, shared: bool) -> Settings:
    p = compiled.policy
    return Settings(
        p.id,
        group,
        rule,
        shared,
        p.stacking.priority if p.stacking else 100,
        compiled.budget,
        bool(p.budget and p.budget.rule == "rank"),
        p.budget.boundary if p.budget else "none",
        len(p.budget.rank_by) if p.budget else 0,
    )


@dataclass
class Allocation:
    """The two queries' rows, per policy id, as numpy arrays."""

    names: list[str]  # policy index → id (ids sorted: the index orders as the id does)
    losers: dict[str, tuple[np.ndarray, np.ndarray]] = field(
        default_factory=dict
    )  # ids, index of the policy kept
    payments: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = field(default_factory=dict)
    # payments: enterprise ids, amount paid, budget rank (0: none)


def allocate(
    store: Store, tables: dict[str, ir.Table], settings: list[Settings], firms: ir.Table
) -> Allocation:
    """Stacking and budgets for ``settings`` over each policy's rows (``tables``: enterprise_id,
    status, amount, rank_1..3) on the store's engine. ``firms`` gives the credit codes that
    break ties between equal remainders."""
    names = sorted(s.policy for s in settings)
    result = Allocation(names)
    index = {ident: i for i, ident in enumerate(names)}
    groups = {g: i for i, g in enumerate(sorted({s.group for s in settings}))}
    shared = [s for s in settings if s.shared]
    budgeted = [s for s in settings if s.budget is not None]
    if not shared and not budgeted:
        return result
    # The SQL depends on the settings, the tables' names and schemas, the firms' table.
    key = (
        "allocation",
        tuple(
            (s, tables[s.policy].get_name(), tuple(tables[s.policy].schema().items()))
            for s in settings
            if s.allocated
        ),
        firms.get_name(),
    )
    losers = None
    if shared:
        sql = store.compiled(
            (*key, "losers"),
            lambda: stacking_losers(
                [
                    stack_claims(tables[s.policy], s, index[s.policy], groups[s.group])
                    for s in shared
                ]
            ),
        )
        losers = store.materialise(sql, "policy__losers")
        rows = store.to_arrow(losers)
        for ident, part in _by_policy(rows, names).items():
            result.losers[ident] = (part["enterprise_id"], part["superseded_by"])
    if budgeted:
        keys = max([s.rank_keys for s in budgeted if s.by_rank], default=0)
        sql = store.compiled(
            (*key, "payments"),
            lambda: budget_payments(
                [budget_claims(tables[s.policy], s, index[s.policy]) for s in budgeted],
                losers,
                firms,
                keys,
            ),
        )
        rows = store.fetch(sql)
        for ident, part in _by_policy(rows, names).items():
            result.payments[ident] = (
                part["enterprise_id"],
                part["amount_paid"],
                part["budget_rank"],
            )
    return result


def _by_policy(rows: pa.Table, names: list[str]) -> dict[str, dict[str, np.ndarray]]:
    policy = rows["policy"].to_numpy()
    order = np.argsort(policy, kind="stable")
    bounds = np.concatenate([[0], np.cumsum(np.bincount(policy, minlength=len(names)))])
    columns = {
        c: np.asarray(pc.fill_null(rows[c], 0).to_numpy())[order]
        for c in rows.column_names
        if c != "policy"
    }
    return {
        ident: {c: v[bounds[i] : bounds[i + 1]] for c, v in columns.items()}
        for i, ident in enumerate(names)
        if bounds[i + 1] > bounds[i]
    }


def _payable(rows: ir.Table) -> ir.Table:
    return rows.filter((rows.status == "eligible") & (rows.amount > 0))


def stack_claims(rows: ir.Table, s: Settings, index: int, group: int) -> ir.Table:
    """A policy's payable rows as the stacking window reads them: the keys it orders by."""
    c = _payable(rows)
    amount = c.amount.cast("int64")
    priority = ibis.literal(s.priority, type="int64")
    first, second = (priority, -amount) if s.rule == "priority" else (-amount, priority)
    return c.select(
        enterprise_id=c.enterprise_id.cast("int64"),
        policy=ibis.literal(index, type="int64"),
        stack_group=ibis.literal(group, type="int64"),
        _key1=first,
        _key2=second,
    )


def stacking_losers(claims: list[ir.Table]) -> ir.Table:
    """Per enterprise and group, the claims after the first in the group's order, with the
    policy of the first (the policy's index breaks the last ties, as its id would)."""
    t = ibis.union(*claims)
    order = ibis.window(
        group_by=[t.enterprise_id, t.stack_group], order_by=[t._key1, t._key2, t.policy]
    )
    t = t.mutate(_place=ibis.row_number().over(order), superseded_by=t.policy.first().over(order))
    t = t.filter(t._place > 0)
    return t.select("policy", "enterprise_id", "superseded_by")


def budget_claims(rows: ir.Table, s: Settings, index: int) -> ir.Table:
    """A policy's payable rows with its budget settings (rank keys for a ranking budget)."""
    c = _payable(rows)
    keys = {
        f"rank_{i}": c[f"rank_{i}"].cast("float64")
        if s.by_rank
        else ibis.literal(0.0, type="float64")
        for i in range(1, RANK_KEYS + 1)
    }
    return c.select(
        enterprise_id=c.enterprise_id.cast("int64"),
        policy=ibis.literal(index, type="int64"),
        amount=c.amount.cast("int64"),
        budget=ibis.literal(s.budget, type="int64"),
        by_rank=ibis.literal(s.by_rank),
        shares=ibis.literal(s.boundary == "prorate"),
        **keys,
    )


def budget_payments(
    claims: list[ir.Table], losers: ir.Table | None, firms: ir.Table, rank_keys: int = RANK_KEYS
) -> ir.Table:
    """What each claim a policy's budget covers is paid (claims another policy took precedence
    over are left out), and its place in the ranking (``budget_rank``, rank budgets only).
    ``rank_keys``: how many rank keys any policy reads (the others are constant: a sort by
    them is wasted)."""
    t = ibis.union(*claims)
    if losers is not None:
        t = t.anti_join(losers, ["policy", "enterprise_id"])
    # Tie groups in ranking order and the demand through each group: one sort, shared by both
    # windows. A prorating budget is one group: its sum needs no order.
    ranked = t.filter(t.by_rank)
    keys = [ranked[f"rank_{i}"] for i in range(1, max(rank_keys, 1) + 1)]
    ranked = ranked.mutate(
        _tie=ibis.dense_rank()
        .over(ibis.window(group_by=ranked.policy, order_by=keys))
        .cast("int64"),
        _through=ranked.amount.sum().over(
            ibis.window(group_by=ranked.policy, order_by=keys, range=(None, 0))
        ),
    )
    prorated = t.filter(~t.by_rank)
    prorated = prorated.mutate(
        _tie=ibis.literal(0, type="int64"),
        _through=prorated.amount.sum().over(ibis.window(group_by=prorated.policy)),
    )
    columns = [
        "policy",
        "enterprise_id",
        "amount",
        "budget",
        "by_rank",
        "shares",
        "_tie",
        "_through",
    ]
    t = ibis.union(ranked.select(*columns), prorated.select(*columns))
    t = t.mutate(
        _through=_int64(t._through),
        budget_rank=ibis.ifelse(t.by_rank, t._tie + 1, ibis.null("int64")).cast("int64"),
    )
    # The groups that fit are paid in full, the later ones nothing; the first group that does
    # not fit is the one with the least demand through it above the budget (the demand grows
    # from group to group). Only its rows need the demand of their group, and only they share
    # what is left — when it starts within the budget and the rule shares the boundary.
    over = t.filter(t._through > t.budget)
    first = over.group_by(_policy=over.policy).aggregate(_first=over._through.min())
    t = t.left_join(first, t.policy == first._policy).drop("_policy")
    t = t.mutate(_candidate=(t._through == t._first).fill_null(False))
    candidates = t.filter(t._candidate)
    candidates = candidates.mutate(
        _group=_int64(candidates.amount.sum().over(ibis.window(group_by=candidates.policy)))
    )
    candidates = candidates.mutate(_before=candidates._through - candidates._group)
    shared = (candidates._before < candidates.budget) & candidates.shares
    settled = ibis.union(
        t.filter(~t._candidate).select(*columns, "budget_rank"),
        candidates.filter(~shared).select(*columns, "budget_rank"),
    )
    settled = settled.mutate(
        amount_paid=ibis.ifelse(settled._through <= settled.budget, settled.amount, 0).cast("int64")
    )
    out = ["policy", "enterprise_id", "amount_paid", "budget_rank"]
    # The boundary group shares what is left: amount × pot / demand, rounded down, and the fen
    # left over one each to the largest remainders, ties by credit code.
    sharing = candidates.filter(shared)
    codes = firms.select(_firm=firms.enterprise_id.cast("int64"), _code=firms.credit_code)
    sharing = sharing.left_join(codes, sharing.enterprise_id == codes._firm)
    pot = sharing.budget - sharing._before  # above zero: the group starts within the budget
    demand = ibis.ifelse(sharing._group == 0, 1, sharing._group)
    # Exactly: in 64 bits when the product fits (the usual case, and cheap), else in
    # DECIMAL(38, 0); the engines evaluate only the branch a row takes.
    fits = sharing.amount.cast("float64") * pot.cast("float64") < _SAFE_PRODUCT
    share = sharing.amount * pot
    wide = sharing.amount.cast(_WIDE) * pot.cast(_WIDE)
    wide_remainder = wide % demand.cast(_WIDE)
    # A remainder is below the demand, a 64-bit sum: it fits 64 bits whichever branch made it.
    remainder = ibis.ifelse(fits, share % demand, wide_remainder.cast("int64"))
    # (share − remainder) is a multiple of demand: the division is exact while the quotient,
    # at most the pot, stays below 2^53 fen.
    quotient = ibis.ifelse(
        fits,
        ((share - share % demand) / demand).round().cast("int64"),
        ((wide - wide_remainder) / demand.cast(_WIDE)).round().cast("int64"),
    )
    sharing = sharing.mutate(_q=quotient, _r=remainder.cast("int64"), _pot=pot)
    group = [sharing.policy, sharing._tie]
    leftover = sharing._pot - sharing._q.sum().over(ibis.window(group_by=group))
    places = ibis.window(
        group_by=group, order_by=[sharing._r.desc(), sharing._code, sharing.enterprise_id]
    )
    extra = ibis.ifelse(ibis.row_number().over(places) < leftover, 1, 0)
    sharing = sharing.mutate(amount_paid=(sharing._q + extra).cast("int64"))
    return ibis.union(sharing.select(*out), settled.select(*out))


def _int64(total: ir.IntegerValue) -> ir.IntegerValue:
    """A sum as a 64-bit integer on the engine too. Ibis types a sum of int64 as int64 and so
    drops ``.cast("int64")``, but DuckDB sums into 128 bits (PostgreSQL into numeric), where
    every comparison and product after it costs several times more: the cast is built
    directly (an overflow fails, as a 64-bit sum would)."""
    return ops.Cast(total, to=dt.int64).to_expr()


def settle(
    rows: pa.Table, s: Settings | None, allocation: Allocation | None
) -> dict[str, pa.Array]:
    """The allocation's columns (``ALLOCATED``) for one policy's rows (enterprise_id, status,
    amount; not ineligible): what each row is granted and paid and its outcome."""
    n = rows.num_rows
    ids = rows["enterprise_id"].to_numpy()
    status = rows["status"]
    eligible = pc.fill_null(pc.equal(status, "eligible"), False).to_numpy(zero_copy_only=False)
    undetermined = pc.fill_null(pc.equal(status, "undetermined"), False).to_numpy(
        zero_copy_only=False
    )
    known = rows["amount"].is_valid().to_numpy(zero_copy_only=False)
    amount = np.asarray(pc.fill_null(rows["amount"], 0).to_numpy(), dtype=np.int64)
    payable = eligible & known & (amount > 0)
    winner = np.full(n, -1, dtype=np.int64)
    paid = amount.copy()
    rank = np.zeros(n, dtype=np.int64)
    if s is not None and allocation is not None:
        if s.policy in allocation.losers:
            found, kept = allocation.losers[s.policy]
            winner[_locate(ids, found)] = kept
        granted = payable & (winner < 0)
        if s.budget is not None:
            found, amounts, ranks = allocation.payments.get(s.policy, (np.empty(0, np.int64),) * 3)
            if len(found) != int(granted.sum()):
                raise RuntimeError(
                    f"budget of {s.policy}: {len(found)} payments for {int(granted.sum())} claims"
                )
            at = _locate(ids, found)
            paid[at], rank[at] = amounts, ranks
    granted = payable & (winner < 0)
    paid = np.where(granted, paid, 0)
    # As a CASE, first match wins: undetermined, excluded, zero, paid, reduced, else unfunded —
    # set here from the last to the first, each overriding the ones after it.
    outcome = np.full(n, OUTCOMES.index("unfunded"), dtype=np.int64)
    for name, holds in (
        ("reduced", paid > 0),
        ("paid", eligible & (paid == amount)),
        ("zero", known & (amount == 0)),
        ("excluded", winner >= 0),
        ("undetermined", undetermined),
    ):
        outcome[holds] = OUTCOMES.index(name)
    names = allocation.names if allocation is not None else []
    return {
        "amount_granted": pa.array(np.where(granted, amount, 0), mask=~eligible),
        "amount_paid": pa.array(paid, mask=~eligible),
        "outcome": _labels(outcome, list(OUTCOMES)),
        "superseded_by": _labels(winner, names),
        "budget_rank": pa.array(rank, mask=rank == 0),
    }


def _labels(codes: np.ndarray, labels: list[str]) -> pa.Array:
    """Codes as text (negative: null), by way of a dictionary: no Python string per row."""
    if not len(codes) or codes.max() < 0:
        return pa.nulls(len(codes), pa.string())
    indices = pa.array(np.maximum(codes, 0).astype(np.int32), mask=codes < 0)
    return pa.DictionaryArray.from_arrays(
        indices, pa.array(labels, pa.string())
    ).dictionary_decode()


def _locate(ids: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Positions in ``ids`` (unique) of ``wanted`` (every one present). Enterprise ids are
    store keys, dense enough for a lookup table (a gather, not a search per row)."""
    if not len(wanted):
        return np.empty(0, dtype=np.int64)
    if not len(ids):
        raise RuntimeError("allocation rows name enterprises the policy's rows do not have")
    low, high = int(ids.min()), int(ids.max())
    if high - low < max(8 * len(ids), 1 << 22):
        lookup = np.full(high - low + 1, -1, dtype=np.int64)
        lookup[ids - low] = np.arange(len(ids))
        inside = (wanted >= low) & (wanted <= high)
        at = np.where(inside, lookup[np.clip(wanted - low, 0, high - low)], -1)
    else:
        order = np.argsort(ids, kind="stable")
        found = np.minimum(np.searchsorted(ids[order], wanted), len(ids) - 1)
        at = np.where(ids[order][found] == wanted, order[found], -1)
    if at.min() < 0:
        raise RuntimeError("allocation rows name enterprises the policy's rows do not have")
    return at


def payout_list(
    rows: dict[str, pa.Table],
    settings: dict[str, Settings],
    allocation: Allocation | None,
    firms: pa.Table,
) -> pa.Table:
    """The payout list (``LONG_COLUMNS``): every policy's rows that are not ineligible, with
    the allocation's columns and the firm's code, name and district — policy by policy, each
    in its rows' order."""
    parts = []
    for ident, table in rows.items():
        ineligible = pc.equal(table["status"], "ineligible")
        if pc.any(ineligible).as_py():  # a run of one enterprise keeps its ineligible rows
            table = table.filter(pc.invert(ineligible))
        columns = {
            c: table[c]
            for c in ("enterprise_id", "status", "amount", "failed", "unknown", "missing")
        }
        columns.update(settle(table, settings.get(ident), allocation))
        columns["policy"] = pa.repeat(pa.scalar(ident, pa.string()), table.num_rows)
        parts.append(columns)
    schema = payout_schema()
    if not parts:
        return schema.empty_table()
    # Typed by the payout list's schema: a policy's rows come typed by its engine (on Spark a
    # fixed amount comes back as int32).
    merged = {
        c: pa.chunked_array(
            [chunk.cast(schema.field(c).type) for part in parts for chunk in _chunks(part[c])],
            type=schema.field(c).type,
        )
        for c in parts[0]
    }
    firm_ids = np.asarray(firms["enterprise_id"].to_numpy(), dtype=np.int64)
    at = pa.array(_locate(firm_ids, np.asarray(merged["enterprise_id"].to_numpy(), dtype=np.int64)))
    for column in ("credit_code", "name", "district_id"):
        merged[column] = firms[column].take(at).cast(schema.field(column).type)
    return pa.table([merged[c] for c in LONG_COLUMNS], schema=schema)


def payout_schema() -> pa.Schema:
    types = {
        "enterprise_id": pa.int64(),
        "district_id": pa.int64(),
        "amount": pa.int64(),
        "amount_granted": pa.int64(),
        "amount_paid": pa.int64(),
        "budget_rank": pa.int64(),
    }
    return pa.schema([(c, types.get(c, pa.string())) for c in LONG_COLUMNS])


def _chunks(column: pa.Array | pa.ChunkedArray) -> list[pa.Array]:
    return column.chunks if isinstance(column, pa.ChunkedArray) else [column]
