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
    ContractType,
    DistrictKind,
    IPKind,
    ParkLevel,
    PlatformKind,
    PlatformLevel,
)
from ..domain.errors import InvalidValue
from ..domain.patent import parse_patent_application_number, parse_software_copyright_number
from ..domain.values import parse_text
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
    "as_of", "数据日期", c.date, "日期", "date", required=False,
    doc_zh="数据所描述的日期（截至日期）；留空时用 --as-of 或该类数据的默认日期",
    doc_en="the date the data describes; if blank, --as-of or the kind's default",
    example="2023-12-31",
    aliases=("数据截止日期", "as-of"),
)  # fmt: skip


def _credit_code(name: str, zh: str, *, required: bool = True, doc_zh="", doc_en="") -> Column:
    return Column(
        name, zh, None, "统一社会信用代码", "credit code (GB 32100)", required=required,
        doc_zh=doc_zh or "18位统一社会信用代码，导入时校验 GB 32100 校验码",
        doc_en=doc_en or "18-character unified social credit code, GB 32100 check character verified",
        example="91210112MA0XK1WQ4J",
    )  # fmt: skip


def _money(name: str, zh: str, doc_zh: str, doc_en: str, *, signed=False, required=False) -> Column:
    return Column(
        name, zh, c.signed_money if signed else c.money, "金额（元）", "money (CNY yuan)",
        required=required, money=True,
        doc_zh=doc_zh + "；单位元，列名可写（万元）或（亿元）" + ("；可为负" if signed else "；不得为负"),
        doc_en=doc_en + "; yuan, or write (万元)/(亿元) in the header"
        + ("; may be negative" if signed else "; not negative"),
        example="12500000.00",
    )  # fmt: skip


def _choice(name: str, zh: str, enum, *, required=True) -> Column:
    options = "、".join(member.zh for member in enum)
    return Column(
        name, zh, c.choice(enum), "可选值", "choice", required=required,
        doc_zh=f"可选：{options}", doc_en="one of: " + ", ".join(member.value for member in enum),
        example=next(iter(enum)).zh,
    )  # fmt: skip


def _district(required: bool = True) -> Column:
    return Column(
        "district", "所属区县", c.text(50), "区县名称或代码", "district name or code",
        required=required, doc_zh="已登记的区县名称或6位区划代码",
        doc_en="a registered district's name or 6-digit code", example="浑南区",
        aliases=("区县",),
    )  # fmt: skip


def _date(name: str, zh: str, doc_zh: str, doc_en: str, *, required=True, example="2023-06-30"):
    return Column(name, zh, c.date, "日期", "date", required=required,
                  doc_zh=doc_zh, doc_en=doc_en, example=example)  # fmt: skip


def _not_more(small: str, large: str, zh: str, en: str) -> RowCheck:
    def check(row: dict) -> list[tuple[str, InvalidValue]]:
        if row.get(small) is not None and row.get(large) is not None and row[small] > row[large]:
            return [(small, InvalidValue("inconsistent", zh, en))]
        return []

    return check


def _order(earlier: str, later: str, zh: str, en: str, report: str) -> RowCheck:
    def check(row: dict) -> list[tuple[str, InvalidValue]]:
        if row.get(earlier) is not None and row.get(later) is not None and row[later] < row[earlier]:
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
            "district_code", f"区划代码应为6位数字（GB/T 2260）：{text}",
            f"a district code is 6 digits (GB/T 2260): {text}",
        )  # fmt: skip
    return text


DISTRICTS = Kind(
    "districts", "区县", models.District.__table__,
    columns=(
        Column("code", "区划代码", _district_code, "6位数字", "6 digits",
               doc_zh="GB/T 2260 行政区划代码", doc_en="GB/T 2260 administrative division code",
               example="210112"),
        Column("name", "名称", c.text(50), "文本", "text", doc_zh="区县名称",
               doc_en="district name", example="浑南区"),
        Column("city", "城市", c.text(50), "文本", "text", doc_zh="所属城市",
               doc_en="city", example="沈阳市"),
        Column("province", "省份", c.text(50), "文本", "text", doc_zh="所属省份",
               doc_en="province", example="辽宁省"),
        _choice("kind", "类型", DistrictKind),
        AS_OF,
    ),
    key=("code",), file_key=("code",),
    doc_en="districts and counties of the city",
)  # fmt: skip

PARKS = Kind(
    "parks", "园区", models.Park.__table__,
    columns=(
        Column("name", "园区名称", c.text(100), "文本", "text", doc_zh="园区或开发区全称",
               doc_en="full name of the park or zone", example="沈阳高新技术产业开发区"),
        _district(),
        _choice("level", "级别", ParkLevel),
        AS_OF,
    ),
    key=("name",), file_key=("name",),
    refs=(Ref("district", "district_id", "district"),),
    doc_en="parks and development zones",
)  # fmt: skip

ENTERPRISES = Kind(
    "enterprises", "企业", models.Enterprise.__table__,
    columns=(
        _credit_code("credit_code", "统一社会信用代码"),
        Column("name", "企业名称", c.text(200), "文本", "text", doc_zh="营业执照上的名称",
               doc_en="registered name", example="沈阳新松智能装备有限公司"),
        _district(),
        Column("park", "所属园区", c.text(100), "园区名称", "park name", required=False,
               doc_zh="已登记的园区名称，可空", doc_en="a registered park's name; optional",
               example="沈阳高新技术产业开发区"),
        _date("founded_on", "成立日期", "营业执照成立日期", "date of establishment",
              example="2015-03-18"),
        Column("industry_code", "行业代码", c.industry, "GB/T 4754-2017", "GB/T 4754-2017",
               required=False, doc_zh="国民经济行业分类代码（门类字母可省略），如 C3491",
               doc_en="industry class, section letter optional, e.g. C3491", example="C3491",
               aliases=("国民经济行业代码",)),
        Column("sei_category", "战略性新兴产业类别", c.sei, "1–9", "1–9", required=False,
               doc_zh="战略性新兴产业分类（2018）一级类别代码或名称",
               doc_en="strategic emerging industry category (2018), code or name",
               example="2"),
        Column("listed", "是否上市", c.boolean, "是/否", "yes/no", required=False,
               doc_zh="是否上市", doc_en="listed on a stock exchange", example="否"),
        _money("valuation", "最新估值", "最近一轮投后估值（人民币）",
               "latest post-money valuation in CNY"),
        _date("valuation_on", "估值日期", "估值对应日期", "date of the valuation",
              required=False),
        Column("hnte_certificate_no", "高新技术企业证书编号", c.text(40), "文本", "text",
               required=False, doc_zh="有效的高新技术企业证书编号",
               doc_en="number of the valid HNTE certificate", example="GR202321000123"),
        _date("hnte_certified_on", "高新技术企业认定日期", "高新技术企业证书发证日期",
              "HNTE certificate date", required=False),
        AS_OF,
    ),
    key=("credit_code",), file_key=("credit_code",),
    refs=(Ref("district", "district_id", "district"),
          Ref("park", "park_id", "park")),
    row_checks=(
        _order("founded_on", "hnte_certified_on", "认定日期早于成立日期",
               "certified before the enterprise was founded", "hnte_certified_on"),
        _order("founded_on", "valuation_on", "估值日期早于成立日期",
               "valued before the enterprise was founded", "valuation_on"),
    ),
    doc_en="the registry of tech enterprises",
)  # fmt: skip

ENTERPRISE_YEARS = Kind(
    "enterprise_years", "企业年度数据", models.EnterpriseYear.__table__,
    columns=(
        _credit_code("credit_code", "统一社会信用代码", doc_zh="须为已登记企业",
                     doc_en="must be a registered enterprise"),
        Column("year", "年度", c.year, "年份", "year", doc_zh="会计年度", doc_en="accounting year",
               example="2023"),
        _money("revenue", "销售收入", "主营业务收入与其他业务收入之和",
               "sales revenue (main + other business income)"),
        _money("total_income", "总收入", "收入总额减去不征税收入",
               "total income less non-taxable income"),
        _money("hitech_revenue", "高新技术产品（服务）收入", "高新技术产品（服务）收入，含技术性收入",
               "high-tech product and service revenue, incl. technical income"),
        _money("total_assets", "资产总额", "年末资产总额", "total assets at year end"),
        _money("net_assets", "净资产", "年末资产总额减负债总额", "net assets at year end",
               signed=True),
        Column("employees", "职工总数", c.count, "整数", "integer", required=False,
               doc_zh="在职、兼职和临时聘用人员（全年月平均数）",
               doc_en="full-time, part-time and temporary staff (annual average)", example="120"),
        Column("tech_staff", "科技人员数", c.count, "整数", "integer", required=False,
               doc_zh="直接从事研发和相关技术创新活动的人员（全年月平均数）",
               doc_en="S&T staff (annual average)", example="18",
               aliases=("科技人员",)),
        _money("rd_expense", "研究开发费用", "研究开发费用总额", "total R&D expense"),
        _money("rd_expense_domestic", "境内研究开发费用", "在中国境内发生的研究开发费用",
               "R&D expense incurred in China"),
        _money("exports", "出口额", "出口总额", "exports"),
        _money("profit", "利润总额", "利润总额", "total profit", signed=True),
        AS_OF,
    ),
    key=("enterprise_id", "year"), file_key=("credit_code", "year"),
    refs=(Ref("credit_code", "enterprise_id", "enterprise"),),
    row_checks=(
        _not_more("tech_staff", "employees", "科技人员数大于职工总数",
                  "S&T staff exceed total staff"),
        _not_more("rd_expense_domestic", "rd_expense", "境内研发费用大于研发费用总额",
                  "domestic R&D expense exceeds total R&D expense"),
        _not_more("hitech_revenue", "total_income", "高新技术产品（服务）收入大于总收入",
                  "high-tech revenue exceeds total income"),
        _not_more("net_assets", "total_assets", "净资产大于资产总额",
                  "net assets exceed total assets"),
    ),
    default_as_of=_year_end,
    doc_en="yearly financials, staff and R&D of registered enterprises",
)  # fmt: skip

IP_RIGHTS = Kind(
    "ip_rights", "知识产权", models.IPRight.__table__,
    columns=(
        _choice("kind", "知识产权类型", IPKind),
        Column("number", "编号", c.text(60), "申请号/登记号", "application/registration number",
               doc_zh="专利申请号（含校验位，如 202310123456.6）、软件著作权登记号（如 2023SR0123456）等",
               doc_en="patent application number with check character, software copyright "
               "registration number, …", example="202310123456.6",
               aliases=("申请号", "登记号")),
        Column("title", "名称", c.text(300), "文本", "text", required=False,
               doc_zh="知识产权名称", doc_en="title", example="一种协作机器人关节减速器"),
        _credit_code("owner_code", "权利人统一社会信用代码", doc_zh="权利人，须为已登记企业",
                     doc_en="owner, a registered enterprise"),
        _date("applied_on", "申请日期", "申请日", "application date", required=False,
              example="2023-03-01"),
        _date("granted_on", "授权日期", "授权（登记）日期；未授权留空", "grant date; blank if pending",
              required=False, example="2024-01-12"),
        _choice("acquisition", "获得方式", Acquisition),
        AS_OF,
    ),
    key=("kind", "number"), file_key=("kind", "number"),
    refs=(Ref("owner_code", "enterprise_id", "enterprise"),),
    row_checks=(
        _ip_number,
        _order("applied_on", "granted_on", "授权日期早于申请日期", "granted before applied",
               "granted_on"),
    ),
    doc_en="patents, software copyrights and other IP rights",
)  # fmt: skip

TECH_CONTRACTS = Kind(
    "tech_contracts", "技术合同", models.TechContract.__table__,
    columns=(
        Column("registration_no", "登记编号", c.text(40), "文本", "text",
               doc_zh="技术合同登记编号", doc_en="registration number",
               example="2023210100000123", aliases=("合同登记号",)),
        _choice("contract_type", "合同类别", ContractType),
        _credit_code("seller_code", "卖方统一社会信用代码", required=False,
                     doc_zh="卖方（技术输出方）代码；可为外地单位",
                     doc_en="seller (technology exporter); may be outside the city"),
        Column("seller_name", "卖方名称", c.text(200), "文本", "text", doc_zh="卖方名称",
               doc_en="seller name", example="沈阳新松智能装备有限公司"),
        _credit_code("buyer_code", "买方统一社会信用代码", required=False,
                     doc_zh="买方（技术吸纳方）代码；可为外地单位",
                     doc_en="buyer (technology absorber); may be outside the city"),
        Column("buyer_name", "买方名称", c.text(200), "文本", "text", doc_zh="买方名称",
               doc_en="buyer name", example="鞍钢股份有限公司"),
        _money("contract_amount", "合同成交额", "合同交易总额", "total contract amount",
               required=True),
        _money("tech_amount", "技术交易额", "合同交易总额扣除非技术性费用",
               "contract amount less non-technical costs", required=True),
        _date("signed_on", "签订日期", "合同签订日期", "date signed"),
        _date("registered_on", "登记日期", "认定登记日期", "date registered"),
        AS_OF,
    ),
    key=("registration_no",), file_key=("registration_no",),
    refs=(Ref("seller_code", "seller_enterprise_id", "enterprise", must_exist=False),
          Ref("buyer_code", "buyer_enterprise_id", "enterprise", must_exist=False)),
    row_checks=(
        _not_more("tech_amount", "contract_amount", "技术交易额大于合同成交额",
                  "technology transaction amount exceeds the contract amount"),
        _order("signed_on", "registered_on", "登记日期早于签订日期",
               "registered before it was signed", "registered_on"),
    ),
    default_as_of=lambda row: row.get("registered_on"),
    doc_en="registered technology contracts (技术合同认定登记)",
)  # fmt: skip

PLATFORMS = Kind(
    "platforms", "创新平台", models.Platform.__table__,
    columns=(
        Column("name", "平台名称", c.text(200), "文本", "text", doc_zh="平台全称",
               doc_en="full name", example="机器人学国家重点实验室"),
        _choice("kind", "平台类型", PlatformKind),
        _choice("level", "级别", PlatformLevel),
        _credit_code("host_code", "依托单位统一社会信用代码", required=False,
                     doc_zh="依托单位为已登记企业时填写", doc_en="if the host is a registered enterprise"),
        Column("host_name", "依托单位名称", c.text(200), "文本", "text",
               doc_zh="依托单位（企业、高校或院所）", doc_en="host enterprise, university or institute",
               example="中国科学院沈阳自动化研究所"),
        _district(required=False),
        _date("approved_on", "认定日期", "批准或认定日期", "date approved", required=False),
        AS_OF,
    ),
    key=("name",), file_key=("name",),
    refs=(Ref("host_code", "enterprise_id", "enterprise"),
          Ref("district", "district_id", "district")),
    doc_en="labs, technology centres, pilot bases and other innovation platforms",
)  # fmt: skip

TARGETS = Kind(
    "targets", "目标", models.Target.__table__,
    columns=(
        Column("indicator", "指标", c.text(100), "文本", "text", doc_zh="指标名称",
               doc_en="indicator", example="国家高新技术企业数量"),
        Column("region", "地区", c.text(50), "城市或区县", "city or district",
               doc_zh="城市或已登记区县的名称", doc_en="the city or a registered district",
               example="沈阳市"),
        Column("year", "年度", c.target_year, "年份", "year", doc_zh="目标年度",
               doc_en="target year", example="2024"),
        Column("value", "目标值", c.quantity, "数值", "number", doc_zh="目标值（区间时为下限）",
               doc_en="target (lower bound of a range)", example="5000"),
        Column("value_max", "目标上限", c.quantity, "数值", "number", required=False,
               doc_zh="目标为区间时的上限", doc_en="upper bound when the target is a range",
               example="6"),
        Column("unit", "单位", c.text(20), "文本", "text", doc_zh="单位", doc_en="unit",
               example="家"),
        AS_OF,
    ),
    key=("indicator", "region", "year"), file_key=("indicator", "region", "year"),
    refs=(Ref("region", None, "region"),),
    row_checks=(
        _not_more("value", "value_max", "目标值大于目标上限", "target exceeds its upper bound"),
    ),
    default_as_of=_year_end,
    doc_en="annual targets by indicator, for the city or a district",
)  # fmt: skip

KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (DISTRICTS, PARKS, ENTERPRISES, ENTERPRISE_YEARS, IP_RIGHTS, TECH_CONTRACTS,
                 PLATFORMS, TARGETS)
}
