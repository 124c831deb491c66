"""The HNTE pre-screen written one enterprise at a time in plain Python — the baseline of
``bench_rules.py``.

The same rules as ``src/xinzhi/rulesets/assessments/hnte.yaml`` (2016 version, as declared on
2026-12-07: standards without a period, the conversion band (0, 1) scoring [0, 6] and its gap
over the years operated, staff counts in hundredths of a person), with the same
semantics as the engine: ``None`` is unknown; logic is three-valued (unknown AND false is
false, unknown OR true is true); ratios are compared exactly by cross-multiplying whole
numbers (a zero denominator makes the ratio unknown); the growth rates are floats compared
after rounding to 12 places; the score is an interval [low, high] — expert-judged items
without a review count [0, max], a band written as a range (7–8 points) counts its range, a
band test on an unknown value leaves open every band still possible. The result is "pass"
when every condition holds and the lowest score exceeds 70, "fail" when a condition fails or
the highest score does not exceed 70, "undetermined" otherwise.

``assess(row)`` gives what the engine writes for each enterprise: status, score_low,
score_high, failed, unknown, missing, gap_zh, gap_en, then the shortfall of each failed lower
bound (``SHORTFALL_COLUMNS``, d__<clause>: max(0, (t − v) / |t|) in doubles, rounded to 9
places as the engine rounds). ``decide(row)`` gives only the status
and the score interval. ``row`` is a dict of the population's input columns (``INPUTS``).
"""

from __future__ import annotations

import math

INPUTS = [
    "days_registered",
    "ip_class1_owned",
    "ip_class2_owned",
    "hnte_field",
    "tech_staff_y1",
    "employees_y1",
    "rd_expense_3y",
    "revenue_3y",
    "revenue_y1",
    "rd_expense_domestic_3y",
    "hitech_revenue_y1",
    "total_income_y1",
    "incidents_12m",
    "review_advancement",
    "review_core_support",
    "review_rd_management",
    "ip_self_developed",
    "standards_participated",
    "conversions_3y",
    "years_operating_3y",
    "net_assets_y1",
    "net_assets_y2",
    "net_assets_y3",
    "revenue_y2",
    "revenue_y3",
]

MIN_REGISTERED_DAYS = 365
REVENUE_SMALL = 5_000 * 10_000 * 100  # 5,000 万元 in fen
REVENUE_MEDIUM = 2 * 100_000_000 * 100  # 2 亿元 in fen
SUPPORTED_FIELDS = {"1", "2", "3", "4", "5", "6", "7", "8"}
SCORE_FLOOR = 70
IP_CAP = 30
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
DECISIVE = [*CONDITIONS, "score"]
# The conditions whose shortfall the engine measures (d__<clause>), and its rounding.
SHORTFALL_CLAUSES = [
    "registered_one_year",
    "core_ip",
    "tech_staff",
    "rd_intensity",
    "rd_in_china",
    "hitech_revenue",
]
SHORTFALL_COLUMNS = [f"d__{c}" for c in SHORTFALL_CLAUSES]
# What ``assess`` returns, in order: the engine's columns of the same names.
OUTPUT_COLUMNS = [
    "status",
    "score_low",
    "score_high",
    "failed",
    "unknown",
    "missing",
    "gap_zh",
    "gap_en",
    *SHORTFALL_COLUMNS,  # d__<clause>: how far a failed lower bound is (a double)
]
SHORTFALL_PLACES = 9
# Growth bands (low end, low end closed, points low, points high), best first.
GROWTH_BANDS = [
    (0.35, True, 9, 10),
    (0.25, True, 7, 8),
    (0.15, True, 5, 6),
    (0.05, True, 3, 4),
    (0.0, False, 1, 2),
]
# Conversion bands (yearly average at least, points low, points high), best first; then the
# average strictly between 0 and 1 scores [0, 6] (band E-, 工作指引 "由专家…综合评价") and 0 scores 0.
CONVERSION_BANDS = [(5, 25, 30), (4, 19, 24), (3, 13, 18), (2, 7, 12), (1, 1, 6)]
PERSON_HUNDREDTHS = 100  # employees_y1 and tech_staff_y1 are kept in hundredths of a person
# The inputs each clause needs (for the "missing" list of an undetermined result).
NEEDS = {
    "registered_one_year": ["days_registered"],
    "core_ip": ["ip_class1_owned", "ip_class2_owned"],
    "supported_field": ["hnte_field"],
    "tech_staff": ["employees_y1", "tech_staff_y1"],
    "rd_intensity": ["rd_expense_3y", "revenue_3y", "revenue_y1"],
    "rd_in_china": ["rd_expense_3y", "rd_expense_domestic_3y"],
    "hitech_revenue": ["hitech_revenue_y1", "total_income_y1"],
    "no_incident": ["incidents_12m"],
    "ip_advancement": ["review_advancement"],
    "ip_core_support": ["review_core_support"],
    "ip_quantity": ["ip_class1_owned", "ip_class2_owned"],
    "ip_acquisition": ["ip_class1_owned", "ip_class2_owned", "ip_self_developed"],
    "ip_standards": ["standards_participated"],
    "conversion": ["conversions_3y", "years_operating_3y"],
    "rd_management": ["review_rd_management"],
    "growth_net_assets": ["net_assets_y1", "net_assets_y2", "net_assets_y3", "years_operating_3y"],
    "growth_revenue": ["revenue_y1", "revenue_y2", "revenue_y3", "years_operating_3y"],
}


# --- three-valued helpers ---------------------------------------------------------------------


def all_of(values):
    result = True
    for value in values:
        if value is False:
            return False
        if value is None:
            result = None
    return result


def at_least(value, bound):
    return None if value is None else value >= bound


def ratio_at_least(num, den, p, q):
    """num / den >= p / q exactly; unknown when an input is missing or den is 0."""
    if num is None or den is None or den == 0:
        return None
    difference = num * q - p * den
    return difference >= 0 if den > 0 else difference <= 0


def ceil_div(num, den):
    return -((-num) // den)


def rounded(x):
    return round(x, 12)


# --- the rules --------------------------------------------------------------------------------


def rd_threshold(revenue_y1):
    """The applicable R&D ratio as (p, q), by the latest year's revenue (第十一条（五）)."""
    if revenue_y1 is None:
        return None
    if revenue_y1 <= REVENUE_SMALL:
        return 1, 20
    if revenue_y1 <= REVENUE_MEDIUM:
        return 1, 25
    return 3, 100


def hnte_growth(first, second, third, years):
    """½ × (second/first + third/second) − 1 with the 工作指引's special cases (oldest first).

    Written to follow the engine's CASE order, where a test on an unknown value does not match.
    """
    if years is not None and years <= 1:
        return 0.0
    if years == 2:
        if second is None or third is None:
            return None
        return None if second <= 0 else third / second - 1
    if (first is not None and first < 0) or (second is not None and second < 0):
        return None
    if second == 0:
        return 0.0
    if first == 0:
        return None if second is None or third is None else third / second - 1
    if first is None or second is None or third is None:
        return None
    return (second / first + third / second) / 2 - 1


def first_band(tests, points):
    """[low, high] over the bands still possible: a band is possible unless its test is false
    or an earlier test is true (an unknown test leaves its band and the later ones open)."""
    low = high = None
    for test, (band_low, band_high) in zip(tests, points):
        if test is not False:
            low = band_low if low is None else min(low, band_low)
            high = band_high if high is None else max(high, band_high)
        if test is True:
            break
    return low, high


def judged(score, maximum):
    if score is None:
        return 0, maximum
    score = min(max(score, 0), maximum)
    return score, score


def growth_points(rate):
    if rate is None:
        tests = [None] * (len(GROWTH_BANDS) + 1)
    else:
        tests = []
        for bound, closed, _, _ in GROWTH_BANDS:
            difference = rounded(rate - bound)
            tests.append(difference >= 0 if closed else difference > 0)
        tests.append(rounded(rate) <= 0)
    return first_band(tests, [(lo, hi) for _, _, lo, hi in GROWTH_BANDS] + [(0, 0)])


def conversion_points(conversions, years):
    if conversions is None or years is None or years == 0:
        tests = [None] * (len(CONVERSION_BANDS) + 1)
    else:
        tests = [conversions >= bound * years for bound, _, _ in CONVERSION_BANDS]
        tests += [conversions * years > 0, True]  # (0, 1): the average's sign is the product's
    bands = [(lo, hi) for _, lo, hi in CONVERSION_BANDS] + [(0, 6), (0, 0)]
    return first_band(tests, bands)


def conditions(row):
    c1, c2 = row["ip_class1_owned"], row["ip_class2_owned"]
    field = row["hnte_field"]
    threshold = rd_threshold(row["revenue_y1"])
    incidents = row["incidents_12m"]
    return {
        # registered_one_year (第十一条（一）): days_registered >= 365
        "registered_one_year": at_least(row["days_registered"], MIN_REGISTERED_DAYS),
        # core_ip (第十一条（二）): ip_class1_owned + ip_class2_owned >= 1 (IP in force: an input)
        "core_ip": None if c1 is None or c2 is None else c1 + c2 >= 1,
        # supported_field (第十一条（三）): hnte_field in '1' … '8'
        "supported_field": None if field is None else field in SUPPORTED_FIELDS,
        # tech_staff (第十一条（四）): tech_staff_y1 / employees_y1 >= 10 % (both in hundredths)
        "tech_staff": ratio_at_least(row["tech_staff_y1"], row["employees_y1"], 1, 10),
        # rd_intensity (第十一条（五）): rd_expense_3y / revenue_3y >= rd_threshold
        "rd_intensity": None
        if threshold is None
        else ratio_at_least(row["rd_expense_3y"], row["revenue_3y"], *threshold),
        # rd_in_china (第十一条（五）): rd_expense_domestic_3y / rd_expense_3y >= 60 %
        "rd_in_china": ratio_at_least(row["rd_expense_domestic_3y"], row["rd_expense_3y"], 3, 5),
        # hitech_revenue (第十一条（六）): hitech_revenue_y1 / total_income_y1 >= 60 %
        "hitech_revenue": ratio_at_least(row["hitech_revenue_y1"], row["total_income_y1"], 3, 5),
        # no_incident (第十一条（八）): incidents_12m == 0
        "no_incident": None if incidents is None else incidents == 0,
    }


def points(row):
    """Each score item as (low, high)."""
    c1, c2 = row["ip_class1_owned"], row["ip_class2_owned"]
    self_developed, standards = row["ip_self_developed"], row["standards_participated"]
    years = row["years_operating_3y"]
    owned = None if c1 is None or c2 is None else c1 + c2 >= 1
    return {
        # ip_advancement, ip_core_support (知识产权 1, 2): judged, 8 each
        "ip_advancement": judged(row["review_advancement"], 8),
        "ip_core_support": judged(row["review_core_support"], 8),
        # ip_quantity (知识产权 3): I类 ≥ 1 → 7–8; II类 ≥ 5 → 5–6, ≥ 3 → 3–4, ≥ 1 → 1–2
        "ip_quantity": first_band(
            [at_least(c1, 1), at_least(c2, 5), at_least(c2, 3), at_least(c2, 1), True],
            [(7, 8), (5, 6), (3, 4), (1, 2), (0, 0)],
        ),
        # ip_acquisition (知识产权 4): own R&D → 1–6; only acquired → 1–3
        "ip_acquisition": first_band(
            [at_least(self_developed, 1), owned, True], [(1, 6), (1, 3), (0, 0)]
        ),
        # ip_standards (知识产权 5): standards_participated >= 1 (no period) → 1–2
        "ip_standards": first_band([at_least(standards, 1), True], [(1, 2), (0, 0)]),
        # conversion (科技成果转化能力): conversions_per_year in bands, (0, 1) → [0, 6]
        "conversion": conversion_points(row["conversions_3y"], years),
        # rd_management (研究开发组织管理水平): judged, 20
        "rd_management": judged(row["review_rd_management"], 20),
        # growth_net_assets, growth_revenue (企业成长性): hnte_growth in the growth bands
        "growth_net_assets": growth_points(
            hnte_growth(row["net_assets_y3"], row["net_assets_y2"], row["net_assets_y1"], years)
        ),
        "growth_revenue": growth_points(
            hnte_growth(row["revenue_y3"], row["revenue_y2"], row["revenue_y1"], years)
        ),
    }


IP_ITEMS = ("ip_advancement", "ip_core_support", "ip_quantity", "ip_acquisition", "ip_standards")
OTHER_ITEMS = ("conversion", "rd_management", "growth_net_assets", "growth_revenue")


def score(items):
    low = min(sum(items[i][0] for i in IP_ITEMS), IP_CAP) + sum(items[i][0] for i in OTHER_ITEMS)
    high = min(sum(items[i][1] for i in IP_ITEMS), IP_CAP) + sum(items[i][1] for i in OTHER_ITEMS)
    return low, high


def verdict(clauses):
    outcome = all_of(clauses[c] for c in DECISIVE)
    return "undetermined" if outcome is None else ("pass" if outcome else "fail")


def decide(row):
    """Status and score interval only."""
    clauses = conditions(row)
    low, high = score(points(row))
    clauses["score"] = True if low > SCORE_FLOOR else (False if high <= SCORE_FLOOR else None)
    return verdict(clauses), low, high


def assess(row):
    """Everything the engine writes for one enterprise (see the module docstring)."""
    clauses = conditions(row)
    items = points(row)
    low, high = score(items)
    clauses["score"] = True if low > SCORE_FLOOR else (False if high <= SCORE_FLOOR else None)
    status = verdict(clauses)
    failed = ",".join(c for c in DECISIVE if clauses[c] is False) or None
    unknown = ",".join(c for c in DECISIVE if clauses[c] is None) or None
    missing = None
    if status == "undetermined":
        open_clauses = [c for c in CONDITIONS if clauses[c] is None]
        open_clauses += [i for i, (lo, hi) in items.items() if lo != hi]
        wanted = {name for c in open_clauses for name in NEEDS[c] if row[name] is None}
        missing = ",".join(sorted(wanted)) or None
    gap_zh, gap_en = gaps(row, clauses)
    return status, low, high, failed, unknown, missing, gap_zh, gap_en, *shortfalls(row, clauses)


def engine_round(x, places):
    """ROUND(x, places) of a double as the engine computes it: std::round(x·10^places) /
    10^places, half away from zero at the product (not Python's exact decimal rounding)."""
    scale = 10.0**places
    scaled = x * scale
    whole = math.floor(abs(scaled))
    whole += 1 if abs(scaled) - whole >= 0.5 else 0
    return math.copysign(whole, scaled) / scale


def shortfall(value, threshold):
    """How far a failed lower bound ``value >= threshold`` is from holding, relative to the
    threshold: max(0, (t − v) / |t|) in doubles, rounded to 9 places; unknown for t = 0."""
    if threshold == 0:
        return None
    return engine_round(max((threshold - value) / abs(threshold), 0.0), SHORTFALL_PLACES)


def share(num, den):
    """A ratio of two whole numbers as the engine's double: each converted, then divided."""
    return float(num) / float(den)


def shortfalls(row, clauses):
    """``d__<clause>`` for the conditions that are lower bounds (not supported_field, an
    ``in``, nor no_incident, an equality): the shortfall where the clause failed, else None."""
    measures = {
        "registered_one_year": lambda: (float(row["days_registered"]), float(MIN_REGISTERED_DAYS)),
        "core_ip": lambda: (float(row["ip_class1_owned"] + row["ip_class2_owned"]), 1.0),
        "tech_staff": lambda: (share(row["tech_staff_y1"], row["employees_y1"]), 0.1),
        "rd_intensity": lambda: (
            share(row["rd_expense_3y"], row["revenue_3y"]),
            share(*rd_threshold(row["revenue_y1"])),
        ),
        "rd_in_china": lambda: (share(row["rd_expense_domestic_3y"], row["rd_expense_3y"]), 0.6),
        "hitech_revenue": lambda: (share(row["hitech_revenue_y1"], row["total_income_y1"]), 0.6),
    }
    return [shortfall(*measures[c]()) if clauses[c] is False else None for c in SHORTFALL_CLAUSES]


def wan(fen):
    """Fen shown in 万元 with two decimals, rounded up to 0.01 万元."""
    hundredths = ceil_div(fen, 10_000)
    return f"{hundredths // 100}.{hundredths % 100:02d}"


def gaps(row, clauses):
    zh, en = [], []

    def add(amount, shown, text_zh, text_en):
        if amount is not None and amount > 0:
            zh.append(text_zh.format(amount=shown(amount)))
            en.append(text_en.format(amount=shown(amount)))

    if clauses["registered_one_year"] is False:
        add(
            MIN_REGISTERED_DAYS - row["days_registered"],
            str,
            "注册满一年还需 {amount} 天",
            "{amount} more days until one year registered",
        )
    if clauses["core_ip"] is False:
        add(
            1 - row["ip_class1_owned"] - row["ip_class2_owned"],
            str,
            "需取得 {amount} 项自有知识产权（I类或II类）",
            "{amount} owned IP item (Class I or II) needed",
        )
    if clauses["tech_staff"] is False:
        # (0.1 × E − T) / 0.9 persons with E, T in hundredths: (E − 10 T) / 900, rounded up
        add(
            ceil_div(row["employees_y1"] - 10 * row["tech_staff_y1"], 9 * PERSON_HUNDREDTHS),
            str,
            "科技人员需增加 {amount} 人",
            "S&T staff +{amount}",
        )
    if clauses["rd_intensity"] is False:
        p, q = rd_threshold(row["revenue_y1"])
        add(
            ceil_div(p * row["revenue_3y"] - q * row["rd_expense_3y"], q),
            wan,
            "近三年研发费用需增加 {amount} 万元",
            "R&D expense +{amount} 万元 over the three years",
        )
    if clauses["rd_in_china"] is False:
        add(
            ceil_div(3 * row["rd_expense_3y"] - 5 * row["rd_expense_domestic_3y"], 2),
            wan,
            "境内研发费用需增加 {amount} 万元",
            "R&D in China +{amount} 万元",
        )
    if clauses["hitech_revenue"] is False:
        add(
            ceil_div(3 * row["total_income_y1"] - 5 * row["hitech_revenue_y1"], 2),
            wan,
            "高新技术产品（服务）收入需增加 {amount} 万元",
            "high-tech revenue +{amount} 万元",
        )
    if clauses["score"] is False:
        c1 = row["ip_class1_owned"]
        if c1 is not None:
            add(
                1 - c1,
                str,
                "取得 {amount} 项I类知识产权可得7–8分",
                "{amount} Class I IP item scores 7–8",
            )
        # conversion: none above band A (an average of 5 or more), else the further conversions
        # over the years operated that lift the average to the next whole number:
        # (floor(conversions / years) + 1) × years − conversions
        conversions, years = row["conversions_3y"], row["years_operating_3y"]
        if conversions is not None and years:
            add(
                0 if conversions >= 5 * years else (conversions // years + 1) * years - conversions,
                str,
                "在实际经营年限内再转化 {amount} 项科技成果可升一档",
                "{amount} more conversions over the years operated reach the next band",
            )
    return "；".join(zh) or None, "; ".join(en) or None
