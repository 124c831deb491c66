"""`xinzhi kinds`, `xinzhi template`, `xinzhi import`: importing registry data."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from .common import (
    ActorOption,
    DataAsOfOption,
    ReportOption,
    actor_name,
    console,
    err,
    open_engine,
    parse_date_option,
    report_import,
)


def kinds(
    markdown: Annotated[
        bool, typer.Option("--markdown", help="输出完整导入指南 / print the full import guide")
    ] = False,
) -> None:
    """List the kinds of data that can be imported / 可导入的数据类型."""
    from ..ingest.guide import render_markdown
    from ..ingest.kinds import KINDS

    if markdown:
        print(render_markdown(), end="")
        return
    table = Table("kind", "类型", "columns", "description")
    for kind in KINDS.values():
        table.add_row(kind.name, kind.zh, str(len(kind.columns)), kind.doc_en)
    console.print(table)


def template(
    kind: Annotated[str, typer.Argument(help="数据类型，见 `xinzhi kinds` / kind of data")],
    output: Annotated[Path | None, typer.Option("--output", "-o")] = None,
) -> None:
    """Write an .xlsx import template / 生成导入模板."""
    from ..ingest.kinds import KINDS
    from ..ingest.template import write_template

    if kind not in KINDS:
        err.print(f"[red]未知的数据类型 unknown kind[/] {kind}: {', '.join(KINDS)}")
        raise typer.Exit(2)
    path = write_template(kind, output or Path(f"{kind}_template.xlsx"))
    console.print(f"[green]✓[/] {path}")


def import_(
    kind: Annotated[str, typer.Argument(help="数据类型，见 `xinzhi kinds` / kind of data")],
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    as_of: DataAsOfOption = None,
    report: ReportOption = None,
    actor: ActorOption = None,
) -> None:
    """Import an .xlsx or .csv file: all rows or none / 导入数据（全部成功或全部不导入）."""
    from ..ingest.pipeline import import_file
    from ..ingest.readers import ImportFileError

    engine = open_engine()
    with Progress(
        TextColumn("{task.description}"),
        TextColumn("{task.completed:,} rows"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    ) as progress:
        task = progress.add_task(f"{kind} ← {file.name}", total=None)
        try:
            result = import_file(
                engine,
                kind,
                file,
                actor=actor_name(actor),
                as_of=parse_date_option(as_of),
                on_rows=lambda n: progress.update(task, completed=n),
            )
        except ImportFileError as error:
            err.print(f"[red]✗ 未导入 not imported:[/] {error.zh}\n  {error.en}")
            raise typer.Exit(2) from None
    report_import(result, kind, file, report)
