"""Money: the units amounts are written in, and how amounts are shown.

Xinzhi stores and computes money as whole fen (分, 1/100 yuan) — exact integers. People write
yuan, 万元 or 亿元 (in a declaration's parameter, a spreadsheet header, a command-line bounty);
every reader converts through the tables below, and every amount shown goes through the
formatters below, so 1 万元 means the same everywhere.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

FEN_PER_YUAN = 100
CENT = Decimal("0.01")

# Yuan per unit, as written in declarations (``value: 200万元``) and money literals.
YUAN_UNITS: dict[str, int] = {"元": 1, "万元": 10_000, "亿元": 100_000_000}
# US dollars per unit (a financing round's currency); to cents, never mixed with yuan.
DOLLAR_UNITS: dict[str, int] = {"美元": 1, "万美元": 10_000, "亿美元": 100_000_000}
# A spreadsheet header may name its unit: 销售收入（万元）, revenue (10k yuan).
HEADER_UNITS: dict[str, int] = {
    **YUAN_UNITS,
    "人民币元": 1,
    "千元": 1_000,
    "百万元": 1_000_000,
    "yuan": 1,
    "cny": 1,
    "10kyuan": 10_000,
    "wanyuan": 10_000,
    "100myuan": 100_000_000,
}
# Typed at a prompt: "500万", "1.2亿" (the longer spelling first, so 万元 is not read as 万).
SHORT_UNITS: tuple[tuple[str, int], ...] = (
    ("亿元", 100_000_000),
    ("亿", 100_000_000),
    ("万元", 10_000),
    ("万", 10_000),
    ("元", 1),
)
# The units an amount may be rounded down to (a policy's ``round:``), in fen.
ROUNDING_FEN: dict[str, int] = {
    "fen": 1,
    "元": FEN_PER_YUAN,
    "百元": 100 * FEN_PER_YUAN,
    "千元": 1_000 * FEN_PER_YUAN,
    "万元": 10_000 * FEN_PER_YUAN,
}


def parse_yuan_text(text: str) -> Decimal:
    """An amount in yuan as typed: ``5000000``, ``500万``, ``1.2亿`` (``InvalidValue`` if not)."""
    from .values import parse_money

    text = text.strip()
    for unit, scale in SHORT_UNITS:
        if text.endswith(unit):
            return parse_money(text.removesuffix(unit), scale=Decimal(scale))
    return parse_money(text)


def fen_to_yuan(fen: int | None) -> float | None:
    """Whole fen as a number of yuan (a spreadsheet cell), unknown stays unknown."""
    return None if fen is None else fen / FEN_PER_YUAN


def format_yuan(fen: int | None) -> str:
    """Whole fen as 元 with separators: 200000000 → ``2,000,000.00 元``; unknown is ``—``.
    Exact at any size (Decimal, not a float's 16 digits)."""
    if fen is None:
        return "—"
    return f"{Decimal(int(fen)).scaleb(-2):,.2f} 元"


def format_wan(fen) -> str:
    """Fen as 万元 with two decimals, rounded half up (四舍五入): 1234500000 →
    ``1,234.50 万元``, 5000 → ``0.01 万元``."""
    wan = (Decimal(fen) / (10_000 * FEN_PER_YUAN)).quantize(CENT, rounding=ROUND_HALF_UP)
    return f"{wan:,.2f} 万元"
