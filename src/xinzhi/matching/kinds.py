"""The three lists a bureau imports for matchmaking: experts, research results, demands.

Declared with the registry imports' own ``Column`` and ``Kind`` types, so headers are bound
by the same matcher (Chinese or English, money units) and templates and docs are written
from these declarations.
"""

from __future__ import annotations

import re

from ..domain import values
from ..domain.errors import InvalidValue
from ..domain.patent import parse_patent_application_number
from ..domain.text import normalise_code, to_halfwidth
from ..ingest import columns as c
from ..ingest.columns import Column
from ..ingest.kinds import AS_OF, Kind
from ..store.models.matching import Expert, ResearchResult, TechnicalDemand
from .fields import Field, parse_field, parse_field_list

LIST_SEPARATORS = re.compile(r"[;；,，、\s]+")
_CODE = re.compile(r"[0-9A-Z][0-9A-Z_.\-/]{0,39}")
_TRL = re.compile(r"(?:TRL)?\s*(\d{1,2})\s*级?", re.IGNORECASE)


def parse_code(raw, _scale=None) -> str:
    """A record code (专家编号 / 成果编号 / 需求编号): letters, digits, - _ . /, at most 40."""
    text = normalise_code(str(raw))
    if not _CODE.fullmatch(text):
        raise InvalidValue(
            "code_format",
            f"编号“{text}”格式不正确：应为字母、数字和 - _ . /，以字母或数字开头，最多40个字符",
            f"code '{text}' is malformed: letters, digits and - _ . /, starting with a letter or "
            "digit, at most 40 characters",
        )
    return text


def parse_trl(raw, _scale=None) -> int:
    """技术成熟度 1–9 (TRL, GB/T 22900-2009): "6", "TRL6", "TRL 6", "6级"."""
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    match = _TRL.fullmatch(to_halfwidth(str(raw)).strip())
    level = int(match[1]) if match else None
    if level is None or not 1 <= level <= 9:
        raise InvalidValue(
            "trl",
            f"技术成熟度应为1–9级（TRL），如 6 或 TRL6：{raw}",
            f"the maturity is a technology readiness level from 1 to 9, e.g. 6 or TRL6: {raw}",
        )
    return level


# Patent numbers are often written in groups ("ZL 2023 1012 3456.6"): spaces do not separate.
PATENT_SEPARATORS = re.compile(r"[;；,，、\n]+")


def _split(raw, separators: re.Pattern = LIST_SEPARATORS) -> list[str]:
    parts = separators.split(to_halfwidth(str(raw)).strip())
    return [part.strip() for part in parts if part.strip()]


def parse_code_list(raw, _scale=None) -> list[str]:
    return list(dict.fromkeys(parse_code(part) for part in _split(raw)))


def parse_patent_list(raw, _scale=None) -> list[str]:
    """Patent application numbers, each checked (format, check character, year, type)."""
    numbers = _split(raw, PATENT_SEPARATORS)
    return list(dict.fromkeys(parse_patent_application_number(p).number for p in numbers))


def _deadline(raw, _scale=None):
    return values.parse_date(raw, allow_future=True)


def _text(name, zh, limit, doc_zh, doc_en, example, *, required=True, aliases=()) -> Column:
    return Column(
        name,
        zh,
        c.text(limit),
        "文本",
        "text",
        required=required,
        doc_zh=doc_zh,
        doc_en=doc_en,
        example=example,
        aliases=aliases,
    )


def _code(zh: str, doc_zh: str, doc_en: str, example: str, aliases=()) -> Column:
    return Column(
        "code",
        zh,
        parse_code,
        "编号",
        "code",
        doc_zh=doc_zh,
        doc_en=doc_en,
        example=example,
        aliases=aliases,
    )


_FIELDS_DOC = "、".join(f.zh for f in Field)

FIELD = Column(
    "field",
    "技术领域",
    parse_field,
    "可选值",
    "choice",
    doc_zh=f"可选：{_FIELDS_DOC}",
    doc_en="one of: " + ", ".join(f.value for f in Field),
    example="机器人",
    aliases=("领域",),
)

DISTRICT = Column(
    "district",
    "所在区县",
    c.text(50),
    "区县名称或代码",
    "district name or code",
    required=False,
    doc_zh="已登记的区县名称或6位区划代码（用于就近匹配）",
    doc_en="a registered district's name or 6-digit code (for nearby matches)",
    example="浑南区",
    aliases=("区县", "所属区县"),
)

CHAIN_NODE = Column(
    "chain_node",
    "产业链节点",
    c.text(120),
    "链代号/节点代号",
    "chain key/node key",
    required=False,
    doc_zh="产业链节点，写作“链代号/节点代号”或唯一的节点名称",
    doc_en="a chain node, as 'chain_key/node_key' or a node name that is unique",
    example="robot/reducer",
    aliases=("链节点", "节点"),
)

EXPERTS = Kind(
    "experts",
    "专家",
    Expert.__table__,
    columns=(
        _code(
            "专家编号", "人才清单中的专家编号", "the expert's number in the talent list", "EXP-0001"
        ),
        _text("name", "姓名", 100, "专家姓名", "name", "王立新"),
        _text(
            "institution",
            "所在单位",
            200,
            "高校、院所或企业",
            "university, institute or firm",
            "中国科学院沈阳自动化研究所",
            aliases=("单位",),
        ),
        _text("title", "职称", 50, "如 研究员、教授", "e.g. professor", "研究员", required=False),
        Column(
            "fields",
            "研究领域",
            parse_field_list,
            "一个或多个领域",
            "one or more fields",
            doc_zh=f"用、或；分隔；可选：{_FIELDS_DOC}",
            doc_en="separated by 、 or ;, each one of the technology fields",
            example="机器人、人工智能",
            aliases=("技术领域",),
        ),
        DISTRICT,
        AS_OF,
    ),
    key=("code",),
    file_key=("code",),
    doc_en="experts on the talent list (their results link to them)",
)

RESULTS = Kind(
    "results",
    "科技成果",
    ResearchResult.__table__,
    columns=(
        _code("成果编号", "成果清单中的编号", "the result's number in the list", "R-2023-0001"),
        _text("title", "成果名称", 200, "成果名称", "title", "高精度谐波减速器", aliases=("名称",)),
        _text(
            "abstract",
            "成果简介",
            4000,
            "技术内容、指标和应用场景",
            "what it is, its performance and uses",
            "采用新型双圆弧齿形，传动精度≤30弧秒，寿命≥10000小时……",
            aliases=("简介", "摘要", "成果摘要"),
        ),
        FIELD,
        Column(
            "trl",
            "技术成熟度",
            parse_trl,
            "1–9级",
            "TRL 1–9",
            doc_zh="技术就绪水平（GB/T 22900-2009），1 原理 … 9 批量应用，可写 6 或 TRL6",
            doc_en="technology readiness level 1 (principle) … 9 (in volume use)",
            example="6",
            aliases=("成熟度", "TRL"),
        ),
        _text(
            "institution",
            "所属单位",
            200,
            "成果权属单位",
            "institution that owns the result",
            "东北大学",
            aliases=("成果单位", "完成单位"),
        ),
        Column(
            "institution_code",
            "所属单位统一社会信用代码",
            None,
            "统一社会信用代码",
            "credit code (GB 32100)",
            required=False,
            doc_zh="所属单位的18位统一社会信用代码（可空）",
            doc_en="the institution's credit code; optional",
            example="12100000400000624D",
        ),
        DISTRICT,
        Column(
            "experts",
            "完成专家",
            parse_code_list,
            "专家编号列表",
            "expert codes",
            required=False,
            doc_zh="专家编号，用、或；分隔；须已导入专家",
            doc_en="expert codes separated by 、 or ;; import the experts first",
            example="EXP-0001、EXP-0002",
            aliases=("专家编号",),
        ),
        Column(
            "patents",
            "相关专利",
            parse_patent_list,
            "专利申请号列表",
            "patent numbers",
            required=False,
            doc_zh="专利申请号（含校验位），用、或；分隔",
            doc_en="patent application numbers with check character, separated by 、 or ;",
            example="202310123456.6",
            aliases=("专利号", "相关专利申请号"),
        ),
        CHAIN_NODE,
        AS_OF,
    ),
    key=("code",),
    file_key=("code",),
    doc_en="research results offered for transfer (the scientists' list)",
)

DEMANDS = Kind(
    "demands",
    "技术需求",
    TechnicalDemand.__table__,
    columns=(
        _code("需求编号", "需求清单中的编号", "the demand's number in the list", "D-2023-0001"),
        Column(
            "enterprise_code",
            "企业统一社会信用代码",
            None,
            "统一社会信用代码",
            "credit code (GB 32100)",
            doc_zh="提出需求的企业，须为已登记企业",
            doc_en="the enterprise raising it; must be registered",
            example="91210112MA0XK1WQ4J",
            aliases=("统一社会信用代码", "credit_code"),
        ),
        _text(
            "title",
            "需求名称",
            200,
            "需求名称",
            "title",
            "协作机器人关节减速器寿命提升",
            aliases=("名称",),
        ),
        _text(
            "description",
            "需求描述",
            4000,
            "要解决的问题、指标和现状",
            "the problem, the indicators and where things stand",
            "现用减速器寿命约3000小时，需提升至8000小时以上……",
            aliases=("描述", "需求内容"),
        ),
        FIELD,
        c.Column(
            "budget",
            "预算",
            c.money,
            "金额（元）",
            "money (CNY yuan)",
            required=False,
            money=True,
            doc_zh="拟投入经费；单位元，列名可写（万元）；空白为未说明",
            doc_en="the budget; yuan, or (万元) in the header; blank: not stated",
            example="500000",
            aliases=("经费预算", "拟投入经费"),
        ),
        Column(
            "deadline",
            "期望完成日期",
            _deadline,
            "日期",
            "date",
            required=False,
            doc_zh="希望解决的期限，可为将来日期",
            doc_en="when it should be solved; may be future",
            example="2025-12-31",
            aliases=("截止日期",),
        ),
        Column(
            "min_trl",
            "期望成熟度",
            parse_trl,
            "1–9级",
            "TRL 1–9",
            required=False,
            doc_zh="企业需要的最低技术成熟度；空白为未说明",
            doc_en="the lowest maturity the enterprise can use; blank: not stated",
            example="6",
            aliases=("最低成熟度",),
        ),
        CHAIN_NODE,
        AS_OF,
    ),
    key=("code",),
    file_key=("code",),
    doc_en="technical demands raised by registered enterprises (the enterprises' list)",
)

# Not imported into a table: read by `xinzhi match event --exclude` (pairs that must not meet).
EXCLUSIONS = Kind(
    "exclusions",
    "排除名单",
    Expert.__table__,
    columns=(
        Column(
            "expert",
            "专家编号",
            parse_code,
            "编号",
            "code",
            doc_zh="专家编号",
            doc_en="expert code",
            example="EXP-0001",
            aliases=("专家",),
        ),
        Column(
            "enterprise",
            "企业统一社会信用代码",
            None,
            "统一社会信用代码",
            "credit code",
            doc_zh="企业的统一社会信用代码",
            doc_en="the enterprise's credit code",
            example="91210112MA0XK1WQ4J",
            aliases=("统一社会信用代码", "credit_code"),
        ),
        _text(
            "reason",
            "原因",
            200,
            "不安排的原因",
            "why they must not meet",
            "利益回避",
            required=False,
        ),
    ),
    key=(),
    file_key=(),
    doc_en="expert–enterprise pairs that must not be paired at an event",
)

MATCHING_KINDS: dict[str, Kind] = {kind.name: kind for kind in (EXPERTS, RESULTS, DEMANDS)}
