"""Policies over a whole city: 1,000,000 enterprises × 20 policies, with explanations; what-if
of one parameter; against the `rule-engine` package evaluating the same rules record by record.

    .venv/bin/python benchmarks/bench_policies.py [--enterprises 1000000] [--baseline-sample 5000]

Targets (issue #4): all 20 policies — eligibility, amounts, stacking, budgets, and per policy
every clause's value for every payout and undetermined case (what an explanation and the
audit record show) — ≤ 10 s on 2 cores with DuckDB; a what-if of one parameter ≤ 3 s.

The population is synthetic, generated here with numpy (the inputs the policies read, with
realistic shares of unknowns), handed to DuckDB as the materialised policy frame — the same
table ``xinzhi policy run`` builds from the store — so the figures are the policy engine's
own (building the population from the store is the assessments' benchmark, bench_rules.py).
The 20 policies are the five shipped ones and three copies of each (own ids, so each is
compiled and evaluated on its own; each copy of the R&D subsidy shares its stacking matter
with the same copy of the vouchers: four groups of two).

* **cold**: the first run in the process (each policy compiled to SQL);
* **warm**: the same run again (SQL cached), what a scheduled run in a long-lived service costs;
* **what-if**: the compute-voucher budget changed — that policy and its stacking group
  allocated again with the new value, side by side with the warm run (as ``xinzhi policy
  whatif`` does): a policy whose SQL the change leaves as it was (a budget is not in the SQL)
  reuses the current run's rows; then a parameter inside the SQL (the R&D subsidy's minimum
  growth): that policy compiled and evaluated anew, its group's other policy reused;
* **rule-engine**: the same eligibility rules and amounts written for `rule_engine.Rule`,
  matched record by record on a sample, then stacking and budgets in Python, scaled to the
  population; checked against the engine on the sample's eligible set.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import tempfile
import time
from fractions import Fraction
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

AS_OF = dt.date(2023, 12, 31)
SHENYANG = [
    "210102",
    "210103",
    "210104",
    "210105",
    "210106",
    "210111",
    "210112",
    "210113",
    "210114",
    "210115",
    "210181",
    "210123",
    "210124",
]


def population(n: int, seed: int = 7) -> pa.Table:
    rng = np.random.default_rng(seed)

    def money(share: float, median_wan: float, unknown: float = 0.0) -> pa.Array:
        values = np.where(
            rng.random(n) < share, rng.lognormal(np.log(median_wan * 1e6), 1.0, n), 0
        ).astype(np.int64)
        mask = rng.random(n) < unknown
        return pa.array(values, mask=mask)

    district = np.array(SHENYANG + ["210202"])[rng.integers(0, len(SHENYANG) + 1, n)]
    status = np.array(["pass", "fail", None], dtype=object)[rng.choice(3, n, p=[0.55, 0.35, 0.10])]
    certified_year = rng.integers(2015, 2024, n)
    has_certificate = rng.random(n) < 0.25
    rd2 = money(0.8, 80, unknown=0.05)
    growth = rng.uniform(0.7, 1.8, n)
    rd1 = pa.array(
        (np.nan_to_num(rd2.to_numpy(zero_copy_only=False).astype(float)) * growth).astype(np.int64),
        mask=rng.random(n) < 0.05,
    )
    return pa.table(
        {
            "enterprise_id": pa.array(np.arange(1, n + 1, dtype=np.int64)),
            "credit_code": pa.array([f"91210100MA{i:08d}" for i in range(n)]),
            "name": pa.array([f"企业{i}" for i in range(n)]),
            "district_id": pa.array(rng.integers(1, 15, n).astype(np.int64)),
            "district_code": pa.array(district),
            "park_name": pa.nulls(n, pa.string()),
            "as_of": pa.array([AS_OF] * n, pa.date32()),
            "window_year": pa.array(np.full(n, 2023, dtype=np.int64)),
            "age_years": pa.array(rng.integers(0, 30, n).astype(np.int64)),
            "tech_contract_turnover_y1": money(0.05, 800),
            "tech_contracts_y1": pa.array(rng.integers(0, 20, n).astype(np.int64)),
            "pilot_bases_provincial": pa.array((rng.random(n) < 0.0005).astype(np.int64)),
            "judged__merit": pa.array(
                np.where(rng.random(n) < 0.5, True, None).tolist(), pa.bool_()
            ),
            "hnte_certificate_valid": pa.array(has_certificate & (certified_year >= 2021)),
            "hnte_certified_year": pa.array(
                np.where(has_certificate, certified_year, 0).astype(np.int64), mask=~has_certificate
            ),
            "hnte_certified_on": pa.array(
                [
                    dt.date(int(y), 6, 1) if c else None
                    for y, c in zip(certified_year, has_certificate)
                ],
                pa.date32(),
            ),
            "hnte_earlier_certificate": pa.array(
                np.where(rng.random(n) < 0.3, rng.random(n) < 0.5, None).tolist(), pa.bool_()
            ),
            "status_sme": pa.array(status.tolist(), pa.string()),
            "rd_expense_y1": rd1,
            "rd_expense_y2": rd2,
            "industry_division": pa.array(
                np.array(["63", "64", "65", "35", "39", "26"])[rng.integers(0, 6, n)]
            ),
            "hnte_field": pa.array(
                np.array(["1", "2", "8", None], dtype=object)[rng.integers(0, 4, n)].tolist(),
                pa.string(),
            ),
            "tech_staff_y1": pa.array(
                rng.integers(0, 120, n).astype(np.int64), mask=rng.random(n) < 0.03
            ),
        }
    )


def twenty_policies(folder: Path):
    """The five shipped policies and three copies of each (own ids)."""
    from xinzhi.policies.declarations import POLICIES, load_policies

    for path in sorted(POLICIES.glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        ident = next(
            line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith("id:")
        )
        (folder / path.name).write_text(text, encoding="utf-8")
        for k in (1, 2, 3):
            copy = text.replace(f"id: {ident}", f"id: {ident}_copy{k}")
            copy = copy.replace("matter: rd_cost_support", f"matter: rd_cost_support_copy{k}")
            (folder / f"{path.stem}-copy{k}.yaml").write_text(copy, encoding="utf-8")
    catalog = load_policies([folder])
    return catalog, catalog.in_force(AS_OF)


def store_with(table: pa.Table):
    import ibis

    from xinzhi.policies.runs import FRAME
    from xinzhi.rulelang.engines import DuckDBStore

    con = ibis.duckdb.connect(threads=os.cpu_count() or 2)
    con.con.register("generated", table)
    con.raw_sql(f'CREATE TEMPORARY TABLE "{FRAME}" AS SELECT * FROM generated')
    con.con.unregister("generated")
    return DuckDBStore(con), con.table(FRAME)


def timed(label: str, function):
    started = time.perf_counter()
    result = function()
    seconds = time.perf_counter() - started
    print(f"{label}: {seconds:.2f} s", flush=True)
    return result, seconds


# --- the baseline: rule-engine, record by record --------------------------------------------------

BASELINE_RULES = {  # eligibility as rule_engine expressions (null-safe: rule-engine raises on null > 5)
    "shenyang_tech_contract_reward": 'district_code =~ "^2101" and tech_contract_turnover_y1 != null and tech_contract_turnover_y1 > 5000000000',
    "shenyang_pilot_base_equity": 'district_code =~ "^2101" and pilot_bases_provincial >= 1 and judged__merit == true',
    "hnte_first_recognition_reward": 'district_code =~ "^2101" and hnte_certificate_valid and hnte_certified_year == window_year '
    "and (age_years < 3 or hnte_earlier_certificate == false)",
    "rd_expense_post_subsidy": 'district_code =~ "^2101" and status_sme == "pass" and rd_expense_y2 != null and rd_expense_y1 != null '
    "and rd_expense_y2 > 0 and rd_expense_y1 * 10 >= rd_expense_y2 * 12",
    "compute_vouchers": 'district_code =~ "^2101" and status_sme == "pass" and tech_staff_y1 != null '
    'and (industry_division in ["63", "64", "65"] or hnte_field == "1")',
}


def baseline_amount(base_id: str, r: dict) -> int:
    if base_id == "shenyang_tech_contract_reward":
        return 20_000_000
    if base_id == "shenyang_pilot_base_equity":
        return 500_000_000
    if base_id == "hnte_first_recognition_reward":
        return 20_000_000
    if base_id == "rd_expense_post_subsidy":
        return min((r["rd_expense_y1"] - r["rd_expense_y2"]) // 10, 100_000_000) // 100 * 100
    staff = r["tech_staff_y1"]
    return 0 if staff < 0 else 5_000_000 if staff < 10 else 10_000_000 if staff < 50 else 20_000_000


def baseline(rows: list[dict], policies) -> dict[str, set[int]]:
    """Eligibility and amounts record by record, then stacking (larger) and budgets in Python."""
    import rule_engine

    rules = {p.id: rule_engine.Rule(BASELINE_RULES[p.id.split("_copy")[0]]) for p in policies}
    due: dict[str, dict[int, int]] = {p.id: {} for p in policies}
    for row in rows:
        for p in policies:
            if rules[p.id].matches(row):
                amount = baseline_amount(p.id.split("_copy")[0], row)
                if amount > 0:
                    due[p.id][row["enterprise_id"]] = amount
    # stacking: per enterprise and matter, the larger (equal amounts: the policy id first)
    matters: dict[str, list[str]] = {}
    for p in policies:
        if p.stacking and p.stacking.matter:
            matters.setdefault(p.stacking.matter, []).append(p.id)
    for group in matters.values():
        for eid in {e for ident in group for e in due[ident]}:
            claims = sorted(
                ((due[i][eid], i) for i in group if eid in due[i]), key=lambda c: (-c[0], c[1])
            )
            for _, loser in claims[1:]:
                due[loser].pop(eid)
    return {ident: set(claims) for ident, claims in due.items()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--enterprises", type=int, default=1_000_000)
    parser.add_argument("--baseline-sample", type=int, default=5_000)
    args = parser.parse_args()
    from xinzhi.policies.runs import run_on_frame

    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores; "
        f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}"
    )
    table, _ = timed(
        f"generate {args.enterprises:,} enterprises", lambda: population(args.enterprises)
    )
    with tempfile.TemporaryDirectory() as folder:
        catalog, policies = twenty_policies(Path(folder))
        print(f"policies: {len(policies)}")
        store, frame = store_with(table)

        def run(overrides=None, only=None, reuse=None):
            chosen = [p for p in policies if only is None or p.id in only]
            return run_on_frame(
                store, frame, table.num_rows, chosen, AS_OF, catalog, overrides or {}, reuse=reuse
            )

        _, cold_s = timed("engine, 20 policies, cold (compiles SQL)", run)
        warm, warm_s = timed("engine, 20 policies, warm", run)
        rows = sum(t.num_rows for t in warm.detail.values())
        print(
            f"  payout list {warm.results.num_rows:,} rows; explanations {rows:,} rows × clauses and values; "
            f"paid {warm.summary['paid'] / 100:,.2f} 元"
        )
        group = {p.id for p in policies if p.stacking and p.stacking.matter == "rd_cost_support"}
        change = {"compute_vouchers": {"budget": 30_000_000 * 100}}
        _, whatif_s = timed(
            f"what-if: compute_vouchers budget=3000万元 ({len(group)} policies of its group)",
            lambda: run(change, group, warm),
        )
        _, whatif_again_s = timed(
            "what-if again, another budget",
            lambda: run({"compute_vouchers": {"budget": 25_000_000 * 100}}, group, warm),
        )
        growth = {"rd_expense_post_subsidy": {"min_growth": Fraction(1, 10)}}
        _, whatif_sql_s = timed(
            "what-if: rd_expense_post_subsidy min_growth=10% (in the SQL: compiled, evaluated)",
            lambda: run(growth, group, warm),
        )

        sample = table.slice(0, args.baseline_sample).to_pylist()
        expected, baseline_s = timed(
            f"rule-engine, {len(sample):,} records × {len(policies)} policies",
            lambda: baseline(sample, policies),
        )
        per_million = baseline_s / len(sample) * table.num_rows
        print(f"  rule-engine scaled to {table.num_rows:,}: {per_million:,.0f} s")
        ids = set(range(1, len(sample) + 1))
        mismatched = []
        results = warm.results
        for p in policies:
            rows_p = results.filter(pc.equal(results["policy"], p.id))
            rows_p = rows_p.filter(
                pc.is_in(rows_p["enterprise_id"], pa.array(sorted(ids), pa.int64()))
            )
            granted = rows_p.filter(pc.greater(pc.fill_null(rows_p["amount_granted"], 0), 0))
            got = set(granted["enterprise_id"].to_pylist())
            if got != expected[p.id]:
                mismatched.append((p.id, len(got ^ expected[p.id])))
        print(
            f"  checked on the sample (eligible and granted after stacking): "
            f"{'identical' if not mismatched else mismatched}"
        )
        print(
            f"ratio rule-engine / engine (warm): {per_million / warm_s:,.0f}×; "
            f"(cold): {per_million / cold_s:,.0f}×"
        )
        print(
            f"summary: cold {cold_s:.2f} s, warm {warm_s:.2f} s, what-if {whatif_s:.2f} s / {whatif_again_s:.2f} s "
            f"/ {whatif_sql_s:.2f} s (parameter in the SQL)"
        )
        store.close()


if __name__ == "__main__":
    main()
