"""`xinzhi user …`: web logins and roles."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from .common import ActorOption, actor_name, console, err, open_engine

app = typer.Typer(help="用户与角色 / users and roles", no_args_is_help=True)

RoleOption = Annotated[
    str, typer.Option("--role", help="admin | analyst | district_analyst | enterprise | researcher")
]
DistrictOption = Annotated[
    str | None,
    typer.Option("--district", help="区县名称或代码（区县分析员）/ district name or code"),
]
EnterpriseOption = Annotated[
    str | None, typer.Option("--enterprise", help="统一社会信用代码（企业用户）/ credit code")
]
ExpertOption = Annotated[
    int | None, typer.Option("--expert", help="专家 id（科研人员）/ expert id")
]
PasswordStdin = Annotated[
    bool,
    typer.Option(
        "--password-stdin", help="从标准输入读取密码 / read the password from standard input"
    ),
]


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = typer.prompt("密码 / password", hide_input=True)
    second = typer.prompt("再输一次 / again", hide_input=True)
    if first != second:
        err.print("[red]✗[/] 两次输入的密码不一致 / the passwords differ")
        raise typer.Exit(1)
    return first


def _fail(error) -> None:
    err.print(f"[red]✗[/] {error.zh}\n  {error.en}")
    raise typer.Exit(1)


@app.command("add")
def add(
    username: str,
    role: RoleOption,
    district: DistrictOption = None,
    enterprise: EnterpriseOption = None,
    expert: ExpertOption = None,
    name: Annotated[str | None, typer.Option("--name", help="显示名 / display name")] = None,
    password_stdin: PasswordStdin = False,
    actor: ActorOption = None,
) -> None:
    """Add a user with a role / 添加用户."""
    from ..accounts.users import UserError, create_user

    engine = open_engine()
    try:
        create_user(
            engine,
            username,
            _read_password(password_stdin),
            role,
            actor=actor_name(actor),
            district=district,
            enterprise=enterprise,
            expert=expert,
            display_name=name,
        )
    except UserError as error:
        _fail(error)
    console.print(f"[green]✓[/] {username.strip().lower()} ({role})")


@app.command("passwd")
def passwd(username: str, password_stdin: PasswordStdin = False, actor: ActorOption = None) -> None:
    """Set a user's password; ends the user's sessions / 重设密码."""
    from ..accounts.users import UserError, set_password

    engine = open_engine()
    try:
        set_password(engine, username, _read_password(password_stdin), actor=actor_name(actor))
    except UserError as error:
        _fail(error)
    console.print(f"[green]✓[/] {username}: 密码已更新 password changed")


@app.command("role")
def role(
    username: str,
    role: RoleOption,
    district: DistrictOption = None,
    enterprise: EnterpriseOption = None,
    expert: ExpertOption = None,
    actor: ActorOption = None,
) -> None:
    """Change a user's role (and scope); ends the user's sessions / 修改角色."""
    from ..accounts.users import UserError, set_role

    engine = open_engine()
    try:
        set_role(
            engine,
            username,
            role,
            actor=actor_name(actor),
            district=district,
            enterprise=enterprise,
            expert=expert,
        )
    except UserError as error:
        _fail(error)
    console.print(f"[green]✓[/] {username}: {role}")


@app.command("disable")
def disable(username: str, actor: ActorOption = None) -> None:
    """Disable a user (it can no longer sign in) / 停用用户."""
    from ..accounts.users import UserError, set_active

    try:
        set_active(open_engine(), username, False, actor=actor_name(actor))
    except UserError as error:
        _fail(error)
    console.print(f"[green]✓[/] {username}: 已停用 disabled")


@app.command("list")
def list_() -> None:
    """List the users and their roles / 用户列表."""
    from rich.table import Table

    from ..accounts.users import list_users

    table = Table("用户 user", "角色 role", "范围 scope", "状态 status", "最近登录 last login")
    for user in list_users(open_engine()):
        scope = (
            user.district
            or user.enterprise
            or (f"expert {user.expert_id}" if user.expert_id else "")
        )
        table.add_row(
            user.username,
            user.role,
            scope,
            "active" if user.active else "disabled",
            str(user.last_login_at or "—")[:19],
        )
    console.print(table)
