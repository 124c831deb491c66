"""`xinzhi demo`: the synthetic demo city."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from ..store.db import database_url
from .common import RulesOption, console, err, open_engine, use_rules


def demo(
    seed: Annotated[int, typer.Option(help="随机种子 / random seed")] = 2023,
    enterprises: Annotated[int, typer.Option(help="企业数 / number of enterprises")] = 19_938,
    replace: Annotated[
        bool,
        typer.Option(
            "--replace", help="替换已有的 SQLite 演示库 / replace an existing SQLite file"
        ),
    ] = False,
    assess: Annotated[
        bool,
        typer.Option(
            "--assess/--no-assess", help="评价全部企业并记录 / run and record the assessments"
        ),
    ] = True,
    rules: RulesOption = None,
) -> None:
    """Build the synthetic demo city (Shenyang, 2023) with chains, matching lists, challenges
    and a recorded assessment run / 生成演示城市."""
    use_rules(rules)
    import time

    from sqlalchemy.engine import make_url

    from ..demo.city import build_demo_city
    from ..demo.completion import complete_demo_city
    from ..store.models import Enterprise

    started = time.perf_counter()
    url = make_url(database_url())
    if url.get_backend_name() == "sqlite" and url.database and replace:
        _remove_sqlite_demo(Path(url.database))
    engine = open_engine()
    with engine.connect() as conn:
        from sqlalchemy import func, select

        if conn.scalar(select(func.count()).select_from(Enterprise)):
            err.print(
                "[red]✗[/] 数据库已有数据；SQLite 可用 --replace 重建 / the database has "
                "data already; use --replace (SQLite) or an empty database"
            )
            raise typer.Exit(1)
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed:,}"),
        TimeElapsedColumn(),
        console=err,
    ) as progress:
        summary = build_demo_city(engine, seed=seed, enterprises=enterprises, progress=progress)
        completion = complete_demo_city(engine, seed=seed, assess=assess, progress=progress)
    console.print(summary.as_table())
    console.print(completion.as_table())
    console.print(
        f"[green]✓[/] demo city in {database_url()} ({time.perf_counter() - started:.1f} s)"
    )
    _print_demo_logins(engine)


def _remove_sqlite_demo(database: Path) -> None:
    """The SQLite file and what lives beside it by default: the runs' results and the matching
    indexes (only where no environment variable moved them elsewhere)."""
    import shutil

    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(str(database) + suffix).unlink(missing_ok=True)
    beside = []
    if not os.environ.get("XINZHI_RUNS_DIR"):
        beside.append(database.with_name(database.name + ".runs"))  # rules.runs.runs_directory
    if not os.environ.get("XINZHI_MATCH_INDEX"):
        beside.append(database.with_name(database.stem + ".match-index"))  # matcher default
    for directory in beside:
        shutil.rmtree(directory, ignore_errors=True)


def _print_demo_logins(engine) -> None:
    """Create one demo user per role and print the logins (the passwords are new each time)."""
    from ..demo.users import create_demo_users

    table = Table(
        "用户名 user",
        "密码 password",
        "角色 role",
        "范围 scope",
        title="演示登录（仅显示这一次）/ demo logins (shown only now)",
    )
    for login in create_demo_users(engine):
        table.add_row(login.username, login.password, login.role, login.scope)
    console.print(table)
