"""Hostile callers (issue #16, findings 3–9): each test replays the attack against the real app
— a TestClient, or a uvicorn server on 127.0.0.1 started here with `xinzhi serve`'s options.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import re
import socket
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from xinzhi.accounts.login import attempt_login
from xinzhi.cli.serve import uvicorn_options
from xinzhi.store import models
from xinzhi.store.models.auth import LoginAttempt, User
from xinzhi.store.models.runs import CurrentStatus, EvaluationRun
from xinzhi.web.config import WebSettings
from xinzhi.web.limits import UnsafeDirectory, private_directory

from .conftest import assess
from .helpers import PASSWORD, build_web_city, client_for, make_app

ATTACKER = ("198.51.100.66", 40000)
REAL_USER = ("192.0.2.7", 40001)


def serve(live_server, app) -> str:
    """The app under uvicorn on a free loopback port, with `xinzhi serve`'s options."""
    options = uvicorn_options("127.0.0.1", 0)
    return live_server(app, **{k: v for k, v in options.items() if k not in ("host", "port")})


def _csrf(client) -> str:
    return client.get("/api/csrf").json()["csrf_token"]


def _api_login(client, username: str, password: str, **headers):
    token = _csrf(client)
    return client.post(
        "/api/login",
        json={"username": username, "password": password},
        headers={"X-CSRF-Token": token, **headers},
    )


def _attempts(city):
    with city.engine.connect() as conn:
        return conn.execute(
            sa.select(
                LoginAttempt.username,
                LoginAttempt.ip,
                LoginAttempt.succeeded,
                LoginAttempt.throttled,
                LoginAttempt.purpose,
            ).order_by(LoginAttempt.id)
        ).all()


def _age_attempts(city, seconds: int) -> None:
    """Move every recorded attempt ``seconds`` into the past (time passing, without sleeping)."""
    with city.engine.begin() as conn:
        for attempt_id, at in conn.execute(sa.select(LoginAttempt.id, LoginAttempt.at)).all():
            conn.execute(
                sa.update(LoginAttempt)
                .where(LoginAttempt.id == attempt_id)
                .values(at=at - dt.timedelta(seconds=seconds))
            )


# --- finding 4: parallel wrong logins are all counted ------------------------------------------


def test_parallel_wrong_logins_are_all_counted(any_web_city, live_server):
    web_city = any_web_city  # on SQLite, then on PostgreSQL
    # a hash that takes a few ms, so the parallel attempts really overlap
    slower = PasswordHasher(time_cost=2, memory_cost=8192, parallelism=1).hash(PASSWORD)
    with web_city.engine.begin() as conn:
        conn.execute(sa.update(User).where(User.username == "analyst").values(password_hash=slower))
    with httpx.Client(base_url=serve(live_server, make_app(web_city))) as client:
        token = _csrf(client)

        def guess(i: int) -> int:
            return client.post(
                "/api/login",
                json={"username": "analyst", "password": f"guess-{i}"},
                headers={"X-CSRF-Token": token},
            ).status_code

        with ThreadPoolExecutor(12) as pool:
            statuses = list(pool.map(guess, range(12)))
    assert statuses.count(401) <= 5 and statuses.count(429) >= 7, statuses
    rows = _attempts(web_city)
    assert len(rows) == 12  # every attempt is in the audit trail
    assert sum(1 for r in rows if not r.throttled) == statuses.count(401)


# --- finding 5: nobody can lock out someone else ----------------------------------------------


def test_the_real_user_gets_in_from_elsewhere_while_the_attacker_waits_longer_each_time(web_city):
    app = make_app(web_city)
    attacker = TestClient(app, client=ATTACKER, follow_redirects=False)
    for _ in range(5):
        assert _api_login(attacker, "admin", "guess").status_code == 401
    refused = _api_login(attacker, "admin", PASSWORD)  # even the right password now waits
    assert refused.status_code == 429
    first_wait = int(refused.headers["retry-after"])
    assert 55 <= first_wait <= 62

    real = TestClient(app, client=REAL_USER, follow_redirects=False)
    assert _api_login(real, "admin", PASSWORD).status_code == 200

    # the real user's success elsewhere does not reset the attacker's count, and each further
    # failure doubles the wait
    _age_attempts(web_city, first_wait + 1)
    assert _api_login(attacker, "admin", "guess").status_code == 401
    second = _api_login(attacker, "admin", "guess")
    assert second.status_code == 429
    assert 115 <= int(second.headers["retry-after"]) <= 122

    rows = _attempts(web_city)
    attacker_rows = [r for r in rows if r.ip == ATTACKER[0]]
    assert [r.throttled for r in attacker_rows] == [False] * 5 + [True, False, True]
    assert [r for r in rows if r.ip == REAL_USER[0]][-1].succeeded


def test_one_source_is_limited_across_user_names(web_city):
    app = make_app(web_city, login_failures_per_ip=4)
    attacker = TestClient(app, client=ATTACKER, follow_redirects=False)
    for name in ("admin", "analyst", "district", "enterprise"):
        assert _api_login(attacker, name, "guess").status_code == 401
    assert _api_login(attacker, "researcher", "guess").status_code == 429
    real = TestClient(app, client=REAL_USER, follow_redirects=False)
    assert _api_login(real, "researcher", PASSWORD).status_code == 200


# --- finding 6: X-Forwarded-For only from configured proxies ----------------------------------


def test_forwarded_for_is_ignored_unless_the_proxy_is_trusted(web_city, live_server):
    with httpx.Client(base_url=serve(live_server, make_app(web_city))) as client:
        for i in range(6):  # a new made-up address each time: no way around the limit
            response = _api_login(client, "analyst", "guess", **{"X-Forwarded-For": f"10.9.9.{i}"})
        assert response.status_code == 429
    assert {r.ip for r in _attempts(web_city)} == {"127.0.0.1"}

    trusting = make_app(web_city, trusted_proxies=("127.0.0.1",))
    with httpx.Client(base_url=serve(live_server, trusting)) as client:
        response = _api_login(client, "admin", "guess", **{"X-Forwarded-For": "203.0.113.9"})
        assert response.status_code == 401
    assert _attempts(web_city)[-1].ip == "203.0.113.9"


def test_trusted_proxies_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("XINZHI_TRUSTED_PROXIES", "10.0.0.1, 192.168.0.0/16")
    assert WebSettings.from_env().trusted_proxies == ("10.0.0.1", "192.168.0.0/16")
    monkeypatch.delenv("XINZHI_TRUSTED_PROXIES")
    assert WebSettings.from_env().trusted_proxies == ()


# --- finding 3: small bodies before sign-in, bounded credentials ------------------------------


def test_an_anonymous_50_mb_body_is_refused_before_it_is_read(web_city, live_server):
    """The server answers 413 after 64 KB of a declared 50 MB body: it never waits for the rest."""
    port = int(serve(live_server, make_app(web_city)).rsplit(":", 1)[1])
    for path in ("/api/login", "/login", "/api/imports"):
        with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
            conn.sendall(
                f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                f"Content-Length: {50 * 2**20}\r\n\r\n".encode()
                + b"{" * (64 * 1024)
            )
            answer = conn.recv(4096)
        assert answer.startswith(b"HTTP/1.1 413"), (path, answer[:100])


def test_a_chunked_body_is_cut_at_the_limit(web_city, live_server):
    """Without a Content-Length the body is counted as it streams: cut after 64 KB."""
    port = int(serve(live_server, make_app(web_city)).rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(
            b"POST /api/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n"
        )
        chunk = b"%x\r\n%s\r\n" % (2**16, b"[" * 2**16)
        answer = b""
        for _ in range(50 * 16):  # 50 MB if the server kept reading
            try:
                conn.sendall(chunk)
            except OSError:  # the server has answered and closed
                break
            conn.setblocking(False)
            try:
                answer += conn.recv(4096)
            except BlockingIOError:
                pass
            conn.setblocking(True)
            if answer:
                break
        conn.settimeout(10)
        while b"\r\n" not in answer and (more := conn.recv(4096)):
            answer += more
    assert answer.startswith(b"HTTP/1.1 413"), answer[:100]


def test_the_refusal_names_the_limit(web_city):
    response = client_for(web_city, None).post("/api/login", content=b"x" * (65 * 1024))
    assert response.status_code == 413
    assert response.json()["detail"] == {
        "zh": "请求内容超过 64 KB 的上限",
        "en": "the request body exceeds the 64 KB limit",
    }


def test_only_a_user_who_may_import_may_send_a_large_upload(web_city):
    body = b"x" * (200 * 1024)  # over the 64 KB limit, far under the upload limit

    def upload(client):
        return client.post(
            "/api/imports", data={"kind": "no-such-kind"}, files={"file": ("a.csv", body)}
        )

    assert upload(client_for(web_city, None)).status_code == 413
    assert upload(client_for(web_city, "district")).status_code == 413  # may not import
    accepted = upload(client_for(web_city, "analyst"))  # read, then refused for its kind
    assert accepted.status_code == 400 and "no-such-kind" in accepted.text
    signed_in = client_for(web_city, "analyst")  # any other route stays small when signed in
    assert signed_in.post("/api/login", content=body).status_code == 413


def test_credential_fields_are_bounded(web_city):
    client = client_for(web_city, None)
    assert _api_login(client, "admin", "x" * 5000).status_code == 422
    assert _api_login(client, "a" * 100, "x").status_code == 422
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    form = client.post(
        "/login", data={"username": "admin", "password": "x" * 5000, "csrf_token": token}
    )
    assert form.status_code == 422
    assert _attempts(web_city) == []  # refused before any hashing or counting
    settings = WebSettings()
    assert not attempt_login(web_city.engine, "admin", "y" * 5000, "127.0.0.9", settings).ok


# --- finding 8: the current-password check is limited -----------------------------------------


def test_the_current_password_check_is_rate_limited(web_city):
    client = client_for(web_city, "analyst")

    def change(current: str):
        return client.post("/account/password", data={"current": current, "new": "n3w-Passw0rd!x"})

    for _ in range(5):
        assert change("guess").status_code == 400
    refused = change(PASSWORD)
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 0
    assert "密码核对失败次数过多" in refused.text
    rows = [r for r in _attempts(web_city) if r.purpose == "password_check"]
    assert len(rows) == 6 and rows[-1].throttled
    # the guesses count for the login form from the same source too
    assert _api_login(client, "analyst", PASSWORD).status_code == 429


# --- finding 7: a district analyst sees its district's runs -----------------------------------


def _runs_passes(html: str) -> list[str]:
    """The passes cell of each row of the runs table."""
    table = re.search(r'<table class="data" id="runs">(.*?)</table>', html, re.S).group(1)
    return [cell.strip() for cell in re.findall(r'<td class="meta">(.*?)</td></tr>', table, re.S)]


def test_a_district_analyst_sees_only_its_districts_run_counts(web_city):
    assess(web_city)
    assess(web_city)  # an older run, for which no district figures exist
    E, S = models.Enterprise, CurrentStatus
    with web_city.engine.connect() as conn:
        latest = conn.execute(
            sa.select(EvaluationRun.summary).order_by(EvaluationRun.id.desc()).limit(1)
        ).scalar_one()
        district = dict(
            conn.execute(
                sa.select(S.assessment, sa.func.count())
                .join(E, E.id == S.enterprise_id)
                .where(S.status == "pass", E.district_id == web_city.district_id)
                .group_by(S.assessment)
            ).all()
        )
    city = {a: c.get("pass", 0) for a, c in latest["counts"].items()}
    assert any(city[a] != district.get(a, 0) for a in city)  # the two really differ

    def shown(counts):
        return " · ".join(f"{a} {n:,}" for a, n in counts.items())

    page = client_for(web_city, "district").get("/assessments").text
    latest_cell, older_cell = _runs_passes(page)[:2]
    assert latest_cell == shown({a: district.get(a, 0) for a in city})
    assert "—" in older_cell and shown(city) not in page
    analyst = client_for(web_city, "analyst").get("/assessments").text
    assert _runs_passes(analyst)[0] == shown(city)


# --- finding 9: the minor ones ----------------------------------------------------------------


@pytest.mark.parametrize(
    "cursor",
    [
        "!!!not-base64",
        base64.urlsafe_b64encode(json.dumps([{"a": 1}, 2]).encode()).decode(),
        base64.urlsafe_b64encode(json.dumps([10**30, 1]).encode()).decode(),
        "A" * 5000,
    ],
)
def test_a_malformed_cursor_is_a_400(web_city, cursor):
    client = client_for(web_city, "analyst", raise_errors=False)
    assert client.get("/api/enterprises", params={"after": cursor}).status_code == 400
    assert client.get("/enterprises", params={"before": cursor}).status_code == 400


def test_a_23_digit_id_is_a_400(web_city):
    client = client_for(web_city, "analyst", raise_errors=False)
    for path in ("/api/enterprises/", "/enterprises/", "/matching/challenges/"):
        response = client.get(path + "12345678901234567890123")
        assert response.status_code == 400, path


def test_the_api_docs_page_has_the_csp_and_no_inline_script(web_city):
    response = client_for(web_city, None).get("/api/docs")
    assert response.status_code == 200
    assert "script-src 'self'" in response.headers["content-security-policy"]
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", response.text, re.S)
    assert scripts and all('src="/static/' in attrs and not body.strip() for attrs, body in scripts)
    assert "https://" not in response.text  # nothing from a CDN
    assert client_for(web_city, None).get("/static/swagger-init.js").status_code == 200


def test_the_reports_folder_must_be_private(tmp_path):
    fresh = private_directory(tmp_path / "reports")
    assert oct(fresh.stat().st_mode & 0o777) == "0o700"
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o777)
    shared.chmod(0o777)
    with pytest.raises(UnsafeDirectory, match="700"):
        private_directory(shared)
    link = tmp_path / "link"
    link.symlink_to(fresh)
    with pytest.raises(UnsafeDirectory, match="link"):
        private_directory(link)


def test_the_reports_folder_defaults_to_the_users_own_cache(monkeypatch):
    """Not a fixed name under /tmp, which another local user could create first."""
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.delenv("XINZHI_WEB_REPORTS_DIR", raising=False)
    assert WebSettings().reports_dir == Path.home() / ".cache" / "xinzhi" / "reports"
    monkeypatch.setenv("XDG_CACHE_HOME", "/srv/cache")
    assert WebSettings().reports_dir == Path("/srv/cache/xinzhi/reports")


def test_the_app_refuses_to_start_on_a_reports_folder_others_can_open(web_city, tmp_path):
    planted = tmp_path / "xinzhi-reports"
    planted.mkdir()
    planted.chmod(0o755)
    with pytest.raises(UnsafeDirectory):
        make_app(web_city, reports_dir=planted)


@pytest.mark.skipif(os.getuid() != 0, reason="needs root to make a folder of another user")
def test_a_reports_folder_of_another_user_is_refused(tmp_path):
    planted = tmp_path / "planted"
    planted.mkdir(mode=0o700)
    os.chown(planted, 65534, 65534)
    with pytest.raises(UnsafeDirectory, match="another user"):
        private_directory(planted)


@pytest.fixture(scope="module")
def complete_city(tmp_path_factory):
    """The web city with the demo's matching lists and challenge board."""
    from xinzhi.demo.completion import complete_demo_city
    from xinzhi.store.db import make_engine
    from xinzhi.store.schema import upgrade

    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('complete') / 'xinzhi.db'}")
    upgrade(engine)
    city = build_web_city(engine, enterprises=100)
    complete_demo_city(engine, assess=False)
    yield city
    engine.dispose()


def test_matching_search_treats_like_wildcards_literally(complete_city):
    client = client_for(complete_city, "analyst")
    assert client.get("/api/matching/results").json()["total"] > 0
    for wildcard in ("%", "_", "%%"):
        assert client.get("/api/matching/results", params={"q": wildcard}).json()["total"] == 0
    page = client.get("/matching/demands", params={"q": "%"})
    assert page.status_code == 200


def test_demo_challenge_texts_do_not_name_the_firm(complete_city):
    C, E = models.matching.Challenge, models.Enterprise
    with complete_city.engine.connect() as conn:
        rows = conn.execute(
            sa.select(C.title, C.requirements, E.name).join(E, E.id == C.enterprise_id)
        ).all()
    assert rows  # the demo board has challenges put out for a firm's demand
    for title, requirements, name in rows:
        assert name not in requirements and name not in title
