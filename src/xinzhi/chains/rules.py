"""The chokepoint analysis rules as data: weights, thresholds and the tackling-mode rule.

The shipped rules are ``data/analysis.yaml``; a bureau copies and edits it and passes its own
file (``xinzhi chain analyse CHAIN --rules FILE``). A file is checked whole when it is
loaded, and each problem names the file, the line and the reason, in Chinese and English.

The mode rule is an ordered list: the first entry whose conditions all hold gives an item
its tackling mode and the reason, a template filled with the item's figures. A condition
compares a variable with a number (``"<= 4"``, ``">= 2"``, ``"== 0"``) or asks whether it is
``unknown`` / ``known``; an unknown figure satisfies no comparison. The last entry must have
no conditions, so that every item gets a mode.
"""

from __future__ import annotations

import hashlib
import re
import string
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from ..domain.errors import InvalidValue
from .located import Located, load_located
from .problems import Problems
from .vocab import DomesticStatus, Mode, ProblemClass

# The figures a mode condition may test, each 0–1 unless said otherwise.
VARIABLES = {
    "score": ("卡脖子指数", "chokepoint score"),
    "technology_control": ("技术受制程度", "technology controlled by others"),
    "import_dependence": ("进口依赖度", "import dependence"),
    "criticality": ("下游依赖度", "share of the chain downstream"),
    "maturity": ("技术成熟度（TRL 1–9）", "technology readiness level (1–9)"),
    "local_firms": ("本地关联企业数", "local enterprises linked"),
    "capable_local_firms": ("本地有能力企业数", "capable local enterprises"),
    "leader_level": ("本地最高能力等级（0–4）", "best local capability level (0–4)"),
    "domestic_capability": ("国内供给能力", "domestic capability"),
    "domestic_suppliers": ("国内其他地区供应商数", "capable firms elsewhere in China"),
}
# Text a reason may quote besides the variables.
NAMES = {
    "node",
    "technology",
    "leader",
    "leader_level_name",
    "domestic_supplier_names",
    "foreign_supplier_names",
}
WEIGHTS = {
    "technology_control": ("技术受制于人", "technology controlled by others"),
    "import_dependence": ("进口替代（进口依赖度）", "import dependence"),
    "criticality": ("下游依赖度", "criticality"),
    "local_gap": ("本地能力缺口", "local capability gap"),
    "domestic_gap": ("国内能力缺口", "domestic capability gap"),
}
TECH_WEIGHTS = ("node", "control", "immaturity")
OPERATORS = ("<=", ">=", "==", "!=", "<", ">")
_CONDITION = re.compile(r"\s*(<=|>=|==|!=|<|>)\s*(-?\d+(?:\.\d+)?)\s*")


@dataclass(frozen=True)
class Condition:
    variable: str
    operator: str  # one of OPERATORS, or "unknown" / "known"
    value: float | None = None

    def describe(self) -> str:
        if self.value is None:
            return f"{self.variable} {self.operator}"
        return f"{self.variable} {self.operator} {self.value:g}"


@dataclass(frozen=True)
class ModeRule:
    mode: Mode
    conditions: tuple[Condition, ...]
    reason_zh: str
    reason_en: str
    line: int


@dataclass
class AnalysisRules:
    weights: dict[str, float]
    domestic_capability: dict[DomesticStatus, float]
    capable_min: int
    inferred_hnte: int
    inferred_other: int
    problem_classes: frozenset[ProblemClass]
    problem_min_score: float
    problem_min_dimension: float
    technology_weights: dict[str, float]
    technology_min_score: float
    technology_min_control: float
    modes: list[ModeRule]
    source: str = "analysis.yaml"
    sha256: str = ""
    label: str = ""
    notes: dict[str, str] = field(default_factory=dict)


def default_rules_path():
    return resources.files("xinzhi.chains") / "data" / "analysis.yaml"


def load_rules(path: Path | None = None) -> AnalysisRules:
    """Load and check a rule file (the shipped one when ``path`` is None)."""
    if path is None:
        resource = default_rules_path()
        text, name = resource.read_text(encoding="utf-8"), "analysis.yaml"
    else:
        path = Path(path)
        text, name = path.read_text(encoding="utf-8"), path.name
    return parse_rules(text, name)


class _Reader:
    """Typed access to the located data, reporting each problem with its line."""

    def __init__(self, located: Located, problems: Problems) -> None:
        self.located = located
        self.problems = problems

    def fail(self, path: tuple, zh: str, en: str, code: str = "rules") -> None:
        self.problems.add(
            self.located.origin(path), ".".join(map(str, path)) or None, None, zh, en, code
        )

    def get(self, path: tuple):
        value = self.located.data
        for part in path:
            if (
                isinstance(value, dict)
                and part in value
                or isinstance(value, list)
                and isinstance(part, int)
                and part < len(value)
            ):
                value = value[part]
            else:
                return _MISSING
        return value

    def mapping(self, path: tuple, allowed: set[str] | None = None) -> dict:
        value = self.get(path)
        if value is _MISSING or not isinstance(value, dict):
            name = ".".join(map(str, path))
            self.fail(
                path, f"缺少“{name}”或其不是键值映射", f"'{name}' is missing or not a mapping"
            )
            return {}
        for key in value:
            if allowed is not None and key not in allowed:
                self.fail(
                    (*path, key),
                    f"未知项“{key}”；可用：{'、'.join(sorted(allowed))}",
                    f"unknown entry '{key}'; expected one of: {', '.join(sorted(allowed))}",
                )
        return value

    def number(self, path: tuple, low: float, high: float) -> float:
        value = self.get(path)
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not low <= value <= high
        ):
            shown = "缺失" if value is _MISSING else value
            self.fail(
                path,
                f"“{'.'.join(map(str, path))}”应为{low:g}到{high:g}之间的数，而不是“{shown}”",
                f"'{'.'.join(map(str, path))}' must be a number from {low:g} to {high:g}, "
                f"not '{'missing' if value is _MISSING else value}'",
            )
            return 0.0
        return float(value)

    def integer(self, path: tuple, low: int, high: int) -> int:
        number = self.number(path, low, high)
        if number != int(number):
            self.fail(
                path,
                f"“{'.'.join(map(str, path))}”应为整数",
                f"'{'.'.join(map(str, path))}' must be a whole number",
            )
        return int(number)


_MISSING = object()


def parse_rules(text: str, file: str) -> AnalysisRules:
    located = load_located(text, file)
    problems = Problems()
    r = _Reader(located, problems)
    if not isinstance(located.data, dict):
        r.fail((), "规则文件应为键值映射", "the rule file must be a mapping")
        problems.raise_if_any()
    top = {
        "label",
        "weights",
        "domestic_capability",
        "capability",
        "problem_list",
        "technology_list",
        "modes",
        "notes",
    }
    r.mapping((), top)
    weights = {
        name: r.number(("weights", name), 0, 100) for name in r.mapping(("weights",), set(WEIGHTS))
    }
    for name in WEIGHTS:
        if name not in weights:
            r.fail(
                ("weights",),
                f"缺少权重“{name}”（{WEIGHTS[name][0]}）",
                f"missing weight '{name}' ({WEIGHTS[name][1]})",
            )
    if weights and sum(weights.values()) <= 0:
        r.fail(("weights",), "权重之和须大于0", "the weights must add up to more than 0")

    domestic: dict[DomesticStatus, float] = {}
    for label in r.mapping(("domestic_capability",)):
        try:
            status = DomesticStatus.parse(str(label))
        except InvalidValue as error:
            r.fail(("domestic_capability", label), error.zh, error.en)
            continue
        domestic[status] = r.number(("domestic_capability", label), 0, 1)
    for status in DomesticStatus:
        if status not in domestic:
            r.fail(
                ("domestic_capability",),
                f"缺少“{status.zh}”的国内能力值",
                f"missing the domestic capability of '{status.value}'",
            )

    r.mapping(("capability",), {"capable_min", "inferred"})
    r.mapping(("capability", "inferred"), {"hnte", "other"})
    capable_min = r.integer(("capability", "capable_min"), 1, 4)
    inferred_hnte = r.integer(("capability", "inferred", "hnte"), 1, 4)
    inferred_other = r.integer(("capability", "inferred", "other"), 1, 4)

    r.mapping(("problem_list",), {"classes", "min_score", "min_dimension"})
    classes: set[ProblemClass] = set()
    raw_classes = r.get(("problem_list", "classes"))
    if not isinstance(raw_classes, list) or not raw_classes:
        r.fail(
            ("problem_list", "classes"),
            "“problem_list.classes”应为非空列表",
            "'problem_list.classes' must be a non-empty list",
        )
    else:
        for i, label in enumerate(raw_classes):
            try:
                classes.add(ProblemClass.parse(str(label)))
            except InvalidValue as error:
                r.fail(("problem_list", "classes", i), error.zh, error.en)
    problem_min_score = r.number(("problem_list", "min_score"), 0, 1)
    problem_min_dimension = r.number(("problem_list", "min_dimension"), 0, 1)

    r.mapping(("technology_list",), {"weights", "min_score", "min_control"})
    r.mapping(("technology_list", "weights"), set(TECH_WEIGHTS))
    tech_weights = {
        name: r.number(("technology_list", "weights", name), 0, 100) for name in TECH_WEIGHTS
    }
    if sum(tech_weights.values()) <= 0:
        r.fail(
            ("technology_list", "weights"),
            "权重之和须大于0",
            "the weights must add up to more than 0",
        )
    tech_min_score = r.number(("technology_list", "min_score"), 0, 1)
    tech_min_control = r.number(("technology_list", "min_control"), 0, 1)

    modes = _modes(r)
    problems.raise_if_any()
    notes = located.data.get("notes") if isinstance(located.data.get("notes"), dict) else {}
    return AnalysisRules(
        weights=weights,
        domestic_capability=domestic,
        capable_min=capable_min,
        inferred_hnte=inferred_hnte,
        inferred_other=inferred_other,
        problem_classes=frozenset(classes),
        problem_min_score=problem_min_score,
        problem_min_dimension=problem_min_dimension,
        technology_weights=tech_weights,
        technology_min_score=tech_min_score,
        technology_min_control=tech_min_control,
        modes=modes,
        source=file,
        sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        label=str(located.data.get("label") or ""),
        notes={str(k): str(v) for k, v in notes.items()},
    )


def _modes(r: _Reader) -> list[ModeRule]:
    raw = r.get(("modes",))
    if not isinstance(raw, list) or not raw:
        r.fail(("modes",), "“modes”应为非空列表", "'modes' must be a non-empty list")
        return []
    rules: list[ModeRule] = []
    unreadable: set[int] = set()  # rules with a condition already reported
    for i, entry in enumerate(raw):
        path = ("modes", i)
        entry = r.mapping(path, {"mode", "when", "reason_zh", "reason_en"})
        line = r.located.origin(path).line or 0
        try:
            mode = Mode.parse(str(entry.get("mode", "")))
        except InvalidValue as error:
            r.fail((*path, "mode"), error.zh, error.en)
            continue
        when = entry.get("when") or {}
        conditions: list[Condition] = []
        if not isinstance(when, dict):
            r.fail(
                (*path, "when"),
                "“when”应为键值映射（变量: 条件）",
                "'when' must be a mapping (variable: condition)",
            )
            when = {}
        for variable, test in when.items():
            condition = _condition(r, (*path, "when", variable), str(variable), test)
            if condition is None:
                unreadable.add(line)
            else:
                conditions.append(condition)
        reasons = []
        for language in ("zh", "en"):
            text = entry.get(f"reason_{language}")
            if not isinstance(text, str) or not text.strip():
                r.fail(
                    (*path, f"reason_{language}"),
                    f"缺少理由“reason_{language}”",
                    f"missing the reason 'reason_{language}'",
                )
                text = ""
            _check_template(r, (*path, f"reason_{language}"), text)
            reasons.append(text.strip())
        rules.append(ModeRule(mode, tuple(conditions), reasons[0], reasons[1], line))
    if rules and (rules[-1].conditions or rules[-1].line in unreadable):
        r.fail(
            ("modes", len(raw) - 1),
            "最后一条方式规则不能有条件（作为其余情形的默认方式）",
            "the last mode rule must have no conditions (it is the default for the rest)",
        )
    for rule in rules[:-1]:
        if not rule.conditions and rule.line not in unreadable:
            r.fail(
                ("modes",),
                f"第{rule.line}行的规则没有条件，其后的规则永远不会生效",
                f"the rule at line {rule.line} has no conditions: the rules after it never apply",
            )
    return rules


def _condition(r: _Reader, path: tuple, variable: str, test) -> Condition | None:
    if variable not in VARIABLES:
        r.fail(
            path,
            f"未知变量“{variable}”；可用：{'、'.join(VARIABLES)}",
            f"unknown variable '{variable}'; expected one of: {', '.join(VARIABLES)}",
        )
        return None
    if isinstance(test, bool):
        test = str(test)
    if isinstance(test, int | float):
        return Condition(variable, "==", float(test))
    text = str(test).strip()
    if text in ("unknown", "known", "未知", "已知"):
        return Condition(variable, "unknown" if text in ("unknown", "未知") else "known")
    match = _CONDITION.fullmatch(text)
    if match is None:
        r.fail(
            path,
            f'条件“{text}”无法识别：应为 比较符 数值（如 "<= 4"、">= 2"），或 unknown / known',
            f"cannot read the condition '{text}': write an operator and a number (e.g. "
            '"<= 4", ">= 2"), or unknown / known',
        )
        return None
    return Condition(variable, match[1], float(match[2]))


def _check_template(r: _Reader, path: tuple, text: str) -> None:
    allowed = set(VARIABLES) | NAMES
    try:
        fields = [name for _, name, _, _ in string.Formatter().parse(text) if name is not None]
    except ValueError as error:
        r.fail(path, f"理由模板格式错误：{error}", f"malformed reason template: {error}")
        return
    unknown = [name for name in fields if name not in allowed]
    for name in unknown:
        r.fail(
            path,
            f"理由中的占位符“{{{name}}}”未知；可用：{'、'.join(sorted(allowed))}",
            f"unknown placeholder '{{{name}}}' in the reason; expected one of: "
            f"{', '.join(sorted(allowed))}",
        )
    if not unknown:
        try:  # values reach the template as text: a number format such as {x:.0%} cannot apply
            text.format(**dict.fromkeys(allowed, "x"))
        except (ValueError, IndexError, KeyError) as error:
            r.fail(
                path,
                f"理由模板无法填写：{error}（占位符只写名称，如 {{maturity}}）",
                f"the reason template cannot be filled: {error} (write placeholders by name "
                "only, e.g. {maturity})",
            )
