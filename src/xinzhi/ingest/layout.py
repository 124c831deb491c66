"""Where the table is in a sheet as bureaus send it: title rows, a unit line, a one- or
two-row header, then data with notes (注：…) and a totals row (合计) at the end.

``find_header`` looks at the first rows for the row (or pair of rows) that names the most of
a kind's columns; ``DataRows`` then yields the data rows, setting totals and notes aside.
Row numbers stay those of the file.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import chain, islice

from .errors import ImportFileError
from .headers import UNIT_LINE, fold, match
from .kinds import Kind
from .readers import Row

SCAN_ROWS = 30  # title rows, unit lines and a two-row header fit well within these
_TOTALS = {
    "合计",
    "总计",
    "小计",
    "累计",
    "总合计",
    "全市合计",
    "全区合计",
    "合计数",
    "total",
    "sum",
}
_NOTE = re.compile(
    r"^(注|备注|说明|填表说明|填报说明|数据来源|资料来源|制表人?|填表人?|填报人?|审核人?|单位负责人|负责人"
    r"|联系人|联系电话|填报日期|填表日期)"
    r"\s*[:：\d１-９一二三四五六七八九十、.（(]"
)
_NOTE_START = frozenset("注备说填数资制审负单联")
_GROUP_YEAR = re.compile(r"^(?P<year>(?:19|20)\d{2})\s*年(?:度)?(?:数据)?$")


def _text(cell) -> str:
    return "" if cell is None else str(cell).strip()


def _score(kind: Kind, texts: list[str]) -> int:
    return len(
        {column.name for text in texts if text for column in [match(kind, text)[0]] if column}
    )


def _merge(upper: list[str], lower: list[str]) -> tuple[list[str], dict[int, str]]:
    """A two-row header: the lower cell where filled, else the upper; the upper row's text
    spreads right over the empty cells of a merged group header (2023年 over three columns)."""
    width = max(len(upper), len(lower))
    upper = upper + [""] * (width - len(upper))
    lower = lower + [""] * (width - len(lower))
    merged, groups, group = [], {}, ""
    for index in range(width):
        if upper[index]:
            group = upper[index]
        elif not lower[index]:
            group = ""
        if lower[index]:
            merged.append(lower[index])
            if group:
                groups[index] = group
        else:
            merged.append(upper[index])
            group = "" if upper[index] else group
    return merged, groups


@dataclass
class Layout:
    sheet: str
    header_rows: tuple[int, ...]  # file row numbers of the header (one or two)
    header: list[str]
    groups: dict[int, str] = field(default_factory=dict)  # column → group header above it
    unit: str = ""  # the unit line's unit (万元), "" if none
    unit_row: int | None = None
    titles: list[tuple[int, str]] = field(default_factory=list)  # rows above the header

    @property
    def group_year(self) -> int | None:
        """The year of a group header such as 2023年 over the figures, if one year only."""
        years = {m["year"] for text in self.groups.values() if (m := _GROUP_YEAR.match(text))}
        return int(years.pop()) if len(years) == 1 else None


def find_header(kind: Kind, sheet: str, rows: Iterator[Row]) -> tuple[Layout, Iterator[Row]]:
    """The sheet's layout and its remaining rows (data, totals and notes)."""
    head = list(islice(rows, SCAN_ROWS))
    if not head:
        raise ImportFileError(f"工作表“{sheet}”为空", f"the sheet '{sheet}' is empty")
    texts = [[_text(cell) for cell in cells] for _, cells in head]
    scores = [_score(kind, row) for row in texts]
    best = (0, 0, 1, texts[0], {})  # (score, -position, height, header, groups)
    for i, row in enumerate(texts):
        candidates = [(scores[i], -i, 1, row, {})]
        if i + 1 < len(head) and head[i + 1][0] == head[i][0] + 1:
            merged, groups = _merge(row, texts[i + 1])
            score = _score(kind, merged)
            if groups and score > max(scores[i], scores[i + 1]):  # both rows name columns
                candidates.append((score, -i, 2, merged, groups))
        for candidate in candidates:  # ties: the earlier row, one row before two
            if candidate[0] > best[0]:
                best = candidate
    _, position, height, header, groups = best
    first = -position
    layout = Layout(sheet, tuple(head[first + k][0] for k in range(height)), list(header), groups)
    for number, row in zip((n for n, _ in head[:first]), texts[:first], strict=True):
        line = " ".join(text for text in row if text)
        layout.titles.append((number, line))
        found = UNIT_LINE.search(fold(line))
        if found and not layout.unit:
            layout.unit, layout.unit_row = found["unit"], number
    for index, text in enumerate(layout.header):  # 单位：万元 written at the end of the header
        found = UNIT_LINE.fullmatch(fold(text)) if text else None
        if found:
            layout.header[index] = ""
            layout.unit = layout.unit or found["unit"]
            layout.unit_row = layout.unit_row or layout.header_rows[-1]
    rest = chain(head[first + height :], rows)
    return layout, rest


# Both run on every data row of a million-row file: cheap tests first.


def is_totals(cells: list) -> bool:
    """A 合计/总计 row: one of its first three cells says so."""
    for cell in cells[:3]:
        if (
            cell.__class__ is str
            and ("计" in cell or "otal" in cell or "OTAL" in cell)
            and fold(cell).rstrip(":：") in _TOTALS
        ):
            return True
    return False


def is_note(cells: list) -> bool:
    """A note under the table (注：…, 填表人：…): text in a first cell, at most two filled."""
    for first in cells[:3]:
        if first is not None and first != "":
            break
    else:
        return False
    if first.__class__ is not str or first.lstrip()[:1] not in _NOTE_START:
        return False
    if not _NOTE.match(first.strip()):
        return False
    return sum(1 for cell in cells if cell is not None and cell != "") <= 2


class DataRows:
    """The data rows of ``rows``; totals rows and notes are set aside as they pass."""

    def __init__(self, rows: Iterator[Row]) -> None:
        self._rows = rows
        self.totals: list[Row] = []
        self.notes: list[tuple[int, str]] = []

    def __iter__(self) -> Iterator[Row]:
        for number, cells in self._rows:
            if is_totals(cells):
                self.totals.append((number, cells))
            elif is_note(cells):
                self.notes.append((number, " ".join(_text(c) for c in cells if _text(c))))
            else:
                yield number, cells
