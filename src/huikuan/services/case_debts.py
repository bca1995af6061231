"""The reads a payment is posted from: the case and its creditor, the case's open debts with what is left
of each part, the accounts an open dispute stops collecting, and the commission earned on them before.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import Connection, func, select

from huikuan.domain.disputes import OPEN_DISPUTE
from huikuan.domain.ledger import Debt
from huikuan.errors import NotFound
from huikuan.storage import tables as t
from huikuan.storage.uow import UnitOfWork


def case_currency(uow: UnitOfWork, case_id: int) -> str:
    """The currency a payment on the case is in: that of its oldest open account (else its creditor's)."""
    a, c, cr = t.accounts.c, t.cases.c, t.creditors.c
    found = uow.session.execute(
        select(a.currency)
        .where(a.case_id == case_id, a.status == "open")
        .order_by(a.overdue_since.is_(None), a.overdue_since, a.id)
        .limit(1)
    ).scalar_one_or_none()
    if found is None:
        found = uow.session.execute(
            select(cr.currency).join(t.cases, c.creditor_id == cr.id).where(c.id == case_id)
        ).scalar_one_or_none()
    if found is None:
        raise NotFound("No case with id {id}", id=case_id)
    return str(found)


def paying_case(conn: Connection, case_id: int) -> Any:
    """The case with its creditor's pack, time zone and region (NotFound when there is none)."""
    c, cr = t.cases.c, t.creditors.c
    row = conn.execute(
        select(c.id, c.creditor_id, c.debtor_id, cr.pack, cr.time_zone, cr.region)
        .join(t.creditors, cr.id == c.creditor_id)
        .where(c.id == case_id)
    ).one_or_none()
    if row is None:
        raise NotFound("No case with id {id}", id=case_id)
    return row


def open_debts(
    conn: Connection, case: Any, *, skip_disputed: bool
) -> tuple[list[Debt], str, dict[int, tuple[str, date | None, int]]]:
    """The case's open debts in the currency of its first, oldest first, with what is left of each part;
    and each account's product, placement day and placed balance (for the commission tiers)."""
    a, pa, p = t.accounts.c, t.payment_allocations.c, t.payments.c
    mine = t.accounts.alias("mine")  # what was paid is summed over the case's accounts only
    paid = (
        select(
            pa.account_id,
            func.sum(pa.fees).label("fees"),
            func.sum(pa.interest).label("interest"),
            func.sum(pa.amount).label("amount"),
        )
        .join(t.payments, p.id == pa.payment_id)
        .where(p.status == "posted", pa.account_id.in_(select(mine.c.id).where(mine.c.case_id == case.id)))
        .group_by(pa.account_id)
        .subquery()
    )
    rows = conn.execute(
        select(
            a.id,
            a.currency,
            a.balance,
            a.fees,
            a.interest,
            a.product,
            a.placed_on,
            func.coalesce(paid.c.fees, 0).label("fees_paid"),
            func.coalesce(paid.c.interest, 0).label("interest_paid"),
            func.coalesce(paid.c.amount, 0).label("amount_paid"),
        )
        .outerjoin(paid, paid.c.account_id == a.id)
        .where(a.case_id == case.id, a.status == "open")
        .order_by(a.overdue_since.is_(None), a.overdue_since, a.id)
    ).all()
    if not rows:
        return [], "", {}
    currency = rows[0].currency
    disputed = _disputed(conn, case.debtor_id) if skip_disputed else frozenset()
    debts, about = [], {}
    for r in rows:
        if r.currency != currency:
            continue
        fees = max(0, min(r.fees - r.fees_paid, r.balance))
        interest = max(0, min(r.interest - r.interest_paid, r.balance - fees))
        whole = disputed is _ALL or r.id in disputed
        debts.append(Debt(r.id, fees, interest, r.balance - fees - interest, disputed=whole))
        about[r.id] = (r.product, r.placed_on, r.balance + r.amount_paid)
    return debts, currency, about


class _Everything(frozenset[int]):
    pass


_ALL = _Everything()


def _disputed(conn: Connection, debtor_id: int) -> frozenset[int]:
    """The accounts an open dispute stops collecting (every account when the whole case is disputed)."""
    x = t.disputes.c
    rows = conn.execute(
        select(x.account_id).where(
            x.debtor_id == debtor_id,
            x.stops_collection.is_(True),
            x.status.in_([s.value for s in OPEN_DISPUTE]),
        )
    ).scalars()
    ids = list(rows)
    if any(i is None for i in ids):
        return _ALL
    return frozenset(int(i) for i in ids)


def earned_before(conn: Connection, account_ids: Sequence[int]) -> dict[int, int]:
    """The commission the posted payments earned so far on each account."""
    if not account_ids:
        return {}
    pa, p = t.payment_allocations.c, t.payments.c
    rows = conn.execute(
        select(pa.account_id, func.sum(pa.commission))
        .join(t.payments, p.id == pa.payment_id)
        .where(pa.account_id.in_(account_ids), p.status == "posted")
        .group_by(pa.account_id)
    ).all()
    return {int(r[0]): int(r[1] or 0) for r in rows}
