"""`xinzhi kinds`, `xinzhi template`, `xinzhi import`: importing registry data (parse the
options, call ``ingest.pipeline.import_file``, print the preview or the outcome)."""

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


def _parse_map(values: list[str]) -> dict[str, str | None]:
    """--map "单位地址=" (ignore) or --map "年销售额=revenue" (a column's name)."""
    mapping: dict[str, str | None] = {}
    for value in values:
        header, sep, target = value.partition("=")
        if not sep or not header.strip():
            err.print(f"[red]--map 应写作 表头=字段 / --map takes HEADER=FIELD:[/] {value}")
            raise typer.Exit(2)
        mapping[header.strip()] = target.strip() or None
    return mapping


def import_(
    kind: Annotated[str, typer.Argument(help="数据类型，见 `xinzhi kinds` / kind of data")],
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    as_of: DataAsOfOption = None,
    sheet: Annotated[
        str | None, typer.Option("--sheet", help="只导入该工作表 / import only this sheet")
    ] = None,
    year: Annotated[
        int | None,
        typer.Option("--year", help="表中年度数据的年份（无“年度”列时）/ year of the figures"),
    ] = None,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run", help="只预览：检查并计数，不写入 / check and count, write nothing"
        ),
    ] = False,
    mapping: Annotated[
        list[str] | None,
        typer.Option(
            "--map", help="表头=字段（字段留空即忽略该列）/ HEADER=FIELD, empty to ignore"
        ),
    ] = None,
    save_mapping: Annotated[
        str | None,
        typer.Option(
            "--save-mapping",
            help="导入成功后把 --map 保存为此名称，同样表头的文件自动套用 / save --map under a name",
        ),
    ] = None,
    report: ReportOption = None,
    actor: ActorOption = None,
) -> None:
    """Import an .xlsx, .xls, .ods or .csv file: all rows or none / 导入数据（全部成功或全部不导入）."""
    from ..ingest.errors import ImportFileError
    from ..ingest.pipeline import import_file

    if save_mapping and not mapping:
        err.print("[red]--save-mapping 需要 --map / --save-mapping needs --map[/]")
        raise typer.Exit(2)
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
                sheet=sheet,
                year=year,
                dry_run=dry_run,
                mapping=_parse_map(mapping or []),
                save_mapping=save_mapping,
            )
        except ImportFileError as error:
            for part in getattr(error, "parts", ()):
                _print_columns(part)
            err.print(f"[red]✗ 未导入 not imported:[/] {error.zh}\n  {error.en}")
            raise typer.Exit(2) from None
    if dry_run:
        for part in result.parts:
            _print_columns(part)
    for zh, en in result.notices:
        console.print(f"[yellow]![/] {zh}\n  [dim]{en}[/]")
    if not result.ok:
        report_import(result, kind, file, report)  # the first errors, the report; exits 1
    words = (
        ("将新增 to insert", "将更新 to update", "不变 to leave")
        if dry_run
        else ("新增 inserted", "更新 updated", "未变 unchanged")
    )
    for part in result.parts:
        console.print(
            f"[green]✓[/] {part.kind} ({part.sheet}): {part.rows:,} 行 rows — "
            f"{words[0]} {part.inserted:,}, {words[1]} {part.updated:,}, "
            f"{words[2]} {part.unchanged:,}"
            + (f" (batch {part.batch_id})" if part.batch_id and not dry_run else "")
        )
    if dry_run:
        console.print("[yellow]预览：未写入任何数据 / dry run: nothing was written[/]")


def _print_columns(part) -> None:
    rows = "、".join(str(n) for n in part.header_rows)
    title = f"{part.kind} ← 工作表 sheet “{part.sheet}”，表头在第 {rows} 行 header row {rows}"
    if part.unit:
        title += f"，单位 unit {part.unit}"
    if part.mapping_name:
        title += f"，套用已保存的对应关系 saved mapping “{part.mapping_name}”"
    table = Table("源列 source column", "字段 field", "单位 unit", title=title)
    for header, target, unit in part.columns:
        shown = (
            "[dim]忽略 ignored[/]"
            if target is None
            else ("[red]未知 unknown[/]" if target == "?" else target)
        )
        table.add_row(header, shown, unit)
    for name, value in part.defaults.items():
        table.add_row(f"(--year / 表头 {value})", name, "")
    console.print(table)
