"""The vectorised evaluator: a compiled declaration run by Arrow's compute kernels over the
snapshot held in memory — no SQL to plan, no database to ask.

The compiler stays the single source. ``program_of`` walks the Ibis expression it built for
the SQL engines and lists the operations as a flat program over the population's columns:
each distinct operation once (the compiler's stages and repeated sub-expressions collapse
into one step), in an order where every step follows its arguments. ``run`` executes the
program one kernel per step over whole columns, freeing each intermediate after its last
use. A program is plain data (JSON), kept on disk beside the compiled SQL, so a fresh
process neither builds the Ibis expression nor imports Ibis to evaluate.

Each step does what DuckDB does with the same SQL (``tests/rulelang/test_vectorised.py``
compares the two on every declaration and every case file):

* unknown is null, and logic is Kleene (``and_kleene``/``or_kleene``); a ``CASE`` whose test
  is unknown takes its ``ELSE``; ``LEAST``/``GREATEST`` skip unknowns; ``x IN (…)`` of an
  unknown is unknown; ``CONCAT_WS`` skips unknowns, ``||`` does not;
* integer arithmetic is 64-bit and checked: where DuckDB stops with an overflow error, so
  does this (``VectorisedOverflow``), and the caller runs the SQL engine instead;
* ``/`` divides as doubles (``x/0`` is ±inf, ``0/0`` NaN), ``%`` keeps the dividend's sign
  and is unknown for a zero divisor, a double becomes an integer rounding half to even,
  ``ROUND(x, d)`` rounds half away from zero at ``x·10^d`` as DuckDB does; Ibis's ``lpad``
  keeps a longer text whole.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import threading
from collections.abc import Callable, Hashable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cached_property, partial
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..domain.errors import XinzhiError
from .codeversion import code_digest

FORMAT = 1  # bump when the program's encoding changes

# Arrow's buffers from jemalloc. With mimalloc (pyarrow's default) every freed column went back
# to the kernel and the next step faulted it in again. A fresh process evaluating the six
# assessments over 1M firms took 9.0–10.8 s (peak 1.65 GB) with mimalloc, 6.9–7.9 s (2.05 GB)
# with the C library's allocator and 6.5 s (1.87 GB) with jemalloc; the warm HNTE run took
# 1.0–1.4 s with each.
if "ARROW_DEFAULT_MEMORY_POOL" not in os.environ:  # an operator's choice stands
    try:
        pa.set_memory_pool(pa.jemalloc_memory_pool())
    except NotImplementedError:  # a pyarrow built without it
        pa.set_memory_pool(pa.system_memory_pool())


class Unsupported(XinzhiError, ValueError):
    """The expression holds an operation the evaluator does not implement (the caller uses
    the SQL engine for it)."""


class VectorisedOverflow(XinzhiError, ArithmeticError):
    """A 64-bit integer step overflowed (DuckDB stops there too)."""


_TYPES = {
    "int64": pa.int64(),
    "float64": pa.float64(),
    "bool": pa.bool_(),
    "string": pa.string(),
    "date32[day]": pa.date32(),
    "null": pa.null(),
}


def _type_name(dtype: Any) -> str:
    """The Arrow type a value of Ibis type ``dtype`` has here: every integer is int64."""
    if dtype.is_integer():
        return "int64"
    if dtype.is_floating() or dtype.is_decimal():
        return "float64"
    name = str(dtype.to_pyarrow())
    if name not in _TYPES:
        raise Unsupported(f"不支持的类型 {dtype}", f"unsupported type {dtype}")
    return name


@dataclass(frozen=True)
class Program:
    """``columns``: the population columns read (steps 0 … len − 1); ``steps``: (kernel,
    argument steps, constant) each; ``outputs``: (column, step, Arrow type name — the
    expression's schema, as the SQL engines' rows are typed)."""

    columns: tuple[str, ...]
    steps: tuple[tuple[str, tuple[int, ...], Any], ...]
    outputs: tuple[tuple[str, int, str], ...]

    def to_json(self) -> str:
        return json.dumps(
            {
                "format": FORMAT,
                "columns": self.columns,
                "steps": [[k, list(a), _encode(c)] for k, a, c in self.steps],
                "outputs": self.outputs,
            },
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, text: str) -> Program:
        data = json.loads(text)
        if data.get("format") != FORMAT:
            raise ValueError("program format")
        return cls(
            tuple(data["columns"]),
            tuple((k, tuple(a), _decode(c)) for k, a, c in data["steps"]),
            tuple((n, s, t) for n, s, t in data["outputs"]),
        )

    @cached_property
    def plan(self) -> list[tuple[Callable, tuple[int, ...], Any, tuple[int, ...]]]:
        """Per step: its kernel, arguments and constant, and the arguments read for the last
        time there (freed after it); a literal's constant is its Arrow scalar, made once."""
        last = list(range(len(self.steps)))
        for i, (_, args, _) in enumerate(self.steps):
            for a in args:
                last[a] = i
        for _, step, _ in self.outputs:
            last[step] = len(self.steps)
        plan = []
        for i, (kernel, args, constant) in enumerate(self.steps):
            if kernel == "literal":
                constant = pa.scalar(constant[0], _TYPES[constant[1]])
            done = tuple(a for a in set(args) if last[a] == i)
            plan.append((KERNELS.get(kernel), args, constant, done))
        return plan


def _encode(constant: Any) -> Any:
    if isinstance(constant, dt.date):
        return {"date": constant.isoformat()}
    if isinstance(constant, tuple):
        return [_encode(c) for c in constant]
    return constant


def _decode(constant: Any) -> Any:
    if isinstance(constant, dict):
        return dt.date.fromisoformat(constant["date"])
    if isinstance(constant, list):
        return tuple(_decode(c) for c in constant)
    return constant


# --- programs made once, kept in memory and on disk ------------------------------------------

_PROGRAMS: dict[str, Program] = {}
_PROGRAMS_MAX = 256
_PROGRAMS_LOCK = threading.Lock()


def _code_digest() -> str:
    """What a program also depends on: the code that compiles declarations, and Ibis."""
    return code_digest(
        ("compiler.py", "expressions.py", "declaration.py", "registry.py", "vectorised.py"),
        ("ibis-framework",),
    )


def cached_program(key: Hashable, build: Callable[[], Any], folder: Path | None) -> Program:
    """The program of the table ``build()`` returns, made once per ``key`` (which must name
    everything the table depends on: declaration hash, date, population schema, words) and
    kept in ``folder`` for the next process."""
    digest = hashlib.sha256(f"{_code_digest()}|{key!r}".encode()).hexdigest()[:24]
    with _PROGRAMS_LOCK:
        if digest in _PROGRAMS:
            return _PROGRAMS[digest]
    path = folder / f"{digest}.program.json" if folder is not None else None
    program = None
    if path is not None and path.exists():
        try:
            program = Program.from_json(path.read_text(encoding="utf-8"))
        except (OSError, ValueError, KeyError, TypeError):
            program = None  # a damaged entry is made again
    if program is None:
        program = program_of(build())
        if path is not None:
            folder.mkdir(parents=True, exist_ok=True)
            partial = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
            partial.write_text(program.to_json(), encoding="utf-8")
            os.replace(partial, path)  # readers never see half an entry
    with _PROGRAMS_LOCK:
        if len(_PROGRAMS) >= _PROGRAMS_MAX:
            _PROGRAMS.pop(next(iter(_PROGRAMS)))
        _PROGRAMS[digest] = program
    return program


# --- from the Ibis expression to a program ----------------------------------------------------


def program_of(table: Any) -> Program:
    """The program computing ``table`` (a compiled declaration: projections over one
    physical table, the population)."""
    import ibis.expr.operations as ops

    root = table.op()
    if not isinstance(root, ops.Project):
        raise Unsupported("须为投影", f"expected a projection, got {type(root).__name__}")
    builder = _Builder(ops)
    outputs = tuple(
        (name, builder.step(value), str(value.dtype.to_pyarrow()))  # the schema's own type
        for name, value in root.values.items()
    )
    steps = builder.steps
    # Inputs first, in a stable order, so a program reads its columns by position.
    columns = tuple(sorted(builder.inputs))
    order = [builder.inputs[c] for c in columns] + [
        i for i, s in enumerate(steps) if s[0] != "input"
    ]
    position = {old: new for new, old in enumerate(order)}
    renumbered = tuple(
        (steps[old][0], tuple(position[a] for a in steps[old][1]), steps[old][2]) for old in order
    )
    return Program(columns, renumbered, tuple((n, position[s], t) for n, s, t in outputs))


class _Builder:
    def __init__(self, ops):
        self.ops = ops
        self.steps: list[tuple[str, tuple[int, ...], Any]] = []
        self.index: dict[Any, int] = {}  # operation → its step (equal operations share one)
        self.inputs: dict[str, int] = {}

    def add(self, kernel: str, args: tuple[int, ...] = (), constant: Any = None) -> int:
        key = (kernel, args, constant)
        if key in self.index:
            return self.index[key]
        self.steps.append(key)
        self.index[key] = len(self.steps) - 1
        return self.index[key]

    def step(self, op: Any) -> int:
        """The step computing ``op`` (iterative: the compiler's stages nest deeply)."""
        ops = self.ops
        stack = [op]
        while stack:
            node = stack[-1]
            if node in self.index:
                stack.pop()
                continue
            if isinstance(node, ops.Field):
                target = self._field_target(node)
                if isinstance(target, str):
                    if target not in self.inputs:
                        self.inputs[target] = len(self.steps)
                        self.steps.append(("input", (), target))
                    self.index[node] = self.inputs[target]
                    stack.pop()
                    continue
                if target in self.index:
                    self.index[node] = self.index[target]
                    stack.pop()
                else:
                    stack.append(target)
                continue
            pending = [a for a in _value_args(node, ops) if a not in self.index]
            if pending:
                stack.extend(pending)
                continue
            stack.pop()
            self.index[node] = self._translate(node)
        return self.index[op]

    def _field_target(self, field: Any) -> Any:
        ops = self.ops
        rel = field.rel
        if isinstance(rel, ops.Project):
            return rel.values[field.name]
        if isinstance(rel, ops.PhysicalTable):
            return field.name
        raise Unsupported("不支持的关系", f"unsupported relation {type(rel).__name__}")

    def _translate(self, node: Any) -> int:
        ops = self.ops
        kind = type(node).__name__
        args = tuple(self.index[a] for a in _value_args(node, ops))
        if isinstance(node, ops.Literal):
            return self.add("literal", (), _literal(node))
        if kind in _BINARY or kind in _UNARY or kind in _VARIADIC:
            if kind in ("Add", "Subtract", "Multiply", "Negate", "Abs", "Modulus"):
                # integer kernels are checked; a float operand makes the step a float one
                kind = kind if node.dtype.is_integer() else f"{kind}Float"
            if kind not in KERNELS:
                raise Unsupported(f"不支持的运算 {kind}", f"unsupported operation {kind}")
            return self.add(kind, args)
        if isinstance(node, ops.Cast):
            return self.add("Cast", args, _type_name(node.to))
        if isinstance(node, ops.Round):
            digits = node.digits
            if digits is not None and not isinstance(digits, ops.Literal):
                raise Unsupported("ROUND 的位数须为常量", "ROUND takes constant digits")
            places = 0 if digits is None else int(digits.value)
            return self.add("Round", args[:1], places)
        if isinstance(node, ops.IfElse):
            return self.add("IfElse", args, _type_name(node.dtype))
        if isinstance(node, ops.SearchedCase):
            return self.add("SearchedCase", args, (len(node.cases), _type_name(node.dtype)))
        if isinstance(node, ops.Coalesce | ops.Least | ops.Greatest):
            return self.add(kind, args, _type_name(node.dtype))
        if isinstance(node, ops.InValues):
            options = tuple(_literal(o)[0] for o in node.options)
            return self.add("InValues", args[:1], options)
        flags = _flag_parts(node, ops)
        if flags is not None:
            return self.add("JoinFlags", args, (node.sep.value, tuple(t for _, t in flags)))
        if isinstance(node, ops.StringJoin):
            return self.add("StringJoin", args[:-1], node.sep.value)
        if isinstance(node, ops.LPad):
            return self.add("LPad", args[:1], (int(node.length.value), node.pad.value))
        raise Unsupported(f"不支持的运算 {kind}", f"unsupported operation {kind}")


def _flag_parts(node: Any, ops) -> list[tuple[Any, str]] | None:
    """``CONCAT_WS(sep, IF(flag, 'a', NULL), …)`` — the compiler's lists of clause ids and
    inputs — as (flag, text) pairs, or None for any other join."""
    if not isinstance(node, ops.StringJoin):
        return None
    parts = []
    for part in node.arg:
        if not (
            isinstance(part, ops.IfElse)
            and isinstance(part.true_expr, ops.Literal)
            and isinstance(part.true_expr.value, str)
            and isinstance(part.false_null_expr, ops.Literal)
            and part.false_null_expr.value is None
        ):
            return None
        parts.append((part.bool_expr, part.true_expr.value))
    return parts if len(parts) <= MAX_FLAGS else None


MAX_FLAGS = 16  # a list of up to 16 flags is looked up among its 2^16 possible texts


def _value_args(node: Any, ops) -> list[Any]:
    """The value operations ``node`` reads, in argument order (tuples flattened)."""
    flags = _flag_parts(node, ops)
    if flags is not None:
        return [flag for flag, _ in flags]
    found = []
    for arg in node.__args__:
        parts = arg if isinstance(arg, tuple) else (arg,)
        found.extend(p for p in parts if isinstance(p, ops.Value))
    return found


def _literal(node: Any) -> tuple[Any, str]:
    dtype = node.dtype
    value = node.value
    if value is None:
        return (None, "null" if dtype.is_null() else _type_name(dtype))
    if dtype.is_integer():
        return (int(value), "int64")
    if dtype.is_floating() or dtype.is_decimal():
        return (float(value), "float64")
    if dtype.is_date():
        value = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
        return (value, "date32[day]")
    return (value, _type_name(dtype))


_BINARY = {
    "Add",
    "Subtract",
    "Multiply",
    "Divide",
    "Modulus",
    "Power",
    "Equals",
    "NotEquals",
    "Greater",
    "GreaterEqual",
    "Less",
    "LessEqual",
    "And",
    "Or",
}
_UNARY = {
    "Not",
    "Negate",
    "Abs",
    "IsNull",
    "NotNull",
    "Floor",
    "Ceil",
    "ExtractYear",
    "ExtractMonth",
    "ExtractDay",
}
_VARIADIC = {"StringConcat"}


# --- running a program ---------------------------------------------------------------------


SLICE = 131_072  # rows: below twice this one thread runs the program over everything


def run(program: Program, data: pa.Table, threads: int | None = None) -> pa.Table:
    """The program's output columns over ``data`` (which holds at least its columns).

    Every step works row by row, so a large population is cut into one slice per core and
    the slices run on threads (Arrow's and NumPy's kernels release the GIL)."""
    if data.num_rows == 1:  # one firm's explanation: plain Python beats 3,000 kernel calls
        from .one_row import NotOneRow, run_row

        try:
            return run_row(program, data)
        except NotOneRow:
            pass
    threads = threads or os.cpu_count() or 1
    parts = min(threads, data.num_rows // SLICE)
    if parts < 2:
        return _run(program, data)
    size = -(-data.num_rows // parts)
    slices = [data.slice(start, size) for start in range(0, data.num_rows, size)]
    with ThreadPoolExecutor(len(slices)) as pool:
        done = list(pool.map(partial(_run, program), slices))
    return pa.concat_tables(done)  # the slices' chunks, not copied


def _run(program: Program, data: pa.Table) -> pa.Table:
    rows = data.num_rows
    values: list[Any] = [None] * len(program.steps)
    plan = program.plan
    for i, column in enumerate(program.columns):
        values[i] = _whole(data[column])
    for i in range(len(program.columns), len(plan)):
        kernel, args, constant, done = plan[i]
        try:
            values[i] = kernel([values[a] for a in args], constant)
        except pa.ArrowInvalid as exc:
            if "overflow" in str(exc).lower():
                name = program.steps[i][0]
                raise VectorisedOverflow(
                    f"64 位整数运算溢出（{name}）", f"64-bit integer overflow in {name}"
                ) from exc
            raise
        for a in done:
            values[a] = None
    columns = {}
    for name, step, type_name in program.outputs:
        columns[name] = _column(values[step], pa.type_for_alias(type_name), rows)
    return pa.table(columns)


def _whole(column: pa.ChunkedArray) -> pa.Array:
    array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    if pa.types.is_integer(array.type) and array.type != pa.int64():
        return array.cast(pa.int64())
    if pa.types.is_floating(array.type) and array.type != pa.float64():
        return array.cast(pa.float64())
    if pa.types.is_large_string(array.type):
        return array.cast(pa.string())
    return array


def _column(value: Any, type_: pa.DataType, rows: int) -> pa.Array:
    if isinstance(value, pa.Scalar):
        if not value.is_valid:
            return pa.nulls(rows, type_)
        if pa.types.is_integer(type_) or pa.types.is_floating(type_) or pa.types.is_boolean(type_):
            return pa.array(np.full(rows, value.as_py()), type_)
        return pa.array([value.as_py()] * rows, type_)
    return value if value.type == type_ else value.cast(type_)


def _as(value: Any, type_name: str) -> Any:
    type_ = _TYPES[type_name]
    if value.type == type_:
        return value
    return value.cast(type_)


def _known_true(test: Any) -> Any:
    """A test as SQL's CASE reads it: unknown is not true."""
    return pc.fill_null(test, False)


def _if_else(args, type_name):
    test, yes, no = args
    yes, no = _as(yes, type_name), _as(no, type_name)
    if (
        isinstance(yes, pa.Scalar)
        and isinstance(no, pa.Scalar)
        and not isinstance(test, pa.Scalar)
        and _FIXED.get(type_name) is not None
    ):
        return _choose_constants(test, yes, no, type_name)
    return pc.if_else(_known_true(test), yes, no)


_FIXED = {"int64": np.int64, "float64": np.float64}


def _choose_constants(test: pa.Array, yes: pa.Scalar, no: pa.Scalar, type_name: str) -> pa.Array:
    """``IF(test, a, b)`` of two constants (the bands of a score item), several times faster
    than Arrow's broadcast of two scalars: the test's own bits become the result's validity
    where one constant is unknown, arithmetic picks between two known ones."""
    type_ = _TYPES[type_name]
    held = pc.fill_null(test, False)
    if yes.is_valid and no.is_valid:  # no + (yes − no)·held
        step = pc.multiply(pc.cast(held, type_), pc.subtract(yes, no))
        return pc.add(step, no)
    if not yes.is_valid and not no.is_valid:
        return pa.nulls(len(test), type_)
    valid = held if yes.is_valid else pc.invert(held)
    if valid.offset or valid.null_count:
        return pc.if_else(held, yes, no)
    values = np.full(len(test), (yes if yes.is_valid else no).as_py(), _FIXED[type_name])
    return pa.Array.from_buffers(type_, len(test), [valid.buffers()[1], pa.py_buffer(values)])


def _searched_case(args, constant):
    count, type_name = constant
    tests, results, default = args[:count], args[count : 2 * count], args[2 * count]
    result = _as(default, type_name)
    for test, value in zip(reversed(tests), reversed(results)):
        result = pc.if_else(_known_true(test), _as(value, type_name), result)
    return result


def _element_wise(function):
    def apply(args, type_name):
        return function(*[_as(a, type_name) for a in args], skip_nulls=True)

    return apply


def _coalesce(args, type_name):
    return pc.coalesce(*[_as(a, type_name) for a in args])


def _floats(value):
    return value if value.type == pa.float64() else value.cast(pa.float64())


def _to_integer(value):
    """A double as DuckDB casts it to BIGINT: rounded half to even, out of range an error."""
    if not pa.types.is_floating(value.type):
        return value.cast(pa.int64())
    rounded = pc.round(value, 0, round_mode="half_to_even")
    try:
        return rounded.cast(pa.int64())
    except pa.ArrowInvalid as exc:
        raise VectorisedOverflow("整数转换越界", "a double out of the 64-bit range") from exc


def _cast(args, type_name):
    (value,) = args
    if type_name == "int64":
        return _to_integer(value)
    return _as(value, type_name)


def _round(args, places):
    """DuckDB's ROUND(x, d) of a double: std::round(x·10^d) / 10^d (half away from zero),
    the input itself where that is not finite. In place over the values buffer (the unknown
    rows' slots are computed too, and stay unknown)."""
    (value,) = args
    if not pa.types.is_floating(value.type):
        return value
    if isinstance(value, pa.Scalar):
        return _round([pa.array([value.as_py()], pa.float64())], places)[0]
    x = np.frombuffer(value.buffers()[1], np.float64, len(value), value.offset * 8)
    modifier = 10.0**places
    with np.errstate(invalid="ignore", over="ignore"):
        y = x * modifier
        whole = np.trunc(y)
        away = np.abs(np.subtract(y, whole, out=y), out=y) >= 0.5
        whole += np.copysign(away, x)  # ±1 where the fraction is at least one half
        whole /= modifier
        bad = ~np.isfinite(whole)
    if bad.any():
        whole[bad] = x[bad]
    validity = value.buffers()[0] if value.null_count else None
    if validity is not None and value.offset:
        validity = pc.is_valid(value).buffers()[1]
    return pa.Array.from_buffers(
        pa.float64(), len(value), [validity, pa.py_buffer(whole)], value.null_count
    )


def _modulus(args, _):
    """``a % b`` of integers: the sign of the dividend; a zero divisor gives unknown."""
    a, b = args
    zero = pc.equal(b, 0)
    safe = pc.if_else(zero, 1, b)
    quotient = pc.divide(a, safe)  # integer division truncates toward zero
    remainder = pc.subtract(a, pc.multiply(quotient, safe))
    return pc.if_else(zero, pa.scalar(None, pa.int64()), remainder)


def _floor_like(function):
    def apply(args, _):
        (value,) = args
        if not pa.types.is_floating(value.type):
            return value
        return _to_integer(function(value))

    return apply


def _in_values(args, options):
    (value,) = args
    test = pc.is_in(value, value_set=pa.array(options, value.type))
    return pc.if_else(pc.is_valid(value), test, pa.scalar(None, pa.bool_()))


def _join_flags(args, constant):
    """The texts whose flags hold, joined (a flag unknown counts as not holding, as in SQL's
    CASE): each row's flags as the bits of a number, looked up among the texts of every
    number that occurs — no per-row string work."""
    separator, texts = constant
    rows = max((len(a) for a in args if not isinstance(a, pa.Scalar)), default=1)
    code = np.zeros(rows, np.int64)
    for bit, flag in enumerate(args):
        held = _bools(flag, rows)
        code |= held.astype(np.int64) << bit
    present = np.flatnonzero(np.bincount(code, minlength=1))
    lookup = np.zeros(1 << len(texts), np.int64)
    lookup[present] = np.arange(len(present))
    joined = [
        separator.join(t for bit, t in enumerate(texts) if number >> bit & 1) for number in present
    ]
    return pa.array(joined, pa.string()).take(pa.array(lookup[code]))


def _bools(value: Any, rows: int) -> np.ndarray:
    """A condition as a NumPy bool array, unknown as false."""
    if isinstance(value, pa.Scalar):
        return np.full(rows, bool(value.is_valid and value.as_py()))
    return pc.fill_null(value, False).to_numpy(zero_copy_only=False)


def _string_join(args, separator):
    """CONCAT_WS: unknown parts skipped, all of them unknown gives "". (Arrow's own
    ``null_handling="skip"`` drops all-null rows in pyarrow 26, so the parts are folded.)"""
    joined = args[0]
    for part in args[1:]:
        both = pc.binary_join_element_wise(joined, part, separator, null_handling="emit_null")
        joined = pc.coalesce(both, joined, part)
    return pc.fill_null(joined, "")


def _string_concat(args, _):
    return pc.binary_join_element_wise(*args, "", null_handling="emit_null")


def _lpad(args, constant):
    length, pad = constant
    return pc.utf8_lpad(args[0], width=length, padding=pad)  # longer texts kept, as Ibis


def _literal_value(_, scalar):
    return scalar  # made once, in Program.plan


def _plain(function):
    return lambda args, _: function(*args)


def _divide(args, _):
    a, b = args
    return pc.divide(_floats(a), _floats(b))


def _power(args, _):
    a, b = args
    return pc.power(_floats(a), _floats(b))


def _logic(function):
    return lambda args, _: function(*[_as(a, "bool") for a in args])


KERNELS = {
    "literal": _literal_value,
    "Add": _plain(pc.add_checked),
    "Subtract": _plain(pc.subtract_checked),
    "Multiply": _plain(pc.multiply_checked),
    "Negate": _plain(pc.negate_checked),
    "Abs": _plain(pc.abs_checked),
    "AddFloat": lambda args, _: pc.add(*map(_floats, args)),
    "SubtractFloat": lambda args, _: pc.subtract(*map(_floats, args)),
    "MultiplyFloat": lambda args, _: pc.multiply(*map(_floats, args)),
    "NegateFloat": lambda args, _: pc.negate(_floats(args[0])),
    "AbsFloat": lambda args, _: pc.abs(_floats(args[0])),
    "Modulus": _modulus,
    "Divide": _divide,
    "Power": _power,
    "Equals": _plain(pc.equal),
    "NotEquals": _plain(pc.not_equal),
    "Greater": _plain(pc.greater),
    "GreaterEqual": _plain(pc.greater_equal),
    "Less": _plain(pc.less),
    "LessEqual": _plain(pc.less_equal),
    "And": _logic(pc.and_kleene),
    "Or": _logic(pc.or_kleene),
    "Not": _logic(pc.invert),
    "IsNull": _plain(pc.is_null),
    "NotNull": _plain(pc.is_valid),
    "Floor": _floor_like(pc.floor),
    "Ceil": _floor_like(pc.ceil),
    "ExtractYear": _plain(pc.year),
    "ExtractMonth": _plain(pc.month),
    "ExtractDay": _plain(pc.day),
    "Cast": _cast,
    "Round": _round,
    "IfElse": _if_else,
    "SearchedCase": _searched_case,
    "Coalesce": _coalesce,
    "Least": _element_wise(pc.min_element_wise),
    "Greatest": _element_wise(pc.max_element_wise),
    "InValues": _in_values,
    "StringJoin": _string_join,
    "JoinFlags": _join_flags,
    "StringConcat": _string_concat,
    "LPad": _lpad,
}
