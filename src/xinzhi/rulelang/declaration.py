"""Assessment declarations: the YAML format, read into checked, typed objects.

A declaration is the official text as data: its legal references, dated parameters (each
value carries the date it took effect, its provenance mark and its source), derived metrics,
conditions (all must hold; a condition may be ``any_of`` several routes), an optional
100-point score whose items are banded, case-based, the better of several measures, or judged
by experts, and the outcome. Everything that can be checked without data is checked here, at
load time, and a bad file fails with its path, line and reason (``DeclarationError``).

The format is documented in docs/rules.md.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from fractions import Fraction
from itertools import pairwise
from pathlib import Path
from typing import Any

from ..domain.money import DOLLAR_UNITS, YUAN_UNITS
from .yamlfile import DeclarationError, Node, Seq, line_of, load_yaml

MARKS = ("✅", "🟡", "❓")
ID = re.compile(r"^[a-z][a-z0-9_]*$")

# Units of parameter values, and what a value in that unit becomes in expressions.
MONEY_UNITS = YUAN_UNITS  # yuan per unit; × 100 → whole fen
FOREIGN_MONEY_UNITS = DOLLAR_UNITS  # dollars per unit; × 100 → cents
PLAIN_UNITS = {"ratio", "count", "days", "years", "points", "rate", "code"}


@dataclass(frozen=True)
class Text:
    zh: str
    en: str

    def get(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


@dataclass(frozen=True)
class Reference:
    """A legal source: the document (number, title, URL) and, for a clause, the article."""

    document: str
    title: str
    url: str | None = None
    article: str | None = None

    def cite(self) -> str:
        parts = [self.title, self.document]
        if self.article:
            parts.append(self.article)
        return " ".join(p for p in parts if p)


@dataclass(frozen=True)
class ParameterValue:
    start: dt.date
    value: Fraction | str | None
    reference: Reference | None
    mark: str
    note: str | None


@dataclass
class Parameter:
    name: str
    text: Text
    unit: str
    values: list[ParameterValue]  # sorted by start
    line: int

    def at(self, as_of: dt.date) -> ParameterValue:
        chosen = None
        for value in self.values:
            if value.start <= as_of:
                chosen = value
        if chosen is None:
            raise LookupError(self.name, as_of)
        return chosen


@dataclass
class Metric:
    name: str
    expr: str
    unit: str
    text: Text
    line: int


@dataclass
class Gap:
    """How far a failing condition is from passing: an amount and a message around it."""

    amount: str
    unit: str
    text: Text
    line: int


@dataclass
class Condition:
    id: str
    text: Text
    reference: Reference | None
    mark: str
    expr: str | None
    any_of: list[Condition]
    gap: Gap | None
    line: int
    show: list[str] = field(default_factory=list)
    # A condition without a measurable amount that a firm can still meet by acting (e.g. taking
    # a financing round): failing it alone does not keep a firm off the seedling list.
    acquirable: bool = False


@dataclass(frozen=True)
class Interval:
    low: Fraction | None  # None: unbounded
    low_closed: bool
    high: Fraction | None
    high_closed: bool

    def __str__(self) -> str:
        lo = "-inf" if self.low is None else _fmt(self.low)
        hi = "inf" if self.high is None else _fmt(self.high)
        return f"{'[' if self.low_closed else '('}{lo}, {hi}{']' if self.high_closed else ')'}"

    def overlaps(self, other: Interval) -> bool:
        return _below(self, other) is False and _below(other, self) is False


def _below(a: Interval, b: Interval) -> bool:
    """True when every point of ``a`` lies below every point of ``b``."""
    if a.high is None or b.low is None:
        return False
    if a.high < b.low:
        return True
    return a.high == b.low and not (a.high_closed and b.low_closed)


def _fmt(x: Fraction) -> str:
    return str(x.numerator) if x.denominator == 1 else str(float(x))


@dataclass
class Band:
    label: str
    low: int
    high: int
    when: str | None = None  # case-based: an expression
    interval: Interval | None = None  # banded: a range of the item's value
    text: Text | None = None
    line: int = 0


@dataclass
class Measure:
    """One way of scoring an item: a value and its bands, or ordered cases."""

    id: str
    text: Text
    value: str | None
    bands: list[Band]
    line: int


@dataclass
class ScoreItem:
    id: str
    text: Text
    group: str | None
    max: int
    reference: Reference | None
    mark: str
    judged: str | None  # an input holding an expert's (or self-assessed) score
    measures: list[Measure]  # scored by data: the best of these (usually one)
    line: int
    gap: Gap | None = None


@dataclass
class Group:
    id: str
    text: Text
    max: int


@dataclass
class Score:
    items: list[ScoreItem]
    groups: dict[str, Group]
    max: int
    passes: str  # expression over score / points.<item> / param.*


@dataclass
class Declaration:
    id: str
    name: Text
    family: str  # what a result means: hnte, sme, eaglet, gazelle, unicorn …
    tier: Text | None
    region: str
    region_name: Text
    version: str
    effective_from: dt.date
    effective_to: dt.date | None
    description: Text | None
    references: dict[str, Reference]
    parameters: dict[str, Parameter]
    metrics: dict[str, Metric]
    conditions: list[Condition]
    score: Score | None
    outcome: str | None
    path: Path
    sha256: str
    group: str = ""  # e.g. "gradient": lets `--only gradient` pick every tier
    order: int = 0  # position in listings and summaries

    def in_force(self, as_of: dt.date) -> bool:
        return self.effective_from <= as_of and (
            self.effective_to is None or as_of < self.effective_to
        )

    def applies_to(self, district_codes: set[str]) -> bool:
        """National declarations apply everywhere; a regional one where the registry's
        districts lie inside its region (GB/T 2260 prefixes: 210000 contains 210102)."""
        prefix = self.region.rstrip("0")
        if not prefix:
            return True
        return any(code.startswith(prefix) for code in district_codes)

    def all_conditions(self):
        for condition in self.conditions:
            yield condition
            yield from condition.any_of


# --- reading -----------------------------------------------------------------------------


class Reader:
    """Walks one file's parsed YAML, raising DeclarationError with the right line."""

    def __init__(self, path: Path):
        self.path = path

    def fail(self, node: Any, zh: str, en: str, key: str | None = None):
        raise DeclarationError(self.path, line_of(node, key), zh, en)

    def mapping(self, node: Any, where: str) -> Node:
        if not isinstance(node, Node):
            self.fail(
                node, f"{where} 应为映射（键: 值）", f"{where} must be a mapping (key: value)"
            )
        return node

    def keys(self, node: Node, where: str, required: set[str], optional: set[str]) -> None:
        for key in node:
            if key not in required | optional:
                allowed = ", ".join(sorted(required | optional))
                self.fail(
                    node,
                    f"{where} 中有未知字段“{key}”（可用：{allowed}）",
                    f"unknown field '{key}' in {where} (allowed: {allowed})",
                    key,
                )
        for key in sorted(required):
            if key not in node:
                self.fail(node, f"{where} 缺少字段“{key}”", f"{where} lacks the field '{key}'")

    def text(self, node: Node, key: str, where: str, *, required: bool = True) -> Text | None:
        value = node.get(key)
        if value is None and not required:
            return None
        if isinstance(value, str):
            return Text(value, value)
        if not isinstance(value, Node) or not isinstance(value.get("zh"), str):
            self.fail(
                node,
                f"{where}.{key} 应为 {{zh: …, en: …}}",
                f"{where}.{key} must be {{zh: ..., en: ...}}",
                key,
            )
        self.keys(value, f"{where}.{key}", {"zh"}, {"en"})
        return Text(value["zh"], value.get("en") or value["zh"])

    def string(self, node: Node, key: str, where: str, *, required: bool = True) -> str | None:
        value = node.get(key)
        if value is None and not required:
            return None
        if not isinstance(value, str) or not value.strip():
            self.fail(node, f"{where}.{key} 应为文本", f"{where}.{key} must be text", key)
        return value

    def ident(self, node: Node, key: str, where: str) -> str:
        value = self.string(node, key, where)
        if not ID.match(value):
            self.fail(
                node,
                f"{where}.{key}“{value}”须为小写字母、数字和下划线",
                f"{where}.{key} '{value}' must be lower-case letters, digits, _",
                key,
            )
        return value

    def date(self, node: Node, key: str, where: str, *, required: bool = True) -> dt.date | None:
        value = node.get(key)
        if value is None and not required:
            return None
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value
        self.fail(
            node,
            f"{where}.{key} 应为日期 YYYY-MM-DD",
            f"{where}.{key} must be a date YYYY-MM-DD",
            key,
        )

    def mark(self, node: Node, where: str, default: str | None = None) -> str:
        value = node.get("mark", default)
        if value not in MARKS:
            self.fail(
                node,
                f"{where}.mark 应为 ✅、🟡 或 ❓（来源可信度）",
                f"{where}.mark must be ✅, 🟡 or ❓ (provenance)",
                "mark",
            )
        return value

    def integer(self, node: Node, key: str, where: str, *, low: int = 0) -> int:
        value = node.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or value < low:
            self.fail(
                node,
                f"{where}.{key} 应为不小于 {low} 的整数",
                f"{where}.{key} must be an integer ≥ {low}",
                key,
            )
        return value


def read_declaration(path: Path) -> Declaration:
    """Read and check one declaration file (expressions are checked when compiled)."""
    raw = path.read_bytes()
    doc = load_yaml(path)
    r = Reader(path)
    doc = r.mapping(doc, "declaration")
    r.keys(
        doc,
        "declaration",
        {"id", "name", "family", "region", "version", "effective", "references"},
        {
            "tier",
            "description",
            "parameters",
            "metrics",
            "conditions",
            "score",
            "outcome",
            "group",
            "order",
        },
    )
    region = r.mapping(doc["region"], "region")
    r.keys(region, "region", {"code", "name"}, set())
    effective = r.mapping(doc["effective"], "effective")
    r.keys(effective, "effective", {"from"}, {"to"})
    references = read_references(r, doc["references"])
    declaration = Declaration(
        id=r.ident(doc, "id", "declaration"),
        name=r.text(doc, "name", "declaration"),
        family=r.ident(doc, "family", "declaration"),
        tier=r.text(doc, "tier", "declaration", required=False),
        region=str(region["code"]),
        region_name=r.text(region, "name", "region"),
        version=str(doc["version"]),
        effective_from=r.date(effective, "from", "effective"),
        effective_to=r.date(effective, "to", "effective", required=False),
        description=r.text(doc, "description", "declaration", required=False),
        references=references,
        parameters=read_parameters(r, doc.get("parameters") or Node(), references),
        metrics=read_metrics(r, doc.get("metrics") or Node()),
        conditions=[],
        score=None,
        outcome=doc.get("outcome"),
        path=path,
        sha256=hashlib.sha256(raw).hexdigest(),
        group=str(doc.get("group", "")),
        order=int(doc.get("order", 0)),
    )
    conditions = doc.get("conditions") or Seq()
    if not isinstance(conditions, list):
        r.fail(doc, "conditions 应为列表", "conditions must be a list", "conditions")
    declaration.conditions = [read_condition(r, c, references, "conditions") for c in conditions]
    if "score" in doc:
        declaration.score = _score(r, doc["score"], references)
    _check_unique_ids(r, declaration)
    check_parameter_dates(r, declaration, doc)
    if not declaration.conditions and declaration.score is None:
        r.fail(doc, "声明既无条件也无评分", "the declaration has neither conditions nor a score")
    return declaration


def read_references(r: Reader, node: Any) -> dict[str, Reference]:
    node = r.mapping(node, "references")
    result = {}
    for key, value in node.items():
        value = r.mapping(value, f"references.{key}")
        r.keys(value, f"references.{key}", {"document", "title"}, {"url"})
        result[key] = Reference(str(value["document"]), str(value["title"]), value.get("url"))
    return result


def read_reference(r: Reader, node: Node, references: dict[str, Reference], where: str):
    key = node.get("reference")
    if key is None:
        return None
    if key not in references:
        r.fail(
            node,
            f"{where}.reference“{key}”未在 references 中声明",
            f"{where}.reference '{key}' is not declared under references",
            "reference",
        )
    ref = references[key]
    article = node.get("article")
    return Reference(ref.document, ref.title, ref.url, str(article) if article else None)


def parse_parameter_value(value: Any, unit: str) -> Fraction | str | None:
    """A parameter value in its declared unit, as an exact number (money as fen or cents)."""
    if unit == "code":
        return None if value is None else str(value)
    if isinstance(value, bool) or value is None:
        raise TypeError("a number is needed")
    if isinstance(value, str):
        text = value.strip().replace(",", "")
        percent = text.endswith("%")
        number = Fraction(text.rstrip("%"))
        number = number / 100 if percent else number
    elif isinstance(value, float):
        number = Fraction(str(value))  # the decimal as written, not the binary float
    elif isinstance(value, int):
        number = Fraction(value)
    else:
        raise TypeError("a number is needed")
    if unit in MONEY_UNITS:
        return number * MONEY_UNITS[unit] * 100
    if unit in FOREIGN_MONEY_UNITS:
        return number * FOREIGN_MONEY_UNITS[unit] * 100
    return number


def read_parameters(r: Reader, node: Any, references: dict[str, Reference]) -> dict[str, Parameter]:
    node = r.mapping(node, "parameters")
    result = {}
    for name, spec in node.items():
        where = f"parameters.{name}"
        if not ID.match(str(name)):
            r.fail(node, f"参数名“{name}”无效", f"invalid parameter name '{name}'", name)
        spec = r.mapping(spec, where)
        r.keys(spec, where, {"text", "unit", "values"}, {"mark"})
        unit = spec["unit"]
        if unit not in MONEY_UNITS | FOREIGN_MONEY_UNITS and unit not in PLAIN_UNITS:
            allowed = ", ".join([*MONEY_UNITS, *FOREIGN_MONEY_UNITS, *sorted(PLAIN_UNITS)])
            r.fail(
                spec,
                f"{where}.unit“{unit}”未知（可用：{allowed}）",
                f"{where}.unit '{unit}' is unknown (allowed: {allowed})",
                "unit",
            )
        values = spec["values"]
        if not isinstance(values, list) or not values:
            r.fail(
                spec,
                f"{where}.values 应为非空列表",
                f"{where}.values must be a non-empty list",
                "values",
            )
        parsed = []
        for entry in values:
            entry = r.mapping(entry, f"{where}.values")
            r.keys(
                entry,
                f"{where}.values",
                {"from", "value"},
                {"mark", "reference", "article", "note"},
            )
            try:
                value = parse_parameter_value(entry["value"], unit)
            except (TypeError, ValueError, ZeroDivisionError):
                r.fail(
                    entry,
                    f"{where} 的值“{entry['value']}”不是 {unit} 数值",
                    f"{where} value '{entry['value']}' is not a number in {unit}",
                    "value",
                )
            parsed.append(
                ParameterValue(
                    start=r.date(entry, "from", f"{where}.values"),
                    value=value,
                    reference=read_reference(r, entry, references, f"{where}.values"),
                    mark=r.mark(entry, f"{where}.values", spec.get("mark")),
                    note=entry.get("note"),
                )
            )
        starts = [v.start for v in parsed]
        if len(set(starts)) != len(starts):
            r.fail(
                spec,
                f"{where} 有两个值生效日期相同",
                f"{where} has two values from the same date",
                "values",
            )
        parsed.sort(key=lambda v: v.start)
        result[name] = Parameter(name, r.text(spec, "text", where), unit, parsed, spec.line)
    return result


def read_metrics(r: Reader, node: Any) -> dict[str, Metric]:
    node = r.mapping(node, "metrics")
    result = {}
    for name, spec in node.items():
        where = f"metrics.{name}"
        if not ID.match(str(name)):
            r.fail(node, f"指标名“{name}”无效", f"invalid metric name '{name}'", name)
        spec = r.mapping(spec, where)
        r.keys(spec, where, {"expr", "text"}, {"unit"})
        result[name] = Metric(
            name,
            r.string(spec, "expr", where),
            spec.get("unit", "number"),
            r.text(spec, "text", where),
            spec.line,
        )
    return result


def _gap(r: Reader, node: Any, where: str) -> Gap | None:
    if node is None:
        return None
    node = r.mapping(node, f"{where}.gap")
    r.keys(node, f"{where}.gap", {"amount", "text"}, {"unit"})
    text = r.text(node, "text", f"{where}.gap")
    for template in (text.zh, text.en):
        if "{amount}" not in template:
            r.fail(
                node,
                f"{where}.gap.text 须含 {{amount}}",
                f"{where}.gap.text must contain {{amount}}",
                "text",
            )
    return Gap(r.string(node, "amount", f"{where}.gap"), node.get("unit", "count"), text, node.line)


def read_condition(r: Reader, node: Any, references, where: str) -> Condition:
    node = r.mapping(node, where)
    r.keys(
        node,
        where,
        {"id", "text"},
        {"expr", "any_of", "reference", "article", "mark", "gap", "show", "acquirable"},
    )
    ident = r.ident(node, "id", where)
    where = f"{where}.{ident}"
    if ("expr" in node) == ("any_of" in node):
        r.fail(
            node, f"{where} 须有 expr 或 any_of 之一", f"{where} needs exactly one of expr, any_of"
        )
    any_of = []
    if "any_of" in node:
        if not isinstance(node["any_of"], list) or not node["any_of"]:
            r.fail(
                node,
                f"{where}.any_of 应为非空列表",
                f"{where}.any_of must be a non-empty list",
                "any_of",
            )
        any_of = [read_condition(r, c, references, f"{where}.any_of") for c in node["any_of"]]
    show = node.get("show") or []
    if not isinstance(show, list) or not all(isinstance(s, str) for s in show):
        r.fail(node, f"{where}.show 应为名称列表", f"{where}.show must be a list of names", "show")
    return Condition(
        id=ident,
        text=r.text(node, "text", where),
        reference=read_reference(r, node, references, where),
        mark=r.mark(node, where),
        expr=r.string(node, "expr", where, required=False),
        any_of=any_of,
        gap=_gap(r, node.get("gap"), where),
        line=node.line,
        show=list(show),
        acquirable=_flag(r, node, "acquirable", where),
    )


def _flag(r: Reader, node: Any, key: str, where: str) -> bool:
    value = node.get(key, False)
    if not isinstance(value, bool):
        r.fail(
            node, f"{where}.{key} 应为 true 或 false", f"{where}.{key} must be true or false", key
        )
    return value


def parse_interval(text: str) -> Interval:
    """``"[0.35, inf)"``, ``"(0, 0.05)"``, ``"(-inf, 0]"``; percentages allowed (``"[5%, 6%)"``)."""
    match = re.fullmatch(r"\s*([\[(])\s*([^,]+?)\s*,\s*([^,]+?)\s*([\])])\s*", text)
    if not match:
        raise ValueError(text)
    opening, low, high, closing = match.groups()

    lo = None if low in ("-inf", "−inf") else parse_parameter_value(low, "ratio")
    hi = None if high in ("inf", "+inf") else parse_parameter_value(high, "ratio")
    if (lo is None and opening == "[") or (hi is None and closing == "]"):
        raise ValueError(text)
    if (
        lo is not None
        and hi is not None
        and (lo > hi or (lo == hi and not (opening == "[" and closing == "]")))
    ):
        raise ValueError(text)
    return Interval(lo, opening == "[", hi, closing == "]")


def _points(r: Reader, node: Node, where: str, maximum: int) -> tuple[int, int]:
    value = node.get("points")
    if isinstance(value, int) and not isinstance(value, bool):
        low = high = value
    elif isinstance(value, list) and len(value) == 2 and all(isinstance(v, int) for v in value):
        low, high = value
    else:
        r.fail(
            node,
            f"{where}.points 应为整数或 [最低, 最高]",
            f"{where}.points must be n or [low, high]",
            "points",
        )
    if not 0 <= low <= high <= maximum:
        r.fail(
            node,
            f"{where}.points {value} 超出 0–{maximum}",
            f"{where}.points {value} outside 0–{maximum}",
            "points",
        )
    return low, high


def _bands(r: Reader, node: Node, where: str, maximum: int, *, by_value: bool) -> list[Band]:
    key = "bands" if by_value else "cases"
    entries = node.get(key)
    if not isinstance(entries, list) or not entries:
        r.fail(node, f"{where}.{key} 应为非空列表", f"{where}.{key} must be a non-empty list", key)
    bands = []
    for i, entry in enumerate(entries):
        entry = r.mapping(entry, f"{where}.{key}")
        required = {"points", "range"} if by_value else {"points"}
        optional = {"band", "text"} | (set() if by_value else {"when", "otherwise"})
        r.keys(entry, f"{where}.{key}", required, optional)
        band = Band(
            str(entry.get("band", i + 1)),
            *_points(r, entry, f"{where}.{key}", maximum),
            text=r.text(entry, "text", where, required=False),
            line=entry.line,
        )
        if by_value:
            try:
                band.interval = parse_interval(str(entry["range"]))
            except (TypeError, ValueError, ZeroDivisionError):
                r.fail(
                    entry,
                    f"区间“{entry['range']}”无效，应如 [0.35, inf) 或 (0, 5%)",
                    f"invalid range '{entry['range']}', write e.g. [0.35, inf) or (0, 5%)",
                    "range",
                )
        else:
            last = i == len(entries) - 1
            if entry.get("otherwise") is True:
                if not last:
                    r.fail(entry, "otherwise 只能是最后一项", "otherwise must be the last case")
            elif "when" in entry:
                band.when = r.string(entry, "when", f"{where}.cases")
            else:
                r.fail(
                    entry,
                    "每个 case 须有 when 或 otherwise: true",
                    "each case needs when or otherwise: true",
                )
        bands.append(band)
    if by_value:
        check_bands(r, bands, where)
    elif bands[-1].when is not None:
        r.fail(
            entries[-1],
            f"{where}.cases 最后一项须为 otherwise: true",
            f"the last of {where}.cases must be otherwise: true",
        )
    return bands


def check_bands(r: Reader, bands: list[Band], where: str) -> None:
    for i, a in enumerate(bands):
        for b in bands[i + 1 :]:
            if a.interval.overlaps(b.interval):
                raise DeclarationError(
                    r.path,
                    b.line,
                    f"{where} 的分档 {a.interval} 与 {b.interval} 重叠",
                    f"bands {a.interval} and {b.interval} of {where} overlap",
                )
    ordered = sorted(bands, key=lambda b: (b.interval.low is not None, b.interval.low or 0))
    for a, b in pairwise(ordered):
        if not (
            a.interval.high == b.interval.low and a.interval.high_closed != b.interval.low_closed
        ):
            raise DeclarationError(
                r.path,
                b.line,
                f"{where} 的分档 {a.interval} 与 {b.interval} 之间有空缺",
                f"bands {a.interval} and {b.interval} of {where} leave a gap between them",
            )
    if ordered[0].interval.low is not None or ordered[-1].interval.high is not None:
        raise DeclarationError(
            r.path,
            bands[0].line,
            f"{where} 的分档须覆盖全部数值（-inf 到 inf）",
            f"the bands of {where} must cover every value (-inf to inf)",
        )


def _measure(r: Reader, node: Node, where: str, maximum: int, ident: str, text: Text) -> Measure:
    if "bands" in node and "cases" in node:
        r.fail(
            node, f"{where} 不能同时有 bands 和 cases", f"{where} cannot have both bands and cases"
        )
    if "bands" in node:
        value = r.string(node, "value", where)
        return Measure(
            ident, text, value, _bands(r, node, where, maximum, by_value=True), node.line
        )
    if "cases" in node:
        return Measure(
            ident, text, None, _bands(r, node, where, maximum, by_value=False), node.line
        )
    r.fail(
        node,
        f"{where} 须有 bands、cases、best_of 或 judged",
        f"{where} needs bands, cases, best_of or judged",
    )


def _score(r: Reader, node: Any, references) -> Score:
    node = r.mapping(node, "score")
    r.keys(node, "score", {"items", "passes"}, {"groups"})
    groups = {}
    for key, spec in (node.get("groups") or Node()).items():
        spec = r.mapping(spec, f"score.groups.{key}")
        r.keys(spec, f"score.groups.{key}", {"text", "max"}, set())
        groups[key] = Group(
            key,
            r.text(spec, "text", f"score.groups.{key}"),
            r.integer(spec, "max", f"score.groups.{key}", low=1),
        )
    items = []
    for entry in node["items"]:
        entry = r.mapping(entry, "score.items")
        r.keys(
            entry,
            "score.items",
            {"id", "text", "max"},
            {
                "group",
                "reference",
                "article",
                "mark",
                "judged",
                "value",
                "bands",
                "cases",
                "best_of",
                "gap",
            },
        )
        ident = r.ident(entry, "id", "score.items")
        where = f"score.items.{ident}"
        maximum = r.integer(entry, "max", where, low=1)
        text = r.text(entry, "text", where)
        group = entry.get("group")
        if group is not None and group not in groups:
            r.fail(
                entry,
                f"{where}.group“{group}”未在 score.groups 中声明",
                f"{where}.group '{group}' is not declared in score.groups",
                "group",
            )
        judged = entry.get("judged")
        measures = []
        if "best_of" in entry:
            for sub in entry["best_of"]:
                sub = r.mapping(sub, f"{where}.best_of")
                r.keys(sub, f"{where}.best_of", {"id", "text"}, {"value", "bands", "cases"})
                sub_id = r.ident(sub, "id", f"{where}.best_of")
                measures.append(
                    _measure(
                        r,
                        sub,
                        f"{where}.best_of.{sub_id}",
                        maximum,
                        sub_id,
                        r.text(sub, "text", f"{where}.best_of"),
                    )
                )
        elif "bands" in entry or "cases" in entry:
            measures.append(_measure(r, entry, where, maximum, ident, text))
        elif judged is None:
            r.fail(
                entry,
                f"{where} 须有 bands、cases、best_of 或 judged",
                f"{where} needs bands, cases, best_of or judged",
            )
        items.append(
            ScoreItem(
                id=ident,
                text=text,
                group=group,
                max=maximum,
                reference=read_reference(r, entry, references, where),
                mark=r.mark(entry, where),
                judged=judged,
                measures=measures,
                line=entry.line,
                gap=_gap(r, entry.get("gap"), where),
            )
        )
    total = 0
    for group in groups.values():
        members = [i.max for i in items if i.group == group.id]
        total += min(group.max, sum(members))
    total += sum(i.max for i in items if i.group is None)
    return Score(items, groups, total, r.string(node, "passes", "score"))


def _check_unique_ids(r: Reader, d: Declaration) -> None:
    seen: dict[str, int] = {}
    names = [(c.id, c.line) for c in d.all_conditions()]
    if d.score:
        names += [(i.id, i.line) for i in d.score.items]
    names += [(m.name, m.line) for m in d.metrics.values()]
    for name, line in names:
        if name in seen:
            raise DeclarationError(
                r.path,
                line,
                f"名称“{name}”重复（第 {seen[name]} 行已用）",
                f"the name '{name}' is used twice (first on line {seen[name]})",
            )
        seen[name] = line


def check_parameter_dates(r: Reader, d: Declaration, doc: Node) -> None:
    """Every parameter must have a value for every date the declaration is in force."""
    for parameter in d.parameters.values():
        first = parameter.values[0].start
        if first > d.effective_from:
            raise DeclarationError(
                r.path,
                parameter.line,
                f"参数 {parameter.name} 最早从 {first} 起有值，但声明自 {d.effective_from} 起生效",
                f"parameter {parameter.name} has no value before {first}, but the declaration is "
                f"in force from {d.effective_from}",
            )
