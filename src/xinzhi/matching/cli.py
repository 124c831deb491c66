"""`xinzhi match …`: research results ↔ technical demands ↔ experts."""

from __future__ import annotations

import typer

app = typer.Typer(help="双百链接：成果与需求匹配 / matchmaking", no_args_is_help=True)
