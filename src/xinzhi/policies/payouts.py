"""Compile a policy, for one evaluation date, into one Ibis expression over the population:
per enterprise, whether it is eligible and how much it is due — before stacking and budget
(``allocation``), with every clause and value an explanation shows.

Columns: ``status`` (``eligible`` | ``ineligible`` | ``undetermined``), ``amount`` (whole fen,
rounded down; known for the eligible and for the undetermined whose amount does not depend on
the missing data), ``failed`` / ``unknown`` (clause ids), ``missing`` (inputs to collect),
``rank_1..3`` (budget ranking keys, ascending), ``c__scope`` and ``c__<clause>``, ``v__<name>``.

The amount: the formula (fixed, percent of a base, or stepped bands) → at most ``cap`` → at
least ``minimum`` → never negative → rounded down to ``round`` (fen, 元, 百元 …).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from fractions import Fraction

import ibis
import ibis.expr.types as ir

from ..rulelang.compiler import Context, band_test, compile_condition, join_names, missing_list
from ..rulelang.expressions import (
    FUNCTIONS,
    ExpressionError,
    Value,
    arithmetic,
    as_ibis,
    choose,
    constant,
    kleene_and,
)
from ..rulelang.registry import input_spec
from ..rulelang.yamlfile import DeclarationError
from .declarations import Policy

RANK_KEYS = 3
POLICY_STATUS = ("eligible", "ineligible", "undetermined")
SCOPE = "scope"


@dataclass
class CompiledPolicy:
    policy: Policy
    as_of: dt.date
    table: ir.Table
    shown: dict[str, list[str]]  # clause id → the values it looked at
    amount_shown: list[str]
    parameters: dict[str, Fraction | str | None]
    budget: int | None  # fen; None: no budget


class _PolicyContext(Context):
    """The assessment compiler's context, reading policy inputs and assessment statuses too."""

    def __init__(self, policy: Policy, frame: ir.Table, as_of: dt.date, overrides: dict | None):
        super().__init__(policy, frame, as_of)
        for name, value in (overrides or {}).items():
            if name not in self.params:
                raise DeclarationError(
                    policy.path, None, f"未知参数 {name}", f"unknown parameter {name}"
                )
            self.params[name] = value

    def input(self, name: str):
        """Policy inputs and assessment statuses too, where the frame has them."""
        return input_spec(name) if name in self.frame.columns else None

    def function(self, name: str, *args: Value) -> Value:
        return FUNCTIONS[name][1](*args)


def compile_policy(
    policy: Policy,
    frame: ir.Table,
    as_of: dt.date,
    overrides: dict | None = None,
    keep_ineligible: bool = True,
) -> CompiledPolicy:
    """``keep_ineligible=False`` drops the ineligible rows as soon as the status is known, so
    the explanation columns are computed for the others only (most firms are ineligible)."""
    frame = frame.select(*needed_columns(policy, frame))
    judged = {
        f"judged__{c}": ibis.null("boolean")
        for c in sorted(policy.judged)
        if f"judged__{c}" not in frame.columns
    }
    if judged:
        frame = frame.mutate(**judged)
    ctx = _PolicyContext(policy, frame, as_of, overrides)
    values: dict[str, Value] = {}
    shown: dict[str, list[str]] = {}
    needs: dict[str, frozenset[str]] = {}

    def known_name(name: str) -> bool:
        return input_spec(name) is not None or name in policy.metrics

    def remember(clause_id: str, value: Value, extra: list[str]) -> None:
        names = sorted(n for n in value.inputs if known_name(n))
        names += [n for n in extra if n not in names]
        for name in names:
            if name not in values:
                found = ctx.metric(name) or ctx.column(name)
                if found is None:
                    raise DeclarationError(
                        policy.path,
                        None,
                        f"show 中的未知名称 {name}",
                        f"unknown name {name} in show",
                    )
                values[name] = found
        shown[clause_id] = names
        needs[clause_id] = frozenset(n for n in value.inputs if input_spec(n) is not None)

    scope = _scope(ctx, policy)
    remember(SCOPE, scope, [])
    clauses: dict[str, Value] = {SCOPE: scope}
    for condition in policy.conditions:
        if condition.id in policy.judged:
            value = ctx.column(f"judged__{condition.id}")
            remember(condition.id, value, [])
            clauses[condition.id] = value
            continue
        clauses[condition.id] = compile_condition(ctx, condition, clauses, remember)
    cond = ctx.add(**{f"c__{cid}": as_ibis(v.expr).cast("boolean") for cid, v in clauses.items()})
    decisive = [SCOPE, *[c.id for c in policy.conditions]]
    eligible = True
    for cid in decisive:
        eligible = kleene_and(eligible, cond[f"c__{cid}"])

    amount, amount_inputs = _amount(ctx, policy)
    amount_shown = sorted(n for n in amount_inputs if known_name(n))
    for name in amount_shown:
        values.setdefault(name, ctx.metric(name) or ctx.column(name))
    eligible = as_ibis(eligible)
    stage = ctx.add(
        amount=as_ibis(amount.num).cast("int64")
        if not amount.constant
        else ibis.literal(int(amount.fraction()), type="int64")
    )
    amount_col = stage["amount"]
    status = ctx.add(
        status=ibis.cases(
            (eligible == False, "ineligible"),
            ((eligible == True) & amount_col.notnull(), "eligible"),
            else_="undetermined",
        )
    )["status"]
    needs["amount"] = frozenset(n for n in amount_inputs if input_spec(n) is not None)
    if not keep_ineligible:
        # status != "ineligible", on the clauses alone: the engine then computes the amount
        # and the status text for the rows kept only.
        ctx.frame = ctx.frame.filter(ibis.coalesce(eligible, True))
        cond = {name: ctx.frame[name] for name in cond}
        status, amount_col = ctx.frame.status, ctx.frame.amount
    summary = {
        # Lists are built only where they can be non-empty: a kept row fails no clause, and
        # only an undetermined row has unknown ones (most rows are one or the other).
        "failed": ibis.ifelse(
            status == "ineligible",
            join_names(
                [ibis.ifelse(cond[f"c__{c}"] == False, c, ibis.null("string")) for c in decisive]
            ),
            ibis.null("string"),
        ),
        "unknown": ibis.ifelse(
            status == "undetermined",
            join_names(
                [ibis.ifelse(cond[f"c__{c}"].isnull(), c, ibis.null("string")) for c in decisive]
            ),
            ibis.null("string"),
        ),
        "missing": _missing(ctx, cond, needs, status, amount_col),
    }
    summary.update(_rank_keys(ctx, policy))
    summary.update(
        {
            f"v__{name}": value.as_float() if value.kind == "num" else as_ibis(value.expr)
            for name, value in values.items()
        }
    )
    ctx.add(**summary)
    # The firm's name and code stay in the frame: a run joins them once to its payout list.
    keep = [
        "enterprise_id",
        "status",
        "amount",
        "failed",
        "unknown",
        "missing",
        *[f"rank_{i}" for i in range(1, RANK_KEYS + 1)],
    ]
    detail = [c for c in ctx.frame.columns if c.startswith(("c__", "v__")) and c not in keep]
    return CompiledPolicy(
        policy,
        as_of,
        ctx.frame.select(*keep, *detail),
        shown,
        amount_shown,
        dict(ctx.params),
        _budget_total(ctx, policy),
    )


BASE_COLUMNS = (
    "enterprise_id",
    "credit_code",
    "name",
    "district_id",
    "district_code",
    "park_name",
    "as_of",
    "window_year",
)


def needed_columns(policy: Policy, frame: ir.Table) -> list[str]:
    """The frame's columns the policy can read: a narrow frame keeps the expression (and the
    engine's plan) small — the frame has a hundred and more inputs, a policy reads a few."""
    words = set()
    for source, _ in policy.expressions():
        words.update(re.findall(r"[a-z_][a-z0-9_]*", source))
    for condition in policy.all_conditions():
        words.update(condition.show)
    words.update(f"judged__{c}" for c in policy.judged)
    return [c for c in frame.columns if c in BASE_COLUMNS or c in words]


def _scope(ctx: _PolicyContext, policy: Policy) -> Value:
    """The policy's geographic scope as a clause: region prefix, districts, parks."""
    district = ctx.column("district_code")
    tests = []
    prefix = policy.scope.region.rstrip("0")
    if prefix:
        tests.append(as_ibis(district.expr).startswith(prefix))
    if policy.scope.districts:
        tests.append(as_ibis(district.expr).isin(policy.scope.districts))
    inputs = {"district_code"}
    if policy.scope.parks:
        tests.append(as_ibis(ctx.column("park_name").expr).isin(policy.scope.parks))
        inputs.add("park_name")
    expr = True
    for test in tests:
        expr = kleene_and(expr, test)
    return Value("bool", expr, inputs=frozenset(inputs))


def _compile_num(ctx: _PolicyContext, source: str, line: int) -> Value:
    return ctx.compile(source, line, "num")


def _amount(ctx: _PolicyContext, policy: Policy) -> tuple[Value, frozenset[str]]:
    a = policy.amount
    if a.kind == "fixed":
        value = _compile_num(ctx, a.fixed, a.line)
    elif a.kind == "percent":
        value = arithmetic(
            "*", _compile_num(ctx, a.base, a.line), _compile_num(ctx, a.rate, a.line)
        )
    else:
        banded = ctx.stage("amount__value", _compile_num(ctx, a.value, a.line))
        tests = [band_test(ctx, step.band, banded, step.band.line) for step in a.steps]
        amounts = [_compile_num(ctx, step.amount, step.band.line) for step in a.steps]
        value = amounts[-1]
        for test, amount in zip(reversed(tests[:-1]), reversed(amounts[:-1])):
            value = choose(test, amount, value)
        # The last band's test matters too: an unknown banded value leaves the amount unknown.
        value = choose(tests[-1], value, value) if not tests[-1].constant else value
        value = Value(
            "num",
            num=value.num,
            den=value.den,
            floating=value.floating,
            inputs=value.inputs | banded.inputs,
        )
    # Each step is staged as columns: the next refers to them by name instead of repeating
    # the expression (min/max/floor repeat their operands; unstaged, the SQL grows each step).
    inputs = set(value.inputs)
    value = ctx.stage("amount__formula", value)
    if a.cap:
        cap = _compile_num(ctx, a.cap, a.line)
        value = ctx.stage("amount__capped", ctx.function("min", value, cap))
        inputs |= cap.inputs
    if a.minimum:
        minimum = _compile_num(ctx, a.minimum, a.line)
        value = ctx.stage("amount__minimum", ctx.function("max", value, minimum))
        inputs |= minimum.inputs
    value = ctx.stage("amount__positive", ctx.function("max", value, constant(0)))
    if value.floating:
        raise DeclarationError(
            policy.path,
            a.line,
            "金额须为精确数（不能用 cagr 等浮点函数）",
            "the amount must be exact (no cagr or other floating functions)",
        )
    whole = ctx.function("floor", arithmetic("/", value, constant(a.round)))
    value = arithmetic("*", whole, constant(a.round))
    return value, frozenset(inputs)


def _rank_keys(ctx: _PolicyContext, policy: Policy) -> dict[str, ir.Expr]:
    """Budget ranking keys as ascending float columns (a descending key is negated); an
    unknown key ranks last."""
    keys = policy.budget.rank_by if policy.budget else []
    columns = {}
    for i in range(1, RANK_KEYS + 1):
        if i > len(keys):
            columns[f"rank_{i}"] = ibis.literal(0.0, type="float64")
            continue
        key = keys[i - 1]
        value = ctx.compile(key.expr, policy.budget.line, "num").as_float()
        value = -value if key.descending else value
        columns[f"rank_{i}"] = value.fill_null(float("inf"))
    return columns


def _budget_total(ctx: _PolicyContext, policy: Policy) -> int | None:
    if policy.budget is None:
        return None
    value = ctx.compile(policy.budget.total, policy.budget.line, "num")
    if not value.constant:
        raise DeclarationError(
            policy.path,
            policy.budget.line,
            "预算总额不能依赖企业数据",
            "the budget total cannot depend on enterprise data",
        )
    total = value.fraction()
    if total < 0:
        raise DeclarationError(
            policy.path, policy.budget.line, "预算总额不能为负", "the budget cannot be negative"
        )
    return int(total)  # whole fen, rounded down


def _missing(
    ctx: _PolicyContext, cond: dict, needs: dict, status: ir.Expr, amount: ir.Expr
) -> ir.Expr:
    """For an undetermined result: the inputs to collect (unknown where it matters)."""
    wanted: dict[str, list[ir.Expr]] = {}
    for clause, inputs in needs.items():
        open_ = amount.isnull() if clause == "amount" else cond[f"c__{clause}"].isnull()
        for name in inputs:
            wanted.setdefault(name, []).append(open_)
    return missing_list(ctx.frame, wanted, status)


def check_policy(policy: Policy, frame: ir.Table, as_of: dt.date) -> CompiledPolicy:
    """Compile without data (a frame with the inputs' schema only): raises DeclarationError for
    unknown names and type errors, with the file and line."""
    try:
        return compile_policy(policy, frame, as_of)
    except ExpressionError as exc:  # an error the context did not place on a line
        raise DeclarationError(policy.path, None, exc.zh, exc.en) from None
