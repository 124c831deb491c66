"""The demo city's assessment inputs (issue #3): coherent with the archetypes and importable."""

from __future__ import annotations

import csv
import datetime as dt
from collections import Counter

import pytest

from xinzhi.demo.archetypes import Tier
from xinzhi.domain.enums import HnteField
from xinzhi.ingest.kinds import parse_round, parse_standard_number
from xinzhi.ingest.pipeline import import_file
from xinzhi.store.db import make_engine
from xinzhi.store.schema import upgrade

from . import rules

LISTS = ("incidents", "standards", "awards", "financing_rounds", "innovation_reviews")
WAN_FEN = rules.WAN_FEN


@pytest.fixture(scope="module")
def firms(demo):
    return rules.load(demo)


@pytest.fixture(scope="module")
def by_code(demo):
    """Firm index by credit code, to read a stored firm's archetype."""
    return {code: i for i, code in enumerate(demo.city.firms.credit_code)}


def test_every_list_has_its_own_import_batch(demo):
    """An enterprise with no rows in a list had none, because the list was imported."""
    batches = Counter(kind for (kind,) in demo.rows("select kind from import_batches"))
    for kind in LISTS:
        assert batches[kind] == 1
        assert demo.summary.rows[kind] == demo.rows(f"select count(*) from {kind}")[0][0] > 0


def test_hnte_fields_and_tax_collection(demo, by_code):
    arch = demo.city.archetypes
    rows = demo.rows("select credit_code, hnte_field, tax_collection from enterprises")
    known_others = []
    for code, field, tax in rows:
        i = by_code[code]
        assert field is None or HnteField(field)
        if arch.hnte_like[i]:
            assert field is not None  # HNTE condition 3 needs the field
        else:
            known_others.append(field is not None)
        if arch.sme[i] or arch.hnte_like[i]:
            assert tax == "audit"  # the 2022 tech-SME guideline requires 查账征收
    assert 0.8 < sum(known_others) / len(known_others) < 0.9
    taxes = Counter(tax for _, _, tax in rows)
    assert taxes["audit"] > 0.9 * len(rows) and taxes["deemed"] > 0 and taxes[None] > 0


def test_cost_expense_total_and_conversions(demo, by_code):
    bad = demo.rows("""select count(*) from enterprise_years
        where cost_expense_total < rd_expense or cost_expense_total <= 0 or conversions < 0""")
    assert bad[0][0] == 0
    unknown = demo.rows("""select count(*) from enterprise_years
        where cost_expense_total is null or conversions is null""")[0][0]
    assert 0 < unknown < 0.1 * demo.summary.rows["enterprise_years"]
    arch = demo.city.archetypes
    averages = {}
    for code, total in demo.rows("""select e.credit_code, sum(y.conversions)
            from enterprise_years y join enterprises e on e.id = y.enterprise_id
            where y.year between 2021 and 2023 group by e.credit_code"""):
        averages[code] = (total or 0) / 3
    hnte = [averages[c] for c, i in by_code.items() if arch.hnte[i]]
    others = [averages[c] for c, i in by_code.items() if not arch.hnte_like[i]]
    assert sum(a >= 5 for a in hnte) > 0.75 * len(hnte) and min(hnte) >= 3
    assert sum(others) / len(others) < 1.5


def test_class_ii_items_already_used_are_marked_and_never_needed(demo, firms, by_code):
    rows = demo.rows("""select e.credit_code, i.kind, i.acquisition, i.granted_on, i.hnte_used_on,
                            e.hnte_certified_on
                        from ip_rights i join enterprises e on e.id = i.enterprise_id
                        where i.hnte_used_on is not null""")
    assert rows
    for code, kind, acquisition, granted, used, certified in rows:
        assert kind in rules.CLASS_II and acquisition != "licence"
        assert granted <= used
        # the application before the current certificate's: three years and more earlier
        assert (dt.date.fromisoformat(certified) - dt.date.fromisoformat(used)).days > 3 * 365
        assert demo.city.archetypes.hnte[by_code[code]]


def test_incidents_fall_where_the_archetypes_allow(demo, firms, by_code):
    arch = demo.city.archetypes
    qualifying = arch.hnte | arch.sme | (arch.tier != Tier.NONE)
    windows = Counter()
    for code, f in firms.items():
        i = by_code[code]
        for day, _kind in f.incidents:
            assert day >= f.founded
            if day >= dt.date(2019, 1, 1):
                assert not qualifying[i]  # in some window: only firms that qualify for nothing
                windows["recent"] += 1
            else:
                windows["old"] += 1  # outside every window: the rules must read the dates
    assert windows["recent"] > 0 and windows["old"] > 0


def test_standards_and_awards_never_qualify_a_firm_meant_to_fail(demo, firms, by_code):
    """A recent lead of a national standard, or a national top-3 award, qualifies a tech SME
    directly (RULES.md §2.4): only firms that are SMEs or too large hold one."""
    arch = demo.city.archetypes
    leads = awards = 0
    for code, f in firms.items():
        i = by_code[code]
        direct = rules.sme_direct(f, 2023) and not f.certified_on and not f.senior_platform
        if direct:
            assert arch.sme[i] or arch.large[i], code
        leads += any(
            role == "lead" and level in ("national", "industry") for level, role, _ in f.standards
        )
        awards += any(level == "national" for level, _, _ in f.awards)
    assert leads > 0 and awards > 0


def test_standard_numbers_and_round_labels_are_in_import_spelling(demo):
    for number, level in demo.rows("select number, level from standards"):
        assert parse_standard_number(number) == (number, level)
    for (label,) in demo.rows("select distinct round from financing_rounds"):
        assert parse_round(label) == label


def test_financing_rounds_match_the_valuations(demo, firms, by_code):
    tier = demo.city.archetypes.tier
    for code, f in firms.items():
        if f.valuation is None:
            assert not f.rounds
            continue
        rounds = sorted(f.rounds)
        closed, _, post = rounds[-1]
        assert post == f.valuation  # the latest round set the stored valuation …
        assert (
            str(closed)
            == demo.rows(f"select valuation_on from enterprises where credit_code = '{code}'")[0][0]
        )  # … then
        assert all(day >= f.founded for day, _, _ in rounds)
        assert all(p is None or a <= p for _, a, p in rounds)
        biggest = max(a for _, a, _ in rounds)
        if tier[by_code[code]] == Tier.UNICORN:
            assert sum(a for _, a, _ in rounds) >= 35_000 * WAN_FEN  # Shenzhen: ≥ 3.5亿
            assert len(rounds) >= 3
        elif tier[by_code[code]] != Tier.GAZELLE:
            assert biggest < 1_000 * WAN_FEN  # below Liaoning's gazelle row ③


def test_reviews_are_for_2023_and_within_their_ranges(demo):
    rows = demo.rows("""select review_source, advancement, core_support, rd_management, reviewed_on
                        from innovation_reviews""")
    sources = Counter(r[0] for r in rows)
    assert sources["self"] > sources["expert"] > 0
    for _, advancement, core, management, reviewed in rows:
        assert management is not None and 0 <= management <= 20
        assert advancement is None or 0 <= advancement <= 8
        assert core is None or 0 <= core <= 8
        assert "2023-03-01" <= reviewed <= "2023-08-31"
    assert demo.rows("select distinct year from innovation_reviews") == [(2023,)]


def test_the_lists_pass_the_import_checks(demo, tmp_path):
    """Written out as files, the demo's lists import cleanly: the demo and the import checks
    agree on what valid data are."""
    engine = make_engine(f"sqlite:///{tmp_path / 'imported.db'}")
    upgrade(engine)

    def write(name: str, sql: str) -> None:
        with demo.engine.connect() as conn:
            result = conn.exec_driver_sql(sql)
            path = tmp_path / f"{name}.csv"
            with path.open("w", encoding="utf-8", newline="") as handle:
                out = csv.writer(handle)
                out.writerow(result.keys())
                out.writerows(result.all())
        outcome = import_file(engine, name, path, actor="test")
        assert outcome.ok, (name, outcome.errors[:5])
        assert outcome.inserted == demo.summary.rows[name]

    write("districts", "select code, name, city, province, kind, as_of from districts")
    write(
        "enterprises",
        """select credit_code, e.name, d.code as district, founded_on,
        hnte_field, tax_collection, e.as_of from enterprises e join districts d
        on d.id = e.district_id""",
    )
    joined = "join enterprises e on e.id = t.enterprise_id"
    write(
        "incidents",
        f"""select e.credit_code, occurred_on, t.kind, description, t.as_of
        from incidents t {joined}""",
    )
    write(
        "standards",
        f"""select e.credit_code, number, t.name, level, role, published_on,
        t.as_of from standards t {joined}""",
    )
    write(
        "awards", f"select e.credit_code, t.name, level, rank, year, t.as_of from awards t {joined}"
    )
    write(
        "financing_rounds",
        f"""select e.credit_code, closed_on, round,
        amount / 100.0 as amount, investor, post_money_valuation / 100.0 as post_money_valuation,
        t.as_of from financing_rounds t {joined}""",
    )
    write(
        "innovation_reviews",
        f"""select e.credit_code, year, review_source, advancement,
        core_support, rd_management, reviewed_on, t.as_of from innovation_reviews t {joined}""",
    )
    engine.dispose()
