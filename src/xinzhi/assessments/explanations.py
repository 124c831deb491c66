"""The explanation of one enterprise's results: each clause, the values it saw, pass/fail or
unknown, points, the legal reference and the gap — in Chinese with English."""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field

import pyarrow.compute as pc

from ..domain.money import format_wan
from ..rulelang.declaration import Declaration, Text
from ..rulelang.registry import POPULATION_INPUTS
from .runs import RunResult

STATUS_TEXT = {
    "pass": Text("符合", "passes"),
    "fail": Text("不符合", "fails"),
    "undetermined": Text("待定（缺少数据）", "undetermined (data missing)"),
    True: Text("符合", "met"),
    False: Text("不符合", "not met"),
    None: Text("未知", "unknown"),
}


@dataclass
class Shown:
    name: str
    label: Text
    value: str


@dataclass
class ClauseResult:
    id: str
    text: Text
    state: bool | None  # conditions: met / not met / unknown
    points: tuple[int, int] | None  # score items
    max: int | None
    reference: str | None
    mark: str
    values: list[Shown]
    routes: list[ClauseResult] = field(default_factory=list)


@dataclass
class Explanation:
    declaration: Declaration
    status: str
    score: tuple[int, int] | None
    clauses: list[ClauseResult]
    items: list[ClauseResult]
    missing: list[Text]
    gap: Text | None
    as_of: dt.date

    def lines(self, lang: str = "zh") -> list[str]:
        d = self.declaration
        out = [
            (
                f"{d.name.get(lang)} [{d.region_name.get(lang)} {d.version}]: "
                f"{STATUS_TEXT[self.status].get(lang)}"
            )
        ]
        if self.score:
            out.append(("  创新/综合评分 " if lang == "zh" else "  score ") + _range(self.score))
        for clause in self.clauses:
            out += clause_lines(clause, lang, "  ")
        for item in self.items:
            out += clause_lines(item, lang, "  ")
        if self.missing:
            label = "  需补充数据：" if lang == "zh" else "  data to collect: "
            out.append(label + "、".join(m.get(lang) for m in self.missing))
        if self.gap:
            out.append(("  差距：" if lang == "zh" else "  gap: ") + self.gap.get(lang))
        return out


def _range(points: tuple[int, int]) -> str:
    return str(points[0]) if points[0] == points[1] else f"{points[0]}–{points[1]}"


def clause_lines(c: ClauseResult, lang: str, indent: str) -> list[str]:
    if c.points is not None:
        head = f"{indent}• {c.text.get(lang)}: {_range(c.points)} / {c.max}"
    else:
        head = f"{indent}• {c.text.get(lang)}: {STATUS_TEXT[c.state].get(lang)}"
    if c.mark != "✅":
        head += f" {c.mark}"
    lines = [head]
    if c.values:
        lines.append(
            indent + "    " + "; ".join(f"{v.label.get(lang)} = {v.value}" for v in c.values)
        )
    if c.reference:
        lines.append(indent + "    " + ("依据：" if lang == "zh" else "source: ") + c.reference)
    for route in c.routes:
        lines += clause_lines(route, lang, indent + "    ")
    return lines


def format_value(name: str, value, declaration: Declaration) -> str:
    unit = (
        POPULATION_INPUTS[name].unit
        if name in POPULATION_INPUTS
        else (declaration.metrics[name].unit if name in declaration.metrics else "number")
    )
    return format_in_unit(value, unit)


def format_in_unit(value, unit: str) -> str:
    """A value for people: money (fen) in 万元, ratios in %, counts with separators (staff
    counts with two decimals when fractional)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "未知 unknown"
    if unit == "fen":
        return format_wan(value)
    if unit == "ratio":
        return f"{value * 100:.2f}%"
    # Staff counts ("persons") arrive in persons: the compiler divides the stored hundredths.
    if unit in ("count", "persons", "days", "years", "points"):
        return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"
    if isinstance(value, bool):
        return "是 yes" if value else "否 no"
    return str(value)


def _label(name: str, declaration: Declaration) -> Text:
    if name in POPULATION_INPUTS:
        return Text(POPULATION_INPUTS[name].zh, POPULATION_INPUTS[name].en)
    if name in declaration.metrics:
        return declaration.metrics[name].text
    return Text(name, name)


def explain(result: RunResult, enterprise_id: int) -> list[Explanation]:
    explanations = []
    for declaration in result.declarations:
        table = result.detail[declaration.id]
        rows = table.filter(pc.equal(table["enterprise_id"], enterprise_id)).to_pylist()
        if not rows:
            continue
        explanations.append(_explain_row(declaration, rows[0], result.as_of))
    return explanations


def _shown(declaration: Declaration, row: dict, names: list[str]) -> list[Shown]:
    return [
        Shown(n, _label(n, declaration), format_value(n, row.get(f"v__{n}"), declaration))
        for n in names
        if f"v__{n}" in row
    ]


def _names(declaration: Declaration, row: dict, expr_sources: list[str]) -> list[str]:
    names = []
    for source in expr_sources:
        for token in re.findall(r"[a-z][a-z0-9_]*", source or ""):
            if (token in POPULATION_INPUTS or token in declaration.metrics) and token not in names:
                names.append(token)
    return names


def _explain_row(declaration: Declaration, row: dict, as_of: dt.date) -> Explanation:
    def clause(c) -> ClauseResult:
        sources = [c.expr or ""] + [r.expr or "" for r in c.any_of]
        names = _names(declaration, row, sources) + [n for n in c.show]
        return ClauseResult(
            c.id,
            c.text,
            row.get(f"c__{c.id}"),
            None,
            None,
            c.reference.cite() if c.reference else None,
            c.mark,
            _shown(declaration, row, list(dict.fromkeys(names))) if not c.any_of else [],
            [clause(r) for r in c.any_of],
        )

    clauses = [clause(c) for c in declaration.conditions]
    items = []
    if declaration.score:
        for item in declaration.score.items:
            sources = [m.value or "" for m in item.measures]
            sources += [b.when or "" for m in item.measures for b in m.bands]
            names = _names(declaration, row, sources) + ([item.judged] if item.judged else [])
            items.append(
                ClauseResult(
                    item.id,
                    item.text,
                    None,
                    (row[f"p__{item.id}__low"], row[f"p__{item.id}__high"]),
                    item.max,
                    item.reference.cite() if item.reference else None,
                    item.mark,
                    _shown(declaration, row, list(dict.fromkeys(names))),
                )
            )
        clauses.append(
            ClauseResult(
                "score",
                Text("创新能力/综合评分达到要求", "score requirement"),
                row.get("c__score"),
                None,
                None,
                None,
                "✅",
                [],
            )
        )
    missing = [_label(n, declaration) for n in (row.get("missing") or "").split(",") if n]
    gap = Text(row["gap_zh"], row["gap_en"]) if row.get("gap_zh") else None
    score = (row["score_low"], row["score_high"]) if row.get("score_low") is not None else None
    return Explanation(declaration, row["status"], score, clauses, items, missing, gap, as_of)
