"""The one registry of inputs: every name a declaration may read — its unit, meaning and source
(``xinzhi rules inputs``, ``xinzhi policy inputs``) and the step that builds it (``stage``).

Two stages build the columns, both in ``rulelang.population``, set-at-a-time for one evaluation
date: ``population`` (what assessments and policies read: registry, accounting window, lists)
and ``policy`` (added for policy runs: technology contracts, pilot bases, the park, the HNTE
certificate). A policy may also read ``status_<assessment id>`` (the assessment's status in the
same run) and ``judged__<clause>`` (a reviewer's decision recorded by an objection).

Money is in whole fen.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

PERSON_HUNDREDTHS = 100  # unit "persons": a staff count of 12.25 is kept as 1225
YEARS = 4  # y1 … y4: the Liaoning gazelle rule compares y1 with the base year y4


@dataclass(frozen=True)
class Input:
    name: str
    # fen, count, persons (staff: hundredths of a person), ratio, days, years, date, bool,
    # code, points
    unit: str
    zh: str
    en: str
    source: str  # where it comes from, for `xinzhi rules inputs`
    stage: str = "population"  # the step of rulelang.population that builds it: population | policy


YEAR_FIELDS = {
    "revenue": ("fen", "销售收入（营业收入）", "sales revenue"),
    "total_income": ("fen", "总收入", "total income"),
    "hitech_revenue": ("fen", "高新技术产品（服务）收入", "high-tech product/service revenue"),
    "total_assets": ("fen", "资产总额", "total assets"),
    "net_assets": ("fen", "净资产（年末）", "net assets (year end)"),
    "employees": ("persons", "职工总数", "total staff"),
    "tech_staff": ("persons", "科技人员数", "S&T staff"),
    "rd_expense": ("fen", "研究开发费用", "R&D expense"),
    "rd_expense_domestic": ("fen", "境内研究开发费用", "R&D expense in China"),
    "cost_expense_total": ("fen", "成本费用支出总额", "total costs and expenses"),
    "conversions": ("count", "科技成果转化数", "technology conversions"),
}


WINDOW_SUMS = {  # name: (field, years)
    "revenue_3y": ("revenue", 3),
    "rd_expense_3y": ("rd_expense", 3),
    "rd_expense_domestic_3y": ("rd_expense_domestic", 3),
    "conversions_3y": ("conversions", 3),
    "revenue_4y": ("revenue", 4),
    "rd_expense_4y": ("rd_expense", 4),
}


def _population_inputs() -> list[Input]:
    items = [
        Input("as_of", "date", "评价基准日", "evaluation date", "the run's --as-of"),
        Input("founded_on", "date", "成立日期", "date founded", "enterprises.founded_on"),
        Input(
            "days_registered",
            "days",
            "注册成立天数",
            "days since registration",
            "as_of − enterprises.founded_on",
        ),
        Input(
            "age_years",
            "years",
            "成立年限（整年）",
            "completed years since founded",
            "enterprises.founded_on",
        ),
        Input(
            "window_year",
            "count",
            "最近一个会计年度",
            "latest accounting year (y1)",
            "the last year ended on or before as_of",
        ),
        Input("district_code", "code", "所在区县代码", "district code", "districts.code"),
        Input(
            "industry_code",
            "code",
            "国民经济行业代码",
            "GB/T 4754 industry code",
            "enterprises.industry_code",
        ),
        Input(
            "industry_section",
            "code",
            "行业门类",
            "industry section (letter)",
            "enterprises.industry_code",
        ),
        Input(
            "industry_division",
            "code",
            "行业大类（两位）",
            "industry division (2 digits)",
            "enterprises.industry_code",
        ),
        Input(
            "sei_category",
            "code",
            "战略性新兴产业类别",
            "strategic emerging industry",
            "enterprises.sei_category",
        ),
        Input(
            "hnte_field",
            "code",
            "国家重点支持的高新技术领域",
            "supported high-tech field",
            "enterprises.hnte_field",
        ),
        Input(
            "tax_collection",
            "code",
            "所得税征收方式",
            "income-tax collection method",
            "enterprises.tax_collection",
        ),
        Input("listed", "bool", "是否上市", "listed", "enterprises.listed"),
        Input("valuation", "fen", "最近估值", "latest valuation", "enterprises.valuation"),
        Input(
            "hnte_certificate_valid",
            "bool",
            "持有效期内高新技术企业证书",
            "holds a valid HNTE certificate",
            "enterprises.hnte_certified_on (3 years)",
        ),
    ]
    for name, (unit, zh, en) in YEAR_FIELDS.items():
        for k in range(1, YEARS + 1):
            items.append(
                Input(
                    f"{name}_y{k}",
                    unit,
                    f"{zh}（y{k}）",
                    f"{en} (y{k})",
                    f"enterprise_years.{name}, year y{k}",
                )
            )
    for name, (fieldname, years) in WINDOW_SUMS.items():
        unit, zh, en = YEAR_FIELDS[fieldname]
        items.append(
            Input(
                name,
                unit,
                f"近{years}年{zh}合计",
                f"{en}, {years}-year total",
                f"enterprise_years.{fieldname}, y1…y{years} (years operated)",
            )
        )
    for years in (3, 4):
        items.append(
            Input(
                f"years_operating_{years}y",
                "count",
                f"近{years}年中实际经营年数",
                f"years operated of the last {years}",
                "enterprises.founded_on",
            )
        )
    items += [
        Input(
            "ip_class1_owned",
            "count",
            "拥有的I类知识产权数",
            "Class I IP owned",
            "ip_rights: in force (term by kind, 终止日期), not licensed",
        ),
        Input(
            "ip_class2_owned",
            "count",
            "拥有的可用II类知识产权数（未在以往高企申报中使用）",
            "Class II IP owned and not used in an earlier HNTE application",
            "ip_rights: in force, not licensed, hnte_used_on empty",
        ),
        Input(
            "ip_class2_owned_total",
            "count",
            "拥有的有效II类知识产权数（含已用于高企申请的）",
            "Class II IP owned and in force, whether used in an HNTE application or not",
            "ip_rights: in force, not licensed",
        ),
        Input(
            "ip_class1_held",
            "count",
            "有效I类知识产权数（含许可）",
            "Class I IP held (incl. licences)",
            "ip_rights: in force",
        ),
        Input(
            "ip_class2_held",
            "count",
            "有效II类知识产权数（含许可）",
            "Class II IP held (incl. licences)",
            "ip_rights: in force",
        ),
        Input(
            "ip_self_developed",
            "count",
            "自主研发取得的知识产权数",
            "IP obtained by own R&D",
            "ip_rights.acquisition = own",
        ),
        Input(
            "rd_institution_provincial",
            "count",
            "省部级以上研发机构数",
            "provincial-or-higher R&D institutions",
            "platforms: labs, technology and engineering centres, new R&D institutes",
        ),
        Input(
            "incidents_12m",
            "count",
            "近一年重大安全、重大质量事故或严重环境违法行为数",
            "serious safety, quality or environmental incidents in the last 12 months",
            "incidents: safety, quality, environment",
        ),
        Input(
            "incidents_since_y1",
            "count",
            "上一年度及当年事故、科研失信及列入异常/失信名单数",
            "incidents, research misconduct and blacklistings in y1 and the current year",
            "incidents: all kinds but fraud",
        ),
        Input(
            "fraud_since_y1",
            "count",
            "上一年度及当年严重弄虚作假记录数",
            "serious fraud records in y1 and the current year",
            "incidents: fraud",
        ),
        Input(
            "standards_led_5y",
            "count",
            "近五年主导制定的国际、国家或行业标准数",
            "international/national/industry standards led in 5 years",
            "standards",
        ),
        Input(
            "standards_participated",
            "count",
            "参与编制的国家或行业标准数（不限年限）",
            "national/industry standards drafted (no period)",
            "standards: national or industry, published by as_of",
        ),
        Input(
            "national_awards_top3_5y",
            "count",
            "近五年国家级科技奖励（前三名）数",
            "national S&T awards, ranked top 3, in 5 years",
            "awards",
        ),
        Input(
            "largest_round_3y",
            "fen",
            "近三年单笔最大融资额",
            "largest financing round in 3 years",
            "financing_rounds",
        ),
        Input("financing_total", "fen", "累计融资额", "cumulative financing", "financing_rounds"),
        Input(
            "review_advancement",
            "points",
            "技术的先进程度（评分）",
            "technology advancement (score)",
            "innovation_reviews (expert before self)",
        ),
        Input(
            "review_core_support",
            "points",
            "核心支持作用（评分）",
            "core support (score)",
            "innovation_reviews",
        ),
        Input(
            "review_rd_management",
            "points",
            "研究开发组织管理水平（评分）",
            "R&D management (score)",
            "innovation_reviews",
        ),
    ]
    return items


def dtype_of_unit(unit: str) -> str:
    return {"date": "date", "bool": "boolean", "code": "string"}.get(unit, "int64")


def _policy_inputs() -> list[Input]:
    items = [
        Input("park_name", "code", "所在园区", "park", "parks.name via enterprises.park_id"),
        Input(
            "hnte_certified_on",
            "date",
            "高新技术企业证书发证日期",
            "HNTE certificate date",
            "enterprises.hnte_certified_on",
        ),
        Input(
            "hnte_certified_year",
            "year",
            "高新技术企业证书发证年度",
            "year of the HNTE certificate",
            "enterprises.hnte_certified_on",
        ),
        Input(
            "hnte_earlier_certificate",
            "bool",
            "此前曾持有高新技术企业证书",
            "held an HNTE certificate before the current one",
            "not in the registry: recorded by a correction (xinzhi policy object)",
        ),
        Input(
            "tech_contract_turnover_y1",
            "fen",
            "作为卖方登记的技术合同成交额（y1）",
            "registered technology-contract turnover as seller (y1)",
            "tech_contracts.contract_amount, seller, registered in y1",
        ),
        Input(
            "tech_contract_amount_y1",
            "fen",
            "作为卖方的技术交易额（y1）",
            "technology transaction amount as seller (y1)",
            "tech_contracts.tech_amount, seller, y1",
        ),
        Input(
            "tech_contracts_y1",
            "count",
            "作为卖方登记的技术合同数（y1）",
            "technology contracts registered as seller (y1)",
            "tech_contracts, seller, y1",
        ),
        Input(
            "tech_contract_bought_y1",
            "fen",
            "作为买方的技术合同成交额（y1）",
            "technology-contract turnover as buyer (y1)",
            "tech_contracts.contract_amount, buyer, y1",
        ),
        Input(
            "pilot_bases_provincial",
            "count",
            "省级以上科技成果转化中试基地数",
            "provincial-or-higher pilot bases (中试基地)",
            "platforms kind pilot_base",
        ),
    ]
    return [replace(i, stage="policy") for i in items]


INPUTS: dict[str, Input] = {i.name: i for i in [*_population_inputs(), *_policy_inputs()]}
STAGES = ("population", "policy")


def inputs_of(stage: str) -> dict[str, Input]:
    """The inputs one stage of ``rulelang.population`` builds, in registry order."""
    return {name: i for name, i in INPUTS.items() if i.stage == stage}


# What the assessments read (the population) and what policy runs add to it.
POPULATION_INPUTS = inputs_of("population")
POLICY_INPUTS = inputs_of("policy")


def input_spec(name: str) -> Input | None:
    """An input of the registry, an assessment status column or a recorded review decision."""
    if name in INPUTS:
        return INPUTS[name]
    if name.startswith("status_"):
        ident = name.removeprefix("status_")
        return Input(
            name,
            "code",
            f"评价结果：{ident}",
            f"assessment status: {ident}",
            f"this run's assessment {ident} (pass | fail | undetermined)",
        )
    if name.startswith("judged__"):
        ident = name.removeprefix("judged__")
        return Input(
            name,
            "bool",
            f"评审结论：{ident}",
            f"review decision: {ident}",
            "recorded by a correction (xinzhi policy object)",
        )
    return None


def input_table_schema(assessments: list[str]) -> dict[str, str]:
    """The columns a policy frame has: for compiling without data and for YAML tests."""
    schema = {
        "enterprise_id": "int64",
        "credit_code": "string",
        "name": "string",
        "district_id": "int64",
    }
    for name, spec in INPUTS.items():
        schema[name] = dtype_of_unit(spec.unit)
    for ident in assessments:
        schema[f"status_{ident}"] = "string"
    return schema
