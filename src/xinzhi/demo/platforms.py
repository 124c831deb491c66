"""Innovation platforms: laboratories, technology centres, pilot bases, incubators …

The published counts fix the total (1,479), the national ones (76, of which 15 approved in
2023: 9 全国重点实验室 and 5 国家企业技术中心 among them) and the provincial 中试基地 (35, 23
approved in 2023); the rest are provincial and municipal platforms of the other kinds.
Hosts are the city's enterprises (larger and HNTE firms more often) or its universities and
institutes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from ..domain.enums import PlatformKind as K
from ..domain.enums import PlatformLevel as L
from .archetypes import REGISTRY_AS_OF
from .calibration import CityCounts
from .reference import CityReference
from .sampling import apportion, day, random_days, to_dates

NATIONAL_MIX = {
    K.STATE_KEY_LAB: 20,
    K.ENTERPRISE_TECH_CENTRE: 28,
    K.ENGINEERING_CENTRE: 12,
    K.INCUBATOR: 8,
    K.MAKERSPACE: 5,
    K.TECH_TRANSFER_ORG: 2,
    K.COMPUTE_CENTRE: 1,
}
LOCAL_MIX = {
    K.KEY_LAB: 30,
    K.ENTERPRISE_TECH_CENTRE: 25,
    K.ENGINEERING_CENTRE: 18,
    K.NEW_RD_INSTITUTE: 8,
    K.INCUBATOR: 7,
    K.MAKERSPACE: 7,
    K.TECH_TRANSFER_ORG: 4,
    K.OTHER: 1,
}
LOCAL_LEVELS = {L.PROVINCIAL: 0.4, L.MUNICIPAL: 0.6}
# Share of platforms of each kind hosted by a university or institute (the rest: enterprises).
RESEARCH_HOSTED = {
    K.STATE_KEY_LAB: 0.75,
    K.KEY_LAB: 0.5,
    K.ENGINEERING_CENTRE: 0.4,
    K.NEW_RD_INSTITUTE: 0.6,
    K.INCUBATOR: 0.3,
    K.MAKERSPACE: 0.3,
    K.TECH_TRANSFER_ORG: 0.6,
    K.PILOT_BASE: 0.15,
}
APPROVED = {
    "national": (dt.date(2005, 1, 1), dt.date(2022, 12, 31)),
    "pilot": (dt.date(2021, 1, 1), dt.date(2022, 12, 31)),
    "local": (dt.date(2010, 1, 1), REGISTRY_AS_OF),
    "new": (dt.date(2023, 1, 1), REGISTRY_AS_OF),
}
HOST_MIN_AGE_DAYS = 365

_PREFIX = {L.NATIONAL: "国家", L.PROVINCIAL: "辽宁省", L.MUNICIPAL: "沈阳市"}
_GRADE = {L.NATIONAL: "国家级", L.PROVINCIAL: "省级", L.MUNICIPAL: "市级"}
NAME_PATTERNS = {
    (K.STATE_KEY_LAB, L.NATIONAL): "{field}全国重点实验室",
    (K.ENTERPRISE_TECH_CENTRE, L.NATIONAL): "{host}国家企业技术中心",
    (K.ENGINEERING_CENTRE, L.NATIONAL): "国家{field}工程技术研究中心",
    (K.TECH_TRANSFER_ORG, L.NATIONAL): "{host}国家技术转移示范机构",
    (K.COMPUTE_CENTRE, L.NATIONAL): "沈阳人工智能计算中心",
    (K.PILOT_BASE, L.PROVINCIAL): "辽宁省{field}科技成果转化中试基地",
    (K.NEW_RD_INSTITUTE, L.PROVINCIAL): "辽宁{field}产业技术研究院",
    (K.NEW_RD_INSTITUTE, L.MUNICIPAL): "沈阳{field}产业技术研究院",
}
_FIELD_KINDS = {
    K.KEY_LAB: "重点实验室",
    K.ENGINEERING_CENTRE: "工程技术研究中心",
    K.OTHER: "创新中心",
}
_HOST_KINDS = {
    K.ENTERPRISE_TECH_CENTRE: "企业技术中心",
    K.INCUBATOR: "科技企业孵化器",
    K.MAKERSPACE: "众创空间",
    K.TECH_TRANSFER_ORG: "技术转移机构",
    K.COMPUTE_CENTRE: "算力中心",
}


def name_pattern(kind: K, level: L) -> str:
    pattern = NAME_PATTERNS.get((kind, level))
    if pattern:
        return pattern
    if kind in _FIELD_KINDS:
        return _PREFIX[level] + "{field}" + _FIELD_KINDS[kind]
    return "{host}" + _GRADE[level] + _HOST_KINDS.get(kind, kind.zh)


@dataclass
class PlatformPlan:
    kind: list[K]
    level: list[L]
    new: np.ndarray  # approved in 2023


def plan_platforms(rng: np.random.Generator, counts: CityCounts) -> PlatformPlan:
    """Kind, level and whether approved in 2023, for each platform, in the published numbers."""
    kinds: list[K] = []
    levels: list[L] = []
    new: list[bool] = []

    def add(kind: K, level: L, count: int, fresh: int) -> None:
        kinds.extend([kind] * count)
        levels.extend([level] * count)
        new.extend([True] * fresh + [False] * (count - fresh))

    national = dict(
        zip(
            NATIONAL_MIX, apportion(counts.national_platforms, list(NATIONAL_MIX.values())).tolist()
        )
    )
    fresh = {
        K.STATE_KEY_LAB: min(national[K.STATE_KEY_LAB], counts.new_state_key_labs),
        K.ENTERPRISE_TECH_CENTRE: min(
            national[K.ENTERPRISE_TECH_CENTRE], counts.new_national_tech_centres
        ),
    }
    other_fresh = max(0, counts.new_national_platforms - sum(fresh.values()))
    for kind, count in national.items():
        if kind not in fresh:
            fresh[kind] = min(count, other_fresh)
            other_fresh -= fresh[kind]
        add(kind, L.NATIONAL, count, fresh[kind])
    add(K.PILOT_BASE, L.PROVINCIAL, counts.pilot_bases, counts.new_pilot_bases)

    local = counts.platforms - len(kinds)
    local_kinds = np.repeat(np.arange(len(LOCAL_MIX)), apportion(local, list(LOCAL_MIX.values())))
    local_levels = np.repeat(
        np.arange(len(LOCAL_LEVELS)), apportion(local, list(LOCAL_LEVELS.values()))
    )
    local_levels = rng.permutation(local_levels)
    kinds.extend(list(LOCAL_MIX)[i] for i in local_kinds.tolist())
    levels.extend(list(LOCAL_LEVELS)[i] for i in local_levels.tolist())
    new.extend([False] * local)
    return PlatformPlan(kinds, levels, np.array(new, bool))


def platform_rows(
    rng: np.random.Generator,
    plan: PlatformPlan,
    ref: CityReference,
    host_weights: np.ndarray,
    senior_host: np.ndarray,
    founded: np.ndarray,
    firm_names: list[str],
    firm_district: np.ndarray,
    enterprise_ids: np.ndarray,
    district_ids: list[int],
) -> dict[str, list]:
    """Rows of the platforms; ``host_weights`` says how likely each enterprise is to host one.

    Provincial and national platforms go only to ``senior_host`` firms: hosting a 省部级以上
    研发机构 qualifies a tech SME directly (RULES.md §2.4 item 3), which must not turn a firm the
    demo means to fail into one.
    """
    n = len(plan.kind)
    national = np.array([lv == L.NATIONAL for lv in plan.level])
    pilot = np.array([k == K.PILOT_BASE for k in plan.kind])
    approved = np.where(
        national,
        random_days(rng, np.full(n, day(APPROVED["national"][0])), day(APPROVED["national"][1])),
        random_days(rng, np.full(n, day(APPROVED["local"][0])), day(APPROVED["local"][1])),
    )
    approved[pilot] = random_days(
        rng, np.full(int(pilot.sum()), day(APPROVED["pilot"][0])), day(APPROVED["pilot"][1])
    )
    approved[plan.new] = random_days(
        rng, np.full(int(plan.new.sum()), day(APPROVED["new"][0])), day(APPROVED["new"][1])
    )

    research = rng.random(n) < np.array([RESEARCH_HOSTED.get(k, 0.0) for k in plan.kind])
    research_host = rng.integers(0, len(ref.research_hosts), n)
    # National platforms go to the biggest hosts: weights sharpened.
    p_local = host_weights / host_weights.sum()
    senior = host_weights * senior_host
    p_provincial = senior / senior.sum()
    sharp = senior**2
    p_national = sharp / sharp.sum()
    provincial = np.array([lv == L.PROVINCIAL for lv in plan.level])
    firm = np.where(
        national,
        rng.choice(len(p_national), n, p=p_national),
        np.where(
            provincial,
            rng.choice(len(p_provincial), n, p=p_provincial),
            rng.choice(len(p_local), n, p=p_local),
        ),
    )
    approved = np.where(
        research,
        approved,
        np.minimum(np.maximum(approved, founded[firm] + HOST_MIN_AGE_DAYS), day(REGISTRY_AS_OF)),
    )

    fields = ref.platform_fields
    field_pick = rng.integers(0, len(fields), n)
    taken: set[str] = set()
    names, hosts, enterprise_id, district_id = [], [], [], []
    for i in range(n):
        if research[i]:
            host = ref.research_hosts[research_host[i]]
            host_name, firm_id = host.name, None
            district = district_ids[[d.code for d in ref.districts].index(host.district_code)]
        else:
            host_name, firm_id = firm_names[firm[i]], int(enterprise_ids[firm[i]])
            district = district_ids[firm_district[firm[i]]]
        pattern = name_pattern(plan.kind[i], plan.level[i])
        names.append(_unique_name(pattern, fields, int(field_pick[i]), host_name, taken))
        hosts.append(host_name)
        enterprise_id.append(firm_id)
        district_id.append(district)
    return {
        "name": names,
        "kind": [k.value for k in plan.kind],
        "level": [lv.value for lv in plan.level],
        "enterprise_id": enterprise_id,
        "host_name": hosts,
        "district_id": district_id,
        "approved_on": to_dates(approved),
    }


def _unique_name(
    pattern: str, fields: tuple[str, ...], start: int, host: str, taken: set[str]
) -> str:
    """The pattern with a field not used yet, else with the host, else numbered."""
    tries = len(fields) if "{field}" in pattern else 1
    for k in range(tries):
        name = pattern.format(field=fields[(start + k) % len(fields)], host=host)
        if name not in taken:
            taken.add(name)
            return name
    base = pattern.format(field=fields[start], host=host)
    name = base if host in base else f"{base}（{host}）"
    number = 2
    while name in taken:
        name = f"{base}（{host}·{number}）" if host not in base else f"{base}（{number}）"
        number += 1
    taken.add(name)
    return name
