"""The cultivation pipeline (育苗·培干·强柱): the firms close to each tier, by district, against
the year's targets.

A firm is a 苗企 (seedling) for a tier when it fails it but is near on **every** clause it
fails, in the latest recorded run:

* a numeric clause ``value >= threshold``: its shortfall (threshold − value) / threshold, which
  the compiler records for every failed clause in every run (``d__<clause>``, the run's
  ``shortfall`` column), within a relative margin (20 % by default, per tier if set);
* the score: failed, and at most ``score_margin`` points short of the pass mark even at the high
  end of its interval (an interval still straddling the mark is a clause unknown);
* a clause without an amount (listed, no financing …): only where the declaration says it can
  be acquired (``acquirable: true``);
* and at most ``max_failed`` failed clauses in all.

A clause that cannot be measured this way keeps the firm off the list. A firm with a clause
still unknown is never a seedling — its run result names the inputs to collect — so a firm
with no valuation is not "one step from unicorn". Everything is read from the run's results, so
the pipeline costs no new evaluation and always matches what the run recorded.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Engine, select

from ..domain.errors import XinzhiError
from ..rulelang.declaration import Condition, Declaration, Text
from ..store.db import session_scope
from ..store.models import District, Target
from ..store.models.runs import EvaluationRun
from .catalogue import Catalog, load_catalog
from .runs import latest_run, read_results

# Names a family's target may have in the targets table (城市/区县年度目标).
TARGET_INDICATORS = {
    "hnte": ("国家高新技术企业数量", "高新技术企业数量", "高新技术企业"),
    "sme": ("科技型中小企业数量", "科技型中小企业", "入库科技型中小企业"),
    "eaglet": ("雏鹰企业数量", "雏鹰企业"),
    "gazelle": ("瞪羚企业数量", "瞪羚企业"),
    "unicorn": ("独角兽企业数量", "独角兽企业"),
    "potential_unicorn": ("潜在独角兽企业数量", "潜在独角兽企业"),
}
_PASS_MARK = re.compile(r"\bscore\s*(>=|>)\s*(param\.(\w+)|\d+)")


class PipelineError(XinzhiError, ValueError):
    """No assessment run to read, or a run without the tiers asked for."""


@dataclass(frozen=True)
class Distance:
    """How close a failing firm must be to count as a seedling."""

    max_failed: int = 1  # failed clauses (the score counts as one)
    score_margin: int = 10  # points short of the pass mark, when the score fails
    relative_margin: Fraction = Fraction(1, 5)  # a numeric clause's gap ≤ 20 % of its threshold
    tier_margins: tuple[tuple[str, Fraction], ...] = ()  # (assessment id or family, margin)

    def __post_init__(self):
        margins = [self.relative_margin, *(m for _, m in self.tier_margins)]
        if not (1 <= self.max_failed <= 20 and 0 <= self.score_margin <= 100) or any(
            not 0 <= m <= 1 for m in margins
        ):
            raise PipelineError(
                "距离参数须为：不符合条款数 1–20、分差 0–100、相对差距 0–100%",
                "the distance needs max_failed 1–20, score_margin 0–100 and margins 0–100 %",
            )

    def margin(self, assessment: str, family: str) -> Fraction:
        for tier, margin in self.tier_margins:
            if tier in (assessment, family):
                return margin
        return self.relative_margin


def parse_distance(
    max_failed: int | str, score_margin: int | str, margins: list[str] | str = ()
) -> Distance:
    """The distance from what a person typed (the CLI's options, the web form): ``margins``
    are percentages, ``20`` for every tier or ``unicorn=10`` for one (a list, or one text
    with commas). A bad value is a bilingual error naming it."""

    def whole(name: str, text: int | str) -> int:
        try:
            return int(str(text).strip())
        except ValueError:
            raise PipelineError(
                f"{name}：须为整数，收到“{text}”", f"{name}: a whole number is needed, got '{text}'"
            ) from None

    if isinstance(margins, str):
        margins = [m for m in margins.replace("，", ",").split(",") if m.strip()]
    default, tiers = Fraction(1, 5), []
    for text in margins:
        tier, _, value = text.rpartition("=")
        try:
            percent = Fraction(value.strip().rstrip("%")) / 100
        except (ValueError, ZeroDivisionError):
            raise PipelineError(
                f"相对差距“{text}”：须为百分数，如 20 或 unicorn=10",
                f"margin '{text}': a percentage is needed, e.g. 20 or unicorn=10",
            ) from None
        if tier.strip():
            tiers.append((tier.strip(), percent))
        else:
            default = percent
    return Distance(
        whole("max_failed", max_failed), whole("score_margin", score_margin), default, tuple(tiers)
    )


@dataclass(frozen=True)
class Seedling:
    enterprise_id: int
    credit_code: str
    name: str
    district_id: int | None
    district: str
    assessment: str
    family: str
    failed: list[str]  # clause ids
    failed_text: list[Text]
    score_low: int | None
    score_high: int | None
    score_short: int | None  # points missing to the pass mark (None: the score is not open)
    shortfalls: dict[str, float]  # failed clause → (threshold − value) / threshold
    gap: Text | None
    unknown: list[str] = field(default_factory=list)  # clauses to collect data for
    unknown_text: list[Text] = field(default_factory=list)


@dataclass(frozen=True)
class PipelineRow:
    """One tier in one district (``district_id`` None: the whole city)."""

    district_id: int | None
    district: str
    assessment: str
    family: str
    tier: Text
    passed: int
    seedlings: int
    undetermined: int
    to_collect: int  # near on what they fail, but another clause is unknown
    target: Decimal | None
    target_year: int

    @property
    def shortfall(self) -> int | None:
        """Firms still needed to reach the target (0 when reached; None without a target)."""
        if self.target is None:
            return None
        return max(0, math.ceil(self.target - self.passed))

    @property
    def covered(self) -> bool | None:
        """Whether the seedlings, if all cultivated, would close the gap to the target."""
        return None if self.shortfall is None else self.seedlings >= self.shortfall


@dataclass
class Pipeline:
    run_id: int
    as_of: dt.date
    distance: Distance
    rows: list[PipelineRow]
    seedlings: list[Seedling]
    to_collect: list[Seedling]  # near, but a clause is unknown: the data to collect first


def pass_mark(declaration: Declaration, as_of: dt.date) -> int | None:
    """The lowest total score that can pass, read from the declaration's ``passes``
    expression (``score >= param.x`` or ``score > n``); None when there is no such bound."""
    if declaration.score is None:
        return None
    match = _PASS_MARK.search(declaration.score.passes)
    if not match:
        return None
    operator, literal, name = match.groups()
    if name:
        value = declaration.parameters[name].at(as_of).value
    else:
        value = Fraction(literal)
    if value is None:
        return None
    value = Fraction(value)
    return math.floor(value) + 1 if operator == ">" else math.ceil(value)


def clause_texts(declaration: Declaration) -> dict[str, Text]:
    texts = {c.id: c.text for c in declaration.all_conditions()}
    texts["score"] = Text("评分达到要求", "score requirement")
    return texts


def build_pipeline(
    engine: Engine,
    *,
    run_id: int | None = None,
    distance: Distance = Distance(),
    district_id: int | None = None,
    families: set[str] | None = None,
    target_year: int | None = None,
    catalog: Catalog | None = None,
) -> Pipeline:
    """The pipeline of a recorded run over everyone (the latest by default)."""
    run = _run(engine, run_id)
    results = read_results(run)
    if "shortfall" not in results.column_names:
        raise PipelineError(
            f"评价记录 {run.id} 未保存各条款的差距比例（早于此功能），请重新运行 xinzhi assess",
            f"run {run.id} predates the clause shortfalls the seedling rule reads: "
            f"run `xinzhi assess` again",
        )
    catalog = catalog or load_catalog()
    year = target_year or run.as_of.year
    districts, city = _districts(engine)
    targets = _targets(engine, year)
    rows: list[PipelineRow] = []
    seedlings: list[Seedling] = []
    to_collect: list[Seedling] = []
    for entry in run.declarations:
        family = entry.get("family", entry["id"])
        if families and family not in families and entry["id"] not in families:
            continue
        declaration = catalog.get(entry["id"], run.as_of)
        part = results.filter(pc.equal(results["assessment"], entry["id"]))
        if district_id is not None:
            part = part.filter(pc.equal(part["district_id"], district_id))
        found, pending = _seedlings(
            part, declaration, family, distance, pass_mark(declaration, run.as_of), districts
        )
        seedlings += found
        to_collect += pending
        rows += _rows(
            part, found, pending, declaration, family, districts, city, targets, year, district_id
        )

    def nearest(s: Seedling):
        return (
            s.assessment,
            len(s.failed),
            s.score_short or 0,
            -(s.score_high or 0),
            s.credit_code,
        )

    seedlings.sort(key=nearest)
    to_collect.sort(key=nearest)
    return Pipeline(run.id, run.as_of, distance, rows, seedlings, to_collect)


def _run(engine: Engine, run_id: int | None) -> EvaluationRun:
    if run_id is None:
        run = latest_run(engine)
        if run is None:
            raise PipelineError(
                "尚无评价记录，请先运行 xinzhi assess",
                "no assessment run yet: run `xinzhi assess` first",
            )
        return run
    with session_scope(engine) as session:
        run = session.get(EvaluationRun, run_id)
        if run is None or run.kind != "assessment":
            raise PipelineError(f"没有编号为 {run_id} 的评价记录", f"no assessment run {run_id}")
        session.expunge(run)
    return run


def _seedlings(
    part: pa.Table,
    declaration: Declaration,
    family: str,
    distance: Distance,
    mark: int | None,
    districts: dict[int, tuple[str, str]],
) -> tuple[list[Seedling], list[Seedling]]:
    """The seedlings, then the firms near on every clause they fail but with another clause
    unknown (to collect data for, never seedlings)."""
    texts = clause_texts(declaration)
    conditions = {c.id: c for c in declaration.conditions}
    margin = distance.margin(declaration.id, family)
    failing = part.filter(pc.equal(part["status"], "fail"))
    found, to_collect = [], []
    for row in failing.to_pylist():
        failed = [c for c in (row["failed"] or "").split(",") if c]
        unknown = [c for c in (row["unknown"] or "").split(",") if c]
        if not failed or len(failed) > distance.max_failed:
            continue
        short = None
        if "score" in failed or "score" in unknown:
            # A failed score is near when even its high end is within the points margin of the
            # pass mark. An open score (its interval straddles the mark: expert-judged items
            # are known only at review) is a decisive clause still unknown: never a seedling,
            # listed with the data to collect (the review scores) when near on the rest.
            if mark is None or row["score_high"] is None:
                continue  # no measurable distance to a score we cannot bound
            short = max(0, mark - row["score_high"])
            if short > distance.score_margin:
                continue
        shortfalls = dict(row["shortfall"] or ())
        clauses = [c for c in failed if c != "score"]
        if not all(_near(conditions.get(c), shortfalls.get(c), margin) for c in clauses):
            continue
        open_ = unknown
        gap = Text(row["gap_zh"], row["gap_en"] or row["gap_zh"]) if row["gap_zh"] else None
        (to_collect if open_ else found).append(
            Seedling(
                row["enterprise_id"],
                row["credit_code"],
                row["name"],
                row["district_id"],
                districts.get(row["district_id"], ("", "—"))[1],
                declaration.id,
                family,
                failed,
                [texts.get(c, Text(c, c)) for c in failed],
                row["score_low"],
                row["score_high"],
                short,
                {c: shortfalls[c] for c in clauses if c in shortfalls},
                gap,
                open_,
                [_OPEN_SCORE if c == "score" else texts.get(c, Text(c, c)) for c in open_],
            )
        )
    return found, to_collect


_OPEN_SCORE = Text(
    "评分未定：专家评价项待补（创新能力评价，innovation_reviews 导入）",
    "score open: the expert-judged items to collect (innovation review, innovation_reviews import)",
)


def _near(condition: Condition | None, shortfall: float | None, margin: Fraction) -> bool:
    if condition is None:
        return False
    if condition.acquirable:
        return True
    # No shortfall: a clause the compiler cannot measure (not ``value >= threshold``).
    # Rounded to 9 places: a float 0.2 is a shade above 1/5, and exactly 20 % short is near.
    return shortfall is not None and Fraction(f"{shortfall:.9f}") <= margin


def _rows(part, found, pending, declaration, family, districts, city, targets, year, only_district):
    tier = declaration.name
    status = part["status"]
    by_district: dict[int | None, list[int]] = {}
    for district, state in zip(part["district_id"].to_pylist(), status.to_pylist(), strict=True):
        counts = by_district.setdefault(district, [0, 0])
        counts[0] += state == "pass"
        counts[1] += state == "undetermined"
    near: dict[int | None, int] = {}
    for seedling in found:
        near[seedling.district_id] = near.get(seedling.district_id, 0) + 1
    open_: dict[int | None, int] = {}
    for seedling in pending:
        open_[seedling.district_id] = open_.get(seedling.district_id, 0) + 1
    indicator_names = TARGET_INDICATORS.get(family, ())

    def target(region: str) -> Decimal | None:
        return next((targets[(n, region)] for n in indicator_names if (n, region) in targets), None)

    rows = []
    shown = (
        [only_district]
        if only_district is not None
        else sorted(districts, key=lambda d: districts[d][0])
    )
    for district in shown:
        name = districts.get(district, ("", "—"))[1]
        passed, undetermined = by_district.get(district, [0, 0])
        rows.append(
            PipelineRow(
                district,
                name,
                declaration.id,
                family,
                tier,
                passed,
                near.get(district, 0),
                undetermined,
                open_.get(district, 0),
                target(name),
                year,
            )
        )
    if only_district is None:
        rows.append(
            PipelineRow(
                None,
                city,
                declaration.id,
                family,
                tier,
                sum(c[0] for c in by_district.values()),
                len(found),
                sum(c[1] for c in by_district.values()),
                len(pending),
                target(city),
                year,
            )
        )
    return rows


def _districts(engine: Engine) -> tuple[dict[int, tuple[str, str]], str]:
    with session_scope(engine) as session:
        found = session.execute(
            select(District.id, District.code, District.name, District.city)
        ).all()
    cities = {row.city for row in found if row.city}
    city = cities.pop() if len(cities) == 1 else "全市"
    return {row.id: (row.code, row.name) for row in found}, city


def _targets(engine: Engine, year: int) -> dict[tuple[str, str], Decimal]:
    with session_scope(engine) as session:
        found = session.execute(
            select(Target.indicator, Target.region, Target.value).where(Target.year == year)
        ).all()
    return {(row.indicator, row.region): row.value for row in found}


def describe(distance: Distance) -> str:
    """The distance in words (zh · en), for exports and titles."""
    tiers = "".join(f"，{t} ≤ {float(m):.0%}" for t, m in distance.tier_margins)
    return (
        f"不符合条款 ≤ {distance.max_failed}，分差 ≤ {distance.score_margin}，"
        f"数值条款差距 ≤ {float(distance.relative_margin):.0%}{tiers}"
    )


def shortfall_text(seedling: Seedling) -> str:
    """Each measured failed clause's shortfall, e.g. ``rd_intensity −12%``."""
    return "；".join(f"{c} −{v:.0%}" for c, v in seedling.shortfalls.items())


def write_pipeline(pipeline: Pipeline, path) -> None:
    """.xlsx: the counts by district and tier, the seedlings with their gaps, then the firms
    near but with data to collect (formula-safe cells)."""
    from openpyxl import Workbook

    from ..documents.excel import safe_value

    book = Workbook(write_only=True)
    sheet = book.create_sheet("梯度培育 pipeline")
    sheet.append(
        [
            f"评价记录 run {pipeline.run_id} · 基准日 as of {pipeline.as_of} · 距离 distance: "
            f"{describe(pipeline.distance)}"
        ]
    )
    sheet.append(
        [
            "区县 district",
            "梯度 tier",
            "评价 assessment",
            "符合 passed",
            "苗企 seedlings",
            "待定 undetermined",
            "接近但待补数据 near, data to collect",
            "目标 target",
            "目标年度 year",
            "缺口 shortfall",
            "苗企可覆盖缺口 covered",
        ]
    )
    for row in pipeline.rows:
        sheet.append(
            [
                safe_value(v)
                for v in (
                    row.district,
                    row.tier.zh,
                    row.assessment,
                    row.passed,
                    row.seedlings,
                    row.undetermined,
                    row.to_collect,
                    None if row.target is None else float(row.target),
                    row.target_year,
                    row.shortfall,
                    None if row.covered is None else ("是" if row.covered else "否"),
                )
            ]
        )
    for title, firms in (
        ("苗企名单 seedlings", pipeline.seedlings),
        ("待补数据 to collect", pipeline.to_collect),
    ):
        sheet = book.create_sheet(title)
        sheet.append(
            [
                "统一社会信用代码 credit_code",
                "企业名称 name",
                "区县 district",
                "评价 assessment",
                "不符合条款 failed",
                "差距比例 shortfall",
                "最低分 score_low",
                "最高分 score_high",
                "距及格分 points short",
                "差距 gap",
                "gap (en)",
                "未知条款（需补数据） unknown",
            ]
        )
        for s in firms:
            sheet.append(
                [
                    safe_value(v)
                    for v in (
                        s.credit_code,
                        s.name,
                        s.district,
                        s.assessment,
                        "；".join(t.zh for t in s.failed_text),
                        shortfall_text(s),
                        s.score_low,
                        s.score_high,
                        s.score_short,
                        s.gap.zh if s.gap else None,
                        s.gap.en if s.gap else None,
                        "；".join(t.zh for t in s.unknown_text),
                    )
                ]
            )
    book.save(path)
