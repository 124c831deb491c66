"""What-if: change a policy's parameters and see who gains, who loses, and what happens to the
amounts and the budget — side by side with the current parameters on the same data.

Only the policy and the policies of its stacking group are evaluated (stacking decides
between them; the others cannot change). Both sides run on one materialised population, so
the difference is the parameters' alone. The changed side takes the current side's rows of
every policy whose SQL the change leaves as it was (a budget is not in the SQL): only stacking
and budgets are computed again for them.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Engine

from ..assessments.runs import default_as_of, district_codes
from ..rulelang.engines import open_store
from .declarations import PolicyCatalog, load_policies, parse_override
from .runs import (
    PolicyRun,
    application_dates,
    build_frame,
    population_snapshot,
    run_on_frame,
    select_policies,
)

KEYS = ["enterprise_id", "policy"]


@dataclass
class WhatIf:
    policy_id: str
    changes: dict[str, object]
    before: PolicyRun
    after: PolicyRun
    changed: pa.Table  # one row per enterprise and policy whose payout changed
    seconds: float

    def totals(self) -> list[dict]:
        """Per policy: paid, payouts, budget — before and after."""
        out = []
        for p in self.after.policies:
            b, a = self.before.summary["policies"][p.id], self.after.summary["policies"][p.id]
            out.append(
                {
                    "policy": p.id,
                    "name": p.name.zh,
                    "paid_before": b["paid"],
                    "paid_after": a["paid"],
                    "payouts_before": b["outcomes"]["paid"] + b["outcomes"]["reduced"],
                    "payouts_after": a["outcomes"]["paid"] + a["outcomes"]["reduced"],
                    "eligible_before": b["eligible"],
                    "eligible_after": a["eligible"],
                    "budget_before": b["budget"],
                    "budget_after": a["budget"],
                }
            )
        return out

    @property
    def gainers(self) -> int:
        return int(pc.sum(pc.greater(self.changed["change"], 0)).as_py() or 0)

    @property
    def losers(self) -> int:
        return int(pc.sum(pc.less(self.changed["change"], 0)).as_py() or 0)


def parse_changes(
    catalog: PolicyCatalog, policy_id: str, as_of: dt.date, assignments: list[str]
) -> dict:
    policy = catalog.get(policy_id, as_of)
    return dict(parse_override(policy, a) for a in assignments)


def whatif(
    engine: Engine,
    policy_id: str,
    assignments: list[str],
    *,
    as_of: dt.date | None = None,
    backend: str = "duckdb",
    catalog: PolicyCatalog | None = None,
    application_date: dt.date | None = None,
) -> WhatIf:
    """Evaluate ``policy_id`` (and its stacking group) with and without ``PARAM=VALUE`` changes
    (for an ``application_date`` instead of ``as_of``: ``runs.application_dates``)."""
    started = time.perf_counter()
    as_of, accounting_year = application_dates(engine, as_of, application_date)
    as_of = as_of or default_as_of(engine)
    catalog = catalog or load_policies()
    changes = parse_changes(catalog, policy_id, as_of, assignments)
    policies = select_policies(catalog, as_of, {policy_id}, district_codes(engine))
    if not any(p.id == policy_id for p in policies):
        raise KeyError(
            f"政策 {policy_id} 在 {as_of} 不适用于本库的地区 / policy {policy_id} does not "
            f"apply to this registry's region on {as_of}"
        )
    snapshot = population_snapshot(engine, as_of, backend, accounting_year)
    store = open_store(engine, backend)
    try:
        frame, count = build_frame(store, as_of, policies, None, {}, snapshot, accounting_year)
        before = run_on_frame(store, frame, count, policies, as_of, catalog, {})
        after = run_on_frame(
            store, frame, count, policies, as_of, catalog, {policy_id: changes}, reuse=before
        )
    finally:
        store.close()
    before.application_date = after.application_date = application_date
    return WhatIf(
        policy_id,
        changes,
        before,
        after,
        compare_payouts(before.results, after.results),
        time.perf_counter() - started,
    )


def compare_payouts(before: pa.Table, after: pa.Table) -> pa.Table:
    """Rows whose amount paid differs (a missing row pays nothing), largest changes first."""
    columns = [
        "enterprise_id",
        "credit_code",
        "name",
        "district_id",
        "policy",
        "outcome",
        "amount_paid",
    ]
    b = before.select(columns).rename_columns([*columns[:5], "outcome_before", "paid_before"])
    a = after.select(columns).rename_columns([*columns[:5], "outcome_after", "paid_after"])
    joined = b.join(
        a,
        keys=KEYS,
        join_type="full outer",
        left_suffix="",
        right_suffix="_after",
        coalesce_keys=True,
    )
    for name in ("credit_code", "name", "district_id"):
        joined = joined.set_column(
            joined.schema.get_field_index(name),
            name,
            pc.coalesce(joined[name], joined[f"{name}_after"]),
        )
        joined = joined.drop_columns([f"{name}_after"])
    paid_before = pc.fill_null(joined["paid_before"], 0)
    paid_after = pc.fill_null(joined["paid_after"], 0)
    joined = joined.set_column(
        joined.schema.get_field_index("paid_before"), "paid_before", paid_before
    )
    joined = joined.set_column(
        joined.schema.get_field_index("paid_after"), "paid_after", paid_after
    )
    joined = joined.append_column("change", pc.subtract(paid_after, paid_before))
    changed = joined.filter(pc.not_equal(joined["change"], 0))
    changed = changed.append_column("magnitude", pc.abs(changed["change"]))
    changed = changed.sort_by([("magnitude", "descending"), ("credit_code", "ascending")])
    return changed.drop_columns(["magnitude"])
