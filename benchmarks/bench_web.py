"""Web benchmark: dashboard and search latency (p95) and API read throughput, 1,000,000 firms.

    .venv/bin/python benchmarks/bench_web.py [--db var/demo-1m.db] [--requests 200]
                                             [--duration 20] [--workers 2]

The database is the 1,000,000-enterprise demo city; it is built with
``xinzhi demo --enterprises 1000000`` (about 8 minutes) when the file does not exist, and
reused otherwise. The script migrates it, indexes it for search (timed), adds a user, then
serves it with uvicorn (``--workers`` processes) on loopback and measures:

* latency, one request at a time after a warm-up: p50 / p95 / max of the dashboard (API and
  page) and of searches — brand names, longer substrings, pinyin initials, credit-code
  prefixes, a district filter, a deep keyset page;
* throughput of API reads with wrk (``wrk -t2 -c16``), a mix of list, search, profile and
  dashboard requests.

Targets (issue #7): p95 ≤ 200 ms for the dashboard and search; ≥ 200 requests/s.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
USER, PASSWORD = "bench-analyst", "bench-password-1"


def build_if_missing(db: Path) -> None:
    if db.exists():
        print(f"reusing {db} ({db.stat().st_size / 2**30:.2f} GB)")
        return
    db.parent.mkdir(parents=True, exist_ok=True)
    print(f"building {db}: xinzhi demo --enterprises 1000000 (about 8 minutes)")
    env = os.environ | {"XINZHI_DATABASE_URL": f"sqlite:///{db}"}
    subprocess.run(
        [str(ROOT / ".venv/bin/xinzhi"), "demo", "--enterprises", "1000000"],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def prepare(db: Path) -> dict:
    from xinzhi.accounts.users import UserError, create_user
    from xinzhi.store import models
    from xinzhi.store.db import make_engine
    from xinzhi.store.schema import ensure_current
    from xinzhi.web.search import IndexState

    engine = make_engine(f"sqlite:///{db}")
    ensure_current(engine)
    started = time.perf_counter()
    indexed = IndexState().verify_now(engine)
    index_seconds = time.perf_counter() - started
    print(f"search index: {indexed:,} enterprises indexed in {index_seconds:.1f} s")
    try:
        create_user(engine, USER, PASSWORD, "analyst", actor="bench")
    except UserError:
        pass  # made by an earlier run
    E = models.Enterprise
    with engine.connect() as conn:
        sample = conn.execute(
            sa.select(E.id, E.name, E.credit_code).where(E.id % 997 == 0).limit(400)
        ).all()
        districts = conn.scalars(sa.select(models.District.id)).all()
        count = conn.scalar(sa.select(sa.func.count()).select_from(E))
    engine.dispose()
    return {
        "sample": sample,
        "districts": districts,
        "enterprises": count,
        "index_seconds": index_seconds,
        "indexed": indexed,
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(db: Path, workers: int) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = os.environ | {
        "XINZHI_DATABASE_URL": f"sqlite:///{db}",
        "XINZHI_LOGIN_FAILURES_PER_IP": "1000",
    }
    process = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/uvicorn"),
            "xinzhi.web.app:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        env=env,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            httpx.get(url + "/login", timeout=2)
            return process, url
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("the server did not start")


def signed_in(url: str) -> httpx.Client:
    client = httpx.Client(base_url=url, timeout=120)
    token = client.get("/api/csrf").json()["csrf_token"]
    response = client.post(
        "/api/login", json={"username": USER, "password": PASSWORD}, headers={"X-CSRF-Token": token}
    )
    response.raise_for_status()
    return client


def search_queries(data: dict, rng: random.Random) -> list[dict]:
    sample = data["sample"]
    queries = []
    for _, name, _code in rng.sample(sample, 40):
        core = name.removeprefix("沈阳")
        queries.append({"q": core[:2]})  # a brand: 2 characters
        queries.append({"q": core[:4]})  # brand and start of the industry word
    from xinzhi.store.models.search import name_initials

    for _, name, code in rng.sample(sample, 40):
        queries.append({"q": name_initials(name)[:4]})
        queries.append({"q": code[:10]})
    for district in data["districts"]:
        queries.append({"district": district, "sort": "name"})
        queries.append({"district": district, "industry": "C"})
    queries += [
        {"q": "机器人"},
        {"q": "智能"},
        {"q": "科技"},
        {"q": "不存在的名字"},
        {"sort": "newest"},
    ]
    return queries


def timed(client: httpx.Client, path: str, params=None) -> float:
    started = time.perf_counter()
    response = client.get(path, params=params)
    elapsed = time.perf_counter() - started
    if response.status_code != 200:
        raise RuntimeError(f"{path} {params}: {response.status_code} {response.text[:200]}")
    return elapsed


def summary(name: str, seconds: list[float]) -> dict:
    ordered = sorted(seconds)
    p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)]
    row = {
        "name": name,
        "n": len(ordered),
        "p50_ms": statistics.median(ordered) * 1000,
        "p95_ms": p95 * 1000,
        "max_ms": ordered[-1] * 1000,
    }
    print(
        f"  {name:<34} n={row['n']:>4}  p50 {row['p50_ms']:7.1f} ms  "
        f"p95 {row['p95_ms']:7.1f} ms  max {row['max_ms']:7.1f} ms"
    )
    return row


def wait_for_search_index(client: httpx.Client, workers: int) -> None:
    """Each worker verifies the index at startup; searches scan names until it has."""
    started = time.perf_counter()
    ready_in_a_row = 0
    while ready_in_a_row < 4 * workers:  # consecutive answers, whichever worker gives them
        ready = client.get("/api/enterprises", params={"size": 1}).json()["search_index_ready"]
        ready_in_a_row = ready_in_a_row + 1 if ready else 0
        if not ready:
            time.sleep(1)
    print(f"search index verified by the workers after {time.perf_counter() - started:.1f} s")


def latencies(url: str, data: dict, requests: int, workers: int) -> list[dict]:
    rng = random.Random(7)
    client = signed_in(url)
    wait_for_search_index(client, workers)
    started = time.perf_counter()
    client.get("/api/dashboard")  # the cold computation (the app's warm-up may be doing it)
    print(
        f"first dashboard request (cold, or waiting for the warm-up): "
        f"{time.perf_counter() - started:.1f} s"
    )
    for _ in range(20):  # every worker process warms its own cache
        client.get("/api/dashboard")
    rows = [
        summary(
            "dashboard API /api/dashboard",
            [timed(client, "/api/dashboard") for _ in range(requests)],
        ),
        summary(
            "dashboard page /dashboard", [timed(client, "/dashboard") for _ in range(requests)]
        ),
    ]
    queries = search_queries(data, rng)
    for params in queries[:10]:
        client.get("/api/enterprises", params=params)
    picks = [rng.choice(queries) for _ in range(requests)]
    rows.append(
        summary(
            "search API /api/enterprises", [timed(client, "/api/enterprises", p) for p in picks]
        )
    )
    rows.append(
        summary("search page /enterprises", [timed(client, "/enterprises", p) for p in picks])
    )
    cursor, deep = None, []
    for _ in range(50):  # walk 50 keyset pages of the whole list
        params = {"after": cursor} if cursor else {}
        started = time.perf_counter()
        cursor = client.get("/api/enterprises", params=params).json()["next"]
        deep.append(time.perf_counter() - started)
    rows.append(summary("keyset pages 1–50 (whole city)", deep))
    ids = [row.id for row in data["sample"]]
    rows.append(
        summary(
            "profile API /api/enterprises/{id}",
            [timed(client, f"/api/enterprises/{rng.choice(ids)}") for _ in range(requests)],
        )
    )
    return rows


def index_vs_scan(db: Path, data: dict, queries: int = 40) -> None:
    """Baseline: the same text searches read with LIKE in name order, without the index."""
    from xinzhi.store.db import make_engine
    from xinzhi.web.auth import Principal
    from xinzhi.web.search import Filters, list_enterprises

    engine = make_engine(f"sqlite:///{db}")
    analyst = Principal(0, "bench", None, "analyst")
    texts = [p for p in search_queries(data, random.Random(3)) if p.get("q")]
    picks = random.Random(5).sample(texts, min(queries, len(texts)))
    results = {}
    for use_index in (True, False):
        seconds = []
        for params in picks:
            started = time.perf_counter()
            list_enterprises(engine, analyst, Filters(q=params["q"], use_index=use_index))
            seconds.append(time.perf_counter() - started)
        results[use_index] = summary(
            f"search {'with index' if use_index else 'LIKE scan (baseline)'} in-process", seconds
        )
    print(
        f"  p95 ratio, LIKE scan / index: {results[False]['p95_ms'] / results[True]['p95_ms']:.0f}×"
    )
    engine.dispose()


WRK_SCRIPT = """
local paths = {%s}
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i %% #paths) + 1], {["Cookie"] = "%s"})
end
"""


def throughput(url: str, data: dict, duration: int, connections: int) -> dict | None:
    wrk = shutil.which("wrk")
    if wrk is None:
        print("wrk is not installed (make system-deps): throughput not measured")
        return None
    client = signed_in(url)
    cookie = f"xz_session={client.cookies['xz_session']}"
    rng = random.Random(11)
    paths = []
    for row in rng.sample(data["sample"], 50):
        paths.append(f"/api/enterprises/{row.id}")
        paths.append(f"/api/enterprises?district={rng.choice(data['districts'])}")
        paths.append(f"/api/enterprises?q={httpx.QueryParams({'q': row.name[2:4]})['q']}")
    paths += ["/api/dashboard"] * 20
    lua = WRK_SCRIPT % (", ".join(f'"{httpx.URL(p).raw_path.decode()}"' for p in paths), cookie)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(lua)
    command = [
        wrk,
        "-t2",
        f"-c{connections}",
        f"-d{duration}s",
        "--latency",
        "-s",
        handle.name,
        url,
    ]
    print("$ " + " ".join(command[:-2]) + " <mix.lua> " + url)
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    os.unlink(handle.name)
    print("\n".join("  " + line for line in output.splitlines()))
    rps = float(
        next(line.split()[1] for line in output.splitlines() if line.startswith("Requests/sec"))
    )
    errors = [line for line in output.splitlines() if "Non-2xx" in line or "Socket errors" in line]
    return {"requests_per_second": rps, "errors": errors, "paths": len(paths)}


def machine() -> None:
    lscpu = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout
    for line in lscpu.splitlines():
        if line.startswith(("Model name", "CPU(s):", "Thread(s) per core")):
            print("  " + " ".join(line.split()))
    print(
        "  load: "
        + subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", type=Path, default=ROOT / "var" / "demo-1m.db")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--duration", type=int, default=20)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    machine()
    build_if_missing(args.db)
    data = prepare(args.db)
    print(f"{data['enterprises']:,} enterprises")
    process, url = serve(args.db, args.workers)
    try:
        print(f"serving on {url} with {args.workers} uvicorn workers")
        latencies(url, data, args.requests, args.workers)
        throughput(url, data, args.duration, args.connections)
    finally:
        os.killpg(process.pid, 15)
        process.wait(30)
    index_vs_scan(args.db, data)
    machine()


if __name__ == "__main__":
    main()
