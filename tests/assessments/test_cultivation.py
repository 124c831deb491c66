"""The cultivation pipeline (issue #3, "苗企 lists … within a configurable distance of each tier,
by district, with counts against the targets"): the distance rule on hand-made results of a
recorded run, then the pipeline of a real run checked against that run."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pyarrow as pa
import pytest
from typer.testing import CliRunner

from xinzhi.assessments.catalogue import load_catalog
from xinzhi.assessments.cultivation import (
    Distance,
    PipelineError,
    build_pipeline,
    parse_distance,
    pass_mark,
)
from xinzhi.assessments.runs import RunResult, _long_schema, evaluate, record, summarise
from xinzhi.cli import app
from xinzhi.store.db import session_scope
from xinzhi.store.models import Target

from .firms import AS_OF, registry

HNTE = load_catalog().get("hnte", AS_OF)


def _row(enterprise_id, status, failed=None, score=(80, 80), gap=None, shortfall=(), unknown=None):
    return {
        "enterprise_id": enterprise_id,
        "credit_code": f"C{enterprise_id}",
        "name": f"企业{enterprise_id}",
        "district_id": None,
        "assessment": "hnte",
        "status": status,
        "score_low": score[0],
        "score_high": score[1],
        "failed": failed,
        "unknown": unknown,
        "missing": None,
        "gap_zh": gap,
        "gap_en": gap,
        "shortfall": list(dict(shortfall).items()),
    }


@pytest.fixture
def recorded(sqlite_engine):
    """Seven firms in 和平区 with hand-made HNTE results, recorded as a run; a target of 5."""
    ids = list(registry(sqlite_engine, [{} for _ in range(7)]).values())
    rows = [
        _row(ids[0], "pass"),
        _row(ids[1], "pass"),
        # one clause 25 % short of its threshold (科技人员 7.5 % of 10 %)
        _row(
            ids[2], "fail", "tech_staff", gap="科技人员需增加 2 人", shortfall={"tech_staff": 0.25}
        ),
        _row(  # two clauses, each near
            ids[3],
            "fail",
            "tech_staff,rd_intensity",
            shortfall={"tech_staff": 0.05, "rd_intensity": 0.1},
        ),
        _row(ids[4], "fail", "score", score=(60, 66)),  # 71 needed: 5 points short
        _row(ids[5], "fail", "score", score=(40, 50)),  # 21 points short
        _row(ids[6], "undetermined", score=(50, 90)),
    ]
    with session_scope(sqlite_engine) as session:
        session.add(
            Target(
                indicator="国家高新技术企业数量",
                region="和平区",
                year=2023,
                value=Decimal(5),
                unit="家",
                source="test",
                as_of=AS_OF,
            )
        )
    district = _district_id(sqlite_engine)
    table = pa.Table.from_pylist([{**r, "district_id": district} for r in rows], _long_schema())
    result = RunResult(AS_OF, [HNTE], table, {}, summary=summarise(table, [HNTE]))
    record(sqlite_engine, result, actor="test")
    return sqlite_engine, ids, district


def _district_id(engine):
    from sqlalchemy import select

    from xinzhi.store.models import District

    with session_scope(engine) as session:
        return session.scalar(select(District.id))


def test_pass_mark_is_read_from_the_declaration():
    """国科发火〔2016〕195号 工作指引: innovation score must exceed 70 (≥ 71 in whole points)."""
    assert pass_mark(HNTE, AS_OF) == 71


def test_a_seedling_fails_at_most_max_failed_clauses_and_is_near_the_pass_mark(recorded):
    """Issue #19: a seedling is near on every clause it fails — the score within the points
    margin, a numeric clause within the relative margin of its threshold (the run's recorded
    shortfall: 科技人员 25 % short of 10 % is not within 20 %, but is within 30 %)."""
    engine, ids, _ = recorded
    pipeline = build_pipeline(engine)
    found = {s.enterprise_id: s for s in pipeline.seedlings}
    assert set(found) == {ids[4]}  # 5 points short of 71
    assert found[ids[4]].score_short == 5 and found[ids[4]].failed_text[0].zh == "评分达到要求"
    wider = build_pipeline(engine, distance=Distance(max_failed=2, score_margin=25))
    assert {s.enterprise_id for s in wider.seedlings} == {ids[3], ids[4], ids[5]}
    assert next(s for s in wider.seedlings if s.enterprise_id == ids[3]).shortfalls == {
        "tech_staff": 0.05,
        "rd_intensity": 0.1,
    }
    looser = build_pipeline(engine, distance=parse_distance(1, 10, "30"))
    assert {s.enterprise_id for s in looser.seedlings} == {ids[2], ids[4]}
    hnte_only = build_pipeline(engine, distance=parse_distance(1, 10, "10,hnte=30"))
    assert {s.enterprise_id for s in hnte_only.seedlings} == {ids[2], ids[4]}
    tight = build_pipeline(engine, distance=Distance(max_failed=1, score_margin=4))
    assert {s.enterprise_id for s in tight.seedlings} == set()


def test_an_open_score_is_data_to_collect_never_a_seedling(sqlite_engine):
    """Issue #19: "a firm whose decisive clauses are unknown is undetermined, shown apart with
    the data to collect, never a seedling". A firm 5 % short on one clause whose score interval
    still straddles the pass mark (expert-judged items known only at review) is listed to
    collect the review scores; with the score known and failing within the margin it is a
    seedling; with the score failing by more, neither."""
    ids = list(registry(sqlite_engine, [{} for _ in range(3)]).values())
    near = {"rd_intensity": 0.05}
    rows = [
        _row(ids[0], "fail", "rd_intensity", score=(50, 90), shortfall=near, unknown="score"),
        _row(ids[1], "fail", "rd_intensity,score", score=(60, 66), shortfall=near),
        _row(ids[2], "fail", "rd_intensity,score", score=(40, 50), shortfall=near),
    ]
    district = _district_id(sqlite_engine)
    table = pa.Table.from_pylist([{**r, "district_id": district} for r in rows], _long_schema())
    record(
        sqlite_engine,
        RunResult(AS_OF, [HNTE], table, {}, summary=summarise(table, [HNTE])),
        actor="test",
    )
    pipeline = build_pipeline(sqlite_engine, distance=Distance(max_failed=2))
    assert [s.enterprise_id for s in pipeline.seedlings] == [ids[1]]
    (collect,) = pipeline.to_collect
    assert collect.enterprise_id == ids[0] and collect.unknown == ["score"]
    assert "专家评价项待补" in collect.unknown_text[0].zh
    assert "innovation_reviews" in collect.unknown_text[0].en


def test_counts_by_district_and_city_against_the_target(recorded):
    engine, _, district = recorded
    rows = {row.district_id: row for row in build_pipeline(engine).rows}
    mine = rows[district]
    assert (mine.passed, mine.seedlings, mine.undetermined, mine.to_collect) == (2, 1, 1, 0)
    assert mine.target == 5 and mine.target_year == 2023
    assert mine.shortfall == 3 and mine.covered is False  # 1 seedling cannot close a gap of 3
    city = rows[None]
    assert (city.passed, city.seedlings, city.undetermined) == (2, 1, 1)
    assert city.target is None and city.shortfall is None and city.covered is None  # no city target
    assert build_pipeline(engine, target_year=2024).rows[0].target is None


def test_district_and_tier_filters(recorded):
    engine, _, district = recorded
    only = build_pipeline(engine, district_id=district)
    assert [row.district_id for row in only.rows] == [district]
    assert build_pipeline(engine, families={"sme"}).rows == []


def test_bad_distance_and_no_run_are_clear_errors(sqlite_engine):
    with pytest.raises(PipelineError, match="max_failed"):
        Distance(max_failed=0)
    with pytest.raises(PipelineError, match="margins"):
        Distance(relative_margin=Fraction(-1, 10))
    with pytest.raises(PipelineError, match="相对差距“abc”"):
        parse_distance(1, 10, "abc")
    with pytest.raises(PipelineError, match="margins 0–100"):
        parse_distance(1, 10, "20,unicorn=150")
    with pytest.raises(PipelineError, match="score_margin: a whole number"):
        parse_distance(1, "ten", "20")
    with pytest.raises(PipelineError, match="xinzhi assess"):
        build_pipeline(sqlite_engine)
    with pytest.raises(PipelineError, match="no assessment run 99"):
        build_pipeline(sqlite_engine, run_id=99)


def test_pipeline_of_a_real_run_agrees_with_the_run(sqlite_engine, tmp_path, monkeypatch):
    from xinzhi.demo.city import build_demo_city

    build_demo_city(sqlite_engine, seed=11, enterprises=300)
    result = evaluate(sqlite_engine, as_of=dt.date(2023, 12, 31))
    record(sqlite_engine, result, actor="test")
    pipeline = build_pipeline(sqlite_engine, distance=Distance(max_failed=2, score_margin=15))
    rows = result.results.to_pylist()
    for assessment, counts in result.summary["counts"].items():
        city = next(
            r for r in pipeline.rows if r.assessment == assessment and r.district_id is None
        )
        assert (city.passed, city.undetermined) == (counts["pass"], counts["undetermined"])
        districts = [r for r in pipeline.rows if r.assessment == assessment and r.district_id]
        assert sum(r.seedlings for r in districts) == city.seedlings
    status = {(r["enterprise_id"], r["assessment"]): r for r in rows}
    assert pipeline.seedlings
    for seedling in pipeline.seedlings:
        row = status[(seedling.enterprise_id, seedling.assessment)]
        assert row["status"] == "fail" and 1 <= len(seedling.failed) <= 2
        assert seedling.score_short is None or seedling.score_short <= 15
        # Issue #19: a firm with a clause unknown — the score's open interval included — is
        # never a seedling.
        assert not row["unknown"] and not seedling.unknown
    # Issue #19: a firm with no valuation recorded is never a unicorn seedling, and no tier
    # lists more seedlings than it has passes (or ten, for a tier almost nobody passes).
    no_valuation = {
        r["enterprise_id"]
        for r in rows
        if r["assessment"] == "liaoning_unicorn" and "valuation" in (r["unknown"] or "")
    }
    assert no_valuation
    unicorn_seedlings = {s.enterprise_id for s in pipeline.seedlings if s.family == "unicorn"}
    assert not unicorn_seedlings & no_valuation
    for city_row in (r for r in pipeline.rows if r.district_id is None):
        assert city_row.seedlings <= max(city_row.passed, 10), city_row
    hnte = next(
        r
        for r in pipeline.rows
        if r.assessment == "hnte" and r.district_id is not None and r.target is not None
    )  # the demo city has district HNTE targets
    assert hnte.shortfall == max(0, int(-(-hnte.target // 1)) - hnte.passed)

    monkeypatch.setenv("XINZHI_DATABASE_URL", str(sqlite_engine.url))
    out = tmp_path / "苗企.xlsx"
    cli = CliRunner().invoke(
        app,
        [
            "cultivate",
            "--max-failed",
            "2",
            "--score-margin",
            "15",
            "--tier",
            "hnte",
            "-o",
            str(out),
        ],
    )
    assert cli.exit_code == 0, cli.output
    assert "梯度培育" in cli.output and out.exists()
    from openpyxl import load_workbook

    book = load_workbook(out, read_only=True)
    listed = list(book["苗企名单 seedlings"].iter_rows(min_row=2, values_only=True))
    assert len(listed) == sum(1 for s in pipeline.seedlings if s.assessment == "hnte")
    bad = CliRunner().invoke(app, ["cultivate", "--district", "不存在区"])
    assert bad.exit_code == 1 and "unknown district" in bad.output


# --- unicorn seedlings (issue #19): near on the valuation, never with it unknown --------------

UNICORN = load_catalog().get("liaoning_unicorn", AS_OF)
USD_1BN = 7_000_000 * 100_000  # 70亿元 in fen (10亿美元 at 7)


def _unicorn_row(enterprise_id, failed, unknown=None, short_fen=None):
    gap = None if short_fen is None else f"估值还差 {short_fen / 1_000_000:.2f} 万元"
    shortfall = {} if short_fen is None else {"valuation": short_fen / USD_1BN}
    return {
        **_row(enterprise_id, "fail", failed, (None, None), gap, shortfall, unknown),
        "assessment": "liaoning_unicorn",
    }


@pytest.fixture
def unicorns(sqlite_engine):
    ids = list(registry(sqlite_engine, [{} for _ in range(6)]).values())
    rows = [
        _unicorn_row(ids[0], "valuation", short_fen=USD_1BN // 5),  # 20 % short: near
        _unicorn_row(ids[1], "valuation", short_fen=USD_1BN // 5 + 1_000_000),  # 1万元 more
        _unicorn_row(ids[2], "private_investment", unknown="valuation"),  # no round, no valuation
        _unicorn_row(ids[3], "private_investment"),  # valued, never privately financed
        _unicorn_row(ids[4], "unlisted,valuation", short_fen=1_000_000),  # listed: not acquirable
        _unicorn_row(ids[5], "valuation", short_fen=USD_1BN // 10),  # 10 % short
    ]
    district = _district_id(sqlite_engine)
    table = pa.Table.from_pylist([{**r, "district_id": district} for r in rows], _long_schema())
    result = RunResult(AS_OF, [UNICORN], table, {}, summary=summarise(table, [UNICORN]))
    record(sqlite_engine, result, actor="test")
    return sqlite_engine, ids


def test_a_unicorn_seedling_is_within_the_margin_of_the_valuation(unicorns):
    """火炬中心/辽宁 "投后估值超过（含）10亿美元": within 20 % of USD 1 bn (the default margin)
    is near, a little more is not; a firm with no valuation recorded (the clause unknown) is
    never a seedling, nor one that fails a clause it cannot acquire (listed, no financing)."""
    engine, ids = unicorns
    found = {s.enterprise_id for s in build_pipeline(engine).seedlings}
    assert found == {ids[0], ids[5]}
    tighter = Distance(tier_margins=(("unicorn", Fraction(1, 10)),))
    assert {s.enterprise_id for s in build_pipeline(engine, distance=tighter).seedlings} == {ids[5]}
    wide = Distance(max_failed=2, relative_margin=Fraction(1))
    assert ids[2] not in {s.enterprise_id for s in build_pipeline(engine, distance=wide).seedlings}


def test_the_seedling_shows_its_gaps(unicorns):
    engine, ids = unicorns
    seedling = next(s for s in build_pipeline(engine).seedlings if s.enterprise_id == ids[5])
    assert seedling.gap.zh == "估值还差 70000.00 万元"
    assert seedling.failed_text[0].zh.startswith("最近一轮融资的投后估值超过（含）10亿美元")
