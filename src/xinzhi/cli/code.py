"""`xinzhi code …`: 统一社会信用代码 / credit codes."""

from __future__ import annotations

from typing import Annotated

import typer

from .common import ActorOption, actor_name, console, err, open_engine

app = typer.Typer(help="统一社会信用代码 / credit codes", no_args_is_help=True)


@app.command("check")
def code_check(code: str) -> None:
    """Check a 统一社会信用代码 and explain its parts."""
    from ..domain.credit_code import parse_credit_code
    from ..domain.errors import InvalidValue

    try:
        parsed = parse_credit_code(code)
    except InvalidValue as error:
        err.print(f"[red]✗[/] {error.zh}\n  {error.en}")
        raise typer.Exit(1) from None
    console.print(f"[green]✓[/] {parsed.value}")
    console.print(f"  登记管理部门 department: {parsed.department} {parsed.department_zh or ''}")
    console.print(f"  机构类别 category: {parsed.category}")
    console.print(f"  行政区划 region: {parsed.region}")
    console.print(f"  组织机构代码 organisation code: {parsed.org_code}")
    for warning in parsed.warnings:
        console.print(f"  [yellow]![/] {warning.zh} / {warning.en}")


@app.command("verify")
def code_verify(
    code: str,
    reason: Annotated[str, typer.Option("--reason", help="核实依据 / evidence that it was issued")],
    actor: ActorOption = None,
) -> None:
    """Accept a code that fails the checksum but was really issued (administrators)."""
    from ..domain.credit_code import parse_credit_code
    from ..domain.errors import InvalidValue
    from ..store.verifications import verify_credit_code

    try:
        parsed = parse_credit_code(code, allow_checksum_failure=True)
    except InvalidValue as error:
        err.print(f"[red]✗[/] {error.zh}\n  {error.en}")
        raise typer.Exit(1) from None
    if not verify_credit_code(open_engine(), parsed.value, actor=actor_name(actor), reason=reason):
        console.print(f"{parsed.value} 已核实 already verified")
        return
    console.print(f"[green]✓[/] {parsed.value} 已核实，可导入 verified: imports accept it")
