"""The cultivation pipeline (育苗·培干·强柱): the firms close to each tier, by district, against
the year's targets.

A firm is a 苗企 (seedling) for a tier when it fails it but is near on **every** clause it
fails, in the latest recorded run:

* a numeric clause whose declaration states the threshold its gap is short of (``gap.of``):
  the gap within a relative margin of that threshold (20 % by default, per tier if set);
* the score: at most ``score_margin`` points short of the pass mark;
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
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Engine, select

from ..domain.errors import XinzhiError
from ..rulelang.declaration import Condition, Declaration, Text
from ..rulelang.expressions import ExpressionError, Scope, compile_expression, constant
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
        if self.max_failed < 1 or self.score_margin < 0 or any(m < 0 for m in margins):
            raise PipelineError(
                "距离参数须为：不符合条款数 ≥ 1、分差 ≥ 0、相对差距 ≥ 0",
                "the distance needs max_failed ≥ 1, score_margin ≥ 0 and margins ≥ 0",
            )

    def margin(self, assessment: str, family: str) -> Fraction:
        for tier, margin in self.tier_margins:
            if tier in (assessment, family):
                return margin
        return self.relative_margin


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
    score_high: int | None
    score_short: int | None  # points missing to the pass mark (None: the score is not failed)
    gap: Text | None


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
    catalog = catalog or load_catalog()
    year = target_year or run.as_of.year
    districts, city = _districts(engine)
    targets = _targets(engine, year)
    rows: list[PipelineRow] = []
    seedlings: list[Seedling] = []
    for entry in run.declarations:
        family = entry.get("family", entry["id"])
        if families and family not in families and entry["id"] not in families:
            continue
        declaration = catalog.get(entry["id"], run.as_of)
        part = results.filter(pc.equal(results["assessment"], entry["id"]))
        if district_id is not None:
            part = part.filter(pc.equal(part["district_id"], district_id))
        found = _seedlings(
            part,
            declaration,
            family,
            distance,
            pass_mark(declaration, run.as_of),
            districts,
            run.as_of,
        )
        seedlings += found
        rows += _rows(part, found, declaration, family, districts, city, targets, year, district_id)
    seedlings.sort(
        key=lambda s: (
            s.assessment,
            len(s.failed),
            s.score_short or 0,
            -(s.score_high or 0),
            s.credit_code,
        )
    )
    return Pipeline(run.id, run.as_of, distance, rows, seedlings)


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
    as_of: dt.date,
) -> list[Seedling]:
    texts = clause_texts(declaration)
    conditions = {c.id: c for c in declaration.all_conditions()}
    thresholds = _thresholds(declaration, as_of)
    margin = distance.margin(declaration.id, family)
    failing = part.filter(pc.equal(part["status"], "fail"))
    found = []
    for row in failing.to_pylist():
        failed = [c for c in (row["failed"] or "").split(",") if c]
        if not failed or len(failed) > distance.max_failed or row["unknown"]:
            continue  # an unknown clause may decide: not near, but data to collect
        short = None
        if "score" in failed:
            if mark is None or row["score_high"] is None:
                continue  # no measurable distance to a score we cannot bound
            short = max(0, mark - row["score_high"])
            if short > distance.score_margin:
                continue
        clauses = [c for c in failed if c != "score"]
        if not all(
            _near(conditions.get(c), thresholds.get(c), row["gap_zh"], margin) for c in clauses
        ):
            continue
        gap = Text(row["gap_zh"], row["gap_en"] or row["gap_zh"]) if row["gap_zh"] else None
        found.append(
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
                row["score_high"],
                short,
                gap,
            )
        )
    return found


def _thresholds(declaration: Declaration, as_of: dt.date) -> dict[str, Fraction]:
    """Each clause's ``gap.of`` on ``as_of``, in the gap's unit; parameters only."""
    values = {}

    def parameter(name: str):
        value = (
            declaration.parameters[name].at(as_of).value if name in declaration.parameters else None
        )
        if value is None or isinstance(value, str):
            raise ExpressionError(f"参数 {name} 无数值", f"parameter {name} has no number")
        return constant(Fraction(value))

    scope = Scope(column=lambda name: None, parameter=parameter, metric=lambda name: None)
    for condition in declaration.all_conditions():
        if condition.gap is None or condition.gap.of is None:
            continue
        value = compile_expression(condition.gap.of, scope)
        if value.kind != "num" or not value.constant:
            raise PipelineError(
                f"{declaration.id}.{condition.id}: gap.of 须只含参数",
                f"{declaration.id}.{condition.id}: gap.of may use parameters only",
            )
        values[condition.id] = value.fraction()
    return values


def _near(
    condition: Condition | None, threshold: Fraction | None, gap_zh: str | None, margin: Fraction
) -> bool:
    if condition is None:
        return False
    if condition.acquirable:
        return True
    if condition.gap is None or threshold is None or threshold <= 0:
        return False  # no measurable distance: not shown as near
    amount = gap_amount(condition, gap_zh)
    return amount is not None and amount <= margin * threshold


def gap_amount(condition: Condition, gap_zh: str | None) -> Fraction | None:
    """The clause's gap amount in its unit (fen for money), read back from the run's gap text
    (amounts are shown in 万元 with two decimals, rounded up)."""
    if not gap_zh or condition.gap is None:
        return None
    before, after = condition.gap.text.zh.split("{amount}", 1)
    pattern = re.escape(before) + r"(-?[0-9]+(?:\.[0-9]+)?)" + re.escape(after)
    match = re.search(pattern, gap_zh)
    if match is None:
        return None
    shown = Fraction(match.group(1))
    return shown * 1_000_000 if condition.gap.unit == "fen" else shown


def _rows(part, found, declaration, family, districts, city, targets, year, only_district):
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


def write_pipeline(pipeline: Pipeline, path) -> None:
    """.xlsx: the counts by district and tier, then the seedling list (formula-safe cells)."""
    from openpyxl import Workbook

    from ..documents.excel import safe_value

    book = Workbook(write_only=True)
    sheet = book.create_sheet("梯度培育 pipeline")
    sheet.append(
        [
            (
                f"评价记录 run {pipeline.run_id} · 基准日 as of {pipeline.as_of} · 距离 distance: "
                f"不符合条款 ≤ {pipeline.distance.max_failed}，分差 ≤ {pipeline.distance.score_margin}"
            )
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
                    None if row.target is None else float(row.target),
                    row.target_year,
                    row.shortfall,
                    None if row.covered is None else ("是" if row.covered else "否"),
                )
            ]
        )
    sheet = book.create_sheet("苗企名单 seedlings")
    sheet.append(
        [
            "统一社会信用代码 credit_code",
            "企业名称 name",
            "区县 district",
            "评价 assessment",
            "不符合条款 failed",
            "最高分 score_high",
            "距及格分 points short",
            "差距 gap",
            "gap (en)",
        ]
    )
    for s in pipeline.seedlings:
        sheet.append(
            [
                safe_value(v)
                for v in (
                    s.credit_code,
                    s.name,
                    s.district,
                    s.assessment,
                    "；".join(t.zh for t in s.failed_text),
                    s.score_high,
                    s.score_short,
                    s.gap.zh if s.gap else None,
                    s.gap.en if s.gap else None,
                )
            ]
        )
    book.save(path)
