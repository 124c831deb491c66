"""Spreadsheets as bureaus send them import with the right values, or are refused naming the
cell (issue #17): title rows, 序号, unit lines, two-row headers, totals, notes, synonyms,
.xls/.ods/GB18030, several sheets and mixed registry + yearly sheets."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from xinzhi.ingest.errors import ImportFileError
from xinzhi.ingest.pipeline import import_file

from .bureau_files import FIRMS, WRITERS, district_list, write_csv, write_xlsx
from .helpers import code
from .test_pipeline import dump

AS_OF = dt.date(2023, 12, 31)


def _firms(engine) -> list[tuple]:
    with engine.connect() as conn:
        return conn.execute(
            sa.text(
                "SELECT e.credit_code, e.founded_on, e.source_row, y.year, y.revenue "
                "FROM enterprises e LEFT JOIN enterprise_years y ON y.enterprise_id = e.id "
                "WHERE e.source LIKE '名单%' ORDER BY e.source_row"
            )
        ).all()


@pytest.mark.parametrize("suffix", list(WRITERS))
def test_district_list_imports_into_enterprises_and_years(sqlite_registry, tmp_path, suffix):
    rows, merged = district_list()
    path = WRITERS[suffix](tmp_path / f"名单.{suffix}", rows, merged)
    result = import_file(sqlite_registry, "enterprises", path, actor="t", year=2023, as_of=AS_OF)
    assert result.ok, result.errors
    assert [(p.kind, p.header_rows, p.rows) for p in result.parts] == [
        ("enterprises", (2,), 4),
        ("enterprise_years", (2,), 4),
    ]
    firms = _firms(sqlite_registry)
    assert [f.credit_code for f in firms] == [
        code("MA0XK1W1"),
        code("MA0XK1W2"),
        code("MA0XK1W4"),
        code("MA0XK1W5"),
    ]
    assert [str(f.founded_on) for f in firms] == [
        "1987-09-15",
        "1998-11-11",
        "2012-05-04",
        "2020-01-02",
    ]
    assert [f.source_row for f in firms] == [3, 4, 5, 6]  # title and header rows counted
    assert {f.year for f in firms} == {2023}
    # 万元 in the header: １，２３４．５ → 12,345,000 yuan, stored in fen
    assert [f.revenue for f in firms] == [1_234_500_000, 2_000_000_000, 88_250_000, 0]
    notices = [zh for zh, _ in result.notices]
    assert "第7行是合计行，未导入" in notices
    assert any(n.startswith("第9行是表注") for n in notices)
    assert any(n.startswith("第10行是表注") for n in notices)
    assert not any("不符" in n for n in notices)  # the total adds up


def test_a_totals_row_that_does_not_add_up_is_reported(sqlite_registry, tmp_path):
    rows, merged = district_list(totals="3000")
    path = write_xlsx(tmp_path / "名单.xlsx", {"名单": (rows, merged)})
    result = import_file(sqlite_registry, "enterprises", path, actor="t", year=2023, as_of=AS_OF)
    assert result.ok
    assert "第7行合计“营业收入（万元）”为 30,000,000.00 元，与各行之和 33,227,500.00 元 不符" in [
        zh for zh, _ in result.notices
    ]


def test_a_unit_line_applies_to_money_columns_without_a_unit(sqlite_registry, tmp_path):
    rows, merged = district_list(unit_line=True, totals=None, notes=False)
    path = write_xlsx(tmp_path / "名单.xlsx", {"名单": (rows, merged)})
    result = import_file(sqlite_registry, "enterprises", path, actor="t", year=2023, as_of=AS_OF)
    assert result.ok, result.errors
    assert result.parts[1].unit == "万元"
    assert ("营业收入", "revenue (销售收入)", "万元") in result.parts[1].columns
    assert [f.source_row for f in _firms(sqlite_registry)] == [4, 5, 6, 7]
    assert _firms(sqlite_registry)[0].revenue == 1_234_500_000  # fen


def test_a_two_row_header_with_a_year_over_the_figures(sqlite_registry, tmp_path):
    rows = [
        ["2023年度科技型企业主要指标", None, None, None],
        ["统一社会信用代码", "单位名称", "2023年", None],
        [None, None, "主营业务收入（千元）", "从业人员（人）"],
        [FIRMS[0][1], "沈阳甲智能装备有限公司", 1500, 42],
    ]
    merged = [(0, 0, 0, 3), (1, 2, 0, 0), (1, 2, 1, 1), (1, 1, 2, 3)]
    path = write_xlsx(tmp_path / "指标.xlsx", {"指标": (rows, merged)})
    result = import_file(sqlite_registry, "enterprise_years", path, actor="t")
    assert result.ok, result.errors
    assert result.parts[0].header_rows == (2, 3)
    assert result.parts[0].defaults == {"year": 2023}
    with sqlite_registry.connect() as conn:
        row = conn.execute(sa.text("SELECT year, revenue, employees FROM enterprise_years")).one()
    # 1,500 千元 in fen; 42 staff in hundredths of a person
    assert (row.year, row.revenue, row.employees) == (2023, 150_000_000, 4200)


def test_mixed_sheet_without_a_year_is_refused_with_what_to_do(sqlite_registry, tmp_path):
    rows, merged = district_list()
    path = write_xlsx(tmp_path / "名单.xlsx", {"名单": (rows, merged)})
    before = dump(sqlite_registry)
    with pytest.raises(ImportFileError) as refused:
        import_file(sqlite_registry, "enterprises", path, actor="t", as_of=AS_OF)
    assert "--year" in refused.value.zh
    assert [p.kind for p in refused.value.parts] == ["enterprises", "enterprise_years"]
    assert dump(sqlite_registry) == before


def test_a_bad_cell_is_named_by_its_row_in_the_file_and_nothing_is_written(
    sqlite_registry, tmp_path
):
    rows, merged = district_list()
    rows[4][5] = "约两千"  # the second firm's revenue, on row 5 of the file
    path = write_xlsx(tmp_path / "名单.xlsx", {"名单": (rows, merged)})
    before = dump(sqlite_registry)
    result = import_file(sqlite_registry, "enterprises", path, actor="t", year=2023, as_of=AS_OF)
    assert not result.ok
    assert [(e.row, e.column, e.value) for e in result.errors] == [
        (5, "营业收入（万元）", "约两千")
    ]
    assert dump(sqlite_registry) == before  # the enterprises part is rolled back too


def test_several_sheets_one_per_kind_hidden_and_other_sheets_left_out(sqlite_registry, tmp_path):
    registry = [
        ["统一社会信用代码", "企业名称", "所属区县", "成立日期"],
        [code("MA0XK1W6"), "沈阳己科技有限公司", "浑南区", "2016-06-06"],
    ]
    years = [
        ["信用代码", "年度", "研发费用"],
        [code("MA0XK1W6"), 2023, 12.5],
    ]
    hidden = [["统一社会信用代码", "企业名称"], ["91210112XXXXXXXXXX", "坏数据"]]
    path = write_xlsx(
        tmp_path / "报送.xlsx",
        {
            "企业年度数据": (years, []),  # before its enterprises: imported after them
            "企业": (registry, []),
            "填表说明": ([["请按模板填写"]], []),
            "旧表": (hidden, []),
        },
        hidden=("旧表",),
    )
    result = import_file(sqlite_registry, "enterprises", path, actor="t", as_of=AS_OF)
    assert result.ok, result.errors
    assert [(p.kind, p.sheet, p.rows) for p in result.parts] == [
        ("enterprises", "企业", 1),
        ("enterprise_years", "企业年度数据", 1),
    ]
    assert "工作表“填表说明”不像任何一类数据，已跳过" in [zh for zh, _ in result.notices]
    with sqlite_registry.connect() as conn:
        assert (
            conn.scalar(sa.text("SELECT source FROM enterprise_years")) == "报送.xlsx#企业年度数据"
        )


def test_sheet_option_and_errors_name_the_sheet(sqlite_registry, tmp_path):
    registry = [
        ["统一社会信用代码", "企业名称", "所属区县", "成立日期"],
        ["bad", "某公司", "浑南区", "2016-06-06"],
    ]
    path = write_xlsx(tmp_path / "报送.xlsx", {"说明": ([["x"]], []), "企业": (registry, [])})
    result = import_file(sqlite_registry, "enterprises", path, actor="t", as_of=AS_OF, sheet="企业")
    assert [(e.sheet, e.row, e.column) for e in result.errors] == [("企业", 2, "统一社会信用代码")]
    with pytest.raises(ImportFileError, match="no visible sheet named 'x'"):
        import_file(sqlite_registry, "enterprises", path, actor="t", sheet="x")


def test_dry_run_counts_and_writes_nothing(sqlite_registry, tmp_path):
    rows, merged = district_list()
    rows[3][2] = "沈阳甲智能装备股份有限公司"  # a registered firm, renamed: an update
    path = write_xlsx(tmp_path / "名单.xlsx", {"名单": (rows, merged)})
    before = dump(sqlite_registry)
    result = import_file(
        sqlite_registry, "enterprises", path, actor="t", year=2023, as_of=AS_OF, dry_run=True
    )
    assert result.ok and result.dry_run and result.batch_id is None
    assert all(part.batch_id is None for part in result.parts)
    assert [(p.inserted, p.updated, p.unchanged) for p in result.parts] == [(2, 2, 0), (4, 0, 0)]
    assert dump(sqlite_registry) == before


def test_unknown_unit_and_unknown_column_are_named(sqlite_registry, tmp_path):
    header = ["统一社会信用代码", "年度", "营业收入（美元）", "企业规模"]
    path = write_csv(tmp_path / "y.csv", [header, [FIRMS[0][1], "2023", "1", "小"]])
    with pytest.raises(ImportFileError) as refused:
        import_file(sqlite_registry, "enterprise_years", path, actor="t")
    assert "列“营业收入（美元）”的单位“美元”无法识别" in refused.value.zh
    assert "未知列“企业规模”" in refused.value.zh


def test_a_mapping_maps_or_ignores_columns(sqlite_registry, tmp_path):
    header = ["统一社会信用代码", "年度", "年营业额", "企业规模"]
    path = write_csv(tmp_path / "y.csv", [header, [FIRMS[0][1], "2023", "100", "小"]])
    result = import_file(
        sqlite_registry,
        "enterprise_years",
        path,
        actor="t",
        mapping={"年营业额": "revenue", "企业规模": None},
    )
    assert result.ok, result.errors
    assert result.parts[0].columns == [
        ("统一社会信用代码", "credit_code (统一社会信用代码)", ""),
        ("年度", "year (年度)", ""),
        ("年营业额", "revenue (销售收入)", ""),
        ("企业规模", None, ""),
    ]


def test_gb18030_csv_with_a_title_row(sqlite_registry, tmp_path):
    rows, _ = district_list(totals=None, notes=False)
    path = write_csv(tmp_path / "名单.csv", rows, "gb18030")
    assert path.read_bytes().decode("gb18030").startswith("沈阳市科技型企业名单")
    result = import_file(sqlite_registry, "enterprises", path, actor="t", year=2023, as_of=AS_OF)
    assert result.ok, result.errors


def test_a_saved_mapping_is_applied_when_the_same_headers_return(sqlite_registry, tmp_path):
    header = ["统一社会信用代码", "年度", "年营业额", "企业规模"]
    first = write_csv(tmp_path / "a.csv", [header, [FIRMS[0][1], "2023", "100", "小"]])
    chosen = {"年营业额": "revenue", "企业规模": None}
    result = import_file(
        sqlite_registry,
        "enterprise_years",
        first,
        actor="t",
        mapping=chosen,
        save_mapping="浑南区科技局",
    )
    assert result.ok, result.errors
    with sqlite_registry.connect() as conn:
        saved = conn.execute(sa.text("SELECT kind, name, created_by FROM import_mappings")).all()
        audit = conn.scalar(
            sa.text("SELECT subject FROM audit_log WHERE action = 'import_mapping.save'")
        )
    assert saved == [("enterprise_years", "浑南区科技局", "t")]
    assert audit == "enterprise_years:浑南区科技局"
    # the same headers (spaces and full-width forms aside) next year: applied without --map
    again = write_csv(
        tmp_path / "b.csv",
        [[" 统一社会信用代码", "年度", "年营业额", "企业规模"], [FIRMS[0][1], "2022", "90", "小"]],
    )
    result = import_file(sqlite_registry, "enterprise_years", again, actor="t")
    assert result.ok, result.errors
    assert result.parts[0].mapping_name == "浑南区科技局"
    # other headers: not applied
    other = write_csv(
        tmp_path / "c.csv", [["统一社会信用代码", "年度", "年营业额"], [FIRMS[0][1], "2021", "80"]]
    )
    with pytest.raises(ImportFileError, match="年营业额"):
        import_file(sqlite_registry, "enterprise_years", other, actor="t")


def test_a_name_without_a_code_gets_a_suggestion_never_a_silent_match(sqlite_registry, tmp_path):
    header = ["统一社会信用代码", "单位名称", "年度", "营业收入"]
    rows = [
        header,
        [None, "沈阳甲智能装备有限责任公司", "2023", "100"],  # registered as …有限公司
        [None, "沈阳（丙）软件公司", "2023", "100"],  # no such firm
        [code("MA0XK1W2"), "沈阳乙生物医药有限公司", "2023", "100"],
    ]
    path = write_csv(tmp_path / "y.csv", rows)
    before = dump(sqlite_registry)
    result = import_file(sqlite_registry, "enterprise_years", path, actor="t")
    assert not result.ok
    assert [(e.row, e.code) for e in result.errors] == [
        (2, "credit_code_suggested"),
        (3, "required"),
    ]
    assert f"“沈阳甲智能装备有限公司”，统一社会信用代码 {code('MA0XK1W1')}" in result.errors[0].zh
    assert "未找到名称为“沈阳（丙）软件公司”的已登记企业" in result.errors[1].zh
    assert dump(sqlite_registry) == before


def test_normalised_names():
    from xinzhi.ingest.names import normalise_name

    assert normalise_name("沈阳 甲（智能）装备有限责任公司") == normalise_name(
        "沈阳甲(智能)装备有限公司"
    )
    assert normalise_name("ＡＢＣ科技有限公司") == normalise_name("abc科技有限公司")
