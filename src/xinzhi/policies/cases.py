"""Policy tests written from the policy text, in YAML beside the policies — input facts →
expected eligibility and amounts — as OpenFisca keeps its tests beside its legislation.

A file names the policies it tests and lists cases; a case gives one enterprise's ``facts``
(or several ``enterprises``), optional parameter changes (``set``) and what to ``expect``::

    policies: [shenyang_tech_contract_reward]
    year: 2022
    defaults: {district_code: "210102"}
    cases:
      - name: 超过5000万元的企业奖励20万元
        facts: {tech_contract_turnover_y1: 5000.01万元}
        expect: {status: eligible, amount_paid: 20万元}

Facts are inputs by name (`xinzhi policy inputs`); money is written with its unit (元, 万元,
亿元); an assessment's result is ``status_<id>: pass``; a review decision ``judged__<id>: true``.
With several policies, ``expect`` is keyed by policy id. Expected keys: ``status``,
``outcome``, ``amount``, ``amount_granted``, ``amount_paid``, ``superseded_by``,
``budget_rank``, ``failed``, ``unknown``, ``missing`` (lists: every id listed must be there);
a case may also ``expect_paid`` per policy (the total paid).

Every case runs the real pipeline (compilation, stacking, budget) on DuckDB in memory; the
cross-engine test runs them on Spark too (``tests/rulelang/test_engines.py``).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa

from ..domain.errors import InvalidValue
from ..domain.values import parse_headcount
from ..rulelang.declaration import parse_parameter_value
from ..rulelang.registry import input_spec, input_table_schema
from ..rulelang.rulesets import rule_sets
from ..rulelang.yamlfile import DeclarationError, Node, line_of, load_yaml
from .declarations import POLICIES, PolicyCatalog, load_policies, parse_override

CASES = POLICIES / "cases"
LIST_KEYS = ("failed", "unknown", "missing")
MONEY_KEYS = ("amount", "amount_granted", "amount_paid")
VALUE_KEYS = ("status", "outcome", "superseded_by", "budget_rank")


@dataclass
class Case:
    file: Path
    name: str
    line: int
    policies: list[str]
    as_of: dt.date
    enterprises: list[dict[str, Any]]  # facts, already converted to column values
    expected: list[dict[str, dict[str, Any]]]  # per enterprise: policy → key → value
    expected_paid: dict[str, int]
    overrides: dict[str, dict]

    @property
    def id(self) -> str:
        return f"{self.file.stem}:{self.name}"


def load_cases(
    folder: Path | list[Path] | None = None, catalog: PolicyCatalog | None = None
) -> list[Case]:
    """The cases in ``folder`` (default: the ``policies/cases/`` of every rule set in force)."""
    catalog = catalog or load_policies()
    if folder is None:
        folders = rule_sets().case_folders
    else:
        folders = [folder] if isinstance(folder, Path) else list(folder)
    cases = []
    for each in folders:
        for path in sorted(each.glob("*.yaml")):
            cases += read_cases(path, catalog)
    return cases


def _fail(path: Path, node: Any, zh: str, en: str, key: str | None = None):
    raise DeclarationError(path, line_of(node, key), zh, en)


def read_cases(path: Path, catalog: PolicyCatalog) -> list[Case]:
    doc = load_yaml(path)
    if not isinstance(doc, Node) or "policies" not in doc or "cases" not in doc:
        _fail(path, doc, "测试文件须有 policies 和 cases", "a test file needs policies and cases")
    names = doc["policies"]
    for name in names:
        try:
            catalog.get(name)
        except KeyError:
            _fail(path, doc, f"未知政策 {name}", f"unknown policy {name}", "policies")
    year = doc.get("year")
    defaults = doc.get("defaults") or {}
    cases = []
    for node in doc["cases"]:
        if (
            not isinstance(node, Node)
            or "name" not in node
            or not {"expect", "enterprises"} & set(node)
        ):
            _fail(path, node, "每个用例须有 name 和 expect", "each case needs a name and expect")
        as_of = dt.date(int(node.get("year", year)), 12, 31)
        policies = [catalog.get(n, as_of) for n in names]
        overrides = {}
        for assignment_policy, assignments in _sets(path, node, names).items():
            policy = next(p for p in policies if p.id == assignment_policy)
            for name, value in assignments.items():
                try:
                    overrides.setdefault(policy.id, {}).update(
                        [parse_override(policy, f"{name}={value}")]
                    )
                except ValueError as exc:
                    _fail(path, node, str(exc), str(exc), "set")
        entries = node.get("enterprises") or [node]
        enterprises, expected = [], []
        for entry in entries:
            given = entry.get("facts") or Node()
            facts = {**defaults, **given}
            enterprises.append(
                {k: _fact(path, given if k in given else defaults, k, v) for k, v in facts.items()}
            )
            expected.append(_expected(path, entry, entry.get("expect") or {}, names))
        paid = {
            k: _money(path, node, "expect_paid", v)
            for k, v in (node.get("expect_paid") or {}).items()
        }
        cases.append(
            Case(
                path,
                str(node["name"]),
                node.line,
                names,
                as_of,
                enterprises,
                expected,
                paid,
                overrides,
            )
        )
    return cases


def _sets(path: Path, node: Node, names: list[str]) -> dict[str, dict]:
    sets = node.get("set") or {}
    if not sets:
        return {}
    if len(names) == 1 and not all(k in names for k in sets):
        return {names[0]: sets}
    return sets


def _money(path: Path, node: Any, key: str, value: Any) -> int:
    text = str(value)
    match = re.fullmatch(r"\s*(-?[\d,]+(?:\.\d+)?)\s*(元|万元|亿元)\s*", text)
    if not match:
        _fail(
            path,
            node,
            f"{key} 的金额“{value}”须带单位（元、万元、亿元）",
            f"{key}: the amount '{value}' needs a unit (元, 万元, 亿元)",
            key,
        )
    fen = parse_parameter_value(match.group(1), match.group(2))
    if fen.denominator != 1:
        _fail(
            path, node, f"{key} 的金额“{value}”不是整分", f"{key}: '{value}' is not whole fen", key
        )
    return int(fen)


def _fact(path: Path, node: Node, name: str, value: Any) -> Any:
    spec = input_spec(name)
    if spec is None:
        _fail(
            path,
            node,
            f"未知输入 {name}（见 xinzhi policy inputs）",
            f"unknown input {name}",
            "facts",
        )
    if value is None:
        return None
    if spec.unit == "fen":
        return _money(path, node, name, value)
    if spec.unit == "persons":  # a staff count, written in persons (12 or 12.25)
        try:
            return parse_headcount(value)
        except InvalidValue as error:
            _fail(path, node, f"{name}：{error.zh}", f"{name}: {error.en}", "facts")
    if spec.unit == "date":
        if not isinstance(value, dt.date):
            _fail(path, node, f"{name} 应为日期", f"{name} must be a date", "facts")
        return value
    if spec.unit == "bool":
        if not isinstance(value, bool):
            _fail(
                path, node, f"{name} 应为 true 或 false", f"{name} must be true or false", "facts"
            )
        return value
    if spec.unit == "code":
        # An undetermined assessment is an unknown status, as in a run.
        return None if name.startswith("status_") and value == "undetermined" else str(value)
    if not isinstance(value, int) or isinstance(value, bool):
        _fail(path, node, f"{name} 应为整数", f"{name} must be an integer", "facts")
    return value


def _expected(path: Path, node: Node, expect: Any, names: list[str]) -> dict[str, dict[str, Any]]:
    if len(names) == 1 and not (isinstance(expect, dict) and set(expect) <= set(names) and expect):
        expect = {names[0]: expect}
    result = {}
    for policy, values in expect.items():
        if policy not in names:
            _fail(
                path,
                node,
                f"expect 中的政策 {policy} 不在 policies 中",
                f"expect names {policy}, not listed",
            )
        converted = {}
        for key, value in (values or {}).items():
            if key in MONEY_KEYS:
                converted[key] = _money(path, node, key, value)
            elif key in LIST_KEYS:
                converted[key] = [str(v) for v in (value if isinstance(value, list) else [value])]
            elif key in VALUE_KEYS:
                converted[key] = value
            else:
                _fail(path, node, f"expect 中有未知项 {key}", f"unknown expectation {key}")
        result[policy] = converted
    return result


def frame_table(case: Case, assessments: list[str], judged: list[str]) -> pa.Table:
    """The case's enterprises as a policy frame: every input column, unknown unless given."""
    schema = input_table_schema(assessments)
    schema.update({f"judged__{j}": "boolean" for j in judged})
    types = {"int64": pa.int64(), "string": pa.string(), "date": pa.date32(), "boolean": pa.bool_()}
    n = len(case.enterprises)
    columns = {}
    for name, dtype in schema.items():
        if name == "enterprise_id":
            values = list(range(1, n + 1))
        elif name == "credit_code":
            values = [
                e.get("credit_code", f"TEST{i:014d}") for i, e in enumerate(case.enterprises, 1)
            ]
        elif name == "name":
            values = [f"测试企业{i}" for i in range(1, n + 1)]
        elif name == "as_of":
            values = [case.as_of] * n
        elif name == "window_year":
            values = [case.as_of.year] * n
        else:
            values = [e.get(name) for e in case.enterprises]
        columns[name] = pa.array(values, type=types[dtype])
    return pa.table(columns)


def run_case(case: Case, catalog: PolicyCatalog | None = None, backend: str = "duckdb"):
    """Run one case on ``backend`` (DuckDB in memory, or the local Spark session); returns the
    PolicyRun and the list of mismatches (empty when it passes)."""
    import ibis

    from ..rulelang.engines import DuckDBStore, register_arrow_view, spark_store
    from .runs import FRAME, run_on_frame

    catalog = catalog or load_policies()
    policies = [catalog.get(n, case.as_of) for n in case.policies]
    assessments = sorted({a for p in policies for a in p.assessments})
    judged = sorted({j for p in policies for j in p.judged})
    facts = frame_table(case, assessments, judged)
    if backend == "pyspark":
        store = spark_store("xinzhi_case")
        frame = register_arrow_view(store, FRAME, facts)
    else:
        store = DuckDBStore(ibis.duckdb.connect(threads=1))
        store.con.con.register("case_facts", facts)
        store.con.raw_sql(f'CREATE TEMPORARY TABLE "{FRAME}" AS SELECT * FROM case_facts')
        frame = store.con.table(FRAME)
    try:
        run = run_on_frame(
            store,
            frame,
            len(case.enterprises),
            policies,
            case.as_of,
            catalog,
            case.overrides,
            keep_ineligible=True,
        )
    finally:
        store.close()
    return run, compare(case, run)


def compare(case: Case, run) -> list[str]:
    rows = {}
    for policy, table in run.detail.items():  # every row, ineligible too …
        for r in table.select(["enterprise_id", "status", "amount", *LIST_KEYS]).to_pylist():
            rows[(r["enterprise_id"], policy)] = r
    for r in run.results.to_pylist():  # … with the allocation's columns where it has them
        rows[(r["enterprise_id"], r["policy"])].update(r)
    problems = []
    for i, expected in enumerate(case.expected, 1):
        for policy, values in expected.items():
            row = rows.get((i, policy))
            for key, want in values.items():
                got = None if row is None else row.get(key)
                if key in LIST_KEYS:
                    have = set((got or "").split(",")) - {""}
                    if not set(want) <= have:
                        problems.append(
                            f"enterprise {i} {policy}.{key}: want {want} ⊆ {sorted(have)}"
                        )
                elif got != want:
                    shown = f"{got} fen" if key in MONEY_KEYS and got is not None else got
                    problems.append(f"enterprise {i} {policy}.{key}: want {want}, got {shown}")
    for policy, want in case.expected_paid.items():
        got = sum(r["amount_paid"] or 0 for r in run.results.to_pylist() if r["policy"] == policy)
        if got != want:
            problems.append(f"{policy} total paid: want {want} fen, got {got}")
    return problems


@dataclass
class CaseOutcome:
    case: Case
    problems: list[str]  # empty: the case passes

    @property
    def passed(self) -> bool:
        return not self.problems


def run_cases(cases: list[Case], catalog: PolicyCatalog | None = None) -> list[CaseOutcome]:
    """Run every case (``xinzhi rules test``, ``xinzhi policy check``)."""
    catalog = catalog or load_policies()
    return [CaseOutcome(case, run_case(case, catalog)[1]) for case in cases]
