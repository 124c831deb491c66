"""The fields of a chain file, declared once for the YAML files, the .xlsx sheets and the docs.

Each field is an ``ingest.columns.Column`` (English name, Chinese header, parser, guide
text), so the .xlsx sheets bind their headers with the registry imports' own header
matcher, in Chinese or English. A parser takes the raw value (a YAML scalar or list, or an
Excel cell) and returns the stored value or raises ``InvalidValue`` in both languages.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from decimal import Decimal

from ..domain import values
from ..domain.credit_code import parse_credit_code
from ..domain.errors import InvalidValue
from ..domain.industry import parse_industry_code
from ..domain.text import to_halfwidth
from ..ingest.columns import Column
from .problems import Origin, Problems
from .vocab import (
    Capability,
    DomesticStatus,
    NodeKind,
    ProblemClass,
    Segment,
    TechControl,
)

CHAIN_KEY = re.compile(r"[a-z][a-z0-9_-]{0,39}")
# Node keys may be Chinese: a bureau drawing its own chain names nodes in its own words.
NODE_KEY = re.compile(r"[^\s,;，；、]{1,60}")
LIST_SEPARATORS = re.compile(r"[;；、\n]+")
MAX_LIST_ITEM = 200


def _key(pattern: re.Pattern, code: str, zh: str, en: str):
    def parse(raw, _scale=None) -> str:
        text = to_halfwidth(str(raw)).strip()
        if not pattern.fullmatch(text):
            raise InvalidValue(code, zh.format(text), en.format(text))
        return text

    return parse


_chain_key = _key(
    CHAIN_KEY,
    "chain_key",
    "产业链代号“{}”格式不正确：应为小写英文字母开头的字母、数字、_ 或 -，最多40个字符，如 robot",
    "chain key '{}' is malformed: lower-case letters, digits, _ or -, starting with a letter, "
    "at most 40 characters, e.g. robot",
)
_node_key = _key(
    NODE_KEY,
    "node_key",
    "节点代号“{}”格式不正确：不能含空格或分隔符（，；、），最多60个字符",
    "node key '{}' is malformed: no spaces or separators (, ; 、), at most 60 characters",
)


def _text(max_length: int):
    return lambda raw, _scale=None: values.parse_text(raw, max_length=max_length)


def text_list(raw) -> list[str]:
    """A YAML list, or a cell with items separated by ；、 or new lines."""
    if isinstance(raw, str):
        items: Iterable = LIST_SEPARATORS.split(raw)
    elif isinstance(raw, list | tuple):
        items = raw
    else:
        items = [raw]
    out: list[str] = []
    for item in items:
        if isinstance(item, dict | list | tuple):
            raise InvalidValue("list_item", "列表项应为文字", "a list item must be text")
        if values.is_blank(item):
            continue
        text = values.parse_text(item, max_length=MAX_LIST_ITEM)
        if text not in out:
            out.append(text)
    return out


def _list(raw, _scale=None) -> list[str]:
    return text_list(raw)


def _industry_codes(raw, _scale=None) -> list[str]:
    return [parse_industry_code(code) for code in text_list(raw)]


def _choice(enum):
    return lambda raw, _scale=None: enum.parse(str(raw))


def _ratio(raw, _scale=None) -> Decimal:
    return values.parse_ratio(raw)


CONTROL_VALUES = {
    TechControl.CONTROLLED: Decimal(1),
    TechControl.PARTLY: Decimal("0.5"),
    TechControl.OWN: Decimal(0),
}


def _control(raw, _scale=None) -> Decimal:
    """受制于人 / 部分受制 / 自主可控, or a share from 0 (our own) to 1 (controlled by others)."""
    if isinstance(raw, str):
        try:
            return CONTROL_VALUES[TechControl.parse(raw)]
        except InvalidValue:
            pass
    try:
        return values.parse_ratio(raw)
    except InvalidValue:
        raise InvalidValue(
            "control",
            f"“{raw}”不是受制程度：请填 受制于人、部分受制、自主可控，或0到1之间的数",
            f"'{raw}' is not a degree of control: use controlled, partly, own, or a number "
            "from 0 to 1",
        ) from None


def control_label(value: Decimal | None) -> str | Decimal | None:
    """The label of a control value when it has one (for exports), else the number."""
    for label, number in CONTROL_VALUES.items():
        if value == number:
            return label.zh
    return value


def _maturity(raw, _scale=None) -> int:
    level = values.parse_count(raw)
    if not 1 <= level <= 9:
        raise InvalidValue(
            "maturity",
            f"技术成熟度应为1–9级（TRL）：{raw}",
            f"the maturity is a technology readiness level from 1 to 9: {raw}",
        )
    return level


def _capability(raw, _scale=None) -> int:
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    return Capability.parse(str(raw)).level


def _bool(raw, _scale=None) -> bool:
    return values.parse_bool(raw)


def _date(raw, _scale=None):
    return values.parse_date(raw)


def _credit_code(raw, _scale=None) -> str:
    return parse_credit_code(str(raw)).value


def _field(
    name,
    zh,
    parse,
    type_zh,
    type_en,
    *,
    required=False,
    doc_zh="",
    doc_en="",
    example="",
    aliases=(),
) -> Column:
    return Column(
        name,
        zh,
        parse,
        type_zh,
        type_en,
        required=required,
        doc_zh=doc_zh,
        doc_en=doc_en,
        example=example,
        aliases=tuple(aliases),
    )


def _options(enum) -> tuple[str, str]:
    return (
        "可选：" + "、".join(m.zh for m in enum),
        "one of: " + ", ".join(m.value if m.value.isascii() else m.aliases[0] for m in enum),
    )


_ILLUSTRATIVE = _field(
    "illustrative",
    "示意",
    _bool,
    "是/否",
    "yes/no",
    doc_zh="是：据公开资料整理的示意数据，待主管部门确认；留空按“是”处理",
    doc_en="yes: illustrative, written from public sources and not yet confirmed by a bureau; "
    "blank counts as yes",
    example="是",
)
_NOTE = _field("note", "备注", _text(2000), "文字", "text", doc_zh="说明", doc_en="remarks")

CHAIN_FIELDS = (
    _field(
        "key",
        "代号",
        _chain_key,
        "代号",
        "key",
        required=True,
        doc_zh="产业链代号：小写英文字母、数字、_、-",
        doc_en="short slug of the chain",
        example="robot",
    ),
    _field(
        "name",
        "名称",
        _text(100),
        "文字",
        "text",
        required=True,
        doc_zh="产业链名称",
        doc_en="name of the chain",
        example="机器人",
    ),
    _field(
        "name_en",
        "英文名称",
        _text(200),
        "文字",
        "text",
        doc_zh="英文名称",
        doc_en="English name",
        example="Robotics",
    ),
    _field(
        "description",
        "说明",
        _text(4000),
        "文字",
        "text",
        doc_zh="图谱说明",
        doc_en="what the map covers",
    ),
    _field(
        "as_of",
        "数据日期",
        _date,
        "日期",
        "date",
        doc_zh="图谱所描述的日期；留空时导入需指定 --as-of",
        doc_en="the date the map describes; if blank, pass --as-of on import",
        example="2023-08-31",
        aliases=("as-of",),
    ),
    _field(
        "source",
        "来源",
        _text(500),
        "文字",
        "text",
        doc_zh="资料来源",
        doc_en="where the map comes from",
    ),
)

_SEGMENTS = _options(Segment)
_KINDS = _options(NodeKind)
_CLASSES = _options(ProblemClass)
_STATUSES = _options(DomesticStatus)
_CAPABILITIES = _options(Capability)

NODE_FIELDS = (
    _field(
        "key",
        "节点代号",
        _node_key,
        "代号",
        "key",
        required=True,
        doc_zh="节点代号，链内唯一；连接、技术、企业工作表用它指代节点",
        doc_en="node key, unique in the chain; the other sheets name nodes by it",
        example="rv_reducer",
    ),
    _field(
        "name",
        "节点名称",
        _text(100),
        "文字",
        "text",
        required=True,
        doc_zh="产品、部件、材料、装备或软件名称",
        doc_en="name of the product, part, material, equipment or software",
        example="RV减速器",
    ),
    _field(
        "segment",
        "环节",
        _choice(Segment),
        "可选值",
        "choice",
        required=True,
        doc_zh=_SEGMENTS[0],
        doc_en=_SEGMENTS[1],
        example="上游",
    ),
    _field(
        "kind",
        "类型",
        _choice(NodeKind),
        "可选值",
        "choice",
        required=True,
        doc_zh=_KINDS[0],
        doc_en=_KINDS[1],
        example="零部件",
    ),
    _field(
        "name_en",
        "英文名称",
        _text(200),
        "文字",
        "text",
        doc_zh="英文名称",
        doc_en="English name",
        example="RV reducer",
    ),
    _field(
        "problem_class",
        "问题类别",
        _choice(ProblemClass),
        "可选值",
        "choice",
        doc_zh=_CLASSES[0]
        + "；留空按类型推定（装备/产品→整机，零部件→零部件，材料→材料，软件→软件）",
        doc_en=_CLASSES[1] + "; blank: from the kind",
        example="零部件",
    ),
    _field(
        "domestic_status",
        "国内供给状态",
        _choice(DomesticStatus),
        "可选值",
        "choice",
        doc_zh=_STATUSES[0] + "；留空表示未知",
        doc_en=_STATUSES[1] + "; blank: unknown",
        example="部分自主",
    ),
    _field(
        "import_dependence",
        "进口依赖度",
        _ratio,
        "比例",
        "ratio",
        doc_zh="国内需求中进口所占比例，0–1 或百分数；留空表示未知",
        doc_en="share of demand met by imports, 0–1 or a percentage; blank: unknown",
        example="70%",
    ),
    _field(
        "foreign_suppliers",
        "主要国外供应商",
        _list,
        "列表",
        "list",
        doc_zh="用“；”或“、”分隔",
        doc_en="separated by ； or 、",
        example="纳博特斯克（日本）；住友（日本）",
    ),
    _field(
        "domestic_suppliers",
        "国内其他地区供应商",
        _list,
        "列表",
        "list",
        doc_zh="本市以外具备能力的国内企业，用于判断“带土移植”",
        doc_en="capable Chinese firms outside the city (for 带土移植)",
        example="双环传动",
    ),
    _field(
        "keywords",
        "企业匹配关键词",
        _list,
        "列表",
        "list",
        doc_zh="企业名称中出现这些词即关联到本节点；也用于匹配专利、平台",
        doc_en="an enterprise whose name contains one of these words is linked to the node; "
        "also matches patents and platforms",
        example="减速器；精密传动",
    ),
    _field(
        "industry_codes",
        "行业代码",
        _industry_codes,
        "行业代码列表",
        "industry codes",
        doc_zh="GB/T 4754-2017 代码（前缀匹配），企业行业代码以其开头即关联",
        doc_en="GB/T 4754-2017 codes (prefixes); an enterprise whose code starts with one is linked",
        example="C3453",
    ),
    _field(
        "platforms",
        "相关创新平台",
        _list,
        "列表",
        "list",
        doc_zh="明确相关的创新平台名称",
        doc_en="innovation platforms named explicitly",
    ),
    _ILLUSTRATIVE,
    _field("source", "来源", _text(500), "文字", "text", doc_zh="资料来源", doc_en="source"),
    _NOTE,
)

_NODE_REF = _field(
    "node",
    "节点代号",
    _node_key,
    "代号",
    "key",
    required=True,
    doc_zh="所属节点的代号（见“节点”工作表）",
    doc_en="key of the node (nodes sheet)",
    example="rv_reducer",
)

EDGE_FIELDS = (
    _field(
        "source",
        "上游节点",
        _node_key,
        "代号",
        "key",
        required=True,
        doc_zh="作为投入的节点代号",
        doc_en="key of the node that is an input",
        example="rv_reducer",
        aliases=("from", "投入节点"),
    ),
    _field(
        "target",
        "下游节点",
        _node_key,
        "代号",
        "key",
        required=True,
        doc_zh="使用该投入的节点代号",
        doc_en="key of the node it is an input to",
        example="industrial_robot",
        aliases=("to", "用于节点"),
    ),
)

TECHNOLOGY_FIELDS = (
    _NODE_REF,
    _field(
        "name",
        "关键技术",
        _text(200),
        "文字",
        "text",
        required=True,
        doc_zh="关键技术名称",
        doc_en="name of the key technology",
        example="摆线轮精密磨削",
    ),
    _field(
        "name_en", "英文名称", _text(300), "文字", "text", doc_zh="英文名称", doc_en="English name"
    ),
    _field(
        "control",
        "受制程度",
        _control,
        "可选值或比例",
        "choice or ratio",
        doc_zh="受制于人、部分受制、自主可控，或0（自主）到1（受制）；留空表示未知",
        doc_en="controlled, partly or own, or 0 (own) to 1 (controlled by others); blank: unknown",
        example="受制于人",
    ),
    _field(
        "maturity",
        "技术成熟度",
        _maturity,
        "1–9",
        "1–9",
        doc_zh="技术成熟度等级TRL 1–9；留空表示未知",
        doc_en="technology readiness level 1–9; blank: unknown",
        example="6",
        aliases=("TRL",),
    ),
    _ILLUSTRATIVE,
    _NOTE,
)

LINK_FIELDS = (
    _NODE_REF,
    _field(
        "enterprise_name",
        "企业名称",
        _text(200),
        "文字",
        "text",
        required=True,
        doc_zh="本地企业名称",
        doc_en="name of the local enterprise",
        example="沈阳新松机器人自动化股份有限公司",
    ),
    _field(
        "credit_code",
        "统一社会信用代码",
        _credit_code,
        "统一社会信用代码",
        "credit code",
        doc_zh="填写时须已在企业名录中；留空则按名称关联",
        doc_en="if given, the enterprise must be in the registry; if blank, linked by name",
        example="91210112MA0XK1WQ4J",
    ),
    _field(
        "capability",
        "能力等级",
        _capability,
        "可选值",
        "choice",
        doc_zh=_CAPABILITIES[0] + "（1–4）；留空表示未知",
        doc_en="1 basic, 2 capable, 3 strong, 4 leading; blank: unknown",
        example="领先",
    ),
    _field(
        "role",
        "角色",
        _text(40),
        "文字",
        "text",
        doc_zh="如 龙头、配套、研发",
        doc_en="e.g. leader, supplier, R&D",
        example="龙头",
    ),
    _ILLUSTRATIVE,
    _NOTE,
)


def parse_fields(
    columns: tuple[Column, ...],
    raw: dict,
    origin: Origin | Callable[[str], Origin],
    problems: Problems,
    header_of: dict[str, str] | None = None,
) -> dict | None:
    """Parse the fields of one record; report each bad or missing one; None if any failed.

    ``raw`` maps field names to raw values (absent or blank: unknown); ``origin`` is where
    the record was read, or gives where each field was; ``header_of`` gives the header as
    the file wrote it, for the error messages.
    """
    header_of = header_of or {}
    origin_of = origin if callable(origin) else (lambda _name: origin)
    parsed: dict = {}
    failed = False
    for column in columns:
        value = raw.get(column.name)
        label = header_of.get(column.name, column.name)
        origin = origin_of(column.name)
        if values.is_blank(value) or (isinstance(value, list | tuple) and not value):
            if column.required:
                problems.add(
                    origin,
                    label,
                    None,
                    f"必填项“{column.zh}”为空",
                    f"required field '{column.name}' is blank",
                    "required",
                )
                failed = True
            parsed[column.name] = None
            continue
        try:
            parsed[column.name] = column.parse(value, None)
        except InvalidValue as error:
            problems.add_error(origin, label, value, error)
            failed = True
    return None if failed else parsed
