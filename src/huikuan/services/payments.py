"""Payments the agency receives: post one (by hand or from a provider's notification), reverse it, move
it to the right case. The web app, the API, the command line and the providers' notifications all call
these functions.

Posting a payment, in one transaction: the reference is refused if the creditor's payments used it
already; the amount is allocated among the case's open debts (the debtor's direction first, then oldest
first) and within each debt to fees, interest and principal in the order of the creditor's terms; under
us-reg-f a disputed debt takes nothing (FDCPA §810). What no debt takes is held for the debtor. The
commission is computed from the terms in force on the day paid. The payment, its allocations, the
accounts' balances and the journal entry (domain.ledger.payment_entry) are written together; an account
paid off is ended as `paid` (services/account_status.end_accounts). A pending promise the payments now
cover is kept at once.

Reversing one writes the entry that undoes it (each leg swapped), gives the accounts their balances back
(reopening an account it had paid off), marks the payment reversed, and re-evaluates the case's promises
and instalments. Moving one is a reversal (kind `wrong_case`) and the same payment posted to the other
case of the same creditor.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, and_, func, insert, select, update

from huikuan.domain.commission import Earning, commission
from huikuan.domain.disputes import OPEN_DISPUTE
from huikuan.domain.enums import CaseStage
from huikuan.domain.goals import Goal
from huikuan.domain.ledger import Allocated, Debt, EntryKind, Route, allocate, payment_entry, reversal
from huikuan.errors import Conflict, InvalidInput, NotFound
from huikuan.services.account_status import end_accounts
from huikuan.services.money_terms import terms_on
from huikuan.services.payment_effects import after_paid_off, after_payment, after_reversal
from huikuan.storage import audit
from huikuan.storage import tables as t
from huikuan.storage.ledger import entry_legs, write_entry
from huikuan.storage.uow import UnitOfWork

METHODS = ("cash", "bank_transfer", "cheque", "card", "alipay", "wechatpay", "stripe", "other")
REVERSAL_KINDS = ("bounced", "chargeback", "refund", "wrong_case", "error")
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


@dataclass(frozen=True)
class Reversed:
    payment_id: int
    kind: str
    amount: int
    currency: str
    entry_id: int
    reopened: tuple[int, ...] = ()
    moved_to: int | None = None
    reevaluated: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "payment_id": self.payment_id,
            "kind": self.kind,
            "amount": self.amount,
            "currency": self.currency,
            "entry_id": self.entry_id,
            "reopened": list(self.reopened),
            "moved_to": self.moved_to,
            "reevaluated": self.reevaluated,
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
    now = (now or datetime.now(UTC)).astimezone(UTC)
    paid_at = (cmd.paid_at or now).astimezone(UTC)
    conn = uow.session.connection()
    _check(cmd)
    case = _case(conn, cmd.case_id)
    reference = cmd.reference.strip()
    used = conn.execute(
        select(t.payments.c.id).where(
            t.payments.c.creditor_id == case.creditor_id, t.payments.c.external_ref == reference
        )
    ).scalar_one_or_none()
    if used is not None:
        raise Conflict(
            "The reference {reference} is used already (payment {id})", reference=reference, id=used
        )
    day = paid_at.astimezone(ZoneInfo(case.time_zone)).date()
    debts, currency, products = _debts(conn, case, skip_disputed=case.pack in _SKIPS_DISPUTED)
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
    earned = _earned_before(conn, [a.account_id for a in allocated.allocations])
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
    total_commission = sum(per_allocation)
    payment_id = conn.execute(
        insert(t.payments)
        .values(
            creditor_id=case.creditor_id,
            external_ref=reference,
            account_id=allocated.allocations[0].account_id if allocated.allocations else debts[0].account_id,
            case_id=cmd.case_id,
            amount=cmd.amount,
            currency=currency,
            paid_at=paid_at,
            method=cmd.method,
            source=cmd.source,
            route=route.value,
            status="posted",
            provider=cmd.provider,
            commission=total_commission,
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
    paid_off = _lower_balances(conn, allocated, day, cmd.amount)
    entry = payment_entry(
        creditor_id=case.creditor_id,
        currency=currency,
        route=route,
        allocated=allocated,
        commission=total_commission,
        net_remittance=terms.net,
        holder=debts[0].account_id,
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


def reverse_payment(
    uow: UnitOfWork,
    user_id: int | None,
    payment_id: int,
    *,
    kind: str,
    reason: str,
    now: datetime | None = None,
    commit: bool = True,
) -> Reversed:
    """Reverses a posted payment (see the module docstring); Conflict when it is reversed already."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    if kind not in REVERSAL_KINDS:
        raise InvalidInput("A reversal is one of: {kinds}", kinds=", ".join(REVERSAL_KINDS))
    if not reason.strip():
        raise InvalidInput("Say why the payment is reversed")
    conn = uow.session.connection()
    p = t.payments.c
    pay = conn.execute(select(t.payments).where(p.id == payment_id).with_for_update()).one_or_none()
    if pay is None:
        raise NotFound("No payment with id {id}", id=payment_id)
    claimed = conn.execute(
        update(t.payments).where(p.id == payment_id, p.status == "posted").values(status="reversed")
    )
    if claimed.rowcount != 1:
        raise Conflict("Payment {id} is reversed already", id=payment_id)
    le = t.ledger_entries.c
    original = conn.execute(
        select(le.id).where(le.payment_id == payment_id, le.kind == EntryKind.PAYMENT.value)
    ).scalar_one()
    undo = reversal(entry_legs(conn, original), pay.creditor_id, reason.strip())
    entry_id = write_entry(
        conn, undo, at=now, posted_at=now, payment_id=payment_id, reverses_id=original, user_id=user_id
    )
    reopened = _raise_balances(conn, payment_id, now, user_id)
    if reopened:
        _reopen_case(conn, pay.case_id or _case_of_account(conn, pay.account_id), now, user_id)
    conn.execute(
        insert(t.payment_reversals).values(
            payment_id=payment_id,
            kind=kind,
            reason=reason.strip(),
            at=now,
            user_id=user_id,
            entry_id=entry_id,
        )
    )
    case_id = pay.case_id or _case_of_account(conn, pay.account_id)
    audit.record(
        conn,
        at=now,
        user_id=user_id,
        action="payment.reversed",
        entity="case",
        entity_id=case_id,
        detail={"payment_id": payment_id, "kind": kind, "amount": pay.amount},
    )
    counts = after_reversal(uow, case_id, payment_id, now=now, user_id=user_id)
    if commit:
        uow.commit()
    return Reversed(payment_id, kind, pay.amount, pay.currency, entry_id, tuple(reopened), None, counts)


def move_payment(
    uow: UnitOfWork,
    user_id: int | None,
    payment_id: int,
    *,
    to_case_id: int,
    reason: str,
    now: datetime | None = None,
) -> Reversed:
    """Moves a payment posted to the wrong case: reversed there, posted again on `to_case_id` (a case of
    the same creditor) with the same amount, day, method and provider. Commits."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    conn = uow.session.connection()
    pay = conn.execute(select(t.payments).where(t.payments.c.id == payment_id)).one_or_none()
    if pay is None:
        raise NotFound("No payment with id {id}", id=payment_id)
    target = _case(conn, to_case_id)
    if target.creditor_id != pay.creditor_id:
        raise InvalidInput("A payment moves only to another case of the same creditor")
    if (pay.case_id or _case_of_account(conn, pay.account_id)) == to_case_id:
        raise InvalidInput("The payment is on case {id} already", id=to_case_id)
    undone = reverse_payment(
        uow, user_id, payment_id, kind="wrong_case", reason=reason, now=now, commit=False
    )
    moved = post_payment(
        uow,
        user_id,
        PostPayment(
            case_id=to_case_id,
            amount=pay.amount,
            method=pay.method or "other",
            reference=_moved_reference(conn, pay.creditor_id, pay.external_ref),
            paid_at=pay.paid_at,
            note=pay.note,
            source=pay.source,
            provider=pay.provider,
            route=Route(pay.route),
            document_id=pay.document_id,
            moved_from_id=payment_id,
        ),
        now=now,
        commit=False,
    )
    conn.execute(
        update(t.payment_reversals)
        .where(t.payment_reversals.c.payment_id == payment_id)
        .values(moved_to_id=moved.payment_id)
    )
    uow.commit()
    return Reversed(
        undone.payment_id,
        undone.kind,
        undone.amount,
        undone.currency,
        undone.entry_id,
        undone.reopened,
        moved.payment_id,
        undone.reevaluated,
    )


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


def _check(cmd: PostPayment) -> None:
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


def _case(conn: Connection, case_id: int) -> Any:
    c, cr = t.cases.c, t.creditors.c
    row = conn.execute(
        select(c.id, c.creditor_id, c.debtor_id, cr.pack, cr.time_zone, cr.region)
        .join(t.creditors, cr.id == c.creditor_id)
        .where(c.id == case_id)
    ).one_or_none()
    if row is None:
        raise NotFound("No case with id {id}", id=case_id)
    return row


def _debts(
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


def _earned_before(conn: Connection, account_ids: Sequence[int]) -> dict[int, int]:
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


def _raise_balances(conn: Connection, payment_id: int, now: datetime, user_id: int | None) -> list[int]:
    """Gives each account what the payment took back; reopens an account it had paid off."""
    a, pa = t.accounts.c, t.payment_allocations.c
    reopened = []
    for al in conn.execute(select(pa.account_id, pa.amount).where(pa.payment_id == payment_id)).all():
        row = conn.execute(
            update(t.accounts)
            .where(a.id == al.account_id)
            .values(balance=a.balance + al.amount)
            .returning(a.status, a.case_id)
        ).one()
        if row.status == "paid":
            conn.execute(
                update(t.accounts)
                .where(a.id == al.account_id)
                .values(status="open", status_reason=None, closed_on=None)
            )
            conn.execute(
                insert(t.account_changes).values(
                    account_id=al.account_id,
                    case_id=row.case_id,
                    at=now,
                    user_id=user_id,
                    from_status="paid",
                    to_status="open",
                    reason="payment reversed",
                )
            )
            reopened.append(int(al.account_id))
    return reopened


def _reopen_case(conn: Connection, case_id: int, now: datetime, user_id: int | None) -> None:
    """A case closed because the payment paid it off comes back to the queue, to follow up now."""
    c = t.cases.c
    done = conn.execute(
        update(t.cases)
        .where(c.id == case_id, c.stage == CaseStage.CLOSED.value)
        .values(
            stage=CaseStage.CONTACTING.value,
            next_action_channel="call",
            next_action_goal=Goal.FOLLOW_UP.value,
            next_action_note=None,
            next_action_due_at=now,
        )
    )
    if done.rowcount:
        audit.record(
            conn,
            at=now,
            user_id=user_id,
            action="case.reopened",
            entity="case",
            entity_id=case_id,
            detail={"why": "payment reversed"},
        )


def _case_of_account(conn: Connection, account_id: int) -> int:
    return int(conn.execute(select(t.accounts.c.case_id).where(t.accounts.c.id == account_id)).scalar_one())


def _moved_reference(conn: Connection, creditor_id: int, reference: str) -> str:
    """The moved payment's reference: the original's with a suffix no payment of the creditor has."""
    p = t.payments.c
    n = 1
    while True:
        candidate = f"{reference[: REFERENCE_MAX - 8]}~moved{n}"
        taken = conn.execute(
            select(p.id).where(and_(p.creditor_id == creditor_id, p.external_ref == candidate))
        ).scalar_one_or_none()
        if taken is None:
            return candidate
        n += 1
