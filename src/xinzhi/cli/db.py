"""`xinzhi db …`: the database schema."""

from __future__ import annotations

import typer

from ..store.db import database_url, make_engine
from ..store.schema import current_revision, head_revision, upgrade
from .common import console

app = typer.Typer(help="数据库结构 / database schema", no_args_is_help=True)


@app.command("upgrade")
def db_upgrade() -> None:
    """Migrate the database to the current schema / 升级数据库结构."""
    engine = make_engine()
    upgrade(engine)
    console.print(f"[green]✓[/] {database_url()} @ {current_revision(engine)}")


@app.command("current")
def db_current() -> None:
    """Show the schema revision of the database and of the code."""
    engine = make_engine()
    console.print(f"database: {current_revision(engine) or 'empty'}   code: {head_revision()}")
