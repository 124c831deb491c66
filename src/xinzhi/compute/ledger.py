"""The 算力券 ledger: vouchers issued by a policy run, redeemed against centres' invoices,
expired, reversed, reconciled per centre, and anomalies flagged.

Correct under concurrency on SQLite and PostgreSQL alike: every operation on a voucher first
*locks its row* with a no-op ``UPDATE`` (a row lock in PostgreSQL, the database's write lock
in SQLite, so a transaction never has to upgrade a read lock), then reads, checks and writes
inside the same transaction. The balance is decremented by a conditional ``UPDATE … WHERE
balance >= amount`` and a partial unique index allows one active redemption per invoice: a
second redemption of the same invoice — sequential or concurrent — returns the first one
instead of paying twice, and two redemptions together never overdraw.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

import sqlalchemy as sa
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import IntegrityError

from ..store.audit import Action, audit
from ..store.models import Enterprise
from ..store.models.compute import (
    ComputeCentre,
    ComputeInvoice,
    ComputeLedgerEntry,
    ComputeTenant,
    ComputeUsage,
    ComputeVoucher,
)
from .imports import ComputeError, centre_by_code

POLICY = "compute_vouchers"
DEFAULT_SHARE_PERCENT = 50
FEN = Decimal("0.01")
JUMP_WINDOW_DAYS = 30  # "usage that jumps just before expiry": the last 30 days …
JUMP_BASELINE_DAYS = 180  # … against the 30-day average of the 180 days before
JUMP_FACTOR = 3


@dataclass(frozen=True)
class Redemption:
    entry_id: int
    voucher: str
    invoice: str
    amount: Decimal
    balance_after: Decimal
    repeated: bool  # the invoice had already been redeemed: nothing new was written


# --- issue --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Issued:
    run_id: int
    issued: int
    already: int
    amount: Decimal


def issue_from_run(
    engine: Engine,
    run_id: int | None = None,
    *,
    actor: str,
    valid_from: dt.date | None = None,
    valid_to: dt.date | None = None,
    share_percent: int = DEFAULT_SHARE_PERCENT,
) -> Issued:
    """One voucher per enterprise paid by the ``compute_vouchers`` policy in a recorded run
    (the latest without ``run_id``); issuing the same run again adds nothing."""
    import pyarrow.compute as pc

    from ..policies.runs import load_run

    stored = load_run(engine, run_id)
    if stored is None:
        raise ComputeError(
            "没有已记录的政策运行：请先运行 `xinzhi policy run`",
            "no recorded policy run: run `xinzhi policy run` first",
            "no_run",
        )
    if not 1 <= share_percent <= 100:
        raise ComputeError("抵扣比例应在1–100%之间", "the share must be 1–100 %", "share_range")
    run = stored.record
    valid_from = valid_from or run.as_of + dt.timedelta(days=1)
    valid_to = valid_to or dt.date(valid_from.year + 1, valid_from.month, 1) - dt.timedelta(days=1)
    if valid_to < valid_from:
        raise ComputeError("有效期结束早于开始", "the validity ends before it starts", "validity")
    rows = stored.results.filter(
        pc.and_(
            pc.equal(stored.results["policy"], POLICY), pc.greater(stored.results["amount_paid"], 0)
        )
    )
    firms = rows["enterprise_id"].to_pylist()
    amounts = rows["amount_paid"].to_pylist()  # fen
    issued = already = 0
    total = Decimal(0)
    with engine.begin() as conn:
        existing = set(
            conn.scalars(
                sa.select(ComputeVoucher.enterprise_id).where(
                    ComputeVoucher.run_id == run.id, ComputeVoucher.policy == POLICY
                )
            ).all()
        )
        for number, (firm, fen) in enumerate(zip(firms, amounts, strict=True), start=1):
            if firm in existing:
                already += 1
                continue
            amount = Decimal(fen) / 100
            voucher_id = conn.execute(
                sa.insert(ComputeVoucher).values(
                    code=f"SLQ-{run.id}-{number:05d}",
                    enterprise_id=firm,
                    policy=POLICY,
                    run_id=run.id,
                    amount=amount,
                    balance=amount,
                    share_percent=share_percent,
                    valid_from=valid_from,
                    valid_to=valid_to,
                    status="active",
                )
            ).inserted_primary_key[0]
            _entry(
                conn, voucher_id, "issue", amount, amount, actor=actor, note=f"policy run {run.id}"
            )
            issued += 1
            total += amount
        audit(
            conn,
            actor=actor,
            action=Action.VOUCHER_ISSUE,
            subject=f"run {run.id}",
            detail={"issued": issued, "fen": int(total * 100)},
        )
    return Issued(run.id, issued, already, total)


# --- redeem ---------------------------------------------------------------------------------


def _lock(conn: Connection, code: str) -> None:
    """Take the voucher's row (PostgreSQL) or the database's write lock (SQLite) first."""
    locked = conn.execute(
        sa.update(ComputeVoucher)
        .where(ComputeVoucher.code == code)
        .values(balance=ComputeVoucher.balance)
    ).rowcount
    if not locked:
        raise ComputeError(f"未知的算力券“{code}”", f"unknown voucher '{code}'", "unknown_voucher")


def redeem(
    engine: Engine,
    voucher: str,
    centre: str,
    invoice: str,
    *,
    actor: str,
    on: dt.date | None = None,
    amount: Decimal | None = None,
) -> Redemption:
    """Pay part of an invoice from a voucher: its share of the fee, capped by the balance (or
    ``amount``, which may exceed neither). Idempotent per invoice."""
    on = on or dt.date.today()
    try:
        with engine.begin() as conn:
            return _redeem(conn, voucher, centre, invoice, actor=actor, on=on, amount=amount)
    except IntegrityError:
        # a concurrent redemption of the same invoice won: return it, as a repeat would
        with engine.begin() as conn:
            _lock(conn, voucher)
            found = _active_redemption(conn, centre_by_code(conn, centre), invoice)
            if found is None:
                raise
            return _existing(conn, found, voucher, invoice)


def _active_redemption(conn, centre_id: int, number: str):
    return conn.execute(
        sa.select(
            ComputeLedgerEntry.id,
            ComputeLedgerEntry.amount,
            ComputeLedgerEntry.balance_after,
            ComputeVoucher.code,
        )
        .join(ComputeInvoice, ComputeInvoice.id == ComputeLedgerEntry.invoice_id)
        .join(ComputeVoucher, ComputeVoucher.id == ComputeLedgerEntry.voucher_id)
        .where(
            ComputeInvoice.centre_id == centre_id,
            ComputeInvoice.number == number,
            ComputeLedgerEntry.kind == "redeem",
            ComputeLedgerEntry.active.is_(True),
        )
    ).first()


def _existing(conn, found, voucher: str, invoice: str) -> Redemption:
    if found.code != voucher:
        raise ComputeError(
            f"账单“{invoice}”已用算力券 {found.code} 抵扣（分录 {found.id}）",
            f"invoice '{invoice}' was already redeemed with voucher {found.code} (entry {found.id})",
            "invoice_redeemed",
        )
    return Redemption(
        found.id, found.code, invoice, -found.amount, found.balance_after, repeated=True
    )


def _redeem(conn, voucher: str, centre: str, invoice: str, *, actor, on, amount) -> Redemption:
    _lock(conn, voucher)
    centre_id = centre_by_code(conn, centre)
    found = _active_redemption(conn, centre_id, invoice)
    if found is not None:
        return _existing(conn, found, voucher, invoice)
    row = conn.execute(sa.select(ComputeVoucher).where(ComputeVoucher.code == voucher)).one()
    bill = conn.execute(
        sa.select(ComputeInvoice).where(
            ComputeInvoice.centre_id == centre_id, ComputeInvoice.number == invoice
        )
    ).first()
    if bill is None:
        raise ComputeError(
            f"算力中心 {centre} 没有账单“{invoice}”",
            f"centre {centre} has no invoice '{invoice}'",
            "unknown_invoice",
        )
    if row.status == "expired" or on > row.valid_to:
        raise ComputeError(
            f"算力券 {voucher} 已于 {row.valid_to} 到期，不能在 {on} 抵扣",
            f"voucher {voucher} expired on {row.valid_to}: it cannot be redeemed on {on}",
            "voucher_expired",
        )
    if on < row.valid_from:
        raise ComputeError(
            f"算力券 {voucher} 自 {row.valid_from} 起有效，不能在 {on} 抵扣",
            f"voucher {voucher} is valid from {row.valid_from}, not on {on}",
            "voucher_not_yet_valid",
        )
    share = (bill.fee * row.share_percent / 100).quantize(FEN, rounding=ROUND_DOWN)
    if amount is not None:
        if amount <= 0:
            raise ComputeError(
                "抵扣金额应为正", "the amount must be positive", "amount_not_positive"
            )
        if amount > row.balance:
            raise ComputeError(
                f"抵扣金额 {amount} 元超过算力券余额 {row.balance} 元",
                f"the amount {amount} yuan exceeds the voucher's balance of {row.balance} yuan",
                "above_balance",
            )
        if amount > share:
            raise ComputeError(
                f"抵扣金额 {amount} 元超过账单费用的 {row.share_percent}%（{share} 元）",
                f"the amount {amount} yuan exceeds {row.share_percent} % of the fee ({share} yuan)",
                "above_share",
            )
    else:
        amount = min(share, row.balance)
        if amount <= 0:
            raise ComputeError(
                f"算力券 {voucher} 余额为零" if row.balance <= 0 else f"账单“{invoice}”费用为零",
                f"voucher {voucher} has no balance left"
                if row.balance <= 0
                else f"invoice '{invoice}' has no fee",
                "above_balance" if row.balance <= 0 else "nothing_to_pay",
            )
    spent = conn.execute(
        sa.update(ComputeVoucher)
        .where(ComputeVoucher.id == row.id, ComputeVoucher.balance >= amount)
        .values(balance=ComputeVoucher.balance - amount)
    ).rowcount
    if spent != 1:  # cannot happen while the row is locked; kept as the last guard
        raise ComputeError("余额不足", "the balance does not cover it", "above_balance")
    after = row.balance - amount
    entry_id = _entry(
        conn, row.id, "redeem", -amount, after, actor=actor, invoice_id=bill.id, note=f"on {on}"
    )
    return Redemption(entry_id, voucher, invoice, amount, after, repeated=False)


# --- expire and reverse -----------------------------------------------------------------------


def expire(engine: Engine, *, on: dt.date, actor: str) -> tuple[int, Decimal]:
    """Close every voucher whose validity ended before ``on``: its balance lapses."""
    count, lapsed = 0, Decimal(0)
    with engine.begin() as conn:
        codes = conn.scalars(
            sa.select(ComputeVoucher.code).where(
                ComputeVoucher.status == "active", ComputeVoucher.valid_to < on
            )
        ).all()
        for code in codes:
            _lock(conn, code)
            row = conn.execute(sa.select(ComputeVoucher).where(ComputeVoucher.code == code)).one()
            conn.execute(
                sa.update(ComputeVoucher)
                .where(ComputeVoucher.id == row.id)
                .values(balance=0, status="expired")
            )
            _entry(conn, row.id, "expire", -row.balance, Decimal(0), actor=actor, note=f"on {on}")
            count += 1
            lapsed += row.balance
        audit(
            conn,
            actor=actor,
            action=Action.VOUCHER_EXPIRE,
            subject=f"before {on}",
            detail={"vouchers": count, "fen": int(lapsed * 100)},
        )
    return count, lapsed


def reverse(engine: Engine, entry_id: int, *, actor: str, reason: str) -> int:
    """Undo a redemption: its amount goes back to the voucher (and lapses again at once if the
    voucher has expired since); the invoice may then be redeemed anew. Returns the entry."""
    with engine.begin() as conn:
        entry = conn.execute(
            sa.select(ComputeLedgerEntry.kind, ComputeVoucher.code)
            .join(ComputeVoucher, ComputeVoucher.id == ComputeLedgerEntry.voucher_id)
            .where(ComputeLedgerEntry.id == entry_id)
        ).first()
        if entry is None or entry.kind != "redeem":
            raise ComputeError(
                f"分录 {entry_id} 不是抵扣分录",
                f"entry {entry_id} is not a redemption",
                "not_redemption",
            )
        _lock(conn, entry.code)
        redemption = conn.execute(
            sa.select(ComputeLedgerEntry).where(ComputeLedgerEntry.id == entry_id)
        ).one()
        if not redemption.active:
            raise ComputeError(
                f"分录 {entry_id} 已冲正",
                f"entry {entry_id} was already reversed",
                "already_reversed",
            )
        row = conn.execute(
            sa.select(ComputeVoucher).where(ComputeVoucher.id == redemption.voucher_id)
        ).one()
        back = -redemption.amount
        conn.execute(
            sa.update(ComputeLedgerEntry)
            .where(ComputeLedgerEntry.id == entry_id)
            .values(active=False)
        )
        balance = row.balance + back
        reversal = _entry(
            conn,
            row.id,
            "reverse",
            back,
            balance,
            actor=actor,
            invoice_id=redemption.invoice_id,
            reverses_id=entry_id,
            note=reason,
        )
        if row.status == "expired":
            _entry(
                conn, row.id, "expire", -back, Decimal(0), actor=actor, note="reversed after expiry"
            )
        else:
            conn.execute(
                sa.update(ComputeVoucher).where(ComputeVoucher.id == row.id).values(balance=balance)
            )
        audit(
            conn,
            actor=actor,
            action=Action.VOUCHER_REVERSE,
            subject=f"entry {entry_id}",
            detail={"reason": reason},
        )
        return reversal


def _entry(
    conn, voucher_id, kind, amount, after, *, actor, invoice_id=None, reverses_id=None, note=None
) -> int:
    return conn.execute(
        sa.insert(ComputeLedgerEntry).values(
            voucher_id=voucher_id,
            kind=kind,
            amount=amount,
            balance_after=after,
            invoice_id=invoice_id,
            reverses_id=reverses_id,
            active=True,
            actor=actor,
            note=note,
        )
    ).inserted_primary_key[0]


def _raw(column):
    """The stored integer (fen, ten-thousandths) of a scaled column: sums stay exact ints."""
    return sa.type_coerce(column, sa.BigInteger)


# --- invoices -------------------------------------------------------------------------------


def bill_month(engine: Engine, centre: str, month: dt.date, *, actor: str) -> int:
    """One invoice per tenant for its not yet invoiced usage that started in ``month``."""
    first = month.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    start, end = dt.datetime.combine(first, dt.time()), dt.datetime.combine(following, dt.time())
    with engine.begin() as conn:
        centre_id = centre_by_code(conn, centre)
        open_usage = sa.and_(
            ComputeUsage.centre_id == centre_id,
            ComputeUsage.started_at >= start,
            ComputeUsage.started_at < end,
            ComputeUsage.invoice_id.is_(None),
        )
        totals = conn.execute(
            sa.select(
                ComputeUsage.tenant_id,
                ComputeTenant.account,
                sa.func.coalesce(sa.func.sum(_raw(ComputeUsage.fee)), 0),
            )
            .join(ComputeTenant, ComputeTenant.id == ComputeUsage.tenant_id)
            .where(open_usage)
            .group_by(ComputeUsage.tenant_id, ComputeTenant.account)
            .order_by(ComputeTenant.account)
        ).all()
        for tenant_id, account, fen in totals:
            invoice_id = conn.execute(
                sa.insert(ComputeInvoice).values(
                    centre_id=centre_id,
                    number=f"{centre}-{first:%Y%m}-{account}",
                    tenant_id=tenant_id,
                    period_from=first,
                    period_to=following - dt.timedelta(days=1),
                    issued_on=following,
                    fee=int(fen),  # whole fen, as stored and summed
                )
            ).inserted_primary_key[0]
            conn.execute(
                sa.update(ComputeUsage)
                .where(open_usage, ComputeUsage.tenant_id == tenant_id)
                .values(invoice_id=invoice_id)
            )
        audit(
            conn,
            actor=actor,
            action=Action.COMPUTE_BILL,
            subject=f"{centre} {first:%Y-%m}",
            detail={"invoices": len(totals)},
        )
    return len(totals)


# --- reconciliation and anomalies -------------------------------------------------------------


@dataclass(frozen=True)
class Reconciliation:
    centre: str
    first: dt.date
    last: dt.date
    invoices: int
    fees: Decimal  # of the invoices redeemed
    owed: Decimal  # what the bureau owes the centre: redemptions net of reversals
    by_tenant: list[tuple[str, str, int, Decimal]]  # account, name, invoices, owed
    ledger_mismatches: list[str]  # vouchers whose entries do not add up to their balance


def reconcile(engine: Engine, centre: str, first: dt.date, last: dt.date) -> Reconciliation:
    """Active redemptions of the centre's invoices issued in [first, last], and a check that
    every voucher's entries add up to its balance."""
    with engine.connect() as conn:
        centre_id = centre_by_code(conn, centre)
        rows = conn.execute(
            sa.select(
                ComputeTenant.account,
                ComputeTenant.name,
                sa.func.count(),
                sa.func.sum(_raw(ComputeInvoice.fee)),
                -sa.func.sum(_raw(ComputeLedgerEntry.amount)),
            )
            .select_from(ComputeLedgerEntry)
            .join(ComputeInvoice, ComputeInvoice.id == ComputeLedgerEntry.invoice_id)
            .join(ComputeTenant, ComputeTenant.id == ComputeInvoice.tenant_id)
            .where(
                ComputeInvoice.centre_id == centre_id,
                ComputeInvoice.issued_on.between(first, last),
                ComputeLedgerEntry.kind == "redeem",
                ComputeLedgerEntry.active.is_(True),
            )
            .group_by(ComputeTenant.account, ComputeTenant.name)
            .order_by(ComputeTenant.account)
        ).all()
        mismatches = (
            conn.execute(
                sa.select(ComputeVoucher.code)
                .join(ComputeLedgerEntry, ComputeLedgerEntry.voucher_id == ComputeVoucher.id)
                .group_by(ComputeVoucher.id, ComputeVoucher.code, ComputeVoucher.balance)
                .having(
                    sa.func.sum(_raw(ComputeLedgerEntry.amount)) != _raw(ComputeVoucher.balance)
                )
            )
            .scalars()
            .all()
        )
    cents = Decimal("0.01")
    by_tenant = [(r[0], r[1], r[2], (Decimal(r[4]) * cents)) for r in rows]
    return Reconciliation(
        centre,
        first,
        last,
        sum(r[2] for r in rows),
        sum((Decimal(r[3]) * cents for r in rows), Decimal(0)),
        sum((t[3] for t in by_tenant), Decimal(0)),
        by_tenant,
        list(mismatches),
    )


@dataclass(frozen=True)
class Anomaly:
    kind: str  # other_tenant | outside_validity | jump_before_expiry
    voucher: str
    holder: str
    detail_zh: str
    detail_en: str


def anomalies(engine: Engine, centre_ids: list[int] | None = None) -> list[Anomaly]:
    """Redemptions for another tenant's invoice, invoices outside the voucher's validity, and
    holders whose use jumps just before their voucher expires."""
    found: list[Anomaly] = []
    with engine.connect() as conn:
        redemptions = (
            sa.select(
                ComputeVoucher.code,
                Enterprise.name.label("holder"),
                ComputeVoucher.enterprise_id,
                ComputeVoucher.valid_from,
                ComputeVoucher.valid_to,
                ComputeInvoice.number,
                ComputeInvoice.period_from,
                ComputeInvoice.period_to,
                ComputeTenant.name.label("tenant"),
                ComputeTenant.enterprise_id.label("tenant_enterprise"),
            )
            .select_from(ComputeLedgerEntry)
            .join(ComputeVoucher, ComputeVoucher.id == ComputeLedgerEntry.voucher_id)
            .join(Enterprise, Enterprise.id == ComputeVoucher.enterprise_id)
            .join(ComputeInvoice, ComputeInvoice.id == ComputeLedgerEntry.invoice_id)
            .join(ComputeTenant, ComputeTenant.id == ComputeInvoice.tenant_id)
            .where(ComputeLedgerEntry.kind == "redeem", ComputeLedgerEntry.active.is_(True))
            .order_by(ComputeLedgerEntry.id)
        )
        if centre_ids is not None:
            redemptions = redemptions.where(ComputeInvoice.centre_id.in_(centre_ids))
        for r in conn.execute(redemptions):
            if r.tenant_enterprise != r.enterprise_id:
                found.append(
                    Anomaly(
                        "other_tenant",
                        r.code,
                        r.holder,
                        f"账单 {r.number} 的用户是“{r.tenant}”，不是持券企业",
                        f"invoice {r.number} is for '{r.tenant}', not the holder",
                    )
                )
            if r.period_from < r.valid_from or r.period_to > r.valid_to:
                found.append(
                    Anomaly(
                        "outside_validity",
                        r.code,
                        r.holder,
                        f"账单 {r.number} 的使用期 {r.period_from}—{r.period_to} 超出有效期 "
                        f"{r.valid_from}—{r.valid_to}",
                        f"invoice {r.number} covers {r.period_from}–{r.period_to}, outside the "
                        f"validity {r.valid_from}–{r.valid_to}",
                    )
                )
        found += _jumps(conn, centre_ids)
    return found


def _jumps(conn, centre_ids) -> list[Anomaly]:
    """Holders whose card-hours in the last JUMP_WINDOW_DAYS before expiry are at least
    JUMP_FACTOR × their average for such a window over the JUMP_BASELINE_DAYS before."""
    vouchers = conn.execute(
        sa.select(
            ComputeVoucher.code,
            ComputeVoucher.enterprise_id,
            ComputeVoucher.valid_to,
            Enterprise.name,
        )
        .join(Enterprise, Enterprise.id == ComputeVoucher.enterprise_id)
        .order_by(ComputeVoucher.code)
    ).all()
    out = []
    for code, enterprise_id, valid_to, holder in vouchers:
        end = dt.datetime.combine(valid_to + dt.timedelta(days=1), dt.time())
        window = end - dt.timedelta(days=JUMP_WINDOW_DAYS)
        baseline = window - dt.timedelta(days=JUMP_BASELINE_DAYS)
        hours = sa.func.sum(_raw(ComputeUsage.card_hours))
        query = (
            sa.select(
                sa.func.coalesce(hours.filter(ComputeUsage.started_at >= window), 0),
                sa.func.coalesce(hours.filter(ComputeUsage.started_at < window), 0),
            )
            .join(ComputeTenant, ComputeTenant.id == ComputeUsage.tenant_id)
            .where(
                ComputeTenant.enterprise_id == enterprise_id,
                ComputeUsage.started_at >= baseline,
                ComputeUsage.started_at < end,
            )
        )
        if centre_ids is not None:
            query = query.where(ComputeUsage.centre_id.in_(centre_ids))
        last, before = conn.execute(query).one()
        average = Decimal(before) * JUMP_WINDOW_DAYS / JUMP_BASELINE_DAYS
        if last > 0 and last >= JUMP_FACTOR * average:
            last_h = Decimal(last) / 10000
            avg_h = (average / 10000).quantize(Decimal("0.1"))
            out.append(
                Anomaly(
                    "jump_before_expiry",
                    code,
                    holder,
                    f"到期前{JUMP_WINDOW_DAYS}天用了 {last_h} 卡时，此前平均每{JUMP_WINDOW_DAYS}天 {avg_h} 卡时",
                    f"{last_h} card-hours in the {JUMP_WINDOW_DAYS} days before expiry against an "
                    f"average of {avg_h} per {JUMP_WINDOW_DAYS} days before",
                )
            )
    return out


def centre_codes(engine: Engine) -> dict[int, str]:
    with engine.connect() as conn:
        return dict(conn.execute(sa.select(ComputeCentre.id, ComputeCentre.code)).all())


# --- what the pages show ----------------------------------------------------------------------


@dataclass
class VoucherSummary:
    issued: Decimal
    redeemed: Decimal  # active redemptions
    expired: Decimal
    balance: Decimal
    count: int
    by_month: list[tuple[str, Decimal]]  # redeemed, by the invoice's month
    vouchers: list[dict]


def voucher_summary(
    engine: Engine,
    *,
    enterprise_id: int | None = None,
    district_id: int | None = None,
    centre_ids: list[int] | None = None,
    limit: int = 200,
) -> VoucherSummary:
    """Vouchers of one enterprise, of a district's enterprises, or all; with ``centre_ids``,
    only redemptions at those centres count (what a centre operator may see)."""
    V, L, I = ComputeVoucher, ComputeLedgerEntry, ComputeInvoice  # noqa: E741
    scope = sa.true()
    if enterprise_id is not None:
        scope = V.enterprise_id == enterprise_id
    elif district_id is not None:
        scope = V.enterprise_id.in_(
            sa.select(Enterprise.id).where(Enterprise.district_id == district_id)
        )
    at_centres = sa.true() if centre_ids is None else I.centre_id.in_(centre_ids)
    with engine.connect() as conn:
        totals = conn.execute(
            sa.select(
                sa.func.count(),
                sa.func.coalesce(sa.func.sum(_raw(V.amount)), 0),
                sa.func.coalesce(sa.func.sum(_raw(V.balance)), 0),
            ).where(scope)
        ).one()
        expired = conn.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(_raw(L.amount)), 0))
            .join(V, V.id == L.voucher_id)
            .where(scope, L.kind == "expire")
        )
        month = sa.func.substr(sa.cast(I.period_from, sa.String), 1, 7)
        months = conn.execute(
            sa.select(month, -sa.func.sum(_raw(L.amount)))
            .select_from(L)
            .join(V, V.id == L.voucher_id)
            .join(I, I.id == L.invoice_id)
            .where(scope, at_centres, L.kind == "redeem", L.active.is_(True))
            .group_by(month)
            .order_by(month)
        ).all()
        rows = conn.execute(
            sa.select(
                V.code, Enterprise.name, V.amount, V.balance, V.valid_from, V.valid_to, V.status
            )
            .join(Enterprise, Enterprise.id == V.enterprise_id)
            .where(scope)
            .order_by(V.code)
            .limit(limit)
        ).all()
    fen = Decimal("0.01")
    by_month = [(m, Decimal(v) * fen) for m, v in months]
    return VoucherSummary(
        issued=Decimal(totals[1]) * fen,
        redeemed=sum((v for _, v in by_month), Decimal(0)),
        expired=-Decimal(expired) * fen,
        balance=Decimal(totals[2]) * fen,
        count=totals[0],
        by_month=by_month,
        vouchers=[r._asdict() for r in rows],
    )
