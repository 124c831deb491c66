"""`xinzhi policy …`: list, show, inputs, check, run, explain, whatif, notices, object, audit."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from ..domain.money import format_yuan
from .assess import _date_title  # 基准日, or 申报日 with the accounting years it reads
from .common import (
    ActorOption,
    ApplicationDateOption,
    BackendOption,
    CreditCodeArgument,
    LangOption,
    RulesOption,
    actor_name,
    console,
    err,
    evaluation_dates,
    find_enterprise,
    open_engine,
    policy_catalog,
    use_rules,
)

app = typer.Typer(help="免申即享政策 / proactive policies", no_args_is_help=True)

YearOption = Annotated[
    int | None,
    typer.Option(
        "--year", help="政策考察的年度（默认：最近会计年度） / the year the policies look at"
    ),
]
SetOption = Annotated[
    list[str],
    typer.Option(
        "--set", help="参数=值，可重复，如 min_turnover=4000 或 budget=2000万元 / PARAM=VALUE"
    ),
]


def _as_of(year: int | None) -> dt.date | None:
    from ..policies.runs import run_year

    return run_year(year) if year else None


def _dates(year: int | None, application_date: str | None) -> dict:
    """``--year`` or ``--application-date`` (one of them) as ``evaluate_policies``' dates; a
    bad date ends the command with its reason (a refused one: ``_evaluated``)."""
    if year is not None and application_date is not None:
        _fail(
            "--year 与 --application-date 只能给一个 / give --year or --application-date, not both",
            2,
        )
    return {**evaluation_dates(None, application_date), "as_of": _as_of(year)}


def _evaluated(evaluate, *args, **kwargs):
    """``evaluate(...)``, an application date it refuses (future, before every accounting
    year held) ending the command with the reason in both languages."""
    from ..assessments.runs import InvalidApplicationDate

    try:
        return evaluate(*args, **kwargs)
    except InvalidApplicationDate as exc:
        _fail(exc.bilingual(), 2)


def _fail(message: str, code: int = 1):
    err.print(f"[red]✗[/] {escape(message)}", highlight=False)
    raise typer.Exit(code)


@app.command("list")
def policy_list(year: YearOption = None, rules: RulesOption = None) -> None:
    """List the policies / 列出政策."""
    use_rules(rules)
    from rich.table import Table

    from ..policies.declarations import FORMS, PROVENANCE

    as_of = _as_of(year)
    table = Table()
    for header in (
        "编号 id",
        "名称 name",
        "来源 provenance",
        "形式 form",
        "范围 scope",
        "生效 in force",
        "复核 reviewed",
    ):
        table.add_column(header, overflow="fold")
    for p in sorted(policy_catalog().policies, key=lambda p: (p.order, p.id)):
        span = f"{p.effective_from} – {p.effective_to or ''}"
        mark = "" if as_of is None else (" ✓" if p.in_force(as_of) else " ✗")
        table.add_row(
            p.id,
            p.name.zh,
            PROVENANCE[p.provenance].zh,
            FORMS[p.form].zh,
            p.scope.region_name.zh,
            span + mark,
            str(p.last_reviewed),
        )
    console.print(table)


@app.command("show")
def policy_show(
    ident: Annotated[str, typer.Argument(help="政策编号 / policy id")],
    year: YearOption = None,
    rules: RulesOption = None,
) -> None:
    """Show a policy: source, scope, parameters, conditions, amount, budget, stacking / 显示政策."""
    use_rules(rules)
    from ..policies.cases import load_cases
    from ..policies.declarations import FORMS, PROVENANCE

    catalog = policy_catalog()
    try:
        p = catalog.get(ident, _as_of(year))
    except KeyError as exc:
        _fail(exc.args[0])
    say = console.print
    say(f"[bold]{p.name.zh}[/] / {p.name.en}  ({p.id} · 版本 {p.version} · {p.path.name})")
    say(
        f"来源 provenance: {PROVENANCE[p.provenance].zh} / {PROVENANCE[p.provenance].en}"
        f" · 形式 {FORMS[p.form].zh} · 发布 {p.issuer.zh} · 复核 last reviewed {p.last_reviewed}"
    )
    say(f"生效 in force: {p.effective_from} – {p.effective_to or ''}")
    for label, text in (
        ("说明", p.description),
        ("已知 known", p.known),
        ("未知 unknown", p.unknown),
    ):
        if text:
            say(f"{label}: {text.zh}", markup=False)
    for key, ref in p.references.items():
        say(f"依据 [{key}] {ref.cite()}" + (f" {ref.url}" if ref.url else ""), markup=False)
    scope = p.scope
    say(
        f"\n[bold]范围 scope[/]: {scope.text.zh} — {scope.region_name.zh} {scope.region}"
        + (f"，区县 {', '.join(scope.districts)}" if scope.districts else "")
        + (f"，园区 {', '.join(scope.parks)}" if scope.parks else "")
    )
    say("\n[bold]参数 parameters[/]")
    for name, parameter in p.parameters.items():
        for value in parameter.values:
            say(
                f"  {name} = {_parameter_text(value.value, parameter.unit)} {value.mark} 自 {value.start}"
                f"  {parameter.text.zh}" + (f"（{value.note}）" if value.note else ""),
                markup=False,
            )
    say("\n[bold]条件 conditions[/]")
    for c in p.conditions:
        rule = "评审认定 judged" if c.id in p.judged else (c.expr or "满足其一 any of:")
        say(f"  • {c.id} {c.mark} {c.text.zh}: {rule}", markup=False)
        for route in c.any_of:
            say(f"      – {route.id}: {route.text.zh}: {route.expr}", markup=False)
    a = p.amount
    formula = {"fixed": a.fixed, "percent": f"{a.base} × {a.rate}", "steps": f"{a.value} 分档"}[
        a.kind
    ]
    say("\n[bold]金额 amount[/]")
    say(
        f"  {a.mark} {a.text.zh} — {formula}"
        + (f"；上限 cap {a.cap}" if a.cap else "")
        + (f"；下限 minimum {a.minimum}" if a.minimum else ""),
        markup=False,
    )
    if p.budget:
        b = p.budget
        rule = (
            "按比例 prorate"
            if b.rule == "prorate"
            else f"按排序 rank by {', '.join(k.expr + (' desc' if k.descending else ' asc') for k in b.rank_by)}"
            f"，临界并列 boundary {b.boundary}"
        )
        say("[bold]预算 budget[/]")
        say(f"  {b.total} — 超出时 {rule}", markup=False)
    if p.stacking:
        s = p.stacking
        say("[bold]叠加 stacking[/]")
        say(
            f"  事项 matter {s.matter or '—'}，规则 {s.rule}，优先级 {s.priority}"
            + (f"，不与 {', '.join(s.not_combinable_with)} 同享" if s.not_combinable_with else ""),
            markup=False,
        )
    say(f"[bold]异议 objection[/]: {p.objection.days} 日内向{p.objection.contact.zh}提出")
    cases = [c for c in load_cases(catalog=catalog) if p.id in c.policies]
    say(f"\nYAML 测试用例 test cases: {len(cases)}")


def _parameter_text(value, unit: str) -> str:
    from fractions import Fraction

    from ..rulelang.declaration import MONEY_UNITS

    if isinstance(value, Fraction) and unit in MONEY_UNITS:
        return f"{float(value / (MONEY_UNITS[unit] * 100)):,g} {unit}"
    if isinstance(value, Fraction) and unit == "ratio":
        return f"{float(value * 100):g}%"
    if isinstance(value, Fraction):
        return f"{float(value):g} {unit}"
    return f"{value} ({unit})"


@app.command("inputs")
def policy_inputs() -> None:
    """The inputs policies read besides the assessments' (see `xinzhi rules inputs`) / 政策专用输入."""
    from rich.table import Table

    from ..rulelang.registry import POLICY_INPUTS

    table = Table()
    for header in ("输入 input", "单位 unit", "含义", "meaning", "来源 source"):
        table.add_column(header)
    for name, i in POLICY_INPUTS.items():
        table.add_row(name, i.unit, i.zh, i.en, i.source)
    table.add_row(
        "status_<评价编号>",
        "code",
        "同一运行中评价的结果（待定为未知）",
        "an assessment's status in the same run",
        "xinzhi assess",
    )
    table.add_row(
        "judged__<条件编号>",
        "bool",
        "评审条件的结论",
        "a judged condition's decision",
        "xinzhi policy object",
    )
    console.print(table)


@app.command("check")
def policy_check(rules: RulesOption = None) -> None:
    """Load every policy, compile it without data and run its YAML tests / 检查政策文件并运行测试."""
    use_rules(rules)
    import ibis

    from ..policies.cases import load_cases, run_cases
    from ..policies.payouts import check_policy
    from ..rulelang.registry import input_table_schema
    from ..rulelang.yamlfile import DeclarationError

    catalog = policy_catalog()
    for p in catalog.policies:
        try:
            check_policy(
                p,
                ibis.table(input_table_schema(p.assessments), name="policy_frame"),
                p.effective_from,
            )
        except DeclarationError as exc:
            _fail(str(exc), 2)
        console.print(f"[green]✓[/] {p.path.name}")
    try:
        cases = load_cases(catalog=catalog)
    except DeclarationError as exc:
        _fail(str(exc), 2)
    failed = 0
    for outcome in run_cases(cases, catalog):
        if not outcome.passed:
            failed += 1
            err.print(f"[red]✗[/] {outcome.case.id}", markup=False)
            for problem in outcome.problems:
                err.print(f"    {problem}", markup=False)
    console.print(f"{len(cases) - failed} passed, {failed} failed")
    if failed:
        raise typer.Exit(1)


@app.command("run")
def policy_run(
    year: YearOption = None,
    application_date: ApplicationDateOption = None,
    only: Annotated[
        str | None, typer.Option("--only", help="只运行这些政策（逗号分隔） / only these")
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help=".xlsx、.csv 或 .parquet")
    ] = None,
    backend: BackendOption = "duckdb",
    actor: ActorOption = None,
    rules: RulesOption = None,
) -> None:
    """Find every eligible enterprise, compute and allocate the payouts, record the run / 运行政策兑现."""
    use_rules(rules)
    from rich.table import Table

    from ..documents.payout_list import write_payouts
    from ..policies.runs import evaluate_policies, record_policy_run
    from ..store.queries import district_names

    dates = _dates(year, application_date)
    engine = open_engine()
    selected = {s.strip() for s in only.split(",")} if only else None
    run = _evaluated(
        evaluate_policies,
        engine,
        **dates,
        only=selected,
        backend=backend,
        catalog=policy_catalog(),
    )
    if not run.policies:
        _fail(
            "没有在该年度生效且适用于本库地区的政策 / no policy in force for this registry in that year"
        )
    run_id = record_policy_run(engine, run, actor=actor_name(actor), backend=backend)
    table = Table(title=f"政策兑现 payouts — {_date_title(run)} · run {run_id}")
    for header in (
        "政策 policy",
        "来源",
        "符合 eligible",
        "待定 undetermined",
        "兑现 paid",
        "核减 reduced",
        "未获预算 unfunded",
        "不重复 excluded",
        "应得 due",
        "实发 paid",
        "预算使用 budget",
    ):
        table.add_column(header, justify="left" if header.startswith(("政策", "来源")) else "right")
    for p in run.policies:
        s = run.summary["policies"][p.id]
        o = s["outcomes"]
        budget = (
            "—" if s["budget"] is None else f"{format_yuan(s['paid'])} / {format_yuan(s['budget'])}"
        )
        table.add_row(
            f"{p.name.zh} {p.id}",
            "公开" if p.provenance == "published" else "示例",
            f"{s['eligible']:,}",
            f"{s['undetermined']:,}",
            f"{o['paid']:,}",
            f"{o['reduced']:,}",
            f"{o['unfunded']:,}",
            f"{o['excluded']:,}",
            format_yuan(s["due"]),
            format_yuan(s["paid"]),
            budget,
        )
    console.print(table)
    names = district_names(engine)
    totals: dict[str, int] = {}
    for by_district in run.summary["by_district"].values():
        for district_id, fen in by_district.items():
            name = (
                names.get(int(district_id), district_id) if district_id.isdigit() else district_id
            )
            totals[name] = totals.get(name, 0) + fen
    if totals:
        console.print(
            "按区县 by district: "
            + "；".join(
                f"{k} {format_yuan(v)}" for k, v in sorted(totals.items(), key=lambda kv: -kv[1])
            )
        )
    console.print(
        f"合计实发 total paid {format_yuan(run.summary['paid'])} · 用时 {run.seconds:.1f} s"
    )
    if output:
        write_payouts(run, output, names)
        console.print(f"[green]✓[/] {output}")


@app.command("explain")
def policy_explain(
    credit_code: CreditCodeArgument,
    year: YearOption = None,
    lang: LangOption = "zh",
    rules: RulesOption = None,
) -> None:
    """Why one enterprise receives each policy, or not / 逐条解释单个企业的政策兑现."""
    use_rules(rules)
    from ..policies.explanations import explain_enterprise
    from ..policies.runs import evaluate_policies, load_run

    engine = open_engine()
    enterprise_id, name, code = find_enterprise(engine, credit_code)
    run = evaluate_policies(
        engine, as_of=_as_of(year), enterprise_id=enterprise_id, catalog=policy_catalog()
    )
    console.print(f"[bold]{name}[/] {code} — 基准日 as of {run.as_of}")
    stored = load_run(engine)
    allocated = stored.results if stored is not None and stored.record.as_of == run.as_of else None
    if allocated is not None:
        console.print(
            f"（叠加与预算结果取自运行 {stored.record.id} / stacking and budget as in run "
            f"{stored.record.id}）"
        )
    else:
        console.print(
            "（尚无该基准日的整体运行：预算未分配 / no full run for this date yet: budgets not "
            "allocated）"
        )
    for explanation in explain_enterprise(run, enterprise_id, allocated):
        console.print()
        for line in explanation.lines(lang):
            console.print(line, markup=False, highlight=False)


@app.command("whatif")
def policy_whatif(
    ident: Annotated[str, typer.Argument(help="政策编号 / policy id")],
    assignments: SetOption,
    year: YearOption = None,
    application_date: ApplicationDateOption = None,
    top: Annotated[int, typer.Option("--top", help="列出变化最大的企业数 / firms listed")] = 20,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help=".xlsx：全部变化 / every change")
    ] = None,
    backend: BackendOption = "duckdb",
    rules: RulesOption = None,
) -> None:
    """Change parameters and compare with the current ones: who gains, who loses / 政策模拟."""
    use_rules(rules)
    from rich.table import Table

    from ..documents.whatif_export import write_whatif
    from ..policies.whatif import whatif
    from ..store.queries import district_names

    dates = _dates(year, application_date)
    engine = open_engine()
    try:
        result = _evaluated(
            whatif,
            engine,
            ident,
            assignments,
            **dates,
            backend=backend,
            catalog=policy_catalog(),
        )
    except (KeyError, ValueError) as exc:
        _fail(str(exc.args[0]))
    console.print(
        f"[bold]模拟 what-if[/] {ident}: "
        + ", ".join(assignments)
        + f" — {_date_title(result.after)}（同一数据对比现行参数 / current parameters, same data）"
    )
    table = Table()
    for header in ("政策 policy", "符合 eligible", "兑现户数 payouts", "实发 paid", "预算 budget"):
        table.add_column(header)
    for t in result.totals():
        table.add_row(
            t["name"],
            f"{t['eligible_before']:,} → {t['eligible_after']:,}",
            f"{t['payouts_before']:,} → {t['payouts_after']:,}",
            f"{format_yuan(t['paid_before'])} → {format_yuan(t['paid_after'])}",
            f"{format_yuan(t['budget_before'])} → {format_yuan(t['budget_after'])}",
        )
    console.print(table)
    console.print(
        f"增加 gain: {result.gainers:,} 户 · 减少 lose: {result.losers:,} 户 · 用时 {result.seconds:.1f} s"
    )
    names = district_names(engine)
    changes = Table(title="变化最大的企业 largest changes")
    for header in (
        "企业 firm",
        "信用代码 code",
        "区县",
        "政策",
        "原 before",
        "新 after",
        "变化 change",
    ):
        changes.add_column(header)
    for row in result.changed.slice(0, top).to_pylist():
        changes.add_row(
            row["name"],
            row["credit_code"],
            names.get(row["district_id"], ""),
            row["policy"],
            format_yuan(row["paid_before"]),
            format_yuan(row["paid_after"]),
            format_yuan(row["change"]),
        )
    console.print(changes)
    if output:
        write_whatif(result, output, names)
        console.print(f"[green]✓[/] {output}")


def _stored(engine, run_id: int | None):
    from ..policies.runs import load_run, stored_as_run

    stored = load_run(engine, run_id)
    if stored is None:
        _fail(
            f"没有政策兑现运行 {run_id or ''}（先运行 xinzhi policy run） / no policy run {run_id or ''}"
        )
    run, warnings = stored_as_run(stored, policy_catalog())
    for warning in warnings:
        err.print(f"[yellow]![/] {warning}", markup=False)
    return stored, run


@app.command("notices")
def policy_notices(
    run_id: Annotated[int, typer.Argument(help="政策兑现运行编号 / policy run id")],
    fmt: Annotated[str, typer.Option("--format", help="docx | pdf | xlsx")] = "pdf",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="输出目录 / folder")] = None,
    policy: Annotated[
        str | None, typer.Option("--policy", help="只出该政策的告知书 / one policy only")
    ] = None,
    rules: RulesOption = None,
) -> None:
    """One notice (告知书) per enterprise paid by a run, and the summary list for approval."""
    use_rules(rules)
    from ..documents.fonts import FontMissing
    from ..documents.notices import FORMATS, build_notices, write_notices
    from ..store.queries import district_names

    if fmt not in FORMATS:
        _fail(f"不支持的格式 {fmt}（docx、pdf、xlsx） / unsupported format {fmt}", 2)
    engine = open_engine()
    _, run = _stored(engine, run_id)
    notices = build_notices(run, district_names(engine), policy)
    folder = output or Path(f"notices-run-{run_id}")
    try:
        files = write_notices(run, notices, folder, fmt)
    except FontMissing as exc:
        _fail(str(exc), 2)
    console.print(
        f"[green]✓[/] {len(notices):,} 份告知书 notices → {folder}/（{len(files)} 个文件 files，"
        f"含审批汇总表 with the approval list）"
    )


@app.command("object")
def policy_object(
    run_id: Annotated[int, typer.Argument(help="政策兑现运行编号 / policy run id")],
    credit_code: Annotated[str, typer.Argument(help="提出异议的企业 / the objecting enterprise")],
    assignments: Annotated[
        list[str],
        typer.Option(
            "--set", help="更正的输入=值，如 tech_contract_turnover_y1=6200万元 / INPUT=VALUE"
        ),
    ],
    reason: Annotated[str, typer.Option("--reason", help="异议理由与材料 / reason and evidence")],
    backend: BackendOption = "duckdb",
    actor: ActorOption = None,
    rules: RulesOption = None,
) -> None:
    """Record an objection: re-evaluate one enterprise with corrected inputs / 异议更正."""
    use_rules(rules)
    from ..policies.objections import ObjectionError, correct

    engine = open_engine()
    try:
        result = correct(
            engine,
            run_id,
            credit_code,
            assignments,
            reason=reason,
            actor=actor_name(actor),
            backend=backend,
        )
    except ObjectionError as exc:
        _fail(str(exc))
    console.print(
        f"[green]✓[/] 更正运行 correction run {result.correction_run}（原运行 run {run_id}，"
        f"{result.credit_code}）；两个版本均已记入审计日志 / both versions are in the audit log"
    )
    before = {r["policy"]: r for r in result.before}
    for row in result.after:
        old = before.get(row["policy"], {})
        console.print(
            f"  {row['policy']}: {old.get('outcome') or 'ineligible'} {format_yuan(old.get('amount_paid'))}"
            f" → {row['outcome'] or row['status']} {format_yuan(row['amount_paid'])}",
            markup=False,
        )


@app.command("audit")
def policy_audit(
    run_id: Annotated[int, typer.Argument(help="政策兑现运行编号 / policy run id")],
    credit_code: Annotated[
        str | None, typer.Argument(help="企业（省略则显示运行记录） / enterprise")
    ] = None,
) -> None:
    """The audit record: policy versions, and for one enterprise the inputs and clauses each
    payout saw, with its corrections / 审计记录."""
    from ..policies.explanations import explain_enterprise
    from ..policies.objections import corrections_of

    engine = open_engine()
    stored, run = _stored(engine, run_id)
    record = stored.record
    console.print(
        f"[bold]运行 run {record.id}[/] ({record.kind}) · 基准日 as of {record.as_of} · "
        f"{record.actor} · {record.finished_at:%Y-%m-%d %H:%M} · 引擎 {record.backend} · "
        f"规则集 {record.rule_set_hash[:12]}"
    )
    for entry in record.declarations:
        changed = ", ".join(f"{k}={v}" for k, v in (entry.get("overrides") or {}).items())
        console.print(
            f"  {entry['id']} 版本 {entry['version']} · {entry['file']} · sha256 {entry['sha256'][:12]}"
            + (f" · 参数变更 {changed}" if changed else ""),
            markup=False,
        )
    if credit_code is None:
        return
    enterprise_id, name, code = find_enterprise(engine, credit_code)
    console.print(f"\n[bold]{name}[/] {code}")
    explanations = explain_enterprise(run, enterprise_id)
    if not explanations:
        console.print(
            "本运行中该企业不符合任何政策（不符合的逐条原因见 xinzhi policy explain） / not eligible "
            "for any policy in this run"
        )
    for explanation in explanations:
        for line in explanation.lines("zh"):
            console.print(line, markup=False, highlight=False)
    for entry in corrections_of(engine, run_id, code):
        d = entry.detail
        console.print(
            f"\n[bold]异议更正 objection[/] {entry.at:%Y-%m-%d %H:%M} {entry.actor}: {d['reason']} → "
            f"更正运行 run {d['correction_run']}"
        )
        console.print(
            "  更正 corrected: " + ", ".join(f"{k}={v}" for k, v in d["corrections"].items()),
            markup=False,
        )
        before = {r["policy"]: r for r in d["before"]}
        for row in d["after"]:
            old = before.get(row["policy"], {})
            console.print(
                f"  {row['policy']}: {old.get('outcome') or 'ineligible'} "
                f"{format_yuan(old.get('amount_paid'))} → {row['outcome'] or row['status']} "
                f"{format_yuan(row['amount_paid'])}",
                markup=False,
            )
