"""The demo's public compute: the Shenyang AI computing centre over 2023, and its 算力券.

Published (shared/data/published_figures.csv, seed 001): 300P of saturated compute, 200+
clients (辽宁辽河实验室, 东北大学, 中国科学院金属研究所, 中国科学院沈阳自动化研究所, 东软集团 …)
and 97.92 % occupancy. Assumed here: two Ascend 910 pools (1,172 cards × 256 TFLOPS FP16 =
300.0 P), the other clients (universities, institutes, the registry's AI-related firms and
every voucher holder), the jobs, the prices (元 per card-hour) and the unmet requests.

Everything goes through the area's own entry points, as a centre and the bureau would:
the centre declaration, the tenants and usage as CSV imports (with every check), a
``compute_vouchers`` policy run recorded and issued as vouchers, monthly invoices,
redemptions on the 5th of the following month (part of the holders, part of their
balance), the year-end expiry — and two redemptions an auditor should look at.

Jobs run in *lanes* (groups of cards: 8-card nodes, 64-card blocks for large jobs, 4-card
inference slots) one after another, so no pool is ever over capacity; each lane is busy
exactly ``OCCUPANCY`` of the year, its idle time spread at random between the jobs.
"""

from __future__ import annotations

import csv
import datetime as dt
import tempfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import numpy as np
import sqlalchemy as sa
from sqlalchemy import Engine

from ..compute.imports import ComputeError, import_compute_file
from ..compute.ledger import bill_month, expire, issue_from_run, redeem
from ..compute.registry import CentreSpec, load_centre
from ..domain.credit_code import make_credit_code
from ..store.models import Enterprise
from ..store.models.compute import ComputeInvoice, ComputeTenant, ComputeVoucher

CODE = "SY-AICC"
YEAR = 2023
OCCUPANCY = 0.9792
CITY = "沈阳市"
CENTRE = {
    "code": CODE,
    "name": "沈阳人工智能计算中心",
    "city": CITY,
    "district": "浑南区",
    "operator": "沈阳人工智能计算中心运营公司（示例）",
    "pools": [
        {
            "code": "ascend-train",
            "name": "昇腾训练池",
            "accelerator": "昇腾910",
            "domestic": True,
            "capacity": [{"from": "2022-08-01", "cards": 1024, "fp16_tflops_per_card": 256}],
        },
        {
            "code": "ascend-infer",
            "name": "昇腾推理池",
            "accelerator": "昇腾910",
            "domestic": True,
            "capacity": [{"from": "2022-08-01", "cards": 148, "fp16_tflops_per_card": 256}],
        },
    ],
}
# (name, kind, city, weight): the five the source names first, then other clients
NAMED = [
    ("辽宁辽河实验室", "institute", CITY, 60),
    ("东北大学", "university", CITY, 50),
    ("中国科学院金属研究所", "institute", CITY, 35),
    ("中国科学院沈阳自动化研究所", "institute", CITY, 35),
    ("东软集团", "enterprise", CITY, 30),
    ("沈阳工业大学", "university", CITY, 10),
    ("辽宁大学", "university", CITY, 8),
    ("沈阳航空航天大学", "university", CITY, 10),
    ("沈阳建筑大学", "university", CITY, 5),
    ("沈阳理工大学", "university", CITY, 5),
    ("沈阳化工大学", "university", CITY, 4),
    ("沈阳农业大学", "university", CITY, 4),
    ("中国医科大学", "university", CITY, 8),
    ("沈阳药科大学", "university", CITY, 4),
    ("中国科学院沈阳应用生态研究所", "institute", CITY, 5),
    ("中国科学院沈阳计算技术研究所", "institute", CITY, 8),
    ("辽宁省医疗器械检验检测院", "institute", CITY, 2),
    ("大连理工大学", "university", "大连市", 8),
    ("吉林大学", "university", "长春市", 5),
    ("哈尔滨工业大学", "university", "哈尔滨市", 5),
    ("中国科学院计算技术研究所", "institute", "北京市", 4),
]
PRICE = {
    "enterprise": Decimal("10.00"),
    "university": Decimal("6.00"),
    "institute": Decimal("6.00"),
}
LANES = {  # pool: (cards per lane, lanes, mean job hours, job types)
    "ascend-train": [(64, 6, 96.0), (8, 80, 20.0)],
    "ascend-infer": [(4, 37, 30.0)],
}
HOLDER_WEIGHT = 0.8  # a voucher holder's weight among the tenants
OTHER_FIRMS = 45  # AI-related firms of the registry that use the centre without a voucher
REQUESTS = 36  # unmet requests, three a month


@dataclass
class ComputeDemo:
    tenants: int
    jobs: int
    vouchers: int
    issued: Decimal
    redeemed: Decimal
    run_id: int | None


def stage_compute(
    engine: Engine, *, seed: int, actor: str, with_vouchers: bool = True
) -> ComputeDemo:
    rng = np.random.default_rng([seed, 15])  # issue 15: a stream of its own
    load_centre(engine, CentreSpec.model_validate(CENTRE), actor=actor, source="demo:compute")
    run_id = _voucher_run(engine, actor) if with_vouchers else None
    holders = _holders(engine, run_id)
    tenants = _tenants(engine, rng, holders)
    with tempfile.TemporaryDirectory() as folder:
        tenant_file = Path(folder) / "tenants.csv"
        _write_csv(
            tenant_file,
            ["account", "name", "kind", "credit_code", "city"],
            [[t.account, t.name, t.kind, t.code or "", t.city] for t in tenants],
        )
        _imported(engine, "tenants", tenant_file, actor)
        usage_file = Path(folder) / "sacct-2023.csv"
        jobs = _jobs(rng, tenants)
        _write_csv(
            usage_file,
            ["JobID", "Account", "Partition", "Start", "End", "AllocTRES", "类型", "费用（元）"],
            jobs,
        )
        _imported(engine, "usage", usage_file, actor)
        requests_file = Path(folder) / "requests.csv"
        _write_csv(
            requests_file,
            ["tenant", "pool", "cards", "start", "end", "asked_at"],
            _requests(rng, tenants),
        )
        _imported(engine, "requests", requests_file, actor)
    for month in range(1, 13):
        bill_month(engine, CODE, dt.date(YEAR, month, 1), actor=actor)
    issued = redeemed = Decimal(0)
    vouchers = 0
    if run_id is not None:
        done = issue_from_run(engine, run_id, actor=actor)
        vouchers, issued = done.issued, done.amount
        redeemed = _redeem(engine, rng, actor)
        expire(engine, on=dt.date(YEAR + 1, 1, 1), actor=actor)
    return ComputeDemo(len(tenants), len(jobs), vouchers, issued, redeemed, run_id)


def _imported(engine, kind: str, path: Path, actor: str) -> None:
    result = import_compute_file(
        engine, kind, path, centre=CODE, actor=actor, source=f"demo:{path.name}"
    )
    if not result.ok:  # the demo's own data: a failure is a bug here
        raise AssertionError(f"demo {kind}: {result.errors[:5]}")


def _write_csv(path: Path, header: list[str], rows: list[list]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def _voucher_run(engine: Engine, actor: str) -> int:
    """The 2023 vouchers: the ``compute_vouchers`` policy over the registry as of 2022-12-31."""
    from ..policies.runs import evaluate_policies, record_policy_run

    run = evaluate_policies(engine, as_of=dt.date(YEAR - 1, 12, 31), only={"compute_vouchers"})
    return record_policy_run(engine, run, actor=actor)


def _holders(engine: Engine, run_id: int | None) -> list[tuple[str, str]]:
    """(credit code, name) of the firms the run pays a voucher."""
    if run_id is None:
        return []
    from ..policies.runs import load_run

    results = load_run(engine, run_id).results.to_pylist()
    paid = [
        r["enterprise_id"]
        for r in results
        if r["policy"] == "compute_vouchers" and (r["amount_paid"] or 0) > 0
    ]
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(Enterprise.credit_code, Enterprise.name)
            .where(Enterprise.id.in_(paid))
            .order_by(Enterprise.id)
        ).all()
    return [(r[0], r[1]) for r in rows]


@dataclass(frozen=True)
class _Tenant:
    account: str
    name: str
    kind: str
    code: str | None
    city: str
    weight: float


def _tenants(engine: Engine, rng: np.random.Generator, holders) -> list[_Tenant]:
    tenants = []
    for i, (name, kind, city, weight) in enumerate(NAMED, start=1):
        code = (
            make_credit_code("9", "1", "210100", f"DEMA{i:04d}") if kind == "enterprise" else None
        )
        tenants.append(_Tenant(f"c{i:03d}", name, kind, code, city, weight))
    held = {code for code, _ in holders}
    with engine.connect() as conn:
        ai_firms = conn.execute(
            sa.select(Enterprise.credit_code, Enterprise.name)
            .where(
                sa.or_(
                    sa.func.substr(Enterprise.industry_code, 2, 2).in_(["63", "64", "65"]),
                    Enterprise.hnte_field == "1",
                ),
                Enterprise.credit_code.not_in(held) if held else sa.true(),
            )
            .order_by(Enterprise.id)
            .limit(OTHER_FIRMS)
        ).all()
    for j, (code, name) in enumerate(list(holders) + [(r[0], r[1]) for r in ai_firms], start=1):
        weight = HOLDER_WEIGHT if code in held else float(rng.uniform(0.2, 1.0))
        tenants.append(_Tenant(f"e{j:04d}", name, "enterprise", code, CITY, weight))
    return tenants


def _jobs(rng: np.random.Generator, tenants: list[_Tenant]) -> list[list]:
    """Back-to-back jobs in each lane, busy exactly OCCUPANCY of the year."""
    year_start = dt.datetime(YEAR, 1, 1)
    year_minutes = 365 * 24 * 60
    weights = np.array([t.weight for t in tenants])
    trainers = weights / weights.sum()
    rows = []
    number = 1_000_000
    for pool, lanes in LANES.items():
        for cards, count, mean_hours in lanes:
            for _ in range(count):
                busy = int(round(year_minutes * OCCUPANCY))
                lengths = []
                while sum(lengths) < busy:
                    lengths.append(max(30, int(rng.lognormal(np.log(mean_hours * 60), 0.6))))
                lengths[-1] -= sum(lengths) - busy
                if lengths[-1] < 30:
                    lengths[-2] += lengths.pop()
                gaps = rng.dirichlet(np.ones(len(lengths) + 1)) * (year_minutes - busy)
                gaps = np.floor(gaps).astype(int)
                gaps[-1] += year_minutes - busy - int(gaps.sum())  # every minute of the year
                owners = rng.choice(len(tenants), size=len(lengths), p=trainers)
                at = year_start
                for length, gap, owner in zip(lengths, gaps[:-1], owners, strict=True):
                    at += dt.timedelta(minutes=int(gap))
                    end = at + dt.timedelta(minutes=length)
                    tenant = tenants[owner]
                    kind = (
                        "推理"
                        if pool == "ascend-infer"
                        else (
                            "仿真" if tenant.kind == "institute" and rng.random() < 0.3 else "训练"
                        )
                    )
                    hours = Decimal(cards * length) / 60
                    fee = (hours * PRICE.get(tenant.kind, PRICE["enterprise"])).quantize(
                        Decimal("0.01")
                    )
                    tres = f"billing={cards},cpu={cards * 24},gres/gpu={cards},node={max(1, cards // 8)}"
                    rows.append(
                        [
                            str(number),
                            tenant.account,
                            pool,
                            at.isoformat(),
                            end.isoformat(),
                            tres,
                            kind,
                            str(fee),
                        ]
                    )
                    number += 1
                    at = end
    return rows


def _requests(rng: np.random.Generator, tenants: list[_Tenant]) -> list[list]:
    """Requests for large blocks the full pools could not serve, three a month."""
    big = [t for t in tenants if t.weight >= 8]
    rows = []
    for i in range(REQUESTS):
        tenant = big[int(rng.integers(len(big)))]
        month = i // 3 + 1
        asked = dt.datetime(YEAR, month, int(rng.integers(1, 28)), 9)
        start = asked + dt.timedelta(days=int(rng.integers(3, 15)))
        end = start + dt.timedelta(days=int(rng.integers(2, 10)))
        cards = int(rng.choice([16, 32, 64, 128]))
        rows.append(
            [
                tenant.account,
                "ascend-train",
                cards,
                start.isoformat(),
                end.isoformat(),
                asked.isoformat(),
            ]
        )
    return rows


def _redeem(engine: Engine, rng: np.random.Generator, actor: str) -> Decimal:
    """About two thirds of the holders redeem their invoices of January to November on the 5th
    of the next month (the December bill comes after the vouchers expire). One holder has its
    partner's invoice paid (to be reviewed)."""
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(ComputeVoucher.code, ComputeInvoice.number, ComputeInvoice.issued_on)
            .join(ComputeTenant, ComputeTenant.enterprise_id == ComputeVoucher.enterprise_id)
            .join(ComputeInvoice, ComputeInvoice.tenant_id == ComputeTenant.id)
            .where(ComputeInvoice.issued_on <= dt.date(YEAR, 12, 1))
            .order_by(ComputeVoucher.code, ComputeInvoice.issued_on)
        ).all()
        partner = conn.execute(
            sa.select(ComputeInvoice.number)
            .join(ComputeTenant, ComputeTenant.id == ComputeInvoice.tenant_id)
            .where(ComputeTenant.account == "c005", ComputeInvoice.issued_on == dt.date(YEAR, 7, 1))
        ).scalar()
    redeeming = {code for code in sorted({r.code for r in rows}) if rng.random() < 2 / 3}
    total = Decimal(0)
    for code, number, issued_on in rows:
        if code not in redeeming:
            continue
        on = issued_on.replace(day=5)
        try:
            total += redeem(engine, code, CODE, number, actor=actor, on=on).amount
        except ComputeError:
            continue  # the balance is spent
    if redeeming and partner:
        code = sorted(redeeming)[0]
        try:
            total += redeem(engine, code, CODE, partner, actor=actor, on=dt.date(YEAR, 7, 5)).amount
        except ComputeError:
            pass
    return total
