"""New entrants (新增雏鹰、瞪羚、独角兽): the latest run describing the period against the run
before it — here a run as of 2022-12-31 and one as of 2023-12-31 over the same city."""

from __future__ import annotations

import datetime as dt

import pyarrow.compute as pc
import pytest

from xinzhi.assessments.runs import evaluate, record
from xinzhi.documents.briefings.compose import build_briefing
from xinzhi.metrics.periods import Period

from .helpers import demo_city


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    with demo_city(tmp_path_factory.mktemp("entrants"), seed=11, enterprises=400) as engine:
        runs = {}
        for as_of in (dt.date(2022, 12, 31), dt.date(2023, 12, 31)):
            result = evaluate(engine, as_of=as_of)
            record(engine, result, actor="测试员")
            runs[as_of.year] = result.results
        yield engine, runs


def passed(results, assessment: str) -> set[int]:
    rows = results.filter(
        pc.and_(pc.equal(results["assessment"], assessment), pc.equal(results["status"], "pass"))
    )
    return set(rows["enterprise_id"].to_pylist())


def test_new_entrants_are_the_passes_the_earlier_run_did_not_have(two_runs):
    engine, runs = two_runs
    briefing = build_briefing(engine, Period("annual", 2023), charts=False)
    gradient = next(s for s in briefing.sections if s.key == "gradient")
    table = {row[0]: row for row in gradient.tables[0].rows}
    new_eaglets = passed(runs[2023], "liaoning_eaglet") - passed(runs[2022], "liaoning_eaglet")
    assert table["雏鹰企业"][1] == str(len(passed(runs[2023], "liaoning_eaglet")))
    assert table["雏鹰企业"][2] == str(len(new_eaglets))
    assert any(
        f"与2022年12月31日的评价相比，新增雏鹰企业{len(new_eaglets)}家" in b.text
        for b in gradient.bullets
    )
    # the 2022 briefing reads the 2022 run, and has none before it
    earlier = build_briefing(engine, Period("annual", 2022), charts=False)
    gradient_2022 = next(s for s in earlier.sections if s.key == "gradient")
    assert gradient_2022.tables[0].rows[0][2] == "数据缺失"
