"""雏鹰 / 瞪羚 / 独角兽 and the potential tiers (RULES.md §3): Liaoning (辽科创办发〔2021〕2号),
the national reference definitions, and the Guangzhou-Huangpu and Shenzhen variants.

All firms sit in 沈阳市和平区 (210102) in one registry, evaluated once on 2023-12-31 with every
region's variant (``all_regions=True``): y1 = 2023 is the latest year (上年 / 截止年) and
y4 = 2020 the base year (基年). Amounts are in 万元; valuations are CNY (7 CNY per USD in the
national declarations). Each test looks at its own firm.
"""

from __future__ import annotations

import datetime as dt

import pytest

from xinzhi.assessments.catalogue import ASSESSMENTS, load_catalog
from xinzhi.assessments.explanations import explain
from xinzhi.assessments.runs import evaluate

from .firms import ALL_LISTS, AS_OF, database, registered, registry, rows_by_name

BASE_YEAR = 2020  # y4; the CAGR is (revenue 2023 / revenue 2020)^(1/3) − 1
ROUND = [(dt.date(2022, 6, 1), 100_000)]  # a financing round of 10亿元 (private investment)


def firm(
    name: str,
    revenue=(2000, 2000, 2000, 2000),
    employees=(50, 50, 50, 50),
    rd=None,
    founded_on=dt.date(2010, 1, 1),
    **fields,
) -> dict:
    """Figures for 2020–2023, oldest first; R&D defaults to 5 % of revenue; None = not reported."""
    rd = rd or tuple(None if r is None else r / 20 for r in revenue)
    years = {}
    for i, year in enumerate(range(BASE_YEAR, BASE_YEAR + 4)):
        if year < founded_on.year:
            continue
        years[year] = {"revenue": revenue[i], "employees": employees[i], "rd_expense": rd[i]}
    return {"name": name, "founded_on": founded_on, "years": years, **fields}


def funded(name: str, founded_on: dt.date, valuation: float, rounds=ROUND, **fields) -> dict:
    return firm(name, founded_on=founded_on, valuation=valuation, rounds=rounds, **fields)


# Ages by date (issue #19 item 2): for each limit of N years, firms founded the day before, on
# and the day after AS_OF minus N years. Revenue, valuation and a round satisfy the other parts
# of the routes that combine age with size, so those routes turn on the age alone.
AGE_LIMITS = (5, 9, 10, 20)
AGE_SIDES = {"前一日": -1, "当日": 0, "后一日": 1}


def age_boundary_name(years: int, side: str) -> str:
    return f"成立满{years}年{side}"


AGE_BOUNDARY_FIRMS = [
    firm(
        age_boundary_name(years, side),
        revenue=(100000,) * 4,
        founded_on=AS_OF.replace(year=AS_OF.year - years) + dt.timedelta(days=shift),
        valuation=400000,
        rounds=[(dt.date(2023, 6, 1), 20000)],
    )
    for years in AGE_LIMITS
    for side, shift in AGE_SIDES.items()
]

FIRMS = [
    # Liaoning gazelle (辽宁省瞪羚企业条件表)
    firm("营收复合20%", revenue=(2000, 2400, 2900, 3456)),
    firm("营收复合略低", revenue=(2000, 2400, 2900, 3455.99)),
    firm("基年恰1000万", revenue=(1000, 1200, 1440, 1728)),
    firm("上年未增长", revenue=(2000, 3000, 3456, 3456)),
    firm("人员复合30%", employees=(101, 150, 200, 222)),
    firm("基年恰100人", employees=(100, 150, 200, 220)),
    firm("风投1000万", rounds=[(dt.date(2023, 3, 1), 1000)]),
    firm("风投999万", rounds=[(dt.date(2023, 3, 1), 999)]),
    firm("5年营收5亿", revenue=(50000,) * 4, rd=(1250,) * 4, founded_on=dt.date(2019, 1, 1)),
    firm(
        "5年营收不足5亿",
        revenue=(50000,) * 3 + (49999.99,),
        rd=(1250,) * 4,
        founded_on=dt.date(2019, 1, 1),
    ),
    firm("10年营收10亿", revenue=(100000,) * 4, rd=(2500,) * 4, founded_on=dt.date(2014, 1, 1)),
    firm("11年营收10亿", revenue=(100000,) * 4, founded_on=dt.date(2012, 6, 1)),
    firm("研发强度不足", revenue=(2000, 2400, 2900, 3456), rd=(67,) * 4),
    firm("成立20年", revenue=(2000, 2400, 2900, 3456), founded_on=dt.date(2004, 1, 1)),
    firm("成立21年", revenue=(2000, 2400, 2900, 3456), founded_on=dt.date(2002, 6, 1)),
    firm(
        "成立不足四年",
        revenue=(None, 800, 1000, 1500),
        rd=(None, 50, 50, 50),
        founded_on=dt.date(2021, 3, 1),
    ),
    firm("基年营收未知", revenue=(None, 2400, 2900, 3456), rd=(100,) * 4),
    # Liaoning eaglet (assumed criteria, ❓)
    firm(
        "雏鹰达标",
        revenue=(1000,) * 4,
        rd=(100,) * 4,
        founded_on=dt.date(2014, 1, 1),
        ip=[("invention_patent", "own")],
    ),
    firm(
        "雏鹰超10年",
        revenue=(1000,) * 4,
        rd=(100,) * 4,
        founded_on=dt.date(2012, 12, 31),
        ip=[("invention_patent", "own")],
    ),
    firm(
        "雏鹰研发不足",
        revenue=(1000,) * 4,
        rd=(100,) * 3 + (99.99,),
        founded_on=dt.date(2014, 1, 1),
        ip=[("invention_patent", "own")],
    ),
    firm(
        "雏鹰无发明专利",
        revenue=(1000,) * 4,
        rd=(100,) * 4,
        founded_on=dt.date(2013, 1, 1),
        ip=[("utility_model", "own")],
    ),
    firm(
        "雏鹰研发未知",
        revenue=(1000,) * 4,
        rd=(100, 100, 100, None),
        founded_on=dt.date(2014, 1, 1),
        ip=[("invention_patent", "own")],
    ),
    # unicorns (Liaoning = national definition: > USD 1 bn = 70亿元 at 7)
    funded("独角兽达标", dt.date(2016, 1, 1), 700000.01),
    funded("估值恰10亿美元差一分", dt.date(2016, 1, 1), 699999.99),
    funded("估值恰10亿美元", dt.date(2016, 1, 1), 700000),
    funded("独角兽已上市", dt.date(2016, 1, 1), 800000, listed=True),
    funded("独角兽无融资", dt.date(2016, 1, 1), 800000, rounds=[]),
    funded("独角兽11年", dt.date(2012, 6, 1), 800000),
    funded("估值未知", dt.date(2016, 1, 1), None),
    funded("上市未知", dt.date(2016, 1, 1), 800000, listed=None),
    # national potential unicorn (GEI, ❓): ≤ 5 yrs ≥ USD 100 M (7亿); ≤ 9 yrs ≥ USD 500 M (35亿)
    funded("潜在5年1亿美元", dt.date(2019, 1, 1), 70000),
    funded("潜在5年不足1亿美元", dt.date(2019, 1, 1), 69999.99),
    funded("潜在9年5亿美元", dt.date(2015, 1, 1), 350000),
    funded("潜在9年不足5亿美元", dt.date(2015, 1, 1), 349999.99),
    funded("潜在10年", dt.date(2013, 6, 1), 400000),
    funded("潜在已是独角兽", dt.date(2015, 1, 1), 800000),
    funded("潜在已上市", dt.date(2019, 1, 1), 70000, listed=True),
    funded("潜在无融资", dt.date(2019, 1, 1), 70000, rounds=[]),
    # Guangzhou Huangpu gazelle and gazelle-in-cultivation
    firm("黄埔5年恰5亿", revenue=(30000, 30000, 40000, 50000), founded_on=dt.date(2019, 1, 1)),
    firm("黄埔5年超5亿", revenue=(30000, 30000, 40000, 50000.01), founded_on=dt.date(2019, 1, 1)),
    firm("黄埔5年超5亿未增长", revenue=(60000,) * 4, founded_on=dt.date(2019, 1, 1)),
    firm(
        "黄埔10年超10亿", revenue=(60000, 70000, 90000, 100000.01), founded_on=dt.date(2014, 1, 1)
    ),
    firm("培育复合20%", revenue=(500, 600, 720, 864)),
    firm("培育基年不足500万", revenue=(499.99, 600, 720, 864)),
    firm("同比50%", revenue=(1000, 1000, 1000, 1500)),
    firm("同比不足50%", revenue=(1000, 1000, 1000, 1499.99)),
    firm(
        "培育早期融资",
        revenue=(100,) * 4,
        founded_on=dt.date(2020, 1, 1),
        rounds=[(dt.date(2021, 1, 1), 2000), (dt.date(2022, 1, 1), 3000)],
    ),
    firm(
        "培育早期融资不足",
        revenue=(100,) * 4,
        founded_on=dt.date(2020, 1, 1),
        rounds=[(dt.date(2022, 1, 1), 4999.99)],
    ),
    # Shenzhen: unicorn ≥ 70亿 & ≥ 3.5亿; potential ≤ 5 yrs 7亿 & 3,500万 / ≤ 9 yrs 35亿 & 1.75亿;
    # seed ≤ 5 yrs 3亿 & 1,000万 ("超过（含）" is ≥)
    funded("深圳独角兽", dt.date(2016, 1, 1), 700000, rounds=[(dt.date(2022, 1, 1), 35000)]),
    funded(
        "深圳独角兽融资不足", dt.date(2016, 1, 1), 700000, rounds=[(dt.date(2022, 1, 1), 34999.99)]
    ),
    funded("深圳潜在5年", dt.date(2019, 1, 1), 70000, rounds=[(dt.date(2022, 1, 1), 3500)]),
    funded(
        "深圳潜在5年融资不足", dt.date(2019, 1, 1), 70000, rounds=[(dt.date(2022, 1, 1), 3499.99)]
    ),
    funded("深圳潜在9年", dt.date(2015, 1, 1), 350000, rounds=[(dt.date(2022, 1, 1), 17500)]),
    funded(
        "深圳潜在9年估值不足", dt.date(2015, 1, 1), 349999.99, rounds=[(dt.date(2022, 1, 1), 17500)]
    ),
    funded("深圳种子", dt.date(2020, 1, 1), 30000, rounds=[(dt.date(2022, 1, 1), 1000)]),
    funded("深圳种子6年", dt.date(2017, 6, 1), 30000, rounds=[(dt.date(2022, 1, 1), 1000)]),
    # Huangpu potential unicorn: ≤ 5 yrs, ≥ USD 100 M or RMB 6亿
    *AGE_BOUNDARY_FIRMS,
    firm("成立10年11个月", revenue=(100000,) * 4, founded_on=dt.date(2013, 1, 31)),
    firm("成立5年11个月", revenue=(100000,) * 4, founded_on=dt.date(2018, 1, 31)),
    funded("黄埔潜在6亿", dt.date(2019, 1, 1), 60000),
    funded("黄埔潜在不足6亿", dt.date(2019, 1, 1), 59999.99),
]


@pytest.fixture(scope="module")
def gradient_engine(tmp_path_factory):
    engine = registered(tmp_path_factory.mktemp("gradient"), FIRMS)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def run(gradient_engine):
    return evaluate(gradient_engine, as_of=AS_OF, only={"gradient"}, all_regions=True)


@pytest.fixture(scope="module")
def rows(run):
    by_assessment = {assessment: rows_by_name(table) for assessment, table in run.detail.items()}
    return lambda assessment, name: by_assessment[assessment][name]


def passes_on(rows, assessment: str, name: str, clause: str) -> None:
    row = rows(assessment, name)
    assert (row[f"c__{clause}"], row["status"]) == (True, "pass"), (
        name,
        row["failed"],
        row["missing"],
    )


def fails_on(rows, assessment: str, name: str, clause: str) -> None:
    row = rows(assessment, name)
    assert (row[f"c__{clause}"], row["status"]) == (False, "fail"), (
        name,
        row["failed"],
        row["missing"],
    )


# --- 辽宁省瞪羚企业 (辽科创办发〔2021〕2号, RULES.md §3.2 condition table) ---------------------


def test_gazelle_revenue_cagr_at_twenty_percent(rows):
    """§3.2 row ≤ 20 yrs ①: 3年年均收入复合增长率不低于20% — CAGR = (2023 / 2020)^(1/3) − 1
    (the table's remark), so 2,000 → 3,456 is exactly 20 % and passes."""
    row = rows("liaoning_gazelle", "营收复合20%")
    assert row["v__revenue_cagr_3y"] == pytest.approx(0.20)
    assert row["c__revenue_growth"] is True
    assert row["status"] == "pass"


def test_gazelle_revenue_cagr_just_below(rows):
    """§3.2 ①: a CAGR a hair under 20 % fails."""
    row = rows("liaoning_gazelle", "营收复合略低")
    assert row["v__revenue_cagr_3y"] < 0.20
    assert row["c__revenue_growth"] is False
    assert row["status"] == "fail"


def test_gazelle_base_year_revenue_must_exceed_ten_million(rows):
    """§3.2 ①: 基年总收入超过1000万元 — exactly 1,000万 is not above it."""
    row = rows("liaoning_gazelle", "基年恰1000万")
    assert row["v__revenue_cagr_3y"] == pytest.approx(0.20)
    assert row["c__revenue_growth"] is False


def test_gazelle_needs_growth_in_the_last_year(rows):
    """§3.2 ①: 且上一年度正增长 — a 20 % CAGR with a flat last year fails."""
    row = rows("liaoning_gazelle", "上年未增长")
    assert row["v__revenue_cagr_3y"] == pytest.approx(0.20)
    assert row["c__revenue_growth"] is False


def test_gazelle_staff_cagr(rows):
    """§3.2 ②: 3年年均雇员复合增长率不低于30%，基年总雇员数超过100人，且上一年度正增长 —
    101 → 222 staff is a 30.0 % CAGR."""
    row = rows("liaoning_gazelle", "人员复合30%")
    assert row["v__staff_cagr_3y"] == pytest.approx((222 / 101) ** (1 / 3) - 1)
    assert row["c__staff_growth"] is True
    assert row["status"] == "pass"


def test_gazelle_base_year_staff_must_exceed_one_hundred(rows):
    """§3.2 ②: 基年总雇员数超过100人 — exactly 100 is not above it."""
    row = rows("liaoning_gazelle", "基年恰100人")
    assert row["v__staff_cagr_3y"] > 0.30
    assert row["c__staff_growth"] is False
    assert row["status"] == "fail"


def test_gazelle_single_venture_round(rows):
    """§3.2 ③: 一次性获得风险投资1000万元以上 — 1,000万 qualifies, 999万 does not."""
    passes_on(rows, "liaoning_gazelle", "风投1000万", "venture_round")
    fails_on(rows, "liaoning_gazelle", "风投999万", "venture_round")


def test_gazelle_young_firm_revenue_five_hundred_million(rows):
    """§3.2 row 5年(含)以内: 上年营业收入不低于5亿元(含); its R&D at exactly 2.5 % also meets
    the innovation row (含)."""
    row = rows("liaoning_gazelle", "5年营收5亿")
    assert row["c__young_scale"] is True
    assert row["v__rd_intensity_4y"] == pytest.approx(0.025)
    assert row["c__innovation"] is True
    assert row["status"] == "pass"
    fails_on(rows, "liaoning_gazelle", "5年营收不足5亿", "young_scale")


def test_gazelle_ten_year_firm_revenue_one_billion(rows):
    """§3.2 row 10年(含)以内: 上年营业收入不低于10亿元(含); an 11-year-old firm does not use it."""
    passes_on(rows, "liaoning_gazelle", "10年营收10亿", "mid_scale")
    fails_on(rows, "liaoning_gazelle", "11年营收10亿", "mid_scale")


def test_gazelle_rd_intensity_over_four_years(rows):
    """§3.2 创新指标: 近四年平均科技活动投入经费占营业收入的比例在2.5%(含)以上 — 268 of 10,756
    (2.49 %) fails and the gap names the missing 0.90万元."""
    row = rows("liaoning_gazelle", "研发强度不足")
    assert row["v__rd_intensity_4y"] == pytest.approx(268 / 10756)
    assert row["c__revenue_growth"] is True
    assert row["c__innovation"] is False
    assert row["status"] == "fail"
    assert "近四年科技活动投入需增加 0.90 万元" in row["gap_zh"]


def test_gazelle_rd_intensity_over_the_years_operated(rows):
    """§3.2 创新指标: 不足4年的，根据实际投入年份数据计算 — 150 of 3,300 over 2021–2023. Without
    a base year the growth routes are false, not unknown, so the firm fails, not undetermined."""
    row = rows("liaoning_gazelle", "成立不足四年")
    assert row["v__rd_intensity_4y"] == pytest.approx(150 / 3300)
    assert row["c__innovation"] is True
    assert row["c__revenue_growth"] is False
    assert row["status"] == "fail"


def test_gazelle_registered_within_twenty_years(rows):
    """辽科创办发〔2021〕2号 瞪羚企业定义: 注册时间20年内 — 20 completed years passes, 21 fails."""
    passes_on(rows, "liaoning_gazelle", "成立20年", "age")
    fails_on(rows, "liaoning_gazelle", "成立21年", "age")


def test_gazelle_unknown_base_year_is_undetermined(rows):
    """Missing data is unknown: without the 2020 revenue the CAGR route is unknown, so the
    result is undetermined and names revenue_y4 (the base year) to collect."""
    row = rows("liaoning_gazelle", "基年营收未知")
    assert row["v__revenue_cagr_3y"] is None
    assert row["c__revenue_growth"] is None
    assert row["status"] == "undetermined"
    assert "revenue_y4" in row["missing"].split(",")


# --- 辽宁省雏鹰企业 (definition ✅; the quantitative criteria are assumptions ❓) ----------------


def test_eaglet_passes(rows):
    """辽科创办发〔2021〕2号 雏鹰企业: 注册时间不超过10年 (10 completed years); assumed R&D ≥ 10 %
    of revenue (exactly 10 %) and one granted invention patent."""
    row = rows("liaoning_eaglet", "雏鹰达标")
    assert (row["c__young"], row["c__rd_intensity"], row["c__invention"]) == (True, True, True)
    assert row["status"] == "pass"


def test_eaglet_registered_more_than_ten_years(rows):
    """雏鹰企业: 注册时间不超过10年 — 11 completed years fails."""
    fails_on(rows, "liaoning_eaglet", "雏鹰超10年", "young")


def test_eaglet_rd_intensity(rows):
    """雏鹰 R&D intensity (❓ 10 %): 99.99 of 1,000 fails, with the amount to add."""
    row = rows("liaoning_eaglet", "雏鹰研发不足")
    assert row["c__rd_intensity"] is False
    assert "研发费用需增加 0.01 万元" in row["gap_zh"]


def test_eaglet_invention_patent(rows):
    """雏鹰 (❓): a utility model is not a granted invention patent."""
    fails_on(rows, "liaoning_eaglet", "雏鹰无发明专利", "invention")


def test_eaglet_unknown_rd_is_undetermined(rows):
    """Missing data is unknown: no 2023 R&D figure → undetermined, naming rd_expense_y1."""
    row = rows("liaoning_eaglet", "雏鹰研发未知")
    assert row["c__rd_intensity"] is None
    assert row["status"] == "undetermined"
    assert "rd_expense_y1" in row["missing"].split(",")


# --- 独角兽 (Liaoning uses the national definition, RULES.md §3.1 中国独角兽 ✅) ----------------


def test_unicorn_valuation_at_one_billion_dollars_inclusive(rows):
    """§3.1 中国独角兽 (4) / 辽宁: "最近一轮融资的投后估值超过（含）10亿美元" (火炬中心: "企业估值超过(含)
    10亿美元的称为独角兽") — exactly 70亿元 (at 7) passes, one fen less fails, one more passes."""
    passes_on(rows, "liaoning_unicorn", "估值恰10亿美元", "valuation")
    passes_on(rows, "liaoning_unicorn", "独角兽达标", "valuation")
    fails_on(rows, "liaoning_unicorn", "估值恰10亿美元差一分", "valuation")


def test_potential_unicorn_bound_is_the_unicorn_complement(rows):
    """潜在独角兽 "估值低于10亿美元": exactly USD 1 bn is a unicorn (超过（含）), so it is not
    a potential unicorn; one fen less is below the bound."""
    assert rows("potential_unicorn", "估值恰10亿美元")["c__below_unicorn"] is False
    assert rows("potential_unicorn", "估值恰10亿美元差一分")["c__below_unicorn"] is True


# Every age clause, by date (issue #19 item 2): (assessment, clause, years, text).
AGE_CLAUSES = [
    ("liaoning_eaglet", "young", 10, "辽科创办发〔2021〕2号 雏鹰企业：注册时间不超过10年"),
    ("liaoning_gazelle", "age", 20, "辽科创办发〔2021〕2号 瞪羚企业：注册时间20年内"),
    ("liaoning_gazelle", "young_scale", 5, "瞪羚企业条件表：成立5年（含）以内，上年营收 ≥ 5亿元"),
    ("liaoning_gazelle", "mid_scale", 10, "瞪羚企业条件表：成立10年（含）以内，上年营收 ≥ 10亿元"),
    ("liaoning_unicorn", "age", 10, "火炬中心独角兽标准 (2)：成立时间不超过10年"),
    ("shenzhen_unicorn", "age", 10, "深圳独角兽：成立时间不超过10年"),
    ("shenzhen_seed_unicorn", "age", 5, "深圳种子独角兽：成立时间不超过5年"),
    ("shenzhen_potential_unicorn", "young", 5, "深圳潜在独角兽：成立5年内"),
    ("shenzhen_potential_unicorn", "older", 9, "深圳潜在独角兽：成立5—9年"),
    ("huangpu_potential_unicorn", "age", 5, "黄埔潜在独角兽：注册成立时间不超过5年"),
    ("potential_unicorn", "young", 5, "潜在独角兽（GEI）：成立5年之内"),
    ("potential_unicorn", "older", 9, "潜在独角兽（GEI）：成立9年之内"),
]


@pytest.mark.parametrize(("assessment", "clause", "years", "text"), AGE_CLAUSES)
def test_age_is_compared_by_date(rows, assessment, clause, years, text):
    """The limit of N years is a date: founded on or after the evaluation date (2023-12-31)
    minus N years passes — the day itself included ("不超过", "以内" include the bound,
    民法典第一千二百五十九条) — and the day before fails."""
    seen = {
        side: rows(assessment, age_boundary_name(years, side))[f"c__{clause}"] for side in AGE_SIDES
    }
    assert seen == {"前一日": False, "当日": True, "后一日": True}, text


def test_age_in_completed_years_no_longer_passes(rows):
    """Issue #19: a firm aged 10 years 11 months does not meet "注册时间不超过10年", nor one
    aged 5 years 11 months "5年（含）以内"."""
    assert rows("liaoning_eaglet", "成立10年11个月")["c__young"] is False
    assert rows("liaoning_unicorn", "成立10年11个月")["c__age"] is False
    assert rows("liaoning_gazelle", "成立10年11个月")["c__mid_scale"] is False
    assert rows("liaoning_gazelle", "成立5年11个月")["c__young_scale"] is False


def test_unicorn_not_listed(rows):
    """§3.1 (3): 尚未上市."""
    fails_on(rows, "liaoning_unicorn", "独角兽已上市", "unlisted")


def test_unicorn_has_received_private_investment(rows):
    """§3.1 (3): 获得过私募投资 — a firm with no recorded round (the list was imported) fails."""
    fails_on(rows, "liaoning_unicorn", "独角兽无融资", "private_investment")


def test_unicorn_founded_at_most_ten_years(rows):
    """§3.1 (2): 成立时间不超过10年 — 11 years fails."""
    fails_on(rows, "liaoning_unicorn", "独角兽11年", "age")


@pytest.mark.parametrize(
    "name, clause, needed",
    [("估值未知", "valuation", "valuation"), ("上市未知", "unlisted", "listed")],
)
def test_unicorn_unknown_input_is_undetermined(rows, name, clause, needed):
    """Missing data is unknown, never a default: an unknown valuation or listing status makes
    the result undetermined and names the input."""
    row = rows("liaoning_unicorn", name)
    assert row[f"c__{clause}"] is None
    assert row["status"] == "undetermined"
    assert needed in row["missing"].split(",")


# --- 潜在独角兽 (national reference, RULES.md §3.1 row 潜在独角兽 ❓) ---------------------------


def test_potential_unicorn_young_route(rows):
    """§3.1 潜在独角兽: 成立5年之内，估值 ≥ 1亿美元 — 7亿元 at 7 passes, a little less fails."""
    row = rows("potential_unicorn", "潜在5年1亿美元")
    assert row["c__young"] is True
    assert row["status"] == "pass"
    assert rows("potential_unicorn", "潜在5年不足1亿美元")["status"] == "fail"


def test_potential_unicorn_nine_year_route(rows):
    """§3.1 潜在独角兽: 成立9年之内，估值 ≥ 5亿美元 (35亿元) — and not beyond 9 years."""
    row = rows("potential_unicorn", "潜在9年5亿美元")
    assert (row["c__young"], row["c__older"]) == (False, True)
    assert row["status"] == "pass"
    assert rows("potential_unicorn", "潜在9年不足5亿美元")["status"] == "fail"
    fails_on(rows, "potential_unicorn", "潜在10年", "age_and_valuation")


def test_potential_unicorn_is_below_a_unicorn(rows):
    """§3.1 潜在独角兽 (< USD 1 B): a firm valued at 80亿元 is a unicorn, not a potential one."""
    fails_on(rows, "potential_unicorn", "潜在已是独角兽", "below_unicorn")
    assert rows("liaoning_unicorn", "潜在已是独角兽")["status"] == "pass"


@pytest.mark.parametrize(
    "name, clause", [("潜在已上市", "unlisted"), ("潜在无融资", "private_investment")]
)
def test_potential_unicorn_private_and_unlisted(rows, name, clause):
    """§3.1 潜在独角兽: 获得过私募投资，且尚未上市."""
    fails_on(rows, "potential_unicorn", name, clause)


# --- 广州黄埔区 瞪羚 / 瞪羚培育 / 潜在独角兽 (RULES.md §3.3 ✅) -----------------------------------


def test_huangpu_gazelle_base_year_is_inclusive(rows):
    """§3.3 黄埔 瞪羚 1: 基期年营业收入1000万元以上 (含) — the firm that Liaoning rejects for a
    base of exactly 1,000万 ("超过") passes in Huangpu: same data, different region's rule."""
    passes_on(rows, "huangpu_gazelle", "基年恰1000万", "growth")
    assert rows("liaoning_gazelle", "基年恰1000万")["status"] == "fail"


def test_huangpu_gazelle_young_firm_must_exceed_five_hundred_million(rows):
    """§3.3 黄埔 瞪羚 2: 成立5年内营业收入突破5亿元，且截止年正增长 — exactly 5亿 does not break
    through; 5亿 + 100元 does; 6亿 without growth does not."""
    assert rows("huangpu_gazelle", "黄埔5年恰5亿")["c__young_scale"] is False
    passes_on(rows, "huangpu_gazelle", "黄埔5年超5亿", "young_scale")
    fails_on(rows, "huangpu_gazelle", "黄埔5年超5亿未增长", "young_scale")


def test_huangpu_gazelle_ten_year_firm(rows):
    """§3.3 黄埔 瞪羚 3: 成立10年内营业收入突破10亿元，且截止年营业收入正增长."""
    passes_on(rows, "huangpu_gazelle", "黄埔10年超10亿", "mid_scale")


def test_huangpu_cultivation_compound_growth(rows):
    """§3.3 黄埔 瞪羚培育 1: 基期年营业收入500万元以上，近三年复合增长率20%以上，且截止年正增长."""
    row = rows("huangpu_gazelle_cultivation", "培育复合20%")
    assert row["v__revenue_cagr_3y"] == pytest.approx(0.20)
    assert row["c__compound_growth"] is True
    assert row["status"] == "pass"
    assert rows("huangpu_gazelle_cultivation", "培育基年不足500万")["c__compound_growth"] is False


def test_huangpu_cultivation_year_on_year_growth(rows):
    """§3.3 黄埔 瞪羚培育 2: 截止年营业收入500万元以上，且营业收入同比增长率50%以上 — 1,000 →
    1,500 is exactly 50 % year on year (its 3-year CAGR is only 14.5 %)."""
    row = rows("huangpu_gazelle_cultivation", "同比50%")
    assert row["v__revenue_yoy"] == pytest.approx(0.50)
    assert (row["c__yearly_growth"], row["c__compound_growth"]) == (True, False)
    assert row["status"] == "pass"
    below = rows("huangpu_gazelle_cultivation", "同比不足50%")
    assert (below["c__yearly_growth"], below["status"]) == (False, "fail")


def test_huangpu_cultivation_early_investment(rows):
    """§3.3 黄埔 瞪羚培育 3: 成立不超过5年，A轮(含)前累计获得专业投资机构投资5000万元以上 —
    2,000 + 3,000万 qualifies; 4,999.99万 does not."""
    passes_on(rows, "huangpu_gazelle_cultivation", "培育早期融资", "early_investment")
    assert rows("huangpu_gazelle_cultivation", "培育早期融资不足")["status"] == "fail"


def test_huangpu_potential_unicorn(rows):
    """§3.3 黄埔 潜在独角兽: 成立不超过5年，估值1亿美元（或人民币6亿元）以上，且尚未上市."""
    assert rows("huangpu_potential_unicorn", "黄埔潜在6亿")["status"] == "pass"
    fails_on(rows, "huangpu_potential_unicorn", "黄埔潜在不足6亿", "valuation")
    fails_on(rows, "huangpu_potential_unicorn", "潜在已上市", "unlisted")


def test_huangpu_potential_unicorn_needs_a_financing_round(rows):
    """§3.3 黄埔 潜在独角兽 (🟡 reading): a valuation is set by a financing round, so a firm with
    none fails instead of waiting for a valuation — and a firm never financed with no recorded
    valuation is not undetermined."""
    fails_on(rows, "huangpu_potential_unicorn", "潜在无融资", "invested")
    row = rows("huangpu_potential_unicorn", "5年营收5亿")  # 4 years old, no valuation, no round
    assert (row["c__age"], row["c__valuation"]) == (True, None)
    assert (row["c__invested"], row["status"]) == (False, "fail")


# --- 深圳 独角兽 / 潜在 / 种子 (RULES.md §3.3 ✅) ---------------------------------------------


def test_shenzhen_unicorn_thresholds_are_inclusive(rows):
    """§3.3 深圳 独角兽: 最新一轮融资投后估值超过（含）70亿元，且累计融资金额超过（含）3.5亿元 —
    exactly 70亿 and 3.5亿 pass; 3.5亿 less 100元 fails."""
    assert rows("shenzhen_unicorn", "深圳独角兽")["status"] == "pass"
    row = rows("shenzhen_unicorn", "深圳独角兽融资不足")
    assert (row["c__valuation"], row["c__financing"], row["status"]) == (True, False, "fail")


def test_shenzhen_unicorn_not_listed_and_young(rows):
    """§3.3 深圳 独角兽: 成立时间不超过10年; 尚未上市."""
    assert rows("shenzhen_unicorn", "独角兽已上市")["c__unlisted"] is False
    assert rows("shenzhen_unicorn", "独角兽11年")["c__age"] is False


def test_shenzhen_potential_unicorn_young_route(rows):
    """§3.3 深圳 潜在独角兽 (1): 成立5年内，投后估值超过（含）7亿元，且累计融资超过（含）3,500万元."""
    passes_on(rows, "shenzhen_potential_unicorn", "深圳潜在5年", "young")
    assert rows("shenzhen_potential_unicorn", "深圳潜在5年融资不足")["status"] == "fail"


def test_shenzhen_potential_unicorn_older_route(rows):
    """§3.3 深圳 潜在独角兽 (2): 成立5—9年，投后估值超过（含）35亿元，且累计融资超过（含）1.75亿元."""
    passes_on(rows, "shenzhen_potential_unicorn", "深圳潜在9年", "older")
    assert rows("shenzhen_potential_unicorn", "深圳潜在9年估值不足")["status"] == "fail"


def test_shenzhen_seed_unicorn(rows):
    """§3.3 深圳 种子独角兽: 成立不超过5年，投后估值超过（含）3亿元，累计融资超过（含）1,000万元."""
    assert rows("shenzhen_seed_unicorn", "深圳种子")["status"] == "pass"
    fails_on(rows, "shenzhen_seed_unicorn", "深圳种子6年", "age")


# --- three growth measures, regions, versions ------------------------------------------------


def test_three_growth_measures_are_distinct(gradient_engine, rows):
    """RULES.md §8.5 and §3.3: for revenue 1,000 → 1,000 → 1,000 → 1,500 the 3-year CAGR
    (辽宁/黄埔) is 14.47 %, year-on-year growth (黄埔瞪羚培育) 50 %, and the HNTE 企业成长性 rate
    (工作指引: ½ × (y2/y1 + y3/y2) − 1 over the last three years) 25 %."""
    assert rows("liaoning_gazelle", "同比50%")["v__revenue_cagr_3y"] == pytest.approx(
        1.5 ** (1 / 3) - 1
    )
    assert rows("huangpu_gazelle_cultivation", "同比50%")["v__revenue_yoy"] == pytest.approx(0.5)
    hnte = rows_by_name(evaluate(gradient_engine, as_of=AS_OF, only={"hnte"}).detail["hnte"])
    assert hnte["同比50%"]["v__revenue_growth"] == pytest.approx(0.25)


def test_regional_variants_need_all_regions(gradient_engine, run):
    """Region scoping: a registry in 沈阳市 (210102) gets Liaoning's declarations (210000) and the
    national ones; Huangpu's (440112) and Shenzhen's (440300) only with all_regions."""
    local = {d.id for d in evaluate(gradient_engine, as_of=AS_OF, only={"gradient"}).declarations}
    assert local == {"liaoning_eaglet", "liaoning_gazelle", "liaoning_unicorn", "potential_unicorn"}
    everywhere = {d.id for d in run.declarations}
    assert everywhere == local | {
        "huangpu_gazelle",
        "huangpu_gazelle_cultivation",
        "huangpu_potential_unicorn",
        "shenzhen_unicorn",
        "shenzhen_potential_unicorn",
        "shenzhen_seed_unicorn",
    }


def test_region_prefixes():
    """GB/T 2260 prefixes: Liaoning (210000) contains every Shenyang district 2101xx; Shenzhen
    (440300) its districts 4403xx; Huangpu (440112) only itself; national declarations apply
    everywhere."""
    catalog = load_catalog()
    assert catalog.get("liaoning_gazelle").applies_to({"210106"})
    assert not catalog.get("liaoning_gazelle").applies_to({"440305"})
    assert catalog.get("shenzhen_potential_unicorn").applies_to({"440305"})
    assert not catalog.get("shenzhen_potential_unicorn").applies_to({"440112"})
    assert catalog.get("huangpu_gazelle_cultivation").applies_to({"440112"})
    assert not catalog.get("huangpu_gazelle_cultivation").applies_to({"440113", "210102"})
    assert catalog.get("potential_unicorn").applies_to({"440305"})


def test_a_shenzhen_registry_gets_shenzhen_rules(tmp_path):
    """Region scoping the other way: a registry in 深圳市南山区 (440305) is assessed with Shenzhen's
    declarations and the national ones, not Liaoning's or Huangpu's."""
    engine = database(tmp_path)
    registry(
        engine,
        [
            funded(
                "南山潜在",
                dt.date(2019, 1, 1),
                70000,
                district="440305",
                rounds=[(dt.date(2022, 1, 1), 3500)],
            )
        ],
        lists=ALL_LISTS,
    )
    result = evaluate(engine, as_of=AS_OF, only={"gradient"})
    assert {d.id for d in result.declarations} == {
        "shenzhen_unicorn",
        "shenzhen_potential_unicorn",
        "shenzhen_seed_unicorn",
        "potential_unicorn",
    }
    statuses = {row["assessment"]: row["status"] for row in result.results.to_pylist()}
    assert statuses["shenzhen_potential_unicorn"] == "pass"


def test_tiers_are_dated():
    """Versioned data: Shenzhen's 2022 tiers are not in force at the end of 2021."""
    in_force = {d.id for d in load_catalog().in_force(dt.date(2021, 12, 31), {"gradient"})}
    assert "shenzhen_potential_unicorn" not in in_force
    assert {"liaoning_gazelle", "potential_unicorn", "huangpu_gazelle_cultivation"} <= in_force


def test_potential_tiers_have_families():
    """The potential tiers are gradient declarations with families of their own."""
    families = {d.id: (d.family, d.group) for d in load_catalog().declarations}
    assert families["potential_unicorn"] == ("potential_unicorn", "gradient")
    assert families["shenzhen_potential_unicorn"] == ("potential_unicorn", "gradient")
    assert families["huangpu_potential_unicorn"] == ("potential_unicorn", "gradient")
    assert families["huangpu_gazelle_cultivation"] == ("gazelle_cultivation", "gradient")
    assert families["shenzhen_seed_unicorn"] == ("seed_unicorn", "gradient")


def test_a_city_can_change_a_parameter(tmp_path, gradient_engine):
    """Rules are data: setting Huangpu's 须为高新技术企业 parameter to 1 (the source text's
    "……的高新技术企业") makes a gazelle without a valid HNTE certificate fail."""
    folder = tmp_path / "assessments"
    folder.mkdir()
    text = (ASSESSMENTS / "huangpu-gazelle.yaml").read_text(encoding="utf-8")
    assert "value: 0, mark: 🟡, reference: huangpu" in text
    (folder / "huangpu-gazelle.yaml").write_text(
        text.replace(
            "value: 0, mark: 🟡, reference: huangpu", "value: 1, mark: 🟡, reference: huangpu"
        ),
        encoding="utf-8",
    )
    result = evaluate(
        gradient_engine, as_of=AS_OF, catalog=load_catalog([folder]), all_regions=True
    )
    row = rows_by_name(result.detail["huangpu_gazelle"])["基年恰1000万"]
    assert (row["c__growth"], row["c__hnte"], row["status"]) == (True, False, "fail")


def test_explanation_of_a_gazelle(run, rows):
    """The explanation shows each condition with its source and the CAGR it saw."""
    eid = rows("liaoning_gazelle", "营收复合20%")["enterprise_id"]
    [gazelle] = [e for e in explain(run, eid) if e.declaration.id == "liaoning_gazelle"]
    text = "\n".join(gazelle.lines("zh"))
    assert "辽科创办发〔2021〕2号" in text
    assert "营业收入三年复合增长率 = 20.00%" in text


def test_rules_check_and_list_accept_the_new_declarations(monkeypatch):
    """`xinzhi rules check FILE` accepts the potential-tier declarations; `xinzhi rules list`
    shows them."""
    from typer.testing import CliRunner

    from xinzhi.cli import app
    from xinzhi.cli import common as commandline

    monkeypatch.setattr(commandline.console, "_width", 250)  # no truncated columns
    names = [
        "potential-unicorn.yaml",
        "shenzhen-potential-unicorn.yaml",
        "shenzhen-seed-unicorn.yaml",
        "huangpu-gazelle-cultivation.yaml",
        "huangpu-potential-unicorn.yaml",
    ]
    result = CliRunner().invoke(app, ["rules", "check", *[str(ASSESSMENTS / n) for n in names]])
    assert result.exit_code == 0, result.output
    assert result.output.count("✓") == len(names)
    listing = CliRunner().invoke(app, ["rules", "list", "--as-of", "2023-12-31"])
    assert listing.exit_code == 0, listing.output
    for ident in (
        "potential_unicorn",
        "shenzhen_potential_unicorn",
        "shenzhen_seed_unicorn",
        "huangpu_gazelle_cultivation",
        "huangpu_potential_unicorn",
    ):
        assert f"│ {ident} " in listing.output, ident
