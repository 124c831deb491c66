"""The population: one row per enterprise with every input a declaration may name.

Inputs are built set-at-a-time from the store for one evaluation date (``as_of``):

* the **accounting window**: ``y1`` is the latest accounting year that has ended on or before
  ``as_of`` (RULES §8.4: HNTE looks at the three years before the application, the tech-SME
  evaluation at the previous year), ``y2``… the years before it;
* window totals over the years the firm actually operated ("实际经营不满三年的按实际年限"),
  unknown when any of those years lacks the figure;
* counts over lists (IP rights, platforms, incidents, standards, awards, financing rounds).
  A firm with no row in a list has none **only if that list has been imported at all**;
  otherwise the count is unknown (a list never imported is not a list of zeros).

Which inputs there are, their units and meaning, is in ``rulelang.registry`` (one entry per
input, with the stage below that builds it). Money is in whole fen.
"""

from __future__ import annotations

import datetime as dt

import ibis
import ibis.expr.types as ir

from ..domain.enums import IPKind
from .engines import Store
from .registry import (
    POLICY_INPUTS,
    POPULATION_INPUTS,
    WINDOW_SUMS,
    YEAR_FIELDS,
    YEARS,
    dtype_of_unit,
)

CLASS_I = [k.value for k in IPKind if k.ip_class == 1]
CLASS_II = [k.value for k in IPKind if k.ip_class == 2]


# 国科发火〔2016〕32号 第十一条（八）: only these three bar an HNTE recognition.
HNTE_INCIDENTS = ["safety", "quality", "environment"]
# 国科发政〔2017〕115号 第八条（三） "省部级以上研发机构": research institutions, not incubators,
# makerspaces, pilot bases, transfer offices or compute centres.
RD_INSTITUTIONS = [
    "state_key_lab",
    "key_lab",
    "enterprise_tech_centre",
    "engineering_centre",
    "new_rd_institute",
]


def window_year(as_of: dt.date) -> int:
    """The latest accounting (calendar) year that has ended on or before ``as_of``."""
    return as_of.year if as_of == dt.date(as_of.year, 12, 31) else as_of.year - 1


def application_window_year(application_date: dt.date) -> int:
    """The latest accounting year ended *before* an application date (RULES §8.4: the three
    years before the application): an application on 31 December cannot yet include that
    year's accounts, so it is always the previous calendar year."""
    return application_date.year - 1


def imported_kinds(store: Store) -> set[str]:
    batches = store.table("import_batches")
    if batches is None:
        return set()
    return set(store.to_arrow(batches.select("kind").distinct()).column("kind").to_pylist())


def build_population(
    store: Store, as_of: dt.date, covered: set[str], accounting_year: int | None = None
) -> ir.Table:
    """One row per enterprise with every input of the ``population`` stage for ``as_of``; ``covered``:
    the kinds of list imported at least once (their absence from a list then means none);
    ``accounting_year``: the latest year of the window (default ``window_year(as_of)``; an
    application date gives ``application_window_year``)."""
    y1 = window_year(as_of) if accounting_year is None else accounting_year
    ent = store.table("enterprises")
    districts = store.table("districts")
    day = ibis.literal(as_of)
    founded = ent.founded_on
    # Completed years: compare month and day as an integer, identical on every engine.
    as_of_md = as_of.month * 100 + as_of.day
    age = (
        ibis.literal(as_of.year)
        - founded.year()
        - ibis.ifelse(founded.month() * 100 + founded.day() > as_of_md, 1, 0)
    )
    certified = ent.hnte_certified_on
    cert_valid = (
        certified.notnull()
        & (certified <= day)
        & (
            (ibis.literal(as_of.year) - certified.year()) * 10000
            + (ibis.literal(as_of_md) - certified.month() * 100 - certified.day())
            < 30000
        )
    )
    base = ent.select(
        enterprise_id=ent.id,
        credit_code=ent.credit_code,
        name=ent.name,
        district_id=ent.district_id,
        founded_on=founded,
        days_registered=day.delta(founded, unit="day").cast("int64"),
        age_years=age.cast("int64"),
        founded_year=founded.year().cast("int64"),
        industry_code=ent.industry_code,
        industry_section=ent.industry_code.substr(0, 1),
        industry_division=ent.industry_code.substr(1, 2),
        sei_category=ent.sei_category,
        hnte_field=_optional(ent, "hnte_field", "string"),
        tax_collection=_optional(ent, "tax_collection", "string"),
        listed=ent.listed.cast("boolean"),
        valuation=ent.valuation.cast("int64"),
        hnte_certificate_valid=cert_valid,
    )
    codes = districts.select(district_key=districts.id, district_code=districts.code)
    base = base.left_join(codes, base.district_id == codes.district_key).drop("district_key")
    frame = base.left_join(_years(store, y1, covered), "enterprise_id")
    frame = frame.drop(*[c for c in frame.columns if c.endswith("_right")])
    for part in (
        _ip(store, as_of, covered),
        _platforms(store, as_of, covered),
        _incidents(store, as_of, y1, covered),
        _standards(store, as_of, covered),
        _awards(store, as_of, covered),
        _financing(store, as_of, covered),
        _reviews(store, as_of, y1),
    ):
        if part is None:
            continue
        table, columns, kind = part
        if kind is not None:
            table = table.mutate(_in_list=ibis.literal(True))
        frame = frame.left_join(table, "enterprise_id")
        frame = frame.drop(*[c for c in frame.columns if c.endswith("_right")])
        if kind is not None:  # list counts: none when the list was imported, else unknown
            # A firm without rows has none; a count the list itself leaves unknown stays so.
            absent = frame._in_list.isnull()
            frame = frame.mutate(**{c: ibis.ifelse(absent, 0, frame[c]) for c in columns}).drop(
                "_in_list"
            )
    frame = frame.mutate(**_window_columns(frame, y1))
    missing = {
        name: ibis.null(dtype_of_unit(i.unit))
        for name, i in POPULATION_INPUTS.items()
        if name not in frame.columns and name not in ("as_of", "window_year")
    }
    return frame.mutate(as_of=day, window_year=ibis.literal(y1, type="int64"), **missing)


def _optional(table: ir.Table, column: str, dtype: str) -> ir.Expr:
    return table[column] if column in table.columns else ibis.null(dtype)


def _years(store: Store, y1: int, covered: set[str]) -> ir.Table:
    ey = store.table("enterprise_years")
    fields = [f for f in YEAR_FIELDS if f in ey.columns]
    aggregates = {}
    for k in range(1, YEARS + 1):
        year = y1 - k + 1
        in_year = ey.year == year
        for name in fields:
            aggregates[f"{name}_y{k}"] = (
                ibis.ifelse(in_year, ey[name], ibis.null()).cast("int64").max()
            )
    window = ey.filter(ey.year.between(y1 - YEARS + 1, y1))
    return window.group_by(enterprise_id=window.enterprise_id).aggregate(**aggregates)


def _window_columns(frame: ir.Table, y1: int) -> dict[str, ir.Expr]:
    columns = {}
    for years in (3, 4):
        operated = [frame.founded_year <= y1 - k + 1 for k in range(1, years + 1)]
        columns[f"years_operating_{years}y"] = sum(o.cast("int64") for o in operated)
    for name, (fieldname, years) in WINDOW_SUMS.items():
        if f"{fieldname}_y1" not in frame.columns:
            continue
        total = None
        for k in range(1, years + 1):
            operated = frame.founded_year <= y1 - k + 1
            # A year the firm operated must be there; a year before it was founded counts 0.
            term = ibis.ifelse(operated, frame[f"{fieldname}_y{k}"], 0)
            total = term if total is None else total + term
        columns[name] = total
    return columns


# Terms of protection counted from the filing date (专利法第四十二条, 2020 amendment in force
# 2021-06-01: designs 15 years, filed before then 10); kinds without a term here count until
# their recorded lapse date (终止日期) only.
PATENT_TERMS = {"invention_patent": 20, "defence_patent": 20, "utility_model": 10}
DESIGN_TERM_CHANGE = dt.date(2021, 6, 1)


def _day_key(date: ir.Expr) -> ir.Expr:
    return date.year() * 10000 + date.month() * 100 + date.day()


def _in_force(ip: ir.Table, as_of: dt.date) -> ir.Expr:
    """Granted by ``as_of``, not lapsed (终止日期) on or before it, and its term not ended: a
    term of N years from filing ends on the day before the Nth anniversary. Without a filing
    date the grant date bounds it (filing comes first), so an item is dropped only when even
    that shows the term over (🟡: a grant-dated item may count a little too long)."""
    day = ibis.literal(as_of)
    start = ip.applied_on.fill_null(ip.granted_on)
    design_term = ibis.ifelse(start >= ibis.literal(DESIGN_TERM_CHANGE), 15, 10)
    term = ibis.cases(
        *[(ip.kind == kind, years) for kind, years in PATENT_TERMS.items()],
        (ip.kind == "design_patent", design_term),
        else_=ibis.null("int64"),
    )
    as_of_key = as_of.year * 10000 + as_of.month * 100 + as_of.day
    within_term = term.isnull() | (_day_key(start) + term * 10000 > as_of_key)
    lapse = ip.lapsed_on if "lapsed_on" in ip.columns else ibis.null("date")
    not_lapsed = lapse.isnull() | (lapse > day)
    return ip.granted_on.notnull() & (ip.granted_on <= day) & within_term & not_lapsed


def _granted(store: Store, as_of: dt.date):
    ip = store.table("ip_rights")
    return ip.filter(_in_force(ip, as_of))


def _ip(store: Store, as_of: dt.date, covered: set[str]):
    if store.table("ip_rights") is None or "ip_rights" not in covered:
        return None
    ip = _granted(store, as_of)
    owned = ip.acquisition != "licence"
    class1 = ip.kind.isin(CLASS_I)
    class2 = ip.kind.isin(CLASS_II)
    unused = (
        (ip.hnte_used_on.isnull() | (ip.hnte_used_on >= ibis.literal(as_of)))
        if "hnte_used_on" in ip.columns
        else ibis.literal(True)
    )
    aggregates = {
        "ip_class1_owned": (class1 & owned).cast("int64").sum(),
        "ip_class2_owned": (class2 & owned & unused).cast("int64").sum(),
        "ip_class2_owned_total": (class2 & owned).cast("int64").sum(),
        "ip_class1_held": class1.cast("int64").sum(),
        "ip_class2_held": class2.cast("int64").sum(),
        "ip_self_developed": (ip.acquisition == "own").cast("int64").sum(),
    }
    table = ip.group_by(enterprise_id=ip.enterprise_id).aggregate(**aggregates)
    return table, list(aggregates), "ip_rights"


def _platforms(store: Store, as_of: dt.date, covered: set[str]):
    p = store.table("platforms")
    if p is None or "platforms" not in covered:
        return None
    p = p.filter(
        p.enterprise_id.notnull()
        & p.level.isin(["national", "provincial"])
        & p.kind.isin(RD_INSTITUTIONS)
        & (p.approved_on.isnull() | (p.approved_on <= ibis.literal(as_of)))
    )
    table = p.group_by(enterprise_id=p.enterprise_id).aggregate(
        rd_institution_provincial=p.count().cast("int64")
    )
    return table, ["rd_institution_provincial"], "platforms"


def _years_before(as_of: dt.date, years: int) -> dt.date:
    try:
        return as_of.replace(year=as_of.year - years)
    except ValueError:  # 29 February
        return as_of.replace(year=as_of.year - years, day=28)


LISTINGS = ["abnormal_operation", "serious_violation"]


def _incidents(store: Store, as_of: dt.date, y1: int, covered: set[str]):
    t = store.table("incidents")
    if t is None or "incidents" not in covered:
        return None
    day = ibis.literal(as_of)
    t = t.filter(t.occurred_on <= day)
    window_start = ibis.literal(dt.date(y1, 1, 1))
    since_y1 = t.occurred_on >= window_start
    # A listing (经营异常名录, 严重违法失信名单) counts while it stands in y1 or the current year:
    # made in the window, or made before it and lifted (移出日期) in it or not at all. Made
    # before the window without a removal date, it is not known to stand: unknown, not none.
    listing = t.kind.isin(LISTINGS)
    removed = t.removed_on if "removed_on" in t.columns else ibis.null("date")
    old_listing = listing & ~since_y1
    standing = old_listing & removed.notnull() & (removed >= window_start)
    unsure = old_listing & removed.isnull()
    known = ((since_y1 & (t.kind != "fraud")) | standing).cast("int64").sum()
    table = t.group_by(enterprise_id=t.enterprise_id).aggregate(
        incidents_12m=(
            (t.occurred_on > ibis.literal(_years_before(as_of, 1))) & t.kind.isin(HNTE_INCIDENTS)
        )
        .cast("int64")
        .sum(),
        # One known record decides (≥ 1); otherwise an unsure listing leaves the count unknown.
        incidents_since_y1=ibis.ifelse(
            (known == 0) & (unsure.cast("int64").sum() > 0), ibis.null("int64"), known
        ),
        fraud_since_y1=(since_y1 & (t.kind == "fraud")).cast("int64").sum(),
    )
    return table, ["incidents_12m", "incidents_since_y1", "fraud_since_y1"], "incidents"


def _standards(store: Store, as_of: dt.date, covered: set[str]):
    t = store.table("standards")
    if t is None or "standards" not in covered:
        return None
    t = t.filter(t.published_on <= ibis.literal(as_of))
    major = t.level.isin(["international", "national", "industry"])
    table = t.group_by(enterprise_id=t.enterprise_id).aggregate(
        standards_led_5y=(
            major & (t.role == "lead") & (t.published_on > ibis.literal(_years_before(as_of, 5)))
        )
        .cast("int64")
        .sum(),
        # 工作指引 知识产权 5 names no period: any national or industry standard so far.
        standards_participated=t.level.isin(["national", "industry"]).cast("int64").sum(),
    )
    return table, ["standards_led_5y", "standards_participated"], "standards"


def _awards(store: Store, as_of: dt.date, covered: set[str]):
    t = store.table("awards")
    if t is None or "awards" not in covered:
        return None
    recent = (t.year > as_of.year - 5) & (t.year <= as_of.year)
    table = t.group_by(enterprise_id=t.enterprise_id).aggregate(
        national_awards_top3_5y=(recent & (t.level == "national") & (t.rank <= 3))
        .cast("int64")
        .sum()
    )
    return table, ["national_awards_top3_5y"], "awards"


def _financing(store: Store, as_of: dt.date, covered: set[str]):
    t = store.table("financing_rounds")
    if t is None or "financing_rounds" not in covered:
        return None
    t = t.filter(t.closed_on <= ibis.literal(as_of))
    recent = t.closed_on > ibis.literal(_years_before(as_of, 3))
    table = t.group_by(enterprise_id=t.enterprise_id).aggregate(
        largest_round_3y=ibis.ifelse(recent, t.amount, 0).cast("int64").max(),
        financing_total=t.amount.cast("int64").sum(),
    )
    return table, ["largest_round_3y", "financing_total"], "financing_rounds"


def _reviews(store: Store, as_of: dt.date, y1: int):
    t = store.table("innovation_reviews")
    if t is None:
        return None
    # The review for this application: the latest year up to as_of, experts before self.
    t = t.filter((t.year <= as_of.year) & (t.year >= y1))
    rank = ibis.row_number().over(
        group_by=t.enterprise_id,
        order_by=[t.year.desc(), ibis.ifelse(t.review_source == "expert", 0, 1)],
    )
    t = t.mutate(_rank=rank).filter(ibis._._rank == 0)
    table = t.select(
        enterprise_id=t.enterprise_id,
        review_advancement=t.advancement.cast("int64"),
        review_core_support=t.core_support.cast("int64"),
        review_rd_management=t.rd_management.cast("int64"),
    )
    return table, ["review_advancement", "review_core_support", "review_rd_management"], None


def policy_columns(
    store: Store,
    population: ir.Table,
    as_of: dt.date,
    covered: set[str],
    accounting_year: int | None = None,
) -> ir.Table:
    """``population`` with every input of the ``policy`` stage added (technology contracts, pilot
    bases, the park, the HNTE certificate); a list never imported leaves its figures unknown.
    ``accounting_year``: the year of the contracts (default ``window_year(as_of)``; an
    application date gives ``application_window_year``)."""
    y1 = window_year(as_of) if accounting_year is None else accounting_year
    ent = store.table("enterprises")
    parks = store.table("parks")
    extra = ent.select(
        enterprise_id=ent.id, _park_id=ent.park_id, hnte_certified_on=ent.hnte_certified_on
    )
    if parks is not None:
        names = parks.select(_park_key=parks.id, park_name=parks.name)
        extra = extra.left_join(names, extra._park_id == names._park_key).drop("_park_key")
    else:
        extra = extra.mutate(park_name=ibis.null("string"))
    extra = extra.drop("_park_id").mutate(
        hnte_certified_year=ibis._.hnte_certified_on.year().cast("int64"),
        hnte_earlier_certificate=ibis.null("boolean"),
    )
    frame = population.left_join(extra, "enterprise_id")
    frame = frame.drop(*[c for c in frame.columns if c.endswith("_right")])
    for part in (_contracts(store, y1, covered), _pilot_bases(store, as_of, covered)):
        if part is None:
            continue
        table, columns = part
        frame = frame.left_join(table, "enterprise_id")
        frame = frame.drop(*[c for c in frame.columns if c.endswith("_right")])
        frame = frame.mutate(**{c: frame[c].fill_null(0) for c in columns})  # imported: none is 0
    missing = {
        n: ibis.null(dtype_of_unit(i.unit))
        for n, i in POLICY_INPUTS.items()
        if n not in frame.columns
    }
    return frame.mutate(**missing) if missing else frame


def _contracts(store: Store, y1: int, covered: set[str]):
    t = store.table("tech_contracts")
    if t is None or "tech_contracts" not in covered:
        return None
    t = t.filter(t.registered_on.year() == y1)
    sold = t.filter(t.seller_enterprise_id.notnull())
    sold = sold.group_by(enterprise_id=sold.seller_enterprise_id).aggregate(
        tech_contract_turnover_y1=sold.contract_amount.cast("int64").sum(),
        tech_contract_amount_y1=sold.tech_amount.cast("int64").sum(),
        tech_contracts_y1=sold.count().cast("int64"),
    )
    bought = t.filter(t.buyer_enterprise_id.notnull())
    bought = bought.group_by(enterprise_id=bought.buyer_enterprise_id).aggregate(
        tech_contract_bought_y1=bought.contract_amount.cast("int64").sum()
    )
    table = sold.outer_join(bought, "enterprise_id")
    table = table.mutate(
        enterprise_id=ibis.coalesce(table.enterprise_id, table.enterprise_id_right)
    )
    table = table.drop("enterprise_id_right")
    return table, [
        "tech_contract_turnover_y1",
        "tech_contract_amount_y1",
        "tech_contracts_y1",
        "tech_contract_bought_y1",
    ]


def _pilot_bases(store: Store, as_of: dt.date, covered: set[str]):
    p = store.table("platforms")
    if p is None or "platforms" not in covered:
        return None
    p = p.filter(
        p.enterprise_id.notnull()
        & (p.kind == "pilot_base")
        & p.level.isin(["national", "provincial"])
        & (p.approved_on.isnull() | (p.approved_on <= ibis.literal(as_of)))
    )
    table = p.group_by(enterprise_id=p.enterprise_id).aggregate(
        pilot_bases_provincial=p.count().cast("int64")
    )
    return table, ["pilot_bases_provincial"]
