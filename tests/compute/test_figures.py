"""Occupancy and the other published figures (issue #15, "Figures")."""

from __future__ import annotations

import datetime as dt

import pytest

from xinzhi.compute import snapshot
from xinzhi.compute.figures import occupancy, overview
from xinzhi.compute.imports import import_compute_file

from .conftest import write

USAGE = """JobID,Account,Partition,Start,End,卡数,费用
1,acme,npu,2023-03-01 00:00,2023-03-01 12:00,16,100
2,neu,npu,2023-03-01 18:00,2023-03-02 06:00,8,
3,far,gpu,2023-03-02 00:00,2023-03-02 02:00,8,50
4,acme,npu,2023-07-10 00:00,2023-07-10 06:00,64,
"""


@pytest.fixture
def used(centre):
    engine, tmp = centre
    result = import_compute_file(
        engine, "usage", write(tmp, "u.csv", USAGE), centre="SY", actor="t"
    )
    assert not result.ok  # 64 cards is above the expanded pool's 32
    fixed = USAGE.replace(",64,", ",32,")
    assert import_compute_file(
        engine, "usage", write(tmp, "u.csv", fixed), centre="SY", actor="t"
    ).ok
    tenants = """tenant,pool,cards,start,end
far,npu,4,2023-03-01 00:00,2023-03-03 00:00
"""
    path = write(tmp, "r.csv", tenants)
    assert import_compute_file(engine, "reservations", path, centre="SY", actor="t").ok
    return engine


def test_daily_occupancy_splits_jobs_at_midnight_and_counts_reservations(used):
    rows = occupancy(used, dt.date(2023, 3, 1), dt.date(2023, 3, 2), by="day")
    got = {(o.period, o.pool): (o.available, o.used, o.reserved, o.occupied) for o in rows}
    # 1 March, npu (16 cards = 384 card-hours): 16×12 + 8×6 used, 4×24 reserved by "far"
    assert got[("2023-03-01", "npu")] == (384, 240, 96, 336)
    # 2 March: 8×6 used (neu), far reserved 96 on npu; gpu 8 cards × 2 h
    assert got[("2023-03-02", "npu")] == (384, 48, 96, 144)
    assert got[("2023-03-02", "gpu")] == (192, 16, 0, 16)
    assert got[("2023-03-01", "*")] == (384 + 192, 240, 96, 336)
    day = next(o for o in rows if o.period == "2023-03-01" and o.pool == "npu")
    assert day.ratio == pytest.approx(336 / 384)


def test_monthly_occupancy_follows_the_dated_expansion(used):
    rows = occupancy(used, dt.date(2023, 6, 1), dt.date(2023, 7, 31), by="month")
    npu = {o.period: o for o in rows if o.pool == "npu"}
    assert npu["2023-06"].available == 16 * 24 * 30
    assert npu["2023-07"].available == 32 * 24 * 31
    assert npu["2023-07"].used == 32 * 6


def test_overview_figures(used):
    view = overview(used, dt.date(2023, 1, 1), dt.date(2023, 12, 31))
    assert view.cards == 40
    assert view.capacity_p == pytest.approx((32 * 320 + 8 * 312) / 1000)
    assert view.jobs == 4 and view.large_jobs == 0
    assert view.clients == {"enterprise": 1, "university": 1, "institute": 1}
    assert [t["account"] for t in view.top_tenants] == ["acme", "neu", "far"]
    total = 16 * 12 + 8 * 12 + 16 + 32 * 6
    assert view.card_hours == pytest.approx(total)
    assert view.local_share == pytest.approx((total - 16) / total)
    assert view.fee == 150
    assert view.sme_card_hours is None  # no assessment run: unknown, not zero
    assert len(view.days) == 365


def test_a_corrected_export_replaces_the_jobs_in_the_figures(used):
    engine = used
    tmp = next(iter(snapshot.folder(engine).parents))  # runs/compute-usage → runs
    corrected = (
        "JobID,Account,Partition,Start,End,卡数\n1,acme,npu,2023-03-01 00:00,2023-03-01 06:00,16\n"
    )
    path = write(tmp, "fix.csv", corrected)
    result = import_compute_file(engine, "usage", path, centre="SY", actor="t")
    assert (result.updated, result.inserted) == (1, 0)
    day = {
        (o.period, o.pool): o
        for o in occupancy(engine, dt.date(2023, 3, 1), dt.date(2023, 3, 1), by="day")
    }
    assert day[("2023-03-01", "npu")].used == 16 * 6 + 8 * 6


def test_a_lost_snapshot_file_is_rebuilt_from_the_store(used):
    engine = used
    before = occupancy(engine, dt.date(2023, 1, 1), dt.date(2023, 12, 31), by="month")
    for path in snapshot.folder(engine).iterdir():
        path.unlink()
    (snapshot.folder(engine) / "batch-1-00000000000000000000.parquet").write_bytes(b"stale")
    assert occupancy(engine, dt.date(2023, 1, 1), dt.date(2023, 12, 31), by="month") == before
