"""A repeated bad value costs no memory per row (issue #16, finding 1)."""

from __future__ import annotations

from xinzhi.domain.errors import InvalidValue
from xinzhi.ingest import pipeline
from xinzhi.ingest.columns import CreditCodeChecker
from xinzhi.ingest.pipeline import import_file

from .helpers import write_csv

BAD_CODE = "91210112MA0XK1WQ40"  # fails the GB 32100 check character


def _raise(checker) -> InvalidValue:
    try:
        checker(BAD_CODE)
    except InvalidValue as error:
        return error
    raise AssertionError("the bad code was accepted")


def test_cached_failure_raises_a_fresh_error_each_time():
    checker = CreditCodeChecker(set())
    first, second = _raise(checker), _raise(checker)
    assert first is not second
    assert (first.code, first.zh, first.en) == (second.code, second.zh, second.en)
    assert first.code in ("credit_code_checksum", "credit_code_org_check")
    # one frame (the checker's) each: a shared object would have gathered both raises
    assert _depth(second.__traceback__) == _depth(first.__traceback__)


def _depth(traceback) -> int:
    depth = 0
    while traceback is not None:
        depth, traceback = depth + 1, traceback.tb_next
    return depth


def test_stored_errors_are_capped_and_the_rest_counted(sqlite_registry, tmp_path, monkeypatch):
    monkeypatch.setattr(pipeline, "MAX_ERRORS", 25)
    rows = [[BAD_CODE, "2023", "100"] for _ in range(60)]
    path = write_csv(tmp_path / "years.csv", ["统一社会信用代码", "年度", "销售收入"], rows)
    result = import_file(sqlite_registry, "enterprise_years", path, actor="test")
    assert result.error_count == 60
    assert len(result.errors) == 25
    assert [error.row for error in result.errors] == list(range(2, 27))
