"""The qualification rules, re-implemented plainly over stored rows, to check the demo city.

Independent of the generator: integer fen and headcounts from the database, exact integer
and fraction arithmetic, the thresholds as written in RULES.md. A firm whose data are missing
where a rule needs them does not pass (its result would be "unknown").
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from fractions import Fraction

YI_FEN = 100_000_000 * 100  # 1亿元 in fen
WAN_FEN = 10_000 * 100
CLASS_II = {"utility_model", "design_patent", "software_copyright"}
EVALUATED_ON = dt.date(2023, 12, 31)
HNTE_VETOES = {"safety", "quality", "environment"}  # RULES.md §1.2 condition 8
SME_GUIDELINE_2022 = 2022  # 国科火字〔2022〕67号: 查账征收, and 严重弄虚作假 as a veto (§2.2)


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
    # owned Class II items not yet used in an HNTE application (RULES.md §1.3: once only)
    unused_class_ii: int = 0
    own_developed: bool = False  # holds an item it developed itself (§1.4.1 item 4)
    hnte_field: str | None = None
    tax_collection: str | None = None
    incidents: list[tuple[dt.date, str]] = field(default_factory=list)
    standards: list[tuple[str, str, dt.date]] = field(default_factory=list)  # level, role, date
    awards: list[tuple[str, int, int]] = field(default_factory=list)  # level, rank, year
    rounds: list[tuple[dt.date, int, int | None]] = field(default_factory=list)  # amount, post
    reviews: dict[str, tuple] = field(default_factory=dict)  # source → 3 scores (None: unknown)
    senior_platform: bool = False  # hosts a provincial or national platform


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
    "cost_expense_total",
    "conversions",
)


def load(built) -> dict[str, Firm]:
    firms: dict[int, Firm] = {}
    for id_, code, founded, listed, valuation, certified, hnte_field, tax in built.rows(
        "select id, credit_code, founded_on, listed, valuation, hnte_certified_on, hnte_field,"
        " tax_collection from enterprises"
    ):
        firms[id_] = Firm(
            code,
            _date(founded),
            None if listed is None else bool(listed),
            valuation,
            _date(certified) if certified else None,
            hnte_field=hnte_field,
            tax_collection=tax,
        )
    for row in built.rows(
        f"select enterprise_id, year, {', '.join(YEAR_FIELDS)} from enterprise_years"
    ):
        year = dict(zip(YEAR_FIELDS, row[2:]))
        for name in ("employees", "tech_staff"):  # stored in hundredths of a person
            if year[name] is not None:
                year[name] = Fraction(year[name], 100)
        firms[row[0]].years[row[1]] = year
    granted = "select enterprise_id, kind, granted_on, acquisition, hnte_used_on from ip_rights"
    for id_, kind, granted_on, acquisition, used in built.rows(
        f"{granted} where granted_on is not null"
    ):
        if _date(granted_on) <= EVALUATED_ON:
            firms[id_].granted_any[kind] += 1
            if acquisition != "licence":
                firms[id_].granted[kind] += 1
                firms[id_].unused_class_ii += kind in CLASS_II and used is None
                firms[id_].own_developed |= acquisition == "own"
    for id_, occurred, kind in built.rows("select enterprise_id, occurred_on, kind from incidents"):
        firms[id_].incidents.append((_date(occurred), kind))
    for id_, level, role, published in built.rows(
        "select enterprise_id, level, role, published_on from standards"
    ):
        firms[id_].standards.append((level, role, _date(published)))
    for id_, level, rank, year in built.rows("select enterprise_id, level, rank, year from awards"):
        firms[id_].awards.append((level, rank, year))
    for id_, closed, amount, post in built.rows(
        "select enterprise_id, closed_on, amount, post_money_valuation from financing_rounds"
    ):
        firms[id_].rounds.append((_date(closed), amount, post))
    for id_, source, *scores in built.rows(
        "select enterprise_id, review_source, advancement, core_support, rd_management"
        " from innovation_reviews where year = 2023"
    ):
        firms[id_].reviews[source] = tuple(scores)
    for (id_,) in built.rows(
        "select enterprise_id from platforms where enterprise_id is not null"
        " and level in ('provincial', 'national')"
    ):
        firms[id_].senior_platform = True
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


def is_hnte(f: Firm, *, veto: bool = True) -> bool:
    """Application at the end of 2023: 近三个会计年度 2021–2023, 近一年 2023.

    The objective conditions 1–6 and, with ``veto``, condition 8 (no serious incident in the
    year before); condition 7, the innovation score, is ``innovation_range``.
    """
    if (EVALUATED_ON - f.founded).days < 365:
        return False
    if f.hnte_field is None:  # condition 3: a field of the state-supported list
        return False
    if veto and any(
        kind in HNTE_VETOES and (EVALUATED_ON - day).days <= 365 for day, kind in f.incidents
    ):
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
    if f.granted["invention_patent"] < 1 and f.unused_class_ii < 5:  # condition 2 (owned IP)
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
    # Staff counts are exact Fractions: compare with exact thresholds (the float 0.1 is a
    # little above one tenth, so 12/120 would miss the band).
    staff = _band(
        y["tech_staff"] / y["employees"],
        [
            (Fraction(p, 100), points)
            for p, points in ((30, 20), (25, 16), (20, 12), (15, 8), (10, 4))
        ],
    )
    if staff == 0:
        return 0  # the staff indicator must score
    rd = _band(
        y["rd_expense"] / y["revenue"] if y["revenue"] else 0,
        [(0.06, 50), (0.05, 40), (0.04, 30), (0.03, 20), (0.02, 10)],
    )
    if y["cost_expense_total"]:  # the better of the two measures (RULES.md §2.3)
        bands = [(0.30, 50), (0.25, 40), (0.20, 30), (0.15, 20), (0.10, 10)]
        rd = max(rd, _band(y["rd_expense"] / y["cost_expense_total"], bands))
    class_ii = sum(f.granted_any[k] for k in CLASS_II)
    ip = (
        30
        if f.granted_any["invention_patent"]
        else _band(class_ii, [(4, 24), (3, 18), (2, 12), (1, 6)])
    )
    return staff + rd + ip


def sme_direct(f: Firm, year: int) -> bool:
    """RULES.md §2.4: a valid HNTE certificate, a national award in the top 3 or the lead of an
    international, national or industry standard in the last 5 years, or a provincial or
    national R&D institution."""
    year_end = dt.date(year, 12, 31)
    if f.certified_on and f.certified_on <= year_end and (year_end - f.certified_on).days < 3 * 365:
        return True
    if any(
        level == "national" and rank <= 3 and year - 5 < won <= year
        for level, rank, won in f.awards
    ):
        return True
    if any(
        role == "lead"
        and level in ("international", "national", "industry")
        and year - 5 < day.year <= year
        for level, role, day in f.standards
    ):
        return True
    return f.senior_platform


def is_tech_sme(f: Firm, year: int, *, direct: bool = True) -> bool:
    """Evaluated on ``year``'s accounts; ``direct``: the routes of §2.4 qualify."""
    y = f.years.get(year)
    if not _known(y, "employees", "revenue", "total_assets"):
        return False
    if y["employees"] > 500 or y["revenue"] > 2 * YI_FEN or y["total_assets"] > 2 * YI_FEN:
        return False
    if year >= SME_GUIDELINE_2022 and f.tax_collection != "audit":  # condition 1 (2022)
        return False
    vetoes = {"fraud"} if year >= SME_GUIDELINE_2022 else set()
    vetoes |= HNTE_VETOES | {"research_misconduct", "abnormal_operation", "serious_violation"}
    if any(kind in vetoes and year - 1 <= day.year <= year for day, kind in f.incidents):
        return False  # condition 4: the previous and the current year
    if direct and sme_direct(f, year):
        return True
    score = sme_score(f, year)
    return score is not None and score >= 60


# --- 企业创新能力评价, RULES.md §1.4: the score's [floor, ceiling] ------------------------------

CONVERSION_BANDS = [(5, 25, 30), (4, 19, 24), (3, 13, 18), (2, 7, 12), (1, 1, 6)]
GROWTH_BANDS = [
    (Fraction(35, 100), 9, 10),
    (Fraction(25, 100), 7, 8),
    (Fraction(15, 100), 5, 6),
    (Fraction(5, 100), 3, 4),
]


def innovation_range(f: Firm, *, source: str | None = None) -> tuple[int, int]:
    """The 100-point score's lowest and highest possible value (pass ≥ 71).

    Reviewed items come from the expert review if there is one (else the self-assessment,
    or ``source``); an item nobody scored spans its whole range. Other items span their band.
    """
    review = f.reviews.get(source) if source else f.reviews.get("expert", f.reviews.get("self"))
    advancement, core, management = review or (None, None, None)
    lo = hi = 0
    for score, top in ((advancement, 8), (core, 8)):
        lo, hi = lo + (score or 0), hi + (top if score is None else score)
    if f.granted["invention_patent"]:
        count = (7, 8)
    else:
        count = next(
            ((a, b) for n, a, b in ((5, 5, 6), (3, 3, 4), (1, 1, 2)) if f.unused_class_ii >= n),
            (0, 0),
        )
    owned = f.granted["invention_patent"] + f.unused_class_ii
    acquisition = (1, 6) if f.own_developed else ((1, 3) if owned else (0, 0))
    # §1.4.1 item 5, read with a window of three years (RULES.md gives none; the lower floor)
    drafted = any(
        level in ("national", "industry") and day.year > EVALUATED_ON.year - 3
        for level, _, day in f.standards
    )
    bonus = (1, 2) if drafted else (0, 0)
    lo = min(lo + count[0] + acquisition[0] + bonus[0], 30)
    hi = min(hi + count[1] + acquisition[1] + bonus[1], 30)
    conversions = [f.years[y]["conversions"] for y in (2021, 2022, 2023) if y in f.years]
    total = sum(c for c in conversions if c is not None)  # averaged over 3 years (§1.4.2)
    band = next(((a, b) for n, a, b in CONVERSION_BANDS if total >= 3 * n), (0, 0))
    if None in conversions:
        band = (0, 30)
    lo, hi = lo + band[0], hi + band[1]
    lo, hi = lo + (management or 0), hi + (20 if management is None else management)
    for measure in ("net_assets", "revenue"):
        points = _growth_points(growth_rate(f, measure))
        lo, hi = lo + points[0], hi + points[1]
    return lo, hi


def growth_rate(f: Firm, measure: str) -> Fraction | None:
    """RULES.md §1.4.4 over 2021–2023, with the readings marked 🟡 there; None scores 0."""
    values = [f.years[y][measure] for y in (2021, 2022, 2023) if y in f.years]
    if any(v is None for v in values) or len(values) < 2:
        return None
    if len(values) == 2:
        a2, a3 = values
        return Fraction(a3, a2) - 1 if a2 > 0 else None
    a1, a2, a3 = values
    if a2 <= 0 or a1 < 0:
        return None
    if a1 == 0:
        return Fraction(a3, a2) - 1
    return (Fraction(a2, a1) + Fraction(a3, a2)) / 2 - 1


def _growth_points(rate: Fraction | None) -> tuple[int, int]:
    if rate is None or rate <= 0:
        return (0, 0)
    return next(((a, b) for threshold, a, b in GROWTH_BANDS if rate >= threshold), (1, 2))


# --- 瞪羚 (Liaoning, RULES.md §3.2), 独角兽, 雏鹰 (demo rule) -----------------------------------


def is_gazelle(f: Firm, *, measure: str = "revenue", venture: bool = True) -> bool:
    """Liaoning, rows ≤ 5, ≤ 10 and ≤ 20 years with variants ①, ② and (``venture``) ③."""
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
    if (
        _known(base, measure)
        and _known(before, measure)
        and base[measure] > 1_000 * WAN_FEN
        and last[measure] * 1000 >= 1728 * base[measure]
        and last[measure] > before[measure]
    ):
        return True  # ① CAGR ≥ 20 %: (last / base) ≥ 1.2³ = 1.728
    if _known(base, "employees") and _known(before, "employees") and _known(last, "employees"):
        e0, e2, e3 = base["employees"], before["employees"], last["employees"]
        if e0 > 100 and e3 * 1000 >= 2197 * e0 and e3 > e2:  # ② staff CAGR ≥ 30 %: 1.3³ = 2.197
            return True
    return venture and any(amount >= 1_000 * WAN_FEN for _, amount, _ in f.rounds)  # ③


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
