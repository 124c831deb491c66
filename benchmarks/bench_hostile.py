"""Hostile callers against `xinzhi serve` on loopback (issue #16): an anonymous 50 MB body and
12 parallel wrong logins, on the code at a baseline git ref and on this tree.

    .venv/bin/python benchmarks/bench_hostile.py [--baseline restructure-landed] [--mb 50]

For each tree the script migrates a fresh SQLite database, adds one analyst, starts
`xinzhi serve` (the real CLI, in its own process) and measures:

* the server's resident memory when idle, and its peak while answering an anonymous POST of
  a ``--mb`` MB JSON body to /api/login (sampled every 5 ms from /proc), with the status
  and the time to the answer — once with a Content-Length, once chunked;
* the statuses of 12 parallel wrong passwords for one user (the login-limit race).

The baseline tree is ``git archive <ref> src`` unpacked in a temporary folder.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
USER, PASSWORD = "bench-analyst", "bench-password-1"


def rss_kb(pid: int, field: str = "VmRSS") -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(field)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def cli(src: Path, env: dict, *args: str, stdin: str | None = None, background=False):
    command = [PYTHON, "-c", "import sys; from xinzhi.cli import app; sys.exit(app())", *args]
    if background:
        return subprocess.Popen(
            command,
            env=env | {"PYTHONPATH": str(src)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    return subprocess.run(
        command,
        env=env | {"PYTHONPATH": str(src)},
        input=stdin,
        text=True,
        check=True,
        capture_output=True,
    )


def peak_during(pid: int, work) -> tuple[object, int, float]:
    """Run ``work()``; its result, the peak RSS (kB) sampled meanwhile, and its seconds."""
    peak = rss_kb(pid)
    done = threading.Event()

    def sample():
        nonlocal peak
        while not done.is_set():
            peak = max(peak, rss_kb(pid))
            time.sleep(0.005)

    sampler = threading.Thread(target=sample)
    sampler.start()
    started = time.perf_counter()
    try:
        result = work()
    finally:
        seconds = time.perf_counter() - started
        done.set()
        sampler.join()
    return result, max(peak, rss_kb(pid)), seconds


def measure(label: str, src: Path, mb: int) -> dict:
    work = Path(tempfile.mkdtemp(prefix=f"xinzhi-bench-hostile-{label}-"))
    reports = work / "reports"
    reports.mkdir(mode=0o700)
    env = os.environ | {
        "XINZHI_DATABASE_URL": f"sqlite:///{work / 'xinzhi.db'}",
        "XINZHI_WEB_REPORTS_DIR": str(reports),
    }
    cli(src, env, "db", "upgrade")
    cli(src, env, "user", "add", USER, "--role", "analyst", "--password-stdin", stdin=PASSWORD)
    port = free_port()
    server = cli(src, env, "serve", "--port", str(port), background=True)
    url = f"http://127.0.0.1:{port}"
    out = {"label": label}
    try:
        with httpx.Client(base_url=url, timeout=120) as client:
            for _ in range(300):  # up to 30 s to start
                try:
                    client.get("/api/csrf")
                    break
                except httpx.TransportError:
                    time.sleep(0.1)
            time.sleep(2)  # let the warm-up thread finish
            token = client.get("/api/csrf").json()["csrf_token"]
            headers = {"X-CSRF-Token": token, "content-type": "application/json"}
            body = b'{"username": "x", "password": "' + b"a" * (mb * 2**20) + b'"}'
            out["idle_kb"] = rss_kb(server.pid)

            def post(content):
                try:
                    return client.post("/api/login", content=content, headers=headers).status_code
                except httpx.TransportError as error:  # the server closed mid-upload
                    return type(error).__name__

            status, peak, seconds = peak_during(server.pid, lambda: post(body))
            out["sized"] = (status, peak - out["idle_kb"], seconds)

            def chunks():
                for start in range(0, len(body), 2**20):
                    yield body[start : start + 2**20]

            before = rss_kb(server.pid)
            status, peak, seconds = peak_during(server.pid, lambda: post(chunks()))
            out["chunked"] = (status, peak - before, seconds)

        with httpx.Client(base_url=url, timeout=60) as client:
            token = client.get("/api/csrf").json()["csrf_token"]

            def guess(i: int):
                return client.post(
                    "/api/login",
                    json={"username": USER, "password": f"guess-{i}"},
                    headers={"X-CSRF-Token": token},
                ).status_code

            with ThreadPoolExecutor(12) as pool:
                out["race"] = Counter(pool.map(guess, range(12)))
    finally:
        server.terminate()
        server.wait(10)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--baseline", default="restructure-landed")
    parser.add_argument("--mb", type=int, default=50)
    args = parser.parse_args()
    baseline = Path(tempfile.mkdtemp(prefix="xinzhi-baseline-"))
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", args.baseline, "src"], check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(baseline)], input=archive, check=True)
    print(f"machine: {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f} (1 min)")
    for label, src in ((args.baseline, baseline / "src"), ("this tree", ROOT / "src")):
        r = measure(label, src, args.mb)
        print(f"\n{label}: idle server {r['idle_kb'] / 1024:.0f} MB")
        for kind in ("sized", "chunked"):
            status, grew, seconds = r[kind]
            print(
                f"  anonymous {args.mb} MB POST /api/login ({kind}): {status} in {seconds:.2f} s, "
                f"server peak +{grew / 1024:.0f} MB"
            )
        print(f"  12 parallel wrong logins: {dict(sorted(r['race'].items()))}")


if __name__ == "__main__":
    main()
