"""`xinzhi report annual|quarterly|monthly`: parse, call the briefing service, print."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .common import console, err, open_engine

app = typer.Typer(
    help="工作简报（年度、季度、月度）/ briefings as Word or PDF", no_args_is_help=True
)

YearOption = Annotated[int, typer.Option("--year", help="年份 / year")]
OutputOption = Annotated[
    Path, typer.Option("-o", "--output", help="输出文件 .docx 或 .pdf / output file")
]
DistrictOption = Annotated[
    str | None,
    typer.Option("--district", help="只含该区县（名称或代码）/ one district (name or code)"),
]
TemplateOption = Annotated[
    Path | None,
    typer.Option("--template", help="替换默认 Word 模板 / your own .docx template"),
]
ChartsOption = Annotated[
    bool, typer.Option("--charts/--no-charts", help="包含图表 / include charts")
]


def _generate(kind, year, quarter, month, output, district, template, charts) -> None:
    from ..documents.briefings.service import write_briefing
    from ..domain.errors import InvalidValue
    from ..metrics.figures import find_district
    from ..metrics.periods import Period

    try:
        period = Period.parse(kind, year, quarter, month)
        engine = open_engine()
        district_id = None
        if district is not None:
            with engine.connect() as conn:
                district_id = find_district(conn, district)
        briefing = write_briefing(
            engine, period, output, district_id=district_id, template=template, charts=charts
        )
    except InvalidValue as error:
        err.print(f"[red]✗[/] {error.zh}\n  {error.en}")
        raise typer.Exit(2) from None
    console.print(
        f"[green]✓[/] {output}：{briefing.title}，{len(briefing.sections)} 节 sections，"
        f"{sum(len(s.bullets) for s in briefing.sections)} 条要点 bullets，"
        f"{len(briefing.notes)} 条来源注 notes"
    )


@app.command("annual")
def annual(
    year: YearOption,
    output: OutputOption,
    district: DistrictOption = None,
    template: TemplateOption = None,
    charts: ChartsOption = True,
) -> None:
    """年度简报 / the annual briefing."""
    _generate("annual", year, None, None, output, district, template, charts)


@app.command("quarterly")
def quarterly(
    year: YearOption,
    quarter: Annotated[int, typer.Option("--quarter", help="季度 1–4 / quarter")],
    output: OutputOption,
    district: DistrictOption = None,
    template: TemplateOption = None,
    charts: ChartsOption = True,
) -> None:
    """季度简报 / a quarterly briefing."""
    _generate("quarterly", year, quarter, None, output, district, template, charts)


@app.command("monthly")
def monthly(
    year: YearOption,
    month: Annotated[int, typer.Option("--month", help="月份 1–12 / month")],
    output: OutputOption,
    district: DistrictOption = None,
    template: TemplateOption = None,
    charts: ChartsOption = True,
) -> None:
    """月度简报 / a monthly briefing."""
    _generate("monthly", year, None, month, output, district, template, charts)
