"""The expression language itself (rulelang.expressions): every form it rejects gives an error
naming the file, the line and the reason; three-valued (Kleene) logic and exact fraction
comparisons agree with a small plain-Python reference on DuckDB, for any data hypothesis finds.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from fractions import Fraction

import ibis
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xinzhi.rulelang.declaration import read_declaration
from xinzhi.rulelang.expressions import (
    ExpressionError,
    Scope,
    Value,
    compile_expression,
)
from xinzhi.rulelang.inputs import compile_check
from xinzhi.rulelang.yamlfile import DeclarationError

# A declaration with one condition, starting on line CLAUSE_LINE: errors in its expression
# name that line (the clause's), the file and the reason.
DECLARATION = """\
id: expression_test
family: test
name: {{zh: 表达式测试, en: expression test}}
region: {{code: "000000", name: {{zh: 全国, en: national}}}}
version: "1"
effective: {{from: 2020-01-01}}
references:
  law: {{document: 测试文件, title: 测试}}
parameters:
  threshold: {{text: {{zh: 阈值, en: threshold}}, unit: ratio, values: [{{from: 2020-01-01, value: 10%, mark: ✅}}]}}
conditions:
  - id: the_clause
    text: {{zh: 条款, en: clause}}
    reference: law
    mark: ✅
    expr: {expr}
"""
CLAUSE_LINE = DECLARATION.splitlines().index("  - id: the_clause") + 1


def declaration_error(tmp_path, expr: str) -> DeclarationError:
    path = tmp_path / "declaration.yaml"
    path.write_text(DECLARATION.format(expr=expr), encoding="utf-8")
    with pytest.raises(DeclarationError) as raised:
        compile_check(read_declaration(path), dt.date(2023, 12, 31))
    return raised.value


def test_the_template_compiles(tmp_path):
    path = tmp_path / "declaration.yaml"
    path.write_text(
        DECLARATION.format(expr="tech_staff_y1 / employees_y1 >= param.threshold"), encoding="utf-8"
    )
    compile_check(read_declaration(path), dt.date(2023, 12, 31))


# (expression, what the English reason says): every form outside the language.
REJECTED = [
    # attribute access other than param.<name>
    ("revenue_y1.real > 0", "only param.<name> is allowed"),
    ("param.threshold.numerator > 0", "only param.<name> is allowed"),
    ("employees_y1.__class__ == 1", "only param.<name> is allowed"),
    # calls outside the whitelist, method calls, keyword arguments
    ("eval('1') == 1", "unknown function eval"),
    ("__import__('os') == 1", "unknown function __import__"),
    ("open('/etc/passwd') == 1", "unknown function open"),
    ("len('abc') == 3", "unknown function len"),
    ("revenue_y1.bit_length() > 1", "unsupported call"),
    ("max(revenue_y1, b=1) > 0", "unsupported call"),
    ("max(revenue_y1) > 0", "max takes 2 arguments"),
    # comprehensions and generators
    ("[e for e in (1, 2)] == 1", "not supported here"),
    ("{e for e in (1, 2)} == 1", "not supported here"),
    ("{e: e for e in (1, 2)} == 1", "not supported here"),
    ("any(e for e in (1, 2))", "not supported here"),
    # lambdas
    ("(lambda: True)()", "unsupported call"),
    ("(lambda: True) == 1", "not supported here"),
    # subscripts and slices
    ("revenue_y1[0] > 1", "not supported here"),
    ("industry_code[0:1] == 'C'", "not supported here"),
    # unknown names and parameters
    ("nonexistent_input > 1", "unknown name 'nonexistent_input'"),
    ("param.nope > 1", "nope"),
    # operators outside + - * / and the comparisons
    ("revenue_y1 ** 2 > 1", "unsupported"),
    ("revenue_y1 // 2 > 1", "unsupported"),
    ("revenue_y1 % 2 == 1", "unsupported"),
    ("employees_y1 << 2 > 1", "unsupported"),
    ("~listed", "unsupported"),
    ("employees_y1 is None", "unsupported constant None"),
    ("employees_y1 is employees_y2", "unsupported comparison Is"),
    # other syntax: walrus, f-strings, starred, dict/list literals, await, yield
    ("(x := 1) == 1", "not supported here"),
    ("f'{revenue_y1}' == 'x'", "not supported here"),
    ("{'a': 1} == 1", "not supported here"),
    ("industry_code in [industry_section]", "the in-list may hold constants only"),
    ("industry_code in industry_section", "in needs a list of constants"),
    # types
    ("revenue_y1 and True", "'and/or' needs a condition, got a number"),
    ("not revenue_y1", "'not' needs a condition, got a number"),
    ("industry_code < 'C'", "text and conditions allow == and != only"),
    ("revenue_y1 == 'C'", "cannot compare num with str"),
    ("revenue_y1 + 1", "the expression must be a condition"),
    ("(1 if listed else 'a') == 1", "the two branches have different types"),
    ("1 / 0 > 1", "division by zero"),
    # not an expression at all
    ("revenue_y1 >", "syntax error"),
    ("import os", "syntax error"),
]


@pytest.mark.parametrize(("expr", "reason"), REJECTED, ids=[e for e, _ in REJECTED])
def test_a_rejected_form_names_the_file_the_line_and_the_reason(tmp_path, expr, reason):
    error = declaration_error(tmp_path, json.dumps(expr, ensure_ascii=False))
    assert error.path == str(tmp_path / "declaration.yaml")
    assert error.line == CLAUSE_LINE
    assert reason in error.en, error.en
    assert error.zh and error.zh != error.en  # a Chinese reason too
    assert f"{error.path}:{error.line}" in str(error)


def test_expression_errors_are_bilingual():
    with pytest.raises(ExpressionError) as raised:
        compile_expression("unknown_name > 1", _scope({}))
    assert "未知名称" in raised.value.zh and "unknown name" in raised.value.en


# --- three-valued logic and exact comparisons, against a plain-Python reference -------------


def _scope(columns: dict[str, Value]) -> Scope:
    def parameter(name: str) -> Value:
        raise ExpressionError(f"未知参数 {name}", f"unknown parameter {name}")

    return Scope(column=columns.get, parameter=parameter, metric=lambda name: None)


def _run(table: pa.Table, expressions: dict[str, str], kinds: dict[str, str]) -> list[dict]:
    """Evaluate each expression over every row of ``table`` on DuckDB."""
    con = ibis.duckdb.connect(threads=1)
    try:
        con.con.register("facts", table)  # read in place (ibis's create_table needs DDL)
        frame = con.table("facts")
        columns = {
            name: Value("bool", frame[name], inputs=frozenset([name]))
            if kind == "bool"
            else Value("num", num=frame[name], den=1, inputs=frozenset([name]))
            for name, kind in kinds.items()
        }
        scope = _scope(columns)
        outputs = {}
        for key, source in expressions.items():
            value = compile_expression(source, scope)
            outputs[key] = (
                ibis.literal(value.expr, type="boolean")
                if isinstance(value.expr, bool)
                else value.expr
            )
        return con.to_pyarrow(frame.select("row", **outputs).order_by("row")).to_pylist()
    finally:
        con.disconnect()


def k_and(x, y):
    if x is False or y is False:
        return False
    if x is None or y is None:
        return None
    return True


def k_or(x, y):
    if x is True or y is True:
        return True
    if x is None or y is None:
        return None
    return False


def k_not(x):
    return None if x is None else not x


NAMES = ("a", "b", "c")


def _reader(name: str):
    return lambda row: row[name]


def _trees(depth: int):
    """Random Boolean expressions over a, b, c, True, False: (source, reference function)."""
    leaves = st.sampled_from(
        [(n, _reader(n)) for n in NAMES]
        + [("True", lambda row: True), ("False", lambda row: False)]
    )
    if depth == 0:
        return leaves
    smaller = _trees(depth - 1)
    return st.one_of(
        leaves,
        st.builds(lambda t: (f"(not {t[0]})", lambda row: k_not(t[1](row))), smaller),
        st.builds(
            lambda x, y: (f"({x[0]} and {y[0]})", lambda row: k_and(x[1](row), y[1](row))),
            smaller,
            smaller,
        ),
        st.builds(
            lambda x, y: (f"({x[0]} or {y[0]})", lambda row: k_or(x[1](row), y[1](row))),
            smaller,
            smaller,
        ),
    )


# Every combination of true, false and unknown for a, b, c: 27 rows.
KLEENE_ROWS = [dict(zip(NAMES, v)) for v in itertools.product([True, False, None], repeat=3)]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_trees(3), min_size=1, max_size=8))
def test_kleene_logic_matches_the_reference(trees):
    """unknown AND false is false, unknown OR true is true, otherwise unknown stays unknown —
    for nested and/or/not over every combination of the three truth values."""
    table = pa.table(
        {
            "row": list(range(len(KLEENE_ROWS))),
            **{n: pa.array([r[n] for r in KLEENE_ROWS], pa.bool_()) for n in NAMES},
        }
    )
    expressions = {f"e{i}": source for i, (source, _) in enumerate(trees)}
    rows = _run(table, expressions, {n: "bool" for n in NAMES})
    for row, facts in zip(rows, KLEENE_ROWS):
        for i, (source, reference) in enumerate(trees):
            assert row[f"e{i}"] == reference(facts), (source, facts)


OPERATORS = {
    ">=": lambda d: d >= 0,
    ">": lambda d: d > 0,
    "<=": lambda d: d <= 0,
    "<": lambda d: d < 0,
    "==": lambda d: d == 0,
    "!=": lambda d: d != 0,
}
# Thresholds as a declaration writes them: decimals that binary floating point cannot hold.
THRESHOLDS = st.sampled_from(["0.1", "0.3", "0.6", "1.15", "0.7", "2.675", "1/3", "10", "0"])
AMOUNTS = st.one_of(st.none(), st.integers(-(10**12), 10**12))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.tuples(AMOUNTS, AMOUNTS), min_size=1, max_size=20),
    st.sampled_from(sorted(OPERATORS)),
    THRESHOLDS,
)
def test_fraction_comparisons_are_exact(pairs, op, threshold):
    """x / y OP threshold is decided on exact fractions: unknown when x or y is unknown or y is
    0, otherwise exactly what Fraction(x, y) OP Fraction(threshold) says — 3 / 10 is 0.3."""
    # ratios that sit exactly on the threshold, where floating point would round either way
    bound = Fraction(threshold)
    pairs = [*pairs, (bound.numerator * 7, bound.denominator * 7), (3, 10), (7, 10)]
    table = pa.table(
        {
            "row": list(range(len(pairs))),
            "x": pa.array([p[0] for p in pairs], pa.int64()),
            "y": pa.array([p[1] for p in pairs], pa.int64()),
        }
    )
    rows = _run(table, {"r": f"x / y {op} {threshold}"}, {"x": "num", "y": "num"})
    for row, (x, y) in zip(rows, pairs):
        if x is None or y is None or y == 0:
            expected = None
        else:
            expected = OPERATORS[op](Fraction(x, y) - bound)
        assert row["r"] == expected, (x, y, op, threshold)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(AMOUNTS, AMOUNTS, AMOUNTS), min_size=1, max_size=15))
def test_chained_comparisons_and_unknown(triples):
    """a <= b < c is (a <= b) and (b < c) in Kleene logic: one false part decides."""
    table = pa.table(
        {
            "row": list(range(len(triples))),
            **{n: pa.array([t[i] for t in triples], pa.int64()) for i, n in enumerate("abc")},
        }
    )
    rows = _run(table, {"r": "a <= b < c"}, {n: "num" for n in "abc"})
    for row, (a, b, c) in zip(rows, triples):
        first = None if a is None or b is None else a <= b
        second = None if b is None or c is None else b < c
        assert row["r"] == k_and(first, second), (a, b, c)


# --- dates shifted by whole years (``as_of - years(n)``) ------------------------------------


def _period_end(start: dt.date, years: int) -> dt.date:
    """民法典第二百零一条: a period of years ends on the corresponding day, or on the last day of
    the month when that day does not exist (29 February)."""
    try:
        return start.replace(year=start.year + years)
    except ValueError:
        return start.replace(year=start.year + years, day=28)


def _run_dates(rows: list[tuple[dt.date | None, dt.date]], source: str) -> list:
    table = pa.table(
        {
            "row": list(range(len(rows))),
            "founded_on": pa.array([r[0] for r in rows], pa.date32()),
            "as_of": pa.array([r[1] for r in rows], pa.date32()),
        }
    )
    con = ibis.duckdb.connect(threads=1)
    try:
        con.con.register("facts", table)
        frame = con.table("facts")
        scope = _scope(
            {n: Value("date", frame[n], inputs=frozenset([n])) for n in ("founded_on", "as_of")}
        )
        value = compile_expression(source, scope)
        return [
            r["r"]
            for r in con.to_pyarrow(frame.select("row", r=value.expr).order_by("row")).to_pylist()
        ]
    finally:
        con.disconnect()


def test_years_shift_at_the_day_before_the_day_itself_and_the_day_after():
    """“注册时间不超过10年”: founded on or after the evaluation date minus ten years, inclusive."""
    as_of = dt.date(2023, 12, 31)
    rows = [
        (dt.date(2013, 12, 30), as_of),  # the day before: 10 years and 1 day
        (dt.date(2013, 12, 31), as_of),  # the day itself: exactly 10 years
        (dt.date(2014, 1, 1), as_of),  # the day after
        (None, as_of),  # founding date unknown
    ]
    assert _run_dates(rows, "founded_on >= as_of - years(10)") == [False, True, True, None]
    assert _run_dates(rows, "founded_on + years(10) >= as_of") == [False, True, True, None]
    assert _run_dates(rows, "founded_on > as_of - years(10)") == [False, False, True, None]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(
            st.dates(dt.date(1990, 1, 1), dt.date(2030, 12, 31)),
            st.dates(dt.date(2000, 1, 1), dt.date(2040, 12, 31)),
        ),
        min_size=1,
        max_size=20,
    ),
    st.integers(0, 20),
)
def test_years_shift_matches_the_civil_code_period(pairs, years):
    """founded_on >= as_of - years(n) ⟺ the n-year period from founded_on has not ended
    before as_of; 29 February and its neighbours included."""
    pairs = [
        *pairs,
        (dt.date(2016, 2, 29), dt.date(2026, 2, 28)),
        (dt.date(2016, 2, 29), dt.date(2026, 3, 1)),
    ]
    got = _run_dates(pairs, f"founded_on >= as_of - years({years})")
    for (founded, as_of), result in zip(pairs, got):
        assert result == (_period_end(founded, years) >= as_of), (founded, as_of, years)


@pytest.mark.parametrize(
    ("expr", "reason"),
    [
        ("founded_on >= as_of - years(revenue_y1)", "years() 须为整数常量"),
        ("founded_on >= as_of - years(1.5)", "years() 须为整数常量"),
        ("founded_on >= as_of * years(2)", "日期只能加减 years(n)"),
        ("revenue_y1 + years(2) > 1", "日期只能加减 years(n)"),
    ],
)
def test_years_shift_rejects_what_it_cannot_mean(tmp_path, expr, reason):
    assert reason in declaration_error(tmp_path, expr).zh
