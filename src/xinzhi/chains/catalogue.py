"""Finding a chain: the database's current (or a given) version, else the shipped map.

Eight chain maps ship with Xinzhi (``data/<key>.yaml``): Shenyang's chains named in the
seeds. They are usable without a database; ``xinzhi chain seed`` imports them so that a
bureau can edit them and keep versions.
"""

from __future__ import annotations

import copy
from functools import cache
from importlib import resources

from sqlalchemy import Engine

from .problems import ChainNotFound
from .repository import load_chain
from .spec import ChainSpec
from .yamlio import parse_yaml

# In the order the seeds name them (沈阳日报 2023-08-29; 国际在线 2023-03-04).
SHIPPED = (
    "aviation",
    "robot",
    "compressor",
    "transmission",
    "heavy_machinery",
    "medical",
    "ic",
    "high_end_equipment",
)


def _data():
    return resources.files("xinzhi.chains") / "data"


@cache
def _shipped(key: str) -> ChainSpec:
    resource = _data() / f"{key}.yaml"
    return parse_yaml(resource.read_text(encoding="utf-8"), f"{key}.yaml")


def load_shipped(key: str) -> ChainSpec:
    """A shipped chain (a copy: callers may change it)."""
    if key not in SHIPPED:
        raise ChainNotFound(key)
    return copy.deepcopy(_shipped(key))


def shipped_chains() -> list[ChainSpec]:
    return [load_shipped(key) for key in SHIPPED]


def resolve_chain(engine: Engine | None, key: str, version: int | None = None) -> ChainSpec:
    """The chain ``key`` from the database (current or ``version``), else the shipped one."""
    if engine is not None:
        chain = load_chain(engine, key, version)
        if chain is not None:
            return chain
    if version is not None:
        raise ChainNotFound(key, version)
    return load_shipped(key)
