"""`xinzhi match …`: research results ↔ technical demands ↔ experts, events, challenges."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer

from ..domain.money import parse_yuan_text
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

app = typer.Typer(help="双百链接：成果与需求匹配 / matchmaking", no_args_is_help=True)
challenge_app = typer.Typer(help="揭榜挂帅榜单 / open challenges", no_args_is_help=True)
app.add_typer(challenge_app, name="challenge")

LISTS = ("experts", "results", "demands")
TopOption = Annotated[
    int, typer.Option("--top", "-k", min=1, max=1000, help="返回前 K 条 / how many matches")
]


def _fail(error, code: int = 1):
    err.print(f"[red]✗[/] {error.zh}\n  {error.en}")
    raise typer.Exit(code)


def _matcher(workers: int = 1):
    from ..matching.matcher import Matcher

    return Matcher(open_engine(), workers=workers)


def _note_rebuilt(matcher) -> None:
    for side in matcher.rebuilt:
        err.print(f"[dim]索引已重建 index rebuilt: {side} → {matcher.index_dir / side}[/]")


# --- imports ---------------------------------------------------------------------------------


@app.command("import")
def import_(
    kind: Annotated[str, typer.Argument(help="experts | results | demands（专家/成果/需求）")],
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    as_of: DataAsOfOption = None,
    report: ReportOption = None,
    actor: ActorOption = None,
) -> None:
    """Import the experts, results or demands list: all rows or none / 导入清单."""
    from ..ingest.readers import ImportFileError
    from ..matching.imports import import_list

    try:
        result = import_list(
            open_engine(), kind, file, actor=actor_name(actor), as_of=parse_date_option(as_of)
        )
    except ImportFileError as error:
        err.print(f"[red]✗ 未导入 not imported:[/] {error.zh}\n  {error.en}")
        raise typer.Exit(2) from None
    report_import(result, kind, file, report)


@app.command("index")
def index(
    rebuild: Annotated[
        bool, typer.Option("--rebuild", help="强制重建 / rebuild even if fresh")
    ] = False,
    workers: Annotated[int, typer.Option(min=1, max=64, help="分词进程数 / processes")] = 1,
) -> None:
    """Build (or refresh) the persisted matching indexes / 建立匹配索引."""
    matcher = _matcher(workers)
    for side in ("results", "demands"):
        built = matcher.index(side, rebuild=rebuild)
        state = "重建 rebuilt" if side in matcher.rebuilt else "已是最新 up to date"
        console.print(
            f"{side}: {len(built):,} 条 documents, {len(built.vocab):,} 词 tokens — "
            f"{state} ({matcher.index_dir / side})"
        )


# --- matching --------------------------------------------------------------------------------


def _show_matches(matcher, side: str, key: str, top: int, as_json: bool) -> None:
    import sqlalchemy as sa

    from ..matching.matcher import NotFound
    from ..store.models.matching import ResearchResult, TechnicalDemand

    try:
        if side == "demands":
            row, matches = matcher.for_demand(key, top)
        else:
            row, matches = matcher.for_result(key, top)
    except NotFound as error:
        _fail(error)
    other = TechnicalDemand if side == "results" else ResearchResult
    with matcher.engine.connect() as conn:
        info = {
            r.id: r
            for r in conn.execute(
                sa.select(other.id, other.code, other.title).where(
                    other.id.in_([m.id for m in matches])
                )
            )
        }
    _note_rebuilt(matcher)
    if as_json:
        print(
            json.dumps(
                {
                    "query": {"id": row.id, "title": row.title},
                    "matches": [
                        {
                            "id": m.id,
                            "code": info[m.id].code,
                            "title": info[m.id].title,
                            "score": m.score,
                            "reasons": [asdict(r) for r in m.reasons],
                        }
                        for m in matches
                    ],
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    from rich.table import Table

    what = "成果 results" if side == "demands" else "需求 demands"
    table = Table(
        "#",
        "编号 code",
        "名称 title",
        "匹配度 score",
        "理由 reasons",
        title=f"{row.title} → {what}",
    )
    for rank, m in enumerate(matches, start=1):
        reasons = "\n".join(f"{r.zh} [dim]{r.en}[/] (+{r.points})" for r in m.reasons)
        table.add_row(str(rank), info[m.id].code, info[m.id].title, f"{m.score:.1f}", reasons)
    console.print(table)
    if not matches:
        console.print("没有匹配 no match")


@app.command("demand")
def demand(
    key: Annotated[str, typer.Argument(help="需求 id 或编号 / demand id or code")],
    top: TopOption = 10,
    as_json: Annotated[bool, typer.Option("--json", help="JSON 输出 / print JSON")] = False,
) -> None:
    """Research results for one technical demand, with reasons / 为需求匹配成果."""
    _show_matches(_matcher(), "demands", key, top, as_json)


@app.command("result")
def result(
    key: Annotated[str, typer.Argument(help="成果 id 或编号 / result id or code")],
    top: TopOption = 10,
    as_json: Annotated[bool, typer.Option("--json", help="JSON 输出 / print JSON")] = False,
) -> None:
    """Technical demands for one research result, with reasons / 为成果匹配需求."""
    _show_matches(_matcher(), "results", key, top, as_json)


@app.command("all")
def all_(
    output: Annotated[Path, typer.Option("--output", "-o", help="输出 .xlsx / output file")],
    top: TopOption = 10,
    workers: Annotated[int, typer.Option(min=1, max=64, help="进程数 / processes")] = 1,
) -> None:
    """Every demand's and every result's best matches, as one .xlsx / 全部匹配导出."""
    from ..matching.export import write_all_matches

    matcher = _matcher(workers)
    counts = write_all_matches(matcher, output, top=top, workers=workers)
    _note_rebuilt(matcher)
    for side, (records, matches) in counts.items():
        console.print(f"{side}: {records:,} 条 records, {matches:,} 个匹配 matches")
    console.print(f"[green]✓[/] {output}")


def _read_exclusions(path: Path) -> set[tuple[str, str]]:
    from ..ingest.readers import ImportFileError
    from ..matching.event import read_exclusions

    try:
        pairs, problems = read_exclusions(path)
    except ImportFileError as error:
        _fail(error, 2)
    if problems:
        err.print("\n".join(problems[:20]))
        err.print(
            f"[red]✗[/] 排除名单有 {len(problems)} 处错误，未进行配对 / the exclusion list "
            f"has {len(problems)} errors: nothing was paired"
        )
        raise typer.Exit(1)
    return pairs


@app.command("event")
def event(
    pairs: Annotated[int, typer.Option("--pairs", "-n", min=1, help="配对数 / number of pairs")],
    capacity: Annotated[
        int, typer.Option(min=1, help="每位专家最多对接企业数 / firms per expert")
    ] = 1,
    exclude: Annotated[
        Path | None,
        typer.Option(
            exists=True, dir_okay=False, help="不安排见面的名单 / pairs that must not meet"
        ),
    ] = None,
    output: Annotated[Path, typer.Option("--output", "-o", help="日程 .xlsx / schedule")] = Path(
        "对接日程.xlsx"
    ),
    start: Annotated[str, typer.Option(help="开始时间 / start, e.g. '2024-06-18 09:00'")] = "",
    slot_minutes: Annotated[int, typer.Option(min=5, help="每轮分钟数 / minutes a meeting")] = 20,
    break_minutes: Annotated[int, typer.Option(min=0, help="轮间休息 / minutes between")] = 5,
    tables: Annotated[int | None, typer.Option(min=1, help="桌数 / tables in the room")] = None,
    min_score: Annotated[
        float | None, typer.Option(min=0, max=100, help="最低匹配度 / lowest score a pair may have")
    ] = None,
    actor: ActorOption = None,
) -> None:
    """Pair scientists with enterprises for a 双百链接 event and write its schedule / 对接活动."""
    from ..matching.event import plan_pairs, record_event, schedule, write_schedule
    from ..matching.pairing import PairingError

    try:
        begin = (
            dt.datetime.strptime(start, "%Y-%m-%d %H:%M")
            if start
            else dt.datetime.combine(dt.date.today() + dt.timedelta(days=1), dt.time(9))
        )
    except ValueError:
        err.print(
            "[red]✗[/] 开始时间格式应为 2024-06-18 09:00 / --start must look like 2024-06-18 09:00"
        )
        raise typer.Exit(2) from None
    excluded = _read_exclusions(exclude) if exclude else set()
    matcher = _matcher()
    try:
        chosen = plan_pairs(
            matcher, pairs, capacity=capacity, excluded=excluded, min_score=min_score
        )
        meetings = schedule(
            chosen,
            start=begin,
            slot_minutes=slot_minutes,
            tables=tables,
            break_minutes=break_minutes,
        )
    except PairingError as error:
        _fail(error)
    _note_rebuilt(matcher)
    total = sum(p.score for p in chosen)
    about = [
        ("配对数 Pairs", len(chosen)),
        ("每位专家上限 Capacity", capacity),
        ("排除对数 Exclusions", len(excluded)),
        ("总匹配度 Total score", round(total, 1)),
        ("轮次 Slots", max((m.slot for m in meetings), default=0)),
        ("生成时间 Generated", dt.datetime.now().strftime("%Y-%m-%d %H:%M")),
        ("权重 Weights", matcher.weights.describe(matcher.embedder is not None)),
    ]
    write_schedule(meetings, output, about=about)
    record_event(
        matcher.engine,
        output,
        actor=actor_name(actor),
        pairs=len(chosen),
        capacity=capacity,
        exclusions=len(excluded),
        total_score=round(total, 1),
    )
    console.print(
        f"[green]✓[/] {len(chosen)} 对 pairs, 总匹配度 total score {total:.1f}, "
        f"{about[4][1]} 轮 slots → {output}"
    )


# --- challenges ------------------------------------------------------------------------------


def _deadline(text: str) -> dt.date:
    from ..domain.values import parse_date

    return parse_date(text, allow_future=True)


def _board(action):
    """Run one board operation in a transaction; print its bilingual error if refused."""
    from ..domain.errors import InvalidValue
    from ..matching.chainlink import ChainsUnavailable
    from ..matching.challenges import ChallengeError
    from ..store.db import session_scope

    try:
        with session_scope(open_engine()) as session:
            return action(session)
    except (ChallengeError, InvalidValue, ChainsUnavailable) as error:
        _fail(error)


BountyOption = Annotated[str, typer.Option(help="榜额，如 500万 或 5000000 / bounty in yuan")]
DeadlineOption = Annotated[str, typer.Option(help="揭榜截止日期 / last day to apply")]
RequirementsOption = Annotated[str, typer.Option(help="榜单要求 / what a solution must meet")]


@challenge_app.command("create")
def challenge_create(
    title: Annotated[str, typer.Option(help="榜单名称 / title")],
    description: Annotated[str, typer.Option(help="榜单内容 / what is sought")],
    requirements: RequirementsOption,
    bounty: BountyOption,
    deadline: DeadlineOption,
    field: Annotated[str | None, typer.Option(help="技术领域 / field")] = None,
    actor: ActorOption = None,
) -> None:
    """Write a challenge by hand (draft) / 新建榜单."""
    from ..matching import challenges
    from ..matching.fields import parse_field

    made = _board(
        lambda s: (
            challenges.create(
                s,
                title=title,
                description=description,
                requirements=requirements,
                bounty=parse_yuan_text(bounty),
                deadline=_deadline(deadline),
                actor=actor_name(actor),
                field=parse_field(field) if field else None,
            ).id
        )
    )
    console.print(f"[green]✓[/] 榜单 challenge #{made} 草稿 draft")


@challenge_app.command("from-list")
def challenge_from_list(
    chain: Annotated[str, typer.Argument(help="产业链代号 / chain key")],
    node: Annotated[str, typer.Argument(help="节点代号 / node key")],
    requirements: RequirementsOption,
    bounty: BountyOption,
    deadline: DeadlineOption,
    technology: Annotated[str | None, typer.Option(help="技术名称 / technology")] = None,
    actor: ActorOption = None,
) -> None:
    """A challenge from an item of a chain's technology list (技术清单) / 由技术清单生成榜单."""
    from ..matching import challenges

    made = _board(
        lambda s: (
            challenges.create_from_technology_list(
                s,
                chain_key=chain,
                node_key=node,
                technology=technology,
                bounty=parse_yuan_text(bounty),
                deadline=_deadline(deadline),
                requirements=requirements,
                actor=actor_name(actor),
            ).id
        )
    )
    console.print(f"[green]✓[/] 榜单 challenge #{made} 草稿 draft")


@challenge_app.command("from-demand")
def challenge_from_demand(
    demand: Annotated[str, typer.Argument(help="需求 id 或编号 / demand id or code")],
    requirements: RequirementsOption,
    bounty: BountyOption,
    deadline: DeadlineOption,
    actor: ActorOption = None,
) -> None:
    """A challenge from an enterprise's technical demand / 由技术需求生成榜单."""
    from ..matching import challenges
    from ..matching.matcher import NotFound

    matcher = _matcher()
    try:
        row = matcher.row("demands", demand)
    except NotFound as error:
        _fail(error)
    made = _board(
        lambda s: (
            challenges.create_from_demand(
                s,
                row.id,
                bounty=parse_yuan_text(bounty),
                deadline=_deadline(deadline),
                requirements=requirements,
                actor=actor_name(actor),
            ).id
        )
    )
    console.print(f"[green]✓[/] 榜单 challenge #{made} 草稿 draft")


@challenge_app.command("list")
def challenge_list(
    state: Annotated[str | None, typer.Option(help="只看某状态 / only this state")] = None,
) -> None:
    """The board / 榜单列表."""
    import sqlalchemy as sa
    from rich.table import Table

    from ..matching.challenges import STATES
    from ..store.db import session_scope
    from ..store.models.matching import Challenge

    table = Table("#", "名称 title", "榜额 bounty", "截止 deadline", "状态 state", "申请 apps")
    with session_scope(open_engine()) as session:
        query = sa.select(Challenge).order_by(Challenge.id)
        if state:
            query = query.where(Challenge.state == state)
        for c in session.scalars(query):
            table.add_row(
                str(c.id),
                c.title,
                f"{c.bounty:,.2f}",
                str(c.deadline),
                f"{STATES[c.state].zh} {c.state}",
                str(len(c.applications)),
            )
    console.print(table)


@challenge_app.command("show")
def challenge_show(challenge_id: Annotated[int, typer.Argument(help="榜单编号 / id")]) -> None:
    """A challenge with its applications, scores and history / 榜单详情."""
    from ..matching import challenges

    def show(session):
        c = challenges.get(session, challenge_id, lock=False)
        console.print(f"[bold]#{c.id} {c.title}[/]  {challenges.STATES[c.state].zh} ({c.state})")
        console.print(
            f"榜额 bounty {c.bounty:,.2f} 元 · 截止 deadline {c.deadline} · 来源 origin {c.origin}"
        )
        console.print(f"内容 description: {c.description}\n要求 requirements: {c.requirements}")
        for application, mean in challenges.ranking(c):
            scores = ", ".join(f"{r.reviewer}:{r.score}" for r in application.reviews) or "—"
            shown = "—" if mean is None else f"{mean:.1f}"
            console.print(
                f"  申请 application #{application.id} {application.applicant} "
                f"[{application.status}] 平均 mean {shown} ({scores})"
            )
        for entry in challenges.history(session, c.id):
            console.print(
                f"  [dim]{entry.at:%Y-%m-%d %H:%M} {entry.actor} {entry.action} "
                f"{json.dumps(entry.detail, ensure_ascii=False)}[/]"
            )

    _board(show)


def _step(name: str, help_text: str, *, reason: bool = False):
    """A lifecycle command that takes the challenge id (and a reason where the step needs one)."""

    def command(
        challenge_id: Annotated[int, typer.Argument(help="榜单编号 / id")],
        reason_text: Annotated[str | None, typer.Option("--reason", help="原因 / reason")] = None,
        actor: ActorOption = None,
    ) -> None:
        from ..matching import challenges

        def run(session):
            kwargs = {"actor": actor_name(actor)}
            if reason or reason_text:
                kwargs["reason"] = reason_text
            return getattr(challenges, name)(session, challenge_id, **kwargs).state

        state = _board(run)
        console.print(f"[green]✓[/] #{challenge_id} → {challenges.STATES[state].zh} {state}")

    command.__doc__ = help_text
    return command


challenge_app.command("publish")(_step("publish", "Publish a draft / 发布榜单"))
challenge_app.command("close")(_step("close", "Stop applications / 截止揭榜"))
challenge_app.command("review")(_step("start_review", "Start the review / 开始评审"))
challenge_app.command("fail")(_step("fail", "End without award, with a reason / 流榜", reason=True))


@challenge_app.command("apply")
def challenge_apply(
    challenge_id: Annotated[int, typer.Argument(help="榜单编号 / id")],
    applicant: Annotated[str, typer.Option(help="揭榜单位或团队 / applying team")],
    proposal: Annotated[str, typer.Option(help="技术方案 / proposal")],
    expert: Annotated[str | None, typer.Option(help="牵头专家编号 / lead expert code")] = None,
    result_code: Annotated[
        str | None, typer.Option("--result", help="依托成果编号 / result it builds on")
    ] = None,
    actor: ActorOption = None,
) -> None:
    """Apply to take up a challenge (揭榜) / 揭榜申请."""
    import sqlalchemy as sa

    from ..matching import challenges
    from ..store.models.matching import Expert, ResearchResult

    def run(session):
        expert_id = result_id = None
        if expert:
            expert_id = session.scalar(sa.select(Expert.id).where(Expert.code == expert.upper()))
            if expert_id is None:
                raise challenges.ChallengeError(
                    "not_found", f"没有专家编号 {expert}", f"no expert with code {expert}"
                )
        if result_code:
            result_id = session.scalar(
                sa.select(ResearchResult.id).where(ResearchResult.code == result_code.upper())
            )
            if result_id is None:
                raise challenges.ChallengeError(
                    "not_found", f"没有成果编号 {result_code}", f"no result with code {result_code}"
                )
        return challenges.apply(
            session,
            challenge_id,
            applicant=applicant,
            proposal=proposal,
            actor=actor_name(actor),
            expert_id=expert_id,
            result_id=result_id,
        ).id

    made = _board(run)
    console.print(f"[green]✓[/] 申请 application #{made} → 榜单 challenge #{challenge_id}")


@challenge_app.command("score")
def challenge_score(
    application_id: Annotated[int, typer.Argument(help="申请编号 / application id")],
    reviewer: Annotated[str, typer.Option(help="评审专家 / reviewer")],
    points: Annotated[int, typer.Option("--score", help="0–100")],
    comment: Annotated[str | None, typer.Option(help="评语 / comment")] = None,
    actor: ActorOption = None,
) -> None:
    """A reviewer scores an application / 评审打分."""
    from ..matching import challenges

    _board(
        lambda s: challenges.score(
            s,
            application_id,
            reviewer=reviewer,
            points=points,
            comment=comment,
            actor=actor_name(actor),
        )
    )
    console.print(f"[green]✓[/] #{application_id}: {reviewer} → {points}")


@challenge_app.command("award")
def challenge_award(
    challenge_id: Annotated[int, typer.Argument(help="榜单编号 / id")],
    application_id: Annotated[int, typer.Option("--application", help="授榜申请 / winning one")],
    reason: Annotated[
        str | None, typer.Option(help="不是最高分时须说明 / needed if it is not the best score")
    ] = None,
    actor: ActorOption = None,
) -> None:
    """Award the challenge to one application / 授榜."""
    from ..matching import challenges

    _board(
        lambda s: challenges.award(
            s, challenge_id, application_id, actor=actor_name(actor), reason=reason
        )
    )
    console.print(f"[green]✓[/] #{challenge_id} → 已授榜 awarded (#{application_id})")
