"""The qualification rules, re-implemented plainly over stored rows, to check the demo city.

Independent of the generator: integer fen and headcounts from the database, exact integer
comparisons, the thresholds as written in RULES.md. A firm whose data are missing where a
rule needs them does not pass (its result would be "unknown").
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

YI_FEN = 100_000_000 * 100  # 1亿元 in fen
WAN_FEN = 10_000 * 100
CLASS_II = {"utility_model", "design_patent", "software_copyright"}
EVALUATED_ON = dt.date(2023, 12, 31)


@dataclass
class Firm:
    code: str
    founded: dt.date
    listed: bool | None
    valuation: int | None
    certified_on: dt.date | None
    years: dict[int, dict] = field(default_factory=dict)
    granted: dict[str, int] = field(default_factory=lambda: defaultdict(int))  # owned, by kind
    granted_any: dict[str, int] = field(default_factory=lambda: defaultdict(int))  # incl. licences


YEAR_FIELDS = (
    "revenue",
    "total_income",
    "hitech_revenue",
    "total_assets",
    "net_assets",
    "employees",
    "tech_staff",
    "rd_expense",
    "rd_expense_domestic",
)


def load(built) -> dict[str, Firm]:
    firms: dict[int, Firm] = {}
    for id_, code, founded, listed, valuation, certified in built.rows(
        "select id, credit_code, founded_on, listed, valuation, hnte_certified_on from enterprises"
    ):
        firms[id_] = Firm(
            code,
            _date(founded),
            None if listed is None else bool(listed),
            valuation,
            _date(certified) if certified else None,
        )
    for row in built.rows(
        f"select enterprise_id, year, {', '.join(YEAR_FIELDS)} from enterprise_years"
    ):
        firms[row[0]].years[row[1]] = dict(zip(YEAR_FIELDS, row[2:]))
    granted = "select enterprise_id, kind, granted_on, acquisition from ip_rights"
    for id_, kind, granted_on, acquisition in built.rows(f"{granted} where granted_on is not null"):
        if _date(granted_on) <= EVALUATED_ON:
            firms[id_].granted_any[kind] += 1
            if acquisition != "licence":
                firms[id_].granted[kind] += 1
    return {f.code: f for f in firms.values()}


def _date(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def _known(year: dict | None, *fields: str) -> bool:
    return year is not None and all(year[f] is not None for f in fields)


# --- 高新技术企业, RULES.md §1.2 (objective conditions) -----------------------------------------


def hnte_rd_percent(latest_revenue_fen: int) -> int:
    if latest_revenue_fen <= 5_000 * WAN_FEN:
        return 5
    return 4 if latest_revenue_fen <= 2 * YI_FEN else 3


def is_hnte(f: Firm) -> bool:
    """Application at the end of 2023: 近三个会计年度 2021–2023, 近一年 2023."""
    if (EVALUATED_ON - f.founded).days < 365:
        return False
    window = [f.years.get(y) for y in (2021, 2022, 2023) if y in f.years]
    latest = f.years.get(2023)
    needed = ("revenue", "rd_expense", "rd_expense_domestic")
    if not window or not all(_known(y, *needed) for y in window):
        return False
    if not _known(latest, "employees", "tech_staff", "hitech_revenue", "total_income"):
        return False
    if latest["tech_staff"] * 10 < latest["employees"]:  # condition 4: ≥ 10 %
        return False
    revenue = sum(y["revenue"] for y in window)
    rd = sum(y["rd_expense"] for y in window)
    if rd * 100 < hnte_rd_percent(latest["revenue"]) * revenue:  # condition 5
        return False
    if sum(y["rd_expense_domestic"] for y in window) * 10 < 6 * rd:  # condition 5, ≥ 60 % in China
        return False
    if latest["hitech_revenue"] * 10 < 6 * latest["total_income"]:  # condition 6
        return False
    class_ii = sum(f.granted[k] for k in CLASS_II)
    if f.granted["invention_patent"] < 1 and class_ii < 5:  # condition 2 (owned IP)
        return False
    previous = f.years.get(2022)
    return not _known(previous, "revenue") or latest["revenue"] > previous["revenue"]  # growth


# --- 科技型中小企业, RULES.md §2.2–2.4 -----------------------------------------------------------


def _band(value: float, bands: list[tuple[float, int]]) -> int:
    for threshold, points in bands:
        if value >= threshold:
            return points
    return 0


def sme_score(f: Firm, year: int) -> int | None:
    y = f.years.get(year)
    if not _known(y, "employees", "tech_staff", "revenue", "rd_expense") or y["employees"] == 0:
        return None
    staff = _band(
        y["tech_staff"] / y["employees"], [(0.30, 20), (0.25, 16), (0.20, 12), (0.15, 8), (0.10, 4)]
    )
    if staff == 0:
        return 0  # the staff indicator must score
    rd = _band(
        y["rd_expense"] / y["revenue"] if y["revenue"] else 0,
        [(0.06, 50), (0.05, 40), (0.04, 30), (0.03, 20), (0.02, 10)],
    )
    class_ii = sum(f.granted_any[k] for k in CLASS_II)
    ip = (
        30
        if f.granted_any["invention_patent"]
        else _band(class_ii, [(4, 24), (3, 18), (2, 12), (1, 6)])
    )
    return staff + rd + ip


def is_tech_sme(f: Firm, year: int, *, direct: bool = True) -> bool:
    """Evaluated on ``year``'s accounts; ``direct``: a valid HNTE certificate qualifies (§2.4)."""
    y = f.years.get(year)
    if not _known(y, "employees", "revenue", "total_assets"):
        return False
    if y["employees"] > 500 or y["revenue"] > 2 * YI_FEN or y["total_assets"] > 2 * YI_FEN:
        return False
    year_end = dt.date(year, 12, 31)
    if (
        direct
        and f.certified_on
        and f.certified_on <= year_end
        and (year_end - f.certified_on).days < 3 * 365
    ):
        return True
    score = sme_score(f, year)
    return score is not None and score >= 60


# --- 瞪羚 (Liaoning, RULES.md §3.2), 独角兽, 雏鹰 (demo rule) -----------------------------------


def is_gazelle(f: Firm, *, measure: str = "revenue") -> bool:
    if f.founded <= dt.date(2003, 12, 31):  # registered within 20 years
        return False
    base, last, before = (f.years.get(y) for y in (2020, 2023, 2022))
    if not _known(last, measure):
        return False
    years = [y for y in f.years.values() if _known(y, "revenue", "rd_expense") and y["revenue"]]
    if not years or sum(y["rd_expense"] / y["revenue"] for y in years) / len(years) < 0.025:
        return False
    age_years = 2023 - f.founded.year
    if (
        age_years <= 5
        and last[measure] >= 5 * YI_FEN
        or age_years <= 10
        and last[measure] >= 10 * YI_FEN
    ):
        return True
    if _known(base, measure) and _known(before, measure):
        if (
            base[measure] > 1_000 * WAN_FEN
            and last[measure] * 1000 >= 1728 * base[measure]
            and last[measure] > before[measure]
        ):
            return True  # ① CAGR ≥ 20 %: (last / base) ≥ 1.2³ = 1.728
    if _known(base, "employees") and _known(before, "employees") and _known(last, "employees"):
        e0, e2, e3 = base["employees"], before["employees"], last["employees"]
        if e0 > 100 and e3 * 1000 >= 2197 * e0 and e3 > e2:  # ② staff CAGR ≥ 30 %: 1.3³ = 2.197
            return True
    return False


def is_unicorn(f: Firm) -> bool:
    return (
        f.founded > dt.date(2013, 12, 31)
        and f.listed is False
        and f.valuation is not None
        and f.valuation >= 70 * YI_FEN
    )


def is_eaglet(f: Firm) -> bool:
    """The demo's operationalisation (xinzhi.demo.archetypes.EagletRule)."""
    latest = f.years.get(2023)
    return (
        f.founded > dt.date(2013, 12, 31)
        and _known(latest, "revenue", "rd_expense")
        and latest["revenue"] > 0
        and latest["rd_expense"] * 10 >= latest["revenue"]
        and f.granted_any["invention_patent"] >= 1
    )
