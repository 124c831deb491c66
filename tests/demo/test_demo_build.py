"""Building the demo city: determinism, counts, identifiers, provenance, contracts, targets."""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter
from decimal import Decimal

import pytest
import sqlalchemy as sa

from xinzhi.demo import build_demo_city, calibration
from xinzhi.demo.calibration import CityCounts
from xinzhi.domain.credit_code import parse_credit_code
from xinzhi.domain.industry import parse_industry_code, parse_sei_category
from xinzhi.domain.patent import (
    parse_patent_application_number,
    parse_software_copyright_number,
)
from xinzhi.store import models

from .conftest import SEED, SMALL, build

TABLES = (
    "districts",
    "parks",
    "enterprises",
    "enterprise_years",
    "ip_rights",
    "tech_contracts",
    "platforms",
    "targets",
    "incidents",
    "standards",
    "awards",
    "financing_rounds",
    "innovation_reviews",
)
REGISTRY_AS_OF = "2023-08-31"


def _dump(built, table: str) -> list[tuple]:
    with built.engine.connect() as conn:
        columns = [c for c in sa.inspect(conn).get_columns(table) if c["name"] != "imported_at"]
        names = ", ".join(c["name"] for c in columns)
        return [tuple(r) for r in conn.exec_driver_sql(f"select {names} from {table} order by id")]


def test_same_seed_same_rows(demo, tmp_path_factory):
    again = build(tmp_path_factory, "again")
    for table in TABLES:
        assert _dump(again, table) == _dump(demo, table), table
    assert again.summary.rows == demo.summary.rows
    assert again.summary.archetypes == demo.summary.archetypes


def test_another_seed_another_city(demo, tmp_path_factory):
    other = build(tmp_path_factory, "other", seed=SEED + 1)
    assert _dump(other, "enterprises") != _dump(demo, "enterprises")
    assert other.summary.archetypes == demo.summary.archetypes  # the calibration does not move


def test_rows_and_archetypes_scale_with_the_city(demo):
    expected = CityCounts.at(SMALL)
    rows = demo.summary.rows
    assert rows["districts"] == 13 and rows["parks"] == 5
    assert rows["enterprises"] == SMALL
    assert rows["tech_contracts"] == expected.contracts == 654  # 6,521 × 2,000 / 19,938
    assert rows["platforms"] == expected.platforms == 148
    assert rows["enterprise_years"] > 3 * SMALL and rows["ip_rights"] > 2 * SMALL
    assert demo.summary.archetypes == {
        "hnte": 502,
        "tech_sme": 1407,
        "hnte_and_tech_sme": demo.summary.archetypes["hnte_and_tech_sme"],
        "eaglet": 146,
        "gazelle": 25,
        "unicorn": 1,
        "ordinary": demo.summary.archetypes["ordinary"],
    }
    for table in TABLES:
        assert demo.rows(f"select count(*) from {table}")[0][0] == rows[table]


@pytest.mark.parametrize("n", [100, 2_000, 19_938, 20_000, 1_000_000])
def test_counts_at_any_size(n):
    counts = CityCounts.at(n)
    assert counts.unicorns >= 1 and counts.contracts >= 1
    assert counts.national_platforms + counts.pilot_bases <= counts.platforms
    assert counts.new_national_platforms <= counts.national_platforms
    assert counts.hnte_revenue_over_10m[2021] <= counts.hnte_revenue_over_10m[2022] <= counts.hnte
    if n == 19_938:  # the default city reproduces the published figures exactly
        assert (counts.hnte, counts.tech_sme, counts.eaglets) == (5_000, 14_022, 1_453)
        assert counts.gazelles + counts.unicorns == 256 and counts.unicorns == 5
        assert (counts.contracts, counts.platforms, counts.national_platforms) == (6_521, 1_479, 76)
        assert (counts.pilot_bases, counts.new_pilot_bases) == (35, 23)
        assert counts.contract_turnover_fen == 24_930_000_000_00


def test_contract_amounts_rescale_exactly_to_the_published_turnover():
    import numpy as np

    from xinzhi.demo.contracts import (
        MINIMUM_AMOUNT_FEN,
        contract_amounts,
        contract_types,
    )

    counts = CityCounts.at(19_938)
    rng = np.random.Generator(np.random.PCG64(7))
    types = contract_types(rng, counts.contracts)
    amounts = contract_amounts(rng, types, counts.contract_turnover_fen)
    assert len(amounts) == 6_521
    assert int(amounts.sum()) == 24_930_000_000_00  # 249.3亿元 in fen
    assert Decimal(int(amounts.sum())) / 100 == Decimal("24930000000.00")
    assert amounts.min() >= MINIMUM_AMOUNT_FEN


def test_stored_contract_turnover_is_exact(demo):
    total = demo.rows("select sum(contract_amount) from tech_contracts")[0][0]
    assert total == calibration.contract_turnover_fen(SMALL)
    assert demo.summary.contract_turnover_yuan == Decimal(total) / 100


def test_contracts_are_well_formed(demo):
    rows = demo.rows("""select registration_no, contract_type, seller_code, seller_enterprise_id,
                        buyer_code, buyer_enterprise_id, contract_amount, tech_amount, signed_on,
                        registered_on from tech_contracts""")
    codes = dict(demo.rows("select id, credit_code from enterprises"))
    assert len({r[0] for r in rows}) == len(rows)
    types = Counter(r[1] for r in rows)
    assert set(types) == {"development", "transfer", "licence", "consulting", "service"}
    assert types.most_common(2)[0][0] in {"development", "service"}
    assert {t for t, _ in types.most_common(2)} == {"development", "service"}
    outside = 0
    for reg, _, seller_code, seller, buyer_code, buyer, amount, tech, signed, registered in rows:
        assert reg.startswith("2023210100") and len(reg) == 16
        assert codes[seller] == seller_code
        assert buyer != seller
        if buyer is None:
            outside += 1
            assert not parse_credit_code(buyer_code).region.startswith("21")  # another province
        else:
            assert codes[buyer] == buyer_code
        assert 0 < tech <= amount
        assert signed <= registered and registered.startswith("2023-")
        assert dt.date.fromisoformat(registered).weekday() < 5
    assert 0.3 < outside / len(rows) < 0.8


def test_credit_codes_are_valid_and_unique(demo):
    codes = [c for (c,) in demo.rows("select credit_code from enterprises")]
    assert len(set(codes)) == len(codes)
    districts = {c for (c,) in demo.rows("select code from districts")}
    for code in codes:
        parsed = parse_credit_code(code)
        assert (parsed.department, parsed.category) == ("9", "1")
        assert parsed.region in districts
        assert parsed.org_code.startswith("MA")
    buyers = {c for (c,) in demo.rows("select buyer_code from tech_contracts")}
    assert all(parse_credit_code(c) for c in buyers)
    names = [n for (n,) in demo.rows("select name from enterprises")]
    assert len(set(names)) == len(names)


def test_ip_numbers_are_valid_and_match_their_kind(demo):
    rows = demo.rows("select kind, number, applied_on, granted_on, acquisition from ip_rights")
    kinds = Counter(r[0] for r in rows)
    assert set(kinds) == {
        "invention_patent",
        "utility_model",
        "design_patent",
        "software_copyright",
    }
    assert len({(r[0], r[1]) for r in rows}) == len(rows)
    for kind, number, applied, granted, _ in rows:
        assert "2010-01-01" <= applied <= REGISTRY_AS_OF
        assert granted is None or applied < granted <= REGISTRY_AS_OF
        if kind == "software_copyright":
            assert parse_software_copyright_number(number) == number
            assert number[:4] == granted[:4]
        else:
            parsed = parse_patent_application_number(number)
            assert parsed.number == number and parsed.ip_kind.value == kind
            assert parsed.year == int(applied[:4])
    acquisitions = Counter(r[4] for r in rows)
    assert acquisitions.most_common(1)[0][0] == "own" and len(acquisitions) >= 4
    assert any(r[3] is None for r in rows)  # pending applications


def test_every_row_carries_its_provenance(demo):
    batches = {kind: id_ for id_, kind in demo.rows("select id, kind from import_batches")}
    assert set(batches) == set(TABLES)
    for table in TABLES:
        bad = demo.rows(f"""select count(*) from {table}
            where source != 'demo:seed={SEED}' or source_row is not null or imported_at is null
               or as_of is null or import_batch_id != {batches[table]}""")
        assert bad[0][0] == 0, table
    for table in ("districts", "parks", "enterprises", "ip_rights", "platforms", *TABLES[8:]):
        assert demo.rows(f"select distinct as_of from {table}") == [(REGISTRY_AS_OF,)]
    assert (
        demo.rows("select count(*) from enterprise_years where as_of != year || '-12-31'")[0][0]
        == 0
    )
    assert demo.rows("select count(*) from tech_contracts where as_of != registered_on")[0][0] == 0
    assert demo.rows("select distinct as_of from targets") == [("2023-01-01",)]
    for kind, total, inserted, actor, source in demo.rows(
        "select kind, rows_total, rows_inserted, actor, source from import_batches"
    ):
        assert total == inserted == demo.summary.rows[kind]
        assert (actor, source) == ("xinzhi demo", f"demo:seed={SEED}")
    audit = demo.rows("select actor, action, subject from audit_log")
    assert audit == [("xinzhi demo", "demo.build", f"demo:seed={SEED}")]


def test_districts_parks_and_spread(demo):
    districts = demo.rows("select code, name, city, province, kind from districts order by code")
    assert len(districts) == 13
    assert ("210112", "浑南区", "沈阳市", "辽宁省", "district") in districts
    assert ("210124", "法库县", "沈阳市", "辽宁省", "county") in districts
    assert ("210181", "新民市", "沈阳市", "辽宁省", "county_city") in districts
    parks = dict(
        demo.rows("select p.name, d.name from parks p join districts d on d.id = p.district_id")
    )
    assert parks["沈阳高新技术产业开发区"] == "浑南区"
    by_district = demo.rows("""select d.name, count(*) from enterprises e
        join districts d on d.id = e.district_id group by d.name order by count(*) desc""")
    assert [name for name, _ in by_district[:2]] == ["浑南区", "铁西区"]
    years = [int(f[:4]) for (f,) in demo.rows("select founded_on from enterprises")]
    assert min(years) >= 1995 and max(years) == 2023
    for code, sei in demo.rows("select distinct industry_code, sei_category from enterprises"):
        assert parse_industry_code(code) == code and len(code) == 5  # 门类 letter + 小类
        assert sei is None or parse_sei_category(sei) == sei


def test_platforms_match_the_published_mix(demo):
    counts = CityCounts.at(SMALL)
    rows = demo.rows(
        "select name, kind, level, enterprise_id, host_name, approved_on from platforms"
    )
    assert len({r[0] for r in rows}) == len(rows)
    assert sum(r[2] == "national" for r in rows) == counts.national_platforms
    assert sum(r[1] == "pilot_base" for r in rows) == counts.pilot_bases
    assert all(r[2] == "provincial" for r in rows if r[1] == "pilot_base")
    new_labs = sum(r[1] == "state_key_lab" and r[5] >= "2023-01-01" for r in rows)
    assert new_labs == counts.new_state_key_labs
    names = dict(demo.rows("select id, name from enterprises"))
    for _, _, _, enterprise, host, approved in rows:
        assert approved <= REGISTRY_AS_OF
        if enterprise is not None:
            assert names[enterprise] == host
    assert any(r[3] is None for r in rows) and any(r[3] is not None for r in rows)


def test_targets_match_the_published_figures(demo):
    with demo.engine.connect() as conn:
        stored = {
            (t.indicator, t.region): t for t in conn.execute(sa.select(models.Target.__table__))
        }
    published = calibration.city_targets()
    assert len(published) == 7
    for figure in published:
        target = stored[(figure.indicator.removeprefix("目标:"), "沈阳市")]
        low, _, high = figure.value.partition("-")
        assert target.value == Decimal(low) and target.value_max == (
            Decimal(high) if high else None
        )
        assert (target.unit, target.year) == (figure.unit, 2023)
    for indicator in calibration.DISTRICT_TARGETS:
        parts = [t for (i, region), t in stored.items() if i == indicator and region != "沈阳市"]
        assert len(parts) == 13
        assert sum(t.value for t in parts) == stored[(indicator, "沈阳市")].value
    assert stored[("全国重点实验室落地", "沈阳市")].value_max == Decimal(6)


def test_the_package_ships_its_reference_data():
    from xinzhi.demo.reference import DATA, shenyang

    assert (DATA / "published_figures.csv").is_file() and (DATA / "shenyang.json").is_file()
    ref = shenyang()
    assert abs(sum(d.enterprise_share for d in ref.districts) - 1) < 1e-9
    assert len({d.code for d in ref.districts}) == 13
    assert {p.district_code for p in ref.parks} <= {d.code for d in ref.districts}
    for industry in ref.industries:
        assert parse_industry_code(industry.code) == industry.code and industry.words


def test_progress_has_a_finished_task_per_table(tmp_path):
    from rich.console import Console
    from rich.progress import Progress

    from xinzhi.store.db import make_engine
    from xinzhi.store.schema import upgrade

    engine = make_engine(f"sqlite:///{tmp_path / 'p.db'}")
    upgrade(engine)
    with Progress(console=Console(file=io.StringIO())) as progress:
        summary = build_demo_city(engine, seed=5, enterprises=300, progress=progress)
    assert [t.completed for t in progress.tasks] == list(summary.rows.values())
    assert all(t.finished for t in progress.tasks)
    engine.dispose()


def test_builds_on_every_backend(engine):
    """SQLite and PostgreSQL: the same rows, exact money, one transaction."""
    summary = build_demo_city(engine, seed=11, enterprises=300)
    with engine.connect() as conn:
        for table, count in summary.rows.items():
            assert conn.scalar(sa.text(f"select count(*) from {table}")) == count
        total = conn.scalar(sa.text("select sum(contract_amount) from tech_contracts"))
        assert total == calibration.contract_turnover_fen(300)
        stored = conn.scalar(sa.select(sa.func.count()).select_from(models.Enterprise))
    assert stored == 300
    assert summary.contract_turnover_yuan == Decimal(calibration.contract_turnover_fen(300)) / 100


def test_platform_plan_of_the_default_city_matches_every_published_count():
    import numpy as np

    from xinzhi.demo.platforms import plan_platforms

    plan = plan_platforms(np.random.Generator(np.random.PCG64(1)), CityCounts.at(19_938))
    national = [lv == "national" for lv in plan.level]
    labs = [k == "state_key_lab" for k in plan.kind]
    centres = [k == "enterprise_tech_centre" and n for k, n in zip(plan.kind, national)]
    pilot = [k == "pilot_base" for k in plan.kind]
    assert (len(plan.kind), sum(national), sum(pilot)) == (1_479, 76, 35)
    assert sum(plan.new & np.array(national)) == 15
    assert sum(plan.new & np.array(labs)) == 9
    assert sum(plan.new & np.array(centres)) == 5
    assert sum(plan.new & np.array(pilot)) == 23
