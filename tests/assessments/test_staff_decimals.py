"""Fractional staff counts at the 10 % line (issue #19 item 12). 国科发火〔2016〕32号 第十一条
（四）"科技人员占企业当年职工总数的比例不低于10%" and 科技型中小企业评价办法 第七条（一）(科技人员
占比 10 % → 4 points, below → 0) read 全年月平均数, which may be fractional: 12.25 of 122.5
is exactly 10 % (met), 12.24 of 122.5 is 9.99 % (not met) — compared exactly, with the same
answer on DuckDB and on PostgreSQL."""

from __future__ import annotations

import pytest

from xinzhi.assessments.explanations import explain
from xinzhi.assessments.runs import evaluate

from .firms import AS_OF, registry
from .test_hnte import SELF_DEVELOPED, WORKED
from .test_sme import firm as sme_firm


def _years(employees, tech_staff) -> dict:
    years = {y: dict(v) for y, v in WORKED.items()}
    years[2023].update(employees=employees, tech_staff=tech_staff)
    return years


FIRMS = {
    "at": dict(years=_years("122.5", "12.25"), ip=SELF_DEVELOPED, hnte_field="8"),
    "under": dict(years=_years("122.5", "12.24"), ip=SELF_DEVELOPED, hnte_field="8"),
}


def _run(engine, backend: str) -> dict[str, dict]:
    result = evaluate(engine, as_of=AS_OF, only={"hnte", "sme"}, backend=backend)
    rows = {}
    for assessment in ("hnte", "sme"):
        for row in result.detail[assessment].to_pylist():
            rows[(assessment, row["enterprise_id"])] = row
    return result, rows


@pytest.fixture
def staffed(engine):
    firms = [
        {**FIRMS["at"], "name": "恰好10%"},
        {**FIRMS["under"], "name": "差0.01人"},
        sme_firm("科小恰好10%", employees="122.5", tech_staff="12.25"),
        sme_firm("科小差0.01人", employees="122.5", tech_staff="12.24"),
    ]
    ids = list(registry(engine, firms, lists=("ip_rights", "incidents")).values())
    return engine, ids


def test_hnte_ten_percent_of_a_fractional_staff(staffed):
    """第十一条（四）不低于10%: 12.25 / 122.5 passes; 12.24 / 122.5 fails, one more person short."""
    engine, (at, under, *_) = staffed
    result, rows = _run(engine, "duckdb")
    assert rows[("hnte", at)]["c__tech_staff"] is True
    assert rows[("hnte", under)]["c__tech_staff"] is False
    assert "科技人员需增加 1 人" in rows[("hnte", under)]["gap_zh"]
    assert rows[("hnte", at)]["v__tech_staff_y1"] == pytest.approx(12.25)
    lines = "\n".join(
        line for e in explain(result, at) if e.declaration.id == "hnte" for line in e.lines("zh")
    )
    assert "12.25" in lines and "122.50" in lines


def test_sme_staff_points_at_ten_percent(staffed):
    """第七条（一）: [10 %, 15 %) → 4 points; below 10 % → 0 (and the item must score)."""
    engine, (_, _, at, under) = staffed
    _, rows = _run(engine, "duckdb")
    assert (rows[("sme", at)]["p__staff__low"], rows[("sme", at)]["p__staff__high"]) == (4, 4)
    assert (rows[("sme", under)]["p__staff__low"], rows[("sme", under)]["p__staff__high"]) == (
        0,
        0,
    )


@pytest.mark.postgres
def test_duckdb_and_postgres_agree_on_fractional_staff(postgres_engine):
    """The same firms in a PostgreSQL store: its own engine and DuckDB give the same decisions
    and values."""
    firms = [{**FIRMS["at"], "name": "恰好10%"}, {**FIRMS["under"], "name": "差0.01人"}]
    registry(postgres_engine, firms, lists=("ip_rights", "incidents"))
    _, duck = _run(postgres_engine, "duckdb")
    _, pg = _run(postgres_engine, "postgres")
    assert duck.keys() == pg.keys()
    for key in duck:
        for column in ("status", "c__tech_staff", "v__tech_staff_y1", "v__employees_y1"):
            if column in duck[key]:
                assert duck[key][column] == pg[key][column], (key, column)
    assert sorted(r["c__tech_staff"] for k, r in duck.items() if k[0] == "hnte") == [False, True]


def test_a_policy_correction_takes_a_fractional_staff_count():
    """An objection (异议) corrects 科技人员数 with the same two decimals as the import."""
    from xinzhi.policies.objections import ObjectionError, parse_correction

    assert parse_correction("tech_staff_y1=12.25") == ("tech_staff_y1", 1225)
    with pytest.raises(ObjectionError, match="tech_staff_y1"):
        parse_correction("tech_staff_y1=12.255")


def test_a_snapshot_of_other_code_is_not_replayed(sqlite_engine):
    """A run recorded before staff counts moved to hundredths read a snapshot holding whole
    persons: replaying it with today's units would show 1.2 staff for 120. Such a run's words
    are refused (and the profile evaluates live) rather than given wrong."""
    from xinzhi.assessments.catalogue import load_catalog
    from xinzhi.assessments.runs import (
        WordsUnavailable,
        latest_run,
        read_results,
        record,
        recorded_result,
    )
    from xinzhi.store.db import session_scope
    from xinzhi.store.models.runs import EvaluationRun

    ids = registry(sqlite_engine, [{**FIRMS["at"], "name": "恰好10%"}])
    result = evaluate(sqlite_engine, as_of=AS_OF, only={"hnte"}, words=False)
    run_id = record(sqlite_engine, result, actor="test")
    firm = next(iter(ids.values()))
    assert recorded_result(latest_run(sqlite_engine), load_catalog(), firm) is not None
    with session_scope(sqlite_engine) as session:  # as a run of the earlier code left it
        run = session.get(EvaluationRun, run_id)
        run.summary = {**run.summary, "snapshot_code": None}
    run = latest_run(sqlite_engine)
    assert recorded_result(run, load_catalog(), firm) is None
    with pytest.raises(WordsUnavailable):
        read_results(run)
