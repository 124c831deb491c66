"""`xinzhi track …` and `xinzhi scenario …`: parse, call the tracks services, print."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import sqlalchemy as sa
import typer
from rich.table import Table

from ..chains.problems import ChainFileError
from ..domain.money import FEN_PER_YUAN, format_wan
from .common import ActorOption, actor_name, console, err, open_engine, parse_date_option

app = typer.Typer(help="未来产业赛道 / future-industry tracks", no_args_is_help=True)
scenario_app = typer.Typer(help="场景机会清单 / application scenarios", no_args_is_help=True)
CITY = sa.true()  # the CLI acts for the city (as the other areas' commands do)


def _catalogue(as_of: str | None = None):
    from ..tracks.taxonomy import load_catalogue

    try:
        return load_catalogue(parse_date_option(as_of))
    except ChainFileError as error:
        for problem in error.problems:
            err.print(f"[red]✗[/] {problem.describe()}")
        raise typer.Exit(1) from None


def _fail(error) -> None:
    err.print(f"[red]✗[/] {error.zh}\n  {error.en}")
    raise typer.Exit(1)


AsOf = Annotated[
    str | None, typer.Option("--as-of", help="分类文件的生效日期 / taxonomies in force on")
]


@app.command("list")
def list_tracks(as_of: AsOf = None) -> None:
    """Taxonomies in force and their tracks, with the firms in each / 分类与赛道."""
    from ..tracks.service import member_ids

    catalogue = _catalogue(as_of)
    engine = open_engine()
    table = Table("分类 taxonomy", "赛道 track", "名称 name", "出处", "类型 kind", "企业 firms")
    with engine.connect() as conn:
        for taxonomy in catalogue.taxonomies:
            for track in taxonomy.tracks:
                leaves = catalogue.members(track.id)
                firms = (
                    conn.scalar(
                        sa.select(sa.func.count()).select_from(member_ids(leaves).subquery())
                    )
                    if leaves
                    else 0
                )
                kind = "词典 dictionary" if track.classified else f"组 group ({len(leaves)})"
                table.add_row(taxonomy.key, track.id, track.name, track.status, kind, f"{firms:,}")
    console.print(table)


@app.command("show")
def show(track: str, as_of: AsOf = None, top: Annotated[int, typer.Option()] = 10) -> None:
    """One track: its dictionary, sources, figures and largest firms / 赛道详情."""
    from ..tracks import figures

    catalogue = _catalogue(as_of)
    found = catalogue.get(track)
    if found is None:
        err.print(f"[red]✗[/] 没有赛道“{track}” / no track '{track}'")
        raise typer.Exit(1)
    taxonomy = next(t for t in catalogue.taxonomies if t.key == found.taxonomy)
    console.print(f"[bold]{found.name}[/] {found.name_en or ''} ({found.id}) {found.status}")
    console.print(
        f"  {taxonomy.name} — {taxonomy.document or ''} {taxonomy.region}，{taxonomy.valid_from} 起"
    )
    for source in taxonomy.sources:
        console.print(f"  {source.status} {source.url or source.file or ''} {source.note or ''}")
    if found.classified:
        console.print(f"  同义词 synonyms: {'、'.join(found.synonyms)}")
        console.print(f"  强词 strong: {'、'.join(found.strong)}")
        console.print(
            f"  弱词 weak: {'、'.join(found.weak)}   排除 exclude: {'、'.join(found.exclude)}"
        )
        console.print(
            f"  行业 {', '.join(found.industry_codes) or '—'}  SEI {', '.join(found.sei_codes) or '—'}  "
            f"IPC {', '.join(found.ipc + found.ipc_weak) or '—'}  链 {', '.join(found.chain_nodes) or '—'} {found.codes_status or ''}"
        )
    else:
        console.print(f"  包含 includes: {'、'.join(catalogue.members(track))}")
    with open_engine().connect() as conn:
        f = figures.track_figures(conn, catalogue, track, CITY)
        console.print(
            f"  企业 {f['firms']:,}  "
            + "  ".join(f"{figures.TIER_ZH[t]} {n}" for t, n in f["tiers"].items())
        )
        growth = f["growth"]
        console.print(
            f"  发明专利 {f['invention_patents']:,}  技术合同 {f['contracts']['count']:,}  融资 {f['financing']['rounds']:,} 轮  "
            f"平台 {f['platforms']:,}  成果 {f['results']:,}  需求 {f['demands']:,}  "
            f"增长 {'—' if not growth else format(growth['rate'], '.1%')}"
        )
        table = Table("企业 firm", "区县 district", "营业收入 revenue", "置信度")
        for firm in figures.top_firms(conn, catalogue, track, CITY, limit=top):
            revenue = (
                "未知" if firm["revenue"] is None else format_wan(firm["revenue"] * FEN_PER_YUAN)
            )
            conf = "确认" if firm["confidence"] is None else f"{firm['confidence']:.2f}"
            table.add_row(firm["name"], firm["district"], revenue, conf)
        console.print(table)


@app.command("classify")
def classify(
    kinds: Annotated[
        str, typer.Option(help="enterprise,result,demand,platform")
    ] = "enterprise,result,demand,platform",
    as_of: AsOf = None,
    actor: ActorOption = None,
) -> None:
    """Classify firms, results, demands and platforms; recorded / 赛道分类."""
    from ..tracks.service import TrackError
    from ..tracks.service import classify as run

    catalogue = _catalogue(as_of)
    try:
        summary = run(
            open_engine(),
            actor=actor_name(actor),
            kinds=tuple(k.strip() for k in kinds.split(",")),
            catalogue=catalogue,
        )
    except TrackError as error:
        _fail(error)
    table = Table(
        "对象 kind",
        "总数 subjects",
        "无数据 without data",
        "有赛道 with tracks",
        "赛道分配 assignments",
    )
    for kind, c in summary.per_kind.items():
        table.add_row(
            kind,
            f"{c['subjects']:,}",
            f"{c['without_data']:,}",
            f"{c['assigned_subjects']:,}",
            f"{c['assignments']:,}",
        )
    console.print(table)
    console.print(f"[green]✓[/] run #{summary.run_id} in {summary.seconds:.1f} s")


def _label(code: str, track: str, verdict: str, reason: str | None, actor: str | None) -> None:
    from ..tracks.service import TrackError, label

    try:
        detail = label(
            open_engine(),
            credit_code_or_id=code,
            track=track,
            verdict=verdict,
            actor=actor_name(actor),
            reason=reason,
        )
    except TrackError as error:
        _fail(error)
    console.print(
        f"[green]✓[/] {detail['name']} — {track}: {verdict} (之前 before: {detail['before'] or '—'})"
    )


@app.command("confirm")
def confirm(
    code: str,
    track: str,
    reason: Annotated[str | None, typer.Option()] = None,
    actor: ActorOption = None,
) -> None:
    """Confirm a firm's track (wins over inference; audited) / 确认企业赛道."""
    _label(code, track, "confirmed", reason, actor)


@app.command("reject")
def reject(
    code: str, track: str, reason: Annotated[str, typer.Option()], actor: ActorOption = None
) -> None:
    """Reject an inferred track (audited; survives re-classification) / 否定企业赛道."""
    _label(code, track, "rejected", reason, actor)


@app.command("firm")
def firm(code: str) -> None:
    """A firm's tracks with their evidence / 企业的赛道及证据."""
    from ..store import models
    from ..tracks.classify import FIELD_ZH
    from ..tracks.service import firm_tracks

    engine = open_engine()
    with engine.connect() as conn:
        e = models.Enterprise
        key = code.strip()
        row = conn.execute(
            sa.select(e.id, e.name).where(
                e.id == int(key)
                if key.isdigit() and len(key) < 18
                else e.credit_code == key.upper()
            )
        ).first()
        if row is None:
            err.print(f"[red]✗[/] 没有企业“{code}” / no enterprise '{code}'")
            raise typer.Exit(1)
        console.print(f"[bold]{row.name}[/]")
        for t in firm_tracks(conn, row.id):
            mark = "✓" if t["member"] else "✗"
            conf = "—" if t["confidence"] is None else f"{t['confidence']:.2f}"
            label = f" [{t['label']['verdict']} by {t['label']['actor']}]" if t["label"] else ""
            console.print(f" {mark} {t['track']} 置信度 {conf}{label}")
            for field, term, weight in t["evidence"]:
                console.print(f"     {FIELD_ZH.get(field, field)}: {term} ({weight})")


@app.command("export")
def export(
    output: Annotated[Path, typer.Option("-o", "--output")],
    track: Annotated[
        list[str] | None, typer.Option("--track", help="每个赛道一张工作表 / one sheet per track")
    ] = None,
    as_of: AsOf = None,
) -> None:
    """The matrix and the firms of chosen tracks to .xlsx / 导出."""
    from ..tracks.export import write_workbook

    catalogue = _catalogue(as_of)
    for t in track or []:
        if catalogue.get(t) is None:
            err.print(f"[red]✗[/] 没有赛道“{t}” / no track '{t}'")
            raise typer.Exit(1)
    with open_engine().connect() as conn:
        path = write_workbook(conn, catalogue, CITY, output, track or [])
    console.print(f"[green]✓[/] {path}")


@app.command("check")
def check(files: list[Path], as_of: AsOf = None) -> None:
    """Check taxonomy files together with the shipped ones / 检查分类文件."""
    from ..tracks.taxonomy import build_catalogue, shipped_files

    mine = [(str(p), p.read_text(encoding="utf-8")) for p in files]
    try:
        catalogue = build_catalogue(shipped_files() + mine, parse_date_option(as_of))
    except ChainFileError as error:
        for problem in error.problems:
            err.print(f"[red]✗[/] {problem.describe()}")
        raise typer.Exit(1) from None
    console.print(
        f"[green]✓[/] {len(catalogue.taxonomies)} taxonomies, {len(catalogue.tracks)} tracks"
    )


@app.command("clusters")
def clusters(as_of: AsOf = None) -> None:
    """Clusters and pilot zones against their targets / 集群与先导区进度."""
    from ..tracks.clusters import load_clusters, progress

    catalogue = _catalogue(as_of)
    try:
        found = load_clusters(catalogue)
    except ChainFileError as error:
        for problem in error.problems:
            err.print(f"[red]✗[/] {problem.describe()}")
        raise typer.Exit(1) from None
    table = Table(
        "集群/先导区",
        "指标",
        "当前 value",
        "目标 target",
        "完成 share",
        "年增速",
        "预计达成 reached",
    )
    with open_engine().connect() as conn:
        for cluster in found:
            p = progress(conn, cluster, catalogue, CITY)
            for t in p["targets"]:
                if t.get("value") is None:
                    table.add_row(
                        p["name"], t["indicator"], "未知", str(t["target"]), "—", "—", "—"
                    )
                    continue
                table.add_row(
                    p["name"],
                    t["indicator_zh"],
                    f"{t['value']:,.0f} {t['unit']}",
                    f"{t['target']:,.0f} ({t['target_year']})",
                    f"{t['share']:.0%}",
                    "—" if t["growth_rate"] is None else f"{t['growth_rate']:.1%}",
                    "—" if t["reached_year"] is None else str(t["reached_year"]),
                )
    console.print(table)


# --- scenarios ------------------------------------------------------------------------------


@scenario_app.command("publish")
def scenario_publish(
    title: Annotated[str, typer.Option()],
    owner: Annotated[str, typer.Option()],
    need: Annotated[str, typer.Option()],
    track: Annotated[str, typer.Option()],
    budget: Annotated[str | None, typer.Option(help="元")] = None,
    deadline: Annotated[str | None, typer.Option()] = None,
    actor: ActorOption = None,
) -> None:
    """Publish an application scenario / 发布场景."""
    from ..domain.errors import InvalidValue
    from ..domain.money import parse_yuan_text
    from ..matching.scenarios import ScenarioError, publish_new

    try:
        scenario_id = publish_new(
            open_engine(),
            title=title,
            owner=owner,
            need=need,
            track=track,
            actor=actor_name(actor),
            budget=None if budget is None else parse_yuan_text(budget),
            deadline=parse_date_option(deadline),
        )
    except (ScenarioError, InvalidValue) as error:
        _fail(error)
    console.print(f"[green]✓[/] scenario #{scenario_id} published")


@scenario_app.command("list")
def scenario_list(
    state: Annotated[str | None, typer.Option()] = None,
    track: Annotated[str | None, typer.Option()] = None,
) -> None:
    """Scenarios by state / 场景清单."""
    from ..matching.scenarios import listing

    table = Table(
        "#",
        "场景 title",
        "发布方 owner",
        "赛道 track",
        "预算 budget",
        "截止 deadline",
        "状态 state",
    )
    for s in listing(open_engine(), state=state, track=track):
        budget = "—" if s["budget"] is None else format_wan(s["budget"] * FEN_PER_YUAN)
        table.add_row(
            str(s["id"]),
            s["title"],
            s["owner"],
            s["track"],
            budget,
            str(s["deadline"] or "—"),
            s["state_zh"],
        )
    console.print(table)


@scenario_app.command("match")
def scenario_match(
    scenario_id: int, top: Annotated[int, typer.Option()] = 10, actor: ActorOption = None
) -> None:
    """Match a scenario to the track's firms and to research results, with reasons / 匹配."""
    from ..matching.scenarios import ScenarioError, match

    try:
        found = match(open_engine(), scenario_id, actor=actor_name(actor), top=top)
    except ScenarioError as error:
        _fail(error)
    for side, title in (("firms", "企业 firms"), ("results", "成果 results")):
        table = Table("#", title, "分 score", "理由 reasons")
        for m in found[side]:
            table.add_row(
                str(m["id"]),
                m["name"] or "",
                f"{m['score']:.1f}",
                "；".join(r["zh"] for r in m["reasons"]),
            )
        console.print(table)


@scenario_app.command("pilot")
def scenario_pilot(
    scenario_id: int,
    enterprise_id: int,
    note: Annotated[str | None, typer.Option()] = None,
    actor: ActorOption = None,
) -> None:
    """Start the pilot with a firm / 开始试点."""
    from ..matching.scenarios import ScenarioError, pilot

    try:
        pilot(
            open_engine(),
            scenario_id,
            enterprise_id=enterprise_id,
            actor=actor_name(actor),
            note=note,
        )
    except ScenarioError as error:
        _fail(error)
    console.print(f"[green]✓[/] scenario #{scenario_id} piloting")


@scenario_app.command("showcase")
def scenario_showcase(
    scenario_id: int, note: Annotated[str, typer.Option()], actor: ActorOption = None
) -> None:
    """Name the scenario a 标杆示范场景 / 评为标杆示范."""
    from ..matching.scenarios import ScenarioError, advance

    try:
        advance(open_engine(), scenario_id, "showcase", actor=actor_name(actor), note=note)
    except ScenarioError as error:
        _fail(error)
    console.print(f"[green]✓[/] scenario #{scenario_id} showcase")


@scenario_app.command("withdraw")
def scenario_withdraw(
    scenario_id: int, note: Annotated[str, typer.Option()], actor: ActorOption = None
) -> None:
    """Withdraw a scenario / 撤回."""
    from ..matching.scenarios import ScenarioError, advance

    try:
        advance(open_engine(), scenario_id, "withdraw", actor=actor_name(actor), note=note)
    except ScenarioError as error:
        _fail(error)
    console.print(f"[green]✓[/] scenario #{scenario_id} withdrawn")


__all__ = ["app", "scenario_app"]
