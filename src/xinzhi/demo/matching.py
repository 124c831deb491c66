"""The demo city's two lists and its talent list: experts, research results, technical demands.

Experts work at Shenyang's universities and institutes (``data/shenyang.json`` research
hosts), each in the fields its institution is known for (``INSTITUTION_FIELDS``, an
assumption). Results are written by them on the topics of the shipped chain maps and of the
matching area's term list (``texts``); demands are raised by the city's registered firms of
the chain industries, on topics of their own chain. Everything is drawn from one random
stream and imported through the matching area's own import (``import_rows``): the same
checks as a bureau's file, one batch per list.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import sqlalchemy as sa
from sqlalchemy import Engine

from ..chains.spec import ChainSpec
from ..domain.patent import patent_check_char
from ..matching.fields import Field
from ..store import models
from .codes import SerialCounter
from .names import _unique
from .reference import CityReference
from .texts import Topic, chain_topics, demand_text, result_text, term_topics

# What each host is known for (assumed from public descriptions; the demo's own choice).
INSTITUTION_FIELDS: dict[str, tuple[Field, ...]] = {
    "东北大学": (
        Field.HEAVY_MACHINERY,
        Field.NEW_MATERIALS,
        Field.ARTIFICIAL_INTELLIGENCE,
        Field.ROBOTICS,
        Field.MEDICAL_DEVICES,
        Field.INTEGRATED_CIRCUITS,
        Field.INFORMATION_TECHNOLOGY,
    ),
    "中国科学院沈阳自动化研究所": (
        Field.ROBOTICS,
        Field.ARTIFICIAL_INTELLIGENCE,
        Field.HIGH_END_EQUIPMENT,
        Field.INTEGRATED_CIRCUITS,
    ),
    "中国科学院金属研究所": (Field.NEW_MATERIALS, Field.AVIATION, Field.NEW_ENERGY),
    "沈阳工业大学": (
        Field.POWER_TRANSMISSION,
        Field.HIGH_END_EQUIPMENT,
        Field.COMPRESSORS,
        Field.NEW_ENERGY,
    ),
    "沈阳航空航天大学": (Field.AVIATION, Field.NEW_MATERIALS, Field.HIGH_END_EQUIPMENT),
    "中国医科大学": (Field.MEDICAL_DEVICES, Field.BIOMEDICINE),
    "沈阳药科大学": (Field.BIOMEDICINE,),
    "沈阳理工大学": (Field.HIGH_END_EQUIPMENT, Field.HEAVY_MACHINERY, Field.AUTOMOTIVE),
    "沈阳化工大学": (Field.NEW_MATERIALS, Field.ENERGY_SAVING, Field.COMPRESSORS),
    "沈阳建筑大学": (Field.HEAVY_MACHINERY, Field.ENERGY_SAVING),
    "辽宁大学": (Field.INFORMATION_TECHNOLOGY, Field.BIOMEDICINE),
    "中国科学院沈阳应用生态研究所": (Field.ENERGY_SAVING, Field.AGRICULTURE),
    "沈阳农业大学": (Field.AGRICULTURE,),
    "辽宁材料实验室": (Field.NEW_MATERIALS, Field.AVIATION),
    "辽宁辽河实验室": (Field.HIGH_END_EQUIPMENT, Field.ROBOTICS, Field.COMPRESSORS),
}
# Relative number of experts on the list, by host (the large ones first).
INSTITUTION_WEIGHT = {
    "东北大学": 5,
    "中国科学院沈阳自动化研究所": 4,
    "中国科学院金属研究所": 4,
    "沈阳工业大学": 3,
    "沈阳航空航天大学": 3,
    "中国医科大学": 2,
    "沈阳理工大学": 2,
}

# The registry's industry chains (shenyang.json) outside the eight maps, as matching fields.
INDUSTRY_FIELDS = {
    "新材料": Field.NEW_MATERIALS,
    "生物医药": Field.BIOMEDICINE,
    "节能环保": Field.ENERGY_SAVING,
    "软件和信息服务": Field.INFORMATION_TECHNOLOGY,
}

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段"
GIVEN = "志明建国立新红梅海涛晓东文博子涵宇航振华强丽娜佳慧永刚淑芬春雷秀英伟亚楠思远雪峰德胜玉兰凤岩松军平洪波敏静宏伟力"

EXPERT_HEADER = ["专家编号", "姓名", "所在单位", "职称", "研究领域", "所在区县"]
RESULT_HEADER = [
    "成果编号",
    "成果名称",
    "成果简介",
    "技术领域",
    "技术成熟度",
    "所属单位",
    "所在区县",
    "完成专家",
    "相关专利",
    "产业链节点",
]
DEMAND_HEADER = [
    "需求编号",
    "企业统一社会信用代码",
    "需求名称",
    "需求描述",
    "技术领域",
    "预算（万元）",
    "期望完成日期",
    "期望成熟度",
    "产业链节点",
]
DEADLINES = tuple(dt.date(y, m, d) for y in (2024, 2025, 2026) for m, d in ((6, 30), (12, 31)))


@dataclass(frozen=True)
class ListSizes:
    """How many of each the demo draws: about one expert per 100 firms and one demand per 40,
    three results per expert, within bounds that keep the import quick."""

    experts: int
    results: int
    demands: int

    @classmethod
    def at(cls, enterprises: int) -> ListSizes:
        experts = int(np.clip(round(enterprises / 100), 30, 1_000))
        return cls(experts, 3 * experts, int(np.clip(round(enterprises / 40), 30, 3_000)))


@dataclass
class Rows:
    header: list[str]
    rows: list[list[str]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.rows)


@dataclass
class MatchingLists:
    experts: Rows
    results: Rows
    demands: Rows

    def items(self):
        return (("experts", self.experts), ("results", self.results), ("demands", self.demands))


@dataclass
class _Expert:
    code: str
    name: str
    institution: str
    short: str
    district: str
    fields: list[str]


@dataclass
class Firms:
    """What the demands need of the registry, in id order."""

    credit_code: list[str]
    industry_code: list[str | None]
    hnte: np.ndarray

    @classmethod
    def read(cls, engine: Engine) -> Firms:
        e = models.Enterprise
        with engine.connect() as conn:
            hnte = e.hnte_certificate_no.is_not(None)
            select = sa.select(e.credit_code, e.industry_code, hnte).order_by(e.id)
            rows = conn.execute(select).all()
        return cls([r[0] for r in rows], [r[1] for r in rows], np.array([bool(r[2]) for r in rows]))


def draw_lists(
    rng: np.random.Generator,
    chains: list[ChainSpec],
    firms: Firms,
    ref: CityReference,
    sizes: ListSizes,
) -> MatchingLists:
    topics = _topics_by_field(chains)
    experts = _draw_experts(rng, ref, sizes.experts, topics)
    return MatchingLists(
        Rows(
            EXPERT_HEADER,
            [
                [e.code, e.name, e.institution, title, "、".join(e.fields), e.district]
                for e, title in zip(experts, _titles(rng, experts), strict=True)
            ],
        ),
        _draw_results(rng, experts, topics, sizes.results),
        _draw_demands(rng, firms, ref, chains, topics, sizes.demands),
    )


def _topics_by_field(chains: list[ChainSpec]) -> dict[str, list[Topic]]:
    topics: dict[str, list[Topic]] = {}
    for chain in chains:
        for topic in chain_topics(chain):
            topics.setdefault(topic.field, []).append(topic)
    for f in Field:
        if f.value not in topics and term_topics(f.value):
            topics[f.value] = term_topics(f.value)
    return topics


# --- experts ---------------------------------------------------------------------------------


def _person_names(rng: np.random.Generator, size: int) -> list[str]:
    def compose(rng: np.random.Generator, idx: np.ndarray) -> list[str]:
        surname = rng.integers(0, len(SURNAMES), len(idx)).tolist()
        given = rng.integers(0, len(GIVEN), (len(idx), 2)).tolist()
        double = (rng.random(len(idx)) < 0.7).tolist()
        return [
            SURNAMES[s] + GIVEN[g[0]] + (GIVEN[g[1]] if d else "")
            for s, g, d in zip(surname, given, double)
        ]

    return _unique(rng, compose, size)


def _draw_experts(
    rng: np.random.Generator, ref: CityReference, count: int, topics: dict[str, list[Topic]]
) -> list[_Expert]:
    hosts = [h for h in ref.research_hosts if h.name in INSTITUTION_FIELDS]
    weights = np.array([INSTITUTION_WEIGHT.get(h.name, 1) for h in hosts], dtype=float)
    # Every host has someone; the rest by weight.
    picks = (
        list(range(len(hosts)))
        + rng.choice(len(hosts), count - len(hosts), p=weights / weights.sum()).tolist()
    )
    picks = sorted(picks[:count])
    names = _person_names(rng, count)
    experts = []
    for i, (host_index, name) in enumerate(zip(picks, names, strict=True)):
        host = hosts[host_index]
        known = [f.value for f in INSTITUTION_FIELDS[host.name] if f.value in topics]
        first = known[int(rng.integers(len(known)))]
        fields = [first]
        if len(known) > 1 and rng.random() < 0.4:
            fields.append(next(f for f in rng.permutation(known).tolist() if f != first))
        experts.append(
            _Expert(
                f"EXP-{i + 1:04d}",
                name,
                host.name,
                host.short,
                host.district_code,
                [Field(f).zh for f in fields],
            )
        )
    return experts


def _titles(rng: np.random.Generator, experts: list[_Expert]) -> list[str]:
    out = []
    for e in experts:
        senior = rng.random() < 0.6
        if "研究所" in e.institution:
            out.append("研究员" if senior else "副研究员")
        elif "实验室" in e.institution:
            out.append("研究员" if senior else "高级工程师")
        else:
            out.append("教授" if senior else "副教授")
    return out


# --- research results ------------------------------------------------------------------------


def _draw_results(
    rng: np.random.Generator, experts: list[_Expert], topics: dict[str, list[Topic]], count: int
) -> Rows:
    """Each expert leads one result first; then every chain topic is covered once where some
    expert works in its field; the rest go to random experts on random topics of their fields."""
    by_field: dict[str, list[int]] = {}
    for i, e in enumerate(experts):
        for zh in e.fields:
            by_field.setdefault(Field.parse(zh).value, []).append(i)
    plan: list[tuple[int, Topic]] = []
    for i, e in enumerate(experts):
        f = Field.parse(e.fields[0]).value
        plan.append((i, topics[f][int(rng.integers(len(topics[f])))]))
    covered = {topic for _, topic in plan}
    for f, field_topics in topics.items():
        for topic in field_topics:
            if topic.node and topic not in covered and f in by_field and len(plan) < count:
                plan.append((by_field[f][int(rng.integers(len(by_field[f])))], topic))
    while len(plan) < count:
        i = int(rng.integers(len(experts)))
        f = Field.parse(experts[i].fields[int(rng.integers(len(experts[i].fields)))]).value
        plan.append((i, topics[f][int(rng.integers(len(topics[f])))]))
    patents = SerialCounter(rng, (700_000, 800_000), max_gap=40)
    rows, titles = Rows(RESULT_HEADER), set()
    for k, (lead, topic) in enumerate(plan):
        expert = experts[lead]
        colleagues = [
            j
            for j in by_field.get(topic.field, [])
            if j != lead and experts[j].institution == expert.institution
        ]
        team = [lead] + (
            [colleagues[j] for j in rng.permutation(len(colleagues))[:2].tolist()]
            if colleagues and rng.random() < 0.5
            else []
        )
        base = topic.maturity or int(rng.integers(3, 8))
        trl = int(np.clip(base + rng.integers(-1, 2), 2, 9))
        title, abstract = result_text(rng, topic, trl, f"{expert.short}{expert.name}", titles)
        years = rng.integers(2018, 2024, int(rng.choice(3, p=[0.4, 0.4, 0.2])))
        numbers = _patent_numbers(patents, years)
        rows.rows.append(
            [
                f"R-2023-{k + 1:04d}",
                title,
                abstract,
                Field(topic.field).zh,
                str(trl),
                expert.institution,
                expert.district,
                "、".join(experts[j].code for j in team),
                "、".join(numbers),
                topic.node or "",
            ]
        )
    return rows


def _patent_numbers(counter: SerialCounter, years: np.ndarray) -> list[str]:
    """Invention applications (type 1) of the institution, outside the firms' number range."""
    serials = counter.take(years.astype(np.int64))
    digits = [f"{y}1{s:07d}" for y, s in zip(years.tolist(), serials.tolist())]
    return [f"{d}.{patent_check_char(d)}" for d in digits]


# --- technical demands -----------------------------------------------------------------------


def _draw_demands(
    rng: np.random.Generator,
    firms: Firms,
    ref: CityReference,
    chains: list[ChainSpec],
    topics: dict[str, list[Topic]],
    count: int,
) -> Rows:
    """Demands of firms in the chain industries (HNTE firms three times as likely), each on a
    topic of the firm's chain, chokepoints (high import dependence) more often."""
    industries = {i.code: i for i in ref.industries}
    chain_fields = {c.name: Field.parse(c.name) for c in chains}
    firm_field = []
    for code in firms.industry_code:
        industry = industries.get(code)
        chain = industry.chain if industry else None
        found = chain_fields.get(chain) or INDUSTRY_FIELDS.get(chain)
        firm_field.append(found.value if found and found.value in topics else None)
    eligible = np.array([f is not None for f in firm_field])
    weights = eligible * np.where(firms.hnte, 3.0, 1.0)
    count = min(count, int(eligible.sum()))
    chosen = np.sort(rng.choice(len(firm_field), count, replace=False, p=weights / weights.sum()))
    rows = Rows(DEMAND_HEADER)
    for k, firm in enumerate(chosen.tolist()):
        field_topics = topics[firm_field[firm]]
        pull = np.array([0.3 + float(t.import_share or 0) for t in field_topics])
        topic = field_topics[int(rng.choice(len(field_topics), p=pull / pull.sum()))]
        title, description = demand_text(rng, topic, industries[firms.industry_code[firm]].name)
        budget = str(int(rng.integers(2, 51)) * 10) if rng.random() < 0.75 else ""
        deadline = DEADLINES[int(rng.integers(len(DEADLINES)))].isoformat()
        deadline = deadline if rng.random() < 0.7 else ""
        min_trl = str(int(rng.integers(5, 9))) if rng.random() < 0.6 else ""
        rows.rows.append(
            [
                f"D-2023-{k + 1:04d}",
                firms.credit_code[firm],
                title,
                description,
                Field(topic.field).zh,
                budget,
                deadline,
                min_trl,
                topic.node or "",
            ]
        )
    return rows


# --- import ------------------------------------------------------------------------------------


class DemoImportError(RuntimeError):
    """A generated list failed the import's checks: a bug in the demo, reported in full."""


def import_lists(
    engine: Engine, lists: MatchingLists, *, actor: str, as_of: dt.date, source: str
) -> dict[str, int]:
    """Import experts, then results (they name experts), then demands; rows written per list."""
    from ..matching.imports import import_rows

    written = {}
    for kind, rows in lists.items():
        result = import_rows(
            engine,
            kind,
            rows.header,
            rows.rows,
            actor=actor,
            as_of=as_of,
            source=f"{source}:{kind}",
        )
        if not result.ok:
            shown = "; ".join(f"row {e.row} {e.column}: {e.en}" for e in result.errors[:5])
            raise DemoImportError(f"demo {kind} failed the import checks: {shown}")
        written[kind] = result.inserted + result.updated + result.unchanged
    return written
