"""The application date (issue #19 item 8): an HNTE or 科小 pre-screen for an application made
on a given day. 国科发火〔2016〕32号 第十一条（一）"注册成立一年以上" (365 days, 工作指引) and
（八）"申请认定前一年内" run to that day; 第十一条（五）/ RULES §8.4 "近三个会计年度" are the
three accounting years ended before it. Without it nothing changes: 31 December of the
latest accounting year."""

from __future__ import annotations

import datetime as dt

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from xinzhi.assessments.runs import InvalidApplicationDate, evaluate
from xinzhi.cli import app
from xinzhi.rulelang.population import application_window_year, window_year

from .firms import registry
from .test_hnte import SELF_DEVELOPED, WORKED

APPLIED = dt.date(2024, 6, 15)  # mid-year: accounting years 2021–2023


def _hnte(engine, application_date=APPLIED, **firm):
    firm.setdefault("years", WORKED)
    firm.setdefault("ip", SELF_DEVELOPED)
    firm.setdefault("hnte_field", "8")
    registry(engine, [firm], lists=("ip_rights", "incidents"))
    result = evaluate(engine, application_date=application_date, only={"hnte"})
    return result.detail["hnte"].to_pylist()[0]


def test_accounting_years_are_those_ended_before_the_application():
    """RULES §8.4: an application on 2025-03-01 reads 2022–2024; one on 31 December cannot
    include that year yet, while the evaluation date 31 December does."""
    assert application_window_year(dt.date(2025, 3, 1)) == 2024
    assert application_window_year(dt.date(2024, 12, 31)) == 2023
    assert window_year(dt.date(2024, 12, 31)) == 2024


def test_application_2025_03_01_reads_2022_to_2024(sqlite_engine):
    """第十一条（五）: R&D over the three years 2022–2024 (2021's figures are not read)."""
    years = {2021: dict(WORKED[2021]), 2022: dict(WORKED[2021]), 2023: dict(WORKED[2022])}
    years[2024] = dict(WORKED[2023])
    years[2021].update(rd_expense=9999, revenue=1)  # outside the window: would change the ratio
    row = _hnte(sqlite_engine, dt.date(2025, 3, 1), years=years)
    assert row["v__rd_ratio_3y"] == pytest.approx((190 + 230 + 280) / (3800 + 4500 + 5200))
    assert row["c__rd_intensity"] is True


@pytest.mark.parametrize(
    ("days", "registered"), [(364, False), (365, True), (366, True)], ids=["before", "at", "after"]
)
def test_registered_one_year_runs_to_the_application_date(sqlite_engine, days, registered):
    """第十一条（一）注册成立一年以上 (365 days) counted to 2024-06-15, not to 2023-12-31 (when
    such a firm was not even founded)."""
    row = _hnte(sqlite_engine, founded_on=APPLIED - dt.timedelta(days=days))
    assert row["c__registered_one_year"] is registered


@pytest.mark.parametrize(
    ("occurred_on", "bars"),
    [
        (dt.date(2023, 6, 15), False),  # a year before the application: outside "一年内"
        (dt.date(2023, 6, 16), True),  # the first day inside the year
        (APPLIED, True),  # the application day itself
        (dt.date(2024, 6, 16), False),  # after the application
    ],
    ids=["year-before", "first-day-in", "application-day", "day-after"],
)
def test_incident_window_is_the_year_before_the_application(sqlite_engine, occurred_on, bars):
    """第十一条（八）申请认定前一年内未发生重大安全、重大质量事故或严重环境违法行为."""
    row = _hnte(sqlite_engine, incidents=[(occurred_on, "safety")])
    assert row["c__no_incident"] is (not bars)


def test_application_on_31_december_has_its_own_snapshot(sqlite_engine):
    """Application 2023-12-31 reads 2021–2022 (2023 has not ended before it), the evaluation
    date 2023-12-31 reads 2021–2023: two snapshots, neither served for the other."""
    registry(sqlite_engine, [dict(years=WORKED, ip=SELF_DEVELOPED, hnte_field="8")])
    day = dt.date(2023, 12, 31)
    applied = evaluate(sqlite_engine, application_date=day, only={"hnte"})
    as_of = evaluate(sqlite_engine, as_of=day, only={"hnte"})
    assert applied.summary["snapshot"] != as_of.summary["snapshot"]
    assert applied.summary["application_date"] == "2023-12-31"
    assert "application_date" not in as_of.summary
    for result, year in ((applied, 2022), (as_of, 2023)):
        population = pq.read_table(result.summary["snapshot"], columns=["window_year", "as_of"])
        assert population.to_pylist() == [{"window_year": year, "as_of": day}]


def test_future_date_and_date_before_any_accounts_are_refused(sqlite_engine):
    registry(sqlite_engine, [dict(years=WORKED)])
    with pytest.raises(InvalidApplicationDate, match="晚于今天.*in the future"):
        evaluate(sqlite_engine, application_date=dt.date.today() + dt.timedelta(days=1))
    with pytest.raises(InvalidApplicationDate, match="最早的会计年度是 2021 年.*2021"):
        evaluate(sqlite_engine, application_date=dt.date(2021, 12, 31))  # only 2020 ended


def test_no_accounts_at_all_is_refused(sqlite_engine):
    registry(sqlite_engine, [{}])
    with pytest.raises(InvalidApplicationDate, match="尚无年度数据.*no yearly accounts"):
        evaluate(sqlite_engine, application_date=dt.date(2024, 6, 15))


runner = CliRunner()


def test_cli_assess_and_explain_take_the_application_date(tmp_path, monkeypatch):
    from .firms import database

    engine = database(tmp_path)
    monkeypatch.setenv("XINZHI_DATABASE_URL", str(engine.url))
    monkeypatch.setenv("XINZHI_ACTOR", "测试员")
    ids = registry(
        engine,
        [dict(years=WORKED, ip=SELF_DEVELOPED, hnte_field="8", founded_on=dt.date(2023, 6, 1))],
    )
    code = next(iter(ids))
    # Founded 2023-06-01: not one year old on 2023-12-31, one year old on 2024-06-15.
    outcome = runner.invoke(
        app, ["explain", code, "--application-date", "2024-06-15"], terminal_width=200
    )
    assert outcome.exit_code == 0, outcome.output
    text = "".join(outcome.output.split())  # the console wraps lines
    assert "申报日applicationdate2024-06-15（会计年度accountingyears2021–2023）" in text
    assert "注册成立一年以上:符合" in text
    default = runner.invoke(app, ["explain", code], terminal_width=200)
    text = "".join(default.output.split())
    assert "基准日asof2023-12-31" in text and "注册成立一年以上:不符合" in text
    outcome = runner.invoke(
        app, ["assess", "--only", "hnte", "--application-date", "2024-06-15"], terminal_width=200
    )
    assert outcome.exit_code == 0, outcome.output
    assert "申报日 application date 2024-06-15" in outcome.output

    future = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    refused = runner.invoke(app, ["assess", "--application-date", future], terminal_width=200)
    assert refused.exit_code == 2
    assert "晚于今天" in refused.output and "in the future" in refused.output
    both = runner.invoke(
        app, ["assess", "--as-of", "2023-12-31", "--application-date", "2024-06-15"]
    )
    assert both.exit_code == 2 and "not both" in both.output
    bad = runner.invoke(app, ["explain", code, "--application-date", "2024-13-01"])
    assert bad.exit_code == 2 and "✗" in bad.output


def test_the_profile_evaluates_live_for_the_latest_runs_application_date(sqlite_engine):
    """When the latest run cannot be replayed (here: its snapshot was built by other code),
    the profile's explanation is evaluated for that run's application date, not the default."""
    from xinzhi.assessments.results import enterprise_results
    from xinzhi.assessments.runs import record
    from xinzhi.store.db import session_scope
    from xinzhi.store.models.runs import EvaluationRun

    ids = registry(sqlite_engine, [dict(years=WORKED, ip=SELF_DEVELOPED, hnte_field="8")])
    firm = next(iter(ids.values()))
    run_id = record(
        sqlite_engine,
        evaluate(sqlite_engine, application_date=APPLIED, only={"hnte"}, words=False),
        actor="test",
    )
    with session_scope(sqlite_engine) as session:
        run = session.get(EvaluationRun, run_id)
        run.summary = {**run.summary, "snapshot_code": None}
    explanations = enterprise_results(sqlite_engine, firm)
    assert explanations and {e.as_of for e in explanations} == {APPLIED}


@pytest.mark.postgres
def test_postgres_reads_the_same_accounting_years_as_duckdb(postgres_engine):
    """PostgreSQL builds the population in its own store: an application on 31 December reads
    the years ended before it there too (2021–2022 of WORKED, so 2023's revenue is not y1)."""
    registry(postgres_engine, [dict(years=WORKED, ip=SELF_DEVELOPED, hnte_field="8")])
    day = dt.date(2023, 12, 31)
    rows = {
        backend: evaluate(postgres_engine, application_date=day, only={"hnte"}, backend=backend)
        .detail["hnte"]
        .to_pylist()[0]
        for backend in ("duckdb", "postgres")
    }
    assert rows["duckdb"] == rows["postgres"]
    # y1 = 2022: 4,500万 of sales, under 5,000万 → 5 % (2023's 5,200万 would give 4 %)
    assert rows["postgres"]["v__rd_threshold"] == pytest.approx(0.05)
