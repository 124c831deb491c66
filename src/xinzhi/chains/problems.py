"""Where a chain file went wrong: file, sheet and row (or line), field, value and reason.

A chain import is all or nothing, like every import: the readers collect every problem they
find, and ``ChainFileError`` carries them all. The error report is an .xlsx in the style of
the registry imports' (``ingest.report``), with a sheet column added.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..domain.errors import InvalidValue, XinzhiError


@dataclass(frozen=True)
class Origin:
    """Where a record was read: a sheet row of an .xlsx, or a line of a YAML file."""

    file: str | None = None
    sheet: str | None = None
    row: int | None = None
    line: int | None = None

    def zh(self) -> str:
        return self._place("工作表“{}”", "第{}行", " ")

    def en(self) -> str:
        return self._place("sheet '{}'", "row {}", ", ", line="line {}")

    def _place(self, sheet: str, row: str, joint: str, line: str | None = None) -> str:
        parts = [self.file] if self.file else []
        if self.sheet:
            parts.append(sheet.format(self.sheet))
        if self.row or self.line:
            parts.append((row if self.row or line is None else line).format(self.row or self.line))
        return joint.join(parts)


NOWHERE = Origin()


@dataclass(frozen=True)
class Problem:
    origin: Origin
    field: str | None
    value: str | None
    zh: str
    en: str
    code: str = "invalid"

    def describe(self) -> str:
        """One line for a terminal: where, field, value, reason in Chinese then English."""
        o = self.origin
        where = " ".join(
            part
            for part in (
                o.file,
                o.sheet and f"[{o.sheet}]",
                (o.row or o.line)
                and f"第{o.row or o.line}行 {'row' if o.row else 'line'} {o.row or o.line}",
            )
            if part
        )
        what = f" [{self.field}]" if self.field else ""
        shown = f" “{self.value}”" if self.value not in (None, "") else ""
        return f"{where}{what}{shown}: {self.zh} / {self.en}"


def problem(origin: Origin, field_name: str | None, value, error: InvalidValue) -> Problem:
    shown = None if value is None else str(value)
    if shown is not None and len(shown) > 60:
        shown = shown[:57] + "…"
    return Problem(origin, field_name, shown, error.zh, error.en, error.code)


@dataclass
class Problems:
    """Problems collected while reading; raise them all at once with ``raise_if_any``."""

    items: list[Problem] = field(default_factory=list)

    def add(
        self, origin: Origin, field_name: str | None, value, zh: str, en: str, code: str = "invalid"
    ) -> None:
        self.items.append(problem(origin, field_name, value, InvalidValue(code, zh, en)))

    def add_error(self, origin: Origin, field_name: str | None, value, error: InvalidValue) -> None:
        self.items.append(problem(origin, field_name, value, error))

    def __bool__(self) -> bool:
        return bool(self.items)

    def raise_if_any(self) -> None:
        if self.items:
            raise ChainFileError(sorted(self.items, key=_place))


def _place(item: Problem) -> tuple:
    o = item.origin
    return (o.file or "", o.sheet or "", o.row or o.line or 0)


class ChainFileError(XinzhiError):
    """A chain (or rule) file that cannot be accepted, with every problem found in it."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        first = problems[0].describe() if problems else ""
        more = f" (+{len(problems) - 1} more)" if len(problems) > 1 else ""
        zh = problems[0].zh if problems else ""
        en = problems[0].en if problems else ""
        super().__init__(zh, en, message=first + more)


class ChainNotFound(XinzhiError, LookupError):
    def __init__(self, key: str, version: int | None = None) -> None:
        which = f" 版本 {version}" if version else ""
        which_en = f" version {version}" if version else ""
        zh = f"没有产业链“{key}”{which}；可用 `xinzhi chain list` 查看"
        en = f"no chain '{key}'{which_en}; see `xinzhi chain list`"
        super().__init__(zh, en, message=f"{en} / {zh}")


REPORT_COLUMNS = (
    ("文件 File", 24),
    ("工作表 Sheet", 16),
    ("行号 Row/Line", 12),
    ("字段 Field", 22),
    ("值 Value", 28),
    ("原因", 60),
    ("Reason", 60),
    ("错误代码 Code", 22),
)


def write_problem_report(problems: list[Problem], path: Path) -> Path:
    """The error report of a rejected chain file: one row per problem, Chinese and English."""
    from openpyxl import Workbook

    from ..documents.excel import HEADER_FILL, HEADER_FONT, safe_value

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "错误 Errors"
    sheet.append([title for title, _ in REPORT_COLUMNS])
    for cell, (_, width) in zip(sheet[1], REPORT_COLUMNS, strict=True):
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        sheet.column_dimensions[cell.column_letter].width = width
    sheet.freeze_panes = "A2"
    for item in problems:
        where = item.origin.row or item.origin.line
        sheet.append(
            [
                safe_value(v)
                for v in (
                    item.origin.file,
                    item.origin.sheet,
                    where,
                    item.field,
                    item.value,
                    item.zh,
                    item.en,
                    item.code,
                )
            ]
        )
    summary = workbook.create_sheet("摘要 Summary")
    summary.append(["错误数 Errors", len(problems)])
    summary.append(["结果 Outcome", "未导入任何数据 / nothing was imported"])
    path = Path(path)
    workbook.save(path)
    return path
