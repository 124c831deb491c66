"""The stored data pass, or clearly fail, the rules each firm's archetype stands for.

The archetypes are never stored: the rules in ``rules.py``, applied to the database rows,
must rediscover exactly the firms the generator meant (regenerated from the same seed).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from xinzhi.demo.archetypes import HnteGap, Tier
from xinzhi.demo.calibration import CityCounts

from . import rules


@pytest.fixture(scope="module")
def firms(demo):
    return rules.load(demo)


def _codes(demo, mask) -> set[str]:
    return {c for c, keep in zip(demo.city.firms.credit_code, mask.tolist()) if keep}


def test_hnte_firms_meet_every_objective_condition_and_others_miss_one(demo, firms):
    passing = {code for code, f in firms.items() if rules.is_hnte(f)}
    assert passing == _codes(demo, demo.city.archetypes.hnte)


def test_hnte_firms_hold_a_certificate_from_the_last_three_years(demo, firms):
    hnte = _codes(demo, demo.city.archetypes.hnte)
    certified = {code for code, f in firms.items() if f.certified_on}
    assert certified == hnte
    for code in hnte:
        f = firms[code]
        assert dt.date(2020, 8, 31) < f.certified_on <= dt.date(2023, 8, 31)
        assert (f.certified_on - f.founded).days >= 365


def test_non_hnte_firms_miss_conditions_in_a_realistic_mix(demo):
    gaps = demo.city.archetypes.hnte_gap[~demo.city.archetypes.hnte]
    shares = {gap.name: float(np.mean(gaps == gap)) for gap in HnteGap if gap != HnteGap.NONE}
    assert all(share > 0.02 for share in shares.values()), shares
    assert max(shares.values()) < 0.6, shares


@pytest.mark.parametrize("year", [2022, 2023])
@pytest.mark.parametrize("direct", [True, False], ids=["direct-qualification", "points-only"])
def test_tech_smes_qualify_on_previous_and_current_year(demo, firms, year, direct):
    passing = {code for code, f in firms.items() if rules.is_tech_sme(f, year, direct=direct)}
    assert passing == _codes(demo, demo.city.archetypes.sme)


@pytest.mark.parametrize("measure", ["revenue", "total_income"])
def test_gazelles_meet_the_liaoning_rule_and_nobody_else_does(demo, firms, measure):
    passing = {code for code, f in firms.items() if rules.is_gazelle(f, measure=measure)}
    assert passing == _codes(demo, demo.city.archetypes.tier == Tier.GAZELLE)


def test_gazelle_growth_computed_from_stored_revenue(demo, firms):
    for code in _codes(demo, demo.city.archetypes.tier == Tier.GAZELLE):
        years = firms[code].years
        base, last = years[2020]["revenue"], years[2023]["revenue"]
        assert base > 1_000 * rules.WAN_FEN
        assert (last / base) ** (1 / 3) - 1 >= 0.20
        assert last > years[2022]["revenue"]
        assert firms[code].founded.year >= 2003


def test_unicorns_and_eaglets(demo, firms):
    arch = demo.city.archetypes
    assert {c for c, f in firms.items() if rules.is_unicorn(f)} == _codes(
        demo, arch.tier == Tier.UNICORN
    )
    assert {c for c, f in firms.items() if rules.is_eaglet(f)} == _codes(
        demo, arch.tier == Tier.EAGLET
    )


def test_hnte_revenue_over_10m_matches_the_published_counts(demo, firms):
    expected = CityCounts.at(demo.summary.enterprises).hnte_revenue_over_10m
    hnte = [firms[c] for c in _codes(demo, demo.city.archetypes.hnte)]
    for year, count in expected.items():
        assert (
            sum(f.years[year]["revenue"] > 1_000 * rules.WAN_FEN for f in hnte if year in f.years)
            == count
        )


def test_some_values_are_unknown_but_never_what_an_archetype_needs(demo, firms):
    assert 0.015 < demo.summary.null_share < 0.025
    nulls = demo.rows(
        "select count(*) from enterprise_years where revenue is null or employees is null"
    )
    assert nulls[0][0] > 0
    for code in _codes(demo, demo.city.archetypes.hnte):
        for year in firms[code].years.values():
            assert all(year[f] is not None for f in rules.YEAR_FIELDS)


def test_accounts_are_consistent(demo):
    bad = demo.rows("""
        select count(*) from enterprise_years
        where total_income < revenue or hitech_revenue > total_income
           or tech_staff > employees or rd_expense_domestic > rd_expense
           or revenue <= 0 or employees <= 0 or rd_expense < 0
    """)
    assert bad[0][0] == 0
    negative = demo.rows("select count(*) from enterprise_years where net_assets < 0")[0][0]
    losses = demo.rows("select count(*) from enterprise_years where profit < 0")[0][0]
    assert negative > 0 and losses > 0
    # Years start at the founding year, never before.
    early = demo.rows("""
        select count(*) from enterprise_years y join enterprises e on e.id = y.enterprise_id
        where y.year < cast(substr(e.founded_on, 1, 4) as integer)
    """)
    assert early[0][0] == 0
