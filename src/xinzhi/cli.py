"""The `xinzhi` command."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from .chains.cli import app as chain_app
from .commandline import ActorOption, actor_name, console, err, open_engine, parse_date_option
from .documents.briefings.cli import app as report_app
from .matching.cli import app as match_app
from .rules.cli import assess as assess_command
from .rules.cli import cultivate as cultivate_command
from .rules.cli import explain as explain_command
from .rules.cli import policy_app, rules_app
from .store.db import database_url, make_engine
from .store.schema import current_revision, head_revision, upgrade
from .web.cli import user_app

app = typer.Typer(
    help="新质 Xinzhi — 城市科技局未来产业工作平台 / a city S&T bureau's platform",
    no_args_is_help=True,
)
db_app = typer.Typer(help="数据库结构 / database schema", no_args_is_help=True)
code_app = typer.Typer(help="统一社会信用代码 / credit codes", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(code_app, name="code")
app.add_typer(rules_app, name="rules")
app.add_typer(policy_app, name="policy")
app.add_typer(chain_app, name="chain")
app.add_typer(match_app, name="match")
app.add_typer(user_app, name="user")
app.add_typer(report_app, name="report")
app.command("assess")(assess_command)
app.command("explain")(explain_command)
app.command("cultivate")(cultivate_command)

# --- db ----------------------------------------------------------------------------------------


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Migrate the database to the current schema / 升级数据库结构."""
    engine = make_engine()
    upgrade(engine)
    console.print(f"[green]✓[/] {database_url()} @ {current_revision(engine)}")


@db_app.command("current")
def db_current() -> None:
    """Show the schema revision of the database and of the code."""
    engine = make_engine()
    console.print(f"database: {current_revision(engine) or 'empty'}   code: {head_revision()}")


# --- import / template ------------------------------------------------------------------------


@app.command("kinds")
def kinds(
    markdown: Annotated[
        bool, typer.Option("--markdown", help="输出完整导入指南 / print the full import guide")
    ] = False,
) -> None:
    """List the kinds of data that can be imported / 可导入的数据类型."""
    from .ingest.guide import render_markdown
    from .ingest.kinds import KINDS

    if markdown:
        print(render_markdown(), end="")
        return
    table = Table("kind", "类型", "columns", "description")
    for kind in KINDS.values():
        table.add_row(kind.name, kind.zh, str(len(kind.columns)), kind.doc_en)
    console.print(table)


@app.command("template")
def template(
    kind: Annotated[str, typer.Argument(help="数据类型，见 `xinzhi kinds` / kind of data")],
    output: Annotated[Path | None, typer.Option("--output", "-o")] = None,
) -> None:
    """Write an .xlsx import template / 生成导入模板."""
    from .ingest.kinds import KINDS
    from .ingest.template import write_template

    if kind not in KINDS:
        err.print(f"[red]未知的数据类型 unknown kind[/] {kind}: {', '.join(KINDS)}")
        raise typer.Exit(2)
    path = write_template(kind, output or Path(f"{kind}_template.xlsx"))
    console.print(f"[green]✓[/] {path}")


@app.command("import")
def import_(
    kind: Annotated[str, typer.Argument(help="数据类型，见 `xinzhi kinds` / kind of data")],
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="数据所描述的日期 / the date the data describes")
    ] = None,
    report: Annotated[
        Path | None, typer.Option("--report", help="错误报告路径 / where to write the error report")
    ] = None,
    actor: ActorOption = None,
) -> None:
    """Import an .xlsx or .csv file: all rows or none / 导入数据（全部成功或全部不导入）."""
    from .ingest.pipeline import import_file
    from .ingest.readers import ImportFileError
    from .ingest.report import write_error_report

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
    if result.ok:
        console.print(
            f"[green]✓[/] {kind}: {result.rows:,} 行 rows — 新增 inserted {result.inserted:,}, "
            f"更新 updated {result.updated:,}, 未变 unchanged {result.unchanged:,} "
            f"(batch {result.batch_id})"
        )
        return
    report_path = report or file.with_name(f"{file.stem}.errors.xlsx")
    write_error_report(result, report_path)
    table = Table("行 row", "列 column", "值 value", "原因 reason", title="前 20 个错误 first 20")
    for error in result.errors[:20]:
        table.add_row(
            str(error.row or ""),
            error.column or "",
            error.value or "",
            f"{error.zh}\n[dim]{error.en}[/]",
        )
    err.print(table)
    err.print(
        f"[red]✗ 未导入任何数据 nothing imported:[/] {result.error_count:,} 个错误 errors in "
        f"{result.rows:,} 行 rows. 错误报告 error report: {report_path}"
    )
    raise typer.Exit(1)


# --- credit codes -------------------------------------------------------------------------------


@code_app.command("check")
def code_check(code: str) -> None:
    """Check a 统一社会信用代码 and explain its parts."""
    from .domain.credit_code import parse_credit_code
    from .domain.errors import InvalidValue

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


@code_app.command("verify")
def code_verify(
    code: str,
    reason: Annotated[str, typer.Option("--reason", help="核实依据 / evidence that it was issued")],
    actor: ActorOption = None,
) -> None:
    """Accept a code that fails the checksum but was really issued (administrators)."""
    from .domain.credit_code import parse_credit_code
    from .domain.errors import InvalidValue
    from .store.db import session_scope
    from .store.models import AuditEntry, CreditCodeVerification

    try:
        parsed = parse_credit_code(code, allow_checksum_failure=True)
    except InvalidValue as error:
        err.print(f"[red]✗[/] {error.zh}\n  {error.en}")
        raise typer.Exit(1) from None
    who = actor_name(actor)
    with session_scope(open_engine()) as session:
        if session.query(CreditCodeVerification).filter_by(credit_code=parsed.value).first():
            console.print(f"{parsed.value} 已核实 already verified")
            return
        session.add(
            CreditCodeVerification(credit_code=parsed.value, verified_by=who, reason=reason)
        )
        session.add(
            AuditEntry(
                actor=who,
                action="credit_code.verify",
                subject=parsed.value,
                detail={"reason": reason},
            )
        )
    console.print(f"[green]✓[/] {parsed.value} 已核实，可导入 verified: imports accept it")


# --- demo, stats, serve ------------------------------------------------------------------------


@app.command("demo")
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
) -> None:
    """Build the synthetic demo city (Shenyang, 2023) with chains, matching lists, challenges
    and a recorded assessment run / 生成演示城市."""
    import time

    from sqlalchemy.engine import make_url

    from .demo.city import build_demo_city
    from .demo.completion import complete_demo_city
    from .store.models import Enterprise

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
    from .demo.users import create_demo_users

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


@app.command("stats")
def stats() -> None:
    """Headline counts of the city, with the date each describes / 城市概况."""
    from .metrics.headline import headline

    table = Table("指标 indicator", "值 value", "数据日期 as of", "导入时间 imported")
    for figure in headline(open_engine()):
        table.add_row(
            f"{figure.zh} {figure.en}",
            f"{figure.value:,} {figure.unit_zh}",
            str(figure.as_of or "—"),
            str(figure.imported_at or "—")[:19],
        )
    console.print(table)


@app.command("serve")
def serve(
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option()] = 8000,
) -> None:
    """Serve the web app / 启动网页服务."""
    import uvicorn

    open_engine()  # fail early, before the server starts, if the schema is behind
    console.print(f"新质 Xinzhi → http://{host}:{port}  ({database_url()})")
    uvicorn.run("xinzhi.web.app:create_app", factory=True, host=host, port=port)


if __name__ == "__main__":
    app()
