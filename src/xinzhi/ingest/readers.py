"""Reading import files as numbered rows: .xlsx/.xlsm, .xls, .ods (python-calamine), .csv.

Rows keep the numbers they have in the file (title rows and blank rows counted), so that an
error report points at the row a person sees. Blank rows are skipped; blank cells are ""
(spreadsheets) or None; whole numbers stored as floats by spreadsheets come back as ints.
Every spreadsheet passes ``limits`` before it is decompressed.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from python_calamine import CalamineError, CalamineWorkbook, SheetVisibleEnum

from . import limits
from .errors import ImportFileError

SPREADSHEETS = (".xlsx", ".xlsm", ".xls", ".ods")
SUFFIXES = (*SPREADSHEETS, ".csv")

Row = tuple[int, list]  # (row number in the file, 1-based; cells)

__all__ = ["ImportFileError", "Row", "Table", "Workbook", "open_table", "open_workbook"]


@dataclass
class Table:
    header: list[str]
    rows: Iterator[Row]


def _detect_encoding(path: Path) -> str:
    """UTF-8 (with or without BOM) when the start of the file decodes as such, else GB18030.

    Chinese Excel saves "CSV" as GBK by default; GB18030 is its superset.
    """
    with path.open("rb") as handle:
        head = handle.read(1 << 20)
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        return "utf-8-sig"
    except UnicodeDecodeError:
        return "gb18030"


def _csv_rows(path: Path) -> Iterator[list]:
    encoding = _detect_encoding(path)
    with path.open(encoding=encoding, newline="") as handle:
        try:
            for cells in csv.reader(handle):
                if len(cells) > limits.MAX_COLUMNS:
                    limits.check_size(1, len(cells), "CSV 行 row")
                yield cells
        except UnicodeDecodeError as error:
            raise ImportFileError(
                f"文件编码无法识别（按 {encoding} 读取失败）：请另存为 UTF-8 CSV",
                f"cannot decode the file as {encoding}: save it as UTF-8 CSV ({error})",
            ) from error
        except csv.Error as error:
            raise ImportFileError(f"CSV 格式错误：{error}", f"malformed CSV: {error}") from error


def _filled(cell) -> bool:
    return cell is not None and not (cell.__class__ is str and not cell.strip())


class Workbook:
    """The visible sheets of one file, each read on demand as numbered, non-blank rows."""

    def __init__(self, path: Path) -> None:
        self.path = path
        suffix = path.suffix.lower()
        self._book: CalamineWorkbook | None = None
        self._sheets: dict = {}  # a sheet is read (into memory, by calamine) once
        if suffix == ".csv":
            self.sheet_names = [path.stem]
            return
        if suffix not in SPREADSHEETS:
            raise ImportFileError(
                f"不支持的文件类型“{suffix}”：请使用 .xlsx、.xls、.ods 或 .csv",
                f"unsupported file type '{suffix}': use .xlsx, .xls, .ods or .csv",
            )
        if suffix == ".xls":
            limits.check_xls(path)
        else:
            limits.check_zip(path)
        try:
            self._book = CalamineWorkbook.from_path(str(path))
        except (CalamineError, OSError, ValueError) as error:
            raise ImportFileError(
                f"无法读取电子表格文件：{error}", f"cannot read the spreadsheet: {error}"
            ) from error
        self.sheet_names = [
            sheet.name
            for sheet in self._book.sheets_metadata
            if sheet.visible == SheetVisibleEnum.Visible
        ]
        if not self.sheet_names:
            raise ImportFileError("文件中没有可见的工作表", "the file has no visible sheet")

    def rows(self, sheet_name: str) -> Iterator[Row]:
        if self._book is None:
            raw: Iterator[list] = _csv_rows(self.path)
            start_column = 0
        else:
            try:
                sheet = self._sheets.get(sheet_name) or self._book.get_sheet_by_name(sheet_name)
                self._sheets[sheet_name] = sheet
            except CalamineError as error:
                raise ImportFileError(
                    f"无法读取工作表“{sheet_name}”：{error}",
                    f"cannot read the sheet '{sheet_name}': {error}",
                ) from error
            limits.check_size(sheet.height, sheet.width, f"工作表 sheet “{sheet_name}”")
            start = sheet.start
            start_column = start[1] if start else 0
            raw = sheet.iter_rows()
        padding = [None] * start_column  # calamine starts rows at the first used column
        csv_file = self._book is None
        for number, cells in enumerate(raw, start=1):
            if csv_file:
                if "".join(cells).strip():  # all text: one C-level pass
                    yield number, cells
                continue
            blanks = cells.count("")
            if blanks == len(cells):
                continue
            if blanks + 3 > len(cells) and not any(_filled(cell) for cell in cells):
                continue  # only spaces: a blank row
            # whole numbers come back from spreadsheets as floats: 210112.0 is the text 210112
            cells = [
                (int(cell) if cell.__class__ is float and cell.is_integer() else cell)
                for cell in cells
            ]
            yield number, padding + cells if padding else cells

    def close(self) -> None:
        if self._book is not None:
            self._sheets.clear()
            self._book.close()
            self._book = None


@contextmanager
def open_workbook(path: Path) -> Iterator[Workbook]:
    workbook = Workbook(Path(path))
    try:
        yield workbook
    finally:
        workbook.close()


@contextmanager
def open_table(path: Path) -> Iterator[Table]:
    """The first visible sheet of ``path``: its first non-blank row as the header, then rows."""
    with open_workbook(path) as workbook:
        rows = workbook.rows(workbook.sheet_names[0])
        first = next(rows, None)
        if first is None:
            raise ImportFileError("文件为空", "the file is empty")
        header = [("" if cell is None else str(cell)) for cell in first[1]]
        yield Table(header, rows)
