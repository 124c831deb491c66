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


def test_a_serious_incident_vetoes_firms_that_meet_every_other_condition(demo, firms):
    """RULES.md §1.2 condition 8: without the veto, the vetoed firms would qualify."""
    arch = demo.city.archetypes
    vetoed = _codes(demo, arch.hnte_gap == HnteGap.INCIDENT)
    assert len(vetoed) == CityCounts.at(demo.summary.enterprises).hnte_incidents
    without_veto = {code for code, f in firms.items() if rules.is_hnte(f, veto=False)}
    assert without_veto == _codes(demo, arch.hnte) | vetoed
    for code in vetoed:
        kinds = {kind for day, kind in firms[code].incidents if day.year == 2023}
        assert kinds and kinds <= rules.HNTE_VETOES
        assert firms[code].certified_on is None
    assert demo.summary.assessment_inputs["hnte_like_vetoed_by_incident"] == len(vetoed)


def test_innovation_score_passes_most_hnte_firms_and_fails_none(demo, firms):
    """RULES.md §1.4: pass if the lowest possible score reaches 71, fail if the highest does
    not, otherwise undetermined — most HNTE firms pass, a minority is undetermined."""
    hnte = _codes(demo, demo.city.archetypes.hnte)
    ranges = {code: rules.innovation_range(firms[code]) for code in hnte}
    passing = sum(lo >= 71 for lo, _ in ranges.values())
    assert all(hi >= 71 for _, hi in ranges.values())
    assert 0.8 < passing / len(hnte) < 0.95
    counts = demo.summary.assessment_inputs
    assert counts["hnte_innovation_pass"] == passing
    assert counts["hnte_innovation_undetermined"] == len(hnte) - passing
    assert counts["hnte_innovation_fail"] == 0


def test_generator_floor_is_the_rules_floor(demo, firms):
    """The score floor the generator aimed at is the one the rules compute from the rows;
    its ceiling is a guarantee (the rules' may be higher)."""
    reviews = demo.city.inputs.reviews
    for i, code in enumerate(demo.city.firms.credit_code):
        if reviews.floor[i] >= 0:
            lo, hi = rules.innovation_range(firms[code])
            assert lo == reviews.floor[i] and hi >= reviews.ceiling[i], code


def test_self_assessment_and_expert_review_agree_on_the_outcome(demo, firms):
    hnte = _codes(demo, demo.city.archetypes.hnte)
    both = [code for code in hnte if {"self", "expert"} <= firms[code].reviews.keys()]
    assert len(both) > 0.15 * len(hnte)
    for code in both:
        by_self = rules.innovation_range(firms[code], source="self")[0] >= 71
        by_experts = rules.innovation_range(firms[code], source="expert")[0] >= 71
        assert by_self == by_experts, code


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
    # The incident veto is rare by design (a handful of firms, see the test above).
    mix = (gap for gap in HnteGap if gap not in (HnteGap.NONE, HnteGap.INCIDENT))
    shares = {gap.name: float(np.mean(gaps == gap)) for gap in mix}
    assert all(share > 0.02 for share in shares.values()), shares
    assert max(shares.values()) < 0.6, shares


@pytest.mark.parametrize("year", [2022, 2023])
@pytest.mark.parametrize("direct", [True, False], ids=["direct-qualification", "points-only"])
def test_tech_smes_qualify_on_previous_and_current_year(demo, firms, year, direct):
    passing = {code for code, f in firms.items() if rules.is_tech_sme(f, year, direct=direct)}
    assert passing == _codes(demo, demo.city.archetypes.sme)


@pytest.mark.parametrize("measure", ["revenue", "total_income"])
def test_gazelles_meet_the_liaoning_rule_and_nobody_else_does(demo, firms, measure):
    passing = {
        code for code, f in firms.items() if rules.is_gazelle(f, measure=measure, venture=False)
    }
    assert passing == _codes(demo, demo.city.archetypes.tier == Tier.GAZELLE)


def test_a_venture_round_of_10m_makes_only_unicorns_gazelles_too(demo, firms):
    """Liaoning row ③ (a single round ≥ 1,000万): only gazelles and unicorns raise that much;
    a unicorn then meets the gazelle rule as well and counts in its higher tier."""
    tier = demo.city.archetypes.tier
    passing = {code for code, f in firms.items() if rules.is_gazelle(f)}
    assert passing == _codes(demo, (tier == Tier.GAZELLE) | (tier == Tier.UNICORN))


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
