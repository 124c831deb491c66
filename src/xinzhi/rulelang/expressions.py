"""The expression language of declarations, compiled to Ibis.

Expressions are Python-like (``rd_expense_3y / revenue_3y >= param.rd_ratio``) and parsed
with ``ast``; only the forms listed below are accepted, so a declaration cannot run code.

Numbers are kept as exact fractions ``num / den`` of two integer expressions, so that a
boundary written in the text ("不低于 10%", "5,000万元（含）") is compared exactly — no binary
floating point between the data and the threshold. A zero denominator makes the value
unknown. Only functions that are irrational by nature (``cagr``, ``hnte_growth``) give
floating-point values; those are rounded to 12 decimal places before comparison.

Logic is three-valued (Kleene): unknown AND false is false, unknown OR true is true, every
other combination with unknown is unknown — the same on DuckDB, PostgreSQL and Spark SQL.

Accepted forms: numbers, strings, ``True``/``False``; names of inputs and metrics;
``param.<name>``; ``+ - * /``; comparisons (chained too) and ``in (…)``; ``and or not``;
``a if cond else b``; calls of ``known coalesce min max ifelse ceil floor cagr hnte_growth``;
a date shifted by whole years, ``as_of - years(param.max_age_years)``, to be compared.

A shifted date is compared as the calendar counts a period of years (民法典第二百零一条: the
period ends on the corresponding day, or the month's last day when there is none): each side
becomes the integer ``year·10000 + month·100 + day`` with the years added, so 29 February plus
one year sits between 28 February and 1 March — the same on every engine, no interval types.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import ibis
import ibis.expr.types as ir

from ..domain.errors import XinzhiError

ROUND_PLACES = 12


class ExpressionError(XinzhiError, ValueError):
    """Raised with the reason; the caller adds the file and line."""

    def __init__(self, zh: str, en: str):
        super().__init__(zh, en)


@dataclass(frozen=True)
class Value:
    """A compiled expression.

    ``kind`` is num, bool, str or date. Numbers are ``num / den`` (both integer Ibis
    expressions, or Python ints for constants); ``floating`` numbers are a float64 ``num``
    over 1. ``inputs`` are the data inputs the value depends on (for "unknown" reports).
    """

    kind: str
    expr: Any = None  # bool/str/date: the Ibis expression, or a Python constant
    num: Any = None
    den: Any = 1
    floating: bool = False
    inputs: frozenset[str] = field(default_factory=frozenset)
    shift_years: int = 0  # date: whole years added (``as_of - years(10)`` is −10); years: the count

    @property
    def constant(self) -> bool:
        if self.kind == "num":
            return not isinstance(self.num, ir.Expr) and not isinstance(self.den, ir.Expr)
        return not isinstance(self.expr, ir.Expr)

    def fraction(self) -> Fraction:
        return Fraction(self.num) / Fraction(self.den)

    def as_float(self) -> ir.Expr:
        """The value as float64 (for display and storage), unknown when the denominator is 0."""
        if self.kind != "num":
            return as_ibis(self.expr)
        if self.constant:
            return ibis.literal(float(self.fraction()), type="float64")
        num = as_ibis(self.num).cast("float64")
        if isinstance(self.den, int) and self.den == 1:
            return num
        den = as_ibis(self.den)
        return ibis.ifelse(den == 0, ibis.null("float64"), num / den.cast("float64"))


def as_ibis(x: Any) -> ir.Expr:
    if isinstance(x, ir.Expr):
        return x
    if isinstance(x, bool):
        return ibis.literal(x)
    if isinstance(x, int):
        return ibis.literal(x, type="int64")
    if isinstance(x, Fraction):
        return ibis.literal(float(x), type="float64")
    if x is None:
        return ibis.null()
    return ibis.literal(x)


def constant(x: Fraction | int | str | bool | None) -> Value:
    if isinstance(x, bool):
        return Value("bool", x)
    if isinstance(x, int | Fraction):
        f = Fraction(x)
        return Value("num", num=f.numerator, den=f.denominator)
    if isinstance(x, str):
        return Value("str", x)
    raise ExpressionError(f"不支持的常量 {x!r}", f"unsupported constant {x!r}")


class Scope:
    """What names mean while compiling: inputs (columns), metrics, parameters."""

    def __init__(
        self,
        column: Callable[[str], Value | None],
        parameter: Callable[[str], Value],
        metric: Callable[[str], Value | None],
    ):
        self.column = column
        self.parameter = parameter
        self.metric = metric


def compile_expression(source: str, scope: Scope) -> Value:
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"表达式语法错误：{exc.msg}", f"syntax error: {exc.msg}") from None
    return _Compiler(scope).visit(tree.body)


class _Compiler:
    def __init__(self, scope: Scope):
        self.scope = scope

    def visit(self, node: ast.AST) -> Value:
        method = getattr(self, f"_{type(node).__name__}", None)
        if method is None:
            raise ExpressionError(
                f"不支持的写法：{ast.unparse(node)}", f"not supported here: {ast.unparse(node)}"
            )
        return method(node)

    # --- leaves ------------------------------------------------------------------------

    def _Constant(self, node: ast.Constant) -> Value:
        if isinstance(node.value, float):
            return constant(Fraction(repr(node.value)))
        return constant(node.value)

    def _Name(self, node: ast.Name) -> Value:
        if node.id in ("True", "False"):
            return constant(node.id == "True")
        value = self.scope.metric(node.id) or self.scope.column(node.id)
        if value is None:
            raise ExpressionError(
                f"未知名称“{node.id}”（见 `xinzhi rules inputs`）",
                f"unknown name '{node.id}' (see `xinzhi rules inputs`)",
            )
        return value

    def _Attribute(self, node: ast.Attribute) -> Value:
        if isinstance(node.value, ast.Name) and node.value.id == "param":
            return self.scope.parameter(node.attr)
        raise ExpressionError(
            f"只能写 param.名称：{ast.unparse(node)}",
            f"only param.<name> is allowed: {ast.unparse(node)}",
        )

    # --- arithmetic ----------------------------------------------------------------------

    def _UnaryOp(self, node: ast.UnaryOp) -> Value:
        operand = self.visit(node.operand)
        if isinstance(node.op, ast.Not):
            _need(operand, "bool", "not")
            return Value("bool", _not(operand.expr), inputs=operand.inputs)
        if isinstance(node.op, ast.USub):
            _need(operand, "num", "-")
            return _num(_neg(operand.num), operand.den, operand.floating, operand.inputs)
        if isinstance(node.op, ast.UAdd):
            _need(operand, "num", "+")
            return operand
        raise ExpressionError(
            f"不支持的运算：{ast.unparse(node)}", f"unsupported: {ast.unparse(node)}"
        )

    def _BinOp(self, node: ast.BinOp) -> Value:
        a, b = self.visit(node.left), self.visit(node.right)
        symbol = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}.get(type(node.op))
        if symbol is None:
            raise ExpressionError(
                f"不支持的运算：{ast.unparse(node)}", f"unsupported: {ast.unparse(node)}"
            )
        if a.kind == "date" or b.kind == "years":
            return _shift(symbol, a, b)
        _need(a, "num", symbol)
        _need(b, "num", symbol)
        return arithmetic(symbol, a, b)

    # --- logic and comparison ------------------------------------------------------------

    def _BoolOp(self, node: ast.BoolOp) -> Value:
        values = [self.visit(v) for v in node.values]
        for v in values:
            _need(v, "bool", "and/or")
        combine = kleene_and if isinstance(node.op, ast.And) else _or
        result = values[0].expr
        for v in values[1:]:
            result = combine(result, v.expr)
        return Value("bool", result, inputs=frozenset().union(*(v.inputs for v in values)))

    def _Compare(self, node: ast.Compare) -> Value:
        left = self.visit(node.left)
        parts = []
        for op, right_node in zip(node.ops, node.comparators):
            if isinstance(op, ast.In | ast.NotIn):
                parts.append(self._membership(left, right_node, isinstance(op, ast.NotIn)))
                continue
            right = self.visit(right_node)
            parts.append(compare(type(op).__name__, left, right))
            left = right
        result = parts[0]
        for p in parts[1:]:
            result = Value("bool", kleene_and(result.expr, p.expr), inputs=result.inputs | p.inputs)
        return result

    def _membership(self, left: Value, node: ast.AST, negate: bool) -> Value:
        if isinstance(node, ast.Attribute):  # param.<code list>: "F,H,K,L"
            listed = self.visit(node)
            if listed.kind != "str" or not isinstance(listed.expr, str | None):
                raise ExpressionError(
                    "in param.x 须为代码列表参数", "in param.x needs a code-list parameter"
                )
            codes = [c.strip() for c in (listed.expr or "").split(",") if c.strip()]
            node = ast.Tuple([ast.Constant(c) for c in codes])
            if not codes:  # an empty list: nothing is in it
                return Value("bool", bool(negate), inputs=left.inputs)
        if not isinstance(node, ast.Tuple | ast.List | ast.Set):
            raise ExpressionError(
                "in 后须为常量列表，如 ('1', '2')", "in needs a list of constants, e.g. ('1', '2')"
            )
        options = []
        for element in node.elts:
            if not isinstance(element, ast.Constant):
                raise ExpressionError("in 列表只能含常量", "the in-list may hold constants only")
            options.append(element.value)
        if left.kind == "num":
            expr = as_ibis(left.num).isin(options) if left.den == 1 else None
            if expr is None:
                raise ExpressionError("in 只用于整数或文本", "in works on integers and text only")
        else:
            expr = as_ibis(left.expr).isin(options)
        if negate:
            expr = ~expr
        return Value("bool", expr, inputs=left.inputs)

    def _IfExp(self, node: ast.IfExp) -> Value:
        return choose(self.visit(node.test), self.visit(node.body), self.visit(node.orelse))

    # --- functions -----------------------------------------------------------------------

    def _Call(self, node: ast.Call) -> Value:
        if not isinstance(node.func, ast.Name) or node.keywords:
            raise ExpressionError(
                f"不支持的调用：{ast.unparse(node)}", f"unsupported call: {ast.unparse(node)}"
            )
        name = node.func.id
        args = [self.visit(a) for a in node.args]
        function = FUNCTIONS.get(name)
        if function is None:
            allowed = ", ".join(sorted(FUNCTIONS))
            raise ExpressionError(
                f"未知函数 {name}（可用：{allowed}）",
                f"unknown function {name} (allowed: {allowed})",
            )
        arity, implementation = function
        if len(args) != arity:
            raise ExpressionError(f"{name} 需要 {arity} 个参数", f"{name} takes {arity} arguments")
        return implementation(*args)


# --- building blocks (also used by the engine) ------------------------------------------------


def _need(value: Value, kind: str, where: str) -> None:
    if value.kind != kind:
        names = {
            "num": "数值 number",
            "bool": "条件 condition",
            "str": "文本 text",
            "date": "日期 date",
            "years": "年数 years(n)",
        }
        raise ExpressionError(
            f"“{where}”需要{names[kind].split()[0]}，得到{names[value.kind].split()[0]}",
            f"'{where}' needs a {names[kind].split()[1]}, got a {names[value.kind].split()[1]}",
        )


def _num(num: Any, den: Any, floating: bool, inputs: frozenset[str]) -> Value:
    if not isinstance(num, ir.Expr) and not isinstance(den, ir.Expr) and not floating:
        f = Fraction(num) / Fraction(den)
        return Value("num", num=f.numerator, den=f.denominator, inputs=inputs)
    return Value("num", num=num, den=den, floating=floating, inputs=inputs)


def _neg(x: Any) -> Any:
    return -x


def _mul(a: Any, b: Any) -> Any:
    if isinstance(a, int) and a == 1:
        return b
    if isinstance(b, int) and b == 1:
        return a
    if isinstance(a, ir.Expr) or isinstance(b, ir.Expr):
        return as_ibis(a) * as_ibis(b)
    return a * b


def arithmetic(symbol: str, a: Value, b: Value) -> Value:
    inputs = a.inputs | b.inputs
    if a.floating or b.floating:
        x, y = a.as_float(), b.as_float()
        result = {"+": x + y, "-": x - y, "*": x * y, "/": x / y}[symbol]
        return Value("num", num=result, den=1, floating=True, inputs=inputs)
    if a.constant and b.constant:
        fa, fb = a.fraction(), b.fraction()
        if symbol == "/" and fb == 0:
            raise ExpressionError("除数为零", "division by zero")
        f = {"+": fa + fb, "-": fa - fb, "*": fa * fb, "/": fa / fb if fb else None}[symbol]
        return constant(f)
    if symbol in "+-":
        left = _mul(a.num, b.den)
        right = _mul(b.num, a.den)
        num = as_ibis(left) + as_ibis(right) if symbol == "+" else as_ibis(left) - as_ibis(right)
        return _num(num, _mul(a.den, b.den), False, inputs)
    if symbol == "*":
        return _num(_mul(a.num, b.num), _mul(a.den, b.den), False, inputs)
    return _num(_mul(a.num, b.den), _mul(a.den, b.num), False, inputs)


def _sign(x: Any) -> Any:
    if not isinstance(x, ir.Expr):
        return (x > 0) - (x < 0)
    return ibis.cases((x > 0, 1), (x < 0, -1), else_=0)


COMPARATORS = {
    "GtE": lambda d: d >= 0,
    "Gt": lambda d: d > 0,
    "LtE": lambda d: d <= 0,
    "Lt": lambda d: d < 0,
    "Eq": lambda d: d == 0,
    "NotEq": lambda d: d != 0,
}


def compare(op: str, a: Value, b: Value) -> Value:
    inputs = a.inputs | b.inputs
    if a.kind != b.kind:
        raise ExpressionError(
            f"不能比较{a.kind}与{b.kind}", f"cannot compare {a.kind} with {b.kind}"
        )
    if a.kind == "date" and (a.shift_years or b.shift_years):
        return _compare_shifted(op, a, b)
    if a.kind in ("str", "date", "bool"):
        if a.kind != "date" and op not in ("Eq", "NotEq"):
            raise ExpressionError(
                "文本和条件只能用 == 或 !=", "text and conditions allow == and != only"
            )
        x, y = as_ibis(a.expr), as_ibis(b.expr)
        result = {
            "Eq": x == y,
            "NotEq": x != y,
            "GtE": x >= y,
            "Gt": x > y,
            "LtE": x <= y,
            "Lt": x < y,
        }[op]
        return Value("bool", result, inputs=inputs)
    test = COMPARATORS.get(op)
    if test is None:
        raise ExpressionError(f"不支持的比较 {op}", f"unsupported comparison {op}")
    if a.floating or b.floating:
        difference = (a.as_float() - b.as_float()).round(ROUND_PLACES)
        return Value("bool", test(difference), inputs=inputs)
    if a.constant and b.constant:
        return constant(bool(test(a.fraction() - b.fraction())))
    # a.num/a.den OP b.num/b.den  ⟺  (a.num·b.den − b.num·a.den)·sign(a.den·b.den) OP 0
    difference = as_ibis(_mul(a.num, b.den)) - as_ibis(_mul(b.num, a.den))
    den = _mul(a.den, b.den)
    if isinstance(den, int):
        if den < 0:
            difference = -difference
        return Value("bool", test(difference), inputs=inputs)
    sign = _mul(
        _sign(as_ibis(a.den) if isinstance(a.den, ir.Expr) else a.den),
        _sign(as_ibis(b.den) if isinstance(b.den, ir.Expr) else b.den),
    )
    signed = difference * as_ibis(sign)
    return Value(
        "bool", ibis.ifelse(as_ibis(den) == 0, ibis.null("boolean"), test(signed)), inputs=inputs
    )


def _years(n: Value) -> Value:
    """``years(n)``: a whole number of years, known when the declaration is read."""
    _need(n, "num", "years")
    if not n.constant or n.fraction().denominator != 1:
        raise ExpressionError(
            "years() 须为整数常量或参数，如 years(param.max_age_years)",
            "years() takes a whole constant or parameter, e.g. years(param.max_age_years)",
        )
    return Value("years", shift_years=int(n.fraction()))


def _shift(symbol: str, a: Value, b: Value) -> Value:
    if a.kind != "date" or b.kind != "years" or symbol not in "+-":
        raise ExpressionError(
            "日期只能加减 years(n)，如 as_of - years(10)",
            "a date takes only + or - years(n), e.g. as_of - years(10)",
        )
    step = b.shift_years if symbol == "+" else -b.shift_years
    return Value("date", a.expr, inputs=a.inputs, shift_years=a.shift_years + step)


def _day_key(date: Value) -> Any:
    """year·10000 + month·100 + day, with the date's shift added to the year."""
    if not isinstance(date.expr, ir.Expr):
        day = date.expr
        if day is None:
            return ibis.null("int64")
        return (day.year + date.shift_years) * 10000 + day.month * 100 + day.day
    d = date.expr
    return (d.year() + date.shift_years) * 10000 + d.month() * 100 + d.day()


def _compare_shifted(op: str, a: Value, b: Value) -> Value:
    if b.kind != "date":
        raise ExpressionError(f"不能比较date与{b.kind}", f"cannot compare date with {b.kind}")
    test = COMPARATORS[op]
    x, y = _day_key(a), _day_key(b)
    if not isinstance(x, ir.Expr) and not isinstance(y, ir.Expr):
        return constant(bool(test(x - y)))
    return Value("bool", test(as_ibis(x) - as_ibis(y)), inputs=a.inputs | b.inputs)


def kleene_and(x: Any, y: Any) -> Any:
    if x is True:
        return y
    if y is True:
        return x
    if x is False or y is False:
        return False
    return as_ibis(x) & as_ibis(y)


def _or(x: Any, y: Any) -> Any:
    if x is False:
        return y
    if y is False:
        return x
    if x is True or y is True:
        return True
    return as_ibis(x) | as_ibis(y)


def _not(x: Any) -> Any:
    return (not x) if isinstance(x, bool) else ~as_ibis(x)


def _case(test: Any, yes: Any, no: Any, kind: str) -> Any:
    """``yes`` if test, ``no`` if not test, unknown if the test is unknown."""
    if isinstance(test, bool):
        return yes if test else no
    dtype = {"bool": "boolean", "str": "string", "date": "date"}.get(kind, "int64")
    return ibis.cases((test.isnull(), ibis.null(dtype)), (test, as_ibis(yes)), else_=as_ibis(no))


def choose(test: Value, yes: Value, no: Value) -> Value:
    _need(test, "bool", "if")
    if yes.kind != no.kind:
        raise ExpressionError("两个分支类型不同", "the two branches have different types")
    if yes.shift_years or no.shift_years or yes.kind == "years":
        raise ExpressionError(
            "加减年数的日期只能用于比较", "a date shifted by years may only be compared"
        )
    inputs = test.inputs | yes.inputs | no.inputs
    if yes.kind != "num":
        return Value(yes.kind, _case(test.expr, yes.expr, no.expr, yes.kind), inputs=inputs)
    if yes.floating or no.floating:
        expr = ibis.cases(
            (as_ibis(test.expr).isnull(), ibis.null("float64")),
            (test.expr, yes.as_float()),
            else_=no.as_float(),
        )
        return Value("num", num=expr, den=1, floating=True, inputs=inputs)
    return _num(
        _case(test.expr, yes.num, no.num, "num"),
        _case(test.expr, yes.den, no.den, "num"),
        False,
        inputs,
    )


def _known(x: Value) -> Value:
    if x.kind == "num":
        expr = as_ibis(x.num).notnull() & as_ibis(x.den).notnull() & (as_ibis(x.den) != 0)
    else:
        expr = as_ibis(x.expr).notnull()
    return Value("bool", expr if not x.constant else True, inputs=frozenset())


def _coalesce(x: Value, y: Value) -> Value:
    return choose(_known(x), x, y)


def _minimum(x: Value, y: Value) -> Value:
    _need(x, "num", "min")
    _need(y, "num", "min")
    return choose(compare("LtE", x, y), x, y)


def _maximum(x: Value, y: Value) -> Value:
    _need(x, "num", "max")
    _need(y, "num", "max")
    return choose(compare("GtE", x, y), x, y)


def _rounding(method: str) -> Callable[[Value], Value]:
    def apply(x: Value) -> Value:
        _need(x, "num", method)
        if x.constant:
            f = x.fraction()
            whole = (
                -((-f.numerator) // f.denominator)
                if method == "ceil"
                else f.numerator // f.denominator
            )
            return constant(whole)
        if x.floating:
            rounded = x.as_float().round(ROUND_PLACES)
            value = rounded.ceil() if method == "ceil" else rounded.floor()
            return Value("num", num=value.cast("int64"), den=1, inputs=x.inputs)
        num, den = as_ibis(x.num), as_ibis(x.den)
        # Integer floor division that is exact for negative numbers as well; ceil(x) = −floor(−x).
        whole = -_floor_div(-num, den) if method == "ceil" else _floor_div(num, den)
        return Value(
            "num", num=ibis.ifelse(den == 0, ibis.null("int64"), whole), den=1, inputs=x.inputs
        )

    return apply


def _floor_div(num: ir.Expr, den: ir.Expr) -> ir.Expr:
    # SQL engines differ on integer division of negatives; do it with the sign made explicit.
    n = num * _sign(den)
    d = den.abs()
    quotient = (n - (n % d + d) % d) / d  # exact: the numerator is a multiple of d
    return quotient.cast("int64")


def _cagr(end: Value, start: Value, years: Value) -> Value:
    """Compound annual growth rate: (end / start)^(1/years) − 1; unknown unless start > 0."""
    for v in (end, start, years):
        _need(v, "num", "cagr")
    e, s, n = (v.as_float() for v in (end, start, years))
    ratio = e / s
    valid = (s > 0) & (n > 0) & (e >= 0)
    value = ibis.ifelse(valid, ratio.pow(1 / n) - 1, ibis.null("float64"))
    return Value(
        "num", num=value, den=1, floating=True, inputs=end.inputs | start.inputs | years.inputs
    )


def _hnte_growth(first: Value, second: Value, third: Value, years: Value) -> Value:
    """企业成长性 growth rate (工作指引, RULES §1.4.4) with the text's special cases.

    ½ × (second/first + third/second) − 1 over three years; first = 0 → third/second − 1
    ("按后两年计算"); second = 0 → 0 points (returned as 0); two years of operation →
    second/first − 1; one year or less → 0; a negative or missing base is unknown (manual
    review). Values are the year-end figures, oldest first.
    """
    for v in (first, second, third, years):
        _need(v, "num", "hnte_growth")
    a, b, c = (v.as_float() for v in (first, second, third))
    n = years.as_float()
    three = ibis.cases(
        (b == 0, 0.0),
        (a == 0, c / b - 1),
        else_=(b / a + c / b) / 2 - 1,
    )
    # With fewer than three years of operation the data sit in the later years.
    value = ibis.cases(
        (n <= 1, 0.0),
        ((n == 2) & (b <= 0), ibis.null("float64")),
        (n == 2, c / b - 1),
        ((a < 0) | (b < 0), ibis.null("float64")),
        else_=three,
    )
    return Value(
        "num",
        num=value.cast("float64"),
        den=1,
        floating=True,
        inputs=first.inputs | second.inputs | third.inputs | years.inputs,
    )


FUNCTIONS: dict[str, tuple[int, Callable[..., Value]]] = {
    "known": (1, _known),
    "coalesce": (2, _coalesce),
    "min": (2, _minimum),
    "max": (2, _maximum),
    "ifelse": (3, choose),
    "ceil": (1, _rounding("ceil")),
    "floor": (1, _rounding("floor")),
    "cagr": (3, _cagr),
    "hnte_growth": (4, _hnte_growth),
    "years": (1, _years),
}
