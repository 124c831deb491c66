"""Imports are all-or-nothing, checked at the door, and idempotent (issue #2 §4)."""

from __future__ import annotations

import hashlib
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from xinzhi.ingest.pipeline import import_file
from xinzhi.ingest.readers import ImportFileError
from xinzhi.ingest.report import write_error_report
from xinzhi.store import models

from .helpers import (
    DISTRICT_HEADER,
    DISTRICT_ROWS,
    ENTERPRISE_HEADER,
    code,
    enterprise_rows,
    write_csv,
    write_xlsx,
)

DATA_TABLES = (
    "districts",
    "parks",
    "enterprises",
    "enterprise_years",
    "ip_rights",
    "tech_contracts",
    "platforms",
    "targets",
)


def dump(engine) -> dict[str, list]:
    """Every data row of every registry table, for before/after comparisons."""
    with engine.connect() as conn:
        return {
            name: conn.execute(sa.text(f"SELECT * FROM {name} ORDER BY id")).all()
            for name in DATA_TABLES
        }


def test_good_file_is_imported_with_provenance(registry):
    with registry.connect() as conn:
        rows = conn.execute(
            sa.select(
                models.Enterprise.credit_code,
                models.Enterprise.source,
                models.Enterprise.source_row,
                models.Enterprise.as_of,
                models.Enterprise.import_batch_id,
                models.Enterprise.industry_code,
                models.Enterprise.listed,
            ).order_by(models.Enterprise.source_row)
        ).all()
    assert [r.source_row for r in rows] == [2, 3, 4]
    assert {r.source for r in rows} == {"enterprises.csv"}
    assert all(r.import_batch_id and str(r.as_of) == "2023-08-31" for r in rows)
    assert rows[1].industry_code == "C2720"  # 门类 letter derived from the 大类
    assert [r.listed for r in rows] == [False, False, True]


def test_reimport_changes_nothing(registry, tmp_path):
    before = dump(registry)
    again = write_csv(tmp_path / "enterprises.csv", ENTERPRISE_HEADER, enterprise_rows())
    result = import_file(registry, "enterprises", again, actor="test")
    assert (result.inserted, result.updated, result.unchanged) == (0, 0, 3)
    assert dump(registry) == before


def test_changed_row_is_updated_in_place(registry, tmp_path):
    rows = enterprise_rows()
    rows[0][1] = "沈阳甲智能装备股份有限公司"
    result = import_file(
        registry,
        "enterprises",
        write_csv(tmp_path / "e2.csv", ENTERPRISE_HEADER, rows),
        actor="test",
    )
    assert (result.inserted, result.updated, result.unchanged) == (0, 1, 2)
    with registry.connect() as conn:
        name, source = conn.execute(
            sa.select(models.Enterprise.name, models.Enterprise.source).where(
                models.Enterprise.credit_code == rows[0][0]
            )
        ).one()
    assert (name, source) == ("沈阳甲智能装备股份有限公司", "e2.csv")


def test_money_in_wan_yuan_header_is_exact(registry, tmp_path):
    path = write_csv(
        tmp_path / "years.csv",
        [
            "统一社会信用代码",
            "年度",
            "销售收入（万元）",
            "研究开发费用(万元)",
            "境内研究开发费用",
            "职工总数",
            "科技人员数",
            "净资产",
        ],
        [[code("MA0XK1W1"), 2023, "5,200.01", "280.5", "2500000.10", 120, 14, "-35.5"]],
    )
    result = import_file(registry, "enterprise_years", path, actor="test")
    assert result.ok, result.errors
    with registry.connect() as conn:
        row = conn.execute(sa.select(models.EnterpriseYear)).one()
    assert row.revenue == Decimal("52000100.00")
    assert row.rd_expense == Decimal("2805000.00")
    assert row.rd_expense_domestic == Decimal("2500000.10")
    assert row.net_assets == Decimal("-35.50")
    assert row.total_assets is None  # a missing column is unknown, not zero
    assert str(row.as_of) == "2023-12-31"  # a year's data describes its last day


def test_english_headers_and_fullwidth_code(registry, tmp_path):
    fullwidth = code("MA0XK1W4").translate({c: c + 0xFEE0 for c in range(0x21, 0x7F)})
    path = write_csv(
        tmp_path / "en.csv",
        ["credit_code", "name", "district", "founded_on", "as_of"],
        [[f"  {fullwidth.lower()} ", "沈阳丁新材料有限公司", "康平县", "2021/5/6", "2023-08-31"]],
    )
    result = import_file(registry, "enterprises", path, actor="test")
    assert result.ok, result.errors
    with registry.connect() as conn:
        assert conn.scalar(
            sa.select(models.Enterprise.credit_code).where(models.Enterprise.name.like("%丁%"))
        ) == code("MA0XK1W4")


def test_xlsx_with_both_template_header_rows(registry, tmp_path):
    path = write_xlsx(
        tmp_path / "parks.xlsx",
        [["园区名称", "所属区县", "级别", "数据日期"], ["name", "district", "level", "as_of"]],
        [["沈阳高新技术产业开发区", "浑南区", "国家级", "2023-08-31"]],
    )
    result = import_file(registry, "parks", path, actor="test")
    assert result.ok, result.errors
    assert (result.rows, result.source) == (1, "parks.xlsx")


def test_gb18030_csv(registry, tmp_path):
    path = write_csv(
        tmp_path / "gbk.csv",
        DISTRICT_HEADER,
        [["210104", "大东区", "沈阳市", "辽宁省", "市辖区", "2023-08-31"]],
        encoding="gb18030",
    )
    assert import_file(registry, "districts", path, actor="test").ok


BAD_ROWS = [
    # (row, column header, error code) expected for each bad line below
    (
        [code("MA0XK1W5")[:-1] + "Z", "坏代码公司", "浑南区", "2015-01-01"],
        "统一社会信用代码",
        "credit_code_charset",
    ),
    (
        [
            code("MA0XK1W6")[:-1] + ("1" if code("MA0XK1W6")[-1] != "1" else "2"),
            "校验错公司",
            "浑南区",
            "2015-01-01",
        ],
        "统一社会信用代码",
        "credit_code_checksum",
    ),
    ([code("MA0XK1W7"), "日期错公司", "浑南区", "2015-02-30"], "成立日期", "date_format"),
    ([code("MA0XK1W8"), "区县错公司", "和平区", "2015-01-01"], "所属区县", "unknown_district"),
    ([code("MA0XK1W9"), "", "浑南区", "2015-01-01"], "企业名称", "required"),
    ([code("MA0XK1W1"), "重复公司", "浑南区", "2015-01-01"], "统一社会信用代码", "duplicate_key"),
]


def _bad_enterprise_file(tmp_path):
    """Row 2 is good, rows 3–8 are BAD_ROWS, row 9 lacks the date its data describes."""
    rows = [enterprise_rows()[0][:4] + ["2023-08-31"]]
    rows += [line + ["2023-08-31"] for line, _, _ in BAD_ROWS]
    rows += [[code("MA0XK1WA"), "无日期公司", "浑南区", "2015-01-01", ""]]
    return write_csv(
        tmp_path / "bad.csv",
        ["统一社会信用代码", "企业名称", "所属区县", "成立日期", "数据日期"],
        rows,
    )


def test_bad_file_writes_nothing_and_names_every_problem(registry, tmp_path):
    before = dump(registry)
    result = import_file(
        registry, "enterprises", _bad_enterprise_file(tmp_path), actor="test", as_of=None
    )
    assert not result.ok
    found = {(e.row, e.column, e.code) for e in result.errors}
    for offset, (_, column, error_code) in enumerate(BAD_ROWS):
        assert (3 + offset, column, error_code) in found, (offset, result.errors)
    # with neither a 数据日期 nor --as-of, the date the data describes is unknown
    assert any(e.code == "as_of_unknown" and e.row == 9 for e in result.errors)
    assert result.error_count == len(BAD_ROWS) + 1
    assert dump(registry) == before
    with registry.connect() as conn:
        assert conn.scalar(sa.select(sa.func.count()).select_from(models.ImportBatch)) == 2


def test_failed_import_leaves_sqlite_file_byte_for_byte_unchanged(sqlite_engine, tmp_path):
    districts = write_csv(tmp_path / "districts.csv", DISTRICT_HEADER, DISTRICT_ROWS)
    assert import_file(sqlite_engine, "districts", districts, actor="test").ok
    database = sqlite_engine.url.database
    sqlite_engine.dispose()  # checkpoint the WAL into the file
    before = hashlib.sha256(Path(database).read_bytes()).hexdigest()
    result = import_file(sqlite_engine, "enterprises", _bad_enterprise_file(tmp_path), actor="test")
    assert not result.ok
    sqlite_engine.dispose()
    assert hashlib.sha256(Path(database).read_bytes()).hexdigest() == before


def test_references_and_cross_field_checks(registry, tmp_path):
    years = write_csv(
        tmp_path / "years.csv",
        ["统一社会信用代码", "年度", "职工总数", "科技人员数", "研究开发费用", "境内研究开发费用"],
        [
            [code("MA0XK1W1"), 2023, 100, 120, 10, 5],  # more S&T staff than staff
            [code("MA0XK1W1"), 2022, 100, 10, 10, 11],  # domestic R&D above total
            [code("MA0XK9Y9"), 2023, 100, 10, 10, 5],  # not in the registry
            [code("MA0XK1W3"), 2018, 10, 1, 1, 1],  # before the firm was founded (2019)
            [code("MA0XK1W2"), 2023, 10, 1, 1, 1],  # fine
        ],
    )
    result = import_file(registry, "enterprise_years", years, actor="test")
    found = {(e.row, e.code) for e in result.errors}
    assert found == {
        (2, "inconsistent"),
        (3, "inconsistent"),
        (4, "unknown_enterprise"),
        (5, "year_before_founding"),
    }


def test_contracts_need_a_registered_party_and_consistent_amounts(registry, tmp_path):
    header = [
        "登记编号",
        "合同类别",
        "卖方统一社会信用代码",
        "卖方名称",
        "买方统一社会信用代码",
        "买方名称",
        "合同成交额",
        "技术交易额",
        "签订日期",
        "登记日期",
    ]
    outsider = code("MA0AAAA1", region="110108")
    rows = [
        [
            "2023210100000001",
            "技术开发",
            code("MA0XK1W1"),
            "甲",
            outsider,
            "外地",
            "100",
            "90",
            "2023-01-05",
            "2023-02-01",
        ],
        [
            "2023210100000002",
            "技术许可",
            outsider,
            "外地",
            "",
            "外地二",
            "100",
            "90",
            "2023-01-05",
            "2023-02-01",
        ],
        [
            "2023210100000003",
            "技术服务",
            code("MA0XK1W2"),
            "乙",
            "",
            "某单位",
            "100",
            "120",
            "2023-03-05",
            "2023-02-01",
        ],
        [
            "2023210100000004",
            "技术入股",
            code("MA0XK1W2"),
            "乙",
            "",
            "某单位",
            "100",
            "50",
            "2023-01-05",
            "2023-02-01",
        ],
    ]
    result = import_file(
        registry, "tech_contracts", write_csv(tmp_path / "c.csv", header, rows), actor="test"
    )
    found = {(e.row, e.code) for e in result.errors}
    assert found == {(3, "no_registered_party"), (4, "inconsistent"), (5, "unknown_choice")}
    rows = [rows[0]]
    result = import_file(
        registry, "tech_contracts", write_csv(tmp_path / "c.csv", header, rows), actor="test"
    )
    assert result.ok, result.errors
    with registry.connect() as conn:
        contract = conn.execute(sa.select(models.TechContract)).one()
    assert contract.buyer_enterprise_id is None and contract.seller_enterprise_id is not None
    assert contract.tech_amount == Decimal("90.00")
    assert str(contract.as_of) == "2023-02-01"  # a contract's data describes its registration


def test_ip_numbers_are_checked_against_their_kind(registry, tmp_path):
    header = [
        "知识产权类型",
        "编号",
        "权利人统一社会信用代码",
        "申请日期",
        "授权日期",
        "获得方式",
        "数据日期",
    ]
    rows = [
        [
            "发明专利",
            "CN202310123456.6",
            code("MA0XK1W1"),
            "2023-03-01",
            "2024-01-01",
            "自主研发",
            "2024-06-30",
        ],
        ["实用新型", "202310123456.6", code("MA0XK1W1"), "", "", "受让", "2024-06-30"],
        ["发明专利", "202310123456.5", code("MA0XK1W1"), "", "", "自主研发", "2024-06-30"],
        [
            "发明专利",
            "200310100002.X",
            code("MA0XK1W2"),
            "2004-01-01",
            "",
            "自主研发",
            "2024-06-30",
        ],
        ["软件著作权", "2023sr0123456", code("MA0XK1W3"), "", "", "自主研发", "2024-06-30"],
    ]
    result = import_file(
        registry, "ip_rights", write_csv(tmp_path / "ip.csv", header, rows), actor="test"
    )
    found = {(e.row, e.code) for e in result.errors}
    assert found == {(3, "patent_kind"), (4, "patent_checksum"), (5, "patent_year")}
    result = import_file(
        registry,
        "ip_rights",
        write_csv(tmp_path / "ip.csv", header, [rows[0], rows[4]]),
        actor="test",
    )
    assert result.ok, result.errors
    with registry.connect() as conn:
        numbers = set(conn.scalars(sa.select(models.IPRight.number)))
    assert numbers == {"202310123456.6", "2023SR0123456"}


def test_targets_need_a_known_region(registry, tmp_path):
    header = ["指标", "地区", "年度", "目标值", "目标上限", "单位"]
    rows = [
        ["国家高新技术企业数量", "沈阳市", 2023, 5000, "", "家"],
        ["全国重点实验室落地", "沈阳市", 2023, 4, 6, "个"],
        ["科技型企业数量", "浑南区", 2023, 6000, "", "家"],
        ["科技型企业数量", "大连市", 2023, 6000, "", "家"],
        ["算力填充率", "沈阳市", 2023, 80, 70, "%"],
    ]
    result = import_file(
        registry, "targets", write_csv(tmp_path / "t.csv", header, rows), actor="test"
    )
    assert {(e.row, e.code) for e in result.errors} == {(5, "unknown_region"), (6, "inconsistent")}
    result = import_file(
        registry, "targets", write_csv(tmp_path / "t.csv", header, rows[:3]), actor="test"
    )
    assert result.ok
    with registry.connect() as conn:
        target = conn.execute(
            sa.select(models.Target).where(models.Target.value_max.is_not(None))
        ).one()
    assert (target.value, target.value_max) == (Decimal("4.0000"), Decimal("6.0000"))


def test_verified_code_that_fails_checksum_is_accepted(registry, tmp_path):
    genuine = "91350203M0001QAY9B"  # issued, yet fails mod 31 (RULES.md §4.6 ✅ [S20a])
    path = write_csv(
        tmp_path / "e.csv",
        ["统一社会信用代码", "企业名称", "所属区县", "成立日期", "数据日期"],
        [[genuine, "厦门某公司", "浑南区", "2012-01-01", "2023-08-31"]],
    )
    result = import_file(registry, "enterprises", path, actor="test")
    assert [e.code for e in result.errors] == ["credit_code_checksum"]
    assert "xinzhi code verify" in result.errors[0].en
    with registry.begin() as conn:
        conn.execute(
            sa.insert(models.CreditCodeVerification).values(
                credit_code=genuine, verified_by="admin", reason="营业执照原件核对"
            )
        )
    assert import_file(registry, "enterprises", path, actor="test").ok


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (["统一社会信用代码", "企业名称", "所属区县"], "成立日期"),
        (["统一社会信用代码", "企业名称", "所属区县", "成立日期", "注册资本"], "注册资本"),
        (["统一社会信用代码", "企业名称", "所属区县", "成立日期", "credit_code"], "credit_code"),
        (["统一社会信用代码", "企业名称（万元）", "所属区县", "成立日期"], "企业名称（万元）"),
    ],
)
def test_header_problems_reject_the_file(registry, tmp_path, header, message):
    path = write_csv(tmp_path / "h.csv", header, [["x"] * len(header)])
    with pytest.raises(ImportFileError) as raised:
        import_file(registry, "enterprises", path, actor="test")
    assert message in raised.value.zh


@pytest.mark.parametrize(("name", "content"), [("x.csv", ""), ("x.txt", "a,b"), ("x.xlsx", "no")])
def test_unreadable_files_are_rejected_clearly(registry, tmp_path, name, content):
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(ImportFileError):
        import_file(registry, "enterprises", path, actor="test")


def test_error_report_lists_rows_in_both_languages_without_formulas(registry, tmp_path):
    path = write_csv(
        tmp_path / "f.csv",
        ["统一社会信用代码", "企业名称", "所属区县", "成立日期", "数据日期"],
        [["=cmd|' /C calc'!A0", "公司", "浑南区", "2015-01-01", "2023-08-31"]],
    )
    result = import_file(registry, "enterprises", path, actor="test")
    report = write_error_report(result, tmp_path / "f.errors.xlsx")
    sheet = load_workbook(report).worksheets[0]
    header, first = list(sheet.iter_rows(values_only=True))[:2]
    assert header[0] == "行号 Row"
    assert first[0] == 2 and first[1] == "统一社会信用代码"
    assert first[2].startswith("'=")  # shown as text, never run as a formula
    assert first[3] and first[4]  # reason in Chinese and in English


def test_industry_code_number_cells_that_may_have_lost_a_zero_are_refused(registry, tmp_path):
    path = write_xlsx(
        tmp_path / "e.xlsx",
        [ENTERPRISE_HEADER],
        [
            [code("MA0XK1WB"), "甲", "浑南区", "2015-01-01", 511, "否", "2023-08-31"],
            [code("MA0XK1WC"), "乙", "浑南区", "2015-01-01", 3491, "否", "2023-08-31"],
        ],
    )
    result = import_file(registry, "enterprises", path, actor="test")
    assert [(e.row, e.code) for e in result.errors] == [(2, "industry_code_number")]


def test_targets_may_look_years_ahead(registry, tmp_path):
    path = write_csv(
        tmp_path / "t.csv",
        ["指标", "地区", "年度", "目标值", "单位"],
        [["科技型企业数量", "沈阳市", 2035, 40000, "家"]],
    )
    assert import_file(registry, "targets", path, actor="test").ok
