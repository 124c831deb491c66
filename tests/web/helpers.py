"""A small demo city with one user per role, and signed-in test clients — for every web test.

city = build_web_city(sqlite_engine)          # or the `web_city` fixture (tests/web)
client = client_for(city, "district")          # signed in, CSRF header set
client.get("/api/enterprises").json()
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from xinzhi.accounts.users import use_hasher
from xinzhi.demo.city import build_demo_city
from xinzhi.demo.users import create_demo_users
from xinzhi.store import models
from xinzhi.web.app import create_app
from xinzhi.web.config import WebSettings

PASSWORD = "demo-password-1"
USERNAMES = ("admin", "analyst", "district", "enterprise", "researcher")
# argon2 at test strength: the stored hash names its parameters, so the code path is the same
CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@dataclass(frozen=True)
class WebCity:
    engine: Engine
    district_id: int  # the district analyst's district, where the enterprise user's firm is
    enterprise_id: int  # the enterprise user's firm
    other_district_id: int  # a district none of the scoped users may see
    other_enterprise_id: int  # a firm in it
    other_enterprise_name: str
    other_enterprise_code: str
    sibling_enterprise_id: int  # another firm in the analyst's district (not the user's)
    sibling_enterprise_name: str
    sibling_enterprise_code: str


def build_web_city(engine: Engine, *, enterprises: int = 200) -> WebCity:
    build_demo_city(engine, seed=7, enterprises=enterprises)
    return add_web_users(engine)


def add_web_users(engine: Engine) -> WebCity:
    """The demo users (password ``PASSWORD``) in a city already built."""
    use_hasher(CHEAP_HASHER)
    create_demo_users(engine, {name: PASSWORD for name in USERNAMES})
    E, C = models.Enterprise, models.TechContract
    with engine.connect() as conn:
        district_id = conn.scalar(
            sa.select(models.auth.User.district_id).where(models.auth.User.username == "district")
        )
        enterprise_id = conn.scalar(
            sa.select(models.auth.User.enterprise_id).where(
                models.auth.User.username == "enterprise"
            )
        )
        in_district = sa.select(E.id).where(E.district_id == district_id)

        def unrelated(condition):
            """A firm matching ``condition`` with no contract with the scoped firms: no page of
            theirs may ever name it (a contract party's name is shown on the profile)."""
            linked = sa.or_(
                sa.and_(C.seller_enterprise_id == E.id, C.buyer_enterprise_id.in_(in_district)),
                sa.and_(C.buyer_enterprise_id == E.id, C.seller_enterprise_id.in_(in_district)),
            )
            return conn.execute(
                sa.select(E.id, E.name, E.credit_code)
                .where(condition, ~sa.exists().where(linked))
                .order_by(E.id)
                .limit(1)
            ).one()

        other = unrelated(E.district_id != district_id)
        other_district = conn.scalar(sa.select(E.district_id).where(E.id == other.id))
        sibling = unrelated(sa.and_(E.district_id == district_id, E.id != enterprise_id))
    return WebCity(
        engine,
        district_id,
        enterprise_id,
        other_district,
        other.id,
        other.name,
        other.credit_code,
        sibling.id,
        sibling.name,
        sibling.credit_code,
    )


def make_app(city: WebCity, **settings):
    return create_app(city.engine, WebSettings.from_env(**settings))


def sign_in(client: TestClient, username: str, password: str = PASSWORD):
    token = client.get("/api/csrf").json()["csrf_token"]
    response = client.post(
        "/api/login",
        json={"username": username, "password": password},
        headers={"X-CSRF-Token": token},
    )
    if response.status_code == 200:
        client.headers["X-CSRF-Token"] = response.json()["csrf_token"]
    return response


def client_for(
    city: WebCity, username: str | None, app=None, *, raise_errors: bool = True
) -> TestClient:
    """A TestClient signed in as ``username`` (None: anonymous), sending its CSRF token.

    ``raise_errors=False`` turns a server error into a 500 answer instead of an exception.
    """
    client = TestClient(
        app or make_app(city), follow_redirects=False, raise_server_exceptions=raise_errors
    )
    if username is not None:
        response = sign_in(client, username)
        assert response.status_code == 200, response.text
    return client
