"""Serious incidents and listings (重大事故、失信记录): the vetoes of both assessments.

HNTE condition 8 (RULES.md §1.2): no major safety or quality accident and no serious
environmental violation in the year before the application. Tech-SME condition 4 (§2.2):
none of these, no research misconduct, no serious fraud and no listing as abnormal or as
seriously dishonest, in the previous and the current year. So that the archetypes hold:

* every firm whose HNTE gap is ``INCIDENT`` had one accident in 2023 (the veto);
* some other firms that qualify for nothing had an incident or listing since 2019;
* some firms that do qualify had one long ago (before 2019), outside every window: the
  rules must look at the dates, not only at whether a record exists.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from ..domain.enums import IncidentKind as K
from .archetypes import REGISTRY_AS_OF, Archetypes, HnteGap, Tier
from .sampling import choose, day, random_days, to_dates

VETO_FROM = dt.date(2023, 1, 1)  # in the year before an application at the end of 2023
VETO_KINDS = {K.SAFETY: 0.4, K.QUALITY: 0.3, K.ENVIRONMENT: 0.3}
RECENT_FROM = dt.date(2019, 1, 1)
RECENT_SHARE = 0.01  # of the firms that qualify for nothing
OLD_FROM, OLD_UNTIL = dt.date(2012, 1, 1), dt.date(2018, 12, 31)
OLD_SHARE = 0.005  # of qualifying firms
KIND_MIX = {
    K.ABNORMAL_OPERATION: 0.5,
    K.QUALITY: 0.12,
    K.SAFETY: 0.1,
    K.ENVIRONMENT: 0.1,
    K.SERIOUS_VIOLATION: 0.1,
    K.RESEARCH_MISCONDUCT: 0.04,
    K.FRAUD: 0.04,
}
DESCRIPTIONS = {
    K.SAFETY: "生产安全事故，沈应急罚〔{year}〕{n}号",
    K.QUALITY: "产品质量事故，沈市监罚〔{year}〕{n}号",
    K.ENVIRONMENT: "超标排放污染物，沈环罚〔{year}〕{n}号",
    K.RESEARCH_MISCONDUCT: "科研项目申报材料弄虚作假，列入科研失信记录",
    K.ABNORMAL_OPERATION: "通过登记的住所或者经营场所无法联系",
    K.SERIOUS_VIOLATION: "列入严重违法失信名单（黑名单）",
    K.FRAUD: "申报材料严重弄虚作假",
}


@dataclass
class Incidents:
    firm: np.ndarray
    occurred_on: list
    kind: list[str]
    description: list[str]

    def __len__(self) -> int:
        return len(self.firm)


def draw_incidents(
    rng: np.random.Generator,
    arch: Archetypes,
    founded: np.ndarray,
    previous_application: np.ndarray,
) -> Incidents:
    n = len(arch)
    qualifying = arch.hnte | arch.sme | (arch.tier != Tier.NONE)
    vetoed = np.flatnonzero(arch.hnte_gap == HnteGap.INCIDENT)
    recent = np.flatnonzero(
        ~qualifying
        & ~arch.hnte_like
        & (rng.random(n) < RECENT_SHARE)
        & (founded <= day(REGISTRY_AS_OF))
    )
    # Long ago, and never in the year before an earlier HNTE application.
    old = np.flatnonzero(
        qualifying
        & (previous_application < 0)
        & (founded < day(OLD_UNTIL))
        & (rng.random(n) < OLD_SHARE)
    )
    parts = (
        (vetoed, VETO_KINDS, np.maximum(founded[vetoed], day(VETO_FROM)), day(REGISTRY_AS_OF)),
        (recent, KIND_MIX, np.maximum(founded[recent], day(RECENT_FROM)), day(REGISTRY_AS_OF)),
        (old, KIND_MIX, np.maximum(founded[old], day(OLD_FROM)), day(OLD_UNTIL)),
    )
    firms, days, kinds = [], [], []
    for firm, mix, first, last in parts:
        firms.append(firm)
        days.append(random_days(rng, first, np.full(len(firm), last)))
        kinds.append(choose(rng, {k.value: w for k, w in mix.items()}, len(firm)).astype(object))
    firm, occurred, kind = (np.concatenate(x) for x in (firms, days, kinds))
    order = np.argsort(firm, kind="stable")
    firm, occurred, kind = firm[order], occurred[order], kind[order].tolist()
    dates = to_dates(occurred)
    serial = rng.integers(1, 400, len(firm)).tolist()
    text = [DESCRIPTIONS[K(k)].format(year=d.year, n=s) for k, d, s in zip(kind, dates, serial)]
    return Incidents(firm, dates, kind, text)
