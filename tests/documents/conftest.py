"""A small demo city with a recorded assessment run and a recorded policy run, shared by the
briefing tests of a module (building it takes a few seconds)."""

from __future__ import annotations

import datetime as dt

import pytest

from xinzhi.demo.city import build_demo_city
from xinzhi.rules.policy_runs import evaluate_policies, record_policy_run
from xinzhi.rules.runs import evaluate, record
from xinzhi.store.db import make_engine
from xinzhi.store.schema import upgrade


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    folder = tmp_path_factory.mktemp("briefings")
    patch = pytest.MonkeyPatch()
    patch.setenv("XINZHI_RUNS_DIR", str(folder / "runs"))
    engine = make_engine(f"sqlite:///{folder / 'xinzhi.db'}")
    upgrade(engine)
    build_demo_city(engine, seed=7, enterprises=300)
    record(engine, evaluate(engine), actor="测试员")
    record_policy_run(
        engine, evaluate_policies(engine, as_of=dt.date(2023, 12, 31)), actor="测试员"
    )
    yield engine
    engine.dispose()
    patch.undo()
