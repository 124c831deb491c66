"""Spreadsheet bombs are refused before they are decompressed (issue #16, finding 2)."""

from __future__ import annotations

import pytest

from xinzhi.ingest import limits
from xinzhi.ingest.pipeline import import_file
from xinzhi.ingest.readers import ImportFileError, open_workbook

from .bombs import BOMBS, dimension_bomb, ods_repeat_bomb, shared_strings_bomb


@pytest.mark.parametrize("name", list(BOMBS))
def test_bomb_is_refused_with_the_limit_named(sqlite_engine, tmp_path, name):
    path = BOMBS[name](tmp_path)
    with pytest.raises(ImportFileError) as refused:
        import_file(sqlite_engine, "enterprises", path, actor="test")
    assert refused.value.zh.startswith("文件超出导入限制")
    assert "上限" in refused.value.zh and "limit" in refused.value.en


def test_a_declared_range_within_the_limits_is_read(tmp_path):
    path = dimension_bomb(tmp_path / "ok.xlsx", "A1:Z1000")
    with open_workbook(path) as workbook:
        rows = list(workbook.rows(workbook.sheet_names[0]))
    assert [number for number, _ in rows] == [1, 2]


def test_shared_strings_are_counted(tmp_path, monkeypatch):
    monkeypatch.setattr(limits, "MAX_RATIO", 10_000)  # let the count, not the ratio, refuse
    monkeypatch.setattr(limits, "MAX_SHARED_STRINGS", 1000)
    path = shared_strings_bomb(tmp_path / "sst.xlsx", megabytes=3)
    with pytest.raises(ImportFileError, match="shared strings"):
        with open_workbook(path):
            pass


def test_empty_repeated_ods_rows_are_not_counted(tmp_path):
    """LibreOffice ends every sheet with an empty row repeated ~a million times."""
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    document = OpenDocumentSpreadsheet()
    table = Table(name="企业")
    row = TableRow()
    cell = TableCell(valuetype="string")
    cell.addElement(P(text="名称"))
    row.addElement(cell)
    table.addElement(row)
    empty = TableRow(numberrowsrepeated=1_048_575)
    empty.addElement(TableCell(numbercolumnsrepeated=1024))
    table.addElement(empty)
    document.spreadsheet.addElement(table)
    path = tmp_path / "trailing.ods"
    document.save(str(path))
    with open_workbook(path) as workbook:
        assert list(workbook.rows("企业")) == [(1, ["名称"])]


def test_repeats_within_the_limits_are_read(tmp_path):
    path = ods_repeat_bomb(tmp_path / "few.ods", rows=3, columns=2)
    with open_workbook(path) as workbook:
        rows = list(workbook.rows("企业"))
    assert [number for number, _ in rows] == [1, 2, 3]
    assert rows[0][1] == ["91210112MA0XK1WQ4J"] * 2


def test_xls_size_is_capped(tmp_path, monkeypatch):
    monkeypatch.setattr(limits, "MAX_XLS_BYTES", 10)
    path = tmp_path / "big.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0" + b"\0" * 100)
    with pytest.raises(ImportFileError, match="limit is 10"):
        with open_workbook(path):
            pass
