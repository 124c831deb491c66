"""Reading .xlsx and .csv files as header + numbered rows, streaming."""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from openpyxl import load_workbook

from ..domain.errors import XinzhiError


class ImportFileError(XinzhiError):
    """The file as a whole cannot be imported (format, encoding, headers, emptiness)."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(zh, en, message=f"{en} / {zh}")


@dataclass
class Table:
    header: list[str]
    rows: Iterator[tuple[int, list]]  # (spreadsheet row number, 1-based; cells)


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
            yield from csv.reader(handle)
        except UnicodeDecodeError as error:
            raise ImportFileError(
                f"文件编码无法识别（按 {encoding} 读取失败）：请另存为 UTF-8 CSV",
                f"cannot decode the file as {encoding}: save it as UTF-8 CSV ({error})",
            ) from error
        except csv.Error as error:
            raise ImportFileError(f"CSV 格式错误：{error}", f"malformed CSV: {error}") from error


def _xlsx_rows(path: Path) -> Iterator[list]:
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many types for a damaged or foreign file
        raise ImportFileError(
            f"无法读取 Excel 文件：{error}", f"cannot read the Excel file: {error}"
        ) from error
    try:
        sheet = workbook.worksheets[0]
        for values in sheet.iter_rows(values_only=True):
            yield list(values)
    finally:
        workbook.close()


@contextmanager
def open_table(path: Path) -> Iterator[Table]:
    """Open ``path`` and yield its header and its data rows, skipping fully blank rows."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        raw_rows = _csv_rows(path)
    elif suffix in (".xlsx", ".xlsm"):
        raw_rows = _xlsx_rows(path)
    else:
        raise ImportFileError(
            f"不支持的文件类型“{suffix}”：请使用 .xlsx 或 .csv",
            f"unsupported file type '{suffix}': use .xlsx or .csv",
        )
    numbered = enumerate(raw_rows, start=1)
    header = next((cells for _, cells in numbered if _row_filled(cells)), None)
    if header is None:
        raise ImportFileError("文件为空", "the file is empty")
    header = [("" if cell is None else str(cell)) for cell in header]
    rows = ((number, cells) for number, cells in numbered if _row_filled(cells))
    try:
        yield Table(header, rows)
    finally:
        close = getattr(raw_rows, "close", None)
        if close:
            close()


def _row_filled(cells: list) -> bool:
    try:
        return bool("".join(cells).strip())  # CSV rows: all text, one C-level pass
    except TypeError:  # Excel rows hold numbers, dates and None too
        return any(_filled(cell) for cell in cells)


def _filled(cell) -> bool:
    return cell is not None and not (isinstance(cell, str) and not cell.strip())
