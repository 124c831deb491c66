"""`xinzhi user …`: web logins and roles."""

from __future__ import annotations

import typer

user_app = typer.Typer(help="用户与角色 / users and roles", no_args_is_help=True)
