"""Every route of the app, with every role: declared access, 401/403/404, CSRF, no leaks.

The routes are read from the app itself, so a route added later by any area is checked too:
without an access dependency (``xinzhi.web.auth``) it fails the first test; if it shows a
scoped user another district's or enterprise's data, it fails the last one.
"""

from __future__ import annotations

import re

import pytest

from xinzhi.store.models.auth import ROLES
from xinzhi.web.auth import PUBLIC, UNSAFE_METHODS, api_routes, declared_access

from .helpers import USERNAMES, client_for, make_app

ROLE_OF = dict(zip(USERNAMES, ROLES, strict=True))  # demo user name → its role
SCOPED = ("district", "enterprise", "researcher", "operator")


def path_for(path: str, city) -> str:
    """Fill a route's path parameters, pointing at what scoped users must not see."""
    values = {
        "enterprise_id": city.other_enterprise_id,
        "district_id": city.other_district_id,
        "username": "analyst",
        "kind": "enterprises",
        "lang": "en",
        "token": "x" * 32,
    }
    return re.sub(r"\{(\w+)(:\w+)?\}", lambda m: str(values.get(m.group(1), 1)), path)


@pytest.fixture
def routes(web_city):
    app = make_app(web_city)
    return app, [r for r in api_routes(app)]


def test_every_route_declares_who_may_use_it(routes):
    _, found = routes
    assert len(found) > 20
    undeclared = [
        f"{sorted(r.methods)} {r.path}" for r in found if len(declared_access(r.dependant)) != 1
    ]
    assert undeclared == [], "routes without exactly one access dependency (xinzhi.web.auth)"


def _call(client, method: str, path: str):
    return client.request(
        method, path, headers={"accept": "text/html"} if not path.startswith("/api/") else {}
    )


def test_anonymous_visitors_are_sent_to_login(routes, web_city):
    app, found = routes
    client = client_for(web_city, None, app, raise_errors=False)
    for route in found:
        access = next(iter(declared_access(route.dependant)))
        for method in route.methods - {"HEAD"}:
            response = _call(client, method, path_for(route.path, web_city))
            label = f"{method} {route.path}"
            if access == PUBLIC:
                assert response.status_code < 500, label
                if method in UNSAFE_METHODS:
                    assert response.status_code == 403, f"{label}: public, but needs CSRF"
            elif route.path.startswith("/api/"):
                assert response.status_code == 401, label
            else:
                assert response.status_code == 303, label
                assert response.headers["location"].startswith("/login?next="), label


@pytest.mark.parametrize("username", USERNAMES)
def test_roles_get_403_where_not_admitted_and_csrf_is_required(routes, web_city, username):
    app, found = routes
    client = client_for(web_city, username, app, raise_errors=False)
    csrf = client.headers.pop("X-CSRF-Token")
    role = ROLE_OF[username]
    for route in found:
        access = next(iter(declared_access(route.dependant)))
        admitted = access == PUBLIC or role in access
        for method in route.methods - {"HEAD"}:
            label = f"{username} {method} {route.path}"
            path = path_for(route.path, web_city)
            response = _call(client, method, path)
            if not admitted:
                assert response.status_code == 403, label
            elif method in UNSAFE_METHODS:
                assert response.status_code == 403, f"{label}: accepted without a CSRF token"
            else:
                assert response.status_code not in (401, 403), label
                assert response.status_code < 500, f"{label}: {response.text[:300]}"
    client.headers["X-CSRF-Token"] = csrf


@pytest.mark.parametrize("username", SCOPED)
def test_scoped_users_never_see_what_is_not_theirs(routes, web_city, username):
    """GET every admitted route as a scoped user: another district's firm (and, for the
    enterprise user, a firm of its own district) is never named, and its profile is 404."""
    app, found = routes
    client = client_for(web_city, username, app, raise_errors=False)
    hidden = [web_city.other_enterprise_name, web_city.other_enterprise_code]
    if username == "enterprise":
        hidden += [web_city.sibling_enterprise_name, web_city.sibling_enterprise_code]
    role = ROLE_OF[username]
    for route in found:
        access = next(iter(declared_access(route.dependant)))
        if "GET" not in route.methods or not (access == PUBLIC or role in access):
            continue
        path = path_for(route.path, web_city)
        response = _call(client, "GET", path)
        label = f"{username} GET {path}"
        if "{enterprise_id}" in route.path or "{district_id}" in route.path:
            assert response.status_code == 404, label
        for secret in hidden:
            assert secret not in response.text, f"{label} shows {secret}"


def test_the_leak_test_can_see_a_leak(web_city):
    """The same checks find the hidden firm where the role may see it (the test has teeth)."""
    analyst = client_for(web_city, "analyst")
    assert analyst.get(f"/api/enterprises/{web_city.other_enterprise_id}").status_code == 200
    page = analyst.get("/api/enterprises", params={"q": web_city.other_enterprise_code}).text
    assert web_city.other_enterprise_code in page
    district = client_for(web_city, "district")
    assert district.get(f"/api/enterprises/{web_city.sibling_enterprise_id}").status_code == 200
