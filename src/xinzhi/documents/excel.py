"""Writing spreadsheets safely: shared by templates, error reports and exports."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from openpyxl.styles import Font, PatternFill

HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
NOTE_FONT = Font(italic=True, color="666666")

# A cell starting with one of these is run as a formula by spreadsheet programs
# (CSV/formula injection, e.g. "=cmd|' /C calc'!A0"); such text is written as text.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_value(value):
    """A value that a spreadsheet program shows as data, never runs as a formula."""
    if value is None or isinstance(value, bool | int | float | Decimal | dt.date):
        return value
    text = str(value)
    if text.startswith(FORMULA_START):
        return "'" + text
    return text
