"""What every `xinzhi` sub-command shares: consoles, the acting user, the database, dates."""

from __future__ import annotations

import datetime as dt
import getpass
import os
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from ..store.db import make_engine
from ..store.schema import ensure_current

console = Console()
err = Console(stderr=True)

DataAsOfOption = Annotated[
    str | None, typer.Option("--as-of", help="数据所描述的日期 / the date the data describes")
]
ReportOption = Annotated[
    Path | None, typer.Option("--report", help="错误报告路径 / where to write the error report")
]
CreditCodeArgument = Annotated[str, typer.Argument(help="统一社会信用代码 / credit code")]
LangOption = Annotated[str, typer.Option("--lang", help="zh | en")]
ActorOption = Annotated[
    str | None, typer.Option("--actor", help="记录在审计日志中的操作人 / who is acting (audit log)")
]


RulesOption = Annotated[
    list[Path] | None,
    typer.Option(
        "--rules",
        help="本局的规则集目录（可重复；在 XINZHI_RULES_PATH 之后，同编号同版本的声明以后者为准） / "
        "a bureau's rule-set folder (repeatable; after XINZHI_RULES_PATH, later overrides)",
        file_okay=False,
    ),
]


def use_rules(folders: list[Path] | None) -> None:
    """Put a command's ``--rules`` folders in force for this process (see rulelang.rulesets),
    and check every rule-set folder now — a bad XINZHI_RULES_PATH ends the command (or stops
    ``serve`` before it starts) with the folder named, not a failed page later."""
    from ..domain.errors import XinzhiError
    from ..rulelang.rulesets import add_to_environment, rule_sets

    try:
        add_to_environment(folders or [])
        rule_sets()
    except XinzhiError as exc:
        err.print(f"[red]✗[/] {exc.bilingual()}")
        raise typer.Exit(2) from None


def actor_name(actor: str | None) -> str:
    return actor or os.environ.get("XINZHI_ACTOR") or getpass.getuser()


def open_engine():
    engine = make_engine()
    ensure_current(engine)
    return engine


def parse_date_option(value: str | None) -> dt.date | None:
    if value is None:
        return None
    from ..domain.values import parse_date

    return parse_date(value)


AsOfOption = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        help="评价基准日（默认：最近会计年度末） / evaluation date (default: end of the latest "
        "accounting year)",
    ),
]


ApplicationDateOption = Annotated[
    str | None,
    typer.Option(
        "--application-date",
        help="申报日期 YYYY-MM-DD：成立满一年与前12个月事故按此日计，会计年度取此日前已结束的年度"
        "（与 --as-of 二选一） / application date: the 365-day and 12-month windows run to it, "
        "the accounting years are those ended before it (instead of --as-of)",
    ),
]


def evaluation_dates(as_of: str | None, application_date: str | None) -> dict:
    """``evaluate``'s date arguments from ``--as-of`` / ``--application-date`` (one of them);
    a bad or out-of-range date ends the command with its reason."""
    if as_of is not None and application_date is not None:
        err.print(
            "[red]✗[/] --as-of 与 --application-date 只能给一个 / "
            "give --as-of or --application-date, not both"
        )
        raise typer.Exit(2)
    from ..domain.errors import InvalidValue
    from ..domain.values import parse_date

    try:
        return {
            "as_of": parse_date_option(as_of),
            # A future date is refused by evaluate, with the application's own words.
            "application_date": None
            if application_date is None
            else parse_date(application_date, allow_future=True),
        }
    except InvalidValue as exc:
        err.print(f"[red]✗[/] {escape(exc.bilingual())}")
        raise typer.Exit(2) from None


BackendOption = Annotated[
    str, typer.Option("--backend", help="计算引擎 duckdb | postgres | pyspark / engine")
]


def find_enterprise(engine, credit_code: str) -> tuple[int, str, str]:
    """(id, name, normalised code) of the enterprise with ``credit_code``; else the command ends."""
    from ..domain.credit_code import parse_credit_code
    from ..domain.errors import InvalidValue
    from ..store.queries import enterprise_by_credit_code

    try:
        code = parse_credit_code(credit_code, allow_checksum_failure=True).value
    except InvalidValue as exc:
        err.print(f"[red]✗[/] {escape(exc.bilingual())}")
        raise typer.Exit(1) from None
    found = enterprise_by_credit_code(engine, code)
    if found is None:
        err.print(f"[red]✗[/] 未找到企业 {code} / no enterprise {code}")
        raise typer.Exit(1)
    return found[0], found[1], code


def assessment_catalog():
    """The assessments of the rule sets in force; a declaration error ends the command."""
    from ..assessments.catalogue import load_catalog
    from ..rulelang.yamlfile import DeclarationError

    try:
        return load_catalog()
    except DeclarationError as exc:
        err.print(f"[red]✗[/] {escape(str(exc))}")
        raise typer.Exit(2) from None


def policy_catalog():
    """The policies of the rule sets in force; a declaration error ends the command."""
    from ..policies.declarations import load_policies
    from ..rulelang.yamlfile import DeclarationError

    try:
        return load_policies()
    except DeclarationError as exc:
        err.print(f"[red]✗[/] {escape(str(exc))}")
        raise typer.Exit(2) from None


def report_import(result, kind: str, file: Path, report: Path | None) -> None:
    """Print an import's outcome: the counts, or the first errors and where the full error
    report was written (then the command fails: nothing was imported)."""
    from rich.table import Table

    from ..ingest.report import write_error_report

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
        row = str(error.row or "")
        table.add_row(
            f"{error.sheet}!{row}" if getattr(error, "sheet", None) else row,
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
