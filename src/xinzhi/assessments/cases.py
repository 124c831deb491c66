"""Assessment cases written from the official texts, in YAML beside the declarations
(``rulesets/assessments/cases/``): input facts → expected status, score interval and the
failed and unknown clauses — the counterpart of the policy cases (``policies.cases``)::

    assessment: liaoning_unicorn
    as_of: 2023-12-31
    defaults: {founded_on: 2016-01-01, financing_total: 1亿元, listed: false}
    cases:
      - name: 投后估值恰10亿美元（超过（含））符合
        facts: {valuation: 70亿元}
        expect: {status: pass}

Facts are population inputs by name (`xinzhi rules inputs`), money with its unit; unlisted
inputs are unknown. ``expect`` keys: ``status`` (pass | fail | undetermined), ``score``
([low, high]), ``failed`` and ``unknown`` (the exact sets of clause ids; [] for none).
Every case runs the real declaration — on the vectorised evaluator for `xinzhi rules test`,
on any engine in the cross-engine test (PostgreSQL and Spark too); the cases of one assessment
and date are evaluated together, as rows of one table, by one query (one program).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa

from ..policies.cases import _fact, _fail
from ..rulelang.population import window_year
from ..rulelang.registry import POPULATION_INPUTS, dtype_of_unit
from ..rulelang.rulesets import rule_sets
from ..rulelang.yamlfile import Node, load_yaml
from .catalogue import Catalog, load_catalog

STATUSES = ("pass", "fail", "undetermined")
TYPES = {"int64": pa.int64(), "string": pa.string(), "date": pa.date32(), "boolean": pa.bool_()}


@dataclass
class AssessmentCase:
    file: Path
    name: str
    line: int
    assessment: str
    as_of: dt.date
    facts: dict[str, Any]  # converted to column values
    expected: dict[str, Any]

    @property
    def id(self) -> str:
        return f"{self.file.stem}:{self.name}"


def case_folders() -> list[Path]:
    return [f / "cases" for f in rule_sets().assessment_folders if (f / "cases").is_dir()]


def load_assessment_cases(
    folders: list[Path] | None = None, catalog: Catalog | None = None
) -> list[AssessmentCase]:
    catalog = catalog or load_catalog()
    cases = []
    for folder in case_folders() if folders is None else folders:
        for path in sorted(folder.glob("*.yaml")):
            cases += read_assessment_cases(path, catalog)
    return cases


def read_assessment_cases(path: Path, catalog: Catalog) -> list[AssessmentCase]:
    doc = load_yaml(path)
    if not isinstance(doc, Node) or "assessment" not in doc or "cases" not in doc:
        _fail(
            path, doc, "测试文件须有 assessment 和 cases", "a case file needs assessment and cases"
        )
    ident = str(doc["assessment"])
    as_of = doc.get("as_of", dt.date(2023, 12, 31))
    if not isinstance(as_of, dt.date):
        _fail(path, doc, "as_of 应为日期", "as_of must be a date", "as_of")
    try:
        catalog.get(ident, as_of)
    except (KeyError, LookupError):
        _fail(path, doc, f"未知评价 {ident}", f"unknown assessment {ident}", "assessment")
    defaults = doc.get("defaults") or Node()
    cases = []
    for node in doc["cases"]:
        if not isinstance(node, Node) or "name" not in node or "expect" not in node:
            _fail(path, node, "每个用例须有 name 和 expect", "each case needs a name and expect")
        given = node.get("facts") or Node()
        facts = {}
        for source in (defaults, given):
            for name, value in source.items():
                if name not in POPULATION_INPUTS:
                    _fail(path, source, f"未知输入 {name}", f"unknown input {name}", "facts")
                facts[name] = _fact(path, source, name, value)
        cases.append(
            AssessmentCase(
                path,
                str(node["name"]),
                node.line,
                ident,
                as_of,
                facts,
                _expected(path, node, node["expect"]),
            )
        )
    return cases


def _expected(path: Path, node: Node, expect: Any) -> dict[str, Any]:
    if not isinstance(expect, dict):
        _fail(path, node, "expect 应为映射", "expect must be a mapping", "expect")
    result = {}
    for key, value in expect.items():
        if key == "status" and value in STATUSES:
            result[key] = value
        elif key == "score" and isinstance(value, list) and len(value) == 2:
            result[key] = (value[0], value[1])
        elif key in ("failed", "unknown") and isinstance(value, list):
            result[key] = {str(v) for v in value}
        else:
            _fail(path, node, f"expect 中 {key} 无效", f"invalid expectation {key}", "expect")
    return result


def facts_table(cases: list[AssessmentCase]) -> pa.Table:
    """One population row per case (``enterprise_id`` 1, 2 …): every input column, unknown
    unless given."""
    rows = range(1, len(cases) + 1)
    columns = {
        "enterprise_id": pa.array(rows, pa.int64()),
        "credit_code": pa.array([f"TEST{i:014d}" for i in rows], pa.string()),
        "name": pa.array(["测试企业"] * len(cases), pa.string()),
        "district_id": pa.array([1] * len(cases), pa.int64()),
    }
    for name, spec in POPULATION_INPUTS.items():
        if name == "as_of":
            values = [c.as_of for c in cases]
        elif name == "window_year":
            values = [window_year(c.as_of) for c in cases]
        else:
            values = [c.facts.get(name) for c in cases]
        columns[name] = pa.array(values, TYPES[dtype_of_unit(spec.unit)])
    return pa.table(columns)


def run_assessment_cases(
    cases: list[AssessmentCase], catalog: Catalog | None = None
) -> list[list[str]]:
    """The mismatches of each case (empty when it passes), run by the vectorised evaluator —
    the default one; the cross-engine test runs them on every engine too."""
    found = run_cases(None, cases, catalog)
    return [found[case.id] for case in cases]


def run_assessment_case(case: AssessmentCase, catalog: Catalog | None = None) -> list[str]:
    """The mismatches of one case (empty when it passes)."""
    return run_assessment_cases([case], catalog)[0]


def run_cases(
    store, cases: list[AssessmentCase], catalog: Catalog | None = None
) -> dict[str, list[str]]:
    """Each case's mismatches on ``store`` — any engine (``rulelang.engines``), or with
    ``None`` the vectorised evaluator (``rulelang.vectorised``).

    The cases of one assessment and date are rows of one table, evaluated by one query (one
    program), and the query's SQL is kept (``store.compiled``): lowering a declaration to SQL
    costs seconds (HNTE's is hundreds of nested columns), evaluating a few rows almost nothing."""
    import ibis

    from ..rulelang.compiler import compile_declaration
    from ..rulelang.vectorised import cached_program, run

    catalog = catalog or load_catalog()
    groups: dict[tuple[str, dt.date], list[AssessmentCase]] = {}
    for case in cases:
        groups.setdefault((case.assessment, case.as_of), []).append(case)
    found = {}
    for number, ((ident, as_of), group) in enumerate(groups.items()):
        facts = facts_table(group)
        declaration = catalog.get(ident, as_of)
        if store is None:
            frame = ibis.table(ibis.Schema.from_pyarrow(facts.schema), name="case_facts")
            program = cached_program(
                ("case", declaration.sha256, as_of, tuple(frame.schema().items())),
                lambda d=declaration, f=frame, a=as_of: compile_declaration(d, f, a).table,
                None,
            )
            rows = run(program, facts)
        else:
            name = f"case_facts_{number}"
            frame = store.register_arrow(name, facts)
            sql = store.compiled(
                ("case", name, declaration.sha256, as_of, tuple(frame.schema().items())),
                lambda d=declaration, f=frame, a=as_of: compile_declaration(d, f, a).table,
            )
            rows = store.fetch(sql, order_by="enterprise_id")
        for case, row in zip(group, rows.to_pylist(), strict=True):
            found[case.id] = compare(case, row)
    return found


def compare(case: AssessmentCase, row: dict) -> list[str]:
    problems = []
    for key, want in case.expected.items():
        if key == "score":
            got = (row.get("score_low"), row.get("score_high"))
        elif key in ("failed", "unknown"):
            got = set((row.get(key) or "").split(",")) - {""}
        else:
            got = row.get(key)
        if got != want:
            shown = sorted(got) if isinstance(got, set) else got
            wanted = sorted(want) if isinstance(want, set) else want
            problems.append(f"{key}: want {wanted}, got {shown}")
    return problems
