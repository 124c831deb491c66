"""The population: one row per enterprise with every input a declaration may name.

Inputs are built set-at-a-time from the store for one evaluation date (``as_of``):

* the **accounting window**: ``y1`` is the latest accounting year that has ended on or before
  ``as_of`` (RULES §8.4: HNTE looks at the three years before the application, the tech-SME
  evaluation at the previous year), ``y2``… the years before it;
* window totals over the years the firm actually operated ("实际经营不满三年的按实际年限"),
  unknown when any of those years lacks the figure;
* counts over lists (IP rights, platforms, incidents, standards, awards, financing rounds).
  A firm with no row in a list has none **only if that list has been imported at all**;
  otherwise the count is unknown (a list never imported is not a list of zeros).

``CATALOGUE`` documents every input (`xinzhi rules inputs`). Money is in whole fen.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir

from ..domain.enums import IPKind
from .backends import Store

YEARS = 4  # y1 … y4: the Liaoning gazelle rule compares y1 with the base year y4


@dataclass(frozen=True)
class Input:
    name: str
    unit: str  # fen, count, ratio, days, years, date, bool, code, points
    zh: str
    en: str
    source: str  # where it comes from, for `xinzhi rules inputs`


YEAR_FIELDS = {
    "revenue": ("fen", "销售收入（营业收入）", "sales revenue"),
    "total_income": ("fen", "总收入", "total income"),
    "hitech_revenue": ("fen", "高新技术产品（服务）收入", "high-tech product/service revenue"),
    "total_assets": ("fen", "资产总额", "total assets"),
    "net_assets": ("fen", "净资产（年末）", "net assets (year end)"),
    "employees": ("count", "职工总数", "total staff"),
    "tech_staff": ("count", "科技人员数", "S&T staff"),
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
CLASS_I = [k.value for k in IPKind if k.ip_class == 1]
CLASS_II = [k.value for k in IPKind if k.ip_class == 2]


def _catalogue() -> dict[str, Input]:
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
            "ip_rights: granted, not licensed",
        ),
        Input(
            "ip_class2_owned",
            "count",
            "拥有的可用II类知识产权数（未在以往高企申报中使用）",
            "Class II IP owned and not used in an earlier HNTE application",
            "ip_rights: granted, not licensed, hnte_used_on empty",
        ),
        Input(
            "ip_class1_held",
            "count",
            "有效I类知识产权数（含许可）",
            "Class I IP held (incl. licences)",
            "ip_rights: granted",
        ),
        Input(
            "ip_class2_held",
            "count",
            "有效II类知识产权数（含许可）",
            "Class II IP held (incl. licences)",
            "ip_rights: granted",
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
            "standards_participated_3y",
            "count",
            "近三年参与编制的国家或行业标准数",
            "national/industry standards drafted in 3 years",
            "standards",
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
    return {i.name: i for i in items}


CATALOGUE = _catalogue()

# 国科发火〔2016〕32号 第十一条（八）: only these three bar an HNTE recognition.
HNTE_INCIDENTS = ["safety", "quality", "environment"]
# 国科发政〔2017〕115号 第八条（三） "省部级以上研发机构": research institutions, not incubators,
# makerspaces, pilot bases, transfer offices or compute centres.
RD_INSTITUTIONS = [
    "state_key_lab",
    "key_lab",
    "enterprise_tech_centre",
    "engineering_centre",
    "new_rd_institute",
]


def window_year(as_of: dt.date) -> int:
    """The latest accounting (calendar) year that has ended on or before ``as_of``."""
    return as_of.year if as_of == dt.date(as_of.year, 12, 31) else as_of.year - 1


def imported_kinds(store: Store) -> set[str]:
    batches = store.table("import_batches")
    if batches is None:
        return set()
    return set(store.to_arrow(batches.select("kind").distinct()).column("kind").to_pylist())


def build_population(store: Store, as_of: dt.date, covered: set[str]) -> ir.Table:
    """One row per enterprise with every input of ``CATALOGUE`` for ``as_of``; ``covered``:
    the kinds of list imported at least once (their absence from a list then means none)."""
    y1 = window_year(as_of)
    ent = store.table("enterprises")
    districts = store.table("districts")
    day = ibis.literal(as_of)
    founded = ent.founded_on
    # Completed years: compare month and day as an integer, identical on every engine.
    as_of_md = as_of.month * 100 + as_of.day
    age = (
        ibis.literal(as_of.year)
        - founded.year()
        - ibis.ifelse(founded.month() * 100 + founded.day() > as_of_md, 1, 0)
    )
    certified = ent.hnte_certified_on
    cert_valid = (
        certified.notnull()
        & (certified <= day)
        & (
            (ibis.literal(as_of.year) - certified.year()) * 10000
            + (ibis.literal(as_of_md) - certified.month() * 100 - certified.day())
            < 30000
        )
    )
    base = ent.select(
        enterprise_id=ent.id,
        credit_code=ent.credit_code,
        name=ent.name,
        district_id=ent.district_id,
        founded_on=founded,
        days_registered=day.delta(founded, unit="day").cast("int64"),
        age_years=age.cast("int64"),
        founded_year=founded.year().cast("int64"),
        industry_code=ent.industry_code,
        industry_section=ent.industry_code.substr(0, 1),
        industry_division=ent.industry_code.substr(1, 2),
        sei_category=ent.sei_category,
        hnte_field=_optional(ent, "hnte_field", "string"),
        tax_collection=_optional(ent, "tax_collection", "string"),
        listed=ent.listed.cast("boolean"),
        valuation=ent.valuation.cast("int64"),
        hnte_certificate_valid=cert_valid,
    )
    codes = districts.select(district_key=districts.id, district_code=districts.code)
    base = base.left_join(codes, base.district_id == codes.district_key).drop("district_key")
    frame = base.left_join(_years(store, y1, covered), "enterprise_id")
    frame = frame.drop(*[c for c in frame.columns if c.endswith("_right")])
    for part in (
        _ip(store, as_of, covered),
        _platforms(store, as_of, covered),
        _incidents(store, as_of, y1, covered),
        _standards(store, as_of, covered),
        _awards(store, as_of, covered),
        _financing(store, as_of, covered),
        _reviews(store, as_of, covered),
    ):
        if part is None:
            continue
        table, columns, kind = part
        frame = frame.left_join(table, "enterprise_id")
        frame = frame.drop(*[c for c in frame.columns if c.endswith("_right")])
        if kind is not None:  # list counts: none when the list was imported, else unknown
            frame = frame.mutate(**{c: frame[c].fill_null(0) for c in columns})
    frame = frame.mutate(**_window_columns(frame, y1))
    missing = {
        name: ibis.null(_dtype(i.unit))
        for name, i in CATALOGUE.items()
        if name not in frame.columns and name not in ("as_of", "window_year")
    }
    return frame.mutate(as_of=day, window_year=ibis.literal(y1, type="int64"), **missing)


def _dtype(unit: str) -> str:
    return {"date": "date", "bool": "boolean", "code": "string"}.get(unit, "int64")


def _optional(table: ir.Table, column: str, dtype: str) -> ir.Expr:
    return table[column] if column in table.columns else ibis.null(dtype)


def _years(store: Store, y1: int, covered: set[str]) -> ir.Table:
    ey = store.table("enterprise_years")
    fields = [f for f in YEAR_FIELDS if f in ey.columns]
    aggregates = {}
    for k in range(1, YEARS + 1):
        year = y1 - k + 1
        in_year = ey.year == year
        for name in fields:
            aggregates[f"{name}_y{k}"] = (
                ibis.ifelse(in_year, ey[name], ibis.null()).cast("int64").max()
            )
    window = ey.filter(ey.year.between(y1 - YEARS + 1, y1))
    return window.group_by(enterprise_id=window.enterprise_id).aggregate(**aggregates)


def _window_columns(frame: ir.Table, y1: int) -> dict[str, ir.Expr]:
    columns = {}
    for years in (3, 4):
        operated = [frame.founded_year <= y1 - k + 1 for k in range(1, years + 1)]
        columns[f"years_operating_{years}y"] = sum(o.cast("int64") for o in operated)
    for name, (fieldname, years) in WINDOW_SUMS.items():
        if f"{fieldname}_y1" not in frame.columns:
            continue
        total = None
        for k in range(1, years + 1):
            operated = frame.founded_year <= y1 - k + 1
            # A year the firm operated must be there; a year before it was founded counts 0.
            term = ibis.ifelse(operated, frame[f"{fieldname}_y{k}"], 0)
            total = term if total is None else total + term
        columns[name] = total
    return columns


def _granted(store: Store, as_of: dt.date):
    ip = store.table("ip_rights")
    return ip.filter(ip.granted_on.notnull() & (ip.granted_on <= ibis.literal(as_of)))


def _ip(store: Store, as_of: dt.date, covered: set[str]):
    if store.table("ip_rights") is None or "ip_rights" not in covered:
        return None
    ip = _granted(store, as_of)
    owned = ip.acquisition != "licence"
    class1 = ip.kind.isin(CLASS_I)
    class2 = ip.kind.isin(CLASS_II)
    unused = (
        (ip.hnte_used_on.isnull() | (ip.hnte_used_on >= ibis.literal(as_of)))
        if "hnte_used_on" in ip.columns
        else ibis.literal(True)
    )
    aggregates = {
        "ip_class1_owned": (class1 & owned).cast("int64").sum(),
        "ip_class2_owned": (class2 & owned & unused).cast("int64").sum(),
        "ip_class1_held": class1.cast("int64").sum(),
        "ip_class2_held": class2.cast("int64").sum(),
        "ip_self_developed": (ip.acquisition == "own").cast("int64").sum(),
    }
    table = ip.group_by(enterprise_id=ip.enterprise_id).aggregate(**aggregates)
    return table, list(aggregates), "ip_rights"


def _platforms(store: Store, as_of: dt.date, covered: set[str]):
    p = store.table("platforms")
    if p is None or "platforms" not in covered:
        return None
    p = p.filter(
        p.enterprise_id.notnull()
        & p.level.isin(["national", "provincial"])
        & p.kind.isin(RD_INSTITUTIONS)
        & (p.approved_on.isnull() | (p.approved_on <= ibis.literal(as_of)))
    )
    table = p.group_by(enterprise_id=p.enterprise_id).aggregate(
        rd_institution_provincial=p.count().cast("int64")
    )
    return table, ["rd_institution_provincial"], "platforms"


def _years_before(as_of: dt.date, years: int) -> dt.date:
    try:
        return as_of.replace(year=as_of.year - years)
    except ValueError:  # 29 February
        return as_of.replace(year=as_of.year - years, day=28)


def _incidents(store: Store, as_of: dt.date, y1: int, covered: set[str]):
    t = store.table("incidents")
    if t is None or "incidents" not in covered:
        return None
    day = ibis.literal(as_of)
    t = t.filter(t.occurred_on <= day)
    since_y1 = t.occurred_on.year() >= y1
    # A listing counts from the date it was made; without a removal date in the registry, one
    # made before y1 is not known to be still in force.
    table = t.group_by(enterprise_id=t.enterprise_id).aggregate(
        incidents_12m=(
            (t.occurred_on > ibis.literal(_years_before(as_of, 1))) & t.kind.isin(HNTE_INCIDENTS)
        )
        .cast("int64")
        .sum(),
        incidents_since_y1=(since_y1 & (t.kind != "fraud")).cast("int64").sum(),
        fraud_since_y1=(since_y1 & (t.kind == "fraud")).cast("int64").sum(),
    )
    return table, ["incidents_12m", "incidents_since_y1", "fraud_since_y1"], "incidents"


def _standards(store: Store, as_of: dt.date, covered: set[str]):
    t = store.table("standards")
    if t is None or "standards" not in covered:
        return None
    t = t.filter(t.published_on <= ibis.literal(as_of))
    major = t.level.isin(["international", "national", "industry"])
    table = t.group_by(enterprise_id=t.enterprise_id).aggregate(
        standards_led_5y=(
            major & (t.role == "lead") & (t.published_on > ibis.literal(_years_before(as_of, 5)))
        )
        .cast("int64")
        .sum(),
        standards_participated_3y=(
            t.level.isin(["national", "industry"])
            & (t.published_on > ibis.literal(_years_before(as_of, 3)))
        )
        .cast("int64")
        .sum(),
    )
    return table, ["standards_led_5y", "standards_participated_3y"], "standards"


def _awards(store: Store, as_of: dt.date, covered: set[str]):
    t = store.table("awards")
    if t is None or "awards" not in covered:
        return None
    recent = (t.year > as_of.year - 5) & (t.year <= as_of.year)
    table = t.group_by(enterprise_id=t.enterprise_id).aggregate(
        national_awards_top3_5y=(recent & (t.level == "national") & (t.rank <= 3))
        .cast("int64")
        .sum()
    )
    return table, ["national_awards_top3_5y"], "awards"


def _financing(store: Store, as_of: dt.date, covered: set[str]):
    t = store.table("financing_rounds")
    if t is None or "financing_rounds" not in covered:
        return None
    t = t.filter(t.closed_on <= ibis.literal(as_of))
    recent = t.closed_on > ibis.literal(_years_before(as_of, 3))
    table = t.group_by(enterprise_id=t.enterprise_id).aggregate(
        largest_round_3y=ibis.ifelse(recent, t.amount, 0).cast("int64").max(),
        financing_total=t.amount.cast("int64").sum(),
    )
    return table, ["largest_round_3y", "financing_total"], "financing_rounds"


def _reviews(store: Store, as_of: dt.date, covered: set[str]):
    t = store.table("innovation_reviews")
    if t is None:
        return None
    # The review for this application: the latest year up to as_of, experts before self.
    t = t.filter((t.year <= as_of.year) & (t.year >= window_year(as_of)))
    rank = ibis.row_number().over(
        group_by=t.enterprise_id,
        order_by=[t.year.desc(), ibis.ifelse(t.review_source == "expert", 0, 1)],
    )
    t = t.mutate(_rank=rank).filter(ibis._._rank == 0)
    table = t.select(
        enterprise_id=t.enterprise_id,
        review_advancement=t.advancement.cast("int64"),
        review_core_support=t.core_support.cast("int64"),
        review_rd_management=t.rd_management.cast("int64"),
    )
    return table, ["review_advancement", "review_core_support", "review_rd_management"], None
