"""Usage imports (issue #15, "Bad input"): every bad row named, nothing written."""

from __future__ import annotations

import sqlalchemy as sa

from xinzhi.compute.imports import import_compute_file
from xinzhi.store.models.compute import ComputeUsage

from .conftest import write

GOOD = """JobID,Account,Partition,Start,End,AllocTRES,类型,费用（元）
1,acme,npu,2023-03-01T08:00:00,2023-03-01T10:00:00,"billing=8,cpu=64,gres/gpu=8,node=1",训练,160
2,neu,npu,2023-03-01T09:00:00,2023-03-02T09:00:00,8,推理,
3,far,gpu,2023-03-01T00:00:00,2023-03-01T01:30:00,4,仿真,12.50
"""


def _usage(engine) -> list:
    with engine.connect() as conn:
        return conn.execute(
            sa.select(
                ComputeUsage.job_id,
                ComputeUsage.cards,
                ComputeUsage.card_hours,
                ComputeUsage.job_type,
                ComputeUsage.fee,
            ).order_by(ComputeUsage.job_id)
        ).all()


def test_a_sacct_export_imports_and_again_changes_nothing(centre):
    engine, tmp = centre
    path = write(tmp, "sacct.csv", GOOD)
    result = import_compute_file(engine, "usage", path, centre="SY", actor="test")
    assert result.ok, result.errors
    assert (result.rows, result.inserted, result.updated) == (3, 3, 0)
    rows = _usage(engine)
    assert [(r.job_id, r.cards, str(r.card_hours), r.job_type) for r in rows] == [
        ("1", 8, "16.0000", "training"),
        ("2", 8, "192.0000", "inference"),
        ("3", 4, "6.0000", "simulation"),
    ]
    assert [None if r.fee is None else str(r.fee) for r in rows] == ["160.00", None, "12.50"]
    again = import_compute_file(engine, "usage", path, centre="SY", actor="test")
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 3)


def test_bad_rows_are_each_named_and_nothing_is_written(centre):
    engine, tmp = centre
    bad = """JobID,Account,Partition,Start,End,卡数,卡时,费用
1,acme,npu,2023-03-01 08:00,2023-03-01 08:00,8,,
2,ghost,npu,2023-03-01 08:00,2023-03-01 09:00,8,,
3,acme,tpu,2023-03-01 08:00,2023-03-01 09:00,8,,
4,acme,npu,2023-03-01 10:00,2023-03-01 09:00,8,,
5,acme,npu,2023-03-01 08:00,2023-03-01 09:00,0,,
6,acme,npu,2023-03-01 08:00,2023-03-01 09:00,2,3,
7,acme,npu,yesterday,2023-03-01 09:00,2,,
7,acme,npu,2023-03-01 08:00,2023-03-01 09:00,2,,-5
"""
    result = import_compute_file(
        engine, "usage", write(tmp, "bad.csv", bad), centre="SY", actor="t"
    )
    assert not result.ok
    found = {(e.row, e.code) for e in result.errors}
    assert found == {
        (2, "duration_not_positive"),
        (3, "unknown_tenant"),
        (4, "unknown_pool"),
        (5, "duration_not_positive"),
        (6, "cards_format"),
        (7, "card_hours_above_allocation"),
        (8, "datetime_format"),
        (9, "duplicate_key"),
        (9, "money_format"),
    }
    by_row = {e.row: e for e in result.errors}
    assert "时长为零" in by_row[2].zh and by_row[2].column == "End"
    assert "早于" in by_row[5].zh
    assert _usage(engine) == []


def test_usage_above_a_pools_capacity_is_flagged_with_the_overlapping_jobs(centre):
    engine, tmp = centre
    # 16 cards until July: three jobs of 6 overlap between 09:00 and 10:00
    text = """JobID,Account,Partition,Start,End,卡数
a,acme,npu,2023-03-01 08:00,2023-03-01 10:00,6
b,neu,npu,2023-03-01 09:00,2023-03-01 11:00,6
c,far,npu,2023-03-01 09:30,2023-03-01 12:00,6
d,far,npu,2023-08-01 09:30,2023-08-01 12:00,30
"""
    result = import_compute_file(
        engine, "usage", write(tmp, "over.csv", text), centre="SY", actor="t"
    )
    assert [(e.row, e.code) for e in result.errors] == [(4, "above_capacity")]
    error = result.errors[0]
    assert "18" in error.zh and "16" in error.zh and "a、b、c" in error.zh
    assert _usage(engine) == []


def test_capacity_counts_jobs_already_stored(centre):
    engine, tmp = centre
    first = (
        "JobID,Account,Partition,Start,End,卡数\na,acme,gpu,2023-03-01 08:00,2023-03-01 10:00,6\n"
    )
    assert import_compute_file(
        engine, "usage", write(tmp, "1.csv", first), centre="SY", actor="t"
    ).ok
    second = (
        "JobID,Account,Partition,Start,End,卡数\nb,neu,gpu,2023-03-01 09:00,2023-03-01 11:00,4\n"
    )
    result = import_compute_file(
        engine, "usage", write(tmp, "2.csv", second), centre="SY", actor="t"
    )
    assert [e.code for e in result.errors] == ["above_capacity"]
    assert "a、b" in result.errors[0].zh
    # the same job corrected in place does not collide with its old self
    fixed = (
        "JobID,Account,Partition,Start,End,卡数\na,acme,gpu,2023-03-01 08:00,2023-03-01 10:00,8\n"
    )
    assert import_compute_file(
        engine, "usage", write(tmp, "3.csv", fixed), centre="SY", actor="t"
    ).ok


def test_row_numbers_stay_right_with_blank_lines_and_a_gb18030_file(centre):
    engine, tmp = centre
    text = (
        "作业号,用户账号,资源池,开始时间,结束时间,卡数\n"
        "1,acme,npu,2023-03-01 08:00,2023-03-01 09:00,8\n"
        "\n"
        "2,acme,npu,2023-03-01 10:00,2023-03-01 09:00,8\n"
    )
    path = tmp / "gbk.csv"
    path.write_bytes(text.encode("gb18030"))
    result = import_compute_file(engine, "usage", path, centre="SY", actor="t")
    assert [(e.row, e.column, e.code) for e in result.errors] == [
        (4, "结束时间", "duration_not_positive")
    ]
