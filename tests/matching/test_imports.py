"""Importing the three lists: all or nothing, every error named, links and provenance kept."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from xinzhi.domain.errors import InvalidValue
from xinzhi.ingest.readers import ImportFileError
from xinzhi.matching.imports import import_list
from xinzhi.matching.kinds import parse_code_list, parse_patent_list, parse_trl
from xinzhi.store.db import session_scope
from xinzhi.store.models import AuditEntry, ImportBatch
from xinzhi.store.models.matching import (
    Expert,
    ResearchResult,
    ResultExpert,
    ResultPatent,
    TechnicalDemand,
)

from ..ingest.helpers import write_csv
from .conftest import SAMPLE, load_registry

EXPERT_HEADER = ["专家编号", "姓名", "所在单位", "研究领域", "数据日期"]
RESULT_HEADER = [
    "成果编号",
    "成果名称",
    "成果简介",
    "技术领域",
    "技术成熟度",
    "所属单位",
    "完成专家",
    "相关专利",
    "数据日期",
]
DEMAND_HEADER = [
    "需求编号",
    "企业统一社会信用代码",
    "需求名称",
    "需求描述",
    "技术领域",
    "预算（万元）",
    "期望完成日期",
    "期望成熟度",
    "数据日期",
]


def _count(engine, model) -> int:
    with engine.connect() as conn:
        return conn.scalar(sa.select(sa.func.count()).select_from(model))


def test_sample_lists_import_with_links_money_and_provenance(city):
    with session_scope(city) as session:
        result = session.scalar(sa.select(ResearchResult).where(ResearchResult.code == "R-0006"))
        assert [e.code for e in result.experts] == ["EXP-0003", "EXP-0001"]  # file order kept
        assert [p.number for p in result.patents] == ["202310555001.1"]
        assert result.trl == 5 and result.source == "results.csv" and result.source_row == 7
        assert result.as_of == dt.date(2024, 3, 31)
        demand = session.scalar(sa.select(TechnicalDemand).where(TechnicalDemand.code == "D-0001"))
        assert demand.budget == Decimal("800000.00")  # 80 万元
        assert demand.min_trl == 6 and demand.deadline == dt.date(2026, 12, 31)
        assert demand.enterprise.name == "沈阳甲智能装备有限公司"
        unknown = session.scalar(sa.select(TechnicalDemand).where(TechnicalDemand.code == "D-0002"))
        assert unknown.budget is None and unknown.deadline is None  # not stated: unknown, not 0
        expert = session.scalar(sa.select(Expert).where(Expert.code == "EXP-0003"))
        assert expert.field_list == ["robotics", "high_end_equipment"]
        assert {r.code for r in expert.results} == {"R-0002", "R-0005", "R-0006"}
        batches = session.scalars(sa.select(ImportBatch.kind)).all()
        assert {"match_experts", "match_results", "match_demands"} <= set(batches)
        assert (
            session.scalar(
                sa.select(sa.func.count())
                .select_from(AuditEntry)
                .where(AuditEntry.subject.like("match_%"))
            )
            == 3
        )


def test_importing_the_same_file_again_changes_nothing(city):
    again = import_list(city, "results", SAMPLE / "results.csv", actor="test")
    assert again.ok and again.unchanged == 6 and again.inserted == again.updated == 0


def test_a_changed_row_is_updated_with_new_links_and_provenance(city, tmp_path):
    path = write_csv(
        tmp_path / "r2.csv",
        RESULT_HEADER,
        [
            [
                "R-0006",
                "RV减速器摆线轮修形",
                "新简介",
                "机器人",
                "6",
                "辽河理工大学",
                "EXP-0001",
                "202310123456.6；202310555001.1",
                "2024-06-30",
            ]
        ],
    )
    outcome = import_list(city, "results", path, actor="test")
    assert outcome.ok and outcome.updated == 1
    with session_scope(city) as session:
        result = session.scalar(sa.select(ResearchResult).where(ResearchResult.code == "R-0006"))
        assert (result.title, result.trl, result.source) == ("RV减速器摆线轮修形", 6, "r2.csv")
        assert [e.code for e in result.experts] == ["EXP-0001"]
        assert [p.number for p in result.patents] == ["202310123456.6", "202310555001.1"]


@pytest.mark.parametrize(
    ("row", "column", "reason"),
    [
        (
            ["R-9", "名称", "简介", "火星农业", "6", "所", "", "", "2024-01-01"],
            "技术领域",
            "不是可选值",
        ),
        (
            ["R-9", "名称", "简介", "机器人", "TRL10", "所", "", "", "2024-01-01"],
            "技术成熟度",
            "1–9",
        ),
        (
            ["R-9", "名称", "简介", "机器人", "6", "所", "", "202310123456.5", "2024-01-01"],
            "相关专利",
            "校验位",
        ),
        (
            ["R-9", "名称", "简介", "机器人", "6", "所", "EXP-9999", "", "2024-01-01"],
            "完成专家",
            "未登记的专家编号",
        ),
        (["R-9", "", "简介", "机器人", "6", "所", "", "", "2024-01-01"], "成果名称", "必填"),
        (["R 9?", "名称", "简介", "机器人", "6", "所", "", "", "2024-01-01"], "成果编号", "格式"),
    ],
)
def test_a_bad_row_is_named_and_nothing_is_written(city, tmp_path, row, column, reason):
    good = ["R-8", "好成果", "简介", "机器人", "6", "所", "EXP-0001", "", "2024-01-01"]
    path = write_csv(tmp_path / "bad.csv", RESULT_HEADER, [good, row])
    before = _count(city, ResearchResult)
    outcome = import_list(city, "results", path, actor="test")
    assert not outcome.ok
    error = outcome.errors[0]
    assert (error.row, error.column) == (3, column)
    assert reason in error.zh and error.en
    assert _count(city, ResearchResult) == before  # the good row was not written either


def test_duplicate_codes_and_unknown_enterprises_are_reported(city, tmp_path):
    rows = [
        ["D-9", "91210112MA0XK1W10Y", "甲", "描述", "机器人", "", "", "", "2024-01-01"],
        ["D-9", "91210112MA0XK1W10Y", "乙", "描述", "机器人", "", "", "", "2024-01-01"],
        ["D-10", "91110108MA01B7C46F", "丙", "描述", "机器人", "", "", "", "2024-01-01"],
    ]
    outcome = import_list(
        city, "demands", write_csv(tmp_path / "d.csv", DEMAND_HEADER, rows), actor="test"
    )
    codes = {(e.row, e.code) for e in outcome.errors}
    assert codes == {(3, "duplicate_key"), (4, "unknown_enterprise")}
    assert _count(city, TechnicalDemand) == 4


def test_a_past_deadline_is_fine_but_a_future_data_date_is_not(city, tmp_path):
    rows = [
        [
            "D-11",
            "91210112MA0XK1W10Y",
            "甲",
            "描述",
            "机器人",
            "1.5",
            "2030-01-01",
            "TRL 7",
            "2099-01-01",
        ]
    ]
    outcome = import_list(
        city, "demands", write_csv(tmp_path / "d.csv", DEMAND_HEADER, rows), actor="test"
    )
    assert [(e.column, e.code) for e in outcome.errors] == [("数据日期", "date_range")]


def test_missing_columns_refuse_the_whole_file(engine, tmp_path):
    path = write_csv(tmp_path / "e.csv", ["专家编号", "姓名"], [["EXP-1", "王"]])
    with pytest.raises(ImportFileError) as error:
        import_list(engine, "experts", path, actor="test")
    assert "缺少必填列" in error.value.zh and "missing required column" in error.value.en


def test_an_unknown_list_is_refused(engine, tmp_path):
    with pytest.raises(ImportFileError, match="unknown list"):
        import_list(engine, "patents", tmp_path / "x.csv", actor="test")


def test_the_as_of_date_comes_from_the_option_when_the_file_has_none(engine, tmp_path):
    load_registry(engine, tmp_path)
    path = write_csv(tmp_path / "e.csv", EXPERT_HEADER[:-1], [["EXP-1", "王", "所", "机器人"]])
    missing = import_list(engine, "experts", path, actor="test")
    assert [e.code for e in missing.errors] == ["as_of_unknown"]
    given_date = import_list(engine, "experts", path, actor="test", as_of=dt.date(2024, 5, 1))
    assert given_date.ok
    with session_scope(engine) as session:
        assert session.scalar(sa.select(Expert.as_of)) == dt.date(2024, 5, 1)


def test_removing_a_result_removes_its_links(city):
    with session_scope(city) as session:
        session.delete(
            session.scalar(sa.select(ResearchResult).where(ResearchResult.code == "R-0006"))
        )
    assert _count(city, ResultExpert) == 5 and _count(city, ResultPatent) == 3  # of 7 and 4


# --- cell parsers ----------------------------------------------------------------------------


@given(st.integers(1, 9), st.sampled_from(["{}", "TRL{}", "trl {}", "{}级", "ＴＲＬ{}"]))
def test_trl_is_read_in_the_usual_spellings(level, spelling):
    assert parse_trl(spelling.format(level)) == level


@given(st.integers().filter(lambda n: not 1 <= n <= 9))
def test_trl_outside_one_to_nine_is_refused(level):
    with pytest.raises(InvalidValue):
        parse_trl(str(level))


@given(
    st.lists(
        st.from_regex(r"[A-Z][A-Z0-9]{0,6}-[0-9]{1,4}", fullmatch=True), min_size=1, max_size=5
    ),
    st.sampled_from(["、", "；", ",", " ", ";"]),
)
def test_code_lists_split_on_any_separator_and_keep_order(codes, separator):
    assert parse_code_list(separator.join(codes)) == list(dict.fromkeys(codes))


def test_patent_lists_are_checked_one_by_one():
    assert parse_patent_list("CN202310123456.6、ZL 202220654321.3") == [
        "202310123456.6",
        "202220654321.3",
    ]
    with pytest.raises(InvalidValue, match="check character"):
        parse_patent_list("202310123456.6；202220654321.4")
