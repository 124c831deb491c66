"""Column types shared by the models."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import BigInteger
from sqlalchemy.types import TypeDecorator


class ScaledDecimal(TypeDecorator):
    """An exact ``Decimal`` stored as a BIGINT count of 10**-places units.

    SQLite has no decimal type (SQLAlchemy would fall back to floats), so every backend
    stores scaled integers: sums and comparisons are exact in SQLite, PostgreSQL and DuckDB
    alike, and the analysis layer reads ``column / 10**places`` as a decimal.
    """

    impl = BigInteger
    cache_ok = True

    def __init__(self, places: int) -> None:
        super().__init__()
        self.places = places
        self._factor = 10**places
        self._quantum = Decimal(1).scaleb(-places)

    def process_bind_param(self, value, dialect):
        if value is None or isinstance(value, int):
            return value  # ints are already scaled (the bulk paths convert once, up front)
        scaled = Decimal(value) * self._factor
        if scaled != scaled.to_integral_value():
            raise ValueError(f"{value} has more than {self.places} decimal places")
        return int(scaled)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return (Decimal(value) / self._factor).quantize(self._quantum)


def Money() -> ScaledDecimal:
    """CNY in yuan, exact to the fen (0.01 yuan): stored as whole fen."""
    return ScaledDecimal(2)


def Headcount() -> ScaledDecimal:
    """A staff count, a yearly average of monthly averages (全年月平均数): persons exact to
    0.01, stored as whole hundredths so ratios such as S&T staff / staff stay exact."""
    return ScaledDecimal(2)


def Quantity() -> ScaledDecimal:
    """A measured or target figure (家, 项, %, 亿元 …), exact to 4 decimal places."""
    return ScaledDecimal(4)
