"""The 算力券 ledger (issue #15): issue from a policy run, redeem, expire, reverse, reconcile,
anomalies; no double spending."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa

from xinzhi.compute.imports import ComputeError, import_compute_file
from xinzhi.compute.ledger import (
    anomalies,
    bill_month,
    expire,
    issue_from_run,
    reconcile,
    redeem,
    reverse,
)
from xinzhi.policies.allocation import payout_schema
from xinzhi.store.db import session_scope
from xinzhi.store.models import Enterprise
from xinzhi.store.models.compute import ComputeLedgerEntry, ComputeVoucher
from xinzhi.store.models.runs import EvaluationRun

from .conftest import write


def record_voucher_run(engine, tmp_path, amounts_fen: dict[int, int]) -> int:
    """A recorded policy run whose payout list pays ``compute_vouchers`` to these firms."""
    schema = payout_schema()
    rows = [
        {
            "enterprise_id": firm,
            "policy": "compute_vouchers",
            "status": "pass",
            "amount": fen,
            "amount_granted": fen,
            "amount_paid": fen,
            "outcome": "paid",
        }
        for firm, fen in amounts_fen.items()
    ]
    rows.append({"enterprise_id": 999, "policy": "other", "amount_paid": 5, "status": "pass"})
    table = schema.empty_table().from_pylist(rows, schema=schema)
    path = tmp_path / "payouts.parquet"
    pq.write_table(table, path)
    with session_scope(engine) as session:
        run = EvaluationRun(
            kind="policy",
            rule_set_hash="x",
            declarations=[],
            as_of=dt.date(2022, 12, 31),
            backend="duckdb",
            actor="test",
            summary={},
            results_path=str(path),
        )
        session.add(run)
        session.flush()
        return run.id


USAGE = """JobID,Account,Partition,Start,End,卡数,费用
1,acme,npu,2023-03-01 00:00,2023-03-01 10:00,8,1000
2,acme,npu,2023-04-01 00:00,2023-04-01 10:00,8,3000
3,neu,npu,2023-04-02 00:00,2023-04-02 10:00,8,800.50
4,acme,npu,2023-12-10 00:00,2023-12-12 00:00,16,9000
"""


@pytest.fixture
def ledger(centre):
    engine, tmp = centre
    assert import_compute_file(
        engine, "usage", write(tmp, "u.csv", USAGE), centre="SY", actor="t"
    ).ok
    for month in (3, 4, 12):
        bill_month(engine, "SY", dt.date(2023, month, 1), actor="t")
    with engine.connect() as conn:
        firm = conn.scalar(sa.select(Enterprise.id))
    run_id = record_voucher_run(engine, tmp, {firm: 200_000})  # 2,000 yuan
    issued = issue_from_run(engine, run_id, actor="t")
    assert (issued.issued, issued.amount) == (1, Decimal("2000"))
    return engine, f"SLQ-{run_id}-00001"


def _balance(engine, code) -> Decimal:
    with engine.connect() as conn:
        return conn.scalar(sa.select(ComputeVoucher.balance).where(ComputeVoucher.code == code))


def test_issue_is_once_per_run_and_valid_for_the_year_after(ledger):
    engine, code = ledger
    with engine.connect() as conn:
        run_id = conn.scalar(sa.select(ComputeVoucher.run_id))
        voucher = conn.execute(sa.select(ComputeVoucher)).one()
    assert (voucher.valid_from, voucher.valid_to) == (dt.date(2023, 1, 1), dt.date(2023, 12, 31))
    assert issue_from_run(engine, run_id, actor="t").issued == 0


def test_redeem_pays_the_share_once_per_invoice(ledger):
    engine, code = ledger
    first = redeem(engine, code, "SY", "SY-202303-acme", actor="t", on=dt.date(2023, 4, 2))
    assert (first.amount, first.balance_after, first.repeated) == (
        Decimal("500"),
        Decimal("1500"),
        False,
    )
    again = redeem(engine, code, "SY", "SY-202303-acme", actor="t", on=dt.date(2023, 4, 3))
    assert again.repeated and again.entry_id == first.entry_id and again.amount == Decimal("500")
    assert _balance(engine, code) == Decimal("1500")
    # capped by the balance: 50 % of 3,000 would be 1,500 — exactly what is left
    second = redeem(engine, code, "SY", "SY-202304-acme", actor="t", on=dt.date(2023, 5, 2))
    assert second.amount == Decimal("1500") and second.balance_after == 0
    with pytest.raises(ComputeError) as empty:
        redeem(engine, code, "SY", "SY-202312-acme", actor="t", on=dt.date(2023, 12, 20))
    assert empty.value.code == "above_balance" and "余额为零" in empty.value.zh


def test_amount_above_the_balance_or_after_expiry_is_refused(ledger):
    engine, code = ledger
    with pytest.raises(ComputeError) as above:
        redeem(
            engine,
            code,
            "SY",
            "SY-202312-acme",
            actor="t",
            on=dt.date(2023, 12, 20),
            amount=Decimal("2000.01"),
        )
    assert above.value.code == "above_balance" and "超过算力券余额" in above.value.zh
    with pytest.raises(ComputeError) as late:
        redeem(engine, code, "SY", "SY-202312-acme", actor="t", on=dt.date(2024, 1, 1))
    assert late.value.code == "voucher_expired" and "2023-12-31" in late.value.zh
    with pytest.raises(ComputeError) as unknown:
        redeem(engine, code, "SY", "nope", actor="t", on=dt.date(2023, 6, 1))
    assert unknown.value.code == "unknown_invoice"
    assert _balance(engine, code) == Decimal("2000")


def test_expire_reverse_and_reconcile(ledger):
    engine, code = ledger
    r = redeem(engine, code, "SY", "SY-202303-acme", actor="t", on=dt.date(2023, 4, 2))
    redeem(engine, code, "SY", "SY-202304-neu", actor="t", on=dt.date(2023, 5, 2))  # 400.25
    owed = reconcile(engine, "SY", dt.date(2023, 1, 1), dt.date(2023, 12, 31))
    assert owed.owed == Decimal("900.25") and owed.invoices == 2
    assert owed.fees == Decimal("1800.50") and owed.ledger_mismatches == []
    reverse(engine, r.entry_id, actor="t", reason="账单有误")
    assert _balance(engine, code) == Decimal("1599.75")
    with pytest.raises(ComputeError):
        reverse(engine, r.entry_id, actor="t", reason="again")
    # once reversed, the invoice can be redeemed again
    assert not redeem(
        engine, code, "SY", "SY-202303-acme", actor="t", on=dt.date(2023, 4, 9)
    ).repeated
    assert expire(engine, on=dt.date(2024, 1, 1), actor="t") == (1, Decimal("1099.75"))
    assert _balance(engine, code) == 0
    assert (
        reconcile(engine, "SY", dt.date(2023, 1, 1), dt.date(2023, 12, 31)).ledger_mismatches == []
    )
    with engine.connect() as conn:
        kinds = conn.scalars(
            sa.select(ComputeLedgerEntry.kind).order_by(ComputeLedgerEntry.id)
        ).all()
    assert kinds == ["issue", "redeem", "redeem", "reverse", "redeem", "expire"]


def test_anomalies(ledger):
    engine, code = ledger
    redeem(engine, code, "SY", "SY-202304-neu", actor="t", on=dt.date(2023, 5, 2))
    found = {(a.kind, a.voucher) for a in anomalies(engine)}
    # neu's invoice paid by acme's voucher; acme's December burst (16 cards × 48 h) before expiry
    assert found == {("other_tenant", code), ("jump_before_expiry", code)}


def _race(engine, code, invoices, on) -> list:
    outcomes: list = []
    barrier = threading.Barrier(len(invoices))

    def work(invoice):
        barrier.wait()
        try:
            outcomes.append(redeem(engine, code, "SY", invoice, actor="t", on=on))
        except ComputeError as error:
            outcomes.append(error)

    threads = [threading.Thread(target=work, args=(i,)) for i in invoices]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


def test_concurrent_redemptions_never_overdraw(ledger):
    engine, code = ledger
    # 500 + 1,500 + 4,500 asked for, 2,000 available
    invoices = ["SY-202303-acme", "SY-202304-acme", "SY-202312-acme"] * 3
    outcomes = _race(engine, code, invoices, dt.date(2023, 12, 20))
    paid = {o.invoice: o.amount for o in outcomes if not isinstance(o, ComputeError)}
    with engine.connect() as conn:
        spent = -sum(
            conn.scalars(
                sa.select(ComputeLedgerEntry.amount).where(ComputeLedgerEntry.kind == "redeem")
            ).all()
        )
        redemptions = conn.scalar(
            sa.select(sa.func.count()).where(ComputeLedgerEntry.kind == "redeem")
        )
    assert spent == Decimal("2000") and _balance(engine, code) == 0
    assert redemptions == len(paid)  # each invoice at most once, however often it was sent
    assert sum(paid.values()) == Decimal("2000")
