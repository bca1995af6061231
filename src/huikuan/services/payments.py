"""Payments the agency receives: post one (by hand or from a provider's notification). The web app, the
API, the command line and the providers' notifications all call these functions.

Posting a payment, in one transaction: the reference is refused if the creditor's payments used it
already; the amount is allocated among the case's open debts (the debtor's direction first, then oldest
first) and within each debt to fees, interest and principal in the order of the creditor's terms; under
us-reg-f a disputed debt takes nothing (FDCPA §810). What no debt takes is held for the debtor. The
commission is computed from the terms in force on the day paid. The payment, its allocations, the
accounts' balances and the journal entry (domain.ledger.payment_entry) are written together; an account
paid off is ended as `paid` (services/account_status.end_accounts). A pending promise the payments now
cover is kept at once.

Reversing and moving a payment are in services/payment_reversal.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, insert, select, update

from huikuan.domain.commission import Earning, Terms, commission
from huikuan.domain.ledger import Allocated, Debt, Route, allocate, payment_entry
from huikuan.errors import Conflict, InvalidInput
from huikuan.services.account_status import end_accounts
from huikuan.services.case_debts import earned_before, open_debts, paying_case
from huikuan.services.money_terms import terms_on
from huikuan.services.payment_effects import after_paid_off, after_payment
from huikuan.storage import audit
from huikuan.storage import tables as t
from huikuan.storage.ledger import write_entry
from huikuan.storage.uow import UnitOfWork

METHODS = ("cash", "bank_transfer", "cheque", "card", "alipay", "wechatpay", "stripe", "other")
SOURCES = ("agency", "direct")
REFERENCE_MAX = 100
_SKIPS_DISPUTED = frozenset({"us-reg-f"})  # FDCPA §810: never applied to a disputed debt


@dataclass(frozen=True)
class PostPayment:
    """A payment to post on a case; `amount` in minor units of the case's currency."""

    case_id: int
    amount: int
    method: str
    reference: str
    paid_at: datetime | None = None  # default: now
    note: str = ""
    directed: dict[int, int] | None = None  # the debtor's direction: account id -> amount
    source: str = "agency"
    provider: str | None = None
    route: Route | None = None  # default: the creditor's terms
    document_id: int | None = None
    moved_from_id: int | None = None


@dataclass(frozen=True)
class Posted:
    payment_id: int
    case_id: int
    amount: int
    currency: str
    route: str
    allocated: Allocated
    commission: int
    entry_id: int
    paid_off: tuple[int, ...] = ()
    promises_kept: tuple[int, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "payment_id": self.payment_id,
            "case_id": self.case_id,
            "amount": self.amount,
            "currency": self.currency,
            "route": self.route,
            "allocations": [
                {
                    "account_id": a.account_id,
                    "amount": a.amount,
                    "fees": a.fees,
                    "interest": a.interest,
                    "principal": a.principal,
                }
                for a in self.allocated.allocations
            ],
            "held": self.allocated.held,
            "skipped_disputed": list(self.allocated.skipped_disputed),
            "commission": self.commission,
            "entry_id": self.entry_id,
            "paid_off": list(self.paid_off),
            "promises_kept": list(self.promises_kept),
        }


def post_payment(
    uow: UnitOfWork,
    user_id: int | None,
    cmd: PostPayment,
    *,
    now: datetime | None = None,
    commit: bool = True,
) -> Posted:
    """Posts the payment (see the module docstring); commits unless `commit=False`."""
    # Kept in one piece past 60 lines: the writes of one transaction in the order the ledger needs them
    # (payment, balances, entry, audit, then the promises before the accounts paid off are ended).
    now = (now or datetime.now(UTC)).astimezone(UTC)
    paid_at = (cmd.paid_at or now).astimezone(UTC)
    conn = uow.session.connection()
    _check(cmd)
    case = paying_case(conn, cmd.case_id)
    reference = cmd.reference.strip()
    _check_reference_free(conn, case.creditor_id, reference)
    day = paid_at.astimezone(ZoneInfo(case.time_zone)).date()
    share = _share(conn, cmd, case, day)
    currency, route, allocated = share.currency, share.route, share.allocated
    total_commission = sum(share.commissions)
    payment_id = _insert_payment(
        conn,
        cmd,
        share,
        creditor_id=case.creditor_id,
        reference=reference,
        paid_at=paid_at,
        now=now,
        user_id=user_id,
    )
    paid_off = _lower_balances(conn, allocated, day, cmd.amount)
    entry = payment_entry(
        creditor_id=case.creditor_id,
        currency=currency,
        route=route,
        allocated=allocated,
        commission=total_commission,
        net_remittance=share.terms.net,
        holder=share.debts[0].account_id,
        reason=f"{cmd.method} {reference}",
    )
    entry_id = write_entry(conn, entry, at=paid_at, posted_at=now, payment_id=payment_id, user_id=user_id)
    audit.record(
        conn,
        at=now,
        user_id=user_id,
        action="payment.posted",
        entity="case",
        entity_id=cmd.case_id,
        detail={"payment_id": payment_id, "amount": cmd.amount, "method": cmd.method, "route": route.value},
    )
    # Promises first: a promise the payment keeps is kept, not cancelled by the case closing below.
    kept = after_payment(uow, cmd.case_id, paid_off, now=now, user_id=user_id)
    if paid_off:
        end_accounts(conn, paid_off, to_status="paid", reason="paid in full", at=now, user_id=user_id)
        after_paid_off(uow, cmd.case_id, paid_off, now=now, user_id=user_id)
    if commit:
        uow.commit()
    return Posted(
        payment_id,
        cmd.case_id,
        cmd.amount,
        currency,
        route.value,
        allocated,
        total_commission,
        entry_id,
        tuple(paid_off),
        kept,
    )


def _check_reference_free(conn: Connection, creditor_id: int, reference: str) -> None:
    """Refuses a reference the creditor's payments used already."""
    used = conn.execute(
        select(t.payments.c.id).where(
            t.payments.c.creditor_id == creditor_id, t.payments.c.external_ref == reference
        )
    ).scalar_one_or_none()
    if used is not None:
        raise Conflict(
            "The reference {reference} is used already (payment {id})", reference=reference, id=used
        )


@dataclass(frozen=True)
class _Share:
    """How a payment is shared among the case's open debts, and the commission on each share."""

    debts: list[Debt]
    currency: str
    terms: Terms
    route: Route
    allocated: Allocated
    commissions: tuple[int, ...]  # one per allocation


def _share(conn: Connection, cmd: PostPayment, case: Any, day: date) -> _Share:
    """Allocates the payment among the case's open debts under the creditor's terms on `day`."""
    debts, currency, products = open_debts(conn, case, skip_disputed=case.pack in _SKIPS_DISPUTED)
    if not debts:
        raise InvalidInput("Case {id} has no account to pay", id=cmd.case_id)
    if cmd.directed:
        strangers = sorted(set(cmd.directed) - {d.account_id for d in debts})
        if strangers:
            raise InvalidInput("Account {id} is not an open account of this case", id=strangers[0])
    terms = terms_on(conn, case.creditor_id, day)
    route = cmd.route or (Route.CREDITOR if cmd.source == "direct" else terms.route)
    allocated = allocate(
        cmd.amount,
        debts,
        order=terms.order,
        directed=cmd.directed,
        skip_disputed=case.pack in _SKIPS_DISPUTED,
    )
    earned = earned_before(conn, [a.account_id for a in allocated.allocations])
    per_allocation = commission(
        terms,
        [
            Earning(
                amount=a.amount,
                source=cmd.source,
                product=products[a.account_id][0],
                # Dated before its account was placed: its age is negative and no tier matches it (the
                # agency cannot have earned it).
                age_days=(day - (products[a.account_id][1] or day)).days,
                placed_balance=products[a.account_id][2],
                earned_before=earned.get(a.account_id, 0),
            )
            for a in allocated.allocations
        ],
    )
    return _Share(debts, currency, terms, route, allocated, per_allocation)


def _insert_payment(
    conn: Connection,
    cmd: PostPayment,
    share: _Share,
    *,
    creditor_id: int,
    reference: str,
    paid_at: datetime,
    now: datetime,
    user_id: int | None,
) -> int:
    """Writes the payment and its allocations; the payment's id."""
    allocated, per_allocation = share.allocated, share.commissions
    holder = allocated.allocations[0].account_id if allocated.allocations else share.debts[0].account_id
    payment_id = conn.execute(
        insert(t.payments)
        .values(
            creditor_id=creditor_id,
            external_ref=reference,
            account_id=holder,
            case_id=cmd.case_id,
            amount=cmd.amount,
            currency=share.currency,
            paid_at=paid_at,
            method=cmd.method,
            source=cmd.source,
            route=share.route.value,
            status="posted",
            provider=cmd.provider,
            commission=sum(per_allocation),
            held=allocated.held,
            posted_at=now,
            user_id=user_id,
            document_id=cmd.document_id,
            moved_from_id=cmd.moved_from_id,
            note=cmd.note.strip(),
        )
        .returning(t.payments.c.id)
    ).scalar_one()
    if allocated.allocations:
        conn.execute(
            insert(t.payment_allocations),
            [
                {
                    "payment_id": payment_id,
                    "account_id": a.account_id,
                    "amount": a.amount,
                    "fees": a.fees,
                    "interest": a.interest,
                    "principal": a.principal,
                    "commission": c,
                }
                for a, c in zip(allocated.allocations, per_allocation, strict=True)
            ],
        )
    return int(payment_id)


def _check(cmd: PostPayment) -> None:
    """Refuses a command that is not a payment: a non-positive amount, an unknown method, no reference."""
    if isinstance(cmd.amount, bool) or not isinstance(cmd.amount, int) or cmd.amount <= 0:
        raise InvalidInput("The amount must be more than zero")
    if cmd.method not in METHODS:
        raise InvalidInput("The method is one of: {methods}", methods=", ".join(METHODS))
    if cmd.source not in SOURCES:
        raise InvalidInput("The source is agency or direct")
    reference = cmd.reference.strip()
    if not reference:
        raise InvalidInput("Give the payment's reference (the bank's, the receipt's or the cheque's number)")
    if len(reference) > REFERENCE_MAX:
        raise InvalidInput("A reference has at most {n} characters", n=REFERENCE_MAX)


def _lower_balances(conn: Connection, allocated: Allocated, day: date, amount: int) -> list[int]:
    """Takes each allocation off its account's balance; the accounts now paid off."""
    a = t.accounts.c
    paid_off = []
    for al in allocated.allocations:
        left = conn.execute(
            update(t.accounts)
            .where(a.id == al.account_id)
            .values(balance=a.balance - al.amount, last_payment_date=day, last_payment_amount=amount)
            .returning(a.balance)
        ).scalar_one()
        if left == 0:
            paid_off.append(al.account_id)
    return paid_off
