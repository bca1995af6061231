"""The facts of a case that messages state or depend on: which templates apply (channels/choice.py decides,
purely), whether a message would be the first communication (the US disclosure, channels/disclosures.py),
and the accounts, promise, arrangement and payment as a template shows them (formatted for its language).

A message counts as written once it is queued, sent or delivered (failed and refused messages reached
nobody).
"""

from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from huikuan.channels.choice import CaseState
from huikuan.channels.render import date_text, money_text
from huikuan.domain.enums import CONVERSATION_OUTCOMES
from huikuan.services.case_labels import label
from huikuan.storage import tables as t
from huikuan.storage.uow import UnitOfWork

WRITTEN = ("queued", "sent", "delivered")
US_PACK = "us-reg-f"


def _last_message(uow: UnitOfWork, case_id: int, template: str) -> Any:
    m = t.messages.c
    return uow.session.execute(
        select(func.max(m.created_at)).where(
            m.case_id == case_id, m.template == template, m.status.in_(WRITTEN)
        )
    ).scalar_one_or_none()


def case_state(uow: UnitOfWork, case_id: int, pack: str) -> CaseState:
    s = uow.session
    a, pay, ar, pr = t.accounts.c, t.payments.c, t.arrangements.c, t.promises.c
    owed = s.execute(
        select(func.coalesce(func.sum(a.balance), 0)).where(a.case_id == case_id, a.status == "open")
    ).scalar_one()
    paid_at = s.execute(
        select(func.max(pay.paid_at))
        .join(t.accounts, a.id == pay.account_id)
        .where(a.case_id == case_id, pay.status == "posted")
    ).scalar_one_or_none()
    arranged = s.execute(
        select(ar.id, ar.created_at, ar.approved_at)
        .where(ar.case_id == case_id, ar.status == "active")
        .order_by(ar.id.desc())
        .limit(1)
    ).one_or_none()
    promised = s.execute(
        select(pr.id).where(pr.case_id == case_id, pr.status == "pending").limit(1)
    ).scalar_one_or_none()
    thanked = _last_message(uow, case_id, "payment_confirmation")
    confirmed = _last_message(uow, case_id, "arrangement_confirmation")
    arranged_at = (arranged.approved_at or arranged.created_at) if arranged is not None else None
    return CaseState(
        open_balance=int(owed or 0) > 0,
        payment=paid_at is not None,
        payment_unthanked=paid_at is not None and (thanked is None or thanked < paid_at),
        arrangement=arranged is not None,
        arrangement_unconfirmed=arranged is not None
        and (confirmed is None or (arranged_at is not None and confirmed < arranged_at)),
        promise=promised is not None,
        validation_due=pack == US_PACK and _last_message(uow, case_id, "demand") is None,
    )


def first_communication(uow: UnitOfWork, case_id: int) -> bool:
    """No message was written on the case and no conversation was had with anyone about it."""
    m, i = t.messages.c, t.interactions.c
    written = uow.session.execute(
        select(m.id).where(m.case_id == case_id, m.status.in_(WRITTEN)).limit(1)
    ).scalar_one_or_none()
    if written is not None:
        return False
    talked = uow.session.execute(
        select(i.id)
        .where(i.case_id == case_id, i.outcome.in_([o.value for o in CONVERSATION_OUTCOMES]))
        .limit(1)
    ).scalar_one_or_none()
    return talked is None


def accounts(uow: UnitOfWork, case_id: int, today: date, locale: str) -> list[dict[str, Any]]:
    """The open accounts, each with its itemization (12 CFR 1006.34(c)(2)(vi)-(ix)): the itemization date
    (the charge-off date, else the date the account fell overdue, else today), the amount owed then (the
    principal), the interest and fees added since, the payments and credits since, and what is owed now."""
    a = t.accounts.c
    rows = uow.session.execute(
        select(
            a.external_ref,
            a.product,
            a.currency,
            a.principal,
            a.interest,
            a.fees,
            a.balance,
            a.excess_interest,
            a.charge_off_date,
            a.overdue_since,
        )
        .where(a.case_id == case_id, a.status == "open")
        .order_by(a.id)
    ).all()

    def money(minor: int, currency: str) -> str:
        return money_text(minor, currency, locale)

    return [
        {
            "ref": r.external_ref,
            "product": label("product", r.product, locale),
            "currency": r.currency,
            "principal": money(r.principal, r.currency),
            "interest": money(r.interest, r.currency),
            "fees": money(r.fees, r.currency),
            # What may be asked: the balance less any interest above the lawful cap (services/notices.py).
            "balance": money(max(r.balance - r.excess_interest, 0), r.currency),
            "balance_minor": max(int(r.balance) - int(r.excess_interest), 0),
            "itemization_date": date_text(r.charge_off_date or r.overdue_since or today, locale),
            # What was paid or credited since: whatever the balance no longer holds.
            "credits": money(max(r.principal + r.interest + r.fees - r.balance, 0), r.currency),
        }
        for r in rows
    ]


def promise(uow: UnitOfWork, case_id: int, locale: str) -> dict[str, str] | None:
    p = t.promises.c
    row = uow.session.execute(
        select(p.amount, p.currency, p.due_date)
        .where(p.case_id == case_id, p.status == "pending")
        .order_by(p.due_date, p.id)
        .limit(1)
    ).one_or_none()
    if row is None:
        return None
    return {
        "amount": money_text(row.amount, row.currency, locale),
        "due_date": date_text(row.due_date, locale),
    }


def arrangement(uow: UnitOfWork, case_id: int, locale: str) -> dict[str, Any] | None:
    ar, i = t.arrangements.c, t.instalments.c
    row = uow.session.execute(
        select(ar.id, ar.kind, ar.total_amount, ar.currency, ar.schedule)
        .where(ar.case_id == case_id, ar.status == "active")
        .order_by(ar.id.desc())
        .limit(1)
    ).one_or_none()
    if row is None:
        return None
    plan = uow.session.execute(
        select(i.seq, i.due_date, i.amount).where(i.arrangement_id == row.id).order_by(i.seq)
    ).all()
    payments = [(p.seq, p.due_date, p.amount) for p in plan] or [
        (int(p["seq"]), date.fromisoformat(str(p["due_date"])), int(p["amount"]))
        for p in (row.schedule or [])
    ]
    return {
        "kind": row.kind,
        "total": money_text(row.total_amount, row.currency, locale),
        "instalments": [
            {
                "seq": seq,
                "due_date": date_text(due, locale),
                "amount": money_text(amount, row.currency, locale),
            }
            for seq, due, amount in payments
        ],
    }


def payment(uow: UnitOfWork, case_id: int, zone: ZoneInfo, locale: str) -> dict[str, str] | None:
    pay, a = t.payments.c, t.accounts.c
    row = uow.session.execute(
        select(pay.amount, pay.currency, pay.paid_at)
        .join(t.accounts, a.id == pay.account_id)
        .where(a.case_id == case_id, pay.status == "posted")  # never thank for a payment reversed
        .order_by(pay.paid_at.desc(), pay.id.desc())
        .limit(1)
    ).one_or_none()
    if row is None:
        return None
    return {
        "amount": money_text(row.amount, row.currency, locale),
        "date": date_text(row.paid_at.astimezone(zone).date(), locale),
    }
