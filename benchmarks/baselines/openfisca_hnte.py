"""The HNTE pre-screen as an OpenFisca-core model — the second baseline of ``bench_rules.py``.

One entity, ``Enterprise``; yearly inputs (revenue, R&D expense, net assets… for each of the
three accounting years) and the variables of the eight conditions of 第十一条, the 100-point
innovation score of the 工作指引 and the result, vectorised over the whole population as
OpenFisca does. The rules are those of ``src/xinzhi/rulesets/assessments/hnte.yaml`` as declared
on 2026-12-07 (standards without a period, the conversion band (0, 1) scoring [0, 6], staff
counts in hundredths of a person — a ratio of two of them is unchanged).

OpenFisca has no "unknown": an input that was never set is the variable's default (0 for
amounts and counts, 0 = "none" for the technology field), which is the silent default the
engine refuses. So the model agrees with the engine only where every input is known. Amounts
are OpenFisca ``float`` variables (float32, in yuan), the package's only non-integer type;
counts are ``int`` (int32). The score keeps its range bands ([7, 8] points…) as two
variables, low and high, so that "pass", "fail" and "not decided by the data" can be
compared; a growth rate the 工作指引 leaves to manual review (negative base…) counts 0.

    simulation = build(count, year, inputs)      # inputs: {variable: {period: array}}
    simulation.calculate("hnte_status", year)    # 0 fail, 1 pass, 2 range-dependent
"""

from __future__ import annotations

import datetime

import numpy as np
from openfisca_core.entities import build_entity
from openfisca_core.periods import DateUnit
from openfisca_core.simulations import SimulationBuilder
from openfisca_core.taxbenefitsystems import TaxBenefitSystem
from openfisca_core.variables import Variable

Enterprise = build_entity(
    key="enterprise", plural="enterprises", label="企业 enterprise", is_person=True
)

FAIL, PASS, OPEN = 0, 1, 2
# (lowest value of the band, (points low, points high)), best band first.
GROWTH_BANDS = [(0.35, (9, 10)), (0.25, (7, 8)), (0.15, (5, 6)), (0.05, (3, 4))]
CONVERSION_BANDS = [(5, (25, 30)), (4, (19, 24)), (3, (13, 18)), (2, (7, 12)), (1, (1, 6))]
LOW, HIGH = 0, 1


def _variable(name: str, value_type, period=DateUnit.YEAR, formula=None, label: str = "") -> type:
    attributes = {
        "value_type": value_type,
        "entity": Enterprise,
        "definition_period": period,
        "label": label or name,
    }
    if formula is not None:
        attributes["formula"] = formula
    return type(name, (Variable,), attributes)


def _years(enterprise, name, period, count=3):
    total = enterprise(name, period)
    for k in range(1, count):
        total = total + enterprise(name, period.offset(-k))
    return total


def _ratio(num, den):
    return np.where(den != 0, num / np.where(den != 0, den, 1), 0)


def _growth(first, second, third, years):
    """The 工作指引's growth rate (oldest figure first); manual-review cases count 0."""
    three = np.where(
        second == 0,
        0.0,
        np.where(
            first == 0,
            _ratio(third, second) - 1,
            (_ratio(second, first) + _ratio(third, second)) / 2 - 1,
        ),
    )
    two = np.where(second <= 0, 0.0, _ratio(third, second) - 1)
    rate = np.where(years <= 1, 0.0, np.where(years == 2, two, three))
    return np.where((years >= 3) & ((first < 0) | (second < 0)), 0.0, rate)


def _growth_points(rate, which):
    conditions = [rate >= bound for bound, _ in GROWTH_BANDS] + [rate > 0, True]
    return np.select(conditions, [points[which] for _, points in GROWTH_BANDS] + [(1, 2)[which], 0])


def _conversion_points(enterprise, period, which):
    per_year = enterprise("conversions_per_year", period)
    # conversion (科技成果转化能力): an average strictly between 0 and 1 scores [0, 6] (band E-)
    conditions = [per_year >= bound for bound, _ in CONVERSION_BANDS] + [per_year > 0, True]
    return np.select(
        conditions, [points[which] for _, points in CONVERSION_BANDS] + [(0, 6)[which], 0]
    )


def _ip_quantity(enterprise, period, which):
    c1, c2 = enterprise("ip_class1_owned", period), enterprise("ip_class2_owned", period)
    points = [(7, 8), (5, 6), (3, 4), (1, 2), (0, 0)]
    return np.select([c1 >= 1, c2 >= 5, c2 >= 3, c2 >= 1, True], [p[which] for p in points])


def _ip_acquisition(enterprise, period, which):
    owned = enterprise("ip_class1_owned", period) + enterprise("ip_class2_owned", period)
    points = [(1, 6), (1, 3), (0, 0)]
    conditions = [enterprise("ip_self_developed", period) >= 1, owned >= 1, True]
    return np.select(conditions, [p[which] for p in points])


def _ip_standards(enterprise, period, which):
    # ip_standards (知识产权 5): national or industry standards drafted, no period
    return np.where(enterprise("standards_participated", period) >= 1, (1, 2)[which], 0)


def _growth_item(enterprise, period, which, rate):
    return _growth_points(enterprise(rate, period), which)


def _bound(function, *arguments):
    """A formula (OpenFisca calls it with the entity and the period) with arguments fixed."""

    def formula(enterprise, period):
        return function(enterprise, period, *arguments)

    return formula


def _score(enterprise, period, which):
    """Judged items count the review as given (0 when there is none: OpenFisca's default)."""
    suffix = ("low", "high")[which]
    ip = sum(
        enterprise(f"{item}_{suffix}", period)
        for item in ("ip_quantity", "ip_acquisition", "ip_standards")
    )
    ip = (
        ip
        + np.clip(enterprise("review_advancement", period), 0, 8)
        + np.clip(enterprise("review_core_support", period), 0, 8)
    )
    return (
        np.minimum(ip, 30)
        + enterprise(f"conversion_points_{suffix}", period)
        + np.clip(enterprise("review_rd_management", period), 0, 20)
        + enterprise(f"growth_net_assets_{suffix}", period)
        + enterprise(f"growth_revenue_{suffix}", period)
    )


CONDITIONS = [
    "registered_one_year",
    "core_ip",
    "supported_field",
    "tech_staff",
    "rd_intensity",
    "rd_in_china",
    "hitech_revenue",
    "no_incident",
]


def _status(enterprise, period):
    conditions = np.ones(enterprise.count, dtype=bool)
    for name in CONDITIONS:
        conditions &= enterprise(f"meets_{name}", period)
    low, high = enterprise("score_low", period), enterprise("score_high", period)
    return np.where(~conditions | (high <= 70), FAIL, np.where(low > 70, PASS, OPEN))


def _days_registered(enterprise, period):
    as_of = np.datetime64(period.stop.date.isoformat(), "D")
    return (as_of - enterprise("founded_on", DateUnit.ETERNITY)).astype(np.int64)


def _years_operating(enterprise, period):
    founded_on = enterprise("founded_on", DateUnit.ETERNITY)
    founded = founded_on.astype("datetime64[Y]").astype(int) + 1970
    return np.clip(period.start.year - founded + 1, 0, 3)


INPUT_YEARLY = {
    "revenue": float,
    "total_income": float,
    "hitech_revenue": float,
    "net_assets": float,
    "rd_expense": float,
    "rd_expense_domestic": float,
    "employees": int,
    "tech_staff": int,
    "conversions": int,
}
INPUT_CURRENT = [
    "hnte_field",
    "ip_class1_owned",
    "ip_class2_owned",
    "ip_self_developed",
    "standards_participated",
    "incidents_12m",
    "review_advancement",
    "review_core_support",
    "review_rd_management",
]


def _formulas() -> list[type]:
    v = _variable  # every formula takes (enterprise, period)
    return [
        v("founded_on", datetime.date, DateUnit.ETERNITY),
        *[v(name, kind) for name, kind in INPUT_YEARLY.items()],
        *[v(name, int) for name in INPUT_CURRENT],
        v("days_registered", int, formula=_days_registered),
        v("years_operating_3y", int, formula=_years_operating),
        v(
            "meets_registered_one_year",
            bool,
            formula=lambda e, p: e("days_registered", p) >= 365,
            label="注册成立一年以上 第十一条（一）",
        ),
        v(
            "meets_core_ip",
            bool,
            formula=lambda e, p: e("ip_class1_owned", p) + e("ip_class2_owned", p) >= 1,
            label="核心知识产权 第十一条（二）",
        ),
        v(
            "meets_supported_field",
            bool,
            formula=lambda e, p: (e("hnte_field", p) >= 1) & (e("hnte_field", p) <= 8),
            label="重点支持领域 第十一条（三）",
        ),
        v(
            "tech_staff_share",
            float,
            formula=lambda e, p: _ratio(e("tech_staff", p), e("employees", p)),
        ),
        v(
            "meets_tech_staff",
            bool,
            formula=lambda e, p: e("tech_staff_share", p) >= 0.1,
            label="科技人员占比 第十一条（四）",
        ),
        v("rd_expense_3y", float, formula=lambda e, p: _years(e, "rd_expense", p)),
        v(
            "rd_expense_domestic_3y",
            float,
            formula=lambda e, p: _years(e, "rd_expense_domestic", p),
        ),
        v("revenue_3y", float, formula=lambda e, p: _years(e, "revenue", p)),
        v(
            "rd_ratio_3y",
            float,
            formula=lambda e, p: _ratio(e("rd_expense_3y", p), e("revenue_3y", p)),
        ),
        v(
            "rd_threshold",
            float,
            formula=lambda e, p: np.where(
                e("revenue", p) <= 5e7, 0.05, np.where(e("revenue", p) <= 2e8, 0.04, 0.03)
            ),
        ),
        v(
            "meets_rd_intensity",
            bool,
            formula=lambda e, p: e("rd_ratio_3y", p) >= e("rd_threshold", p),
            label="研发费用比例 第十一条（五）",
        ),
        v(
            "domestic_rd_share",
            float,
            formula=lambda e, p: _ratio(e("rd_expense_domestic_3y", p), e("rd_expense_3y", p)),
        ),
        v(
            "meets_rd_in_china",
            bool,
            formula=lambda e, p: e("domestic_rd_share", p) >= 0.6,
            label="境内研发费用占比 第十一条（五）",
        ),
        v(
            "hitech_revenue_share",
            float,
            formula=lambda e, p: _ratio(e("hitech_revenue", p), e("total_income", p)),
        ),
        v(
            "meets_hitech_revenue",
            bool,
            formula=lambda e, p: e("hitech_revenue_share", p) >= 0.6,
            label="高新技术收入占比 第十一条（六）",
        ),
        v(
            "meets_no_incident",
            bool,
            formula=lambda e, p: e("incidents_12m", p) == 0,
            label="无重大事故 第十一条（八）",
        ),
        v("conversions_3y", int, formula=lambda e, p: _years(e, "conversions", p)),
        v(
            "conversions_per_year",
            float,
            formula=lambda e, p: _ratio(e("conversions_3y", p), e("years_operating_3y", p)),
        ),
        v(
            "net_assets_growth",
            float,
            formula=lambda e, p: _growth(
                e("net_assets", p.offset(-2)),
                e("net_assets", p.offset(-1)),
                e("net_assets", p),
                e("years_operating_3y", p),
            ),
        ),
        v(
            "revenue_growth",
            float,
            formula=lambda e, p: _growth(
                e("revenue", p.offset(-2)),
                e("revenue", p.offset(-1)),
                e("revenue", p),
                e("years_operating_3y", p),
            ),
        ),
        *[
            v(f"{name}_{suffix}", int, formula=_bound(f, w))
            for name, f in (
                ("ip_quantity", _ip_quantity),
                ("ip_acquisition", _ip_acquisition),
                ("ip_standards", _ip_standards),
                ("conversion_points", _conversion_points),
            )
            for suffix, w in (("low", LOW), ("high", HIGH))
        ],
        *[
            v(f"growth_{name}_{suffix}", int, formula=_bound(_growth_item, w, rate))
            for name, rate in (("net_assets", "net_assets_growth"), ("revenue", "revenue_growth"))
            for suffix, w in (("low", LOW), ("high", HIGH))
        ],
        v("score_low", int, formula=lambda e, p: _score(e, p, 0)),
        v("score_high", int, formula=lambda e, p: _score(e, p, 1)),
        v(
            "hnte_status",
            int,
            formula=_status,
            label="高新技术企业预评价 0 不符合 1 符合 2 视区间而定",
        ),
    ]


def tax_benefit_system() -> TaxBenefitSystem:
    system = TaxBenefitSystem([Enterprise])
    system.add_variables(*_formulas())
    return system


def build(system: TaxBenefitSystem, count: int, inputs: dict[str, dict[str, np.ndarray]]):
    """A simulation of ``count`` enterprises with ``inputs`` set ({variable: {period: values}})."""
    simulation = SimulationBuilder().build_default_simulation(system, count)
    for name, by_period in inputs.items():
        for period, values in by_period.items():
            simulation.set_input(name, period, values)
    return simulation
