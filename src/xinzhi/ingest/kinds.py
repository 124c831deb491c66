"""What each import kind contains: columns, natural key, references and cross-field checks.

A kind is declared once here; the pipeline, the templates and the docs are driven by it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from sqlalchemy import Table

from ..domain.enums import (
    Acquisition,
    AwardLevel,
    ContractType,
    DistrictKind,
    HnteField,
    IncidentKind,
    IPKind,
    ParkLevel,
    PlatformKind,
    PlatformLevel,
    ReviewSource,
    StandardLevel,
    StandardRole,
    TaxCollection,
)
from ..domain.errors import InvalidValue
from ..domain.ipc import parse_ipc_list
from ..domain.patent import (
    parse_patent_application_number,
    parse_software_copyright_number,
)
from ..domain.text import to_halfwidth
from ..domain.values import parse_count, parse_text, parse_year
from ..store import models
from . import columns as c
from .columns import Column

# A row check sees the parsed row and reports (column name, problem) pairs.
RowCheck = Callable[[dict], list[tuple[str, InvalidValue]]]


@dataclass(frozen=True)
class Ref:
    """A column naming another record, resolved to its id before the merge.

    ``lookup`` is "district", "park" (small tables, resolved in Python by name or code) or
    "enterprise" (resolved in SQL by credit code). With ``must_exist`` a named record that
    is not in the registry is an error; without it the id stays NULL (an outside party).
    """

    column: str
    target: str | None  # None: only checked (a region name), not stored as an id
    lookup: str
    must_exist: bool = True


@dataclass(frozen=True)
class Kind:
    name: str
    zh: str
    table: Table
    columns: tuple[Column, ...]
    key: tuple[str, ...]  # target columns of the natural key (the unique constraint)
    file_key: tuple[str, ...]  # the same key as written in the file, for duplicate reports
    refs: tuple[Ref, ...] = ()
    row_checks: tuple[RowCheck, ...] = ()
    default_as_of: Callable[[dict], dt.date | None] = lambda row: None
    doc_en: str = ""

    def column(self, name: str) -> Column:
        return next(col for col in self.columns if col.name == name)

    @property
    def data_columns(self) -> tuple[str, ...]:
        """Target columns written from the file (after references are resolved)."""
        ref_columns = {ref.column for ref in self.refs}
        table_columns = set(self.table.c.keys())
        direct = tuple(
            col.name
            for col in self.columns
            if col.name != "as_of" and (col.name not in ref_columns or col.name in table_columns)
        )
        return direct + tuple(ref.target for ref in self.refs if ref.target)


AS_OF = Column(
    "as_of",
    "数据日期",
    c.date,
    "日期",
    "date",
    required=False,
    doc_zh="数据所描述的日期（截至日期）；留空时用 --as-of 或该类数据的默认日期",
    doc_en="the date the data describes; if blank, --as-of or the kind's default",
    example="2023-12-31",
    aliases=("数据截止日期", "as-of"),
)


def _credit_code(name: str, zh: str, *, required: bool = True, doc_zh="", doc_en="") -> Column:
    return Column(
        name,
        zh,
        None,
        "统一社会信用代码",
        "credit code (GB 32100)",
        required=required,
        doc_zh=doc_zh or "18位统一社会信用代码，导入时校验 GB 32100 校验码",
        doc_en=doc_en
        or "18-character unified social credit code, GB 32100 check character verified",
        example="91210112MA0XK1WQ4J",
    )


def _money(name: str, zh: str, doc_zh: str, doc_en: str, *, signed=False, required=False) -> Column:
    return Column(
        name,
        zh,
        c.signed_money if signed else c.money,
        "金额（元）",
        "money (CNY yuan)",
        required=required,
        money=True,
        doc_zh=doc_zh
        + "；单位元，列名可写（万元）或（亿元）"
        + ("；可为负" if signed else "；不得为负"),
        doc_en=doc_en
        + "; yuan, or write (万元)/(亿元) in the header"
        + ("; may be negative" if signed else "; not negative"),
        example="12500000.00",
    )


def _choice(name: str, zh: str, enum, *, required=True, aliases=()) -> Column:
    options = "、".join(member.zh for member in enum)
    return Column(
        name,
        zh,
        c.choice(enum),
        "可选值",
        "choice",
        required=required,
        doc_zh=f"可选：{options}",
        doc_en="one of: " + ", ".join(member.value for member in enum),
        example=next(iter(enum)).zh,
        aliases=aliases,
    )


def _district(required: bool = True) -> Column:
    return Column(
        "district",
        "所属区县",
        c.text(50),
        "区县名称或代码",
        "district name or code",
        required=required,
        doc_zh="已登记的区县名称或6位区划代码",
        doc_en="a registered district's name or 6-digit code",
        example="浑南区",
        aliases=("区县",),
    )


def _date(name: str, zh: str, doc_zh: str, doc_en: str, *, required=True, example="2023-06-30"):
    return Column(
        name,
        zh,
        c.date,
        "日期",
        "date",
        required=required,
        doc_zh=doc_zh,
        doc_en=doc_en,
        example=example,
    )


def _not_more(small: str, large: str, zh: str, en: str) -> RowCheck:
    def check(row: dict) -> list[tuple[str, InvalidValue]]:
        if row.get(small) is not None and row.get(large) is not None and row[small] > row[large]:
            return [(small, InvalidValue("inconsistent", zh, en))]
        return []

    return check


def _order(earlier: str, later: str, zh: str, en: str, report: str) -> RowCheck:
    def check(row: dict) -> list[tuple[str, InvalidValue]]:
        if (
            row.get(earlier) is not None
            and row.get(later) is not None
            and row[later] < row[earlier]
        ):
            return [(report, InvalidValue("inconsistent", zh, en))]
        return []

    return check


def _ip_number(row: dict) -> list[tuple[str, InvalidValue]]:
    """The number's format follows the kind: patents are checked against RULES.md §5."""
    kind, raw = row.get("kind"), row.get("number")
    if kind is None or raw is None:
        return []
    try:
        if IPKind(kind).is_patent:
            patent = parse_patent_application_number(raw)
            if patent.ip_kind != IPKind(kind):
                raise InvalidValue(
                    "patent_kind",
                    f"申请号第{5 if len(patent.number) > 10 else 3}位类型码为{patent.type_code}"
                    f"（{patent.ip_kind.zh}），与知识产权类型“{IPKind(kind).zh}”不符",
                    f"the application number's type digit {patent.type_code} means "
                    f"{patent.ip_kind.value}, not {kind}",
                )
            if row.get("applied_on") and row["applied_on"].year != patent.year:
                raise InvalidValue(
                    "patent_year",
                    f"申请号年份{patent.year}与申请日期{row['applied_on']}不符",
                    f"the application number's year {patent.year} differs from the "
                    f"application date {row['applied_on']}",
                )
            row["number"] = patent.number
        elif kind == IPKind.SOFTWARE_COPYRIGHT:
            row["number"] = parse_software_copyright_number(raw)
        else:
            row["number"] = parse_text(raw, max_length=60)
    except InvalidValue as error:
        return [("number", error)]
    return []


@cache
def _last_day(year: int) -> dt.date:
    return dt.date(year, 12, 31)


def _year_end(row: dict) -> dt.date | None:
    return _last_day(row["year"]) if row.get("year") else None


_DISTRICT_CODE = re.compile(r"^\d{6}$")


def _district_code(raw, _scale) -> str:
    text = str(raw).strip()
    if not _DISTRICT_CODE.match(text):
        raise InvalidValue(
            "district_code",
            f"区划代码应为6位数字（GB/T 2260）：{text}",
            f"a district code is 6 digits (GB/T 2260): {text}",
        )
    return text


DISTRICTS = Kind(
    "districts",
    "区县",
    models.District.__table__,
    columns=(
        Column(
            "code",
            "区划代码",
            _district_code,
            "6位数字",
            "6 digits",
            doc_zh="GB/T 2260 行政区划代码",
            doc_en="GB/T 2260 administrative division code",
            example="210112",
        ),
        Column(
            "name",
            "名称",
            c.text(50),
            "文本",
            "text",
            doc_zh="区县名称",
            doc_en="district name",
            example="浑南区",
        ),
        Column(
            "city",
            "城市",
            c.text(50),
            "文本",
            "text",
            doc_zh="所属城市",
            doc_en="city",
            example="沈阳市",
        ),
        Column(
            "province",
            "省份",
            c.text(50),
            "文本",
            "text",
            doc_zh="所属省份",
            doc_en="province",
            example="辽宁省",
        ),
        _choice("kind", "类型", DistrictKind),
        AS_OF,
    ),
    key=("code",),
    file_key=("code",),
    doc_en="districts and counties of the city",
)

PARKS = Kind(
    "parks",
    "园区",
    models.Park.__table__,
    columns=(
        Column(
            "name",
            "园区名称",
            c.text(100),
            "文本",
            "text",
            doc_zh="园区或开发区全称",
            doc_en="full name of the park or zone",
            example="沈阳高新技术产业开发区",
        ),
        _district(),
        _choice("level", "级别", ParkLevel),
        AS_OF,
    ),
    key=("name",),
    file_key=("name",),
    refs=(Ref("district", "district_id", "district"),),
    doc_en="parks and development zones",
)

ENTERPRISES = Kind(
    "enterprises",
    "企业",
    models.Enterprise.__table__,
    columns=(
        _credit_code("credit_code", "统一社会信用代码"),
        Column(
            "name",
            "企业名称",
            c.text(200),
            "文本",
            "text",
            doc_zh="营业执照上的名称",
            doc_en="registered name",
            example="沈阳新松智能装备有限公司",
        ),
        _district(),
        Column(
            "park",
            "所属园区",
            c.text(100),
            "园区名称",
            "park name",
            required=False,
            doc_zh="已登记的园区名称，可空",
            doc_en="a registered park's name; optional",
            example="沈阳高新技术产业开发区",
        ),
        _date(
            "founded_on",
            "成立日期",
            "营业执照成立日期",
            "date of establishment",
            example="2015-03-18",
        ),
        Column(
            "industry_code",
            "行业代码",
            c.industry,
            "GB/T 4754-2017",
            "GB/T 4754-2017",
            required=False,
            doc_zh="国民经济行业分类代码（门类字母可省略），如 C3491",
            doc_en="industry class, section letter optional, e.g. C3491",
            example="C3491",
            aliases=("国民经济行业代码",),
        ),
        Column(
            "sei_category",
            "战略性新兴产业类别",
            c.sei,
            "1–9",
            "1–9",
            required=False,
            doc_zh="战略性新兴产业分类（2018）一级类别代码或名称",
            doc_en="strategic emerging industry category (2018), code or name",
            example="2",
        ),
        Column(
            "listed",
            "是否上市",
            c.boolean,
            "是/否",
            "yes/no",
            required=False,
            doc_zh="是否上市",
            doc_en="listed on a stock exchange",
            example="否",
        ),
        _money(
            "valuation",
            "最新估值",
            "最近一轮投后估值（人民币）",
            "latest post-money valuation in CNY",
        ),
        _date("valuation_on", "估值日期", "估值对应日期", "date of the valuation", required=False),
        Column(
            "hnte_certificate_no",
            "高新技术企业证书编号",
            c.text(40),
            "文本",
            "text",
            required=False,
            doc_zh="有效的高新技术企业证书编号",
            doc_en="number of the valid HNTE certificate",
            example="GR202321000123",
        ),
        _date(
            "hnte_certified_on",
            "高新技术企业认定日期",
            "高新技术企业证书发证日期",
            "HNTE certificate date",
            required=False,
        ),
        Column(
            "hnte_field",
            "高新技术领域",
            c.choice(HnteField),
            "1–8 或领域名称",
            "1–8 or field name",
            required=False,
            doc_zh="主要产品（服务）核心技术所属《国家重点支持的高新技术领域》一级领域：1 电子信息、"
            "2 生物与新医药、3 航空航天、4 新材料、5 高技术服务、6 新能源与节能、7 资源与环境、"
            "8 先进制造与自动化；可填序号、一至八或名称",
            doc_en="first-level field of the state-supported high-tech fields (2016) the core "
            "technology of the main products belongs to: 1–8, 一–八 or the field's name",
            example="8",
            aliases=("国家重点支持的高新技术领域", "技术领域"),
        ),
        _choice(
            "tax_collection", "所得税征收方式", TaxCollection, required=False, aliases=("征收方式",)
        ),
        # evidence for the future-industry tracks (xinzhi.tracks)
        Column(
            "business_scope",
            "经营范围",
            c.text(4000),
            "文本",
            "text",
            required=False,
            doc_zh="营业执照上的经营范围",
            doc_en="business scope as registered",
            example="人形机器人、智能机器人的研发、制造、销售；技术服务",
        ),
        Column(
            "main_products",
            "主要产品",
            c.text(500),
            "文本",
            "text",
            required=False,
            doc_zh="主要产品（服务），多项用分号分隔",
            doc_en="main products or services, separated by semicolons",
            example="双足人形机器人；灵巧手",
            aliases=("主要产品（服务）",),
        ),
        AS_OF,
    ),
    key=("credit_code",),
    file_key=("credit_code",),
    refs=(Ref("district", "district_id", "district"), Ref("park", "park_id", "park")),
    row_checks=(
        _order(
            "founded_on",
            "hnte_certified_on",
            "认定日期早于成立日期",
            "certified before the enterprise was founded",
            "hnte_certified_on",
        ),
        _order(
            "founded_on",
            "valuation_on",
            "估值日期早于成立日期",
            "valued before the enterprise was founded",
            "valuation_on",
        ),
    ),
    doc_en="the registry of tech enterprises",
)

ENTERPRISE_YEARS = Kind(
    "enterprise_years",
    "企业年度数据",
    models.EnterpriseYear.__table__,
    columns=(
        _credit_code(
            "credit_code",
            "统一社会信用代码",
            doc_zh="须为已登记企业",
            doc_en="must be a registered enterprise",
        ),
        Column(
            "year",
            "年度",
            c.year,
            "年份",
            "year",
            doc_zh="会计年度",
            doc_en="accounting year",
            example="2023",
        ),
        _money(
            "revenue",
            "销售收入",
            "主营业务收入与其他业务收入之和",
            "sales revenue (main + other business income)",
        ),
        _money(
            "total_income",
            "总收入",
            "收入总额减去不征税收入",
            "total income less non-taxable income",
        ),
        _money(
            "hitech_revenue",
            "高新技术产品（服务）收入",
            "高新技术产品（服务）收入，含技术性收入",
            "high-tech product and service revenue, incl. technical income",
        ),
        _money("total_assets", "资产总额", "年末资产总额", "total assets at year end"),
        _money(
            "net_assets", "净资产", "年末资产总额减负债总额", "net assets at year end", signed=True
        ),
        Column(
            "employees",
            "职工总数",
            c.headcount,
            "人数，最多两位小数",
            "persons, at most 2 decimals",
            required=False,
            doc_zh="在职、兼职和临时聘用人员（全年月平均数，可有两位小数，如 120.25）",
            doc_en="full-time, part-time and temporary staff (annual average of monthly "
            "averages; up to 2 decimals, e.g. 120.25)",
            example="120.25",
        ),
        Column(
            "tech_staff",
            "科技人员数",
            c.headcount,
            "人数，最多两位小数",
            "persons, at most 2 decimals",
            required=False,
            doc_zh="直接从事研发和相关技术创新活动的人员（全年月平均数，可有两位小数，如 12.5）",
            doc_en="S&T staff (annual average of monthly averages; up to 2 decimals, e.g. 12.5)",
            example="12.5",
            aliases=("科技人员",),
        ),
        _money("rd_expense", "研究开发费用", "研究开发费用总额", "total R&D expense"),
        _money(
            "rd_expense_domestic",
            "境内研究开发费用",
            "在中国境内发生的研究开发费用",
            "R&D expense incurred in China",
        ),
        _money("exports", "出口额", "出口总额", "exports"),
        _money("profit", "利润总额", "利润总额", "total profit", signed=True),
        _money(
            "cost_expense_total",
            "成本费用支出总额",
            "成本费用支出总额（科技型中小企业研发投入第二种计算口径的分母）",
            "total costs and expenses (denominator of the tech-SME R&D measure 2)",
        ),
        Column(
            "conversions",
            "科技成果转化数",
            c.count,
            "整数",
            "integer",
            required=False,
            doc_zh="当年科技成果转化项数；同一成果转化为多个产品、服务、工艺、样品或样机只计一次",
            doc_en="technology results converted in the year; one result counts once however "
            "many products, services, processes, samples or prototypes it became",
            example="3",
            aliases=("科技成果转化项数", "成果转化数"),
        ),
        AS_OF,
    ),
    key=("enterprise_id", "year"),
    file_key=("credit_code", "year"),
    refs=(Ref("credit_code", "enterprise_id", "enterprise"),),
    row_checks=(
        _not_more(
            "tech_staff", "employees", "科技人员数大于职工总数", "S&T staff exceed total staff"
        ),
        _not_more(
            "rd_expense_domestic",
            "rd_expense",
            "境内研发费用大于研发费用总额",
            "domestic R&D expense exceeds total R&D expense",
        ),
        _not_more(
            "hitech_revenue",
            "total_income",
            "高新技术产品（服务）收入大于总收入",
            "high-tech revenue exceeds total income",
        ),
        _not_more(
            "net_assets", "total_assets", "净资产大于资产总额", "net assets exceed total assets"
        ),
    ),
    default_as_of=_year_end,
    doc_en="yearly financials, staff and R&D of registered enterprises",
)

IP_RIGHTS = Kind(
    "ip_rights",
    "知识产权",
    models.IPRight.__table__,
    columns=(
        _choice("kind", "知识产权类型", IPKind),
        Column(
            "number",
            "编号",
            c.text(60),
            "申请号/登记号",
            "application/registration number",
            doc_zh="专利申请号（含校验位，如 202310123456.6）、软件著作权登记号（如 2023SR0123456）等",
            doc_en="patent application number with check character, software copyright "
            "registration number, …",
            example="202310123456.6",
            aliases=("申请号", "登记号"),
        ),
        Column(
            "title",
            "名称",
            c.text(300),
            "文本",
            "text",
            required=False,
            doc_zh="知识产权名称",
            doc_en="title",
            example="一种协作机器人关节减速器",
        ),
        _credit_code(
            "owner_code",
            "权利人统一社会信用代码",
            doc_zh="权利人，须为已登记企业",
            doc_en="owner, a registered enterprise",
        ),
        _date(
            "applied_on",
            "申请日期",
            "申请日",
            "application date",
            required=False,
            example="2023-03-01",
        ),
        _date(
            "granted_on",
            "授权日期",
            "授权（登记）日期；未授权留空",
            "grant date; blank if pending",
            required=False,
            example="2024-01-12",
        ),
        _choice("acquisition", "获得方式", Acquisition),
        Column(
            "ipc",
            "IPC分类号",
            lambda raw, _scale: parse_ipc_list(raw),
            "IPC，分号分隔",
            "IPC symbols, ;-separated",
            required=False,
            doc_zh="专利的国际专利分类号，多个用分号分隔（tracks 赛道分类的证据）",
            doc_en="the patent's IPC symbols, separated by semicolons (evidence for tracks)",
            example="B25J 9/16; B62D 57/032",
            aliases=("国际专利分类号", "IPC"),
        ),
        _date(
            "hnte_used_on",
            "已用于高企申请日期",
            "该项（Ⅱ类）知识产权已用于某次高新技术企业认定申请时，该次申请的日期；Ⅱ类知识产权仅限使用一次；未用过留空",
            "date of the HNTE application this (Class II) item was already used in; Class II "
            "items count only once; blank if never used",
            required=False,
            example="2021-05-20",
        ),
        _date(
            "lapsed_on",
            "终止日期",
            "权利在保护期届满前终止（未缴年费、放弃、被宣告无效等）的日期；保护期届满按类型和申请日自动计算；"
            "未终止留空",
            "date the right ended before its term (unpaid fee, surrender, invalidation); the "
            "term itself follows from the kind and the filing date; blank if it has not",
            required=False,
            example="2024-08-01",
        ),
        AS_OF,
    ),
    key=("kind", "number"),
    file_key=("kind", "number"),
    refs=(Ref("owner_code", "enterprise_id", "enterprise"),),
    row_checks=(
        _ip_number,
        _order(
            "applied_on",
            "granted_on",
            "授权日期早于申请日期",
            "granted before applied",
            "granted_on",
        ),
        _order(
            "granted_on",
            "hnte_used_on",
            "用于高企申请的日期早于授权日期",
            "used in an HNTE application before it was granted",
            "hnte_used_on",
        ),
        _order(
            "granted_on",
            "lapsed_on",
            "终止日期早于授权日期",
            "lapsed before it was granted",
            "lapsed_on",
        ),
    ),
    doc_en="patents, software copyrights and other IP rights",
)

TECH_CONTRACTS = Kind(
    "tech_contracts",
    "技术合同",
    models.TechContract.__table__,
    columns=(
        Column(
            "registration_no",
            "登记编号",
            c.text(40),
            "文本",
            "text",
            doc_zh="技术合同登记编号",
            doc_en="registration number",
            example="2023210100000123",
            aliases=("合同登记号",),
        ),
        _choice("contract_type", "合同类别", ContractType),
        _credit_code(
            "seller_code",
            "卖方统一社会信用代码",
            required=False,
            doc_zh="卖方（技术输出方）代码；可为外地单位",
            doc_en="seller (technology exporter); may be outside the city",
        ),
        Column(
            "seller_name",
            "卖方名称",
            c.text(200),
            "文本",
            "text",
            doc_zh="卖方名称",
            doc_en="seller name",
            example="沈阳新松智能装备有限公司",
        ),
        _credit_code(
            "buyer_code",
            "买方统一社会信用代码",
            required=False,
            doc_zh="买方（技术吸纳方）代码；可为外地单位",
            doc_en="buyer (technology absorber); may be outside the city",
        ),
        Column(
            "buyer_name",
            "买方名称",
            c.text(200),
            "文本",
            "text",
            doc_zh="买方名称",
            doc_en="buyer name",
            example="鞍钢股份有限公司",
        ),
        _money(
            "contract_amount", "合同成交额", "合同交易总额", "total contract amount", required=True
        ),
        _money(
            "tech_amount",
            "技术交易额",
            "合同交易总额扣除非技术性费用",
            "contract amount less non-technical costs",
            required=True,
        ),
        _date("signed_on", "签订日期", "合同签订日期", "date signed"),
        _date("registered_on", "登记日期", "认定登记日期", "date registered"),
        AS_OF,
    ),
    key=("registration_no",),
    file_key=("registration_no",),
    refs=(
        Ref("seller_code", "seller_enterprise_id", "enterprise", must_exist=False),
        Ref("buyer_code", "buyer_enterprise_id", "enterprise", must_exist=False),
    ),
    row_checks=(
        _not_more(
            "tech_amount",
            "contract_amount",
            "技术交易额大于合同成交额",
            "technology transaction amount exceeds the contract amount",
        ),
        _order(
            "signed_on",
            "registered_on",
            "登记日期早于签订日期",
            "registered before it was signed",
            "registered_on",
        ),
    ),
    default_as_of=lambda row: row.get("registered_on"),
    doc_en="registered technology contracts (技术合同认定登记)",
)

PLATFORMS = Kind(
    "platforms",
    "创新平台",
    models.Platform.__table__,
    columns=(
        Column(
            "name",
            "平台名称",
            c.text(200),
            "文本",
            "text",
            doc_zh="平台全称",
            doc_en="full name",
            example="机器人学国家重点实验室",
        ),
        _choice("kind", "平台类型", PlatformKind),
        _choice("level", "级别", PlatformLevel),
        _credit_code(
            "host_code",
            "依托单位统一社会信用代码",
            required=False,
            doc_zh="依托单位为已登记企业时填写",
            doc_en="if the host is a registered enterprise",
        ),
        Column(
            "host_name",
            "依托单位名称",
            c.text(200),
            "文本",
            "text",
            doc_zh="依托单位（企业、高校或院所）",
            doc_en="host enterprise, university or institute",
            example="中国科学院沈阳自动化研究所",
        ),
        _district(required=False),
        _date("approved_on", "认定日期", "批准或认定日期", "date approved", required=False),
        AS_OF,
    ),
    key=("name",),
    file_key=("name",),
    refs=(
        Ref("host_code", "enterprise_id", "enterprise"),
        Ref("district", "district_id", "district"),
    ),
    doc_en="labs, technology centres, pilot bases and other innovation platforms",
)

TARGETS = Kind(
    "targets",
    "目标",
    models.Target.__table__,
    columns=(
        Column(
            "indicator",
            "指标",
            c.text(100),
            "文本",
            "text",
            doc_zh="指标名称",
            doc_en="indicator",
            example="国家高新技术企业数量",
        ),
        Column(
            "region",
            "地区",
            c.text(50),
            "城市或区县",
            "city or district",
            doc_zh="城市或已登记区县的名称",
            doc_en="the city or a registered district",
            example="沈阳市",
        ),
        Column(
            "year",
            "年度",
            c.target_year,
            "年份",
            "year",
            doc_zh="目标年度",
            doc_en="target year",
            example="2024",
        ),
        Column(
            "value",
            "目标值",
            c.quantity,
            "数值",
            "number",
            doc_zh="目标值（区间时为下限）",
            doc_en="target (lower bound of a range)",
            example="5000",
        ),
        Column(
            "value_max",
            "目标上限",
            c.quantity,
            "数值",
            "number",
            required=False,
            doc_zh="目标为区间时的上限",
            doc_en="upper bound when the target is a range",
            example="6",
        ),
        Column(
            "unit", "单位", c.text(20), "文本", "text", doc_zh="单位", doc_en="unit", example="家"
        ),
        AS_OF,
    ),
    key=("indicator", "region", "year"),
    file_key=("indicator", "region", "year"),
    refs=(Ref("region", None, "region"),),
    row_checks=(
        _not_more("value", "value_max", "目标值大于目标上限", "target exceeds its upper bound"),
    ),
    default_as_of=_year_end,
    doc_en="annual targets by indicator, for the city or a district",
)

# --- assessment inputs: lists an assessment reads (RULES.md §1–§3) ---------------------------
#
# The rule engine reads "no rows" for an enterprise as "none" only once a list has been
# imported at all; the kind's import batches say when. Each list is imported whole.


def _enterprise(doc_zh: str = "须为已登记企业", doc_en: str = "must be a registered enterprise"):
    return _credit_code("credit_code", "统一社会信用代码", doc_zh=doc_zh, doc_en=doc_en)


def _score(maximum: int):
    """An expert-judged score: a whole number from 0 to ``maximum`` (RULES.md §1.4)."""

    def parse(raw, _scale) -> int:
        score = parse_count(raw)
        if score > maximum:
            raise InvalidValue(
                "score_range",
                f"分值应为0到{maximum}的整数：{raw}",
                f"the score must be a whole number from 0 to {maximum}: {raw}",
            )
        return score

    return parse


def _rank(raw, _scale) -> int:
    rank = parse_count(raw)
    if rank < 1:
        raise InvalidValue("rank_range", f"排名从1开始：{raw}", f"a rank starts at 1: {raw}")
    return rank


def _application_year(raw, _scale) -> int:
    """An HNTE application year: past years, or next year's application being prepared."""
    return parse_year(raw, years_ahead=1)


_ROUND_SUFFIX = re.compile(r"(?:轮融资|轮|\s*round)$", re.IGNORECASE)
_LETTER_ROUND = re.compile(r"(?:series\s+)?(pre\s*-?\s*)?([a-z]|ipo)(\+*)", re.IGNORECASE)


def parse_round(raw, _scale=None) -> str:
    """A financing round's label, one spelling per round: "a轮", "A round" → "A";
    "pre-a", "PreA" → "Pre-A"; "Pre-IPO"; others (天使, 战略投资 …) as written, trimmed."""
    text = " ".join(to_halfwidth(str(raw)).split())
    text = _ROUND_SUFFIX.sub("", text).strip() or text
    letter = _LETTER_ROUND.fullmatch(text)
    if letter:
        pre, name, plus = letter.groups()
        text = ("Pre-" if pre else "") + name.upper() + plus
    return parse_text(text, max_length=30)


_DASHES = str.maketrans({"—": "-", "–": "-", "－": "-", "‐": "-", "―": "-"})
# A Chinese standard: code, number with optional parts, year ("GB/T 20000.1-2014").
# Only a local standard's code has digits (DB21, DB2101): the province or city.
_CHINESE_STANDARD = re.compile(
    r"(?P<code>(?:DB\d{2,6}|[A-Z]+)(?:/[A-Z]+)?)\s*"
    r"(?P<number>\d+(?:\.\d+)*)\s*-\s*(?P<year>\d{2}|\d{4})"
)
_INTERNATIONAL = re.compile(r"(?:ISO|IEC|ITU|IEEE)\b.*\d.*")
_LEVEL_OF_CODE = (
    (re.compile(r"GB(?:/[TZ])?"), StandardLevel.NATIONAL),
    (re.compile(r"DB\d{2,6}(?:/[TZ])?"), StandardLevel.LOCAL),
    (re.compile(r"T/[A-Z]+"), StandardLevel.GROUP),
    (re.compile(r"[A-Z]{2}(?:/[TZ])?"), StandardLevel.INDUSTRY),
)


def parse_standard_number(raw) -> tuple[str, StandardLevel]:
    """A standard's number in one spelling, and the level its code stands for.

    "gb/t12345—2023" → ("GB/T 12345-2023", national); DB21/T … local, T/XXX … group, two
    letters (JB/T, YY, SJ/T …) industry, ISO/IEC/ITU/IEEE international.
    """
    text = " ".join(to_halfwidth(str(raw)).translate(_DASHES).upper().split())
    if _INTERNATIONAL.fullmatch(text):
        return parse_text(text, max_length=60), StandardLevel.INTERNATIONAL
    match = _CHINESE_STANDARD.fullmatch(text)
    if match:
        for pattern, level in _LEVEL_OF_CODE:
            if pattern.fullmatch(match["code"]):
                number = f"{match['code']} {match['number']}-{match['year']}"
                return parse_text(number, max_length=60), level
    raise InvalidValue(
        "standard_number",
        f"“{raw}”不是标准编号；应为代号、顺序号和年代号，如 GB/T 12345-2023、JB/T 1234-2020、"
        "DB21/T 1234-2023、T/CMIF 12-2022 或 ISO 9001:2015",
        f"'{raw}' is not a standard number: code, number and year, e.g. GB/T 12345-2023, "
        "JB/T 1234-2020, DB21/T 1234-2023, T/CMIF 12-2022 or ISO 9001:2015",
    )


def _standard_number(row: dict) -> list[tuple[str, InvalidValue]]:
    """The number's code must agree with the stated level (GB is national, DB local …)."""
    raw, level = row.get("number"), row.get("level")
    if raw is None:
        return []
    try:
        row["number"], implied = parse_standard_number(raw)
    except InvalidValue as error:
        return [("number", error)]
    if level is not None and implied != StandardLevel(level):
        return [
            (
                "level",
                InvalidValue(
                    "standard_level",
                    f"标准编号{row['number']}是{implied.zh}，与填写的级别“{StandardLevel(level).zh}”不符",
                    f"standard {row['number']} is a {implied.value} standard, not {level}",
                ),
            )
        ]
    return []


def _some_score(row: dict) -> list[tuple[str, InvalidValue]]:
    if all(row.get(name) is None for name in ("advancement", "core_support", "rd_management")):
        return [
            (
                "advancement",
                InvalidValue(
                    "score_missing",
                    "三项评分均为空：至少填写一项",
                    "all three scores are blank: give at least one",
                ),
            )
        ]
    return []


def _enterprise_list(
    name: str,
    zh: str,
    model,
    columns: tuple[Column, ...],
    *,
    key: tuple[str, ...],
    as_of: Callable[[dict], dt.date | None],
    doc_en: str,
    row_checks: tuple[RowCheck, ...] = (),
) -> Kind:
    """A list of records of registered enterprises, each row naming its firm by credit code."""
    return Kind(
        name,
        zh,
        model.__table__,
        columns=(_enterprise(), *columns, AS_OF),
        key=("enterprise_id", *key),
        file_key=("credit_code", *key),
        refs=(Ref("credit_code", "enterprise_id", "enterprise"),),
        row_checks=row_checks,
        default_as_of=as_of,
        doc_en=doc_en,
    )


def _on(column: str) -> Callable[[dict], dt.date | None]:
    """The row's data describe the date in ``column``."""
    return lambda row: row.get(column)


INCIDENTS = _enterprise_list(
    "incidents",
    "事故与失信记录",
    models.Incident,
    (
        _date(
            "occurred_on",
            "发生日期",
            "事故或违法失信行为发生的日期，或列入名录、名单的日期",
            "date of the incident, or of the listing",
            example="2023-04-12",
        ),
        _choice("kind", "类型", IncidentKind, aliases=("事故类型", "记录类型")),
        Column(
            "description",
            "说明",
            c.text(2000),
            "文本",
            "text",
            required=False,
            doc_zh="情况说明、处罚文书号等",
            doc_en="what happened, decision number …",
            example="沈应急罚〔2023〕12号",
        ),
        _date(
            "removed_on",
            "移出日期",
            "列入经营异常名录或严重违法失信名单的，移出（撤销）的日期；未移出或不知留空",
            "for a listing, the day it was lifted; blank if it was not, or is not known",
            required=False,
            example="2023-09-30",
        ),
    ),
    key=("occurred_on", "kind"),
    as_of=_on("occurred_on"),
    row_checks=(
        _order(
            "occurred_on",
            "removed_on",
            "移出日期早于列入日期",
            "lifted before it was made",
            "removed_on",
        ),
    ),
    doc_en="serious safety or quality accidents, serious environmental violations, research "
    "misconduct, fraud and listings as abnormal or seriously dishonest (HNTE condition 8, "
    "tech-SME condition 4); import the whole list with --as-of: an enterprise without rows "
    "then had none",
)

STANDARDS = _enterprise_list(
    "standards",
    "标准",
    models.Standard,
    (
        Column(
            "number",
            "标准编号",
            c.text(60),
            "标准编号",
            "standard number",
            doc_zh="如 GB/T 12345-2023；代号须与级别一致（GB 国家、行业代号如 JB/T、DB 地方、T/ 团体、ISO/IEC 国际）",
            doc_en="e.g. GB/T 12345-2023; its code must agree with the level (GB national, "
            "two letters such as JB/T industry, DB local, T/ group, ISO/IEC international)",
            example="GB/T 12345-2023",
            aliases=("标准号",),
        ),
        Column(
            "name",
            "标准名称",
            c.text(300),
            "文本",
            "text",
            doc_zh="标准名称",
            doc_en="title of the standard",
            example="工业机器人 关节减速器 试验方法",
        ),
        _choice("level", "标准级别", StandardLevel, aliases=("级别",)),
        _choice("role", "制定角色", StandardRole, aliases=("参与方式", "角色")),
        _date("published_on", "发布日期", "标准发布日期", "date published", example="2023-03-17"),
    ),
    key=("number",),
    as_of=_on("published_on"),
    row_checks=(_standard_number,),
    doc_en="standards an enterprise led (主导制定) or took part in drafting (参与编制): HNTE "
    "bonus item, tech-SME direct qualification; import the whole list with --as-of",
)

AWARDS = _enterprise_list(
    "awards",
    "科技奖励",
    models.Award,
    (
        Column(
            "name",
            "奖项名称",
            c.text(200),
            "文本",
            "text",
            doc_zh="奖项及等级全称",
            doc_en="award and grade",
            example="国家科学技术进步奖二等奖",
            aliases=("奖项",),
        ),
        _choice("level", "奖励级别", AwardLevel, aliases=("级别",)),
        Column(
            "rank",
            "获奖单位排名",
            _rank,
            "正整数",
            "positive integer",
            doc_zh="本企业在获奖单位中的排名（第一完成单位为1）",
            doc_en="the enterprise's place among the award-winning units (1 = first)",
            example="2",
            aliases=("排名", "完成单位排名"),
        ),
        Column(
            "year",
            "获奖年度",
            c.year,
            "年份",
            "year",
            doc_zh="授奖年度",
            doc_en="year awarded",
            example="2022",
            aliases=("年度",),
        ),
    ),
    key=("name", "year"),
    as_of=_year_end,
    doc_en="science and technology awards with the enterprise's rank among the winning units "
    "(tech-SME direct qualification: national, top 3, last 5 years); import the whole list "
    "with --as-of",
)

FINANCING_ROUNDS = _enterprise_list(
    "financing_rounds",
    "融资轮次",
    models.FinancingRound,
    (
        _date(
            "closed_on",
            "交割日期",
            "本轮融资完成（交割）日期",
            "date the round closed",
            example="2023-05-30",
        ),
        Column(
            "round",
            "轮次",
            parse_round,
            "文本",
            "text",
            doc_zh="天使、Pre-A、A、A+、B……、Pre-IPO、战略投资等；“A轮”记为“A”",
            doc_en="天使, Pre-A, A, A+, B … Pre-IPO, 战略投资 …; 'A轮' and 'A round' are 'A'",
            example="B",
            aliases=("融资轮次",),
        ),
        _money(
            "amount",
            "融资金额",
            "本轮融资金额，人民币；外币融资按交割日汇率折算为人民币后填写",
            "amount raised, in CNY: convert foreign-currency rounds at the closing date's "
            "rate before importing",
            required=True,
        ),
        Column(
            "investor",
            "投资方",
            c.text(500),
            "文本",
            "text",
            required=False,
            doc_zh="领投方或主要投资方",
            doc_en="lead or main investors",
            example="某创业投资基金",
        ),
        _money(
            "post_money_valuation",
            "投后估值",
            "本轮投后估值，人民币",
            "post-money valuation, in CNY",
        ),
    ),
    key=("closed_on", "round"),
    as_of=_on("closed_on"),
    row_checks=(
        _not_more(
            "amount",
            "post_money_valuation",
            "融资金额大于投后估值",
            "the amount raised exceeds the post-money valuation",
        ),
    ),
    doc_en="equity financing rounds in CNY (gazelle venture-round rule, unicorn valuations); "
    "import the whole list with --as-of",
)

INNOVATION_REVIEWS = _enterprise_list(
    "innovation_reviews",
    "创新能力评分",
    models.InnovationReview,
    (
        Column(
            "year",
            "申请年度",
            _application_year,
            "年份",
            "year",
            doc_zh="高新技术企业认定申请年度（可为明年）",
            doc_en="year of the HNTE application (may be next year)",
            example="2023",
            aliases=("年度",),
        ),
        _choice("review_source", "评分来源", ReviewSource, aliases=("来源",)),
        Column(
            "advancement",
            "技术的先进程度",
            _score(8),
            "0–8",
            "0–8",
            required=False,
            doc_zh="知识产权指标之技术的先进程度，0–8分",
            doc_en="advancement of the technology, 0–8",
            example="7",
            aliases=("技术先进程度",),
        ),
        Column(
            "core_support",
            "核心支持作用",
            _score(8),
            "0–8",
            "0–8",
            required=False,
            doc_zh="对主要产品（服务）在技术上发挥核心支持作用，0–8分",
            doc_en="core support of the IP for the main products, 0–8",
            example="7",
            aliases=("对主要产品（服务）在技术上发挥核心支持作用",),
        ),
        Column(
            "rd_management",
            "研究开发组织管理水平",
            _score(20),
            "0–20",
            "0–20",
            required=False,
            doc_zh="研究开发组织管理水平，0–20分",
            doc_en="R&D organisation and management, 0–20",
            example="16",
            aliases=("研发组织管理水平",),
        ),
        _date(
            "reviewed_on",
            "评分日期",
            "自评或专家评审的日期",
            "date of the self-assessment or review",
            example="2023-06-15",
        ),
    ),
    key=("year", "review_source"),
    as_of=_on("reviewed_on"),
    row_checks=(_some_score,),
    doc_en="scores of the expert-judged HNTE innovation items, self-assessed or by experts; a "
    "blank score is unknown (the assessment then uses its whole range)",
)

KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        DISTRICTS,
        PARKS,
        ENTERPRISES,
        ENTERPRISE_YEARS,
        IP_RIGHTS,
        TECH_CONTRACTS,
        PLATFORMS,
        TARGETS,
        INCIDENTS,
        STANDARDS,
        AWARDS,
        FINANCING_ROUNDS,
        INNOVATION_REVIEWS,
    )
}
