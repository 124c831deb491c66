"""科技型中小企业 (RULES.md §2): one test per clause of the 评价办法 国科发政〔2017〕115号 and of
the 工作指引 国科火字〔2022〕67号, with the worked examples of §2.5.

All firms live in one registry evaluated once per date (``as_of`` 2023-12-31 → the 2022
guideline's parameters, 2021-12-31 → the 2017 办法 alone); each test looks at its own firm.
Amounts are in 万元; every firm reports the same figures for 2021–2023.
"""

from __future__ import annotations

import datetime as dt

import pytest

from xinzhi.assessments.catalogue import load_catalog
from xinzhi.assessments.explanations import explain
from xinzhi.assessments.runs import evaluate

from .firms import ALL_LISTS, AS_OF, database, registered, registry, rows_by_name

AS_OF_2017_RULES = dt.date(2021, 12, 31)  # before the 2022 guideline took effect
YEARS = (2021, 2022, 2023)
# RULES.md §2.5 T1: 80 staff, 20 S&T (25 %); R&D 150 / sales 3,000 (5 %) / costs 2,400; 2 utility models.
T1 = {
    "employees": 80,
    "tech_staff": 20,
    "revenue": 3000,
    "rd_expense": 150,
    "cost_expense_total": 2400,
    "total_assets": 5000,
}
TWO_UTILITY_MODELS = [("utility_model", "own")] * 2


def firm(name: str, ip=TWO_UTILITY_MODELS, **fields) -> dict:
    """A tech SME that passes (T1) unless ``fields`` change it; year figures go in ``fields``."""
    figures = {k: fields.pop(k) for k in list(fields) if k in T1}
    values = {**T1, **figures}
    return {
        "name": name,
        "tax_collection": "audit",
        "industry_code": "I6510",
        "ip": ip,
        "years": {year: dict(values) for year in YEARS},
        **fields,
    }


def t2(name: str, **fields) -> dict:
    """RULES.md §2.5 T2: 7 S&T staff of 80 (staff score 0), R&D 400 / 3,000, one invention patent."""
    figures = {"tech_staff": 7, "rd_expense": 400}
    figures.update({k: fields.pop(k) for k in list(fields) if k in T1})
    return firm(name, ip=[("invention_patent", "own")], **figures, **fields)


STAFF_BANDS = {
    30: 20,
    29: 16,
    25: 16,
    24: 12,
    20: 12,
    19: 8,
    15: 8,
    14: 4,
    10: 4,
    9: 0,
}  # of 100 staff
RD_REVENUE_BANDS = {
    600: 50,
    599.99: 40,
    500: 40,
    499.99: 30,
    400: 30,
    399.99: 20,
    300: 20,
    299.99: 10,
    200: 10,
    199.99: 0,
}  # R&D (万元) of sales 10,000 万元
RD_COST_BANDS = {
    300: 50,
    299.99: 40,
    250: 40,
    249.99: 30,
    200: 30,
    199.99: 20,
    150: 20,
    149.99: 10,
    100: 10,
    99.99: 0,
}  # R&D (万元) of costs 1,000 万元
IP_BANDS = {
    "一项发明专利": ([("invention_patent", "own")], 30),
    "一项植物新品种": ([("plant_variety", "own")], 30),
    "发明加实用新型": ([("invention_patent", "own")] + [("utility_model", "own")] * 3, 30),
    "五项二类": ([("utility_model", "own")] * 5, 24),
    "四项二类": ([("utility_model", "own")] * 4, 24),
    "三项二类": (
        [("utility_model", "own"), ("design_patent", "own"), ("software_copyright", "own")],
        18,
    ),
    "两项二类": (TWO_UTILITY_MODELS, 12),
    "一项软著": ([("software_copyright", "own")], 6),
    "无知识产权": ([], 0),
}
EXCLUDED_INDUSTRIES = {
    "F5211": "批发和零售业",
    "H6110": "住宿和餐饮业",
    "K7010": "房地产业",
    "L7211": "租赁和商务服务业",
    "C1610": "烟草制品业",
    "R9011": "娱乐业",
}
INCIDENT_KINDS = (
    "safety",
    "quality",
    "environment",
    "research_misconduct",
    "abnormal_operation",
    "serious_violation",
    "fraud",
)

FIRMS = [
    firm("T1"),
    t2("T2"),
    firm("核定征收", tax_collection="deemed"),
    firm("征收方式未知", tax_collection=None),
    firm(
        "规模上限",
        employees=500,
        tech_staff=150,
        revenue=20000,
        total_assets=20000,
        rd_expense=1200,
    ),
    firm("职工501人", employees=501, tech_staff=150),
    firm("收入超2亿", revenue=20000.01),
    firm("资产超2亿", total_assets=20000.01),
    firm("资产未知", total_assets=None),
    firm("职工未知", employees=None),
    firm("行业未知", industry_code=None),
    *[firm(f"行业{code}", industry_code=code) for code in EXCLUDED_INDUSTRIES],
    *[firm(f"事故{kind}", incidents=[(dt.date(2023, 3, 1), kind)]) for kind in INCIDENT_KINDS],
    firm("前年事故", incidents=[(dt.date(2022, 6, 1), "safety")]),
    firm("2021年弄虚作假", incidents=[(dt.date(2021, 6, 1), "fraud")]),
    firm("评价日后事故", incidents=[(dt.date(2024, 2, 1), "safety")]),
    *[firm(f"科技人员{t}", employees=100, tech_staff=t) for t in STAFF_BANDS],
    *[
        firm(f"研发收入比{rd}", revenue=10000, rd_expense=rd, cost_expense_total=1_000_000)
        for rd in RD_REVENUE_BANDS
    ],
    *[
        firm(f"研发成本比{rd}", revenue=20000, rd_expense=rd, cost_expense_total=1000)
        for rd in RD_COST_BANDS
    ],
    firm("研发两法取高", revenue=3000, rd_expense=150, cost_expense_total=500),
    *[firm(f"知识产权{label}", ip=ip) for label, (ip, _) in IP_BANDS.items()],
    firm(
        "刚好60分",
        employees=100,
        tech_staff=30,
        revenue=10000,
        rd_expense=500,
        cost_expense_total=1_000_000,
        ip=[],
    ),
    firm(
        "58分",
        employees=100,
        tech_staff=10,
        revenue=10000,
        rd_expense=400,
        cost_expense_total=1_000_000,
        ip=[("utility_model", "own")] * 4,
    ),
    t2("直通高企", hnte_certified_on=dt.date(2022, 5, 1)),
    t2("高企证书过期", hnte_certified_on=dt.date(2020, 6, 1)),
    t2("国家奖第三名", awards=[("national", 3, 2020)]),
    t2("国家奖第四名", awards=[("national", 4, 2020)]),
    t2("省级奖第一名", awards=[("provincial", 1, 2020)]),
    t2("国家奖六年前", awards=[("national", 1, 2018)]),
    t2("省级研发机构", platforms=[("engineering_centre", "provincial", dt.date(2021, 1, 1))]),
    t2("国家级研发机构", platforms=[("state_key_lab", "national", dt.date(2021, 1, 1))]),
    t2("市级研发机构", platforms=[("engineering_centre", "municipal", dt.date(2021, 1, 1))]),
    t2("省级孵化器", platforms=[("incubator", "provincial", dt.date(2021, 1, 1))]),
    t2("主导国家标准", standards=[("national", "lead", dt.date(2021, 5, 1))]),
    t2("主导国际标准", standards=[("international", "lead", dt.date(2020, 5, 1))]),
    t2("参与国家标准", standards=[("national", "participant", dt.date(2021, 5, 1))]),
    t2("主导团体标准", standards=[("group", "lead", dt.date(2021, 5, 1))]),
    t2("主导国标六年前", standards=[("national", "lead", dt.date(2018, 6, 1))]),
    t2("直通但超规模", hnte_certified_on=dt.date(2022, 5, 1), employees=501),
    t2(
        "直通但有事故",
        hnte_certified_on=dt.date(2022, 5, 1),
        incidents=[(dt.date(2023, 3, 1), "quality")],
    ),
]


@pytest.fixture(scope="module")
def sme_engine(tmp_path_factory):
    engine = registered(tmp_path_factory.mktemp("sme"), FIRMS)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def run(sme_engine):
    return evaluate(sme_engine, as_of=AS_OF, only={"sme"})


@pytest.fixture(scope="module")
def rows(run):
    return rows_by_name(run.detail["sme"])


@pytest.fixture(scope="module")
def rows_2017(sme_engine):
    return rows_by_name(evaluate(sme_engine, as_of=AS_OF_2017_RULES, only={"sme"}).detail["sme"])


def points(row: dict, item: str) -> int:
    assert row[f"p__{item}__low"] == row[f"p__{item}__high"], (item, row[f"p__{item}__low"])
    return row[f"p__{item}__low"]


# --- worked examples (RULES.md §2.5) ------------------------------------------------------


def test_worked_example_t1_passes(rows):
    """§2.5 T1 / 办法 第七条: 16 (25 % staff) + max(40, 0) (R&D 5 % of sales, 6.25 % of costs)
    + 12 (two Class II) = 68 ≥ 60 with a non-zero staff score → pass."""
    row = rows["T1"]
    assert (points(row, "staff"), points(row, "rd"), points(row, "ip")) == (16, 40, 12)
    assert row["score_low"] == row["score_high"] == 68
    assert row["c__score"] is True
    assert row["status"] == "pass"
    assert row["failed"] is None and row["unknown"] is None  # the direct routes are alternatives


def test_failed_clauses_follow_the_outcome(rows):
    """第七条 (score ≥ 60) or 第八条 (direct routes): a firm short on both alternatives failed one
    thing — the cheaper branch, here the score — not two."""
    assert rows["T2"]["c__direct"] is False
    assert rows["T2"]["failed"] == "score"


def test_worked_example_t2_fails_on_the_staff_score(rows):
    """§2.5 T2 / 第七条 and RULES.md C1: 0 + 50 + 30 = 80 ≥ 60 but 科技人员指标得分不得为0分 → fail;
    the gap names the S&T staff to add (7 of 80 → 9 of 82 reaches 10 %)."""
    row = rows["T2"]
    assert (points(row, "staff"), points(row, "rd"), points(row, "ip")) == (0, 50, 30)
    assert row["score_low"] == 80
    assert row["c__score"] is False
    assert row["status"] == "fail"
    assert row["failed"] == "score"
    assert "科技人员需增加 2 人" in row["gap_zh"]


def test_worked_examples_on_every_engine(engine):
    """§2.5 T1 and T2 give the same results on SQLite and PostgreSQL."""
    registry(engine, [firm("T1"), t2("T2")], lists=ALL_LISTS)
    found = rows_by_name(evaluate(engine, as_of=AS_OF, only={"sme"}).detail["sme"])
    assert (found["T1"]["status"], found["T1"]["score_low"]) == ("pass", 68)
    assert (found["T2"]["status"], found["T2"]["score_low"]) == ("fail", 80)


# --- 基本条件 (办法 第六条; 工作指引 二（一）) ------------------------------------------------


def test_resident_audit_collection_required_from_2022(rows, rows_2017):
    """工作指引 国科火字〔2022〕67号 (一), RULES.md §2.2 #1: 实行查账征收的居民企业 — a firm taxed
    on a deemed basis fails under the guideline, and passed under the 2017 办法 第六条（一）."""
    assert rows["核定征收"]["c__resident"] is False
    assert rows["核定征收"]["status"] == "fail"
    assert rows["T1"]["c__resident"] is True
    assert rows_2017["核定征收"]["c__resident"] is True
    assert rows_2017["核定征收"]["status"] == "pass"


def test_unknown_tax_collection_is_undetermined(rows, rows_2017):
    """工作指引 (一), RULES.md §2.2 #1: with no recorded collection method the clause is unknown
    and the result names the input to collect; the 2017 办法 does not ask for it."""
    row = rows["征收方式未知"]
    assert row["c__resident"] is None
    assert row["status"] == "undetermined"
    assert "tax_collection" in row["missing"]
    assert rows_2017["征收方式未知"]["status"] == "pass"


def test_size_limits_are_inclusive(rows):
    """办法 第六条（二）, RULES.md §2.2 #2: 职工总数不超过500人、年销售收入不超过2亿元、资产总额
    不超过2亿元 — exactly at all three limits passes."""
    assert rows["规模上限"]["c__size"] is True
    assert rows["规模上限"]["status"] == "pass"


@pytest.mark.parametrize("name", ["职工501人", "收入超2亿", "资产超2亿"])
def test_size_each_limit_must_hold(rows, name):
    """办法 第六条（二）, RULES.md §2.2 #2: the three limits must all hold — one over fails."""
    assert rows[name]["c__size"] is False
    assert rows[name]["status"] == "fail"
    assert "size" in rows[name]["failed"]


def test_size_unknown_assets_is_undetermined(rows):
    """办法 第六条（二）: unknown total assets make the size clause unknown, never a pass."""
    row = rows["资产未知"]
    assert row["c__size"] is None
    assert row["status"] == "undetermined"
    assert "total_assets_y1" in row["missing"]


def test_unknown_staff_is_undetermined(rows):
    """办法 第六条（二） and 第七条（一）: without 职工总数 neither the size clause nor the staff
    score can be computed; the score is the interval of every possible staff band."""
    row = rows["职工未知"]
    assert row["c__size"] is None
    assert (row["p__staff__low"], row["p__staff__high"]) == (0, 20)
    assert row["status"] == "undetermined"
    assert "employees_y1" in row["missing"]


@pytest.mark.parametrize("code", list(EXCLUDED_INDUSTRIES))
def test_negative_list_industries_from_2022(rows, rows_2017, code):
    """工作指引 (三), RULES.md §2.2 #3: 不属于财税〔2015〕119号 不适用税前加计扣除政策的行业
    (烟草制造业、住宿和餐饮业、批发和零售业、房地产业、租赁和商务服务业、娱乐业). The 2017 办法
    第六条（三） names no industry list, so the same firm passed before the guideline."""
    assert rows[f"行业{code}"]["c__industry"] is False
    assert rows[f"行业{code}"]["status"] == "fail"
    assert rows_2017[f"行业{code}"]["c__industry"] is True


def test_industry_outside_the_negative_list_passes(rows):
    """工作指引 (三): software (I6510) is not on the list."""
    assert rows["T1"]["c__industry"] is True


def test_unknown_industry_is_undetermined(rows):
    """工作指引 (三): without an industry code the clause is unknown, not a pass."""
    row = rows["行业未知"]
    assert row["c__industry"] is None
    assert row["status"] == "undetermined"
    assert "industry_section" in row["missing"]


@pytest.mark.parametrize("kind", INCIDENT_KINDS)
def test_incident_or_listing_in_the_year_fails(rows, kind):
    """办法 第六条（四） / 工作指引 (四), RULES.md §2.2 #4: 上一年及当年内未发生重大安全、重大质量
    事故和严重环境违法、科研严重失信行为（2022: 严重弄虚作假），且未列入经营异常名录和严重违法失信
    企业名单 — any one of them in the year fails."""
    assert rows[f"事故{kind}"]["c__integrity"] is False
    assert rows[f"事故{kind}"]["status"] == "fail"


def test_serious_fraud_bars_only_under_the_2022_guideline(rows, rows_2017):
    """工作指引 国科火字〔2022〕67号 adds 严重弄虚作假 to 办法 第六条（四）'s list; under the 2017
    办法 alone a fraud record in the period does not bar the firm."""
    assert rows_2017["2021年弄虚作假"]["c__integrity"] is True  # as of 2021-12-31, 2017 rules
    assert rows["事故fraud"]["c__integrity"] is False  # as of 2023-12-31, 2022 guideline


def test_incident_outside_the_period_does_not_count(rows):
    """第六条（四）: only 上一年（the accounting year y1 = 2023）及当年 count — neither an incident
    in 2022 nor one after the evaluation date."""
    assert rows["前年事故"]["c__integrity"] is True
    assert rows["评价日后事故"]["c__integrity"] is True
    assert rows["前年事故"]["status"] == "pass"


def test_incidents_never_imported_are_unknown(tmp_path):
    """第六条（四） and the missing-data principle: if the incident list was never imported the
    integrity clause is unknown, so even a high score is undetermined and names the data."""
    engine = database(tmp_path)
    registry(engine, [firm("T1")], lists=("ip_rights",))
    row = evaluate(engine, as_of=AS_OF, only={"sme"}).detail["sme"].to_pylist()[0]
    assert row["c__integrity"] is None
    assert row["score_low"] == 68
    assert row["status"] == "undetermined"
    assert "incidents_since_y1" in row["missing"]


# --- 评价指标 (办法 第七条 and its 附件) ----------------------------------------------------


@pytest.mark.parametrize("tech_staff, expected", list(STAFF_BANDS.items()))
def test_staff_bands_at_the_boundaries(rows, tech_staff, expected):
    """第七条（一）科技人员指标, RULES.md §2.3: A ≥ 30 % 20 · B [25, 30) 16 · C [20, 25) 12 ·
    D [15, 20) 8 · E [10, 15) 4 · F < 10 % 0 — lower bounds inclusive (of 100 staff)."""
    assert points(rows[f"科技人员{tech_staff}"], "staff") == expected


@pytest.mark.parametrize("rd, expected", list(RD_REVENUE_BANDS.items()))
def test_rd_to_revenue_bands_at_the_boundaries(rows, rd, expected):
    """第七条（二）研发投入指标 (1) 研发费用总额占销售收入总额, RULES.md §2.3: A ≥ 6 % 50 ·
    B [5, 6) 40 · C [4, 5) 30 · D [3, 4) 20 · E [2, 3) 10 · F < 2 % 0 (sales 10,000万; the cost
    measure scores 0 here)."""
    row = rows[f"研发收入比{rd}"]
    assert row["v__rd_to_revenue"] == pytest.approx(rd / 10000)
    assert points(row, "rd") == expected


@pytest.mark.parametrize("rd, expected", list(RD_COST_BANDS.items()))
def test_rd_to_costs_bands_at_the_boundaries(rows, rd, expected):
    """第七条（二）研发投入指标 (2) 研发费用总额占成本费用支出总额, RULES.md §2.3: A ≥ 30 % 50 ·
    B [25, 30) 40 · C [20, 25) 30 · D [15, 20) 20 · E [10, 15) 10 · F < 10 % 0 (costs 1,000万;
    the sales measure scores 0 here)."""
    row = rows[f"研发成本比{rd}"]
    assert row["v__rd_to_costs"] == pytest.approx(rd / 1000)
    assert points(row, "rd") == expected


def test_rd_score_is_the_better_of_the_two_measures(rows):
    """第七条（二）: 企业从 (1)、(2) 两项指标中选择一个 — the higher score counts: 5 % of sales
    (40) against 30 % of costs (50) gives 50; T1 (40 against 0) gives 40."""
    assert points(rows["研发两法取高"], "rd") == 50
    assert points(rows["T1"], "rd") == 40


@pytest.mark.parametrize("label", list(IP_BANDS))
def test_ip_bands(rows, label):
    """第七条（三）科技成果指标, RULES.md §2.3 and C5: A ≥ 1 Class I 30 · B ≥ 4 Class II 24 ·
    C 3 → 18 · D 2 → 12 · E 1 → 6 · F none 0; Class I first (not added to Class II);
    plant varieties are Class I, designs and software copyrights Class II."""
    assert points(rows[f"知识产权{label}"], "ip") == IP_BANDS[label][1]


def test_pass_mark_is_inclusive(rows):
    """第七条 / 第六条（五）, RULES.md §2.2 #5: 所得分值不低于60分 — 20 + 40 + 0 = 60 passes,
    and R&D and IP may score 0 (RULES.md C1)."""
    row = rows["刚好60分"]
    assert (points(row, "staff"), points(row, "rd"), points(row, "ip")) == (20, 40, 0)
    assert row["c__score"] is True
    assert row["status"] == "pass"


def test_below_the_pass_mark_fails(rows):
    """第七条: 4 + 30 + 24 = 58 < 60 fails, though the staff score is not zero."""
    row = rows["58分"]
    assert row["score_low"] == row["score_high"] == 58
    assert row["c__score"] is False
    assert row["status"] == "fail"


# --- 直接确认 (办法 第八条, RULES.md §2.4) ---------------------------------------------------


def test_direct_valid_hnte_certificate(rows):
    """第八条（一）, RULES.md §2.4 #1: 拥有有效期内高新技术企业资格证书 — T2's failed score no
    longer matters (certified 2022-05-01, valid three years)."""
    row = rows["直通高企"]
    assert row["c__direct_hnte"] is True
    assert row["c__score"] is False
    assert row["status"] == "pass"


def test_direct_expired_hnte_certificate(rows):
    """第八条（一）: a certificate issued 2020-06-01 has expired by 2023-12-31."""
    assert rows["高企证书过期"]["c__direct_hnte"] is False
    assert rows["高企证书过期"]["status"] == "fail"


def test_direct_national_award_top_three(rows):
    """第八条（二）, RULES.md §2.4 #2 and C2: 近五年内获得过国家级科技奖励，并在获奖单位中排在
    前三名 — third place in 2020 qualifies."""
    assert rows["国家奖第三名"]["c__direct_award"] is True
    assert rows["国家奖第三名"]["status"] == "pass"


@pytest.mark.parametrize("name", ["国家奖第四名", "省级奖第一名", "国家奖六年前"])
def test_direct_award_rank_level_and_period(rows, name):
    """第八条（二）: fourth place, a provincial award (C2: national level only) or an award won
    before the last five years (2018, evaluated 2023) do not qualify."""
    assert rows[name]["c__direct_award"] is False
    assert rows[name]["status"] == "fail"


@pytest.mark.parametrize("name", ["省级研发机构", "国家级研发机构"])
def test_direct_provincial_rd_institution(rows, name):
    """第八条（三）, RULES.md §2.4 #3: 拥有经认定的省部级以上研发机构."""
    assert rows[name]["c__direct_institution"] is True
    assert rows[name]["status"] == "pass"


def test_a_provincial_incubator_is_not_an_rd_institution(rows):
    """第八条（三）: 研发机构 — an incubator (or makerspace, compute centre …) is not one."""
    assert rows["省级孵化器"]["c__direct_institution"] is False


def test_direct_municipal_rd_institution_does_not_count(rows):
    """第八条（三）: a municipal institution is below 省部级."""
    assert rows["市级研发机构"]["c__direct_institution"] is False
    assert rows["市级研发机构"]["status"] == "fail"


@pytest.mark.parametrize("name", ["主导国家标准", "主导国际标准"])
def test_direct_led_standard(rows, name):
    """第八条（四）, RULES.md §2.4 #4: 近五年内主导制定过国际标准、国家标准或行业标准."""
    assert rows[name]["c__direct_standard"] is True
    assert rows[name]["status"] == "pass"


@pytest.mark.parametrize("name", ["参与国家标准", "主导团体标准", "主导国标六年前"])
def test_direct_standard_role_level_and_period(rows, name):
    """第八条（四）: taking part (not leading), a group standard, or a standard published before
    the last five years does not qualify."""
    assert rows[name]["c__direct_standard"] is False
    assert rows[name]["status"] == "fail"


@pytest.mark.parametrize("name, clause", [("直通但超规模", "size"), ("直通但有事故", "integrity")])
def test_direct_qualification_still_needs_the_basic_conditions(rows, name, clause):
    """第八条: 符合第六条第（一）～（四）项条件的企业，若同时符合下列条件中的一项 — a valid HNTE
    certificate does not excuse the size limit or an incident."""
    row = rows[name]
    assert row["c__direct"] is True
    assert row[f"c__{clause}"] is False
    assert row["status"] == "fail"


# --- dated parameters, explanations ---------------------------------------------------------


def test_dated_parameters_follow_as_of():
    """RULES.md C3: the 2017 办法 stays the base rule (in force from 2017-05-10); the 2022
    guideline's 查账征收 and negative-list industries apply only from its date."""
    sme = load_catalog().get("sme")
    assert load_catalog().in_force(dt.date(2017, 5, 9), {"sme"}) == []
    assert sme.parameters["audit_collection_required"].at(AS_OF_2017_RULES).value == 0
    assert sme.parameters["audit_collection_required"].at(AS_OF).value == 1
    assert sme.parameters["excluded_sections"].at(AS_OF_2017_RULES).value == ""
    assert set(sme.parameters["excluded_sections"].at(AS_OF).value.split(",")) == {
        "F",
        "H",
        "K",
        "L",
    }
    assert sme.parameters["pass_mark"].at(AS_OF).value == 60


def test_explanation_cites_the_articles(run, rows):
    """Every clause carries its legal reference: the explanation of T2 cites 第七条 and 第八条
    and shows the staff share it saw."""
    [explanation] = explain(run, rows["T2"]["enterprise_id"])
    text = "\n".join(explanation.lines("zh"))
    assert "国科发政〔2017〕115号 第七条（一）" in text
    assert "国科发政〔2017〕115号 第八条（一）" in text
    assert "8.75%" in text  # 7 of 80
    assert explanation.status == "fail"
