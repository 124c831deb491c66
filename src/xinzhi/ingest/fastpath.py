"""Vectorised parsing of the plain cell shapes that make up almost all of a large file.

A chunk's columns are parsed with Arrow compute: digits with at most two decimals in yuan
or in persons (staff counts, kept in hundredths), whole counts, four-digit years in range,
and credit codes (checked once per distinct code). A row whose every cell has such a shape
skips the per-cell parsers; any other row goes through them, and they alone word the
errors. Both paths give the same values (tested).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from ..domain.errors import InvalidValue
from ..domain.values import today
from . import columns as c
from .headers import Bound

_YUAN = r"^(?P<yuan>[0-9]{1,15})(?:\.(?P<cents>[0-9]{1,2}))?$"
_SIGNED_YUAN = r"^(?P<sign>-?)(?P<yuan>[0-9]{1,15})(?:\.(?P<cents>[0-9]{1,2}))?$"
_HEADCOUNT = r"^(?P<yuan>[0-9]{1,9})(?:\.(?P<cents>[0-9]{1,2}))?$"  # persons → hundredths


def _fen(text: pa.Array, pattern: str) -> pa.Array:
    parts = pc.extract_regex(text, pattern)  # null where the cell has another shape
    yuan = pc.cast(pc.struct_field(parts, "yuan"), pa.int64())
    cents = pc.cast(pc.utf8_rpad(pc.struct_field(parts, "cents"), 2, "0"), pa.int64())
    fen = pc.add(pc.multiply(yuan, 100), cents)
    if "sign" not in pattern:
        return fen
    return pc.if_else(pc.equal(pc.struct_field(parts, "sign"), "-"), pc.negate(fen), fen)


def _whole(text: pa.Array, digits: str) -> pa.Array:
    plain = pc.match_substring_regex(text, f"^[0-9]{{{digits}}}$")
    return pc.cast(pc.if_else(plain, text, pa.scalar(None, pa.string())), pa.int64())


def _year(text: pa.Array) -> pa.Array:
    year = _whole(text, "4")
    in_range = pc.and_(pc.greater_equal(year, 1949), pc.less_equal(year, today().year))
    return pc.if_else(in_range, year, pa.scalar(None, pa.int64()))


# Per-cell parser → its vectorised form over the plain shapes (scale 1 only).
_VECTORISED: dict[Callable, Callable[[pa.Array], pa.Array]] = {
    c.money: lambda text: _fen(text, _YUAN),
    c.signed_money: lambda text: _fen(text, _SIGNED_YUAN),
    c.count: lambda text: _whole(text, "1,9"),
    c.headcount: lambda text: _fen(text, _HEADCOUNT),
    c.year: _year,
}


def applies(bound: list[Bound]) -> bool:
    """True when every column of the file has a vectorised form (or is a credit code)."""
    return all(
        b.column.parse is None or (b.scale == 1 and b.column.parse in _VECTORISED) for b in bound
    )


@dataclass
class PlainRows:
    values: list[tuple]  # per row, the parsed cells in ``bound`` order
    plain: list[bool]  # per row, whether every cell had a plain shape


def parse_plain(rows: list[list], bound: list[Bound], check_code) -> PlainRows:
    """Parse the plain cells of ``rows``: text, or spreadsheet numbers read as text."""
    width = max(b.index for b in bound) + 1
    padded = [r if len(r) >= width else [*r, *([None] * (width - len(r)))] for r in rows]
    by_column = list(zip(*padded, strict=True))
    parsed, plain = [], None
    for b in bound:
        cells = by_column[b.index]
        if b.column.parse is None:
            values = [_code_or_none(check_code, cell) for cell in cells]
            good = pa.array([v is not None for v in values])
        else:
            try:
                text = pa.array(cells, type=pa.string())
            except (pa.ArrowInvalid, pa.ArrowTypeError):  # spreadsheet numbers
                text = _numbers_as_text(cells)
            result = _VECTORISED[b.column.parse](text)
            good = pc.is_valid(result)
            if not b.column.required:  # an empty cell is unknown: fine without a parser
                good = pc.or_(good, pc.fill_null(pc.equal(text, ""), True))
            values = result.to_pylist()
        parsed.append(values)
        plain = good if plain is None else pc.and_(plain, good)
    return PlainRows(list(zip(*parsed, strict=True)), plain.to_pylist())


_NOT_PLAIN = "\x00"  # a shape no pattern matches: the per-cell parser decides


def _numbers_as_text(cells: list) -> pa.Array:
    """A column of spreadsheet cells as text: numbers as their shortest decimal form (2023,
    1234567.89), converted by Arrow when the column holds only numbers and blanks."""
    cells = [None if cell == "" else cell for cell in cells]
    try:
        numbers = pa.array(cells)
    # dates, text, huge numbers; a date beside a NaN makes Arrow raise a plain ValueError
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError, ValueError):
        numbers = None
    if numbers is not None and (
        pa.types.is_integer(numbers.type) or pa.types.is_floating(numbers.type)
    ):
        return pc.cast(numbers, pa.string())
    return pa.array([_as_text(cell) for cell in cells], type=pa.string())


def _as_text(cell):
    """A spreadsheet number as the text it reads as (2023, 1234567.89); other values as
    a shape that is not plain, so that their own parser words any error."""
    if cell is None or cell.__class__ is str:
        return cell
    if cell.__class__ is int:
        return str(cell)
    if cell.__class__ is float:
        return repr(cell) if not cell.is_integer() else str(int(cell))  # as Arrow writes it
    return _NOT_PLAIN


def _code_or_none(check_code, cell):
    if cell.__class__ is not str:
        return None
    try:
        return check_code(cell)
    except InvalidValue:
        return None
