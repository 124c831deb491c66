"""The closed vocabularies of chain maps: segments, node kinds, problem classes, supply status,
technology control, capability levels and the five ways to tackle a chokepoint.

Segments, problem classes and modes are stored as their Chinese terms (they are the terms of
the 325 method itself: 上游, 整机, 揭榜挂帅 …); the other vocabularies as short English
identifiers, like the registry's. Every one is read from either form.
"""

from __future__ import annotations

from ..domain.enums import LabelledEnum


class Segment(LabelledEnum):
    """Where a node sits along the chain, from raw materials to end products."""

    UPSTREAM = "上游", "上游", "upstream", "up"
    MIDSTREAM = "中游", "中游", "midstream", "mid"
    DOWNSTREAM = "下游", "下游", "downstream", "down"

    @property
    def en(self) -> str:
        return self.aliases[0]

    @property
    def order(self) -> int:
        return list(Segment).index(self)


class NodeKind(LabelledEnum):
    MATERIAL = "material", "材料", "原材料"
    COMPONENT = "component", "零部件", "部件", "元器件"
    EQUIPMENT = "equipment", "装备", "设备", "整机装备"
    SOFTWARE = "software", "软件", "工业软件"
    PRODUCT = "product", "产品", "终端产品", "系统"


class ProblemClass(LabelledEnum):
    """What a 问题清单 entry is: 整机 (whole machines), 零部件 (parts), 元器件 (components) …"""

    WHOLE_MACHINE = "整机", "整机", "whole_machine", "whole machine"
    PART = "零部件", "零部件", "part", "parts", "部件", "附件"
    DEVICE = "元器件", "元器件", "device", "electronic component"
    MATERIAL = "材料", "材料", "material"
    SOFTWARE = "软件", "软件", "software"

    @property
    def en(self) -> str:
        return self.aliases[0]


# The problem class a node gets when its file does not say.
DEFAULT_PROBLEM_CLASS = {
    NodeKind.MATERIAL: ProblemClass.MATERIAL,
    NodeKind.COMPONENT: ProblemClass.PART,
    NodeKind.EQUIPMENT: ProblemClass.WHOLE_MACHINE,
    NodeKind.SOFTWARE: ProblemClass.SOFTWARE,
    NodeKind.PRODUCT: ProblemClass.WHOLE_MACHINE,
}


class DomesticStatus(LabelledEnum):
    """How far Chinese suppliers cover the node (国内供给状态); scored in analysis.yaml."""

    SELF_SUFFICIENT = "self_sufficient", "自主可控", "国内可控"
    MOSTLY = "mostly", "基本自主", "国产为主"
    PARTIAL = "partial", "部分自主", "部分国产"
    IMPORT_DEPENDENT = "import_dependent", "依赖进口", "进口为主"
    ABSENT = "absent", "国内空白", "空白"


class TechControl(LabelledEnum):
    """How far a key technology is controlled by others (技术受制于人); scored in analysis.yaml."""

    CONTROLLED = "controlled", "受制于人", "受制", "卡脖子"
    PARTLY = "partly", "部分受制", "部分"
    OWN = "own", "自主可控", "自主"


class Capability(LabelledEnum):
    """An enterprise's capability at a node, 1–4 (stored as the number)."""

    BASIC = "1", "初步", "起步", "basic"
    CAPABLE = "2", "一般", "配套", "capable", "moderate"
    STRONG = "3", "较强", "骨干", "strong"
    LEADING = "4", "领先", "龙头", "leading", "leader"

    @property
    def level(self) -> int:
        return int(self.value)

    @property
    def en(self) -> str:
        return self.aliases[-1]

    @classmethod
    def of(cls, level: int) -> Capability:
        return next(member for member in cls if member.level == level)


class Mode(LabelledEnum):
    """The five ways to tackle a chokepoint (抓实5项举措)."""

    OWN_RD = "自主研发", "自主研发", "own_rd", "in-house R&D"
    JOINT = "联合攻关", "联合攻关", "joint", "joint research"
    CHALLENGE = "揭榜挂帅", "揭榜挂帅", "open_challenge", "open challenge"
    TRANSPLANT = "带土移植", "带土移植", "transplant", "transplant with team"
    BASIC_RESEARCH = "基础研究", "基础研究", "basic_research", "basic research"

    @property
    def en(self) -> str:
        return self.aliases[1]
