"""`xinzhi chain …`: industry-chain maps and the 325 chokepoint analysis."""

from __future__ import annotations

import typer

app = typer.Typer(help="产业链图谱与卡脖子分析 / industry chains and chokepoints", no_args_is_help=True)
