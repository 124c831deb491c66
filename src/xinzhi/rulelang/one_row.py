"""A program (``rulelang.vectorised``) over one row, in plain Python.

One firm's explanation runs every declaration's program with words over that firm's row:
about three thousand steps. Arrow's kernels cost 6–10 µs a call whatever the length, so over
one row the calls were most of the time; a Python operation on a scalar costs well under one.
The steps here mean exactly what the kernels mean (DuckDB's semantics, listed in
``rulelang.vectorised``), and ``tests/rulelang/test_vectorised.py`` checks both against DuckDB
on the same random expressions and on every case file. A step it does not know raises
``NotOneRow``, and the caller runs the kernels instead.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pyarrow as pa

from .vectorised import Program, VectorisedOverflow

LOWEST, HIGHEST = -(2**63), 2**63 - 1


class NotOneRow(Exception):
    """A step this path does not implement."""


def run_row(program: Program, data: pa.Table) -> pa.Table:
    """The program's output columns over the one row of ``data``."""
    (row,) = data.select(list(program.columns)).to_pylist()
    values: list[Any] = [None] * len(program.steps)
    for i, column in enumerate(program.columns):
        values[i] = row[column]
    for i in range(len(program.columns), len(program.steps)):
        kernel, args, constant = program.steps[i]
        step = STEPS.get(kernel)
        if step is None:
            raise NotOneRow(kernel)
        values[i] = step([values[a] for a in args], constant)
    return pa.table(
        {
            name: pa.array([_as(values[step], type_name)], pa.type_for_alias(type_name))
            for name, step, type_name in program.outputs
        }
    )


def _int(value: int) -> int:
    if not LOWEST <= value <= HIGHEST:
        raise VectorisedOverflow("64 位整数运算溢出", "64-bit integer overflow")
    return value


def _float(value: Any) -> np.float64:
    return np.float64(value)


def _nulls(function):
    """The step is unknown when an argument is."""

    def apply(args, constant):
        if any(a is None for a in args):
            return None
        return function(*args)

    return apply


def _checked(function):
    return _nulls(lambda *args: _int(function(*args)))


def _floating(function):
    def apply(*args):
        with np.errstate(all="ignore"):
            return float(function(*map(_float, args)))

    return _nulls(apply)


def _modulus(a: int, b: int) -> int | None:
    if b == 0:
        return None
    remainder = abs(a) % abs(b)
    return -remainder if a < 0 else remainder


def _and(args, _):
    a, b = args
    if a is False or b is False:
        return False
    if a is None or b is None:
        return None
    return True


def _or(args, _):
    a, b = args
    if a is True or b is True:
        return True
    if a is None or b is None:
        return None
    return False


def _to_integer(value: Any) -> int:
    """As DuckDB casts a double to BIGINT: half to even; NaN, ±inf, out of range an error."""
    if isinstance(value, float):
        if not math.isfinite(value):
            raise VectorisedOverflow("整数转换越界", "a double out of the 64-bit range")
        return _int(round(value))
    return _int(int(value))


def _cast(args, type_name):
    (value,) = args
    if value is None:
        return None
    if type_name == "int64":
        return _to_integer(value)
    if type_name == "float64":
        return float(value)
    if type_name == "string" and isinstance(value, str | int) and not isinstance(value, bool):
        return str(value)
    if type_name == "bool" and isinstance(value, bool):
        return value
    if type_name == "date32[day]" and not isinstance(value, int | float | str):
        return value
    raise NotOneRow(f"cast to {type_name}")


def _round(args, places):
    (value,) = args
    if not isinstance(value, float):
        return value
    with np.errstate(all="ignore"):
        x = np.float64(value)
        modifier = np.float64(10.0**places)
        y = x * modifier
        whole = np.trunc(y)
        if abs(y - whole) >= 0.5:
            whole = whole + np.copysign(1.0, y)
        rounded = whole / modifier
    return float(rounded) if np.isfinite(rounded) else value


def _floor_like(function):
    def apply(args, _):
        (value,) = args
        if value is None or not isinstance(value, float):
            return value
        return _to_integer(float(function(value)))

    return apply


def _as(value: Any, type_name: str) -> Any:
    """An integer where a double is due (a step's type "float64", an output's "double")."""
    if (
        type_name in ("float64", "double")
        and isinstance(value, int)
        and not isinstance(value, bool)
    ):
        return float(value)
    return value


def _if_else(args, type_name):
    test, yes, no = args
    return _as(yes if test is True else no, type_name)


def _searched_case(args, constant):
    count, type_name = constant
    for test, value in zip(args[:count], args[count : 2 * count]):
        if test is True:
            return _as(value, type_name)
    return _as(args[2 * count], type_name)


def _coalesce(args, type_name):
    return _as(next((a for a in args if a is not None), None), type_name)


def _extreme(function):
    def apply(args, type_name):
        known = [_as(a, type_name) for a in args if a is not None]
        return function(known) if known else None

    return apply


def _in_values(args, options):
    (value,) = args
    return None if value is None else value in options


def _join_flags(args, constant):
    separator, texts = constant
    return separator.join(t for flag, t in zip(args, texts) if flag is True)


def _string_join(args, separator):
    return separator.join(a for a in args if a is not None)


def _lpad(args, constant):
    length, pad = constant
    (value,) = args
    if value is None or len(value) >= length:
        return value
    return pad * (length - len(value)) + value


def _compare(function):
    """Arrow compares an integer with a double as two doubles."""

    def apply(a, b):
        if isinstance(a, float) or isinstance(b, float):
            a, b = float(a), float(b)
        return function(a, b)

    return _nulls(apply)


STEPS = {
    "literal": lambda _, constant: constant[0],
    "Add": _checked(lambda a, b: a + b),
    "Subtract": _checked(lambda a, b: a - b),
    "Multiply": _checked(lambda a, b: a * b),
    "Negate": _checked(lambda a: -a),
    "Abs": _checked(abs),
    "AddFloat": _floating(np.add),
    "SubtractFloat": _floating(np.subtract),
    "MultiplyFloat": _floating(np.multiply),
    "NegateFloat": _floating(np.negative),
    "AbsFloat": _floating(np.abs),
    "Modulus": _nulls(_modulus),
    "Divide": _floating(np.divide),
    "Power": _floating(np.power),
    "Equals": _compare(lambda a, b: a == b),
    "NotEquals": _compare(lambda a, b: a != b),
    "Greater": _compare(lambda a, b: a > b),
    "GreaterEqual": _compare(lambda a, b: a >= b),
    "Less": _compare(lambda a, b: a < b),
    "LessEqual": _compare(lambda a, b: a <= b),
    "And": _and,
    "Or": _or,
    "Not": _nulls(lambda a: not a),
    "IsNull": lambda args, _: args[0] is None,
    "NotNull": lambda args, _: args[0] is not None,
    "Floor": _floor_like(np.floor),
    "Ceil": _floor_like(np.ceil),
    "ExtractYear": _nulls(lambda d: d.year),
    "ExtractMonth": _nulls(lambda d: d.month),
    "ExtractDay": _nulls(lambda d: d.day),
    "Cast": _cast,
    "Round": _round,
    "IfElse": _if_else,
    "SearchedCase": _searched_case,
    "Coalesce": _coalesce,
    "Least": _extreme(min),
    "Greatest": _extreme(max),
    "InValues": _in_values,
    "JoinFlags": _join_flags,
    "StringJoin": _string_join,
    "StringConcat": _nulls(lambda *parts: "".join(parts)),
    "LPad": _lpad,
}
