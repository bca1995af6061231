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

from huikuan.channels.choice import CaseState
from huikuan.channels.render import date_text, money_text
from huikuan.services.case_labels import label
from huikuan.services.message_rows import CaseRows, case_rows
from huikuan.storage.uow import UnitOfWork

US_PACK = "us-reg-f"


def case_state(uow: UnitOfWork, case_id: int, pack: str) -> CaseState:
    return state_of(case_rows(uow, [case_id])[case_id], pack)


def state_of(rows: CaseRows, pack: str) -> CaseState:
    """Which templates' facts the case has (channels/choice.py), from its rows."""
    owed = sum(int(r.balance) for r in rows.accounts)
    paid_at = rows.payment.paid_at if rows.payment is not None else None
    arranged = rows.arrangement
    thanked = rows.last.get("payment_confirmation")
    confirmed = rows.last.get("arrangement_confirmation")
    arranged_at = (arranged.approved_at or arranged.created_at) if arranged is not None else None
    return CaseState(
        open_balance=owed > 0,
        payment=paid_at is not None,
        payment_unthanked=paid_at is not None and (thanked is None or thanked < paid_at),
        arrangement=arranged is not None,
        arrangement_unconfirmed=arranged is not None
        and (confirmed is None or (arranged_at is not None and confirmed < arranged_at)),
        promise=rows.promise is not None,
        validation_due=pack == US_PACK and rows.last.get("demand") is None,
    )


def first_communication(uow: UnitOfWork, case_id: int) -> bool:
    return is_first_communication(case_rows(uow, [case_id])[case_id])


def is_first_communication(rows: CaseRows) -> bool:
    """No message was written on the case and no conversation was had with anyone about it."""
    return not rows.written and not rows.talked


def accounts(uow: UnitOfWork, case_id: int, today: date, locale: str) -> list[dict[str, Any]]:
    return accounts_of(case_rows(uow, [case_id])[case_id], today, locale)


def balances_of(case: CaseRows) -> dict[str, int]:
    """What may be asked on the open accounts (each `accounts_of`'s `balance`), per currency in minor
    units."""
    totals: dict[str, int] = {}
    for r in case.accounts:
        totals[r.currency] = totals.get(r.currency, 0) + _askable(r)
    return totals


def _askable(r: Any) -> int:
    return max(int(r.balance) - int(r.excess_interest), 0)


def accounts_of(case: CaseRows, today: date, locale: str) -> list[dict[str, Any]]:
    """The open accounts, each with its itemization (12 CFR 1006.34(c)(2)(vi)-(ix)): the itemization date
    (the charge-off date, else the date the account fell overdue, else today), the amount owed then (the
    principal), the interest and fees added since, the payments and credits since, and what is owed now."""
    rows = case.accounts

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
            "balance": money(_askable(r), r.currency),
            "itemization_date": date_text(r.charge_off_date or r.overdue_since or today, locale),
            # What was paid or credited since: whatever the balance no longer holds.
            "credits": money(max(r.principal + r.interest + r.fees - r.balance, 0), r.currency),
        }
        for r in rows
    ]


def promise(uow: UnitOfWork, case_id: int, locale: str) -> dict[str, str] | None:
    return promise_of(case_rows(uow, [case_id])[case_id], locale)


def promise_of(case: CaseRows, locale: str) -> dict[str, str] | None:
    row = case.promise
    if row is None:
        return None
    return {
        "amount": money_text(row.amount, row.currency, locale),
        "due_date": date_text(row.due_date, locale),
    }


def arrangement(uow: UnitOfWork, case_id: int, locale: str) -> dict[str, Any] | None:
    return arrangement_of(case_rows(uow, [case_id])[case_id], locale)


def arrangement_of(case: CaseRows, locale: str) -> dict[str, Any] | None:
    row, plan = case.arrangement, case.instalments
    if row is None:
        return None
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
    return payment_of(case_rows(uow, [case_id])[case_id], zone, locale)


def payment_of(case: CaseRows, zone: ZoneInfo, locale: str) -> dict[str, str] | None:
    row = case.payment  # never thank for a payment reversed: posted ones only
    if row is None:
        return None
    return {
        "amount": money_text(row.amount, row.currency, locale),
        "date": date_text(row.paid_at.astimezone(zone).date(), locale),
    }
