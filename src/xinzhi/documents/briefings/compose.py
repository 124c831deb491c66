"""Compose a briefing: measure the period's figures and word them section by section.

Sections are pluggable: ``SECTIONS`` lists builders ``(Context) -> Section | None``, and a
builder returns None when its data is absent (no chains stored, no policy run for the year),
so the areas still being built (future-industry tracks, compute centres) add a builder with
``register_section`` and older databases simply leave the section out. A district briefing
measures only that district: its builders filter every query by the district and leave out
the city-wide sections (the district table, chains).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from decimal import Decimal

import pyarrow.compute as pc
import sqlalchemy as sa
from sqlalchemy import Connection, Engine

from ...domain.money import FEN_PER_YUAN
from ...metrics.figures import (
    ContractMonths,
    FirmCounts,
    PlatformRow,
    Scope,
    Source,
    Stock,
    contract_months,
    count_firms,
    count_platforms,
    find_target,
    load_platforms,
    load_scope,
    rank_of,
    stock,
    stock_dates,
    table_source,
    to_yi,
)
from ...metrics.periods import Period
from ...store import models
from ...store.models.runs import EvaluationRun
from . import wording as w
from .content import Briefing, Bullet, Chart, Note, Section, Table

ENTERPRISE_TARGETS = ("科技型企业数量", "科技型企业")
HNTE_TARGETS = ("国家高新技术企业数量", "高新技术企业数量", "高新技术企业")
TIERS = (  # assessment families shown in the gradient section, in order
    ("sme", "科技型中小企业"),
    ("hnte", "高新技术企业（预评价通过）"),
    ("eaglet", "雏鹰企业"),
    ("gazelle", "瞪羚企业"),
    ("unicorn", "独角兽企业"),
)
MODES_ZH = {
    "self_rd": "自主研发",
    "joint": "联合攻关",
    "open_competition": "揭榜挂帅",
    "transplant": "带土移植",
    "basic_research": "基础研究",
}


@dataclass
class Context:
    """What every section builder reads: the period, the scope, the measured tables, and the
    notes the figures cite (one note per distinct source)."""

    conn: Connection
    engine: Engine
    period: Period
    scope: Scope
    firms: FirmCounts
    contracts: ContractMonths
    platforms: list[PlatformRow]
    charts: bool = True
    notes: list[Note] = field(default_factory=list)
    _note_numbers: dict[tuple[str, str], int] = field(default_factory=dict)
    _sources: dict[str, Source] = field(default_factory=dict)

    def source(self, name: str, model, where=(), district_column=None) -> Source:
        """``table_source`` once per briefing for each ``name`` (sections share figures)."""
        if name not in self._sources:
            self._sources[name] = table_source(
                self.conn, model, self.scope, where=where, district_column=district_column
            )
        return self._sources[name]

    def cite(self, figure: str, source: Source) -> int:
        key = (figure, source.text)
        if key not in self._note_numbers:
            number = len(self.notes) + 1
            self.notes.append(Note(number, figure, source.text))
            self._note_numbers[key] = number
        return self._note_numbers[key]

    @property
    def region(self) -> str:
        return self.scope.region_zh

    @property
    def district_id(self) -> int | None:
        return self.scope.district_id

    def target(self, names: tuple[str, ...]) -> tuple[Decimal | None, dt.date | None]:
        region = self.scope.name or _city_region(self.conn, self.scope)
        return find_target(self.conn, names, self.period.year, region)


def _city_region(conn: Connection, scope: Scope) -> str:
    """The name the city's own targets use: the region that is not a district."""
    T = models.Target
    names = conn.scalars(sa.select(T.region).distinct()).all()
    others = [n for n in names if n not in scope.districts.values()]
    return others[0] if others else "全市"


SectionBuilder = Callable[[Context], Section | None]
SECTIONS: list[tuple[str, SectionBuilder]] = []


def register_section(key: str, builder: SectionBuilder, *, before: str | None = None) -> None:
    """Add a section (e.g. future-industry tracks, compute) to every briefing from now on."""
    global SECTIONS
    SECTIONS = [(k, b) for k, b in SECTIONS if k != key]
    keys = [k for k, _ in SECTIONS]
    at = keys.index(before) if before in keys else len(SECTIONS)
    SECTIONS.insert(at, (key, builder))


# --- stocks of firms -------------------------------------------------------------------------------


def _completion(value, target) -> Decimal | None:
    if value is None or not target:
        return None
    return Decimal(value) * 100 / Decimal(target)


def _stock_bullet(ctx: Context, label: str, figure: Stock, target, unit: str, note: int) -> Bullet:
    p = ctx.period
    text = f"截至{w.date_zh(figure.as_of)}，{ctx.region}{label}达到{w.number(figure.value)}{unit}"
    if figure.value is None:
        text = f"{p.label_zh}{ctx.region}{label}：{w.MISSING}"
        return Bullet(text + "。", (note,))
    completion = _completion(figure.value, target)
    if target is not None:
        text += f"，实现全年目标（{w.number(target)}{unit}）的{w.percent(completion)}"
        if completion >= 100 and figure.as_of and figure.as_of < dt.date(p.year, 12, 31):
            text += "，提前完成全年目标"
    text += "，" + w.yoy(figure.yoy_percent)
    if p.kind != "annual":
        text += "，" + w.versus_previous(figure.change, figure.change_before, p.comparison_zh, unit)
    if ctx.district_id is not None:
        position, of = rank_of(figure.by_district, ctx.district_id)
        text += w.rank(position, of)
    return Bullet(text + "。", (note,))


# --- sections ------------------------------------------------------------------------------------


def headline_section(ctx: Context) -> Section:
    """The 图鉴's headline bullets and the KPI table against targets."""
    section = Section("headline", "一、主要指标")
    E = models.Enterprise
    registry = ctx.source("registry", E, district_column=E.district_id)
    firms_note = ctx.cite("科技型企业总数", registry)
    enterprises = stock(ctx.firms, ctx.firms.enterprises, ctx.period, ctx.scope)
    target, _ = ctx.target(ENTERPRISE_TARGETS)
    section.bullets.append(
        _stock_bullet(ctx, "科技型企业总数", enterprises, target, "家", firms_note)
    )
    hnte_source = ctx.source(
        "hnte", E, where=(E.hnte_certified_on.is_not(None),), district_column=E.district_id
    )
    hnte_note = ctx.cite("高新技术企业（有效证书）", hnte_source)
    hnte = stock(ctx.firms, ctx.firms.hnte, ctx.period, ctx.scope)
    hnte_target, _ = ctx.target(HNTE_TARGETS)
    section.bullets.append(
        _stock_bullet(ctx, "持有有效证书的高新技术企业", hnte, hnte_target, "家", hnte_note)
    )
    contracts = _contract_figures(ctx)
    section.bullets.append(contracts.bullet)
    platforms = _platform_bullets(ctx)
    section.bullets.extend(platforms[:1])
    rows = [
        _kpi_row(
            "科技型企业", "家", enterprises.value, target, enterprises.yoy_percent, firms_note
        ),
        _kpi_row(
            "高新技术企业（有效证书）",
            "家",
            hnte.value,
            hnte_target,
            hnte.yoy_percent,
            hnte_note,
        ),
        _kpi_row(
            "登记技术合同",
            "项",
            contracts.count,
            None,
            contracts.count_yoy,
            contracts.note,
        ),
        _kpi_row(
            "技术合同成交额",
            "亿元",
            contracts.amount,
            find_target(ctx.conn, ("技术合同成交额",), ctx.period.year, _region_name(ctx))[0],
            contracts.amount_yoy,
            contracts.note,
        ),
    ]
    section.tables.append(
        Table(
            f"{ctx.period.label_zh}主要指标完成情况",
            ("指标", "单位", "本期", "全年目标", "完成率", "同比", "注"),
            tuple(rows),
        )
    )
    return section


def _region_name(ctx: Context) -> str:
    return ctx.scope.name or _city_region(ctx.conn, ctx.scope)


def _kpi_row(name, unit, value, target, yoy_percent, note) -> tuple[str, ...]:
    completion = _completion(value, target)
    change = w.yoy(yoy_percent).removeprefix("同比") if yoy_percent is not None else w.MISSING
    return (
        name,
        unit,
        w.number(value),
        "—" if target is None else w.number(target),
        "—" if target is None else w.percent(completion),
        change,
        f"[{note}]",
    )


@dataclass(frozen=True)
class ContractFigures:
    count: int | None
    amount: Decimal | None
    count_yoy: Decimal | None
    amount_yoy: Decimal | None
    note: int
    bullet: Bullet


def _change_percent(now, then) -> Decimal | None:
    if now is None or not then:
        return None
    return (Decimal(now) - Decimal(then)) * 100 / Decimal(then)


def _contract_figures(ctx: Context) -> ContractFigures:
    C = models.TechContract
    p = ctx.period
    # the contracts' batches of the period (a district's are among them: by seller)
    source = ctx.source(
        "contracts", C, where=(C.registered_on >= p.start, C.registered_on <= p.end)
    )
    if ctx.district_id is not None:
        source = replace(source, detail=source.detail + "；按卖方企业所在区县统计")
    note = ctx.cite("技术合同", source)
    count, amount = ctx.contracts.total(p, ctx.district_id)
    count_ago, amount_ago = ctx.contracts.total(p.year_ago(), ctx.district_id)
    _, amount_prev = ctx.contracts.total(p.previous(), ctx.district_id)
    _, amount_prev2 = ctx.contracts.total(p.previous().previous(), ctx.district_id)
    if count is None:
        text = f"{p.label_zh}{ctx.region}登记技术合同：{w.MISSING}。"
    else:
        text = (
            f"{p.label_zh}{ctx.region}登记技术合同{w.number(count)}项，技术合同成交额达到"
            f"{w.number(amount)}亿元，{w.yoy(_change_percent(amount, amount_ago))}"
        )
        partial = ctx.contracts.latest is not None and ctx.contracts.latest < p.end
        if p.kind != "annual" and partial:
            # a period the data covers only in part is not compared with a whole one
            text += f"，本期数据不完整，暂不与{p.comparison_zh}比较"
        elif p.kind != "annual":
            change = None if amount_prev is None else amount - amount_prev
            before = (
                None if amount_prev is None or amount_prev2 is None else amount_prev - amount_prev2
            )
            text += "，成交额" + w.versus_previous(change, before, p.comparison_zh, "亿元")
        if ctx.district_id is not None:
            position, of = rank_of(
                {d: yi for d, (_, yi) in ctx.contracts.by_district(p, ctx.scope.districts).items()},
                ctx.district_id,
            )
            text += w.rank(position, of)
        if ctx.contracts.latest and ctx.contracts.latest < p.end:
            text += f"（数据截至{w.date_zh(ctx.contracts.latest)}）"
        text += "。"
    return ContractFigures(
        count,
        amount,
        _change_percent(count, count_ago),
        _change_percent(amount, amount_ago),
        note,
        Bullet(text, (note,)),
    )


def _platform_bullets(ctx: Context) -> list[Bullet]:
    P = models.Platform
    p = ctx.period
    if not ctx.platforms:
        note = ctx.cite("创新平台", Source("platforms", "无记录", None))
        return [Bullet(f"{ctx.region}创新平台：{w.MISSING}。", (note,))]
    source = ctx.source("platforms", P, district_column=P.district_id)
    note = ctx.cite("创新平台", source)
    until = min(p.end, source.as_of) if source.as_of else p.end
    new_national = count_platforms(
        ctx.platforms, ctx.scope, since=p.start, until=p.end, level="national"
    )
    national = count_platforms(ctx.platforms, ctx.scope, until=p.end, level="national")
    everything = count_platforms(ctx.platforms, ctx.scope, until=p.end)
    new_pilot = count_platforms(
        ctx.platforms, ctx.scope, since=p.start, until=p.end, kind="pilot_base"
    )
    pilot = count_platforms(ctx.platforms, ctx.scope, until=p.end, kind="pilot_base")
    return [
        Bullet(
            f"{p.label_zh}{ctx.region}新增国家级科技创新平台{new_national}个，总数达到{national}个；"
            f"各级各类创新平台总数{everything}个（截至{w.date_zh(until)}）。",
            (note,),
        ),
        Bullet(
            f"新获批科技成果转化中试基地{new_pilot}家，总数达到{pilot}家。",
            (note,),
        ),
    ]


def districts_section(ctx: Context) -> Section | None:
    """The district table (city briefings only: a district sees its own figures alone)."""
    if ctx.district_id is not None or not ctx.scope.districts:
        return None
    p = ctx.period
    section = Section("districts", "二、各区县情况")
    E = models.Enterprise
    note = ctx.cite("科技型企业总数", ctx.source("registry", E, district_column=E.district_id))
    contracts = ctx.contracts.by_district(p, ctx.scope.districts)
    enterprises = {d: ctx.firms.enterprises[p.end].get(d, 0) for d in ctx.scope.districts}
    hnte = ctx.firms.hnte[p.end]
    ago = ctx.firms.enterprises[p.year_ago().end]
    T = models.Target
    targets = dict(
        ctx.conn.execute(
            sa.select(T.region, T.value).where(
                T.indicator.in_(ENTERPRISE_TARGETS), T.year == p.year
            )
        ).all()
    )
    city = stock(ctx.firms, ctx.firms.enterprises, p, ctx.scope)  # known for the city: known here
    contracts_known = ctx.contracts.total(p, None)[0] is not None
    rows, done = [], []
    for did, name in ctx.scope.districts.items():
        value = enterprises[did] if city.value is not None else None
        target = targets.get(name)
        completion = _completion(value, target)
        if completion is not None and completion >= 100:
            done.append(name)
        previous = ago.get(did, 0) if city.year_ago is not None else None
        position, _ = rank_of(enterprises, did)
        rows.append(
            (
                name,
                w.number(value),
                "—" if target is None else w.number(target),
                "—" if target is None else w.percent(completion),
                w.yoy(_change_percent(value, previous)).removeprefix("同比"),
                w.number(hnte.get(did, 0) if city.value is not None else None),
                w.number(contracts[did][1] if contracts_known else None),
                str(position),
            )
        )
    rows.sort(key=lambda r: int(r[-1]))
    section.tables.append(
        Table(
            f"{p.label_zh}各区县科技型企业、高新技术企业与技术合同",
            (
                "区县",
                "科技型企业（家）",
                "全年目标",
                "完成率",
                "同比",
                "高企有效证书（家）",
                "技术合同成交额（亿元）",
                "排名",
            ),
            tuple(rows),
            (note,),
        )
    )
    completions = {
        name: _completion(enterprises[did], targets.get(name))
        for did, name in ctx.scope.districts.items()
        if city.value is not None and targets.get(name)
    }
    if completions:
        best = max(completions, key=completions.get)
        worst = min(completions, key=completions.get)
        section.bullets.append(
            Bullet(
                f"科技型企业目标完成率最高的是{best}（{w.percent(completions[best])}），"
                f"最低的是{worst}（{w.percent(completions[worst])}）。",
                (note,),
            )
        )
    if done:
        section.bullets.append(
            Bullet(f"已完成全年科技型企业目标的区县：{'、'.join(done)}。", (note,))
        )
    if ctx.charts and city.value is not None:
        from .charts import district_bars

        section.charts.append(
            Chart(
                "各区县科技型企业数与全年目标",
                district_bars(
                    [r[0] for r in rows],
                    [0 if r[1] == w.MISSING else int(r[1]) for r in rows],
                    [None if r[2] == "—" else float(r[2]) for r in rows],
                ),
            )
        )
    return section


def _assessment_run(ctx: Context, before: dt.date | None = None) -> EvaluationRun | None:
    """The latest assessment run describing the period (data date within the year, by its end)."""
    R = EvaluationRun
    query = (
        sa.select(R)
        .where(R.kind == "assessment", R.as_of <= (before or ctx.period.end))
        .order_by(R.as_of.desc(), R.id.desc())
    )
    if before is not None:
        query = query.where(R.as_of < before)
    else:
        query = query.where(R.as_of >= dt.date(ctx.period.year, 1, 1))
    from sqlalchemy.orm import Session

    with Session(ctx.engine) as session:
        run = session.scalars(query.limit(1)).first()
        if run is not None:
            session.expunge(run)
    return run


def _passes(run: EvaluationRun, district_id: int | None) -> dict[str, set[int]]:
    """Per assessment family, the firms that passed in ``run`` (in the district)."""
    import pyarrow.parquet as pq

    where = [("status", "=", "pass")]
    if district_id is not None:
        where.append(("district_id", "=", district_id))
    results = pq.read_table(
        run.results_path, columns=["enterprise_id", "assessment"], filters=where
    )
    family = {d["id"]: d.get("family", d["id"]) for d in run.declarations}
    out: dict[str, set[int]] = {}
    for assessment in pc.unique(results["assessment"]).to_pylist():
        rows = results.filter(pc.equal(results["assessment"], assessment))
        out.setdefault(family.get(assessment, assessment), set()).update(
            rows["enterprise_id"].to_pylist()
        )
    return out


def gradient_section(ctx: Context) -> Section:
    """Tier counts (the latest assessment run of the period) and new entrants (against the
    run before it); either is 数据缺失 when no run describes it."""
    section = Section("gradient", "三、梯度培育")
    run = _assessment_run(ctx)
    if run is None:
        note = ctx.cite("梯度培育", Source("evaluation_runs", "本期无评价运行", None))
        section.bullets.append(
            Bullet(
                f"{ctx.period.label_zh}{ctx.region}科技型中小企业、雏鹰、瞪羚、独角兽企业："
                f"{w.MISSING}（本期尚无评价运行，运行 xinzhi assess）。",
                (note,),
            )
        )
        return section
    note = ctx.cite(
        "梯度培育（评价通过）",
        Source(
            "evaluation_runs",
            f"评价运行 #{run.id}（{run.actor}，规则集 {run.rule_set_hash[:8]}）",
            run.as_of,
        ),
    )
    passes = _passes(run, ctx.district_id)
    earlier = _assessment_run(ctx, before=run.as_of)
    earlier_passes = _passes(earlier, ctx.district_id) if earlier else None
    rows = []
    for family, zh in TIERS:
        if not any(d.get("family", d["id"]) == family for d in run.declarations):
            continue
        now = passes.get(family, set())
        if earlier_passes is None:
            new = None
        else:
            new = len(now - earlier_passes.get(family, set()))
        rows.append((zh, str(len(now)), w.number(new)))
    counts = {zh: count for zh, count, _ in rows}
    parts = [f"{zh}{counts[zh]}家" for zh, _, _ in rows if zh != "高新技术企业（预评价通过）"]
    section.bullets.append(
        Bullet(
            f"按评价日期{w.date_zh(run.as_of)}的评价结果，{ctx.region}" + "，".join(parts) + "。",
            (note,),
        )
    )
    new_text = "；".join(
        f"新增{zh.removesuffix('企业')}企业{new}家"
        for zh, _, new in rows
        if zh in ("雏鹰企业", "瞪羚企业", "独角兽企业")
    )
    if earlier is None:
        section.bullets.append(
            Bullet(f"新增雏鹰、瞪羚、独角兽企业：{w.MISSING}（没有更早的评价运行可比）。", (note,))
        )
    else:
        earlier_note = ctx.cite(
            "梯度培育（上次评价）",
            Source("evaluation_runs", f"评价运行 #{earlier.id}", earlier.as_of),
        )
        section.bullets.append(
            Bullet(f"与{w.date_zh(earlier.as_of)}的评价相比，{new_text}。", (note, earlier_note))
        )
    hnte_row = next((r for r in rows if r[0].startswith("高新技术企业")), None)
    if hnte_row:
        section.bullets.append(
            Bullet(
                f"高新技术企业预评价通过{hnte_row[1]}家（按认定条件评价现有数据；"
                "持有有效证书的企业数见“主要指标”）。",
                (note,),
            )
        )
    section.tables.append(
        Table("梯度培育企业", ("梯度", "评价通过（家）", "新增（家）"), tuple(rows), (note,))
    )
    return section


def contracts_section(ctx: Context) -> Section:
    p = ctx.period
    section = Section("contracts", "四、技术合同")
    figures = _contract_figures(ctx)
    section.bullets.append(figures.bullet)
    if figures.count is not None and ctx.charts:
        from .charts import cumulative_lines

        upto = p.last_month
        this_year = ctx.contracts.cumulative(p.year, ctx.district_id, upto)
        last_known = ctx.contracts.total(Period("annual", p.year - 1), ctx.district_id)[0]
        last_year = (
            ctx.contracts.cumulative(p.year - 1, ctx.district_id, upto)
            if last_known is not None
            else None
        )
        if ctx.contracts.latest and ctx.contracts.latest.year == p.year:
            this_year = this_year[: min(upto, ctx.contracts.latest.month)]
        section.charts.append(
            Chart(
                f"{ctx.region}技术合同成交额月度累计（亿元）",
                cumulative_lines(p.year, this_year, last_year),
            )
        )
    months = []
    for year, month in p.months:
        count, yi = ctx.contracts.total(Period("monthly", year, month), ctx.district_id)
        months.append((f"{year}年{month}月", w.number(count), w.number(yi)))
    section.tables.append(
        Table(
            "技术合同登记情况（按月）",
            ("月份", "登记技术合同（项）", "成交额（亿元）"),
            tuple(months),
            (figures.note,),
        )
    )
    return section


def platforms_section(ctx: Context) -> Section:
    section = Section("platforms", "五、创新平台")
    section.bullets.extend(_platform_bullets(ctx))
    p = ctx.period
    if ctx.platforms:
        from ...domain.enums import PlatformKind

        kinds = Counter(
            row.kind
            for row in ctx.platforms
            if row.level == "national"
            and row.approved_on is not None
            and row.approved_on <= p.end
            and (ctx.district_id is None or row.district_id == ctx.district_id)
        )
        new = Counter(
            row.kind
            for row in ctx.platforms
            if row.level == "national"
            and row.approved_on is not None
            and p.start <= row.approved_on <= p.end
            and (ctx.district_id is None or row.district_id == ctx.district_id)
        )
        labels = {k.value: k.zh for k in PlatformKind}
        rows = tuple(
            (labels.get(kind, kind), str(new.get(kind, 0)), str(total))
            for kind, total in kinds.most_common()
        )
        note = section.bullets[0].notes
        section.tables.append(
            Table("国家级创新平台（按类型）", ("类型", "本期新增", "总数"), rows, note)
        )
    return section


def chains_section(ctx: Context) -> Section | None:
    """问题清单 / 技术清单 of the chains stored (city briefings; none stored: no section)."""
    if ctx.district_id is not None:
        return None
    from ...chains.analysis import analyse_chain
    from ...chains.catalogue import resolve_chain
    from ...chains.linking import registry_rows
    from ...chains.repository import list_chains
    from ...chains.rules import load_rules

    stored = list_chains(ctx.engine)
    if not stored:
        return None
    section = Section("chains", "六、产业链关键核心技术攻关")
    problems = technologies = 0
    modes: Counter = Counter()
    rows = []
    rules = load_rules()
    registry = registry_rows(ctx.engine)  # one read of the registry links every chain
    analyses = [
        analyse_chain(ctx.engine, resolve_chain(ctx.engine, chain["key"]), rules, registry)
        for chain in stored
    ]
    for chain, analysis in zip(stored, analyses, strict=True):
        problems += len(analysis.problems)
        technologies += len(analysis.technologies)
        modes.update(item.mode for item in analysis.technologies)
        rows.append((chain["name"], str(len(analysis.problems)), str(len(analysis.technologies))))
    as_of = max((c["as_of"] for c in stored if c["as_of"]), default=None)
    note = ctx.cite(
        "产业链问题清单、技术清单",
        Source(
            "chains",
            "、".join(f"{c['name']} 第{c['version']}版" for c in stored),
            as_of,
        ),
    )
    mode_text = "，".join(f"{MODES_ZH.get(m, m)}{n}项" for m, n in modes.most_common())
    section.bullets.append(
        Bullet(
            f"{len(stored)}条重点产业链梳理关键核心技术攻坚问题清单{problems}项、技术清单"
            f"{technologies}项；按攻关方式，{mode_text}。",
            (note,),
        )
    )
    section.tables.append(
        Table("各产业链清单", ("产业链", "问题清单（项）", "技术清单（项）"), tuple(rows), (note,))
    )
    section.tables.append(
        Table(
            "技术清单按攻关方式",
            ("攻关方式", "项目（项）"),
            tuple((MODES_ZH.get(m, m), str(n)) for m, n in modes.most_common()),
            (note,),
        )
    )
    return section


def policies_section(ctx: Context) -> Section | None:
    """免申即享 payouts of the latest policy run of the year (none: 数据缺失)."""
    R = EvaluationRun
    p = ctx.period
    record = ctx.conn.execute(
        sa.select(R.id, R.as_of, R.results_path, R.declarations, R.actor)
        .where(R.kind == "policy", R.as_of >= dt.date(p.year, 1, 1), R.as_of <= p.end)
        .order_by(R.as_of.desc(), R.id.desc())
        .limit(1)
    ).first()
    section = Section("policies", "七、政策兑现（免申即享）")
    if record is None or not record.results_path:
        note = ctx.cite("政策兑现", Source("evaluation_runs", "本期无政策运行", None))
        section.bullets.append(
            Bullet(f"{p.label_zh}{ctx.region}政策兑现：{w.MISSING}（本期尚无政策运行）。", (note,))
        )
        return section
    import pyarrow.parquet as pq

    from ...policies.declarations import load_policies

    payouts = pq.read_table(
        record.results_path, columns=["enterprise_id", "district_id", "policy", "amount_paid"]
    )
    if ctx.district_id is not None:
        payouts = payouts.filter(pc.equal(payouts["district_id"], ctx.district_id))
    payouts = payouts.filter(pc.greater(pc.fill_null(payouts["amount_paid"], 0), 0))
    note = ctx.cite(
        "政策兑现",
        Source("evaluation_runs", f"政策运行 #{record.id}（{record.actor}）", record.as_of),
    )
    firms = len(pc.unique(payouts["enterprise_id"])) if payouts.num_rows else 0
    total = int(pc.sum(payouts["amount_paid"]).as_py() or 0) if payouts.num_rows else 0
    names = {}
    try:
        catalog = load_policies()
        for entry in record.declarations:
            try:
                names[entry["id"]] = catalog.get(entry["id"], record.as_of).name.zh
            except KeyError:
                names[entry["id"]] = entry["id"]
    except Exception:  # noqa: BLE001 — a broken policy file must not stop the briefing
        names = {}
    grouped = payouts.group_by("policy").aggregate(
        [("enterprise_id", "count_distinct"), ("amount_paid", "sum")]
    )
    rows = sorted(
        (
            (
                names.get(row["policy"], row["policy"]),
                str(row["enterprise_id_count_distinct"]),
                _wan(row["amount_paid_sum"]),
            )
            for row in grouped.to_pylist()
        ),
        key=lambda r: -Decimal(r[2]),
    )
    section.bullets.append(
        Bullet(
            f"{ctx.region}通过免申即享向{firms}家企业兑现政策资金{_wan(total)}万元"
            f"（政策运行日期{w.date_zh(record.as_of)}，涉及{len(rows)}项政策）。",
            (note,),
        )
    )
    section.tables.append(
        Table("政策兑现（按政策）", ("政策", "企业（家）", "金额（万元）"), tuple(rows), (note,))
    )
    return section


def _wan(fen) -> str:
    """Fen as 万元 with two decimals, without separators (a table cell under "（万元）")."""
    return w.number(Decimal(int(fen or 0)) / (10_000 * FEN_PER_YUAN), 2)


for _key, _builder in (
    ("headline", headline_section),
    ("districts", districts_section),
    ("gradient", gradient_section),
    ("contracts", contracts_section),
    ("platforms", platforms_section),
    ("chains", chains_section),
    ("policies", policies_section),
):
    register_section(_key, _builder)

NUMERALS = "一二三四五六七八九十"


def build_briefing(
    engine: Engine,
    period: Period,
    district_id: int | None = None,
    *,
    charts: bool = True,
    now: dt.datetime | None = None,
) -> Briefing:
    """Measure and word the briefing of ``period`` for the city or one district."""
    with engine.connect() as conn:
        scope = load_scope(conn, district_id)
        firms = count_firms(conn, stock_dates(period))
        contracts = contract_months(
            conn, dt.date(period.year - 2, 1, 1), max(period.end, dt.date(period.year, 12, 31))
        )
        ctx = Context(
            conn, engine, period, scope, firms, contracts, load_platforms(conn), charts=charts
        )
        sections = []
        for _, builder in SECTIONS:
            section = builder(ctx)
            if section is not None:
                sections.append(section)
    for i, section in enumerate(sections):  # number the sections present: 一、二、三 …
        title = section.title.split("、", 1)[-1]
        section.title = f"{NUMERALS[i] if i < len(NUMERALS) else i + 1}、{title}"
    kind = {"annual": "年度", "quarterly": "季度", "monthly": "月度"}[period.kind]
    region = scope.name or _city_region_name(engine)
    return Briefing(
        title=f"{region}科技创新工作简报（{period.label_zh}）",
        subtitle=f"{kind}简报 · {region if scope.name else '全市'} · 科技创新图鉴",
        region=region,
        period_label=period.label_zh,
        generated_at=now or dt.datetime.now().replace(microsecond=0),
        data_as_of=firms.registry_as_of,
        sections=sections,
        notes=ctx.notes,
    )


def _city_region_name(engine: Engine) -> str:
    with engine.connect() as conn:
        city = conn.scalar(sa.select(models.District.city).limit(1))
    return city or "全市"


__all__ = ["SECTIONS", "Context", "build_briefing", "register_section", "to_yi"]
