"""Policy declarations (免申即享): who is eligible, how much, under which budget and stacking
rules — the policy text as data, in the same rule language as the assessments.

A policy file adds to an assessment declaration's parameters, metrics, conditions and
references:

* ``provenance`` (``published`` — from a published text — or ``illustrative``), what is
  ``known`` and ``unknown`` about the text, ``issuer``, ``last_reviewed``, ``form`` (reward,
  subsidy, equity, voucher);
* ``scope``: the city, districts or parks it covers — a rule of its own, reported apart;
* conditions may read the status of an assessment evaluated in the same run
  (``status_sme == "pass"``) and may be ``judged: true`` (decided by a review, unknown until
  it is recorded);
* ``amount``: ``fixed``, ``percent`` of a base, or ``steps`` (stepped bands), with ``cap``,
  ``minimum`` and ``round``;
* ``stacking``: the matter (同一事项) and the rule between policies that cannot be combined
  (``larger`` or declared ``priority``);
* ``budget``: the total and the rule when demand exceeds it (``prorate``, or ``rank`` by
  fields with a rule for the boundary).

Everything that can be checked without data is checked at load, and a bad file fails with
its path, line and reason (``DeclarationError``). The format is documented in docs/policies.md.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache
from itertools import pairwise
from pathlib import Path
from typing import Any

from ..domain.money import ROUNDING_FEN
from ..rulelang.declaration import (
    ID,
    MONEY_UNITS,
    Band,
    Condition,
    Metric,
    Parameter,
    Reader,
    Reference,
    Text,
    check_bands,
    check_parameter_dates,
    parse_interval,
    parse_parameter_value,
    read_condition,
    read_metrics,
    read_parameters,
    read_reference,
    read_references,
)
from ..rulelang.rulesets import SHIPPED, overriding, rule_sets
from ..rulelang.yamlfile import DeclarationError, Node, Seq, load_yaml

POLICIES = SHIPPED / "policies"
PROVENANCE = {
    "published": Text("据公开发布文本", "from published text"),
    "illustrative": Text("示例（非真实政策）", "illustrative"),
}
FORMS = {
    "reward": Text("奖励", "reward"),
    "subsidy": Text("补助", "subsidy"),
    "equity": Text("股权投资", "equity investment"),
    "voucher": Text("券", "voucher"),
}
ROUNDING = ROUNDING_FEN
STATUS_PREFIX = "status_"  # status_<assessment id>: the assessment's status in the same run
MONEY_LITERAL = re.compile(r"^\s*[\d,]+(\.\d+)?\s*(元|万元|亿元)\s*$")


@dataclass
class Scope:
    text: Text
    region: str  # GB/T 2260 code: 210100 covers every district code starting 2101
    region_name: Text
    districts: list[str]  # empty: the whole region
    parks: list[str]  # park names; empty: anywhere in the region
    reference: Reference | None
    line: int

    def applies_to(self, district_codes: set[str]) -> bool:
        prefix = self.region.rstrip("0")
        return not prefix or any(code.startswith(prefix) for code in district_codes)


@dataclass
class Step:
    band: Band
    amount: str  # an expression in fen, or a money literal already converted ("200000" fen)


@dataclass
class Amount:
    """How much an eligible enterprise receives, in whole fen (rounded down)."""

    kind: str  # fixed | percent | steps
    text: Text
    reference: Reference | None
    mark: str
    fixed: str | None = None
    base: str | None = None  # percent: the base …
    rate: str | None = None  # … and the rate
    value: str | None = None  # steps: the value banded …
    steps: list[Step] = field(default_factory=list)  # … and the amount of each band
    cap: str | None = None
    minimum: str | None = None
    round: int = 1  # fen
    line: int = 0


@dataclass
class RankKey:
    expr: str
    descending: bool


@dataclass
class Budget:
    total: str  # an expression (usually param.budget), in fen
    rule: str  # prorate | rank
    rank_by: list[RankKey]
    boundary: str  # rank: the group that no longer fits — prorate (share what is left) | none
    text: Text | None
    reference: Reference | None
    line: int


@dataclass
class Stacking:
    matter: str | None  # 同一事项: policies with the same matter are never paid together
    rule: str  # larger | priority
    priority: int
    not_combinable_with: list[str]
    line: int


@dataclass
class Objection:
    days: int
    contact: Text


@dataclass
class Policy:
    id: str
    name: Text
    version: str
    effective_from: dt.date
    effective_to: dt.date | None
    provenance: str
    last_reviewed: dt.date
    issuer: Text
    form: str
    description: Text | None
    known: Text | None
    unknown: Text | None
    references: dict[str, Reference]
    scope: Scope
    parameters: dict[str, Parameter]
    metrics: dict[str, Metric]
    conditions: list[Condition]
    judged: set[str]  # ids of conditions decided by a review
    amount: Amount
    budget: Budget | None
    stacking: Stacking | None
    objection: Objection
    path: Path
    sha256: str
    order: int = 0
    assessments: list[str] = field(default_factory=list)  # whose status the policy reads

    @property
    def region(self) -> str:
        return self.scope.region

    def in_force(self, as_of: dt.date) -> bool:
        return self.effective_from <= as_of and (
            self.effective_to is None or as_of < self.effective_to
        )

    def applies_to(self, district_codes: set[str]) -> bool:
        return self.scope.applies_to(district_codes)

    def all_conditions(self):
        for condition in self.conditions:
            yield condition
            yield from condition.any_of

    @property
    def group(self) -> str:
        """The stacking group: policies of one group are never paid together (see catalogue)."""
        return self.stacking.matter if self.stacking and self.stacking.matter else self.id

    def expressions(self) -> list[tuple[str, int]]:
        """Every expression of the file with its line (to find the names it reads)."""
        found = [(m.expr, m.line) for m in self.metrics.values()]
        found += [(c.expr, c.line) for c in self.all_conditions() if c.expr]
        a = self.amount
        found += [(e, a.line) for e in (a.fixed, a.base, a.rate, a.value, a.cap, a.minimum) if e]
        found += [(s.amount, s.band.line) for s in a.steps]
        if self.budget:
            found += [(self.budget.total, self.budget.line)]
            found += [(k.expr, self.budget.line) for k in self.budget.rank_by]
        return found


# --- reading -----------------------------------------------------------------------------------


def read_policy(path: Path) -> Policy:
    """Read and check one policy file (expressions are checked when compiled)."""
    raw = path.read_bytes()
    r = Reader(path)
    doc = r.mapping(load_yaml(path), "policy")
    r.keys(
        doc,
        "policy",
        {
            "id",
            "name",
            "version",
            "effective",
            "provenance",
            "last_reviewed",
            "issuer",
            "form",
            "references",
            "scope",
            "amount",
        },
        {
            "description",
            "known",
            "unknown",
            "parameters",
            "metrics",
            "conditions",
            "budget",
            "stacking",
            "objection",
            "order",
        },
    )
    effective = r.mapping(doc["effective"], "effective")
    r.keys(effective, "effective", {"from"}, {"to"})
    provenance = doc["provenance"]
    if provenance not in PROVENANCE:
        r.fail(
            doc,
            "provenance 应为 published（据公开文本）或 illustrative（示例）",
            "provenance must be published or illustrative",
            "provenance",
        )
    if doc["form"] not in FORMS:
        r.fail(
            doc,
            f"form 应为 {'、'.join(FORMS)} 之一",
            f"form must be one of {', '.join(FORMS)}",
            "form",
        )
    if provenance == "published" and ("known" not in doc or "unknown" not in doc):
        r.fail(
            doc,
            "据公开文本的政策须写明 known（已知）与 unknown（未知）",
            "a published policy must state what is known and what is unknown",
        )
    references = read_references(r, doc["references"])
    conditions_node = doc.get("conditions") or Seq()
    if not isinstance(conditions_node, list):
        r.fail(doc, "conditions 应为列表", "conditions must be a list", "conditions")
    judged: set[str] = set()
    conditions = [_policy_condition(r, c, references, judged) for c in conditions_node]
    effective_from = r.date(effective, "from", "effective")
    policy = Policy(
        id=r.ident(doc, "id", "policy"),
        name=r.text(doc, "name", "policy"),
        version=str(doc["version"]),
        effective_from=effective_from,
        effective_to=r.date(effective, "to", "effective", required=False),
        provenance=provenance,
        last_reviewed=r.date(doc, "last_reviewed", "policy"),
        issuer=r.text(doc, "issuer", "policy"),
        form=doc["form"],
        description=r.text(doc, "description", "policy", required=False),
        known=r.text(doc, "known", "policy", required=False),
        unknown=r.text(doc, "unknown", "policy", required=False),
        references=references,
        scope=_scope(r, doc["scope"], references),
        parameters=read_parameters(r, doc.get("parameters") or Node(), references),
        metrics=read_metrics(r, doc.get("metrics") or Node()),
        conditions=conditions,
        judged=judged,
        amount=_amount(r, doc["amount"], references),
        budget=_budget(r, doc["budget"], references) if "budget" in doc else None,
        stacking=_stacking(r, doc["stacking"]) if "stacking" in doc else None,
        objection=_objection(r, doc.get("objection")),
        path=path,
        sha256=hashlib.sha256(raw).hexdigest(),
        order=int(doc.get("order", 0)),
    )
    if policy.effective_to is not None and policy.effective_to <= policy.effective_from:
        r.fail(
            effective,
            "effective.to 须晚于 effective.from",
            "effective.to must come after effective.from",
            "to",
        )
    _check_names(r, policy)
    check_parameter_dates(r, policy, doc)
    policy.assessments = _assessments_read(policy)
    return policy


def _policy_condition(r: Reader, node: Any, references, judged: set[str]) -> Condition:
    """A condition as in assessments, or ``judged: true`` (no expression: decided by a review)."""
    node = r.mapping(node, "conditions")
    if node.get("judged") is not None:
        if node.get("judged") is not True or "expr" in node or "any_of" in node:
            r.fail(
                node,
                "judged 须为 true，且不能同时有 expr 或 any_of",
                "judged must be true, without expr or any_of",
                "judged",
            )
        stripped = Node({k: v for k, v in node.items() if k != "judged"})
        stripped.line, stripped.key_lines = node.line, node.key_lines
        stripped["expr"] = "True"  # replaced by the review's column when compiled
        condition = read_condition(r, stripped, references, "conditions")
        judged.add(condition.id)
        return condition
    return read_condition(r, node, references, "conditions")


def _scope(r: Reader, node: Any, references) -> Scope:
    node = r.mapping(node, "scope")
    r.keys(node, "scope", {"text", "region"}, {"districts", "parks", "reference", "article"})
    region = r.mapping(node["region"], "scope.region")
    r.keys(region, "scope.region", {"code", "name"}, set())
    code = str(region["code"])
    if not re.fullmatch(r"\d{6}", code):
        r.fail(
            region,
            f"scope.region.code“{code}”应为六位行政区划代码",
            f"scope.region.code '{code}' must be a six-digit GB/T 2260 code",
            "code",
        )
    districts = [str(d) for d in node.get("districts") or []]
    for district in districts:
        if not re.fullmatch(r"\d{6}", district) or not district.startswith(code.rstrip("0")):
            r.fail(
                node,
                f"scope.districts 中的“{district}”不是 {code} 内的区县代码",
                f"'{district}' in scope.districts is not a district code inside {code}",
                "districts",
            )
    parks = node.get("parks") or []
    if not isinstance(parks, list) or not all(isinstance(p, str) and p.strip() for p in parks):
        r.fail(
            node,
            "scope.parks 应为园区名称列表",
            "scope.parks must be a list of park names",
            "parks",
        )
    return Scope(
        r.text(node, "text", "scope"),
        code,
        r.text(region, "name", "scope.region"),
        districts,
        list(parks),
        read_reference(r, node, references, "scope"),
        node.line,
    )


def _money_or_expr(r: Reader, node: Node, key: str, where: str) -> str:
    """An amount: an expression in fen, or a money literal such as ``20万元`` (made fen)."""
    value = node.get(key)
    if isinstance(value, str) and MONEY_LITERAL.match(value):
        number, unit = re.match(r"^\s*([\d,.]+)\s*(\S+)\s*$", value).groups()
        return str(parse_parameter_value(number, unit))
    if isinstance(value, bool) or not isinstance(value, str | int):
        r.fail(
            node,
            f"{where}.{key} 应为表达式或金额（如 20万元）",
            f"{where}.{key} must be an expression or an amount such as 20万元",
            key,
        )
    if isinstance(value, int):
        r.fail(
            node,
            f"{where}.{key} 的数字须带单位（元、万元、亿元）或用参数",
            f"{where}.{key}: a bare number needs a unit (元, 万元, 亿元) or a parameter",
            key,
        )
    return value


def _amount(r: Reader, node: Any, references) -> Amount:
    node = r.mapping(node, "amount")
    r.keys(
        node,
        "amount",
        {"text"},
        {"fixed", "percent", "steps", "cap", "minimum", "round", "reference", "article", "mark"},
    )
    forms = [k for k in ("fixed", "percent", "steps") if k in node]
    if len(forms) != 1:
        r.fail(
            node,
            "amount 须有 fixed、percent、steps 之一",
            "amount needs exactly one of fixed, percent, steps",
        )
    amount = Amount(
        forms[0],
        r.text(node, "text", "amount"),
        read_reference(r, node, references, "amount"),
        r.mark(node, "amount", "✅"),
        line=node.line,
    )
    if amount.kind == "fixed":
        amount.fixed = _money_or_expr(r, node, "fixed", "amount")
    elif amount.kind == "percent":
        spec = r.mapping(node["percent"], "amount.percent")
        r.keys(spec, "amount.percent", {"of", "rate"}, set())
        amount.base = r.string(spec, "of", "amount.percent")
        amount.rate = str(spec["rate"]) if not isinstance(spec["rate"], str) else spec["rate"]
        if amount.rate.strip().endswith("%"):
            try:
                amount.rate = str(parse_parameter_value(amount.rate, "ratio"))
            except (ValueError, ZeroDivisionError):
                r.fail(
                    spec,
                    f"amount.percent.rate“{spec['rate']}”无效",
                    f"invalid rate '{spec['rate']}'",
                    "rate",
                )
    else:
        spec = r.mapping(node["steps"], "amount.steps")
        r.keys(spec, "amount.steps", {"value", "bands"}, {"unit"})
        amount.value = r.string(spec, "value", "amount.steps")
        unit = spec.get("unit", "ratio")
        scale = MONEY_UNITS[unit] * 100 if unit in MONEY_UNITS else 1
        if unit not in MONEY_UNITS and unit not in ("ratio", "count"):
            r.fail(
                spec,
                f"amount.steps.unit“{unit}”应为 元、万元、亿元、ratio 或 count",
                f"amount.steps.unit '{unit}' must be 元, 万元, 亿元, ratio or count",
                "unit",
            )
        bands_node = spec["bands"]
        if not isinstance(bands_node, list) or not bands_node:
            r.fail(
                spec,
                "amount.steps.bands 应为非空列表",
                "amount.steps.bands must be a non-empty list",
                "bands",
            )
        for entry in bands_node:
            entry = r.mapping(entry, "amount.steps.bands")
            r.keys(entry, "amount.steps.bands", {"range", "amount"}, {"text"})
            try:
                interval = parse_interval(str(entry["range"]))
            except (ValueError, ZeroDivisionError):
                r.fail(
                    entry,
                    f"区间“{entry['range']}”无效，应如 [5000, 10000) 或 (5000, inf)",
                    f"invalid range '{entry['range']}', write e.g. [5000, 10000) or (5000, inf)",
                    "range",
                )
            interval = type(interval)(
                None if interval.low is None else interval.low * scale,
                interval.low_closed,
                None if interval.high is None else interval.high * scale,
                interval.high_closed,
            )
            band = Band(
                str(len(amount.steps) + 1),
                0,
                0,
                interval=interval,
                text=r.text(entry, "text", "amount.steps", required=False),
                line=entry.line,
            )
            amount.steps.append(
                Step(band, _money_or_expr(r, entry, "amount", "amount.steps.bands"))
            )
        check_bands(r, [s.band for s in amount.steps], "amount.steps")
    if "cap" in node:
        amount.cap = _money_or_expr(r, node, "cap", "amount")
    if "minimum" in node:
        amount.minimum = _money_or_expr(r, node, "minimum", "amount")
    rounding = node.get("round", "fen")
    if rounding not in ROUNDING:
        r.fail(
            node,
            f"amount.round 应为 {'、'.join(ROUNDING)} 之一",
            f"amount.round must be one of {', '.join(ROUNDING)}",
            "round",
        )
    amount.round = ROUNDING[rounding]
    return amount


def _budget(r: Reader, node: Any, references) -> Budget:
    node = r.mapping(node, "budget")
    r.keys(
        node,
        "budget",
        {"total", "when_exceeded"},
        {"rank_by", "boundary", "text", "reference", "article"},
    )
    rule = node["when_exceeded"]
    if rule not in ("prorate", "rank"):
        r.fail(
            node,
            "budget.when_exceeded 应为 prorate（按比例）或 rank（按排序）",
            "budget.when_exceeded must be prorate or rank",
            "when_exceeded",
        )
    keys = []
    rank_by = node.get("rank_by") or []
    if rule == "rank":
        if not isinstance(rank_by, list) or not rank_by or len(rank_by) > 3:
            r.fail(
                node,
                "按排序分配须有 rank_by（1 至 3 个字段）",
                "rank needs rank_by (one to three fields)",
                "rank_by",
            )
        for entry in rank_by:
            match = re.fullmatch(r"\s*(.+?)\s+(asc|desc)\s*", str(entry))
            if not match:
                r.fail(
                    node,
                    f"rank_by 项“{entry}”应写作“表达式 desc”或“表达式 asc”",
                    f"rank_by entry '{entry}' must read 'expression desc' or 'expression asc'",
                    "rank_by",
                )
            keys.append(RankKey(match.group(1), match.group(2) == "desc"))
    elif rank_by:
        r.fail(node, "按比例分配不用 rank_by", "prorate takes no rank_by", "rank_by")
    boundary = node.get("boundary", "prorate")
    if boundary not in ("prorate", "none"):
        r.fail(
            node,
            "budget.boundary 应为 prorate 或 none",
            "budget.boundary must be prorate or none",
            "boundary",
        )
    return Budget(
        _money_or_expr(r, node, "total", "budget"),
        rule,
        keys,
        boundary,
        r.text(node, "text", "budget", required=False),
        read_reference(r, node, references, "budget"),
        node.line,
    )


def _stacking(r: Reader, node: Any) -> Stacking:
    node = r.mapping(node, "stacking")
    r.keys(node, "stacking", set(), {"matter", "rule", "priority", "not_combinable_with"})
    matter = node.get("matter")
    if matter is not None:
        matter = r.ident(node, "matter", "stacking")
    rule = node.get("rule", "larger")
    if rule not in ("larger", "priority"):
        r.fail(
            node,
            "stacking.rule 应为 larger（就高）或 priority（按优先级）",
            "stacking.rule must be larger or priority",
            "rule",
        )
    others = node.get("not_combinable_with") or []
    if not isinstance(others, list) or not all(isinstance(o, str) and ID.match(o) for o in others):
        r.fail(
            node,
            "not_combinable_with 应为政策编号列表",
            "not_combinable_with must list policy ids",
            "not_combinable_with",
        )
    if matter is None and not others:
        r.fail(
            node,
            "stacking 须有 matter 或 not_combinable_with",
            "stacking needs matter or not_combinable_with",
        )
    priority = node.get("priority", 100)
    if not isinstance(priority, int) or isinstance(priority, bool):
        r.fail(
            node,
            "stacking.priority 应为整数（越小越优先）",
            "stacking.priority must be an integer (lower first)",
            "priority",
        )
    return Stacking(matter, rule, priority, list(others), node.line)


def _objection(r: Reader, node: Any) -> Objection:
    if node is None:
        return Objection(15, Text("发布政策的部门", "the issuing department"))
    node = r.mapping(node, "objection")
    r.keys(node, "objection", {"days", "contact"}, set())
    return Objection(
        r.integer(node, "days", "objection", low=1), r.text(node, "contact", "objection")
    )


def _check_names(r: Reader, policy: Policy) -> None:
    seen: dict[str, int] = {"scope": policy.scope.line}
    for name, line in [(c.id, c.line) for c in policy.all_conditions()] + [
        (m.name, m.line) for m in policy.metrics.values()
    ]:
        if name in seen:
            raise DeclarationError(
                r.path,
                line,
                f"名称“{name}”重复（第 {seen[name]} 行已用）",
                f"the name '{name}' is used twice (first on line {seen[name]})",
            )
        seen[name] = line


def _assessments_read(policy: Policy) -> list[str]:
    names = set()
    for source, _ in policy.expressions():
        names.update(re.findall(rf"\b{STATUS_PREFIX}([a-z][a-z0-9_]*)", source))
    return sorted(names)


# --- the catalogue of policies -----------------------------------------------------------------


@dataclass
class PolicyCatalog:
    policies: list[Policy]

    def in_force(self, as_of: dt.date, only: set[str] | None = None) -> list[Policy]:
        chosen: dict[str, Policy] = {}
        for p in self.policies:
            wanted = p.in_force(as_of) and (not only or p.id in only)
            if wanted and (p.id not in chosen or p.effective_from > chosen[p.id].effective_from):
                chosen[p.id] = p
        return sorted(chosen.values(), key=lambda p: (p.order, p.id))

    def get(self, ident: str, as_of: dt.date | None = None) -> Policy:
        versions = [
            p for p in self.policies if p.id == ident and (as_of is None or p.in_force(as_of))
        ]
        if not versions:
            known = ", ".join(sorted({p.id for p in self.policies}))
            raise KeyError(f"未知政策 {ident}（可用：{known}） / unknown policy {ident} ({known})")
        return max(versions, key=lambda p: p.effective_from)

    def groups(self, policies: list[Policy]) -> dict[str, str]:
        """Policy id → its stacking group: the same matter, or joined by not_combinable_with
        (the closure: a group holds every policy linked to another of it)."""
        parent = {p.id: p.id for p in policies}

        def find(x: str) -> str:
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x

        by_matter: dict[str, str] = {}
        for p in policies:
            if p.stacking and p.stacking.matter:
                first = by_matter.setdefault(p.stacking.matter, p.id)
                parent[find(p.id)] = find(first)
            for other in p.stacking.not_combinable_with if p.stacking else []:
                if other in parent:
                    parent[find(p.id)] = find(other)
        return {p.id: find(p.id) for p in policies}


def load_policies(
    folders: list[Path] | None = None, assessment_ids: set[str] | None = None
) -> PolicyCatalog:
    """The policies in ``folders`` (default: the ``policies/`` of the rule sets in force, see
    ``rulelang.rulesets``), checked across files, read again only when a file changed. A policy
    with the id and version of one in an earlier folder replaces it."""
    files = tuple(
        (path, path.stat().st_mtime_ns, path.stat().st_size)
        for folder in (rule_sets().policy_folders if folders is None else folders)
        for path in sorted(folder.glob("*.yaml"))
    )
    if assessment_ids is None:
        from ..assessments.catalogue import load_catalog

        assessment_ids = {d.id for d in load_catalog().declarations}
    return _load(files, frozenset(assessment_ids))


@lru_cache(maxsize=16)
def _load(
    files: tuple[tuple[Path, int, int], ...], assessment_ids: frozenset[str]
) -> PolicyCatalog:
    policies = [read_policy(path) for path, _, _ in files]
    policies = overriding(policies, key=lambda p: (p.id, p.version))
    _check_across(policies, assessment_ids)
    return PolicyCatalog(policies)


def _check_across(policies: list[Policy], assessment_ids: frozenset[str]) -> None:
    ids = {p.id for p in policies}
    by_id: dict[str, list[Policy]] = {}
    for p in policies:
        by_id.setdefault(p.id, []).append(p)
        for name in p.assessments:
            if name not in assessment_ids:
                line = next(
                    (ln for src, ln in p.expressions() if f"{STATUS_PREFIX}{name}" in src), None
                )
                raise DeclarationError(
                    p.path,
                    line,
                    f"未知评价 {STATUS_PREFIX}{name}（可用：{', '.join(sorted(assessment_ids))}）",
                    f"unknown assessment {STATUS_PREFIX}{name}",
                )
        for other in p.stacking.not_combinable_with if p.stacking else []:
            if other not in ids:
                raise DeclarationError(
                    p.path,
                    p.stacking.line,
                    f"not_combinable_with 中的政策 {other} 不存在",
                    f"not_combinable_with names an unknown policy {other}",
                )
    for ident, versions in by_id.items():
        versions.sort(key=lambda p: p.effective_from)
        for older, newer in pairwise(versions):
            if older.effective_to is None or older.effective_to > newer.effective_from:
                raise DeclarationError(
                    newer.path,
                    None,
                    f"{ident} 的两个版本生效期重叠（{older.path.name}）",
                    f"two versions of {ident} are in force at once ({older.path.name})",
                )
    groups = PolicyCatalog(policies).groups(policies)
    rules: dict[str, Policy] = {}
    for p in policies:
        rule = p.stacking.rule if p.stacking else "larger"
        first = rules.setdefault(groups[p.id], p)
        first_rule = first.stacking.rule if first.stacking else "larger"
        if rule != first_rule:
            raise DeclarationError(
                p.path,
                p.stacking.line if p.stacking else None,
                f"同一叠加组的政策须用同一规则：{p.id} 用 {rule}，{first.id} 用 {first_rule}",
                f"policies of one stacking group must use one rule: {p.id} uses {rule}, "
                f"{first.id} {first_rule}",
            )


def parse_override(policy: Policy, assignment: str) -> tuple[str, Fraction | str | None]:
    """``PARAM=VALUE`` for a what-if: the value in the parameter's unit (``4000`` for a 万元
    parameter), or with its own money unit (``4000万元``, ``50%``)."""
    name, sep, text = assignment.partition("=")
    name, text = name.strip(), text.strip()
    if not sep or name not in policy.parameters:
        known = ", ".join(sorted(policy.parameters))
        raise ValueError(
            f"未知参数“{name}”（可用：{known}） / unknown parameter '{name}' ({known})"
        )
    unit = policy.parameters[name].unit
    try:
        match = re.fullmatch(r"([-\d,.]+)\s*(元|万元|亿元)", text)
        if match and unit in MONEY_UNITS:
            return name, parse_parameter_value(match.group(1), match.group(2))
        return name, parse_parameter_value(text, unit)
    except (ValueError, ZeroDivisionError):
        raise ValueError(
            f"参数 {name} 的值“{text}”不是 {unit} 数值 / '{text}' is not a number in {unit}"
        ) from None
