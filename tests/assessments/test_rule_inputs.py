"""Inputs the audit of issue #19 found wrong, tested through the tech-SME score (科技型中小企业
评价办法 第七条（三）, 第六条（四）): IP counts only while in force and owned; a listing made
before the accounting year is unknown unless its removal date (移出日期) says when it was lifted.

One registry, evaluated on 2023-12-31 (y1 = 2023) and, for design patents, on 2031-12-31.
"""

from __future__ import annotations

import datetime as dt

import pytest

from xinzhi.assessments.runs import evaluate

from .firms import AS_OF, registered, rows_by_name
from .test_sme import firm, points

D = dt.date
# One Class II item scores 6 points (第七条（三） E), one Class I item 30 (A), none 0 (F).
IP_FIRMS = {
    # 专利法第四十二条: 实用新型 10 years from filing — the term of one filed 2013-12-31 ends
    # 2023-12-30; filed 2014-01-01 it runs through 2023-12-31.
    "实用新型届满前一日申请": ([("utility_model", "own", D(2013, 12, 30), D(2014, 6, 1))], 0),
    "实用新型满十年当日": ([("utility_model", "own", D(2013, 12, 31), D(2014, 6, 1))], 0),
    "实用新型未满十年": ([("utility_model", "own", D(2014, 1, 1), D(2014, 6, 1))], 6),
    # 发明 20 years from filing: a 2003 filing has ended, a 2004-01-01 one has not.
    "发明满二十年": ([("invention_patent", "own", D(2003, 12, 31), D(2006, 1, 1))], 0),
    "发明未满二十年": ([("invention_patent", "own", D(2004, 1, 1), D(2006, 1, 1))], 30),
    # Issue #19: "a 2001 utility model still counts" — no longer.
    "2001年实用新型": ([("utility_model", "own", D(2001, 3, 1), D(2001, 9, 1))], 0),
    # 终止日期: a right that lapsed on the evaluation date is not in force on it; one that
    # lapses the day after still is.
    "终止于评价日": (
        [("invention_patent", "own", D(2019, 1, 1), D(2020, 1, 1), D(2023, 12, 31))],
        0,
    ),
    "终止于评价日前一日": (
        [("invention_patent", "own", D(2019, 1, 1), D(2020, 1, 1), D(2023, 12, 30))],
        0,
    ),
    "终止于评价日后一日": (
        [("invention_patent", "own", D(2019, 1, 1), D(2020, 1, 1), D(2024, 1, 1))],
        30,
    ),
    # 服务工作指引: "知识产权权属人应为评价申请企业" — a licensee does not own the right.
    "被许可发明专利": ([("invention_patent", "licence")], 0),
    "被许可加自有实用新型": ([("invention_patent", "licence"), ("utility_model", "own")], 6),
    # 软件著作权 has no term here (50 years for a legal person's work): it counts.
    "软件著作权": ([("software_copyright", "own", D(2005, 1, 1), D(2005, 6, 1))], 6),
    # Without a filing date the grant date bounds the term: granted 2012 → over by 2023.
    "实用新型无申请日": ([("utility_model", "own", None, D(2012, 6, 1))], 0),
}
# 外观设计: 15 years for filings from 2021-06-01 (专利法 2020 amendment), 10 before; seen in 2031.
DESIGN_FIRMS = {
    "外观设计2021-05-31申请": ([("design_patent", "own", D(2021, 5, 31), D(2021, 9, 1))], 0),
    "外观设计2021-06-01申请": ([("design_patent", "own", D(2021, 6, 1), D(2021, 9, 1))], 6),
}
# 第六条（四）"未列入经营异常名录和严重违法失信企业名单" in 上一年及当年 (y1 = 2023).
LISTING_FIRMS = {
    "旧名录未知是否移出": ([(D(2021, 5, 1), "abnormal_operation")], None, "undetermined"),
    "旧名录上年前移出": ([(D(2021, 5, 1), "abnormal_operation", D(2022, 12, 31))], True, "pass"),
    "旧名录上年内移出": ([(D(2021, 5, 1), "abnormal_operation", D(2023, 1, 1))], False, "fail"),
    "旧失信名单未移出": ([(D(2020, 5, 1), "serious_violation")], None, "undetermined"),
    "旧名录未知且上年有事故": (
        [(D(2021, 5, 1), "abnormal_operation"), (D(2023, 3, 1), "safety")],
        False,
        "fail",
    ),
    "旧事故不论移出": ([(D(2021, 5, 1), "safety")], True, "pass"),
    "上年列入名录": ([(D(2023, 5, 1), "abnormal_operation", D(2023, 8, 1))], False, "fail"),
}


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    firms = [firm(name, ip=ip) for name, (ip, _) in {**IP_FIRMS, **DESIGN_FIRMS}.items()]
    firms += [firm(name, incidents=incidents) for name, (incidents, *_) in LISTING_FIRMS.items()]
    engine = registered(tmp_path_factory.mktemp("rule_inputs"), firms)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def rows(engine):
    return rows_by_name(evaluate(engine, as_of=AS_OF, only={"sme"}).detail["sme"])


@pytest.mark.parametrize("name", list(IP_FIRMS))
def test_ip_counts_only_while_in_force_and_owned(rows, name):
    """第七条（三）"企业拥有的在有效期内的…知识产权"; 服务工作指引 "须…在中国法律的有效保护期内。
    知识产权权属人应为评价申请企业"; terms per 专利法第四十二条 from the filing date."""
    assert points(rows[name], "ip") == IP_FIRMS[name][1]


@pytest.mark.parametrize("name", list(DESIGN_FIRMS))
def test_design_term_depends_on_the_filing_date(engine, name):
    """专利法第四十二条 (2020 amendment, in force 2021-06-01): 外观设计专利权的期限为十五年 —
    filed the day before, 10 years (ended 2031-05-30); filed that day, 15 years."""
    rows = rows_by_name(evaluate(engine, as_of=D(2031, 12, 31), only={"sme"}).detail["sme"])
    assert points(rows[name], "ip") == DESIGN_FIRMS[name][1]


@pytest.mark.parametrize("name", list(LISTING_FIRMS))
def test_listing_made_before_the_year_needs_its_removal_date(rows, name):
    """第六条（四）: a listing made before 上一年 stands in the period unless lifted (移出日期)
    before 2023-01-01; without a removal date it is unknown, not none — and a known incident
    in the period still decides."""
    _, clause, status = LISTING_FIRMS[name]
    assert (rows[name]["c__integrity"], rows[name]["status"]) == (clause, status)
