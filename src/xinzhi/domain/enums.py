"""Closed vocabularies of the registry, each with its Chinese label.

Values are short English identifiers stored in the database; imports accept either the
identifier or the Chinese label (see ``parse``).
"""

from __future__ import annotations

import enum

from .errors import InvalidValue
from .text import to_halfwidth


class LabelledEnum(str, enum.Enum):
    """A string enum whose members carry a Chinese label (``zh``) and accepted aliases."""

    zh: str
    aliases: tuple[str, ...]

    def __new__(cls, value: str, zh: str, *aliases: str):
        member = str.__new__(cls, value)
        member._value_ = value
        member.zh = zh
        member.aliases = aliases
        return member

    @classmethod
    def parse(cls, raw: str):
        """Accept the identifier, the Chinese label or an alias; raise ``InvalidValue`` otherwise."""
        text = raw.strip()
        for member in cls:
            if text == member.value or text == member.zh or text in member.aliases:
                return member
        allowed = "、".join(m.zh for m in cls)
        allowed_en = ", ".join(m.value for m in cls)
        raise InvalidValue(
            "unknown_choice",
            f"“{text}”不是可选值；可选：{allowed}",
            f"'{text}' is not one of: {allowed_en}",
        )


class IPKind(LabelledEnum):
    """Kinds of intellectual property recorded in the registry."""

    INVENTION_PATENT = "invention_patent", "发明专利", "发明"
    UTILITY_MODEL = "utility_model", "实用新型专利", "实用新型"
    DESIGN_PATENT = "design_patent", "外观设计专利", "外观设计"
    SOFTWARE_COPYRIGHT = "software_copyright", "软件著作权", "计算机软件著作权", "软著"
    IC_LAYOUT = "ic_layout", "集成电路布图设计专有权", "集成电路布图设计"
    PLANT_VARIETY = "plant_variety", "植物新品种"
    NATIONAL_CROP_VARIETY = "national_crop_variety", "国家级农作物品种"
    NEW_DRUG = "new_drug", "国家新药", "新药"
    PROTECTED_TCM = "protected_tcm", "国家一级中药保护品种"
    DEFENCE_PATENT = "defence_patent", "国防专利"

    @property
    def ip_class(self) -> int:
        """Class I or II for HNTE / tech-SME scoring (RULES.md §0 C5 ✅ [S5, S2b])."""
        return 2 if self in _CLASS_II else 1

    @property
    def is_patent(self) -> bool:
        return self in (IPKind.INVENTION_PATENT, IPKind.UTILITY_MODEL, IPKind.DESIGN_PATENT)


_CLASS_II = {IPKind.UTILITY_MODEL, IPKind.DESIGN_PATENT, IPKind.SOFTWARE_COPYRIGHT}


class Acquisition(LabelledEnum):
    """How an IP right was obtained (HNTE 知识产权获得方式, RULES.md §1.4.1 item 4)."""

    OWN = "own", "自主研发", "自主", "原始取得"
    TRANSFER = "transfer", "受让", "转让"
    GIFT = "gift", "受赠"
    MERGER = "merger", "并购"
    LICENCE = "licence", "许可", "独占许可"


class ContractType(LabelledEnum):
    """技术合同 categories (RULES.md §6.2 ✅ [S23]); 许可 split out of 转让 by the Civil Code in 2021."""

    DEVELOPMENT = "development", "技术开发"
    TRANSFER = "transfer", "技术转让"
    LICENCE = "licence", "技术许可"
    CONSULTING = "consulting", "技术咨询"
    SERVICE = "service", "技术服务"


class PlatformLevel(LabelledEnum):
    NATIONAL = "national", "国家级"
    PROVINCIAL = "provincial", "省级"
    MUNICIPAL = "municipal", "市级"


class PlatformKind(LabelledEnum):
    """Innovation platforms named in the seeds and in bureau statistics."""

    STATE_KEY_LAB = "state_key_lab", "全国重点实验室", "国家重点实验室"
    KEY_LAB = "key_lab", "重点实验室"
    ENTERPRISE_TECH_CENTRE = "enterprise_tech_centre", "企业技术中心"
    ENGINEERING_CENTRE = "engineering_centre", "工程技术研究中心"
    PILOT_BASE = "pilot_base", "中试基地", "科技成果转化中试基地"
    NEW_RD_INSTITUTE = "new_rd_institute", "新型研发机构"
    INCUBATOR = "incubator", "科技企业孵化器", "孵化器"
    MAKERSPACE = "makerspace", "众创空间"
    TECH_TRANSFER_ORG = "tech_transfer_org", "技术转移机构"
    COMPUTE_CENTRE = "compute_centre", "算力中心", "人工智能计算中心"
    OTHER = "other", "其他"


class DistrictKind(LabelledEnum):
    DISTRICT = "district", "市辖区", "区"
    COUNTY = "county", "县"
    COUNTY_CITY = "county_city", "县级市"


class ParkLevel(LabelledEnum):
    NATIONAL = "national", "国家级"
    PROVINCIAL = "provincial", "省级"
    MUNICIPAL = "municipal", "市级"


class HnteField(LabelledEnum):
    """First-level fields of 《国家重点支持的高新技术领域》 (2016), RULES.md §1.7 ❓.

    HNTE condition 3 (§1.2): the technology behind the main products lies in one of them.
    Stored as the field's number "1"…"8"; imports also take the Chinese numeral or the name.
    """

    ELECTRONIC_INFORMATION = "1", "电子信息", "一"
    BIOLOGY_AND_MEDICINE = "2", "生物与新医药", "二"
    AEROSPACE = "3", "航空航天", "三"
    NEW_MATERIALS = "4", "新材料", "四"
    HIGH_TECH_SERVICES = "5", "高技术服务", "五"
    NEW_ENERGY_AND_EFFICIENCY = "6", "新能源与节能", "六"
    RESOURCES_AND_ENVIRONMENT = "7", "资源与环境", "七"
    ADVANCED_MANUFACTURING = "8", "先进制造与自动化", "八"

    @classmethod
    def parse(cls, raw: str):
        """Also takes full-width digits ("３") and a trailing 领域 ("新材料领域")."""
        return super().parse(to_halfwidth(raw).strip().removesuffix("领域"))


class TaxCollection(LabelledEnum):
    """How enterprise income tax is collected; the 2022 tech-SME guideline requires 查账征收
    (RULES.md §2.2 condition 1 ✅ [S11])."""

    AUDIT = "audit", "查账征收", "查账"
    DEEMED = "deemed", "核定征收", "核定"


class IncidentKind(LabelledEnum):
    """Serious incidents and listings that bar an assessment (RULES.md §1.2 condition 8 for
    HNTE: the first three; §2.2 condition 4 for tech SMEs: all, 严重弄虚作假 since 2022)."""

    SAFETY = "safety", "重大安全事故"
    QUALITY = "quality", "重大质量事故"
    ENVIRONMENT = "environment", "严重环境违法行为", "严重环境违法"
    RESEARCH_MISCONDUCT = "research_misconduct", "科研严重失信行为", "科研严重失信"
    ABNORMAL_OPERATION = "abnormal_operation", "列入经营异常名录", "经营异常名录", "经营异常"
    SERIOUS_VIOLATION = (
        "serious_violation",
        "列入严重违法失信企业名单",
        "严重违法失信企业名单",
        "严重违法失信",
    )
    FRAUD = "fraud", "严重弄虚作假", "弄虚作假"


class StandardLevel(LabelledEnum):
    """Levels of standards (标准化法): HNTE bonus item §1.4.1 (5), tech-SME route §2.4 (4)."""

    INTERNATIONAL = "international", "国际标准"
    NATIONAL = "national", "国家标准"
    INDUSTRY = "industry", "行业标准"
    LOCAL = "local", "地方标准"
    GROUP = "group", "团体标准"


class StandardRole(LabelledEnum):
    """The enterprise's part in drafting a standard: 主导制定 (tech-SME route §2.4 (4)) or
    参与编制 (HNTE bonus §1.4.1 (5))."""

    LEAD = "lead", "主导制定", "主导", "牵头制定", "牵头"
    PARTICIPANT = "participant", "参与编制", "参与", "参与制定", "参编"


class AwardLevel(LabelledEnum):
    """Level of a science and technology award (tech-SME route §2.4 (2): national, top 3)."""

    NATIONAL = "national", "国家级"
    PROVINCIAL = "provincial", "省级", "省部级"
    MUNICIPAL = "municipal", "市级"


class ReviewSource(LabelledEnum):
    """Who scored the expert-judged HNTE innovation items (RULES.md §1.4.1 (1)(2), §1.4.3)."""

    SELF = "self", "自评", "企业自评"
    EXPERT = "expert", "专家评审", "专家"
