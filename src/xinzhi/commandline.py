"""What every `xinzhi` sub-command shares: consoles, the acting user, the database, dates."""

from __future__ import annotations

import datetime as dt
import getpass
import os
from typing import Annotated

import typer
from rich.console import Console

from .store.db import make_engine
from .store.schema import ensure_current

console = Console()
err = Console(stderr=True)

ActorOption = Annotated[
    str | None, typer.Option("--actor", help="记录在审计日志中的操作人 / who is acting (audit log)")
]


def actor_name(actor: str | None) -> str:
    return actor or os.environ.get("XINZHI_ACTOR") or getpass.getuser()


def open_engine():
    engine = make_engine()
    ensure_current(engine)
    return engine


def parse_date_option(value: str | None) -> dt.date | None:
    if value is None:
        return None
    from .domain.values import parse_date

    return parse_date(value)
