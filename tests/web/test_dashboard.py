"""The dashboard: KPIs against targets, year on year, by district, tiers, charts, its cache."""

from __future__ import annotations

import datetime as dt
import html as html_lib
import json
import re
import threading
import time
from decimal import Decimal

import sqlalchemy as sa

from xinzhi.metrics.cache import VersionedCache
from xinzhi.metrics.kpis import compute_dashboard
from xinzhi.store import models

from .conftest import assess
from .helpers import client_for


def _kpis(body) -> dict:
    return {k["key"]: k for k in body["kpis"]}


def test_kpis_match_the_registry_and_the_targets(any_web_city):
    engine = any_web_city.engine
    body = client_for(any_web_city, "analyst").get("/api/dashboard").json()
    kpis = _kpis(body)
    E, C, T = models.Enterprise, models.TechContract, models.Target
    with engine.connect() as conn:
        year = conn.scalar(sa.select(sa.func.max(T.year)))
        firms = conn.scalar(
            sa.select(sa.func.count()).select_from(E).where(E.founded_on <= dt.date(year, 12, 31))
        )
        before = conn.scalar(
            sa.select(sa.func.count())
            .select_from(E)
            .where(E.founded_on <= dt.date(year - 1, 12, 31))
        )
        target = conn.scalar(
            sa.select(T.value).where(
                T.indicator == "科技型企业数量", T.region == "沈阳市", T.year == year
            )
        )
        turnover = conn.scalar(
            sa.select(sa.func.sum(C.contract_amount)).where(
                sa.extract("year", C.registered_on) == year
            )
        )
        hnte = conn.scalar(
            sa.select(sa.func.count())
            .select_from(E)
            .where(
                E.hnte_certified_on > dt.date(year - 3, 12, 31),
                E.hnte_certified_on <= dt.date(year, 12, 31),
            )
        )
    assert body["year"] == year
    assert kpis["enterprises"]["value"] == firms and kpis["enterprises"]["previous_year"] == before
    assert kpis["enterprises"]["target"]["value"] == float(target)
    assert abs(kpis["enterprises"]["completion_percent"] - firms * 100 / float(target)) < 1e-9
    assert abs(kpis["enterprises"]["yoy_percent"] - (firms - before) * 100 / before) < 1e-9
    assert kpis["hnte"]["value"] == hnte
    assert Decimal(str(kpis["contract_turnover"]["value"])) == (
        Decimal(turnover) / 100_000_000
    ).quantize(Decimal("0.01"))
    # the demo has contracts of one year only: the year before is unknown, not zero
    assert kpis["contract_turnover"]["previous_year"] is None
    assert kpis["contract_turnover"]["yoy_percent"] is None
    assert all(k["as_of"] for k in body["kpis"]), "every figure carries its data date"
    # targets nothing measures are listed as such
    assert {t["indicator"] for t in body["other_targets"]} >= {"算力填充率"}


def test_district_analyst_gets_its_district_and_its_targets(web_city):
    body = client_for(web_city, "district").get("/api/dashboard").json()
    assert [row["district_id"] for row in body["by_district"]] == [web_city.district_id]
    E = models.Enterprise
    with web_city.engine.connect() as conn:
        name = conn.scalar(
            sa.select(models.District.name).where(models.District.id == web_city.district_id)
        )
        firms = conn.scalar(
            sa.select(sa.func.count()).select_from(E).where(E.district_id == web_city.district_id)
        )
    kpis = _kpis(body)
    assert body["region"] == name and kpis["enterprises"]["value"] == firms
    assert kpis["enterprises"]["target"]["region"] == name
    city = _kpis(client_for(web_city, "analyst").get("/api/dashboard").json())
    assert city["enterprises"]["value"] > firms


def test_tiers_show_not_assessed_until_a_run_then_the_runs_counts(web_city):
    client = client_for(web_city, "analyst")
    tiers = client.get("/api/dashboard").json()["tiers"]
    assert [t["key"] for t in tiers] == [
        "hnte",
        "sme",
        "eaglet",
        "gazelle",
        "unicorn",
        "potential_unicorn",
    ]
    assert all(t["assessed"] is False and t["passed"] is None for t in tiers)  # never zeros
    assert client.get("/dashboard").text.count("尚未评价") >= 5
    result = assess(web_city)
    client = client_for(web_city, "analyst")  # a new app: tier counts are cached per data version
    tiers = {t["key"]: t for t in client.get("/api/dashboard").json()["tiers"]}
    counts = result.summary["counts"]
    assert tiers["hnte"]["passed"] == counts["hnte"]["pass"]
    assert tiers["hnte"]["undetermined"] == counts["hnte"]["undetermined"]
    assert tiers["gazelle"]["passed"] == counts["liaoning_gazelle"]["pass"]
    assert all(t["assessed"] for t in tiers.values())
    rows = result.results.to_pylist()
    own = sum(
        1
        for r in rows
        if r["assessment"] == "sme"
        and r["status"] == "pass"
        and r["district_id"] == web_city.district_id
    )
    district = {
        t["key"]: t for t in client_for(web_city, "district").get("/api/dashboard").json()["tiers"]
    }
    assert district["sme"]["passed"] == own < counts["sme"]["pass"]  # its own district only


def test_dashboard_page_has_three_charts_with_data(web_city):
    html = client_for(web_city, "analyst").get("/dashboard").text
    options = {
        m.group(1): json.loads(html_lib.unescape(m.group(2)))
        for m in re.finditer(r'class="xz-chart" id="chart-(\w+)" data-option=\'([^\']+)\'', html)
    }
    assert set(options) == {"bar", "line", "treemap"}
    assert options["bar"]["series"][0]["data"] and options["bar"]["xAxis"]["data"]
    assert options["treemap"]["series"][0]["data"][0]["children"]
    line = options["line"]["series"][-1]["data"]
    assert line[0] is not None and line[-1] is None  # stops at the data date (August)


def test_a_year_without_data_is_unknown(web_city):
    body = client_for(web_city, "analyst").get("/api/dashboard", params={"year": 2019}).json()
    kpis = _kpis(body)
    assert kpis["contract_turnover"]["value"] is None and kpis["enterprises"]["target"] is None


def test_cache_serves_the_stale_value_while_one_thread_recomputes():
    calls, gate = [], threading.Event()

    def compute(key):
        calls.append(key)
        if len(calls) > 1:
            gate.wait(5)
        return len(calls)

    cache = VersionedCache(compute)
    assert cache.get("k", (1,)) == (1, True)
    assert cache.get("k", (1,)) == (1, True) and len(calls) == 1
    started = time.perf_counter()
    assert cache.get("k", (2,)) == (1, False)  # at once, while the refresh waits on the gate
    assert cache.get("k", (2,)) == (1, False)
    assert time.perf_counter() - started < 1
    gate.set()
    for _ in range(100):
        if cache.get("k", (2,)) == (2, True):
            break
        time.sleep(0.02)
    assert cache.get("k", (2,)) == (2, True) and len(calls) == 2


def test_compute_dashboard_default_year(web_city):
    dashboard = compute_dashboard(web_city.engine)
    assert dashboard.year == 2023 and 2023 in dashboard.years
