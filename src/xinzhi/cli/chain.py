"""`xinzhi chain …`: industry-chain maps and the 325 chokepoint analysis."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from .common import (
    ActorOption,
    actor_name,
    console,
    err,
    open_engine,
    parse_date_option,
)

app = typer.Typer(
    help="产业链图谱与卡脖子分析 / industry chains and chokepoints", no_args_is_help=True
)

ChainArgument = Annotated[
    str, typer.Argument(help="产业链代号，见 `xinzhi chain list` / chain key")
]
VersionOption = Annotated[
    int | None,
    typer.Option(
        "--version", help="历史版本号（默认当前版本） / a past version (default: current)"
    ),
]
RulesOption = Annotated[
    Path | None,
    typer.Option(
        "--rules",
        exists=True,
        dir_okay=False,
        help="分析规则文件（默认内置 analysis.yaml） / rule file (default: the shipped analysis.yaml)",
    ),
]


def _fail_on_problems(error, report: Path | None = None) -> None:
    from ..chains.problems import write_problem_report

    for item in error.problems[:30]:
        err.print(f"[red]✗[/] {escape(item.describe())}")
    if len(error.problems) > 30:
        err.print(f"… 共 {len(error.problems)} 个问题 / {len(error.problems)} problems in all")
    if report is not None:
        write_problem_report(error.problems, report)
        err.print(f"错误报告 error report: {report}")
    err.print("[red]未导入任何数据 / nothing was imported[/]")
    raise typer.Exit(1)


def _resolve(engine, key: str, version: int | None):
    from ..chains.catalogue import resolve_chain
    from ..chains.problems import ChainNotFound

    try:
        return resolve_chain(engine, key, version)
    except ChainNotFound as error:
        err.print(f"[red]✗[/] {error.zh}\n  {error.en}")
        raise typer.Exit(2) from None


def _rules(path: Path | None):
    from ..chains.problems import ChainFileError
    from ..chains.rules import load_rules

    try:
        return load_rules(path)
    except ChainFileError as error:
        for item in error.problems:
            err.print(f"[red]✗[/] {escape(item.describe())}")
        err.print("[red]规则文件无效 / the rule file is invalid[/]")
        raise typer.Exit(2) from None


def read_chain_file(path: Path):
    """A chain from .xlsx or .yaml (``ChainFileError`` with every problem)."""
    from ..chains.problems import ChainFileError, Origin, Problem
    from ..chains.workbook import read_xlsx
    from ..chains.yamlio import read_yaml

    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return read_xlsx(path)
    if suffix in (".yaml", ".yml"):
        return read_yaml(path)
    raise ChainFileError(
        [
            Problem(
                Origin(file=path.name),
                None,
                suffix,
                f"不支持的文件类型“{suffix}”：请使用 .xlsx 或 .yaml",
                f"unsupported file type '{suffix}': use .xlsx or .yaml",
                "file_type",
            )
        ]
    )


@app.command("list")
def list_() -> None:
    """List the chains: those in the database and the shipped ones / 产业链列表."""
    from rich.table import Table

    from ..chains.catalogue import SHIPPED, load_shipped
    from ..chains.repository import list_chains

    engine = open_engine()
    stored = {row["key"]: row for row in list_chains(engine)}
    table = Table(
        "代号 key",
        "名称 name",
        "节点 nodes",
        "连接 edges",
        "版本 version",
        "数据日期 as of",
        "来源 where",
    )
    for key, row in stored.items():
        table.add_row(
            key,
            row["name"],
            str(row["node_count"]),
            str(row["edge_count"]),
            str(row["version"]),
            str(row["as_of"]),
            "数据库 database",
        )
    for key in SHIPPED:
        if key not in stored:
            chain = load_shipped(key)
            table.add_row(
                key,
                chain.name,
                str(len(chain.nodes)),
                str(len(chain.edges)),
                "—",
                str(chain.as_of),
                "内置示意 shipped (illustrative)",
            )
    console.print(table)


@app.command("show")
def show(chain_key: ChainArgument, version: VersionOption = None) -> None:
    """Show a chain's nodes by segment / 查看产业链图谱."""
    from rich.table import Table

    from ..chains.vocab import Segment

    chain = _resolve(open_engine(), chain_key, version)
    console.print(
        f"[bold]{chain.name}[/] {chain.name_en or ''} ({chain.key}) — "
        f"{len(chain.nodes)} 节点 nodes, {len(chain.edges)} 连接 edges, "
        f"{chain.technology_count} 关键技术 technologies; 数据日期 as of {chain.as_of}"
    )
    if chain.illustrative_share:
        console.print(
            f"[yellow]示意数据 illustrative:[/] {chain.illustrative_share:.0%} 的节点待主管部门确认 "
            "of the nodes await a bureau's confirmation"
        )
    inputs: dict[str, list[str]] = {}
    for edge in chain.edges:
        inputs.setdefault(edge.target, []).append(edge.source)
    for segment in Segment:
        table = Table(
            "代号 key",
            "节点 node",
            "类别 class",
            "国内状态 status",
            "进口依赖 import",
            "国外供应商 foreign",
            "投入 inputs",
            "本地企业 local",
            title=f"{segment.zh} {segment.en}",
        )
        for node in (n for n in chain.nodes if n.segment is segment):
            table.add_row(
                node.key,
                node.name,
                node.effective_class.zh,
                node.domestic_status.zh if node.domestic_status else "未知",
                f"{float(node.import_dependence):.0%}"
                if node.import_dependence is not None
                else "未知",
                "、".join(node.foreign_suppliers[:3]),
                "、".join(inputs.get(node.key, [])),
                "、".join(link.enterprise_name for link in node.enterprises),
            )
        console.print(table)


@app.command("template")
def template(
    output: Annotated[Path, typer.Option("--output", "-o")] = Path("产业链模板.xlsx"),
) -> None:
    """Write the .xlsx template for drawing a chain / 生成产业链图谱模板."""
    from ..chains.workbook import write_xlsx

    console.print(f"[green]✓[/] {write_xlsx(None, output)}")


@app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of", help="图谱所描述的日期（文件未填写时） / the date the map describes"
        ),
    ] = None,
    note: Annotated[str | None, typer.Option("--note", help="版本说明 / version note")] = None,
    report: Annotated[
        Path | None, typer.Option("--report", help="错误报告路径 / where to write the error report")
    ] = None,
    actor: ActorOption = None,
) -> None:
    """Import a chain map (.xlsx or .yaml) as a new version: all or nothing / 导入产业链图谱."""
    from ..chains.problems import ChainFileError
    from ..chains.repository import save_chain
    from ..ingest.pipeline import file_sha256

    report = report or file.with_name(f"{file.stem}.errors.xlsx")
    try:
        chain = read_chain_file(file)
        result = save_chain(
            open_engine(),
            chain,
            actor=actor_name(actor),
            source=file.name,
            as_of=parse_date_option(as_of),
            note=note,
            file_sha256=file_sha256(file),
        )
    except ChainFileError as error:
        _fail_on_problems(error, report)
    if not result.changed:
        console.print(
            f"[green]✓[/] {result.chain_key}: 与当前版本 v{result.version} 相同，未改变 / "
            "identical to the current version, nothing changed"
        )
        return
    console.print(
        f"[green]✓[/] {result.chain_key} v{result.version}: 节点 nodes 新增 inserted "
        f"{result.nodes_inserted}, 修改 updated {result.nodes_updated}, 未变 unchanged "
        f"{result.nodes_unchanged}, 删除 deleted {result.nodes_deleted} (batch {result.batch_id})"
    )


@app.command("seed")
def seed(actor: ActorOption = None) -> None:
    """Import the eight shipped chains into the database / 导入内置的八条产业链."""
    from ..chains.catalogue import shipped_chains
    from ..chains.repository import save_chain

    engine = open_engine()
    for chain in shipped_chains():
        result = save_chain(
            engine,
            chain,
            actor=actor_name(actor),
            source=f"shipped:{chain.key}.yaml",
            note="内置示意图谱 shipped illustrative map",
        )
        state = f"v{result.version}" + ("" if result.changed else " 未变 unchanged")
        console.print(f"[green]✓[/] {chain.key} {chain.name}: {state}")


@app.command("export")
def export(
    chain_key: ChainArgument,
    output: Annotated[Path, typer.Option("--output", "-o", help=".xlsx 或 .yaml")],
    version: VersionOption = None,
) -> None:
    """Export a chain map as .xlsx or .yaml / 导出产业链图谱."""
    from ..chains.workbook import write_xlsx
    from ..chains.yamlio import write_yaml

    chain = _resolve(open_engine(), chain_key, version)
    suffix = output.suffix.lower()
    if suffix == ".xlsx":
        write_xlsx(chain, output)
    elif suffix in (".yaml", ".yml"):
        write_yaml(chain, output)
    else:
        err.print(
            f"[red]✗[/] 不支持的文件类型“{suffix}”：请使用 .xlsx 或 .yaml / unsupported "
            f"type '{suffix}': use .xlsx or .yaml"
        )
        raise typer.Exit(2)
    console.print(f"[green]✓[/] {output}")


@app.command("versions")
def versions_(chain_key: ChainArgument) -> None:
    """List the versions of a chain in the database / 产业链版本历史."""
    from rich.table import Table

    from ..chains.repository import versions

    rows = versions(open_engine(), chain_key)
    if not rows:
        console.print(
            f"{chain_key}: 数据库中没有版本（内置图谱可用 `xinzhi chain seed` 导入） / no "
            "versions in the database (import the shipped maps with `xinzhi chain seed`)"
        )
        return
    table = Table(
        "版本 version",
        "时间 at",
        "操作人 actor",
        "来源 source",
        "节点 nodes",
        "连接 edges",
        "数据日期 as of",
        "说明 note",
    )
    for row in rows:
        table.add_row(
            f"v{row.version}" + (" *" if row.current else ""),
            str(row.imported_at)[:19],
            row.actor,
            row.source,
            str(row.node_count),
            str(row.edge_count),
            str(row.as_of),
            row.note or "",
        )
    console.print(table)


@app.command("edit")
def edit(
    chain_key: ChainArgument,
    node: Annotated[str, typer.Argument(help="节点代号 / node key")],
    changes: Annotated[
        list[str], typer.Argument(help="字段=值，如 import_dependence=60% / field=value")
    ],
    note: Annotated[str | None, typer.Option("--note", help="版本说明 / version note")] = None,
    actor: ActorOption = None,
) -> None:
    """Change fields of one node, as a new version / 修改节点（生成新版本）."""
    from ..chains.problems import ChainFileError, ChainNotFound
    from ..chains.repository import edit_node

    values = {}
    for change in changes:
        name, sep, value = change.partition("=")
        if not sep:
            err.print(f"[red]✗[/] “{change}”应写成 字段=值 / write field=value")
            raise typer.Exit(2)
        values[name.strip()] = value
    try:
        result = edit_node(
            open_engine(), chain_key, node, values, actor=actor_name(actor), note=note
        )
    except ChainNotFound as error:
        err.print(f"[red]✗[/] {error.zh}\n  {error.en}（内置图谱请先 `xinzhi chain seed`）")
        raise typer.Exit(2) from None
    except ChainFileError as error:
        _fail_on_problems(error)
    state = f"v{result.version}" if result.changed else f"v{result.version} 未变 unchanged"
    console.print(f"[green]✓[/] {chain_key}/{node}: {state}")


@app.command("analyse")
def analyse(
    chain_key: ChainArgument,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", help="写出 .xlsx（问题清单、技术清单、节点评分） / write an .xlsx"
        ),
    ] = None,
    rules: RulesOption = None,
    version: VersionOption = None,
    top: Annotated[int, typer.Option("--top", help="各清单显示前几项 / rows shown per list")] = 20,
    actor: ActorOption = None,
) -> None:
    """Chokepoint analysis: the 问题清单 and the 技术清单 with tackling modes / 卡脖子分析."""
    from rich.table import Table

    from ..chains.analysis import analyse_chain, record_analysis
    from ..chains.graph import CycleError
    from ..chains.report import write_analysis

    engine = open_engine()
    chain = _resolve(engine, chain_key, version)
    rule_set = _rules(rules)
    try:
        result = analyse_chain(engine, chain, rule_set)
    except CycleError as error:
        paths = ["→".join(chain.nodes[i].key for i in cycle) for cycle in error.cycles]
        err.print(f"[red]✗[/] 图谱有环路，无法分析 / the chain has cycles: {'; '.join(paths)}")
        raise typer.Exit(1) from None
    problems = Table(
        "#",
        "节点 node",
        "类别",
        "指数 score",
        "维度 dimensions",
        "方式 mode",
        "理由 reason",
        title=f"问题清单 {chain.name} ({len(result.problems)})",
    )
    for p in result.problems[:top]:
        problems.add_row(
            str(p.rank),
            p.node_name,
            p.problem_class,
            f"{p.score:.2f}",
            "、".join(p.dimensions),
            p.mode,
            p.reason_zh,
        )
    console.print(problems)
    technologies = Table(
        "#",
        "关键技术 technology",
        "节点 node",
        "得分",
        "TRL",
        "方式 mode",
        "理由 reason",
        title=f"技术清单 {chain.name} ({len(result.technologies)})",
    )
    for t in result.technologies[:top]:
        technologies.add_row(
            str(t.rank),
            t.technology_name,
            t.node_name,
            f"{t.score:.2f}",
            str(t.maturity or "?"),
            t.mode,
            t.reason_zh,
        )
    console.print(technologies)
    console.print(
        f"[dim]规则 rules: {rule_set.label} ({rule_set.source}, sha256 {rule_set.sha256[:12]}); "
        "示意数据，待主管部门确认 / illustrative data[/]"
    )
    if output is not None:
        write_analysis(
            result, output, chain_name=chain.name, version=f"v{version}" if version else ""
        )
        console.print(f"[green]✓[/] {output}")
    record_analysis(engine, chain, result, rule_set, version, output, actor=actor_name(actor))


@app.command("render")
def render(
    chain_key: ChainArgument,
    output: Annotated[Path, typer.Option("--output", "-o", help=".svg")],
    rules: RulesOption = None,
    version: VersionOption = None,
) -> None:
    """Draw the chain map as SVG, chokepoints coloured / 导出产业链图谱 SVG."""
    from ..chains.analysis import analyse_chain
    from ..chains.svg import write_svg

    engine = open_engine()
    chain = _resolve(engine, chain_key, version)
    write_svg(chain, output, analyse_chain(engine, chain, _rules(rules)))
    console.print(f"[green]✓[/] {output}")
