"""Capacity what-if (issue #15): N more cards → projected occupancy and waiting."""

from __future__ import annotations

import datetime as dt

import pytest

from xinzhi.compute.imports import ComputeError, import_compute_file
from xinzhi.compute.whatif import capacity_whatif

from .conftest import write


def test_added_cards_serve_the_unmet_requests_and_cut_the_wait(centre):
    engine, tmp = centre
    # the 8-card gpu pool is full all of March 1–2; neu wanted 8 more cards for those 2 days
    usage = """JobID,Account,Partition,Start,End,卡数
1,acme,gpu,2023-03-01 00:00,2023-03-03 00:00,8
"""
    requests = """tenant,pool,cards,start,end,asked_at
neu,gpu,8,2023-03-01 00:00,2023-03-03 00:00,2023-02-20 09:00
"""
    assert import_compute_file(
        engine, "usage", write(tmp, "u.csv", usage), centre="SY", actor="t"
    ).ok
    path = write(tmp, "q.csv", requests)
    assert import_compute_file(engine, "requests", path, centre="SY", actor="t").ok
    done = capacity_whatif(engine, "SY", "gpu", 8, last=dt.date(2023, 3, 31), months=1)
    assert done.demand == 2 * 8 * 48 and done.unmet == 8 * 48
    # as is: 384 card-hours wait, served on 3 and 4 March; 31 days of 192 card-hours
    assert done.current.served == 768 and done.current.unserved_at_end == 0
    assert done.current.occupancy == pytest.approx(768 / (31 * 192))
    assert done.current.mean_wait_hours == pytest.approx((24 + 48 + 24) / 31)
    # with 8 more cards all of it fits on the day: no wait
    assert done.proposed.cards == 16 and done.proposed.mean_wait_hours == 0
    assert done.proposed.occupancy == pytest.approx(768 / (31 * 384))


def test_unknown_pool_is_a_clear_error(centre):
    engine, _ = centre
    with pytest.raises(ComputeError) as error:
        capacity_whatif(engine, "SY", "tpu", 8, last=dt.date(2023, 3, 31))
    assert "tpu" in error.value.zh and error.value.code == "unknown_pool"
