"""The web tests' city with the demo's compute centre, and a centre operator."""

from __future__ import annotations

from xinzhi.accounts.users import create_user
from xinzhi.compute.access import assign_operator
from xinzhi.demo.compute import CODE, stage_compute
from xinzhi.store.db import make_engine
from xinzhi.store.schema import upgrade

from ..web.helpers import PASSWORD, build_web_city


def compute_city(path):
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    city = build_web_city(engine, enterprises=200)
    staged = stage_compute(engine, seed=7, actor="test")
    create_user(engine, "idle-operator", PASSWORD, "centre_operator", actor="test")
    assign_operator(engine, "operator", CODE, actor="test")  # the demo's operator
    return city, staged
