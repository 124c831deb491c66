"""The vectorised evaluator (issue #13) gives DuckDB's results: on random expressions over
random columns with unknowns (hypothesis), on every declaration's YAML cases row for row, and
its programs survive the disk cache. The whole-city comparison over a snapshot, with and
without words, is in test_engines.py."""

from __future__ import annotations

import datetime as dt
import operator
import subprocess
import sys

import duckdb
import ibis
import ibis.expr.operations as ops
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from xinzhi.assessments.cases import facts_table, load_assessment_cases
from xinzhi.assessments.catalogue import load_catalog
from xinzhi.rulelang.compiler import compile_declaration
from xinzhi.rulelang.one_row import run_row
from xinzhi.rulelang.vectorised import (
    Program,
    Unsupported,
    VectorisedOverflow,
    cached_program,
    program_of,
    run,
)

SCHEMA = {
    "a": "int64",
    "b": "int64",
    "x": "float64",
    "y": "float64",
    "p": "boolean",
    "q": "boolean",
    "s": "string",
    "d": "date",
}
TABLE = ibis.table(SCHEMA, name="population")
CON = ibis.duckdb.connect(threads=1)


_SQL_TYPES = {
    "int64": "BIGINT",
    "int32": "INTEGER",
    "int16": "SMALLINT",
    "int8": "TINYINT",
    "float64": "DOUBLE",
    "boolean": "BOOLEAN",
    "string": "VARCHAR",
    "date": "DATE",
}


def _duckdb(expr: ibis.Table, data: pa.Table) -> pa.Table:
    """DuckDB's rows typed by the expression's schema, as the engine's ``fetch`` types them
    (a literal 0.0 is a DECIMAL to DuckDB), cast by DuckDB itself."""
    CON.con.register("population", data)
    casts = ", ".join(
        f'CAST("{name}" AS {_SQL_TYPES[str(dtype).rstrip("!")]}) AS "{name}"'
        for name, dtype in expr.schema().items()
    )
    fuse, ibis.options.sql.fuse_selects = ibis.options.sql.fuse_selects, False  # as the engine
    try:
        sql = f"SELECT {casts} FROM ({ibis.to_sql(expr, dialect='duckdb')}) AS q"
        return CON.con.sql(sql).to_arrow_table()
    finally:
        ibis.options.sql.fuse_selects = fuse
        CON.con.unregister("population")


def _same(expr: ibis.Table, data: pa.Table) -> None:
    """Column for column DuckDB's rows — or, where DuckDB stops (a value out of the 64-bit
    range), the evaluator stops too."""
    try:
        want = _duckdb(expr, data)
    except (duckdb.ConversionException, duckdb.OutOfRangeException) as exc:
        # Ibis prints a float literal bare, so DuckDB types 100.0 + 0.33… as DECIMALs (and
        # overflows them); the compiler folds constant arithmetic itself, never writing that.
        assume("DECIMAL" not in str(exc))
        with pytest.raises(VectorisedOverflow):
            run(program_of(expr), data)
        return
    program = program_of(expr)
    got = run(program, data)
    # and row by row, through the one-row path (one firm's explanation)
    rows = [run_row(program, data.slice(i, 1)) for i in range(data.num_rows)]
    for name in want.column_names:
        w, g = want[name].combine_chunks(), got[name].combine_chunks()
        assert w.type == g.type, name
        wanted = [str(v) for v in w.to_pylist()]  # str: NaN equals NaN
        for label, values in (("vectorised", g.to_pylist()), ("one row", _column_of(rows, name))):
            if wanted != [str(v) for v in values]:
                sql = ibis.to_sql(expr.select(name), dialect="duckdb")
                pytest.fail(f"{name}: DuckDB {w.to_pylist()}, {label} {values}\n{sql}")
    for name in want.column_names:
        assert all(row[name].type == want[name].type for row in rows), name


def _column_of(rows: list[pa.Table], name: str) -> list:
    return [row[name][0].as_py() for row in rows]


# --- random data and expressions ---------------------------------------------------------------

SMALL = st.integers(-1000, 1000)
FLOATS = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)
DATES = st.dates(dt.date(1990, 1, 1), dt.date(2030, 12, 31))


def _one_of(choices):
    """One of the expressions ``choices()`` lists (hypothesis must not hash Ibis expressions:
    their truth value is undefined)."""
    count = len(choices())
    return st.integers(0, count - 1).map(lambda i: choices()[i])


def _column(values):
    return st.lists(st.one_of(st.none(), values), min_size=6, max_size=6)


@st.composite
def tables(draw) -> pa.Table:
    columns = {
        "a": pa.array(draw(_column(SMALL)), pa.int64()),
        "b": pa.array(draw(_column(SMALL)), pa.int64()),
        "x": pa.array(draw(_column(FLOATS)), pa.float64()),
        "y": pa.array(draw(_column(FLOATS)), pa.float64()),
        "p": pa.array(draw(_column(st.booleans())), pa.bool_()),
        "q": pa.array(draw(_column(st.booleans())), pa.bool_()),
        "s": pa.array(draw(_column(st.sampled_from(["", "7", "12", "万元", "HNTE"]))), pa.string()),
        "d": pa.array(draw(_column(DATES)), pa.date32()),
    }
    return pa.table(columns)


def _integers(depth: int):
    leaves = st.one_of(
        _one_of(lambda: [TABLE.a, TABLE.b]),
        SMALL.map(lambda v: ibis.literal(v, type="int64")),
        _one_of(lambda: [ibis.null("int64")]),
        _one_of(lambda: [TABLE.d.year(), TABLE.d.month(), TABLE.d.day()]),
    )
    if depth == 0:
        return leaves
    sub = _integers(depth - 1)
    return st.one_of(
        leaves,
        st.tuples(sub, sub, st.sampled_from(["+", "-", "*", "%"])).map(_arith),
        sub.map(lambda e: -e),
        sub.map(lambda e: e.abs()),
        st.tuples(_booleans(depth - 1), sub, sub).map(lambda t: ibis.ifelse(*t)),
        st.tuples(sub, sub).map(lambda t: ibis.coalesce(*t)),
        st.tuples(sub, sub).map(lambda t: ibis.least(*t)),
        st.tuples(sub, sub).map(lambda t: ibis.greatest(*t)),
        _floats(depth - 1).map(lambda e: e.floor()),
        _floats(depth - 1).map(lambda e: e.ceil()),
        _floats(depth - 1).map(lambda e: e.cast("int64")),
        _booleans(depth - 1).map(lambda e: e.cast("int64")),
        st.tuples(_booleans(depth - 1), sub, sub).map(
            lambda t: ibis.cases((t[0], t[1]), else_=t[2])
        ),
    )


def _arith(t):
    left, right, op = t
    if op == "%":
        try:
            return left % right
        except ZeroDivisionError:  # Ibis types a constant % 0 by computing it
            return left
    return {"+": left + right, "-": left - right, "*": left * right}[op]


def _floats(depth: int):
    leaves = st.one_of(
        _one_of(lambda: [TABLE.x, TABLE.y]),
        # A float constant beside a column: Ibis prints it bare, and DuckDB computes constant
        # arithmetic on bare literals as DECIMALs (the compiler folds constants itself).
        FLOATS.map(lambda v: TABLE.y + ibis.literal(v, type="float64")),
    )
    if depth == 0:
        return leaves
    sub = _floats(depth - 1)
    ints = _integers(depth - 1)
    return st.one_of(
        leaves,
        ints.map(lambda e: e.cast("float64")),
        st.tuples(sub, sub, st.sampled_from(["+", "-", "*", "/"])).map(
            lambda t: {"+": t[0] + t[1], "-": t[0] - t[1], "*": t[0] * t[1], "/": t[0] / t[1]}[t[2]]
        ),
        st.tuples(ints, ints).map(lambda t: t[0] / t[1]),
        st.tuples(sub, st.integers(0, 12)).map(lambda t: t[0].round(t[1])),
        sub.map(lambda e: e.abs().pow(0.5)),
    )


def _booleans(depth: int):
    leaves = st.one_of(
        _one_of(lambda: [TABLE.p, TABLE.q]),
        st.booleans().map(ibis.literal),
        _one_of(lambda: [ibis.null("boolean")]),
    )
    if depth == 0:
        return leaves
    sub = _booleans(depth - 1)
    ints = _integers(depth - 1)
    floats = _floats(depth - 1)
    comparisons = [
        operator.eq,
        operator.ne,
        operator.gt,
        operator.ge,
        operator.lt,
        operator.le,
    ]
    return st.one_of(
        leaves,
        st.tuples(sub, sub).map(lambda t: t[0] & t[1]),
        st.tuples(sub, sub).map(lambda t: t[0] | t[1]),
        sub.map(lambda e: ~e),
        # Not under IS NULL: Ibis prints ``NOT (p) IS NULL``, which DuckDB reads as
        # ``NOT (p IS NULL)`` (the SQL is wrong there, not the evaluator; the compiler never
        # writes it: what it tests for unknown is a staged column).
        sub.filter(lambda e: not isinstance(e.op(), ops.Not)).map(lambda e: e.isnull()),
        ints.map(lambda e: e.notnull()),
        st.tuples(ints, ints, st.sampled_from(comparisons)).map(lambda t: t[2](t[0], t[1])),
        st.tuples(floats, floats, st.sampled_from(comparisons)).map(lambda t: t[2](t[0], t[1])),
        st.tuples(ints, st.lists(SMALL, min_size=1, max_size=4)).map(lambda t: t[0].isin(t[1])),
        st.tuples(sub, sub).map(lambda t: t[0].fill_null(t[1])),
        DATES.map(lambda day: TABLE.d >= day),
    )


def _strings(depth: int):
    leaves = st.one_of(
        _one_of(lambda: [TABLE.s]),
        st.sampled_from(["分", ",", "abc"]).map(ibis.literal),
        _one_of(lambda: [ibis.null("string")]),
        _integers(0).map(lambda e: e.cast("string")),
    )
    if depth == 0:
        return leaves
    sub = _strings(depth - 1)
    return st.one_of(
        leaves,
        st.lists(sub, min_size=1, max_size=4).map(lambda parts: ibis.literal(",").join(parts)),
        st.tuples(sub, sub).map(lambda t: t[0] + t[1]),
        sub.map(lambda e: e.lpad(2, "0")),
        st.tuples(_booleans(depth - 1), sub, sub).map(lambda t: ibis.ifelse(*t)),
        st.tuples(sub, sub).map(lambda t: t[0] == t[1]).map(lambda e: ibis.ifelse(e, "是", "否")),
    )


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    data=tables(),
    integer=_integers(2),
    floating=_floats(2),
    boolean=_booleans(2),
    text=_strings(2),
)
def test_random_expressions_give_duckdb_results(data, integer, floating, boolean, text):
    expr = TABLE.select(i=integer, f=floating, b=boolean, t=text)
    _same(expr, data)


# --- boundaries the random search may miss ----------------------------------------------------


def test_division_modulus_casts_and_rounding_follow_duckdb():
    data = pa.table(
        {
            "a": pa.array([7, -7, 7, 0, None, 5], pa.int64()),
            "b": pa.array([0, 3, -3, 0, 2, None], pa.int64()),
            "x": pa.array([2.5, -2.5, 0.5, 1.4999999999999998, 1e-13, None], pa.float64()),
            "y": pa.array([0.0, 0.0, -0.0, 3.0, 0.1234567890125, 1.0], pa.float64()),
            "p": pa.array([True, None, False, None, True, False]),
            "q": pa.array([None, None, True, False, None, None], pa.bool_()),
            "s": pa.array(["123", None, "", "7", "x", "万"]),
            "d": pa.array([dt.date(2024, 2, 29)] * 5 + [None], pa.date32()),
        }
    )
    t = TABLE
    expr = t.select(
        over_zero=t.a / t.b,  # x/0 = ±inf, 0/0 = NaN … as DuckDB
        mod=t.a % t.b,  # the dividend's sign; unknown for 0
        to_int=t.x.cast("int64"),  # half to even
        rounded=t.x.round(12),
        rounded_y=t.y.round(12),
        floor=t.x.floor(),
        ceil=t.x.ceil(),
        padded=t.s.lpad(2, "0"),  # a longer text kept whole
        joined=ibis.literal(";").join([ibis.ifelse(t.p, "p", ibis.null("string")), t.s]),
        kleene=(t.p & t.q) | ~t.p,
        case=ibis.cases((t.p, 1), (t.q, 2), else_=3),
        year=t.d.year() * 10000 + t.d.month() * 100 + t.d.day(),
    )
    data = data.set_column(1, "b", data["b"])
    want, got = _duckdb(expr, data), run(program_of(expr), data)
    for name in want.column_names:
        w, g = want[name].to_pylist(), got[name].to_pylist()
        assert [str(v) for v in w] == [str(v) for v in g], name  # str: NaN equals NaN


def test_an_integer_overflow_stops_as_duckdb_does():
    data = pa.table({"a": pa.array([2**62, 1], pa.int64())})
    table = ibis.table({"a": "int64"}, name="population")
    expr = table.select(doubled=table.a * 4)
    with pytest.raises(Exception, match="(?i)overflow"):
        _duckdb(expr, data)
    with pytest.raises(VectorisedOverflow):
        run(program_of(expr), data)
    with pytest.raises(VectorisedOverflow):  # one firm's row: the same stop
        run(program_of(expr), data.slice(0, 1))


def test_a_step_the_one_row_path_lacks_runs_on_the_kernels(monkeypatch):
    from xinzhi.rulelang import one_row

    table = ibis.table({"a": "int64"}, name="population")
    program = program_of(table.select(b=table.a % 3 + 1))
    data = pa.table({"a": pa.array([-7], pa.int64())})
    monkeypatch.delitem(one_row.STEPS, "Modulus")
    with pytest.raises(one_row.NotOneRow):
        run_row(program, data)
    assert run(program, data)["b"].to_pylist() == [0]  # −7 % 3 = −1 (the dividend's sign)


def test_an_operation_it_lacks_is_named():
    table = ibis.table({"s": "string"}, name="population")
    with pytest.raises(Unsupported, match="unsupported operation"):
        program_of(table.select(upper=table.s.upper()))


# --- every case file, row for row -------------------------------------------------------------

CATALOG = load_catalog()
CASES = load_assessment_cases(catalog=CATALOG)


@pytest.mark.parametrize("assessment", sorted({c.assessment for c in CASES}))
def test_every_case_row_equals_duckdb(assessment):
    """Not only the expected keys: every column of every case's row (words included)."""
    groups: dict = {}
    for case in CASES:
        if case.assessment == assessment:
            groups.setdefault(case.as_of, []).append(case)
    for as_of, group in groups.items():
        facts = facts_table(group)
        frame = ibis.table(ibis.Schema.from_pyarrow(facts.schema), name="population")
        expr = compile_declaration(CATALOG.get(assessment, as_of), frame, as_of).table
        _same(expr, facts)


# --- programs on disk ---------------------------------------------------------------------------


def test_a_program_is_made_once_and_read_back_without_ibis(tmp_path):
    declaration = CATALOG.get("hnte", dt.date(2023, 12, 31))
    facts = facts_table([c for c in CASES if c.assessment == "hnte"][:3])
    frame = ibis.table(ibis.Schema.from_pyarrow(facts.schema), name="population")
    built = []

    def build():
        built.append(1)
        return compile_declaration(declaration, frame, dt.date(2023, 12, 31)).table

    key = ("test", declaration.sha256)
    first = cached_program(key, build, tmp_path)
    assert cached_program(key, build, tmp_path) is first and built == [1]
    [kept] = tmp_path.glob("*.program.json")
    assert Program.from_json(kept.read_text(encoding="utf-8")) == first
    facts_path = tmp_path / "facts.arrow"
    with pa.ipc.new_file(facts_path, facts.schema) as writer:
        writer.write_table(facts)
    script = (
        "import sys, pyarrow as pa\n"
        "from xinzhi.rulelang.vectorised import Program, run\n"
        f"p = Program.from_json(open({str(kept)!r}, encoding='utf-8').read())\n"
        f"rows = run(p, pa.ipc.open_file({str(facts_path)!r}).read_all())\n"
        "assert 'ibis' not in sys.modules, 'ibis imported'\n"
        "print(rows['status'].to_pylist())\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(run(first, facts)["status"].to_pylist())
