"""International Patent Classification (IPC) symbols: "B25J", "G06N 10/00", "H04B10/70".

A symbol is a section (A–H), a class (2 digits), a subclass (a letter), and optionally a main
group (1–4 digits) and subgroup (2–6 digits) after a slash. Stored compactly without spaces
("B25J9/16"), so that a prefix test ("B25J9/16".startswith("B25J")) finds a class. Which
groups exist is not checked (the scheme changes every year); the shape is.
"""

from __future__ import annotations

import re

from .errors import InvalidValue
from .text import to_halfwidth

_SYMBOL = re.compile(r"([A-H])(\d{2})([A-Z])(?:(\d{1,4})(?:/(\d{1,6}))?)?")
_SPLIT = re.compile(r"[;,，；、\s]*[;,，；、\n][;,，；、\s]*")
MAX_CLASSES = 50


def parse_ipc_class(raw: str) -> str:
    """One IPC symbol in compact form: " g06n 10/00 " → "G06N10/00"."""
    text = re.sub(r"\s+", "", to_halfwidth(str(raw))).upper()
    match = _SYMBOL.fullmatch(text)
    if match is None:
        raise InvalidValue(
            "ipc",
            f"“{raw}”不是IPC分类号：应为部（A–H）、大类（2位数字）、小类（字母），可带大组/小组，"
            "如 B25J、G06N 10/00",
            f"'{raw}' is not an IPC symbol: section A–H, 2-digit class, subclass letter, "
            "optionally group/subgroup, e.g. B25J or G06N 10/00",
        )
    section, klass, subclass, group, subgroup = match.groups()
    symbol = f"{section}{klass}{subclass}"
    if group is not None:
        symbol += str(int(group))
        if subgroup is not None:
            symbol += f"/{subgroup}"
    return symbol


def parse_ipc_list(raw: str) -> str:
    """Several IPC symbols separated by ; , 、 or new lines, stored as "B25J9/16;G05B19/418"."""
    parts = [p for p in _SPLIT.split(to_halfwidth(str(raw)).strip()) if p.strip()]
    if len(parts) > MAX_CLASSES:
        raise InvalidValue(
            "ipc",
            f"IPC分类号过多（{len(parts)} 个，最多 {MAX_CLASSES} 个）",
            f"too many IPC symbols ({len(parts)}, at most {MAX_CLASSES})",
        )
    symbols = []
    for part in parts:
        symbol = parse_ipc_class(part)
        if symbol not in symbols:
            symbols.append(symbol)
    return ";".join(symbols)
