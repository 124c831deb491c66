"""Policies for an application date (issue #13), as the assessments take one (issue #19 item
8): the dated windows run to that day and the accounting year read is the last one ended
before it — RULES §8.4 "近三个会计年度" for the assessments a policy names, and the year of the
technology contracts for the Shenyang contract reward ("年度技术合同累计成交额", seeds/001). The
registry's contracts were registered on 2023-04-01, so the reward's boundary is the turn of
the year: an application on 31 December 2023 reads 2022 (2023 has not ended before it), one
on 1 or 2 January 2024 reads 2023."""

from __future__ import annotations

import datetime as dt

import pytest
from typer.testing import CliRunner

from xinzhi.assessments.runs import InvalidApplicationDate
from xinzhi.cli import app
from xinzhi.policies.runs import evaluate_policies
from xinzhi.policies.whatif import whatif

from ..assessments.firms import database
from .registry import build

REWARD = "shenyang_tech_contract_reward"
WAN = 1_000_000  # fen
runner = CliRunner()


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    folder = tmp_path_factory.mktemp("policy-dates")
    engine = database(folder)
    return engine, build(engine), folder


def _reward(run) -> dict[str, dict]:
    return {r["name"]: r for r in run.results.to_pylist() if r["policy"] == REWARD}


@pytest.mark.parametrize(
    ("day", "paid"),
    [
        (dt.date(2023, 12, 31), None),  # the day before: 2023 has not ended, 2022 is read
        (dt.date(2024, 1, 1), 20 * WAN),  # the boundary: 2023's contracts
        (dt.date(2024, 1, 2), 20 * WAN),  # the day after
    ],
    ids=["day-before", "boundary", "day-after"],
)
def test_the_contract_year_is_the_last_ended_before_the_application(store, day, paid):
    engine, codes, _ = store
    run = evaluate_policies(engine, application_date=day, only={REWARD})
    assert run.as_of == day and run.application_date == day
    assert run.summary["application_date"] == day.isoformat()
    big = _reward(run).get("合同大户")
    assert (big["amount_paid"] if big else None) == paid
    # The firm alone (its rows read through sqlite3): 6,000 万元 registered in 2023; a year
    # with none is 0 (the list was imported), not unknown.
    alone = evaluate_policies(engine, application_date=day, enterprise_id=_id(engine, codes))
    (row,) = alone.detail[REWARD].to_pylist()
    assert row["v__tech_contract_turnover_y1"] == (0 if paid is None else 6000 * WAN)


def _id(engine, codes, name="合同大户") -> int:
    import sqlalchemy as sa

    with engine.connect() as conn:
        return conn.execute(
            sa.text("SELECT id FROM enterprises WHERE credit_code = :c"), {"c": codes[name]}
        ).scalar_one()


def test_one_firm_for_an_application_date_equals_its_row_for_everyone(store):
    engine, codes, _ = store
    day = dt.date(2024, 1, 1)
    everyone = evaluate_policies(engine, application_date=day)
    firm = _id(engine, codes)
    alone = evaluate_policies(engine, application_date=day, enterprise_id=firm)
    mine = everyone.results.filter(everyone.results["enterprise_id"].to_numpy() == firm)
    kept = alone.results.filter(alone.results["outcome"].to_numpy() != "ineligible")
    assert kept.select(mine.column_names).to_pylist() == mine.to_pylist()


def test_a_future_date_and_a_date_before_the_data_are_refused(store):
    engine, _, _ = store
    with pytest.raises(InvalidApplicationDate, match="晚于今天.*in the future"):
        evaluate_policies(engine, application_date=dt.date.today() + dt.timedelta(days=1))
    # 2021-12-31 reads 2020; the registry's earliest accounting year is 2021
    with pytest.raises(InvalidApplicationDate, match="最早的会计年度是 2021 年.*2021"):
        evaluate_policies(engine, application_date=dt.date(2021, 12, 31))
    with pytest.raises(InvalidApplicationDate, match="in the future"):
        whatif(engine, REWARD, ["min_turnover=4000"], application_date=dt.date(2999, 1, 1))


def test_whatif_for_an_application_date(store):
    engine, _, _ = store
    before = whatif(engine, REWARD, ["min_turnover=4000"], application_date=dt.date(2023, 12, 31))
    assert before.gainers == 0  # 2022: no contracts, nobody above 4,000 万元 either
    on = whatif(engine, REWARD, ["min_turnover=4000"], application_date=dt.date(2024, 1, 1))
    assert on.gainers == 1 and on.after.application_date == dt.date(2024, 1, 1)


@pytest.fixture
def cli(store, monkeypatch):
    _, codes, folder = store
    monkeypatch.setenv("XINZHI_DATABASE_URL", f"sqlite:///{folder / 'xinzhi.db'}")
    monkeypatch.setenv("XINZHI_ACTOR", "测试员")
    monkeypatch.setenv("XINZHI_RUNS_DIR", str(folder / "runs"))
    return codes


def _invoke(*args: str):
    return runner.invoke(app, ["policy", *args], terminal_width=200)


def test_cli_run_and_whatif_take_the_application_date(cli):
    outcome = _invoke("run", "--only", REWARD, "--application-date", "2024-01-01")
    assert outcome.exit_code == 0, outcome.output
    text = "".join(outcome.output.split())  # the console wraps lines
    assert "申报日applicationdate2024-01-01（会计年度accountingyears2021–2023）" in text
    outcome = _invoke(
        "whatif", REWARD, "--set", "min_turnover=4000", "--application-date", "2024-01-02"
    )
    assert outcome.exit_code == 0, outcome.output
    assert "申报日 application date 2024-01-02" in outcome.output
    assert "增加 gain: 1 户" in outcome.output


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--application-date", "2999-01-01"], ["晚于今天", "in the future"]),
        (["--application-date", "2021-12-31"], ["最早的会计年度是 2021 年", "earliest"]),
        (["--application-date", "2024-13-01"], ["✗"]),
        (["--year", "2023", "--application-date", "2024-01-01"], ["not both"]),
    ],
    ids=["future", "before-the-data", "not-a-date", "with-year"],
)
@pytest.mark.parametrize("command", ["run", "whatif"])
def test_cli_refuses_a_bad_application_date_with_its_reason(cli, command, args, says):
    extra = [REWARD, "--set", "min_turnover=4000"] if command == "whatif" else []
    outcome = _invoke(command, *extra, *args)
    assert outcome.exit_code == 2, outcome.output
    text = "".join(outcome.output.split())
    for words in says:
        assert "".join(words.split()) in text, outcome.output
    assert "Traceback" not in outcome.output


@pytest.mark.parametrize(
    ("day", "paid"), [(dt.date(2023, 12, 31), []), (dt.date(2024, 1, 1), [("合同大户", 20 * WAN)])]
)
def test_the_application_date_on_the_engine_of_every_store(engine, day, paid):
    """The same contract year inside PostgreSQL (its population built there for the window
    the application date sets) as on DuckDB over SQLite."""
    build(engine)
    backend = "postgres" if engine.dialect.name == "postgresql" else "duckdb"
    run = evaluate_policies(engine, application_date=day, backend=backend, only={REWARD})
    assert [(r["name"], r["amount_paid"]) for r in run.results.to_pylist()] == paid
