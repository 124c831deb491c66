"""Technology fields (技术领域) that results, demands and experts are filed under.

The first eight are the industry chains Shenyang mapped first (seed 001: 航空、机器人、压缩机、
输变电、重型机械、医疗装备 …; seed 002: 高端装备、航空、集成电路 等8条产业链); the rest cover the
future-industry directions named in the other seeds. Imports accept the identifier, the
Chinese label or an alias.
"""

from __future__ import annotations

import re

from ..domain.enums import LabelledEnum
from ..domain.errors import InvalidValue


class Field(LabelledEnum):
    AVIATION = "aviation", "航空", "航空航天", "航空装备", "低空经济", "通用航空"
    ROBOTICS = "robotics", "机器人", "工业机器人", "智能机器人", "人形机器人"
    COMPRESSORS = "compressors", "压缩机", "流体机械", "鼓风机"
    POWER_TRANSMISSION = "power_transmission", "输变电", "输变电装备", "电力装备", "电网"
    HEAVY_MACHINERY = "heavy_machinery", "重型机械", "重型装备", "矿山机械", "工程机械"
    MEDICAL_DEVICES = "medical_devices", "医疗装备", "医疗器械", "医疗设备"
    INTEGRATED_CIRCUITS = "integrated_circuits", "集成电路", "半导体", "芯片", "IC装备"
    HIGH_END_EQUIPMENT = (
        "high_end_equipment",
        "高端装备",
        "智能制造装备",
        "数控机床",
        "高端装备制造",
    )
    NEW_MATERIALS = "new_materials", "新材料", "先进材料", "材料"
    ARTIFICIAL_INTELLIGENCE = "artificial_intelligence", "人工智能", "AI", "大模型", "算力"
    BIOMEDICINE = "biomedicine", "生物医药", "医药", "生物技术", "细胞治疗"
    NEW_ENERGY = "new_energy", "新能源", "氢能", "储能", "光伏", "锂电池"
    AUTOMOTIVE = "automotive", "汽车", "新能源汽车", "智能网联汽车", "汽车零部件"
    INFORMATION_TECHNOLOGY = "information_technology", "电子信息", "软件", "工业互联网", "信息技术"
    ENERGY_SAVING = "energy_saving", "节能环保", "环保", "资源与环境"
    AGRICULTURE = "agriculture", "现代农业", "农业", "食品"
    OTHER = "other", "其他", "其它"

    @property
    def en(self) -> str:
        return self.value.replace("_", " ")


# Fields close enough that a result in one often serves a demand in the other (half credit).
RELATED_FIELDS: frozenset[frozenset[Field]] = frozenset(
    frozenset(pair)
    for pair in (
        (Field.ROBOTICS, Field.HIGH_END_EQUIPMENT),
        (Field.ROBOTICS, Field.ARTIFICIAL_INTELLIGENCE),
        (Field.HIGH_END_EQUIPMENT, Field.HEAVY_MACHINERY),
        (Field.HIGH_END_EQUIPMENT, Field.AVIATION),
        (Field.HIGH_END_EQUIPMENT, Field.COMPRESSORS),
        (Field.INTEGRATED_CIRCUITS, Field.INFORMATION_TECHNOLOGY),
        (Field.ARTIFICIAL_INTELLIGENCE, Field.INFORMATION_TECHNOLOGY),
        (Field.MEDICAL_DEVICES, Field.BIOMEDICINE),
        (Field.NEW_ENERGY, Field.POWER_TRANSMISSION),
        (Field.NEW_ENERGY, Field.AUTOMOTIVE),
        (Field.NEW_ENERGY, Field.ENERGY_SAVING),
        (Field.AVIATION, Field.NEW_MATERIALS),
    )
)

FIELD_ORDER: tuple[Field, ...] = tuple(Field)
FIELD_INDEX: dict[str, int] = {field.value: i for i, field in enumerate(FIELD_ORDER)}


def related(a: str, b: str) -> bool:
    return frozenset((Field(a), Field(b))) in RELATED_FIELDS


_SEPARATORS = re.compile(r"[;；,，、/|\s]+")


def parse_field(raw, _scale=None) -> str:
    return Field.parse(str(raw)).value


def parse_field_list(raw, _scale=None) -> str:
    """One or more fields separated by 、；, or spaces, stored as "a;b" (no repeats)."""
    parts = [part for part in _SEPARATORS.split(str(raw).strip()) if part]
    if not parts:
        raise InvalidValue("text_empty", "至少填写一个技术领域", "give at least one field")
    fields: list[str] = []
    for part in parts:
        value = Field.parse(part).value
        if value not in fields:
            fields.append(value)
    return ";".join(fields)
