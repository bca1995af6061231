"""The floor's money for the statement tests (the floor opens its accounts' journal itself): a creditor's
terms, payments posted and reversed on given days, the ledger's sums of what a statement covers."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select

from huikuan.domain.ledger import Book, Route
from huikuan.services.money_terms import set_terms
from huikuan.services.payment_reversal import reverse_payment
from huikuan.services.payments import PostPayment, post_payment
from huikuan.storage import statements as statement_store
from huikuan.storage import tables as t
from huikuan.storage.uow import UnitOfWork

PLACED = datetime(2026, 8, 1, tzinfo=UTC)


def terms(uow: UnitOfWork, creditor_id: int, *, route: str, remittance: str, rate_bp: int = 1000) -> None:
    raw = {
        "starts_on": "2026-01-01",
        "route": route,
        "remittance": remittance,
        "tiers": [{"rate_bp": rate_bp}],
    }
    set_terms(uow, None, creditor_id, raw, now=PLACED)


def pay(
    uow: UnitOfWork,
    case_id: int,
    amount: int,
    reference: str,
    paid_at: datetime,
    *,
    now: datetime | None = None,
    source: str = "agency",
    route: Route | None = None,
) -> int:
    posted = post_payment(
        uow,
        None,
        PostPayment(
            case_id=case_id,
            amount=amount,
            method="bank_transfer",
            reference=reference,
            paid_at=paid_at,
            source=source,
            route=route,
        ),
        now=now or paid_at,
    )
    return posted.payment_id


def reverse(uow: UnitOfWork, payment_id: int, at: datetime) -> None:
    reverse_payment(uow, None, payment_id, kind="bounced", reason="returned by the bank", now=at)


def covered_by_book(uow: UnitOfWork, statement_id: int) -> dict[str, int]:
    """The covered payment and reversal entries' lines, summed by book on each book's normal side: the
    ledger's own figures for what a statement says."""
    from huikuan.domain.ledger import DEBIT_NORMAL

    e, se, ll = t.ledger_entries.c, t.statement_entries.c, t.ledger_lines.c
    out: dict[str, int] = {}
    for side, sign in (("debit", 1), ("credit", -1)):
        book = getattr(ll, f"{side}_book")
        rows = uow.session.execute(
            select(book, func.sum(ll.amount))
            .select_from(
                t.statement_entries.join(t.ledger_entries, e.id == se.entry_id).join(
                    t.ledger_lines, ll.entry_id == e.id
                )
            )
            .where(se.statement_id == statement_id, e.kind.in_(statement_store.COVERED_KINDS))
            .group_by(book)
        ).all()
        for name, amount in rows:
            normal = 1 if Book(name) in DEBIT_NORMAL else -1
            out[name] = out.get(name, 0) + sign * normal * int(amount)
    return {k: v for k, v in out.items() if v}


def creditor_id(uow: UnitOfWork, code: str) -> int:
    return int(uow.session.execute(select(t.creditors.c.id).where(t.creditors.c.code == code)).scalar_one())


def rows_of(uow: UnitOfWork, table: Any) -> int:
    return int(uow.session.execute(select(func.count()).select_from(table)).scalar_one())
