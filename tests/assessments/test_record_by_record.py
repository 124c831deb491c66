"""The HNTE rules written record by record in plain Python (``benchmarks/baselines/
hnte_python.py``, the benchmark's baseline, issue #13) agree with the engine on every firm and
every column — status, score interval, failed / unknown clauses, missing inputs, gap texts
and shortfalls — on a demo city, and on the same firms with staff counts in hundredths around
the 10 % line. The benchmark checks the same at a million firms; this catches a drift between
the declaration and the baseline when it happens, not when the benchmark next runs."""

from __future__ import annotations

import random
import sys
from pathlib import Path

import pyarrow as pa
import pytest

from xinzhi.assessments.runs import default_as_of, evaluate
from xinzhi.demo.city import build_demo_city
from xinzhi.rulelang.snapshot import current_key, ensure_snapshot, read_snapshot

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from baselines import hnte_python  # noqa: E402

COLUMNS = hnte_python.OUTPUT_COLUMNS


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    from xinzhi.store.db import make_engine
    from xinzhi.store.schema import upgrade

    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('baseline') / 'city.db'}")
    upgrade(engine)
    build_demo_city(engine, seed=11, enterprises=400)
    return engine


def _differences(inputs: list[dict], engine_rows: list[dict]) -> dict[str, list]:
    found: dict[str, list] = {}
    for row, want in zip(inputs, engine_rows, strict=True):
        assert row["enterprise_id"] == want["enterprise_id"]
        for name, value in zip(COLUMNS, hnte_python.assess(row), strict=True):
            if value != want.get(name):
                found.setdefault(name, []).append((row["enterprise_id"], value, want.get(name)))
    return found


def test_plain_python_gives_the_engine_rows(city):
    result = evaluate(city, only={"hnte"})
    engine_rows = result.detail["hnte"].to_pylist()
    as_of = default_as_of(city)
    snapshot, _ = ensure_snapshot(city, current_key(city, as_of))
    inputs = read_snapshot(snapshot, ["enterprise_id", *hnte_python.INPUTS]).to_pylist()
    assert len(inputs) == 400
    assert {r["status"] for r in engine_rows} == {"pass", "fail", "undetermined"}
    assert _differences(inputs, engine_rows) == {}


def test_plain_python_agrees_on_staff_in_hundredths(city):
    """Staff counts with hundredths, just below, on and above the 10 % S&T-staff line
    (RULES §1.2 condition 4, 认定办法第十一条（四）), run through the engine's program over the
    same rows."""
    import ibis

    from xinzhi.assessments.catalogue import load_catalog
    from xinzhi.rulelang.compiler import compile_declaration
    from xinzhi.rulelang.vectorised import program_of, run

    as_of = default_as_of(city)
    snapshot, _ = ensure_snapshot(city, current_key(city, as_of))
    table = read_snapshot(snapshot)
    chosen = random.Random(5)
    employees, staff = [], []
    for e in table["employees_y1"].to_pylist():
        e = None if e is None else e + chosen.randrange(0, 100)
        employees.append(e)
        if e is None:
            staff.append(None)
            continue
        staff.append(chosen.choice([e // 10 - 1, e // 10, -(-e // 10), e // 10 + 1]))
    for name, values in (("employees_y1", employees), ("tech_staff_y1", staff)):
        at = table.schema.get_field_index(name)
        table = table.set_column(at, name, pa.array(values, table.schema.field(name).type))
    frame = ibis.table(ibis.Schema.from_pyarrow(table.schema), name="population")
    program = program_of(compile_declaration(load_catalog().get("hnte", as_of), frame, as_of).table)
    engine_rows = run(program, table).to_pylist()
    assert any("tech_staff" in (r["failed"] or "") for r in engine_rows)
    inputs = table.select(["enterprise_id", *hnte_python.INPUTS]).to_pylist()
    assert _differences(inputs, engine_rows) == {}
