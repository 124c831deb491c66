"""`xinzhi assess`, `xinzhi explain`, `xinzhi rules …`, `xinzhi policy …`."""

from __future__ import annotations

import typer

rules_app = typer.Typer(help="规则声明 / rule declarations", no_args_is_help=True)
policy_app = typer.Typer(help="免申即享政策 / proactive policies", no_args_is_help=True)


def assess() -> None:
    """Assess every enterprise / 评价全部企业."""
    raise typer.Exit(1)


def explain(credit_code: str) -> None:
    """Explain one enterprise's results / 解释单个企业的评价结果."""
    raise typer.Exit(1)
