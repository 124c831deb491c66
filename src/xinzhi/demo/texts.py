"""Chinese titles and descriptions of the demo's research results and technical demands.

Every text is written around a *topic*: a node of a shipped chain map with one of its key
technologies, or — for the fields outside the eight chains — a term of the matching area's
term list (``xinzhi/matching/data/terms.txt``). A result and a demand on the same topic share
the node's name, its keywords and the technology's name, so the matcher pairs them for the
reasons a bureau would give: shared terms, the same chain node, the same field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from importlib import resources

import numpy as np

from ..chains.spec import ChainSpec
from ..matching.fields import Field

_BRACKET = re.compile(r"[（(].*?[）)]")


def short_name(name: str) -> str:
    """ "机载高可靠芯片（FPGA、处理器）" → "机载高可靠芯片": brackets read badly inside a sentence."""
    return _BRACKET.sub("", name).strip() or name


@dataclass(frozen=True)
class Topic:
    field: str  # a matching.fields.Field value
    subject: str  # the node's short name, or a term
    technology: str  # one of the node's key technologies, or a second term
    terms: tuple[str, ...]  # more words of the topic: the node's keywords, related terms
    kind: str  # 材料, 零部件, 装备, 软件, 产品 — or 技术 for a term topic
    node: str | None = None  # "chain_key/node_key"
    maturity: int | None = None  # the technology's TRL in the chain map
    uses: tuple[str, ...] = ()  # short names of the nodes it is an input to
    import_share: Decimal | None = None
    foreign: str | None = None  # the main foreign supplier


def chain_topics(chain: ChainSpec) -> list[Topic]:
    """One topic per (node, key technology) of the chain; nodes without technologies give none.
    A topic's further words are the node's keywords and its other technologies."""
    field = Field.parse(chain.name).value
    names = {node.key: short_name(node.name) for node in chain.nodes}
    uses: dict[str, list[str]] = {}
    for edge in chain.edges:
        uses.setdefault(edge.source, []).append(names[edge.target])
    topics = []
    for node in chain.nodes:
        subject = names[node.key]
        technologies = [short_name(t.name) for t in node.technologies]
        for technology, spec in zip(technologies, node.technologies, strict=True):
            words = [k for k in node.keywords if k not in subject]
            words += [t for t in technologies if t != technology]
            topics.append(
                Topic(
                    field,
                    subject,
                    technology,
                    tuple(words),
                    node.kind.zh,
                    f"{chain.key}/{node.key}",
                    spec.maturity,
                    tuple(uses.get(node.key, ())[:3]),
                    node.import_dependence,
                    node.foreign_suppliers[0] if node.foreign_suppliers else None,
                )
            )
    return topics


@cache
def field_terms() -> dict[str, tuple[str, ...]]:
    """The term list by field: its ``# 航空 aviation`` headings name the field of what follows."""
    text = (resources.files("xinzhi.matching") / "data" / "terms.txt").read_text(encoding="utf-8")
    terms: dict[str, list[str]] = {}
    current = None
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("#"):
            words = stripped.lstrip("#").split()
            try:
                current = Field.parse(words[0]).value if words else None
            except ValueError:
                current = None  # the file's preamble
        elif stripped and current:
            terms.setdefault(current, []).append(stripped)
    return {field: tuple(words) for field, words in terms.items()}


def term_topics(field: str) -> list[Topic]:
    """Topics of a field outside the chains: each term with the next three of the list (it is
    grouped by subject, so neighbours are related: 超高强度钢, 高强钢, 特种钢, 不锈钢)."""
    words = field_terms().get(field, ())
    n = len(words)
    if n < 3:
        return []
    return [
        Topic(field, words[i], words[(i + 1) % n], (words[(i + 2) % n], words[(i + 3) % n]), "技术")
        for i in range(n)
    ]


# --- research results ------------------------------------------------------------------------

_RESULT_TITLES = (
    "{technology}",
    "{technology}关键技术及应用",
    "面向{subject}的{technology}",
    "{subject}{technology}研究",
    "{technology}工程化与产业化",
)
_TERM_RESULT_TITLES = (
    "{subject}关键技术及应用",
    "高性能{subject}研制",
    "{subject}与{technology}集成技术",
    "基于{technology}的{subject}方法",
    "{subject}工程化应用技术",
)
_SERIES = "二三四五六七八九"
# Approaches by the kind of thing a node is (vocab.NodeKind labels; 技术 for term topics).
_APPROACHES = {
    "材料": ("材料成分与组织调控方法", "短流程制备工艺", "纯净化冶炼与缺陷控制方法"),
    "零部件": ("新的结构设计方法", "精密制造与装配工艺", "寿命预测与可靠性设计方法"),
    "装备": ("多物理场耦合仿真与优化方法", "智能控制与在线监测方法", "数字孪生驱动的设计方法"),
    "软件": ("自主可控的核心算法", "面向工程应用的建模与求解方法", "模型库与平台化架构"),
    "产品": ("系统集成与验证方法", "整机优化设计方法", "智能运维方法"),
    "技术": ("新的制备与表征方法", "多尺度建模与优化方法", "工艺参数智能优化方法"),
}
_METRICS = (
    "主要性能指标达到国外同类产品水平",
    "使用寿命提高{n}%",
    "制造成本降低{n}%",
    "能耗降低{n}%",
    "关键精度指标提高{n}%",
    "生产效率提高{n}%",
)


def _stage(trl: int) -> str:
    """What has been shown at this technology readiness level (GB/T 22900-2009)."""
    if trl <= 3:
        return "已完成原理验证和实验室试验"
    if trl <= 5:
        return "已完成关键部件试制和实验室环境验证"
    if trl == 6:
        return "已完成样机研制，并在模拟使用环境中通过测试"
    if trl == 7:
        return "样机已在用户现场完成示范应用"
    return "产品已定型并实现小批量应用"


def _pick(rng: np.random.Generator, options):
    return options[int(rng.integers(len(options)))]


def _key_steps(rng: np.random.Generator, topic: Topic) -> str:
    """ "A、B等关键环节" with up to two further words of the topic."""
    words = [w for w in dict.fromkeys(topic.terms) if w != topic.technology]
    if not words:
        return "关键工艺环节"
    picked = [words[i] for i in sorted(rng.permutation(len(words))[:2].tolist())]
    return f"{'、'.join(picked)}等关键环节"


def _dependent(topic: Topic) -> bool:
    return topic.import_share is not None and topic.import_share >= Decimal("0.4")


def _background(topic: Topic) -> str:
    """Results say how much is imported, not from whom: a supplier's name shared with a demand
    is no reason to pair them."""
    if topic.uses:
        text = f"{topic.subject}是{'、'.join(topic.uses[:2])}的关键{topic.kind}"
    else:
        text = f"{topic.subject}是{Field(topic.field).zh}领域的关键{topic.kind}"
    if _dependent(topic):
        text += f"，国内约{topic.import_share:.0%}依赖进口"
    return text + "。"


def _title(rng: np.random.Generator, topic: Topic, taken: set[str]) -> str:
    """A title no other result has: the templates in random order, then "（二）", "（三）" …"""
    templates = _RESULT_TITLES if topic.node else _TERM_RESULT_TITLES
    options = [
        templates[i].format(subject=topic.subject, technology=topic.technology)[:196]
        for i in rng.permutation(len(templates)).tolist()
    ]
    options += [f"{options[0]}（{n}）" for n in _SERIES]
    title = next((t for t in options if t not in taken), f"{options[0]}（{len(taken)}）")
    taken.add(title)
    return title


def result_text(
    rng: np.random.Generator, topic: Topic, trl: int, team: str, taken: set[str]
) -> tuple[str, str]:
    """(title, abstract) of a research result on ``topic`` by ``team`` (an institution's short
    name and the lead expert); the title is new to ``taken``, and added to it."""
    title = _title(rng, topic, taken)
    metric = _pick(rng, _METRICS).format(n=int(rng.integers(15, 61)))
    approach = _pick(rng, _APPROACHES[topic.kind])
    abstract = (
        f"{_background(topic)}{team}团队围绕{topic.technology}开展研究，提出{approach}，"
        f"突破{_key_steps(rng, topic)}，{metric}。{_stage(trl)}。"
    )
    if topic.uses:
        abstract += f"成果可用于{'、'.join(topic.uses)}。"
    return title, abstract


# --- technical demands -----------------------------------------------------------------------

_ASPECTS = ("精度", "寿命", "一致性", "效率", "可靠性")
_NEEDS = ("国产化替代", "性能提升", "寿命与可靠性提升", "关键工艺攻关", "降本增效")
_GOALS = (
    "希望合作开发并实现国产化替代",
    "希望关键指标达到进口产品水平",
    "希望两年内完成样机验证并批量应用",
    "愿以联合攻关或技术许可方式合作",
)


def demand_text(rng: np.random.Generator, topic: Topic, industry: str) -> tuple[str, str]:
    """(title, description) of a demand on ``topic`` raised by a firm of ``industry``."""
    if rng.random() < 0.3:
        title = f"{topic.technology}技术合作"
    elif topic.node is None:  # a term (疲劳, 低代码 …) is no product to substitute
        title = f"{topic.subject}{_pick(rng, ('技术攻关', '技术升级'))}"
    else:
        title = f"{topic.subject}{_pick(rng, _NEEDS)}"
    if topic.node is None:
        situation = f"在{topic.subject}方面的技术积累不足"
    elif topic.foreign and _dependent(topic):
        situation = f"所用{topic.subject}主要采购自{topic.foreign}，价格高、交货周期长"
    else:
        situation = f"现有{topic.subject}的{_pick(rng, _ASPECTS)}与国际先进水平仍有差距"
    description = (
        f"我公司主营{industry}，{situation}。需要{topic.technology}方面的技术支持，"
        f"{_pick(rng, _GOALS)}。"
    )
    return title[:200], description
