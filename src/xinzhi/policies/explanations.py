"""Why an enterprise receives a policy's payout, or not: the scope, each condition with the
values it saw, the amount and how it was computed, stacking and budget — Chinese with English.
The same text is each payout's basis in exports and notices."""

from __future__ import annotations

from dataclasses import dataclass

from ..assessments.explanations import (
    STATUS_TEXT,
    ClauseResult,
    Shown,
    clause_lines,
    format_in_unit,
)
from ..domain.money import format_yuan
from ..rulelang.declaration import Text
from ..rulelang.registry import input_spec
from .declarations import PROVENANCE, Policy
from .payouts import SCOPE, CompiledPolicy

OUTCOME_TEXT = {
    "paid": Text("全额兑现", "paid in full"),
    "reduced": Text("预算不足，按规则核减", "reduced: the budget was short"),
    "unfunded": Text("预算已用完，未获兑现", "not funded: the budget ran out"),
    "excluded": Text(
        "同一事项不重复享受，已享受另一政策", "excluded: another policy of the same matter applies"
    ),
    "zero": Text("符合条件，但金额为零", "eligible, but the amount is zero"),
    "undetermined": Text(
        "待定（缺少数据或待评审）", "undetermined (data missing or review pending)"
    ),
    "ineligible": Text("不符合条件", "not eligible"),
}


def label(name: str, policy: Policy) -> Text:
    spec = input_spec(name)
    if spec is not None:
        return Text(spec.zh, spec.en)
    if name in policy.metrics:
        return policy.metrics[name].text
    return Text(name, name)


def show_value(name: str, value, policy: Policy) -> str:
    spec = input_spec(name)
    unit = (
        spec.unit if spec else (policy.metrics[name].unit if name in policy.metrics else "number")
    )
    if (unit == "year" or name == "window_year") and value is not None:
        return str(int(value))
    return format_in_unit(value, unit)


@dataclass
class PayoutExplanation:
    policy: Policy
    row: dict  # the detail row (clauses, values) with the payout's columns when allocated
    clauses: list[ClauseResult]
    amount_values: list[Shown]
    missing: list[Text]

    @property
    def outcome(self) -> str:
        return self.row.get("outcome") or self.row["status"]

    def headline(self, lang: str = "zh") -> str:
        p = self.policy
        text = (
            f"{p.name.get(lang)} [{PROVENANCE[p.provenance].get(lang)} · {p.version}]: "
            f"{OUTCOME_TEXT[self.outcome].get(lang)}"
        )
        paid = self.row.get("amount_paid")
        if paid:
            text += f" — {format_yuan(paid)}"
        elif self.row.get("amount") is not None and self.outcome == "undetermined":
            text += (" — 如符合：" if lang == "zh" else " — if eligible: ") + format_yuan(
                self.row["amount"]
            )
        return text

    def lines(self, lang: str = "zh") -> list[str]:
        out = [self.headline(lang)]
        for clause in self.clauses:
            out += clause_lines(clause, lang, "  ")
        a = self.policy.amount
        head = ("  • 金额：" if lang == "zh" else "  • amount: ") + a.text.get(lang)
        if self.row.get("amount") is not None:
            head += f" = {format_yuan(self.row['amount'])}"
        out.append(head + ("" if a.mark == "✅" else f" {a.mark}"))
        if self.amount_values:
            out.append(
                "      " + "; ".join(f"{v.label.get(lang)} = {v.value}" for v in self.amount_values)
            )
        if a.reference:
            out.append("      " + ("依据：" if lang == "zh" else "source: ") + a.reference.cite())
        if self.row.get("superseded_by"):
            out.append(
                ("  • 叠加：已享受 " if lang == "zh" else "  • stacking: receives ")
                + self.row["superseded_by"]
            )
        if self.row.get("budget_rank"):
            out.append(
                ("  • 预算排序：第 " if lang == "zh" else "  • budget rank: ")
                + str(self.row["budget_rank"])
            )
        if self.missing:
            label_text = "  需补充数据或评审：" if lang == "zh" else "  data or review to record: "
            out.append(label_text + "、".join(m.get(lang) for m in self.missing))
        return out

    def basis(self, lang: str = "zh") -> str:
        """One line: each clause with its state and values (the 'why' of an export row)."""
        parts = []
        for clause in self.clauses:
            for c in [clause, *clause.routes]:
                values = ", ".join(f"{v.label.get(lang)}={v.value}" for v in c.values)
                parts.append(
                    f"{c.text.get(lang)}：{STATUS_TEXT[c.state].get(lang)}"
                    + (f"（{values}）" if values else "")
                )
        return "；".join(parts)


def explain_row(compiled: CompiledPolicy, row: dict) -> PayoutExplanation:
    """Explain one detail row (``run.detail[policy]``), merged with its payout row if any."""
    policy = compiled.policy

    def shown(names: list[str]) -> list[Shown]:
        return [
            Shown(n, label(n, policy), show_value(n, row.get(f"v__{n}"), policy))
            for n in names
            if f"v__{n}" in row
        ]

    def clause(c) -> ClauseResult:
        reference = c.reference.cite() if c.reference else None
        return ClauseResult(
            c.id,
            c.text,
            row.get(f"c__{c.id}"),
            None,
            None,
            reference,
            c.mark,
            shown(compiled.shown.get(c.id, [])) if not c.any_of else [],
            [clause(r) for r in c.any_of],
        )

    scope = policy.scope
    clauses = [
        ClauseResult(
            SCOPE,
            Text(f"适用范围：{scope.text.zh}", f"scope: {scope.text.en}"),
            row.get(f"c__{SCOPE}"),
            None,
            None,
            scope.reference.cite() if scope.reference else None,
            "✅",
            shown(compiled.shown.get(SCOPE, [])),
        )
    ]
    clauses += [clause(c) for c in policy.conditions]
    missing = [label(n, policy) for n in (row.get("missing") or "").split(",") if n]
    return PayoutExplanation(policy, row, clauses, shown(compiled.amount_shown), missing)


def explain_enterprise(run, enterprise_id: int, allocated=None) -> list[PayoutExplanation]:
    """Every policy of ``run`` for one enterprise (its ineligible rows only if the run kept
    them: runs for one enterprise do). ``allocated``: a recorded run's payout list, whose
    stacking and budget outcome replaces the one-enterprise run's."""
    payouts = {r["policy"]: r for r in _one(run.results, enterprise_id)}
    if allocated is not None:
        payouts.update({r["policy"]: r for r in _one(allocated, enterprise_id)})
    explanations = []
    for policy in run.policies:
        table = run.detail[policy.id]
        rows = _one(table, enterprise_id)

        if not rows:
            continue
        row = {**rows[0], **payouts.get(policy.id, {})}
        explanations.append(explain_row(run.compiled[policy.id], row))
    return explanations


def _one(table, enterprise_id: int) -> list[dict]:
    import pyarrow.compute as pc

    return table.filter(pc.equal(table["enterprise_id"], enterprise_id)).to_pylist()
