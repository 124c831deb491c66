"""`xinzhi assess`, `xinzhi explain`, `xinzhi cultivate`: the assessments."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from .common import (
    ActorOption,
    ApplicationDateOption,
    AsOfOption,
    BackendOption,
    CreditCodeArgument,
    LangOption,
    RulesOption,
    actor_name,
    assessment_catalog,
    console,
    err,
    evaluation_dates,
    find_enterprise,
    open_engine,
    use_rules,
)


def assess(
    as_of: AsOfOption = None,
    application_date: ApplicationDateOption = None,
    only: Annotated[
        str | None,
        typer.Option(
            "--only", help="只评价这些（逗号分隔：hnte,sme,gradient 或评价编号） / only these"
        ),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help=".xlsx、.csv 或 .parquet / result file")
    ] = None,
    backend: BackendOption = "duckdb",
    evaluator: Annotated[
        str,
        typer.Option(
            "--evaluator",
            help="duckdb 上的求值方式 vectorised（默认）| sql（DuckDB 的 SQL，结果相同） / "
            "how duckdb evaluates the snapshot: vectorised (default) or sql (same results)",
        ),
    ] = "vectorised",
    all_regions: Annotated[
        bool,
        typer.Option(
            "--all-regions", help="也评价其他地区的版本 / include other regions' variants"
        ),
    ] = False,
    actor: ActorOption = None,
    rules: RulesOption = None,
) -> None:
    """Assess every enterprise and record the run / 评价全部企业并记录."""
    use_rules(rules)
    from rich.table import Table

    from ..assessments.runs import (
        EVALUATORS,
        InvalidApplicationDate,
        evaluate,
        record,
        rule_set_hash,
    )
    from ..documents.assessment_results import write_results
    from ..rulelang.engines import BackendError

    if evaluator not in EVALUATORS:
        err.print(
            f"[red]✗[/] --evaluator 须为 {' 或 '.join(EVALUATORS)} / "
            f"--evaluator must be {' or '.join(EVALUATORS)}: {escape(evaluator)}"
        )
        raise typer.Exit(2)
    dates = evaluation_dates(as_of, application_date)
    engine = open_engine()
    selected = {s.strip() for s in only.split(",")} if only else None
    try:
        result = evaluate(
            engine,
            **dates,
            only=selected,
            backend=backend,
            evaluator=evaluator,
            catalog=assessment_catalog(),
            all_regions=all_regions,
            # Decisions first: the texts are produced from the run's snapshot when someone
            # looks (explain, the profile, the pipeline); an export asks for them now, and
            # PostgreSQL and Spark keep no snapshot to produce them from later.
            words=output is not None or backend != "duckdb",
        )
    except BackendError as exc:  # a backend that does not fit the store, or no Java for Spark
        err.print(f"[red]✗[/] {exc}")
        raise typer.Exit(2) from None
    except InvalidApplicationDate as exc:
        err.print(f"[red]✗[/] {escape(exc.bilingual())}")
        raise typer.Exit(2) from None
    if not result.declarations:
        err.print("[red]✗[/] 没有在该日期生效的评价 / no assessment in force on that date")
        raise typer.Exit(1)
    run_id = record(engine, result, actor=actor_name(actor), backend=backend)
    table = Table(title=f"评价结果 results — {_date_title(result)} · run {run_id}")
    for header in (
        "评价 assessment",
        "地区 region",
        "符合 pass",
        "待定 undetermined",
        "不符合 fail",
    ):
        table.add_column(header, justify="right" if header[0] in "符待不" else "left")
    for d in result.declarations:
        counts = result.summary["counts"][d.id]
        table.add_row(
            f"{d.name.zh} {d.id}",
            d.region_name.zh,
            f"{counts['pass']:,}",
            f"{counts['undetermined']:,}",
            f"{counts['fail']:,}",
        )
    console.print(table)
    console.print(_by_district_table(engine, result))
    console.print(
        f"用时 {result.seconds:.1f} s · 规则集 rule set {rule_set_hash(result.declarations)[:12]}"
    )
    if output:
        write_results(result, output)
        console.print(f"[green]✓[/] {output}")


def _date_title(result) -> str:
    """基准日 as of …, or the application date with the accounting years it reads."""
    if result.application_date is None:
        return f"基准日 as of {result.as_of}"
    last = result.application_date.year - 1
    return (
        f"申报日 application date {result.application_date}"
        f"（会计年度 accounting years {last - 2}–{last}）"
    )


def _by_district_table(engine, result):
    """Passes per district (rows) and assessment (columns)."""
    from rich.table import Table

    from ..assessments.runs import by_district
    from ..store.queries import district_names

    names = district_names(engine)
    counts = {
        (r["assessment"], r["district_id"]): r["enterprise_id_count"]
        for r in by_district(result.results).to_pylist()
    }
    table = Table(title="各区县符合数 passes by district")
    table.add_column("区县 district")
    for d in result.declarations:
        table.add_column(d.family, justify="right")
    for district_id, name in [*names.items(), (None, "（未归属区县 no district）")]:
        row = [counts.get((d.id, district_id), 0) for d in result.declarations]
        if district_id is None and not any(row):
            continue
        table.add_row(name, *[f"{n:,}" for n in row])
    return table


def explain(
    credit_code: CreditCodeArgument,
    as_of: AsOfOption = None,
    application_date: ApplicationDateOption = None,
    lang: LangOption = "zh",
    rules: RulesOption = None,
) -> None:
    """Explain one enterprise's results clause by clause / 逐条解释单个企业的评价结果."""
    use_rules(rules)

    from ..assessments.explanations import explain as explain_results
    from ..assessments.runs import InvalidApplicationDate, evaluate

    dates = evaluation_dates(as_of, application_date)
    engine = open_engine()
    enterprise_id, name, code = find_enterprise(engine, credit_code)
    try:
        result = evaluate(
            engine, **dates, enterprise_id=enterprise_id, catalog=assessment_catalog()
        )
    except InvalidApplicationDate as exc:
        err.print(f"[red]✗[/] {escape(exc.bilingual())}")
        raise typer.Exit(2) from None
    console.print(f"[bold]{name}[/] {code} — {_date_title(result)}", highlight=False)
    for explanation in explain_results(result, enterprise_id):
        console.print()
        for line in explanation.lines(lang):
            console.print(line, markup=False, highlight=False)


def cultivate(
    max_failed: Annotated[
        int,
        typer.Option(
            "--max-failed", help="苗企最多不符合的条款数 / most failed clauses of a seedling"
        ),
    ] = 1,
    score_margin: Annotated[
        int,
        typer.Option(
            "--score-margin", help="评分不达标时最多差几分 / most points short when the score fails"
        ),
    ] = 10,
    margin: Annotated[
        list[str] | None,
        typer.Option(
            "--margin",
            help="数值条款的相对差距上限（百分比），可按梯度：20 或 unicorn=10（可重复） / "
            "a numeric clause's gap as a % of its threshold, overall or per tier (repeatable)",
        ),
    ] = None,
    tier: Annotated[
        str | None,
        typer.Option(
            "--tier", help="只看这些梯度（逗号分隔：hnte,sme,eaglet…） / only these tiers"
        ),
    ] = None,
    district: Annotated[
        str | None, typer.Option("--district", help="区县代码或名称 / district code or name")
    ] = None,
    year: Annotated[
        int | None,
        typer.Option("--year", help="对照哪一年的目标（默认基准日年份） / the targets' year"),
    ] = None,
    run_id: Annotated[
        int | None, typer.Option("--run", help="评价记录编号（默认最新） / run id")
    ] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help=".xlsx")] = None,
    top: Annotated[int, typer.Option("--top", help="显示前 N 家苗企 / seedlings to print")] = 20,
    rules: RulesOption = None,
) -> None:
    """The cultivation pipeline: seedlings near each tier by district, against targets /
    梯度培育：各区县接近各梯度的苗企与目标."""
    use_rules(rules)
    from rich.table import Table

    from ..assessments.cultivation import (
        PipelineError,
        build_pipeline,
        describe,
        parse_distance,
        shortfall_text,
        write_pipeline,
    )
    from ..store.queries import district_by_code_or_name

    engine = open_engine()
    district_id = None
    if district:
        district_id = district_by_code_or_name(engine, district)
        if district_id is None:
            err.print(f"[red]✗[/] 未知区县 {district} / unknown district {district}")
            raise typer.Exit(1)
    try:
        distance = parse_distance(max_failed, score_margin, margin or [])
        pipeline = build_pipeline(
            engine,
            run_id=run_id,
            distance=distance,
            district_id=district_id,
            target_year=year,
            families={t.strip() for t in tier.split(",")} if tier else None,
        )
    except PipelineError as exc:
        err.print(f"[red]✗[/] {exc}")
        raise typer.Exit(1) from None
    table = Table(
        title=f"梯度培育 pipeline — run {pipeline.run_id}, 基准日 as of {pipeline.as_of}; "
        f"苗企: {describe(distance)}"
    )
    for header in (
        "区县 district",
        "梯度 tier",
        "符合 passed",
        "苗企 seedlings",
        "待定 undet.",
        "待补数据 to collect",
        "目标 target",
        "缺口 shortfall",
    ):
        table.add_column(header, justify="left" if header[0] in "区梯" else "right")
    for row in pipeline.rows:
        table.add_row(
            row.district,
            row.tier.zh,
            f"{row.passed:,}",
            f"{row.seedlings:,}",
            f"{row.undetermined:,}",
            f"{row.to_collect:,}",
            "—" if row.target is None else f"{row.target:,.0f}",
            "—" if row.shortfall is None else f"{row.shortfall:,}",
            style="bold" if row.district_id is None else None,
        )
    console.print(table)
    for seedling in pipeline.seedlings[:top]:
        gap = f" — {seedling.gap.zh}" if seedling.gap else ""
        short = f"（{shortfall_text(seedling)}）" if seedling.shortfalls else ""
        console.print(
            f"{seedling.credit_code} {seedling.name}（{seedling.district}）{seedling.assessment}: "
            f"{'、'.join(t.zh for t in seedling.failed_text)}{short}{gap}",
            markup=False,
        )
    if len(pipeline.seedlings) > top:
        console.print(f"… 共 {len(pipeline.seedlings):,} 家苗企 / seedlings in all")
    if pipeline.to_collect:
        console.print(
            f"另有 {len(pipeline.to_collect):,} 家接近但有条款未知（需补数据，见导出） / "
            f"near but with a clause unknown (data to collect, see the export)"
        )
    if output:
        write_pipeline(pipeline, output)
        console.print(f"[green]✓[/] {output}")
