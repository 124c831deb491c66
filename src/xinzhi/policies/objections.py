"""Objections and corrections (异议与更正): an enterprise disputes the data behind a run's
result; its corrected inputs re-evaluate that enterprise alone, and both versions — what the
run saw and what the correction gives — are kept in the audit log.

Corrections name inputs (``tech_contract_turnover_y1=6200万元``, ``judged__merit=true`` for a
review decision, ``hnte_earlier_certificate=false``) and replace the registry's values for the
one enterprise. Stacking is applied again for it; the other enterprises' payouts do not move:
under a budget, the corrected payout is what it is granted, at most the budget the original
run left unspent (its budget less everyone else's payouts). The correction is recorded as a
run of its own (kind ``policy_correction``) pointing at the original.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Engine, select

from ..domain.credit_code import parse_credit_code
from ..domain.errors import XinzhiError
from ..domain.values import parse_headcount
from ..rulelang.declaration import parse_parameter_value
from ..rulelang.registry import input_spec
from ..store.audit import Action, audit
from ..store.db import session_scope
from ..store.models import AuditEntry
from ..store.queries import enterprise_by_credit_code
from .runs import (
    PolicyRun,
    evaluate_policies,
    load_run,
    record_policy_run,
    recorded_policies,
)


class ObjectionError(XinzhiError, ValueError):
    """A correction that cannot be made: no such run, input or enterprise, or a bad value."""


@dataclass
class Correction:
    original_run: int
    correction_run: int
    credit_code: str
    enterprise_id: int
    before: list[dict]  # per policy: what the original run recorded (or nothing: ineligible)
    after: list[dict]  # per policy: the re-evaluation with the corrected inputs
    corrections: dict[str, object]


def parse_correction(assignment: str) -> tuple[str, object]:
    """``INPUT=VALUE``: money with its unit, counts as integers, staff counts with up to two
    decimals, true/false, dates, codes;
    ``unknown`` clears a value."""
    name, sep, text = assignment.partition("=")
    name, text = name.strip(), text.strip()
    spec = input_spec(name)
    if not sep or spec is None or name.startswith("status_"):
        raise ObjectionError(
            f"未知输入“{name}”（见 xinzhi policy inputs）", f"unknown input '{name}'"
        )
    if text.lower() in ("unknown", "null", "未知", ""):
        return name, None
    try:
        if spec.unit == "fen":
            match = re.fullmatch(r"(-?[\d,]+(?:\.\d+)?)\s*(元|万元|亿元)", text)
            if not match:
                raise ValueError
            fen = parse_parameter_value(match.group(1), match.group(2))
            if fen.denominator != 1:
                raise ValueError
            return name, int(fen)
        if spec.unit == "persons":  # a staff count: persons, two decimals at most
            return name, parse_headcount(text)
        if spec.unit == "bool":
            if text.lower() not in ("true", "false", "是", "否"):
                raise ValueError
            return name, text.lower() in ("true", "是")
        if spec.unit == "date":
            return name, dt.date.fromisoformat(text)
        if spec.unit == "code":
            return name, text
        return name, int(text.replace(",", ""))
    except ValueError:
        hint = (
            "金额须带单位，如 6200万元 / money needs a unit, e.g. 6200万元"
            if spec.unit == "fen"
            else spec.unit
        )
        raise ObjectionError(
            f"{name} 的值“{text}”无效（{hint}）", f"invalid value '{text}' for {name}"
        ) from None


def correct(
    engine: Engine,
    run_id: int,
    credit_code: str,
    assignments: list[str],
    *,
    reason: str,
    actor: str,
    backend: str = "duckdb",
) -> Correction:
    stored = load_run(engine, run_id)
    if stored is None or stored.record.kind != "policy":
        raise ObjectionError(f"没有政策兑现运行 {run_id}", f"no policy run {run_id}")
    if not reason.strip():
        raise ObjectionError("须写明异议理由", "a reason is required")
    corrections = dict(parse_correction(a) for a in assignments)
    if not corrections:
        raise ObjectionError("至少更正一项输入", "correct at least one input")
    code = parse_credit_code(credit_code, allow_checksum_failure=True).value
    found = enterprise_by_credit_code(engine, code)
    if found is None:
        raise ObjectionError(f"未找到企业 {code}", f"no enterprise {code}")
    enterprise_id = found[0]
    policies, overrides, _ = recorded_policies(stored.record)
    only = {p.id for p in policies}
    after = evaluate_policies(
        engine,
        as_of=stored.record.as_of,
        only=only,
        backend=backend,
        enterprise_id=enterprise_id,
        corrections=corrections,
    )
    after.overrides = overrides
    after.results = _within_budget(after, stored.results, enterprise_id)
    before = _rows(stored.results, enterprise_id)
    after_rows = _rows(after.results, enterprise_id)
    seen = {k: _plain(v) for k, v in corrections.items()}
    extra = {"correction_of": run_id, "enterprise": code, "corrections": seen, "reason": reason}
    correction_run = record_policy_run(
        engine, after, actor=actor, backend=backend, kind="policy_correction", extra=extra
    )
    with session_scope(engine) as session:
        audit(
            session,
            actor=actor,
            action=Action.POLICY_OBJECTION,
            subject=code,
            detail={
                "run": run_id,
                "correction_run": correction_run,
                "reason": reason,
                "corrections": seen,
                "before": before,
                "after": after_rows,
                "inputs_before": _inputs(stored, enterprise_id),
                "inputs_after": _inputs_of(after, enterprise_id),
            },
        )
    return Correction(run_id, correction_run, code, enterprise_id, before, after_rows, corrections)


def _within_budget(run: PolicyRun, original: pa.Table, enterprise_id: int) -> pa.Table:
    """Cap the corrected payouts at what each policy's budget has left in the original run."""
    others = original.filter(pc.not_equal(original["enterprise_id"], enterprise_id))
    rows = run.results.to_pylist()
    for row in rows:
        budget = run.compiled[row["policy"]].budget
        if budget is None or row["amount_granted"] in (None, 0):
            continue
        spent = (
            pc.sum(others.filter(pc.equal(others["policy"], row["policy"]))["amount_paid"]).as_py()
            or 0
        )
        row["amount_paid"] = min(row["amount_granted"], max(budget - spent, 0))
        row["outcome"] = (
            "paid"
            if row["amount_paid"] == row["amount"]
            else ("reduced" if row["amount_paid"] else "unfunded")
        )
    return pa.Table.from_pylist(rows, schema=run.results.schema)


def _rows(results: pa.Table, enterprise_id: int) -> list[dict]:
    keep = [
        "policy",
        "status",
        "outcome",
        "amount",
        "amount_granted",
        "amount_paid",
        "superseded_by",
        "failed",
        "unknown",
        "missing",
    ]
    rows = results.filter(pc.equal(results["enterprise_id"], enterprise_id))
    return rows.select(keep).to_pylist()


def _plain(value):
    return value.isoformat() if isinstance(value, dt.date) else value


def _detail_inputs(table: pa.Table | None, enterprise_id: int) -> dict:
    if table is None:
        return {}
    rows = table.filter(pc.equal(table["enterprise_id"], enterprise_id)).to_pylist()
    if not rows:
        return {}
    return {k: _plain(v) for k, v in rows[0].items() if k.startswith(("v__", "c__"))}


def _inputs(stored, enterprise_id: int) -> dict:
    return {
        p["id"]: _detail_inputs(stored.detail(p["id"]), enterprise_id)
        for p in stored.record.declarations
    }


def _inputs_of(run: PolicyRun, enterprise_id: int) -> dict:
    return {ident: _detail_inputs(table, enterprise_id) for ident, table in run.detail.items()}


def corrections_of(engine: Engine, run_id: int, credit_code: str | None = None) -> list[AuditEntry]:
    """The objections recorded against ``run_id`` (for one enterprise, with its code)."""
    with session_scope(engine) as session:
        query = (
            select(AuditEntry)
            .where(AuditEntry.action == "policy.objection")
            .order_by(AuditEntry.id)
        )
        if credit_code:
            query = query.where(AuditEntry.subject == credit_code)
        entries = [e for e in session.scalars(query) if (e.detail or {}).get("run") == run_id]
        for entry in entries:
            session.expunge(entry)
        return entries
