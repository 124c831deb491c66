"""Limits on what an import file may make the server read (issue #16, finding 2).

A spreadsheet is a zip of XML (.xlsx, .ods) or a compound file (.xls): a small upload can
declare or contain far more than it weighs. Everything here is checked before the reader
decompresses a sheet, from the zip's directory and the first bytes of each sheet, so a bomb
is refused in milliseconds. docs/imports.md states each limit.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from .errors import ImportFileError

MAX_ROWS = 1_100_000  # a million-row enterprise-year file, with room for titles and notes
MAX_COLUMNS = 256  # the widest kind has < 30 columns; .xls itself stops at 256
MAX_CELLS = 30_000_000  # rows × columns of one sheet, as declared or as read
MAX_UNCOMPRESSED = 1_500_000_000  # bytes of all parts together once unzipped
MAX_RATIO = 100  # uncompressed / compressed size of a part larger than RATIO_FLOOR
RATIO_FLOOR = 1_000_000  # small parts (styles, a short sheet) may compress better
MAX_SHARED_STRINGS = 5_000_000  # distinct texts of an .xlsx (uniqueCount / count)
MAX_SHARED_STRINGS_BYTES = 400_000_000
MAX_XLS_BYTES = 200_000_000  # an .xls is not compressed: its size bounds what it holds
_HEAD = 8 * 1024  # decompressed bytes of a sheet read to find its declared dimension

_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s+ref=\"([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?\"")
_SST_COUNT = re.compile(rb"<(?:\w+:)?sst\b[^>]*?\buniqueCount=\"(\d+)\"")
_REPEATED = re.compile(rb"number-(rows|columns)-repeated=\"(\d+)\"")


def _too_big(zh: str, en: str) -> ImportFileError:
    return ImportFileError(
        f"文件超出导入限制：{zh}；请删除多余的空行、空列或拆分文件后重试",
        f"the file exceeds an import limit: {en}; delete stray blank rows or columns, "
        "or split the file, and try again",
    )


def column_number(letters: bytes | str) -> int:
    if isinstance(letters, bytes):
        letters = letters.decode()
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number


def check_zip(path: Path) -> None:
    """Sizes and ratios of an .xlsx or .ods, the declared sheet sizes and shared strings."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as error:
        raise ImportFileError(
            f"文件已损坏或不是 Excel/ODS 文件：{error}",
            f"the file is damaged or not an Excel/ODS file: {error}",
        ) from error
    with archive:
        members = archive.infolist()
        total = sum(member.file_size for member in members)
        if total > MAX_UNCOMPRESSED:
            raise _too_big(
                f"解压后 {total:,} 字节，上限 {MAX_UNCOMPRESSED:,}",
                f"{total:,} bytes once unzipped, the limit is {MAX_UNCOMPRESSED:,}",
            )
        for member in members:
            if member.file_size > RATIO_FLOOR:
                ratio = member.file_size / max(member.compress_size, 1)
                if ratio > MAX_RATIO:
                    raise _too_big(
                        f"部件 {member.filename} 压缩比 {ratio:,.0f}:1，上限 {MAX_RATIO}:1",
                        f"part {member.filename} is compressed {ratio:,.0f}:1, "
                        f"the limit is {MAX_RATIO}:1",
                    )
            name = member.filename.lower()
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                _check_dimension(member.filename, _head(archive, member))
            elif name == "xl/sharedstrings.xml":
                _check_shared_strings(member, _head(archive, member))
            elif name == "content.xml":
                _check_ods_repeats(archive, member)


def _head(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> bytes:
    with archive.open(member) as handle:
        return handle.read(_HEAD)


def _check_dimension(part: str, head: bytes) -> None:
    match = _DIMENSION.search(head)
    if match is None or match[3] is None:
        return
    rows = int(match[4]) - int(match[2]) + 1
    columns = column_number(match[3]) - column_number(match[1]) + 1
    check_size(rows, columns, f"{part} 声明的范围 declared range")


def check_size(rows: int, columns: int, what: str) -> None:
    if rows > MAX_ROWS or columns > MAX_COLUMNS or rows * columns > MAX_CELLS:
        raise _too_big(
            f"{what} {rows:,} 行 × {columns:,} 列，上限 {MAX_ROWS:,} 行、{MAX_COLUMNS} 列、"
            f"{MAX_CELLS:,} 个单元格",
            f"{what}: {rows:,} rows × {columns:,} columns; the limits are {MAX_ROWS:,} rows, "
            f"{MAX_COLUMNS} columns and {MAX_CELLS:,} cells",
        )


def _check_shared_strings(member: zipfile.ZipInfo, head: bytes) -> None:
    match = _SST_COUNT.search(head)
    count = int(match[1]) if match else 0
    if count > MAX_SHARED_STRINGS or member.file_size > MAX_SHARED_STRINGS_BYTES:
        raise _too_big(
            f"共享字符串 {count:,} 个、{member.file_size:,} 字节，上限 {MAX_SHARED_STRINGS:,} 个、"
            f"{MAX_SHARED_STRINGS_BYTES:,} 字节",
            f"{count:,} shared strings in {member.file_size:,} bytes; the limits are "
            f"{MAX_SHARED_STRINGS:,} and {MAX_SHARED_STRINGS_BYTES:,} bytes",
        )


def _check_ods_repeats(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> None:
    """An .ods repeats a row or cell by an attribute: a few bytes can declare a million rows.

    Empty trailing repeats are normal (the reader skips them); repeats that carry a value
    beyond the limits are refused. The content is scanned in blocks, never held whole.
    """
    rows = 0

    def scan(text: bytes, end: int) -> None:
        nonlocal rows
        for match in _REPEATED.finditer(text, 0, end):
            count = int(match[2])
            if count <= 1:
                continue
            opening = text.rfind(b"<", 0, match.start())
            closing = text.find(b"</table:table-", match.end())
            carries_value = b"value-type" in text[opening:closing][:4096]
            if not carries_value:
                continue
            if match[1] == b"columns":
                check_size(1, count, "content.xml 重复的单元格 repeated cells")
            else:
                rows += count
                check_size(rows, 1, "content.xml 重复的行 repeated rows")

    tail = b""
    with archive.open(member) as handle:
        while block := handle.read(1 << 20):
            text = tail + block
            seen = max(len(text) - 4096, 0)  # the end is scanned with the next block
            scan(text, seen)
            tail = text[seen:]
    scan(tail, len(tail))


def check_xls(path: Path) -> None:
    size = path.stat().st_size
    if size > MAX_XLS_BYTES:
        raise _too_big(
            f".xls 文件 {size:,} 字节，上限 {MAX_XLS_BYTES:,}",
            f"the .xls file has {size:,} bytes, the limit is {MAX_XLS_BYTES:,}",
        )
