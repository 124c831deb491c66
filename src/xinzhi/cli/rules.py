"""`xinzhi rules …`: the declarations of the rule sets in force — list, inputs, check, path."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .common import (
    AsOfOption,
    RulesOption,
    assessment_catalog,
    console,
    err,
    parse_date_option,
    policy_catalog,
    use_rules,
)

app = typer.Typer(help="规则声明 / rule declarations", no_args_is_help=True)


@app.command("list")
def rules_list(as_of: AsOfOption = None, rules: RulesOption = None) -> None:
    """List the declarations and their versions / 列出评价声明."""
    use_rules(rules)
    from rich.table import Table

    catalog = assessment_catalog()
    day = parse_date_option(as_of)
    table = Table()
    for header in (
        "编号 id",
        "名称 name",
        "地区 region",
        "版本 version",
        "生效 in force",
        "文件 file",
    ):
        table.add_column(header)
    for d in sorted(catalog.declarations, key=lambda d: (d.order, d.id)):
        span = f"{d.effective_from} – {d.effective_to or ''}"
        mark = "" if day is None else (" ✓" if d.in_force(day) else " ✗")
        table.add_row(d.id, d.name.zh, d.region_name.zh, d.version, span + mark, d.path.name)
    console.print(table)


@app.command("inputs")
def rules_inputs(
    ident: Annotated[
        str | None, typer.Argument(help="评价编号；省略则列出全部输入 / assessment id")
    ] = None,
    rules: RulesOption = None,
) -> None:
    """The data an assessment depends on / 评价所需的数据."""
    use_rules(rules)
    from rich.table import Table

    from ..rulelang.inputs import declaration_inputs
    from ..rulelang.registry import POPULATION_INPUTS

    names = sorted(POPULATION_INPUTS)
    if ident:
        try:
            names = declaration_inputs(assessment_catalog().get(ident))
        except KeyError as exc:
            err.print(f"[red]✗[/] {exc.args[0]}")
            raise typer.Exit(1) from None
    table = Table()
    for header in ("输入 input", "单位 unit", "含义", "meaning", "来源 source"):
        table.add_column(header)
    for name in names:
        i = POPULATION_INPUTS[name]
        table.add_row(name, i.unit, i.zh, i.en, i.source)
    console.print(table)


@app.command("check")
def rules_check(files: Annotated[list[Path], typer.Argument(exists=True, dir_okay=False)]) -> None:
    """Check declaration files without running them / 检查声明文件."""
    import datetime as dt

    from ..rulelang.declaration import read_declaration
    from ..rulelang.inputs import compile_check
    from ..rulelang.yamlfile import DeclarationError

    failed = False
    for path in files:
        try:
            declaration = read_declaration(path)
            compile_check(declaration, declaration.effective_from or dt.date.today())
        except DeclarationError as exc:
            err.print(f"[red]✗[/] {exc}")
            failed = True
            continue
        console.print(f"[green]✓[/] {path}")
    if failed:
        raise typer.Exit(1)


@app.command("path")
def rules_path(
    as_of: AsOfOption = None,
    show_all: Annotated[
        bool,
        typer.Option("--all", help="也列出被后面目录替换的声明 / also the replaced declarations"),
    ] = False,
    rules: RulesOption = None,
) -> None:
    """Each declaration in force and the file it comes from / 生效的声明及其文件.

    The rule sets are read in order — the shipped one, then XINZHI_RULES_PATH, then --rules;
    a declaration with the same id and version in a later folder replaces the earlier one."""
    use_rules(rules)
    from rich.markup import escape

    from ..domain.errors import XinzhiError
    from ..rulelang.rulesets import declaration_list, rule_sets

    try:
        sets = rule_sets()
        files = declaration_list(sets)
    except XinzhiError as exc:
        err.print(f"[red]✗[/] {escape(exc.bilingual())}")
        raise typer.Exit(2) from None
    day = parse_date_option(as_of)
    console.print("规则集目录 rule-set folders（后者优先 later wins）:")
    for n, folder in enumerate(sets.folders, 1):
        where = "内置 shipped" if n == 1 else "本局 bureau"
        console.print(f"  {n}. {escape(str(folder))}  [dim]{where}[/]", highlight=False)
    for item in files:
        if item.replaced_by and not show_all:
            continue
        if day is not None and not item.in_force(day):
            continue
        kind = "评价 assessment" if item.kind == "assessments" else "政策 policy"
        span = f"{item.effective_from or ''}–{item.effective_to or ''}"
        where = "内置 shipped" if item.shipped else "本局 bureau"
        if item.replaced_by:
            where = f"被替换 replaced by {item.replaced_by}"
        console.print(
            f"{kind}  {item.id}  {item.version}  [{span}]  {item.path}  ({where})",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )


@app.command("test")
def rules_test(
    folders: Annotated[
        list[Path] | None,
        typer.Argument(
            help="规则集目录：只运行其中的用例（其声明一并生效） / rule-set folders whose cases to "
            "run (their declarations are put in force too); default: every rule set in force",
            file_okay=False,
        ),
    ] = None,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="也列出通过的用例 / list passed cases too")
    ] = False,
    rules: RulesOption = None,
) -> None:
    """Run the YAML cases of the rule sets in force, like `openfisca test` / 运行规则集的测试用例.

    A case gives an enterprise's facts and the expected eligibility and amounts (policies,
    see docs/policies.md) or the expected status, score and clauses (assessments, see
    docs/rules.md); the exit code is 0 when every case passes, 1 when one fails or none
    was found, 2 when a file cannot be read."""
    use_rules(rules)
    use_rules(folders)
    from rich.markup import escape

    from ..assessments import cases as assessment_cases
    from ..policies.cases import CaseOutcome, load_cases, run_cases
    from ..rulelang.rulesets import rule_sets
    from ..rulelang.yamlfile import DeclarationError

    catalog = policy_catalog()
    sets = rule_sets()
    if folders:
        chosen = [
            f.resolve() / kind / "cases" for f in folders for kind in ("policies", "assessments")
        ]
        case_folders = [f for f in chosen if f.is_dir()]
    else:
        case_folders = [*sets.case_folders, *assessment_cases.case_folders()]
    policy_folders = [f for f in case_folders if f.parent.name == "policies"]
    assessment_folders = [f for f in case_folders if f.parent.name == "assessments"]
    try:
        cases = load_cases(policy_folders, catalog=catalog) if policy_folders else []
        checks = assessment_cases.load_assessment_cases(assessment_folders)
    except DeclarationError as exc:
        err.print(f"[red]✗[/] {escape(str(exc))}")
        raise typer.Exit(2) from None
    if not cases and not checks:
        where = ", ".join(str(f / "policies" / "cases") for f in (folders or sets.folders))
        err.print(f"[red]✗[/] 没有找到测试用例 / no cases found in {escape(where)}")
        raise typer.Exit(1)
    outcomes = run_cases(cases, catalog) if cases else []
    outcomes += [
        CaseOutcome(c, problems)
        for c, problems in zip(checks, assessment_cases.run_assessment_cases(checks), strict=True)
    ]
    for outcome in outcomes:
        case = outcome.case
        where = f"{case.file}:{case.line}"
        if outcome.passed:
            if verbose:
                console.print(f"[green]✓[/] {escape(where)} {escape(case.name)}")
            continue
        err.print(f"[red]✗[/] {escape(where)} {escape(case.name)}")
        for problem in outcome.problems:
            err.print(f"    {problem}", markup=False, highlight=False)
    failed = sum(not o.passed for o in outcomes)
    files = len({o.case.file for o in outcomes})
    summary = (
        f"{len(outcomes) - failed} 通过 passed, {failed} 失败 failed "
        f"（{files} 个文件 files: {', '.join(str(f) for f in case_folders)}）"
    )
    console.print(("[green]" if not failed else "[red]") + escape(summary) + "[/]")
    if failed:
        raise typer.Exit(1)
