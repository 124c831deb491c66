"""Sign-in, sessions, cookies, CSRF, the login rate limit, passwords and `xinzhi user`."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from xinzhi.accounts.users import UserError, create_user, verify_password
from xinzhi.store.models.auth import LoginAttempt, User, WebSession
from xinzhi.web.routers.account import safe_next

from .helpers import PASSWORD, client_for, make_app, sign_in


def _login_form(client: TestClient, username: str, password: str, next_: str = ""):
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    return client.post(
        "/login",
        data={"username": username, "password": password, "next": next_, "csrf_token": token},
    )


def test_login_form_sets_a_safe_session_cookie_and_logout_ends_the_session(web_city):
    client = client_for(web_city, None)
    response = _login_form(client, "analyst", PASSWORD, "/enterprises")
    assert response.status_code == 303 and response.headers["location"] == "/enterprises"
    cookie = next(h for h in response.headers.get_list("set-cookie") if h.startswith("xz_session="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # plain http on loopback
    token = client.cookies["xz_session"]
    with web_city.engine.connect() as conn:  # only the token's hash is stored
        stored = conn.scalars(sa.select(WebSession.token_hash)).all()
    assert token not in stored and len(stored) == 1 and len(stored[0]) == 64
    assert client.get("/api/me").json()["role"] == "analyst"

    page = client.get("/account").text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert client.post("/logout", data={"csrf_token": csrf}).status_code == 303
    with web_city.engine.connect() as conn:
        assert conn.scalar(sa.select(sa.func.count()).select_from(WebSession)) == 0
    client.cookies.set("xz_session", token)  # a copied cookie opens nothing after logout
    assert client.get("/api/me").status_code == 401


def test_cookies_are_secure_over_https(web_city):
    client = TestClient(
        make_app(web_city), base_url="https://xinzhi.example", follow_redirects=False
    )
    response = sign_in(client, "analyst")
    cookie = next(h for h in response.headers.get_list("set-cookie") if h.startswith("xz_session="))
    assert "Secure" in cookie


def test_wrong_password_and_unknown_user_look_the_same(web_city):
    client = client_for(web_city, None)
    wrong = _login_form(client, "analyst", "not-the-password")
    unknown = _login_form(client, "nobody", "not-the-password")
    assert wrong.status_code == unknown.status_code == 401
    assert "用户名或密码错误" in wrong.text and "用户名或密码错误" in unknown.text


def test_login_without_csrf_token_is_refused(web_city):
    client = client_for(web_city, None)
    response = client.post("/login", data={"username": "analyst", "password": PASSWORD})
    assert response.status_code == 403
    assert "xz_session" not in client.cookies


def test_login_rate_limit_per_user_survives_a_restart(web_city):
    client = client_for(web_city, None)
    for _ in range(5):
        assert _login_form(client, "analyst", "wrong-password").status_code == 401
    refused = _login_form(client, "analyst", PASSWORD)  # even the right password now waits
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 0
    assert "登录失败次数过多" in refused.text
    restarted = client_for(web_city, None)  # a new app on the same database
    assert _login_form(restarted, "analyst", PASSWORD).status_code == 429
    assert _login_form(restarted, "admin", PASSWORD).status_code == 303  # other users unaffected


def test_login_rate_limit_per_address(web_city):
    app = make_app(web_city, login_failures_per_ip=3, login_failures_per_user=100)
    client = client_for(web_city, None, app)
    for name in ("a1", "a2", "a3"):
        assert _login_form(client, name, "wrong-password").status_code == 401
    assert _login_form(client, "admin", PASSWORD).status_code == 429
    with web_city.engine.connect() as conn:  # the refused attempt is kept, marked throttled
        rows = conn.execute(sa.select(LoginAttempt.username, LoginAttempt.throttled)).all()
    assert sorted(rows) == [("a1", False), ("a2", False), ("a3", False), ("admin", True)]


def test_a_success_resets_the_user_count(web_city):
    client = client_for(web_city, None)
    for _ in range(4):
        _login_form(client, "analyst", "wrong-password")
    assert _login_form(client, "analyst", PASSWORD).status_code == 303
    for _ in range(4):
        assert _login_form(client, "analyst", "wrong-password").status_code == 401


@pytest.mark.parametrize(
    "target, expected",
    [
        ("/enterprises?q=1", "/enterprises?q=1"),
        ("//evil.example/x", None),
        ("https://evil.example/", None),
        ("/\\evil.example", None),
        ("", None),
        ("dashboard", None),
    ],
)
def test_next_goes_to_local_paths_only(target, expected):
    assert safe_next(target) == expected


def test_pages_send_anonymous_users_to_login_and_back(web_city):
    client = client_for(web_city, None)
    response = client.get("/enterprises?q=abc")
    assert response.headers["location"] == "/login?next=/enterprises%3Fq%3Dabc"
    assert client.get("/api/enterprises").status_code == 401
    htmx = client.get("/enterprises", headers={"HX-Request": "true"})
    assert htmx.status_code == 401 and htmx.headers["HX-Redirect"].startswith("/login?next=")


def test_state_changing_requests_need_the_session_csrf_token(web_city):
    client = client_for(web_city, "admin")
    csrf = client.headers.pop("X-CSRF-Token")
    body = {"indicator": "x", "region": "沈阳市", "year": 2023, "value": "1", "unit": "项"}
    assert client.post("/api/admin/targets", json=body).status_code == 403
    wrong = client.post("/api/admin/targets", json=body, headers={"X-CSRF-Token": "forged"})
    assert wrong.status_code == 403
    other = client_for(web_city, "analyst").headers["X-CSRF-Token"]  # another session's token
    assert (
        client.post("/api/admin/targets", json=body, headers={"X-CSRF-Token": other}).status_code
        == 403
    )
    assert (
        client.post("/api/admin/targets", json=body, headers={"X-CSRF-Token": csrf}).status_code
        == 200
    )


def test_changing_ones_password_ends_every_session(web_city):
    first, second = client_for(web_city, "analyst"), client_for(web_city, "analyst")
    response = first.post("/account/password", data={"current": PASSWORD, "new": "new-password-2"})
    assert response.status_code == 303
    assert second.get("/api/me").status_code == 401
    assert sign_in(second, "analyst", "new-password-2").status_code == 200
    bad = second.post("/account/password", data={"current": "wrong", "new": "new-password-3"})
    assert bad.status_code == 400


def test_language_switch(web_city):
    client = client_for(web_city, "analyst")
    assert "仪表盘" in client.get("/dashboard").text
    response = client.get("/lang/en", params={"next": "/dashboard"})
    assert response.headers["location"] == "/dashboard"
    client.cookies.set("xz_lang", "en")
    html = client.get("/dashboard").text
    assert 'lang="en"' in html and "Dashboard" in html and "仪表盘" not in html
    assert client.get("/lang/en", params={"next": "//evil.example"}).headers["location"] == "/"


def test_security_headers(web_city):
    response = client_for(web_city, "analyst").get("/dashboard")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"


def test_user_rules(web_city):
    with pytest.raises(UserError, match="至少 8"):
        create_user(web_city.engine, "shorty", "short", "analyst", actor="t")
    with pytest.raises(UserError, match="区县"):
        create_user(web_city.engine, "d2", "password-9", "district_analyst", actor="t")
    with pytest.raises(UserError, match="找不到区县"):
        create_user(
            web_city.engine, "d2", "password-9", "district_analyst", actor="t", district="不存在区"
        )
    with pytest.raises(UserError, match="未知角色"):
        create_user(web_city.engine, "d3", "password-9", "root", actor="t")
    with pytest.raises(UserError, match="已存在"):
        create_user(web_city.engine, "Analyst", "password-9", "analyst", actor="t")
    # the database itself refuses a scoped role without its scope
    with pytest.raises(sa.exc.IntegrityError), web_city.engine.begin() as conn:
        conn.execute(
            sa.insert(User).values(username="x", password_hash="x", role="enterprise", active=True)
        )


def test_user_cli(web_city, monkeypatch):
    from xinzhi.cli import app

    monkeypatch.setenv("XINZHI_DATABASE_URL", str(web_city.engine.url))
    runner = CliRunner()
    added = runner.invoke(
        app,
        [
            "user",
            "add",
            "wang",
            "--role",
            "district_analyst",
            "--district",
            "浑南区",
            "--password-stdin",
        ],
        input="long-password-1\n",
    )
    assert added.exit_code == 0, added.output
    bad = runner.invoke(
        app,
        ["user", "add", "li", "--role", "enterprise", "--password-stdin"],
        input="long-password-1\n",
    )
    assert bad.exit_code == 1 and "信用代码" in bad.output
    assert (
        runner.invoke(
            app, ["user", "passwd", "wang", "--password-stdin"], input="long-password-2\n"
        ).exit_code
        == 0
    )
    assert runner.invoke(app, ["user", "role", "wang", "--role", "analyst"]).exit_code == 0
    listed = runner.invoke(app, ["user", "list"])
    assert listed.exit_code == 0 and "wang" in listed.output and "analyst" in listed.output
    with web_city.engine.connect() as conn:
        row = conn.execute(
            sa.select(User.role, User.district_id, User.password_hash).where(
                User.username == "wang"
            )
        ).one()
        actions = conn.scalars(
            sa.text("select action from audit_log where subject = 'user:wang' order by id")
        ).all()
    assert row.role == "analyst" and row.district_id is None
    assert verify_password(row.password_hash, "long-password-2")
    assert actions == ["user.add", "user.passwd", "user.role"]
