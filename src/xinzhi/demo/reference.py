"""The demo city's reference data (data/shenyang.json): districts, parks, industries, hosts."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources

DATA = resources.files("xinzhi.demo") / "data"


@dataclass(frozen=True)
class District:
    code: str  # GB/T 2260
    name: str
    kind: str  # xinzhi.domain.enums.DistrictKind value
    enterprise_share: float  # fraction of the city's tech enterprises


@dataclass(frozen=True)
class Park:
    name: str
    district_code: str
    level: str  # xinzhi.domain.enums.ParkLevel value
    share_of_district: float


@dataclass(frozen=True)
class Industry:
    code: str  # GB/T 4754-2017 小类 with 门类 letter, e.g. "C3491"
    name: str
    chain: str  # the city's industry chain, e.g. "机器人"
    sei: str  # 战略性新兴产业分类 (2018) first-level category "1".."9"
    hnte_field: str  # 国家重点支持的高新技术领域 first-level field "1".."8" most firms claim
    weight: float
    words: tuple[str, ...]  # used in synthetic firm names


@dataclass(frozen=True)
class ResearchHost:
    name: str
    district_code: str
    short: str


@dataclass(frozen=True)
class OutsideRegion:
    code: str  # GB/T 2260 district code in another province
    place: str  # city name used in firm names


@dataclass(frozen=True)
class CityReference:
    city: str
    city_code: str
    province: str
    districts: tuple[District, ...]
    parks: tuple[Park, ...]
    industries: tuple[Industry, ...]
    research_hosts: tuple[ResearchHost, ...]
    outside_regions: tuple[OutsideRegion, ...]
    platform_fields: tuple[str, ...]


@cache
def shenyang() -> CityReference:
    """The reference data of Shenyang shipped in ``data/shenyang.json``."""
    raw = json.loads((DATA / "shenyang.json").read_text(encoding="utf-8"))
    shares = [d["enterprise_share"] for d in raw["districts"]]
    total_share = sum(shares)
    return CityReference(
        city=raw["city"]["name"],
        city_code=raw["city"]["code"],
        province=raw["city"]["province"],
        districts=tuple(
            District(d["code"], d["name"], d["kind"], d["enterprise_share"] / total_share)
            for d in raw["districts"]
        ),
        parks=tuple(
            Park(p["name"], p["district"], p["level"], p["share_of_district"]) for p in raw["parks"]
        ),
        industries=tuple(
            Industry(
                i["code"],
                i["name"],
                i["chain"],
                i["sei"],
                i["hnte_field"],
                i["weight"],
                tuple(i["words"]),
            )
            for i in raw["industries"]
        ),
        research_hosts=tuple(
            ResearchHost(h["name"], h["district"], h["short"]) for h in raw["research_hosts"]
        ),
        outside_regions=tuple(OutsideRegion(r["code"], r["place"]) for r in raw["outside_regions"]),
        platform_fields=tuple(raw["platform_fields"]),
    )
