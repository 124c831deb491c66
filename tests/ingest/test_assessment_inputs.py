"""Imports of the data the assessments need (issue #3): new columns and the five list kinds.

Each kind: a good file is stored as written (Chinese or English headers), a bad file names
every bad row, column and reason and writes nothing, and importing it again changes nothing.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa

from xinzhi.ingest.pipeline import import_file
from xinzhi.store import models

from .helpers import (
    code,
    write_csv,
    write_xlsx,
)

LIST_TABLES = ("incidents", "standards", "awards", "financing_rounds", "innovation_reviews")
A, B, C = code("MA0XK1W1"), code("MA0XK1W2"), code("MA0XK1W3")  # founded 2015, 2010, 2019
NOT_REGISTERED = code("MA0XK9Y9")


def dump(engine) -> dict[str, list]:
    with engine.connect() as conn:
        return {
            name: conn.execute(sa.text(f"SELECT * FROM {name} ORDER BY id")).all()
            for name in ("enterprises", "enterprise_years", "ip_rights", *LIST_TABLES)
        }


def _import(engine, tmp_path, kind, header, rows, **options):
    return import_file(
        engine, kind, write_csv(tmp_path / f"{kind}.csv", header, rows), actor="test", **options
    )


def _errors(result) -> set[tuple[int, str, str]]:
    return {(e.row, e.column, e.code) for e in result.errors}


def _rejected_without_writing(engine, tmp_path, kind, header, rows, expected):
    """The bad file is refused whole: exactly ``expected`` errors, no row written."""
    before = dump(engine)
    result = _import(engine, tmp_path, kind, header, rows)
    assert not result.ok
    assert _errors(result) == expected, result.errors
    assert all(e.zh and e.en for e in result.errors)  # the reason, in both languages
    assert dump(engine) == before


def _imported_twice(engine, tmp_path, kind, header, rows):
    """A good file is stored; importing it again changes nothing."""
    first = _import(engine, tmp_path, kind, header, rows)
    assert first.ok, first.errors
    assert first.inserted == len(rows)
    stored = dump(engine)
    again = _import(engine, tmp_path, kind, header, rows)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, len(rows))
    assert dump(engine) == stored


# --- new columns of existing kinds -------------------------------------------------------------


def test_enterprise_hnte_field_and_tax_collection(registry, tmp_path):
    header = [
        "统一社会信用代码",
        "企业名称",
        "所属区县",
        "成立日期",
        "高新技术领域",
        "所得税征收方式",
        "数据日期",
    ]
    rows = [
        [A, "甲", "浑南区", "2015-03-18", "8", "查账征收", "2023-08-31"],
        [B, "乙", "铁西区", "2010-06-01", "生物与新医药", "audit", "2023-08-31"],
        [C, "丙", "浑南区", "2019-11-11", "一", "核定", "2023-08-31"],
    ]
    result = _import(registry, tmp_path, "enterprises", header, rows)
    assert result.ok, result.errors
    with registry.connect() as conn:
        stored = conn.execute(
            sa.select(
                models.Enterprise.credit_code,
                models.Enterprise.hnte_field,
                models.Enterprise.tax_collection,
            ).order_by(models.Enterprise.credit_code)
        ).all()
    assert {tuple(r) for r in stored} == {(A, "8", "audit"), (B, "2", "audit"), (C, "1", "deemed")}


def test_enterprise_bad_field_or_collection_is_named(sqlite_registry, tmp_path):
    header = [
        "credit_code",
        "name",
        "district",
        "founded_on",
        "hnte_field",
        "tax_collection",
        "as_of",
    ]
    rows = [
        [A, "甲", "浑南区", "2015-03-18", "9", "", "2023-08-31"],
        [B, "乙", "铁西区", "2010-06-01", "人工智能", "", "2023-08-31"],
        [C, "丙", "浑南区", "2019-11-11", "", "定额", "2023-08-31"],
    ]
    _rejected_without_writing(
        sqlite_registry,
        tmp_path,
        "enterprises",
        header,
        rows,
        {
            (2, "hnte_field", "unknown_choice"),
            (3, "hnte_field", "unknown_choice"),
            (4, "tax_collection", "unknown_choice"),
        },
    )


def test_blank_field_is_unknown_not_a_default(sqlite_registry):
    with sqlite_registry.connect() as conn:
        values = conn.execute(
            sa.select(models.Enterprise.hnte_field, models.Enterprise.tax_collection)
        ).all()
    assert values and all(v == (None, None) for v in values)


def test_enterprise_years_cost_expense_total_and_conversions(registry, tmp_path):
    header = [
        "统一社会信用代码",
        "年度",
        "销售收入（万元）",
        "研究开发费用",
        "成本费用支出总额（万元）",
        "科技成果转化数",
    ]
    rows = [
        [A, "2023", "5200", "2800000", "4100.5", "4"],
        [A, "2022", "4500", "2300000", "", "0"],
        [B, "2023", "900", "50000", "800", ""],
    ]
    _imported_twice(registry, tmp_path, "enterprise_years", header, rows)
    with registry.connect() as conn:
        years = {
            (r.enterprise_id, r.year): r
            for r in conn.execute(sa.select(models.EnterpriseYear.__table__))
        }
        ids = dict(
            conn.execute(sa.select(models.Enterprise.credit_code, models.Enterprise.id)).all()
        )
    assert years[ids[A], 2023].cost_expense_total == Decimal("41005000.00")  # 4100.5万元
    assert years[ids[A], 2023].conversions == 4
    assert years[ids[A], 2022].conversions == 0  # a stated zero stays zero …
    assert years[ids[A], 2022].cost_expense_total is None  # … and a blank is unknown
    assert years[ids[B], 2023].conversions is None


def test_enterprise_years_bad_conversions(sqlite_registry, tmp_path):
    header = ["credit_code", "year", "cost_expense_total", "conversions"]
    rows = [
        [A, "2023", "100", "-1"],
        [A, "2022", "-5", "2"],
        [B, "2023", "10", "2.5"],
        [C, "2023", "10", "三"],
    ]
    _rejected_without_writing(
        sqlite_registry,
        tmp_path,
        "enterprise_years",
        header,
        rows,
        {
            (2, "conversions", "count_negative"),
            (3, "cost_expense_total", "money_negative"),
            (4, "conversions", "count_format"),
            (5, "conversions", "count_format"),
        },
    )


def test_ip_rights_hnte_used_on(registry, tmp_path):
    header = [
        "知识产权类型",
        "编号",
        "权利人统一社会信用代码",
        "申请日期",
        "授权日期",
        "获得方式",
        "已用于高企申请日期",
        "数据日期",
    ]
    good = [
        [
            "实用新型",
            "202120123456.3",
            A,
            "2021-03-01",
            "2021-08-01",
            "自主研发",
            "2022-05-20",
            "2024-06-30",
        ],
        ["软件著作权", "2022SR0123456", A, "", "2022-02-01", "自主研发", "", "2024-06-30"],
    ]
    bad = [
        [
            "实用新型",
            "202120123457.1",
            A,
            "2021-03-01",
            "2021-08-01",
            "自主研发",
            "2021-05-20",
            "2024-06-30",
        ],
        [
            "外观设计",
            "202130123456.X",
            A,
            "2021-03-01",
            "2021-08-01",
            "自主研发",
            "2021-13-01",
            "2024-06-30",
        ],
    ]
    from xinzhi.domain.patent import patent_check_char

    for row in good + bad:  # give every patent number its real check character
        if row[0] != "软件著作权":
            row[1] = row[1][:-1] + patent_check_char(row[1][:-2])
    _rejected_without_writing(
        registry,
        tmp_path,
        "ip_rights",
        header,
        good + bad,
        {(4, "已用于高企申请日期", "inconsistent"), (5, "已用于高企申请日期", "date_format")},
    )
    _imported_twice(registry, tmp_path, "ip_rights", header, good)
    with registry.connect() as conn:
        used = dict(conn.execute(sa.select(models.IPRight.kind, models.IPRight.hnte_used_on)).all())
    assert used == {"utility_model": dt.date(2022, 5, 20), "software_copyright": None}


# --- incidents ---------------------------------------------------------------------------------

INCIDENT_HEADER = ["统一社会信用代码", "发生日期", "类型", "说明"]


def test_incidents_good_file(registry, tmp_path):
    rows = [
        [A, "2023-04-12", "重大安全事故", "沈应急罚〔2023〕12号"],
        [A, "2023-04-12", "environment", ""],  # same day, another kind: a second record
        [B, "2022年6月1日", "经营异常", ""],
    ]
    _imported_twice(registry, tmp_path, "incidents", INCIDENT_HEADER, rows)
    with registry.connect() as conn:
        stored = conn.execute(
            sa.select(
                models.Incident.kind,
                models.Incident.occurred_on,
                models.Incident.as_of,
                models.Incident.description,
            ).order_by(models.Incident.id)
        ).all()
    assert [tuple(r) for r in stored] == [
        ("safety", dt.date(2023, 4, 12), dt.date(2023, 4, 12), "沈应急罚〔2023〕12号"),
        ("environment", dt.date(2023, 4, 12), dt.date(2023, 4, 12), None),
        ("abnormal_operation", dt.date(2022, 6, 1), dt.date(2022, 6, 1), None),
    ]


def test_incidents_bad_rows(registry, tmp_path):
    future = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    rows = [
        [A, "2023-04-12", "重大安全事故", ""],
        [A, "2023-04-12", "safety", "重复"],
        [NOT_REGISTERED, "2023-01-01", "safety", ""],
        [B, future, "quality", ""],
        [B, "2023-01-01", "火灾", ""],
        ["", "2023-01-01", "fraud", ""],
    ]
    _rejected_without_writing(
        registry,
        tmp_path,
        "incidents",
        INCIDENT_HEADER,
        rows,
        {
            (3, "统一社会信用代码 + 发生日期 + 类型", "duplicate_key"),
            (4, "统一社会信用代码", "unknown_enterprise"),
            (5, "发生日期", "date_range"),
            (6, "类型", "unknown_choice"),
            (7, "统一社会信用代码", "required"),
        },
    )


# --- standards ---------------------------------------------------------------------------------

STANDARD_HEADER = ["统一社会信用代码", "标准编号", "标准名称", "标准级别", "制定角色", "发布日期"]


def test_standards_good_file_in_one_spelling(registry, tmp_path):
    rows = [
        [
            A,
            "gb/t12345—2023",
            "工业机器人 关节减速器 试验方法",
            "国家标准",
            "主导制定",
            "2023-03-17",
        ],
        [A, "JB/T 14000-2022", "协作机器人 通用技术条件", "行业标准", "参与", "2022-09-01"],
        [B, "DB21/T 3456-2021", "医用敷料 生产规范", "地方标准", "参编", "2021-05-10"],
        [B, "T/CAMDI 88-2022", "一次性使用输液器", "团体标准", "lead", "2022-11-01"],
        [C, "ISO/IEC 27001:2022", "信息安全管理体系", "international", "participant", "2022-10-25"],
    ]
    _imported_twice(registry, tmp_path, "standards", STANDARD_HEADER, rows)
    with registry.connect() as conn:
        stored = conn.execute(
            sa.select(models.Standard.number, models.Standard.level, models.Standard.role).order_by(
                models.Standard.id
            )
        ).all()
    assert [tuple(r) for r in stored] == [
        ("GB/T 12345-2023", "national", "lead"),
        ("JB/T 14000-2022", "industry", "participant"),
        ("DB21/T 3456-2021", "local", "participant"),
        ("T/CAMDI 88-2022", "group", "lead"),
        ("ISO/IEC 27001:2022", "international", "participant"),
    ]


def test_standards_bad_rows(sqlite_registry, tmp_path):
    rows = [
        [A, "GB/T 12345-2023", "甲", "国家标准", "主导制定", "2023-03-17"],
        [A, "GB/T12345-2023", "甲（重复）", "国家标准", "主导制定", "2023-03-17"],
        [A, "GB/T 99-2020", "乙", "行业标准", "参与编制", "2020-01-01"],
        [B, "GB/T 12345", "丙", "国家标准", "参与编制", "2020-01-01"],
        [B, "JB/T 1-2020", "丁", "行业标准", "起草", "2020-01-01"],
        [C, "DB21/T 1-2020", "", "地方标准", "参与编制", "2020-01-01"],
    ]
    _rejected_without_writing(
        sqlite_registry,
        tmp_path,
        "standards",
        STANDARD_HEADER,
        rows,
        {
            (3, "统一社会信用代码 + 标准编号", "duplicate_key"),
            (4, "标准级别", "standard_level"),
            (5, "标准编号", "standard_number"),
            (6, "制定角色", "unknown_choice"),
            (7, "标准名称", "required"),
        },
    )


# --- awards ------------------------------------------------------------------------------------

AWARD_HEADER = ["统一社会信用代码", "奖项名称", "奖励级别", "获奖单位排名", "获奖年度"]


def test_awards_good_file(registry, tmp_path):
    rows = [
        [A, "国家科学技术进步奖二等奖", "国家级", "2", "2020"],
        [A, "辽宁省科学技术进步奖一等奖", "省部级", "1", "2022年"],
        [B, "沈阳市科学技术进步奖二等奖", "municipal", "4", "2021"],
    ]
    _imported_twice(registry, tmp_path, "awards", AWARD_HEADER, rows)
    with registry.connect() as conn:
        stored = conn.execute(
            sa.select(
                models.Award.level, models.Award.rank, models.Award.year, models.Award.as_of
            ).order_by(models.Award.id)
        ).all()
    assert [tuple(r) for r in stored] == [
        ("national", 2, 2020, dt.date(2020, 12, 31)),
        ("provincial", 1, 2022, dt.date(2022, 12, 31)),
        ("municipal", 4, 2021, dt.date(2021, 12, 31)),
    ]


def test_awards_bad_rows(sqlite_registry, tmp_path):
    rows = [
        [A, "国家科学技术进步奖二等奖", "国家级", "0", "2020"],
        [A, "国家技术发明奖二等奖", "部级", "1", "2020"],
        [B, "国家科学技术进步奖二等奖", "国家级", "第一", "2020"],
        [B, "辽宁省科学技术进步奖一等奖", "省级", "1", "2099"],
        [C, "辽宁省科学技术进步奖一等奖", "省级", "1", "2021"],
        [C, "辽宁省科学技术进步奖一等奖", "省级", "2", "2021"],
    ]
    _rejected_without_writing(
        sqlite_registry,
        tmp_path,
        "awards",
        AWARD_HEADER,
        rows,
        {
            (2, "获奖单位排名", "rank_range"),
            (3, "奖励级别", "unknown_choice"),
            (4, "获奖单位排名", "count_format"),
            (5, "获奖年度", "year_range"),
            (7, "统一社会信用代码 + 奖项名称 + 获奖年度", "duplicate_key"),
        },
    )


# --- financing rounds --------------------------------------------------------------------------

ROUND_HEADER = [
    "统一社会信用代码",
    "交割日期",
    "轮次",
    "融资金额（万元）",
    "投资方",
    "投后估值（亿元）",
]


def test_financing_rounds_good_file(registry, tmp_path):
    rows = [
        [A, "2021-03-01", "天使轮", "500", "某天使基金", "0.3"],
        [A, "2022-07-15", "a轮", "3000", "", "2.5"],
        [A, "2023-05-30", "Pre-B", "8000", "某产业基金、某创投", ""],
    ]
    _imported_twice(registry, tmp_path, "financing_rounds", ROUND_HEADER, rows)
    with registry.connect() as conn:
        stored = conn.execute(
            sa.select(
                models.FinancingRound.round,
                models.FinancingRound.amount,
                models.FinancingRound.post_money_valuation,
            ).order_by(models.FinancingRound.closed_on)
        ).all()
    assert [tuple(r) for r in stored] == [
        ("天使", Decimal("5000000.00"), Decimal("30000000.00")),
        ("A", Decimal("30000000.00"), Decimal("250000000.00")),
        ("Pre-B", Decimal("80000000.00"), None),
    ]


def test_financing_round_spellings_share_one_key(sqlite_registry, tmp_path):
    rows = [[A, "2022-07-15", "A轮", "3000", "", ""], [A, "2022-07-15", "A round", "3000", "", ""]]
    _rejected_without_writing(
        sqlite_registry,
        tmp_path,
        "financing_rounds",
        ROUND_HEADER,
        rows,
        {(3, "统一社会信用代码 + 交割日期 + 轮次", "duplicate_key")},
    )


def test_financing_rounds_bad_rows(sqlite_registry, tmp_path):
    rows = [
        [A, "2022-07-15", "B", "3000", "", "0.2"],
        [A, "2022-07-16", "B", "", "", "1"],
        [B, "2022-07-15", "C", "1,000", "", "-1"],
        [NOT_REGISTERED, "2022-07-15", "A", "1", "", ""],
    ]
    _rejected_without_writing(
        sqlite_registry,
        tmp_path,
        "financing_rounds",
        ROUND_HEADER,
        rows,
        {
            (2, "融资金额（万元）", "inconsistent"),
            (3, "融资金额（万元）", "required"),
            (4, "投后估值（亿元）", "money_negative"),
            (5, "统一社会信用代码", "unknown_enterprise"),
        },
    )


# --- innovation reviews ------------------------------------------------------------------------

REVIEW_HEADER = [
    "统一社会信用代码",
    "申请年度",
    "评分来源",
    "技术的先进程度",
    "核心支持作用",
    "研究开发组织管理水平",
    "评分日期",
]


def test_innovation_reviews_good_file(registry, tmp_path):
    rows = [
        [A, "2023", "自评", "7", "8", "18", "2023-05-10"],
        [A, "2023", "专家评审", "6", "", "15", "2023-09-20"],  # a blank score is unknown
        [B, "2023", "self", "", "", "12", "2023-05-11"],
    ]
    _imported_twice(registry, tmp_path, "innovation_reviews", REVIEW_HEADER, rows)
    with registry.connect() as conn:
        stored = conn.execute(
            sa.select(
                models.InnovationReview.review_source,
                models.InnovationReview.advancement,
                models.InnovationReview.core_support,
                models.InnovationReview.rd_management,
                models.InnovationReview.as_of,
            ).order_by(models.InnovationReview.id)
        ).all()
    assert [tuple(r) for r in stored] == [
        ("self", 7, 8, 18, dt.date(2023, 5, 10)),
        ("expert", 6, None, 15, dt.date(2023, 9, 20)),
        ("self", None, None, 12, dt.date(2023, 5, 11)),
    ]


def test_innovation_reviews_english_headers_in_xlsx(sqlite_registry, tmp_path):
    path = write_xlsx(
        tmp_path / "r.xlsx",
        [
            [
                "credit_code",
                "year",
                "review_source",
                "advancement",
                "core_support",
                "rd_management",
                "reviewed_on",
            ]
        ],
        [[A, 2023, "expert", 8, 8, 20, dt.date(2023, 9, 1)]],
    )
    result = import_file(sqlite_registry, "innovation_reviews", path, actor="test")
    assert result.ok, result.errors


def test_innovation_reviews_bad_rows(sqlite_registry, tmp_path):
    rows = [
        [A, "2023", "自评", "9", "8", "18", "2023-05-10"],
        [A, "2022", "自评", "7", "-1", "18", "2022-05-10"],
        [B, "2023", "自评", "7", "8", "21", "2023-05-10"],
        [B, "2022", "自评", "", "", "", "2022-05-10"],
        [C, "2023", "同行", "1", "1", "1", "2023-05-10"],
        [C, "2024", "自评", "1", "1", "1.5", "2023-05-10"],
    ]
    _rejected_without_writing(
        sqlite_registry,
        tmp_path,
        "innovation_reviews",
        REVIEW_HEADER,
        rows,
        {
            (2, "技术的先进程度", "score_range"),
            (3, "核心支持作用", "count_negative"),
            (4, "研究开发组织管理水平", "score_range"),
            (5, "技术的先进程度", "score_missing"),
            (6, "评分来源", "unknown_choice"),
            (7, "研究开发组织管理水平", "count_format"),
        },
    )


def test_lists_record_their_import_batch(registry, tmp_path):
    """The engine tells "no rows" from "not imported" by the kind's import batches."""
    result = _import(
        registry,
        tmp_path,
        "incidents",
        INCIDENT_HEADER,
        [[A, "2023-04-12", "重大质量事故", ""]],
        as_of=dt.date(2023, 8, 31),
    )
    with registry.connect() as conn:
        batch = conn.execute(
            sa.select(models.ImportBatch.kind, models.ImportBatch.as_of).where(
                models.ImportBatch.id == result.batch_id
            )
        ).one()
    assert tuple(batch) == ("incidents", dt.date(2023, 8, 31))
