"""高新技术企业 (RULES.md §1): one test per clause of 国科发火〔2016〕32号 第十一条 and of the
195号 guideline's innovation score, plus the worked example of §1.5."""

from __future__ import annotations

import datetime as dt

import pytest

from xinzhi.assessments.runs import evaluate

from .firms import AS_OF, registry

# RULES.md §1.5, enterprise X (万元): net assets, revenue, R&D, R&D in China, high-tech revenue, total income
WORKED = {
    2021: dict(
        net_assets=1000,
        revenue=3800,
        rd_expense=190,
        rd_expense_domestic=180,
        employees=110,
        tech_staff=12,
    ),
    2022: dict(
        net_assets=1300,
        revenue=4500,
        rd_expense=230,
        rd_expense_domestic=215,
        employees=115,
        tech_staff=13,
    ),
    2023: dict(
        net_assets=1800,
        revenue=5200,
        rd_expense=280,
        rd_expense_domestic=262,
        hitech_revenue=3900,
        total_income=5300,
        employees=120,
        tech_staff=14,
    ),
}
SELF_DEVELOPED = [("invention_patent", "own")] + [("utility_model", "own")] * 6


def hnte(engine, **firm):
    firm.setdefault("years", WORKED)
    firm.setdefault("ip", SELF_DEVELOPED)
    firm.setdefault("hnte_field", "8")
    registry(engine, [firm])
    result = evaluate(engine, as_of=AS_OF, only={"hnte"})
    return result.detail["hnte"].to_pylist()[0]


def test_worked_example_growth_bands(sqlite_engine):
    """§1.5 / 工作指引 企业成长性: net assets 34.23 % → B 7–8; revenue 16.99 % → C 5–6."""
    row = hnte(sqlite_engine)
    assert row["v__net_assets_growth"] == pytest.approx(0.3423, abs=1e-4)
    assert (row["p__growth_net_assets__low"], row["p__growth_net_assets__high"]) == (7, 8)
    assert row["v__revenue_growth"] == pytest.approx(0.1699, abs=1e-4)
    assert (row["p__growth_revenue__low"], row["p__growth_revenue__high"]) == (5, 6)


def test_worked_example_conditions(sqlite_engine):
    """§1.5: latest sales 5,200万 > 5,000万 → 4 %; 700/13,500 = 5.19 % ✔; 93.9 % in China ✔;
    high-tech 73.6 % ✔; S&T staff 14/120 = 11.7 % ✔."""
    row = hnte(sqlite_engine)
    assert row["v__rd_threshold"] == pytest.approx(0.04)
    assert row["v__rd_ratio_3y"] == pytest.approx(700 / 13500)
    for clause in (
        "rd_intensity",
        "rd_in_china",
        "hitech_revenue",
        "tech_staff",
        "core_ip",
        "registered_one_year",
        "supported_field",
    ):
        assert row[f"c__{clause}"] is True, clause


def test_rd_band_bounds_are_inclusive(sqlite_engine):
    """第十一条（五）: 5,000万元（含）→ 5 %: exactly 5,000万 latest revenue keeps the 5 % band."""
    years = {y: dict(v) for y, v in WORKED.items()}
    years[2023]["revenue"] = 5000
    row = hnte(sqlite_engine, years=years)
    assert row["v__rd_threshold"] == pytest.approx(0.05)


def test_rd_ratio_exact_boundary(sqlite_engine):
    """第十一条（五）: a ratio of exactly 4 % passes; one 万元 less fails (exact comparison)."""
    years = {y: dict(v) for y, v in WORKED.items()}
    years[2021]["rd_expense"] = 4 * 13500 / 100 - 230 - 280  # 540 − 510 = 30 → total exactly 4 %
    years[2021]["rd_expense_domestic"] = 30
    row = hnte(sqlite_engine, years=years)
    assert row["c__rd_intensity"] is True


def test_tech_staff_share_at_ten_percent(sqlite_engine):
    """第十一条（四）: 不低于10%: 11 of 120 fails; hiring adds to both counts, so 2 more S&T
    staff are needed (13/122 ≥ 10 %, 12/121 is not)."""
    years = {y: dict(v) for y, v in WORKED.items()}
    years[2023]["tech_staff"] = 11
    row = hnte(sqlite_engine, years=years)
    assert row["c__tech_staff"] is False
    assert "科技人员需增加 2 人" in row["gap_zh"]


def test_registered_one_year(sqlite_engine):
    """第十一条（一）: 注册成立一年以上 (365 days, 工作指引)."""
    row = hnte(sqlite_engine, founded_on=AS_OF - dt.timedelta(days=364))
    assert row["c__registered_one_year"] is False
    assert row["status"] == "fail"


def test_licensed_ip_is_not_owned(sqlite_engine):
    """第十一条（二）: ownership is required — a licensed patent does not count."""
    row = hnte(sqlite_engine, ip=[("invention_patent", "licence")])
    assert row["c__core_ip"] is False


def test_field_unknown_makes_result_undetermined(sqlite_engine):
    """第十一条（三）: with no recorded field the clause is unknown and names its input."""
    row = hnte(sqlite_engine, hnte_field=None)
    assert row["c__supported_field"] is None
    assert row["status"] == "undetermined"
    assert "hnte_field" in row["missing"]


def test_high_tech_revenue_share(sqlite_engine):
    """第十一条（六）: 高新技术产品（服务）收入 ≥ 60 % of total income."""
    years = {y: dict(v) for y, v in WORKED.items()}
    years[2023]["hitech_revenue"] = 3000  # 56.6 %
    row = hnte(sqlite_engine, years=years)
    assert row["c__hitech_revenue"] is False
    assert "高新技术产品（服务）收入需增加" in row["gap_zh"]


def test_expert_items_make_the_score_an_interval(sqlite_engine):
    """工作指引 创新能力评价: without expert scores the result is a range, never a midpoint."""
    row = hnte(sqlite_engine)
    assert row["p__ip_advancement__low"] == 0 and row["p__ip_advancement__high"] == 8
    assert row["p__rd_management__low"] == 0 and row["p__rd_management__high"] == 20
    assert row["score_low"] < 71 <= row["score_high"]
    assert row["c__score"] is None


def test_ip_group_is_capped_at_30(sqlite_engine):
    """知识产权 ≤ 30 even with the standards bonus."""
    row = hnte(sqlite_engine)
    assert row["g__ip__high"] <= 30


def test_missing_year_is_unknown_not_zero(sqlite_engine):
    """Principle 6: a missing R&D figure makes the R&D clause unknown, never a zero."""
    years = {y: dict(v) for y, v in WORKED.items()}
    del years[2022]["rd_expense"]
    row = hnte(sqlite_engine, years=years)
    assert row["c__rd_intensity"] is None
    assert "rd_expense_3y" in (row["missing"] or "")


@pytest.mark.parametrize(
    ("kind", "bars"),
    [
        ("safety", True),
        ("quality", True),
        ("environment", True),
        ("abnormal_operation", False),
        ("research_misconduct", False),
    ],
)
def test_only_accidents_and_environmental_violations_bar(sqlite_engine, kind, bars):
    """第十一条（八）: 申请认定前一年内未发生重大安全、重大质量事故或严重环境违法行为 — these three
    only; a listing or research misconduct (tech-SME conditions) does not bar an HNTE."""
    row = hnte(sqlite_engine, incidents=[(dt.date(2023, 6, 1), kind)])
    assert row["c__no_incident"] is (not bars)


def _with_conversions(per_year: dict[int, int]) -> dict:
    years = {y: dict(v) for y, v in WORKED.items()}
    for year, count in per_year.items():
        years[year]["conversions"] = count
    return years


@pytest.mark.parametrize(
    ("conversions", "band", "points"),
    [
        ((0, 0, 0), "F", (0, 0)),  # 工作指引 "0项 0分"
        ((0, 0, 1), "E-", (0, 6)),  # average 1/3: in neither row, judged as a whole
        ((0, 1, 1), "E-", (0, 6)),  # average 2/3
        ((1, 1, 1), "E", (1, 6)),  # "≥1项 1–6分" at its floor
        ((1, 2, 2), "E", (1, 6)),  # 5/3, just under 2
        ((2, 2, 2), "D", (7, 12)),  # "≥2项 7–12分"
        ((5, 5, 5), "A", (25, 30)),  # "≥5项 25–30分"
    ],
)
def test_conversion_bands_and_the_average_between_zero_and_one(
    sqlite_engine, conversions, band, points
):
    """工作指引 科技成果转化能力: bands on the yearly average of the last three years; an average
    strictly between 0 and 1 is neither "0项" nor "≥1项", so the experts' overall judgement
    gives it the interval [0, 6] (issue #19 item 4)."""
    row = hnte(sqlite_engine, years=_with_conversions(dict(zip((2021, 2022, 2023), conversions))))
    assert band  # the guideline's row, for the reader
    assert (row["p__conversion__low"], row["p__conversion__high"]) == points


@pytest.mark.parametrize(
    ("conversions", "founded_on", "gap"),
    [
        ((0, 1, 1), dt.date(2010, 1, 1), 1),  # 2 in 3 years: 1 more makes an average of 1
        ((2, 2, 3), dt.date(2010, 1, 1), 2),  # 7 in 3 years: 2 more make 9, an average of 3
        ((3, 3, 3), dt.date(2010, 1, 1), 3),  # 9 in 3 years: 3 more make 12, an average of 4
        ((0, 1, 2), dt.date(2022, 3, 1), 1),  # 3 in the 2 years operated (2022, 2023): 1 → 4 / 2
    ],
)
def test_conversion_gap_is_the_smallest_over_the_years_operated(
    sqlite_engine, conversions, founded_on, gap
):
    """工作指引 科技成果转化能力 ("近3年年均", 实际经营不满三年的按实际年限): the gap is the smallest
    number of further conversions over the years operated that reaches the next band — 1 for a
    firm with 2 in 3 years (issue #19 item 3), not 3 × (⌈avg⌉ + 1) − total."""
    years = _with_conversions(dict(zip((2021, 2022, 2023), conversions)))
    years = {y: v for y, v in years.items() if y >= founded_on.year}
    # Without IP the score cannot pass (at most 0 + 30 + 20 + 20 = 70, "70分以上" is above 70),
    # so the score items' gaps are shown.
    row = hnte(sqlite_engine, years=years, founded_on=founded_on, ip=[])
    assert row["c__score"] is False
    assert f"在实际经营年限内再转化 {gap} 项科技成果可升一档" in row["gap_zh"], (
        row["status"],
        row["gap_zh"],
    )


@pytest.mark.parametrize(
    ("standards", "points"),
    [
        ([("national", "participant", dt.date(2012, 6, 1))], (1, 2)),  # 11 years ago: counts
        ([("industry", "lead", dt.date(2023, 12, 31))], (1, 2)),  # published on the day
        ([("industry", "participant", dt.date(2024, 1, 1))], (0, 0)),  # after the day
        ([("local", "participant", dt.date(2022, 6, 1))], (0, 0)),  # 地方标准 is not listed
    ],
)
def test_standards_bonus_has_no_period(sqlite_engine, standards, points):
    """工作指引 知识产权 5 (加分项): "企业参与编制国家标准、行业标准、检测方法、技术规范的情况" —
    no period is stated, so a national standard of 2012 counts as one of 2023 (issue #19 item 7)."""
    row = hnte(sqlite_engine, standards=standards)
    assert (row["p__ip_standards__low"], row["p__ip_standards__high"]) == points
