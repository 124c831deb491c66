"""Compile a declaration, for one evaluation date, into one Ibis expression over the population.

The result has one row per enterprise:

* ``status``: ``pass``, ``fail`` or ``undetermined`` (an unknown clause could change it);
* ``score_low`` / ``score_high``: the innovation score as an interval — expert-judged items
  and the within-band choice make it a range, never a guessed midpoint;
* ``failed`` / ``unknown``: clause ids, comma-separated; ``missing``: the inputs to collect
  for an undetermined result; ``gap_zh`` / ``gap_en``: the smallest changes that would make
  each failing clause pass;
* ``c__<clause>`` (true / false / unknown) and ``p__<item>__low|high`` per clause and item,
  and ``v__<name>`` for every value a clause looked at — what an explanation shows.
"""

from __future__ import annotations

import ast
import datetime as dt
from dataclasses import dataclass
from fractions import Fraction

import ibis
import ibis.expr.types as ir

from .declaration import Band, Condition, Declaration, Gap, Measure, ScoreItem
from .expressions import (
    ExpressionError,
    Scope,
    Value,
    as_ibis,
    compare,
    compile_expression,
    constant,
)
from .registry import PERSON_HUNDREDTHS, POPULATION_INPUTS
from .yamlfile import DeclarationError

STATUS = ("pass", "fail", "undetermined")


@dataclass
class Compiled:
    declaration: Declaration
    as_of: dt.date
    table: ir.Table
    shown: dict[str, list[str]]  # clause/item id → names of the values it looked at
    parameters: dict[str, Fraction | str | None]


class Context:
    def __init__(self, declaration: Declaration, frame: ir.Table, as_of: dt.date):
        self.d = declaration
        self.frame = frame
        self.as_of = as_of
        self.metrics: dict[str, Value] = {}
        self.resolving: list[str] = []
        self.params: dict[str, Fraction | str | None] = {}
        for name, parameter in declaration.parameters.items():
            try:
                self.params[name] = parameter.at(as_of).value
            except LookupError:
                raise DeclarationError(
                    declaration.path,
                    parameter.line,
                    f"参数 {name} 在 {as_of} 没有生效的值",
                    f"parameter {name} has no value in force on {as_of}",
                ) from None
        self.scope = Scope(self.column, self.parameter, self.metric)

    def add(self, **columns: ir.Expr) -> dict[str, ir.Expr]:
        """Add columns as a new stage (a nested SELECT), so later stages refer to them by name
        instead of repeating their expressions — the SQL stays linear in the declaration."""
        self.frame = self.frame.mutate(**{k: _typed(k, v) for k, v in columns.items()})
        return {k: self.frame[k] for k in columns}

    def stage(self, prefix: str, value: Value) -> Value:
        if value.constant:
            return value
        if value.kind != "num":
            col = self.add(**{prefix: as_ibis(value.expr)})[prefix]
            return Value(value.kind, col, inputs=value.inputs)
        columns = {
            f"{prefix}__num": as_ibis(value.num).cast("float64" if value.floating else "int64")
        }
        if isinstance(value.den, ir.Expr):
            columns[f"{prefix}__den"] = value.den.cast("int64")
        added = self.add(**columns)
        return Value(
            "num",
            num=added[f"{prefix}__num"],
            den=added.get(f"{prefix}__den", value.den),
            floating=value.floating,
            inputs=value.inputs,
        )

    def input(self, name: str):
        """The input ``name`` is, or None (a subclass may know more inputs)."""
        return POPULATION_INPUTS.get(name)

    def column(self, name: str) -> Value | None:
        spec = self.input(name)
        if spec is None:
            return None
        col = self.frame[name]
        kind = {"date": "date", "bool": "bool", "code": "str"}.get(spec.unit)
        if kind:
            return Value(kind, col, inputs=frozenset([name]))
        # Staff counts are kept in hundredths: the exact fraction col/100 persons.
        den = PERSON_HUNDREDTHS if spec.unit == "persons" else 1
        return Value("num", num=col, den=den, inputs=frozenset([name]))

    def parameter(self, name: str) -> Value:
        if name not in self.params:
            raise ExpressionError(
                f"未声明的参数 param.{name}", f"undeclared parameter param.{name}"
            )
        value = self.params[name]
        return constant(value) if value is not None else Value("str", None)

    def metric(self, name: str) -> Value | None:
        if name in self.metrics:
            return self.metrics[name]
        spec = self.d.metrics.get(name)
        if spec is None:
            return None
        if name in self.resolving:
            cycle = " → ".join([*self.resolving[self.resolving.index(name) :], name])
            raise ExpressionError(f"指标循环引用：{cycle}", f"metrics refer to each other: {cycle}")
        self.resolving.append(name)
        try:
            value = self.compile(spec.expr, spec.line)
        finally:
            self.resolving.pop()
        value = Value(
            value.kind, value.expr, value.num, value.den, value.floating, value.inputs | {name}
        )
        value = self.stage(f"m__{name}", value)
        self.metrics[name] = value
        return value

    def compile(self, source: str, line: int, kind: str | None = None) -> Value:
        try:
            value = compile_expression(source, self.scope)
        except ExpressionError as exc:
            raise DeclarationError(
                self.d.path, line, f"{exc.zh}：{source}", f"{exc.en}: {source}"
            ) from None
        if kind and value.kind != kind:
            raise DeclarationError(
                self.d.path,
                line,
                f"表达式应为{'条件' if kind == 'bool' else '数值'}：{source}",
                f"the expression must be a {'condition' if kind == 'bool' else 'number'}: {source}",
            )
        return value


WORDS = ["credit_code", "name", "missing", "gap_zh", "gap_en"]  # produced only when asked


def compile_declaration(
    declaration: Declaration, frame: ir.Table, as_of: dt.date, *, words: bool = True
) -> Compiled:
    """``words=False``: the decisions alone (status, score, failed and unknown clauses, every
    clause's value) without the ``WORDS`` columns — what a bulk run needs; the words are
    produced by the same declaration when someone looks (explanations, exports)."""
    ctx = Context(declaration, frame, as_of)
    values: dict[str, Value] = {}  # everything an explanation may show
    shown: dict[str, list[str]] = {}
    needs: dict[str, frozenset[str]] = {}

    def remember(clause_id: str, value: Value, extra: list[str]) -> None:
        names = sorted(
            n for n in value.inputs if n in POPULATION_INPUTS or n in declaration.metrics
        )
        names += [n for n in extra if n not in names]
        for name in names:
            if name not in values:
                values[name] = ctx.metric(name) or ctx.column(name)
                if values[name] is None:
                    raise DeclarationError(
                        declaration.path,
                        None,
                        f"show 中的未知名称 {name}",
                        f"unknown name {name} in show",
                    )
        shown[clause_id] = names
        needs[clause_id] = frozenset(n for n in value.inputs if n in POPULATION_INPUTS)

    # Conditions (an any_of condition holds when one of its routes holds).
    condition_values: dict[str, Value] = {}
    for condition in declaration.conditions:
        condition_values[condition.id] = compile_condition(
            ctx, condition, condition_values, remember
        )
    cond = ctx.add(**{f"c__{cid}": as_ibis(v.expr) for cid, v in condition_values.items()})
    decisive = [c.id for c in declaration.conditions]

    # Score items: each an interval [low, high].
    if declaration.score:
        items = {}
        for item in declaration.score.items:
            low, high, value_inputs, show_names = _item(ctx, item, values)
            items[f"p__{item.id}__low"], items[f"p__{item.id}__high"] = low, high
            shown[item.id] = show_names
            needs[item.id] = value_inputs
        points = ctx.add(**items)
        bounds = {
            i.id: (points[f"p__{i.id}__low"], points[f"p__{i.id}__high"])
            for i in declaration.score.items
        }
        totals = {}
        lows, highs = [], []
        for group in [*declaration.score.groups, None]:
            members = [i.id for i in declaration.score.items if i.group == group]
            if not members:
                continue
            low = sum(bounds[m][0] for m in members)
            high = sum(bounds[m][1] for m in members)
            if group is not None:
                cap = declaration.score.groups[group].max
                low, high = ibis.least(low, cap), ibis.least(high, cap)
                totals[f"g__{group}__low"], totals[f"g__{group}__high"] = low, high
            lows.append(low)
            highs.append(high)
        totals["score_low"], totals["score_high"] = sum(lows), sum(highs)
        totals = ctx.add(**totals)
        score = ctx.add(
            c__score=_score_passes(ctx, bounds, totals["score_low"], totals["score_high"])
        )
        cond["c__score"] = score["c__score"]
        condition_values["score"] = Value("bool", score["c__score"])
        decisive.append("score")
    else:
        ctx.add(score_low=ibis.null("int64"), score_high=ibis.null("int64"))

    outcome = ctx.add(outcome=_outcome(ctx, condition_values))["outcome"]
    status = ctx.add(
        status=ibis.cases((outcome.isnull(), "undetermined"), (outcome, "pass"), else_="fail")
    )["status"]
    failed = _blocking(declaration, cond, decisive, "failed")
    summary: dict[str, ir.Expr] = {
        "failed": join_names(
            [ibis.ifelse(flag, c, ibis.null("string")) for c, flag in failed.items()]
        ),
        "unknown": join_names(
            [
                ibis.ifelse(flag, c, ibis.null("string"))
                for c, flag in _blocking(declaration, cond, decisive, "unknown").items()
            ]
        ),
    }
    summary.update(_shortfalls(ctx, declaration, failed))
    if words:
        summary["missing"] = _missing(ctx, cond, needs, status)
        summary["gap_zh"], summary["gap_en"] = _gaps(ctx, declaration, cond)
    summary.update(
        {
            f"v__{name}": value.as_float() if value.kind == "num" else as_ibis(value.expr)
            for name, value in values.items()
        }
    )
    ctx.add(**summary)
    keep = [
        "enterprise_id",
        "credit_code",
        "name",
        "district_id",
        "status",
        "score_low",
        "score_high",
        "failed",
        "unknown",
        "missing",
        "gap_zh",
        "gap_en",
    ]
    if not words:
        keep = [c for c in keep if c not in WORDS]
    detail = [
        c
        for c in ctx.frame.columns
        if c.startswith(("c__", "d__", "p__", "g__", "v__")) and c not in keep
    ]
    return Compiled(declaration, as_of, ctx.frame.select(*keep, *detail), shown, ctx.params)


def _typed(name: str, expr: ir.Expr) -> ir.Expr:
    expr = as_ibis(expr)
    if name.startswith("c__"):
        return expr.cast("boolean")
    if name.startswith(("p__", "g__", "score_")):
        return expr.cast("int64")
    return expr


def join_names(parts: list[ir.Expr]) -> ir.Expr:
    if not parts:
        return ibis.null("string")
    joined = ibis.literal(",").join(parts)
    return ibis.ifelse(joined == "", ibis.null("string"), joined)


def compile_condition(ctx: Context, condition: Condition, done: dict, remember) -> Value:
    if condition.expr is not None:
        value = ctx.compile(condition.expr, condition.line, "bool")
        remember(condition.id, value, condition.show)
        return value
    routes = []
    for route in condition.any_of:
        value = (
            ctx.compile(route.expr, route.line, "bool")
            if route.expr
            else compile_condition(ctx, route, done, remember)
        )
        remember(route.id, value, route.show)
        done[route.id] = value
        routes.append(value)
    result = routes[0].expr
    for value in routes[1:]:
        result = as_ibis(result) | as_ibis(value.expr)
    value = Value("bool", result, inputs=frozenset().union(*(r.inputs for r in routes)))
    remember(condition.id, value, condition.show)
    return value


def band_test(ctx: Context, band: Band, value: Value | None, line: int) -> Value:
    if band.when is not None:
        return ctx.compile(band.when, band.line or line, "bool")
    interval = band.interval
    if interval is None:  # otherwise: true
        return constant(True)
    tests = []
    if interval.low is not None:
        tests.append(compare("GtE" if interval.low_closed else "Gt", value, constant(interval.low)))
    if interval.high is not None:
        tests.append(
            compare("LtE" if interval.high_closed else "Lt", value, constant(interval.high))
        )
    if not tests:
        return constant(True)
    expr = tests[0].expr
    for t in tests[1:]:
        expr = as_ibis(expr) & as_ibis(t.expr)
    return Value("bool", expr, inputs=value.inputs)


def _measure_bounds(ctx: Context, measure: Measure, values: dict, prefix: str):
    """The points of the first band that holds, as [low, high]. When a test is unknown every
    band still possible counts: the interval spans them (an unknown value spans them all)."""
    value = ctx.compile(measure.value, measure.line, "num") if measure.value else None
    inputs = value.inputs if value else frozenset()
    if value is not None:
        value = ctx.stage(f"{prefix}__value", value)
        values.setdefault(f"{prefix}__value", value)
    tests = [band_test(ctx, band, value, measure.line) for band in measure.bands]
    for t in tests:
        inputs |= t.inputs
    staged = ctx.add(**{f"{prefix}__t{i}": as_ibis(t.expr) for i, t in enumerate(tests)})
    tests = [staged[f"{prefix}__t{i}"] for i in range(len(tests))]
    low = high = None
    for i, band in enumerate(measure.bands):
        earlier_true = None
        for t in tests[:i]:
            sure = t.fill_null(False)
            earlier_true = sure if earlier_true is None else earlier_true | sure
        possible = tests[i].fill_null(True)
        if earlier_true is not None:
            possible = possible & ~earlier_true
        b_low = ibis.ifelse(possible, band.low, ibis.null("int64"))
        b_high = ibis.ifelse(possible, band.high, ibis.null("int64"))
        # LEAST/GREATEST skip NULLs on every engine used here.
        low = b_low if low is None else ibis.least(low, b_low)
        high = b_high if high is None else ibis.greatest(high, b_high)
    return low, high, inputs


def _item(ctx: Context, item: ScoreItem, values: dict):
    inputs: frozenset[str] = frozenset()
    low = high = None
    for measure in item.measures:
        m_low, m_high, m_inputs = _measure_bounds(ctx, measure, values, f"b__{measure.id}")
        inputs |= m_inputs
        low = m_low if low is None else ibis.greatest(low, m_low)
        high = m_high if high is None else ibis.greatest(high, m_high)
    show = sorted(n for n in inputs if n in POPULATION_INPUTS or n in ctx.d.metrics)
    if item.judged is not None:
        judged = ctx.column(item.judged)
        if judged is None or POPULATION_INPUTS[item.judged].unit != "points":
            raise DeclarationError(
                ctx.d.path,
                item.line,
                f"judged 须为评分类输入：{item.judged}",
                f"judged must name a score input: {item.judged}",
            )
        raw = as_ibis(judged.num)
        score = ibis.ifelse(
            raw.isnull(), ibis.null("int64"), ibis.least(ibis.greatest(raw, 0), item.max)
        )
        low = ibis.coalesce(score, low if low is not None else 0)
        high = ibis.coalesce(score, high if high is not None else item.max)
        inputs |= {item.judged}
        show.append(item.judged)
    for name in show:
        if name not in values:
            values[name] = ctx.metric(name) or ctx.column(name)
    return (
        as_ibis(low).cast("int64"),
        as_ibis(high).cast("int64"),
        frozenset(n for n in inputs if n in POPULATION_INPUTS),
        show,
    )


def _score_passes(ctx: Context, bounds: dict, low: ir.Expr, high: ir.Expr) -> ir.Expr:
    """``passes`` must be monotone in the scores (only ``score >= k``-like tests), so it holds
    for sure when it holds at the low ends and fails for sure when it fails at the high ends."""
    source = ctx.d.score.passes
    _check_monotone(ctx, source)

    def at(which: int) -> ir.Expr:
        def column(name: str) -> Value | None:
            if name == "score":
                return Value("num", num=(low, high)[which], den=1)
            return ctx.column(name)

        def metric(name: str) -> Value | None:
            return None

        scope = Scope(column, ctx.parameter, metric)
        prefix_scope = _PointsScope(scope, bounds, which)
        try:
            value = compile_expression(source.replace("points.", "points__"), prefix_scope)
        except ExpressionError as exc:
            raise DeclarationError(
                ctx.d.path, None, f"score.passes：{exc.zh}", f"score.passes: {exc.en}"
            ) from None
        return as_ibis(value.expr)

    sure, possible = at(0), at(1)
    return ibis.cases((sure, True), (~possible, False), else_=ibis.null("boolean"))


class _PointsScope(Scope):
    def __init__(self, inner: Scope, bounds: dict, which: int):
        def column(name: str) -> Value | None:
            if name.startswith("points__"):
                item = name.removeprefix("points__")
                if item not in bounds:
                    raise ExpressionError(
                        f"未知评分项 points.{item}", f"unknown score item points.{item}"
                    )
                return Value("num", num=bounds[item][which], den=1)
            return inner.column(name)

        super().__init__(column, inner.parameter, inner.metric)


def _check_monotone(ctx: Context, source: str) -> None:
    tree = ast.parse(source.replace("points.", "points__"), mode="eval")
    for node in ast.walk(tree):
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            raise DeclarationError(
                ctx.d.path,
                None,
                "score.passes 不能用 not（须只含“分数不低于”类条件）",
                "score.passes cannot use not (only 'score at least' tests)",
            )
        if isinstance(node, ast.Compare):
            left = node.left
            for op, right in zip(node.ops, node.comparators):
                scored_left = _is_score(left)
                scored_right = _is_score(right)
                upward = isinstance(op, ast.GtE | ast.Gt) and scored_left and not scored_right
                upward |= isinstance(op, ast.LtE | ast.Lt) and scored_right and not scored_left
                if (scored_left or scored_right) and not upward:
                    raise DeclarationError(
                        ctx.d.path,
                        None,
                        f"score.passes 只能写“分数 >= 门槛”：{ast.unparse(node)}",
                        f"score.passes may only test 'score >= threshold': {ast.unparse(node)}",
                    )
                left = right


def _is_score(node: ast.AST) -> bool:
    return isinstance(node, ast.Name) and (node.id == "score" or node.id.startswith("points__"))


def _outcome(ctx: Context, conditions: dict[str, Value]) -> ir.Expr:
    if ctx.d.outcome is None:
        result = None
        for cid in [c.id for c in ctx.d.conditions] + (["score"] if ctx.d.score else []):
            expr = as_ibis(conditions[cid].expr)
            result = expr if result is None else result & expr
        return result

    def column(name: str) -> Value | None:
        if name in conditions:
            return Value("bool", conditions[name].expr)
        return None

    scope = Scope(column, ctx.parameter, lambda name: None)
    try:
        value = compile_expression(ctx.d.outcome, scope)
    except ExpressionError as exc:
        raise DeclarationError(
            ctx.d.path, None, f"outcome：{exc.zh}", f"outcome: {exc.en}"
        ) from None
    if value.kind != "bool":
        raise DeclarationError(ctx.d.path, None, "outcome 须为条件", "outcome must be a condition")
    return as_ibis(value.expr)


def _blocking(declaration: Declaration, cond: dict, decisive: list[str], kind: str) -> dict:
    """Per clause, whether it is reported as failed (or unknown) — following the outcome.

    With ``outcome: a and (score or direct)``, a firm that passes on its score has not
    "failed" the direct routes, and one short on both alternatives failed one of them, not
    two: an ``or`` with a true branch reports nothing; otherwise its cheapest false branch
    (fewest failed clauses, the first on a tie) — or, for unknowns, every unknown branch.
    Outcomes that are not and/or over clause names report every false (unknown) clause.
    """

    def leaf(c: str) -> dict:
        value = cond[f"c__{c}"]
        flag = (value == False) if kind == "failed" else value.isnull()
        return {c: flag.fill_null(False)}

    tree = _and_or_tree(declaration.outcome, set(decisive)) if declaration.outcome else None
    if tree is None:
        flags: dict = {}
        for c in decisive:
            flags.update(leaf(c))
        return flags

    def truth(node) -> ir.Expr:
        if isinstance(node, str):
            return cond[f"c__{node}"]
        parts = [truth(child) for child in node[1]]
        result = parts[0]
        for part in parts[1:]:
            result = (result & part) if node[0] == "and" else (result | part)
        return result

    def flags_of(node) -> dict:
        if isinstance(node, str):
            return leaf(node)
        children = [flags_of(child) for child in node[1]]
        merged: dict = {}
        if node[0] == "and":
            for child in children:
                for c, flag in child.items():
                    merged[c] = merged[c] | flag if c in merged else flag
            return merged
        values = [truth(child) for child in node[1]]
        open_ = ~ibis.or_(*[(v == True).fill_null(False) for v in values])
        if kind == "unknown":
            for child in children:
                for c, flag in child.items():
                    merged[c] = (merged[c] | flag) if c in merged else flag
            return {c: open_ & flag for c, flag in merged.items()}
        # failed: only when every branch is false; then the cheapest branch
        open_ = open_ & ~ibis.or_(*[v.isnull() for v in values])
        costs = [sum(flag.cast("int64") for flag in child.values()) for child in children]
        for i, child in enumerate(children):
            chosen = open_
            for j in range(len(children)):
                if j != i:
                    chosen = chosen & ((costs[i] < costs[j]) if j < i else (costs[i] <= costs[j]))
            for c, flag in child.items():
                merged[c] = (merged[c] | (chosen & flag)) if c in merged else (chosen & flag)
        return merged

    return {c: flag.fill_null(False) for c, flag in flags_of(tree).items()}


def _and_or_tree(source: str, names: set[str]):
    """The outcome as nested ("and"|"or", [children]) over clause names; None otherwise."""
    try:
        node = ast.parse(source, mode="eval").body
    except SyntaxError:
        return None

    def walk(n):
        if isinstance(n, ast.Name) and n.id in names:
            return n.id
        if isinstance(n, ast.BoolOp):
            children = [walk(v) for v in n.values]
            if any(c is None for c in children):
                return None
            return ("and" if isinstance(n.op, ast.And) else "or", children)
        return None

    return walk(node)


def _missing(ctx, cond, needs, status) -> ir.Expr:
    """For an undetermined result: the inputs to collect (those unknown where it matters)."""
    wanted: dict[str, list[ir.Expr]] = {}
    for clause, inputs in needs.items():
        if f"c__{clause}" in cond:
            open_ = cond[f"c__{clause}"].isnull()
            parent = _parent(ctx.d, clause)
            if parent is not None:  # a route matters only while its condition is open
                open_ = open_ & cond[f"c__{parent}"].isnull()
        elif f"p__{clause}__low" in ctx.frame.columns:
            open_ = ctx.frame[f"p__{clause}__low"] != ctx.frame[f"p__{clause}__high"]
        else:
            continue
        for name in inputs:
            wanted.setdefault(name, []).append(open_)
    return missing_list(ctx.frame, wanted, status)


def missing_list(frame: ir.Table, wanted: dict[str, list[ir.Expr]], status: ir.Expr) -> ir.Expr:
    """``missing``: the inputs that are unknown while a clause reading them is open
    (``wanted``: input → the open tests of its clauses), for undetermined rows only."""
    parts = []
    for name in sorted(wanted):
        clause_open = wanted[name][0]
        for other in wanted[name][1:]:
            clause_open = clause_open | other
        parts.append(ibis.ifelse(frame[name].isnull() & clause_open, name, ibis.null("string")))
    return ibis.ifelse(status == "undetermined", join_names(parts), ibis.null("string"))


# The comparisons whose distance is measured: a lower bound ``value >= threshold`` (or ``>``),
# the shortfall max(0, threshold − value) / |threshold|. Upper bounds (size caps, ages), dates
# and equality are not reached by growing, so they are not measured; nor is a threshold of 0.
# ``a and b``: the largest shortfall of its false parts (unmeasured if a false part is);
# ``a or b`` and ``any_of``: the smallest of its routes'.
LOWER_BOUNDS = (ast.GtE, ast.Gt)
SHORTFALL_PLACES = 9


def _shortfalls(ctx: Context, declaration: Declaration, failed: dict) -> dict[str, ir.Expr]:
    """``d__<clause>`` for every top-level clause: its relative shortfall where it is reported
    failed (``failed``: clause → flag, as in the ``failed`` column), else unknown."""
    found = {}
    for condition in declaration.conditions:
        shortfall = _condition_shortfall(ctx, condition)
        if shortfall is not None and condition.id in failed:
            found[f"d__{condition.id}"] = ibis.ifelse(
                failed[condition.id], shortfall, ibis.null("float64")
            )
    return found


def _condition_shortfall(ctx: Context, condition: Condition) -> ir.Expr | None:
    if condition.any_of:
        return _nearest([_condition_shortfall(ctx, route) for route in condition.any_of])
    return _shortfall(ctx, ast.parse(condition.expr.strip(), mode="eval").body, condition.line)


def _nearest(routes: list[ir.Expr | None]) -> ir.Expr | None:
    measured = [r for r in routes if r is not None]
    if len(measured) > 1:
        return ibis.least(*measured)  # LEAST skips a route unmeasured for this firm
    return measured[0] if measured else None


def _shortfall(ctx: Context, node: ast.expr, line: int) -> ir.Expr | None:
    """The shortfall of the test ``node`` (None: never measured), for a firm failing it."""
    if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or):
        return _nearest([_shortfall(ctx, part, line) for part in node.values])
    if isinstance(node, ast.BoolOp):  # and: every false part counts
        parts = []
        for part in node.values:
            holds = as_ibis(ctx.compile(ast.unparse(part), line, "bool").expr)
            short = _shortfall(ctx, part, line)
            missing = ibis.null("float64")
            parts.append(ibis.ifelse(holds, 0.0, short if short is not None else missing))
        worst = ibis.greatest(*parts) if len(parts) > 1 else parts[0]
        return ibis.ifelse(ibis.or_(*[p.isnull() for p in parts]), ibis.null("float64"), worst)
    if not (
        isinstance(node, ast.Compare)
        and len(node.ops) == 1
        and isinstance(node.ops[0], LOWER_BOUNDS)
    ):
        return None
    value = ctx.compile(ast.unparse(node.left), line)
    threshold = ctx.compile(ast.unparse(node.comparators[0]), line)
    if value.kind != "num" or threshold.kind != "num":
        return None
    v, t = value.as_float(), threshold.as_float()
    # Rounded: pow() (cagr) differs in the last bits between engines; 9 places is plenty.
    short = ibis.greatest((t - v) / t.abs(), 0.0).round(SHORTFALL_PLACES)
    return ibis.ifelse(t == 0, ibis.null("float64"), short)


def _format_amount(amount: ir.Expr, unit: str) -> ir.Expr:
    if unit == "fen":  # shown in 万元 with two decimals, rounded up to 0.01 万元
        hundredths = ((amount + 9999) / 10000).floor().cast("int64")
        whole = (hundredths / 100).floor().cast("int64").cast("string")
        cents = (
            (hundredths - (hundredths / 100).floor().cast("int64") * 100)
            .cast("string")
            .lpad(2, "0")
        )
        return whole + "." + cents
    return amount.cast("int64").cast("string")


def _gap_amount(ctx: Context, gap: Gap) -> ir.Expr:
    amount_value = ctx.compile(gap.amount, gap.line, "num")
    ceil = compile_expression(
        "ceil(x)",
        Scope(lambda n: amount_value if n == "x" else None, ctx.parameter, lambda n: None),
    )
    return as_ibis(ceil.num)


def _gap_text(gap: Gap, amount: ir.Expr, failed: ir.Expr) -> tuple[ir.Expr, ir.Expr]:
    shown = _format_amount(amount, gap.unit)
    usable = failed & amount.notnull() & (amount > 0)
    texts = []
    for template in (gap.text.zh, gap.text.en):
        before, after = template.split("{amount}", 1)
        texts.append(
            ibis.ifelse(
                usable, ibis.literal(before) + shown + ibis.literal(after), ibis.null("string")
            )
        )
    return texts[0], texts[1]


def _gaps(ctx, declaration, columns):
    wanted = []  # (clause id, gap, when it applies)
    for condition in declaration.all_conditions():
        if condition.gap is None:
            continue
        if f"c__{condition.id}" in columns:
            failed = columns[f"c__{condition.id}"] == False
        else:
            continue
        parent = _parent(declaration, condition.id)
        if parent is not None:  # a route's gap matters only while its condition fails
            failed = failed & (columns[f"c__{parent}"] == False)
        wanted.append((condition.id, condition.gap, failed.fill_null(False)))
    if declaration.score:
        not_passed = (columns["c__score"] == False).fill_null(False)
        wanted += [(item.id, item.gap, not_passed) for item in declaration.score.items if item.gap]
    # The amounts in a stage of their own: each text repeats its amount several times, and the
    # engines would compute it again each time (about a third of the HNTE query at 1M firms).
    amounts = (
        ctx.add(**{f"gap__{cid}": _gap_amount(ctx, gap) for cid, gap, _ in wanted})
        if wanted
        else {}
    )
    zh, en = [], []
    for cid, gap, failed in wanted:
        z, e = _gap_text(gap, amounts[f"gap__{cid}"], failed)
        zh.append(z)
        en.append(e)
    separator_zh, separator_en = "；", "; "
    return (
        _join_with(zh, separator_zh),
        _join_with(en, separator_en),
    )


def _join_with(parts: list[ir.Expr], separator: str) -> ir.Expr:
    if not parts:
        return ibis.null("string")
    joined = ibis.literal(separator).join(parts)
    return ibis.ifelse(joined == "", ibis.null("string"), joined)


def _parent(declaration: Declaration, clause_id: str) -> str | None:
    for condition in declaration.conditions:
        if any(route.id == clause_id for route in condition.any_of):
            return condition.id
    return None
