"""Page views during a large import: parallel clients are not held up for long, and see the
registry before the import or after it — never half of it (SQLite in WAL mode)."""

from __future__ import annotations

import threading
import time

import httpx
import pytest

from xinzhi.domain.credit_code import make_credit_code

from ..ingest.helpers import ENTERPRISE_HEADER, write_csv
from .helpers import PASSWORD, make_app

ROWS = 20_000


pytestmark = pytest.mark.slow


def _signed_in(base_url: str, username: str) -> httpx.Client:
    client = httpx.Client(base_url=base_url, timeout=60)
    token = client.get("/api/csrf").json()["csrf_token"]
    response = client.post(
        "/api/login",
        json={"username": username, "password": PASSWORD},
        headers={"X-CSRF-Token": token},
    )
    response.raise_for_status()
    client.headers["X-CSRF-Token"] = response.json()["csrf_token"]
    return client


def _big_file(tmp_path):
    rows = [
        [
            make_credit_code("9", "1", "210112", f"MC{i:06d}"),
            f"沈阳并发测试{i}号科技有限公司",
            "浑南区",
            "2015-03-18",
            "C3491",
            "否",
            "2023-08-31",
        ]
        for i in range(ROWS)
    ]
    return write_csv(tmp_path / "big.csv", ENTERPRISE_HEADER, rows)


def test_readers_are_not_blocked_and_never_see_half_an_import(web_city, live_server, tmp_path):
    base_url = live_server(make_app(web_city))
    path = _big_file(tmp_path)
    importer = _signed_in(base_url, "analyst")
    readers = [_signed_in(base_url, name) for name in ("admin", "analyst", "admin")]
    before = readers[0].get("/api/headline").json()["figures"][0]["value"]
    readers[0].get("/api/dashboard")  # computed once before, as the app's warm-up does
    seen, latencies, failures = [], [], []
    done = threading.Event()

    def read(client: httpx.Client) -> None:
        while not done.is_set():
            for url in ("/api/headline", "/api/enterprises?q=并发测试", "/api/dashboard"):
                started = time.perf_counter()
                response = client.get(url)
                latencies.append(time.perf_counter() - started)
                if response.status_code != 200:
                    failures.append((url, response.status_code))
                elif url == "/api/headline":
                    seen.append((time.perf_counter(), response.json()["figures"][0]["value"]))

    threads = [threading.Thread(target=read, args=(c,)) for c in readers]
    for thread in threads:
        thread.start()
    started = time.perf_counter()
    with path.open("rb") as handle:
        response = importer.post(
            "/api/imports",
            data={"kind": "enterprises"},
            files={"file": ("big.csv", handle, "text/csv")},
        )
    finished = time.perf_counter()
    time.sleep(0.5)
    done.set()
    for thread in threads:
        thread.join(60)
    assert response.status_code == 200, response.text
    assert response.json()["inserted"] == ROWS
    assert failures == []
    assert {value for _, value in seen} <= {before, before + ROWS}, "a reader saw half an import"
    during = [value for at, value in seen if started < at < finished]
    assert len(during) >= 5, "the readers did not run while the import did"
    # Not blocked: no page view waited for the import to end (a fixed number of seconds
    # would measure the machine's load, not the locking).
    took = finished - started
    assert max(latencies) < took / 2, f"a page view waited {max(latencies):.1f} s of {took:.1f} s"
    assert seen[-1][1] == before + ROWS
    print(
        f"import {finished - started:.1f} s; {len(latencies)} reads, "
        f"max {max(latencies) * 1000:.0f} ms, during the import {len(during)}"
    )
