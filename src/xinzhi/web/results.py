"""Assessment results for the dashboard and the profile, from ``xinzhi.assessments.results``.

Before any run the pages show "尚未评价 / not yet assessed" — never zeros. Tiers are the
declarations' families, so a city that swaps Liaoning's gazelle rules for its own variant
keeps its dashboard card.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import Engine

from ..assessments import results as rule_results
from ..assessments.explanations import STATUS_TEXT, ClauseResult

# The tiers the dashboard shows, in order: (family, family, 中文, English); the second field
# is kept so templates can unpack the rows the same way.
TIERS = (
    ("hnte", "hnte", "高新技术企业（预评价通过）", "HNTE (pre-screen passes)"),
    ("sme", "sme", "科技型中小企业", "tech SME"),
    ("eaglet", "eaglet", "雏鹰企业", "eaglet"),
    ("gazelle", "gazelle", "瞪羚企业", "gazelle"),
    ("unicorn", "unicorn", "独角兽企业", "unicorn"),
    ("potential_unicorn", "potential_unicorn", "潜在独角兽企业", "potential unicorn"),
)


@dataclass(frozen=True)
class TierCount:
    key: str
    zh: str
    en: str
    passed: int | None  # None: not assessed
    undetermined: int | None
    run_id: int | None = None
    as_of: dt.date | None = None

    @property
    def assessed(self) -> bool:
        return self.passed is not None


def tier_counts(engine: Engine, district_id: int | None = None) -> list[TierCount]:
    """One entry per tier; those without a run are ``passed=None`` (not assessed). Where a
    run holds several declarations of one family (regional variants), their counts add up."""
    found: dict[str, TierCount] = {}
    families = {key: (zh, en) for key, _, zh, en in TIERS}
    for count in rule_results.latest_tier_counts(engine, district_id=district_id):
        if count.family not in families:
            continue
        zh, en = families[count.family]
        earlier = found.get(count.family)
        passed = count.passed + (earlier.passed if earlier else 0)
        undetermined = count.undetermined + (earlier.undetermined if earlier else 0)
        found[count.family] = TierCount(
            count.family,
            zh,
            en,
            passed,
            undetermined,
            count.run_id,
            dt.date.fromisoformat(count.as_of),
        )
    return [found.get(key, TierCount(key, zh, en, None, None)) for key, _, zh, en in TIERS]


@dataclass(frozen=True)
class Clause:
    id: str
    text: str
    status: str | None  # met / not met / unknown, in the page's language (None: score item)
    values: str | None  # the values the clause saw, "label value; …"
    points: str | None  # "low–high / max" for score items
    reference: str | None = None


@dataclass(frozen=True)
class EnterpriseResult:
    assessment: str
    zh: str
    en: str
    status: str
    score_low: int | None = None
    score_high: int | None = None
    clauses: list[Clause] = field(default_factory=list)
    gaps: list[str] = field(default_factory=list)
    as_of: dt.date | None = None


def _clauses(part: ClauseResult, lang: str, depth: int = 0) -> list[Clause]:
    points = None
    if part.points is not None:
        low, high = part.points
        points = (f"{low}" if low == high else f"{low}–{high}") + f" / {part.max}"
    status = None if part.points is not None else STATUS_TEXT[part.state].get(lang)
    values = "; ".join(f"{v.label.get(lang)} {v.value}" for v in part.values) or None
    text = ("　" * depth) + part.text.get(lang)
    own = Clause(part.id, text, status, values, points, part.reference)
    return [own] + [c for route in part.routes for c in _clauses(route, lang, depth + 1)]


def enterprise_results(
    engine: Engine, enterprise_id: int, lang: str = "zh"
) -> list[EnterpriseResult]:
    """The enterprise's results per assessment, each clause explained (computed live)."""
    results = []
    for item in rule_results.enterprise_results(engine, enterprise_id):
        declaration = item.declaration
        gaps = [item.gap.get(lang)] if item.gap else []
        if item.missing:
            gaps.append(
                ("需补充数据：" if lang == "zh" else "data to collect: ")
                + ("、" if lang == "zh" else ", ").join(m.get(lang) for m in item.missing)
            )
        score = item.score or (None, None)
        clauses = [c for part in [*item.clauses, *item.items] for c in _clauses(part, lang)]
        results.append(
            EnterpriseResult(
                declaration.id,
                declaration.name.zh,
                declaration.name.en,
                item.status,
                score[0],
                score[1],
                clauses,
                gaps,
                item.as_of,
            )
        )
    return results


def assessed(engine: Engine) -> bool:
    """Whether any assessment run has been recorded (the tier filter needs one)."""
    return rule_results.latest_run(engine) is not None
