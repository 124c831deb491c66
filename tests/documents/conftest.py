"""A small demo city with a recorded assessment run and a recorded policy run, shared by the
briefing tests of a module (building it takes a few seconds)."""

from __future__ import annotations

import datetime as dt

import pytest

from xinzhi.assessments.runs import evaluate, record
from xinzhi.policies.runs import evaluate_policies, record_policy_run

from .helpers import demo_city


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    with demo_city(tmp_path_factory.mktemp("briefings"), seed=7, enterprises=300) as engine:
        record(engine, evaluate(engine), actor="测试员")
        run = evaluate_policies(engine, as_of=dt.date(2023, 12, 31))
        record_policy_run(engine, run, actor="测试员")
        yield engine
