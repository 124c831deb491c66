"""`xinzhi compute …`: centres, imports, figures, invoices and the 算力券 ledger.

Thin: each command parses its options, calls one service of ``xinzhi.compute`` and prints.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from .common import (
    ActorOption,
    ReportOption,
    actor_name,
    console,
    err,
    open_engine,
    parse_date_option,
    report_import,
)

app = typer.Typer(
    help="公共算力与算力券 / public compute and compute vouchers", no_args_is_help=True
)
voucher_app = typer.Typer(help="算力券台账 / the voucher ledger", no_args_is_help=True)
app.add_typer(voucher_app, name="voucher")

CentreOption = Annotated[str, typer.Option("--centre", help="算力中心代码 / centre code")]
YearOption = Annotated[int, typer.Option("--year", help="年度 / year")]


def _fail(error) -> None:
    err.print(f"[red]✗[/] {error.zh}\n  {error.en}", highlight=False)
    raise typer.Exit(1)


def _year(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


def _pct(ratio: float | None) -> str:
    return "未知 unknown" if ratio is None else f"{ratio * 100:.2f} %"


def _centre_ids(engine, centre: str | None) -> list[int] | None:
    from ..compute.imports import ComputeError, centre_by_code

    if centre is None:
        return None
    with engine.connect() as conn:
        try:
            return [centre_by_code(conn, centre)]
        except ComputeError as error:
            _fail(error)


@app.command("centre")
def centre(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="centre YAML")],
    actor: ActorOption = None,
) -> None:
    """Register or update a centre and its dated pools from YAML / 登记算力中心与资源池."""
    from ..compute.imports import ComputeError
    from ..compute.registry import load_centre, read_centre

    try:
        spec = read_centre(file)
        load_centre(open_engine(), spec, actor=actor_name(actor), source=file.name)
    except ComputeError as error:
        _fail(error)
    console.print(f"[green]✓[/] {spec.code} {spec.name}: {len(spec.pools)} 个资源池 pools")


@app.command("import")
def import_(
    kind: Annotated[str, typer.Argument(help="usage | tenants | reservations | requests")],
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    centre: CentreOption,
    report: ReportOption = None,
    actor: ActorOption = None,
) -> None:
    """Import a centre's usage (sacct CSV or template), tenants, reservations or unmet
    requests: all rows or none / 导入（全部成功或全部不导入）."""
    from ..compute.imports import ComputeError, import_compute_file
    from ..ingest.readers import ImportFileError

    try:
        result = import_compute_file(
            open_engine(), kind, file, centre=centre, actor=actor_name(actor)
        )
    except (ImportFileError, ComputeError) as error:
        _fail(error)
    report_import(result, kind, file, report)


@app.command("occupancy")
def occupancy(
    year: YearOption,
    centre: Annotated[str | None, typer.Option("--centre")] = None,
    by: Annotated[str, typer.Option("--by", help="day | month | year")] = "month",
) -> None:
    """Occupancy (used or reserved card-hours ÷ available) by period and pool / 算力占用率."""
    from ..compute.figures import occupancy as compute

    if by not in ("day", "month", "year"):
        _fail(
            type(
                "E", (), {"zh": "--by 应为 day、month 或 year", "en": "--by is day, month or year"}
            )
        )
    engine = open_engine()
    rows = compute(engine, *_year(year), by=by, centre_ids=_centre_ids(engine, centre))
    table = Table(
        "期间 period",
        "资源池 pool",
        "可用卡时 available",
        "使用 used",
        "预留 reserved",
        "占用率 occupancy",
    )
    for o in rows:
        table.add_row(
            o.period,
            o.pool,
            f"{o.available:,.0f}",
            f"{o.used:,.0f}",
            f"{o.reserved:,.0f}",
            _pct(o.ratio),
        )
    console.print(table)


@app.command("overview")
def overview(
    year: YearOption, centre: Annotated[str | None, typer.Option("--centre")] = None
) -> None:
    """The year's published figures: capacity in P, occupancy, clients, top tenants / 年度概况."""
    from ..compute.figures import overview as compute

    engine = open_engine()
    view = compute(engine, *_year(year), centre_ids=_centre_ids(engine, centre))
    console.print(
        f"算力规模 capacity {view.capacity_p:,.1f} P (FP16, {view.cards:,} 卡 cards)   "
        f"占用率 occupancy {_pct(view.occupancy)}\n"
        f"用户 clients {view.clients_total:,} {view.clients}   本地占比 local share "
        f"{_pct(view.local_share)}\n"
        f"作业 jobs {view.jobs:,}  大作业 large {view.large_jobs:,}  卡时 card-hours "
        f"{view.card_hours:,.0f}  费用 fees {view.fee:,.2f} 元\n"
        "科技型中小企业用量 SME card-hours "
        + (
            "未知（尚无评价运行） unknown: no assessment run"
            if view.sme_card_hours is None
            else f"{view.sme_card_hours:,.0f}"
        )
    )
    table = Table(
        "用户 tenant", "类型 kind", "城市 city", "卡时 card-hours", title="前十 top tenants"
    )
    for t in view.top_tenants:
        table.add_row(
            f"{t['name']} ({t['account']})", t["kind"], t["city"], f"{t['card_hours']:,.0f}"
        )
    console.print(table)


@app.command("bill")
def bill(
    centre: CentreOption,
    month: Annotated[str, typer.Option("--month", help="2023-03")],
    actor: ActorOption = None,
) -> None:
    """Invoice each tenant's not yet invoiced usage of a month / 按月出账."""
    from ..compute.imports import ComputeError
    from ..compute.ledger import bill_month

    try:
        first = dt.date.fromisoformat(f"{month}-01")
        count = bill_month(open_engine(), centre, first, actor=actor_name(actor))
    except ValueError as error:
        if isinstance(error, ComputeError):
            _fail(error)
        _fail(
            type("E", (), {"zh": f"月份应为 2023-03：{month}", "en": f"month is 2023-03: {month}"})
        )
    console.print(f"[green]✓[/] {centre} {month}: {count} 张账单 invoices")


@voucher_app.command("issue")
def voucher_issue(
    run: Annotated[
        int | None, typer.Option("--run", help="政策运行号（默认最近） / policy run")
    ] = None,
    valid_from: Annotated[str | None, typer.Option("--from")] = None,
    valid_to: Annotated[str | None, typer.Option("--to")] = None,
    share: Annotated[
        int, typer.Option("--share", help="每张账单可抵扣的比例 % / share of a fee")
    ] = 50,
    actor: ActorOption = None,
) -> None:
    """Issue the vouchers a policy run paid (compute_vouchers) / 按政策运行发放算力券."""
    from ..compute.imports import ComputeError
    from ..compute.ledger import issue_from_run

    try:
        done = issue_from_run(
            open_engine(),
            run,
            actor=actor_name(actor),
            valid_from=parse_date_option(valid_from),
            valid_to=parse_date_option(valid_to),
            share_percent=share,
        )
    except ComputeError as error:
        _fail(error)
    console.print(
        f"[green]✓[/] run {done.run_id}: 发放 issued {done.issued:,} 张, {done.amount:,.2f} 元; "
        f"已发放 already {done.already:,}"
    )


@voucher_app.command("redeem")
def voucher_redeem(
    voucher: str,
    centre: CentreOption,
    invoice: Annotated[str, typer.Option("--invoice", help="账单号 / invoice number")],
    on: Annotated[str | None, typer.Option("--on", help="抵扣日期 / date")] = None,
    amount: Annotated[str | None, typer.Option("--amount", help="元 / yuan")] = None,
    actor: ActorOption = None,
) -> None:
    """Redeem a voucher against a centre's invoice (idempotent per invoice) / 抵扣."""
    from ..compute.imports import ComputeError
    from ..compute.ledger import redeem

    try:
        done = redeem(
            open_engine(),
            voucher,
            centre,
            invoice,
            actor=actor_name(actor),
            on=parse_date_option(on),
            amount=Decimal(amount) if amount else None,
        )
    except ComputeError as error:
        _fail(error)
    state = "已抵扣过 already redeemed" if done.repeated else "抵扣 redeemed"
    console.print(
        f"[green]✓[/] {state} {done.amount:,.2f} 元 — 余额 balance {done.balance_after:,.2f} 元 "
        f"(entry {done.entry_id})"
    )


@voucher_app.command("expire")
def voucher_expire(
    on: Annotated[str, typer.Option("--on", help="到期日后的首日 / first day after validity")],
    actor: ActorOption = None,
) -> None:
    """Close the vouchers whose validity ended before a date / 到期核销."""
    from ..compute.ledger import expire

    count, lapsed = expire(open_engine(), on=parse_date_option(on), actor=actor_name(actor))
    console.print(f"[green]✓[/] 到期 expired {count:,} 张, 失效余额 lapsed {lapsed:,.2f} 元")


@voucher_app.command("reverse")
def voucher_reverse(
    entry: int,
    reason: Annotated[str, typer.Option("--reason", help="冲正原因 / why")],
    actor: ActorOption = None,
) -> None:
    """Reverse a redemption / 冲正一笔抵扣."""
    from ..compute.imports import ComputeError
    from ..compute.ledger import reverse

    try:
        reversal = reverse(open_engine(), entry, actor=actor_name(actor), reason=reason)
    except ComputeError as error:
        _fail(error)
    console.print(f"[green]✓[/] 冲正 reversed entry {entry} (entry {reversal})")


@app.command("reconcile")
def reconcile(centre: CentreOption, year: YearOption) -> None:
    """What the bureau owes a centre for the year's redeemed invoices / 对账."""
    from ..compute.imports import ComputeError
    from ..compute.ledger import reconcile as compute

    try:
        done = compute(open_engine(), centre, *_year(year))
    except ComputeError as error:
        _fail(error)
    table = Table("用户 tenant", "账单 invoices", "应付 owed (元)", title=f"{centre} {year}")
    for account, name, invoices, owed in done.by_tenant:
        table.add_row(f"{name} ({account})", str(invoices), f"{owed:,.2f}")
    console.print(table)
    console.print(
        f"账单 {done.invoices:,} 张, 费用 fees {done.fees:,.2f} 元, 应付中心 owed {done.owed:,.2f} 元"
    )
    if done.ledger_mismatches:
        err.print(f"[red]✗ 台账与余额不符 ledger ≠ balance:[/] {', '.join(done.ledger_mismatches)}")
        raise typer.Exit(1)


@app.command("anomalies")
def anomalies(centre: Annotated[str | None, typer.Option("--centre")] = None) -> None:
    """Redemptions to review: another tenant, outside validity, a jump before expiry / 异常."""
    from ..compute.ledger import anomalies as find

    engine = open_engine()
    found = find(engine, _centre_ids(engine, centre))
    table = Table("类型 kind", "算力券 voucher", "持券企业 holder", "说明 detail")
    for a in found:
        table.add_row(a.kind, a.voucher, a.holder, f"{a.detail_zh}\n{a.detail_en}")
    console.print(table)
    console.print(f"{len(found)} 条 anomalies")


@app.command("operator")
def operator(
    username: str,
    centre: CentreOption,
    actor: ActorOption = None,
) -> None:
    """Tie a centre_operator user to its centre (it sees that centre only) / 指定中心运营人员."""
    from ..compute.access import assign_operator
    from ..compute.imports import ComputeError

    try:
        assign_operator(open_engine(), username, centre, actor=actor_name(actor))
    except ComputeError as error:
        _fail(error)
    console.print(f"[green]✓[/] {username} → {centre}")


@app.command("whatif")
def whatif(
    centre: CentreOption,
    pool: Annotated[str, typer.Option("--pool", help="资源池代码 / pool code")],
    add: Annotated[int, typer.Option("--add", help="新增卡数 / cards added")],
    last: Annotated[str, typer.Option("--until", help="观察期末 / last day observed")],
    months: Annotated[int, typer.Option("--months", help="观察月数 / months observed")] = 3,
) -> None:
    """N more cards in a pool → projected occupancy and waiting / 扩容模拟."""
    from ..compute.imports import ComputeError
    from ..compute.whatif import capacity_whatif

    try:
        done = capacity_whatif(
            open_engine(), centre, pool, add, last=parse_date_option(last), months=months
        )
    except ComputeError as error:
        _fail(error)
    console.print(
        f"{done.pool} {done.first} – {done.last}: 需求 demand {done.demand:,.0f} 卡时 card-hours "
        f"(未满足申请 unmet requests {done.unmet:,.0f})"
    )
    table = Table(
        "方案 scenario", "卡数 cards", "占用率 occupancy", "平均等待 mean wait", "期末积压 backlog"
    )
    for label, s in (("现状 as is", done.current), (f"+{add} 卡 cards", done.proposed)):
        table.add_row(
            label,
            f"{s.cards:,}",
            _pct(s.occupancy),
            f"{s.mean_wait_hours:,.1f} h",
            f"{s.unserved_at_end:,.0f}",
        )
    console.print(table)
