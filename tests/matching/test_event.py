"""A 双百链接 event from the database: pairs with reasons, exclusions, capacity, schedule file."""

from __future__ import annotations

import datetime as dt

import pytest
from openpyxl import load_workbook

from xinzhi.matching.event import plan_pairs, read_exclusions, schedule, write_schedule
from xinzhi.matching.pairing import PairingError

from ..ingest.helpers import write_csv

FIRM_A, FIRM_B, FIRM_C = "91210112MA0XK1W10Y", "91210112MA0XK1W29U", "91210112MA0XK1W37N"


def test_every_firm_with_a_demand_gets_its_best_available_expert(matcher):
    pairs = plan_pairs(matcher, 3)
    by_firm = {p.enterprise.code: p for p in pairs}
    assert set(by_firm) == {FIRM_A, FIRM_B, FIRM_C}
    assert by_firm[FIRM_B].expert.code == "EXP-0004"  # the CT reconstruction result's author
    assert by_firm[FIRM_C].expert.code == "EXP-0003"  # the thermal-error result's author
    assert by_firm[FIRM_A].expert.code == "EXP-0001"  # the harmonic-reducer result's author
    assert len({p.expert.code for p in pairs}) == 3  # one firm each
    for pair in pairs:
        assert pair.reasons and pair.reasons[0].code == "via"
        assert pair.result and pair.demand


def test_capacity_and_exclusions_change_the_pairs(matcher):
    excluded = {("EXP-0001", FIRM_A)}
    pairs = plan_pairs(matcher, 3, excluded=excluded)
    assert ("EXP-0001", FIRM_A) not in {(p.expert.code, p.enterprise.code) for p in pairs}
    shared = plan_pairs(matcher, 3, capacity=2)
    assert (
        max(sum(p.expert.code == e for p in shared) for e in {p.expert.code for p in shared}) <= 2
    )


def test_more_pairs_than_firms_is_refused(matcher):
    with pytest.raises(PairingError) as error:
        plan_pairs(matcher, 4)
    assert "企业 3 家" in error.value.zh


def test_the_schedule_file_holds_every_meeting_safely(matcher, tmp_path):
    pairs = plan_pairs(matcher, 3, capacity=2)
    meetings = schedule(pairs, start=dt.datetime(2024, 6, 18, 9), tables=1)
    path = write_schedule(
        meetings, tmp_path / "日程.xlsx", about=[("配对数 Pairs", 3), ("=cmd", "=1+1")]
    )
    book = load_workbook(path)
    rows = list(book["日程 Schedule"].iter_rows(values_only=True))
    assert rows[0][0] == "时段 Slot" and len(rows) == 4
    assert [r[0] for r in rows[1:]] == [1, 2, 3]  # one table: one meeting per slot
    assert rows[1][1] == "2024-06-18 09:00"
    about = list(book["说明 About"].iter_rows(values_only=True))
    assert about[2] == ("'=cmd", "'=1+1")  # formula injection guard


def test_exclusion_files_are_read_with_their_errors(tmp_path):
    path = write_csv(
        tmp_path / "ex.csv",
        ["专家编号", "企业统一社会信用代码", "原因"],
        [["exp-0001", FIRM_A, "利益回避"], ["EXP-0002", "91210112MA0XK1W10X", ""]],
    )
    pairs, problems = read_exclusions(path)
    assert pairs == {("EXP-0001", FIRM_A)}
    assert len(problems) == 1 and problems[0].startswith("第3行")
