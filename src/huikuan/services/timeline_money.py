"""The timeline's entries of money: promises, payments and their reversals, arrangements, and the accounts'
changes of status of a case, each as a TimelineItem in the user's language (services/case_timeline.py
orders and filters them).
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from huikuan.services import account_status
from huikuan.services.case_history import TimelineItem, json_list
from huikuan.services.case_labels import STATUS_LABELS, label
from huikuan.storage import tables as t
from huikuan.storage.uow import UnitOfWork


def promise_items(
    uow: UnitOfWork, case_id: int, money: Callable[[int, str], str], _: Callable[..., str]
) -> list[TimelineItem]:
    """Each promise to pay, with its status and what was paid of it."""
    pr, u = t.promises.c, t.users.c
    rows = uow.session.execute(
        select(
            pr.id,
            pr.amount,
            pr.currency,
            pr.due_date,
            pr.created_at,
            pr.status,
            pr.paid_amount,
            u.display_name.label("user_name"),
        )
        .select_from(t.promises.outerjoin(t.users, u.id == pr.created_by))
        .where(pr.case_id == case_id)
    ).all()
    items = []
    for r in rows:
        label = _(
            "Promise of {amount} by {date}", amount=money(r.amount, r.currency), date=r.due_date.isoformat()
        )
        detail = _(STATUS_LABELS.get(r.status, r.status))
        if r.paid_amount:
            detail += " · " + _("paid {amount}", amount=money(r.paid_amount, r.currency))
        items.append(
            TimelineItem(
                r.created_at,
                "promise",
                r.id,
                label,
                detail,
                r.status,
                r.amount,
                r.currency,
                r.user_name or _("system"),
                ("promise",),
            )
        )
    return items


def payment_items(
    uow: UnitOfWork, case_id: int, money: Callable[[int, str], str], _: Callable[..., str]
) -> list[TimelineItem]:
    """Each payment (a reversed one marked so), and each reversal on the day it was made, with its reason."""
    pay, a, rv, u = t.payments.c, t.accounts.c, t.payment_reversals.c, t.users.c
    rows = uow.session.execute(
        select(pay.id, pay.amount, pay.currency, pay.paid_at, pay.method, pay.status, a.external_ref)
        .select_from(t.payments.join(t.accounts, a.id == pay.account_id))
        .where(a.case_id == case_id)
    ).all()
    items = [
        TimelineItem(
            r.paid_at,
            "payment",
            r.id,
            _("Payment of {amount}", amount=money(r.amount, r.currency))
            + (" · " + _("reversed") if r.status == "reversed" else ""),
            _("account {ref}", ref=r.external_ref) + (f" · {r.method}" if r.method else ""),
            r.status if r.status == "reversed" else None,
            r.amount,
            r.currency,
            _("the debtor"),
            ("payment",),
        )
        for r in rows
    ]
    reversals = uow.session.execute(
        select(rv.id, rv.kind, rv.reason, rv.at, pay.amount, pay.currency, u.display_name)
        .select_from(
            t.payment_reversals.join(t.payments, pay.id == rv.payment_id)
            .join(t.accounts, a.id == pay.account_id)
            .outerjoin(t.users, u.id == rv.user_id)
        )
        .where(a.case_id == case_id)
    ).all()
    items += [
        TimelineItem(
            r.at,
            "reversal",
            r.id,
            _("Payment of {amount} reversed", amount=money(r.amount, r.currency)),
            _(REVERSAL_LABELS.get(r.kind, r.kind)),
            "reversal",
            -r.amount,
            r.currency,
            r.display_name or _("system"),
            ("payment",),
            reason=r.reason,
        )
        for r in reversals
    ]
    return items


# Why a payment was reversed (services/payment_reversal.REVERSAL_KINDS), as the timeline shows it: the
# payments tab's words (web/ui/payments.py LABELS["kind"]), msgids translated in payweb.po.
REVERSAL_LABELS = {
    "bounced": "Bounced",
    "chargeback": "Chargeback",
    "refund": "Refunded",
    "wrong_case": "Posted to the wrong case",
    "error": "Posted in error",
}


def status_items(uow: UnitOfWork, case_id: int, lang: str, _: Callable[..., str]) -> list[TimelineItem]:
    """An account's change of status (recalled, closed, written off, returned): who, why, from which file."""
    rows = account_status.changes(uow.session.connection(), case_id)
    return [
        TimelineItem(
            r["at"],
            "status",
            int(str(r["id"])),
            _(
                "Account {ref}: {status}",
                ref=r["external_ref"],
                status=label("status", str(r["to_status"]), lang),
            ),
            _("was {status}", status=label("status", str(r["from_status"]), lang))
            + (" · " + _("recall file {batch}", batch=r["batch_id"]) if r["batch_id"] else ""),
            str(r["to_status"]),
            by=str(r["display_name"]) if r["display_name"] else _("the creditor"),
            reason=str(r["reason"]),
        )
        for r in rows
    ]


def arrangement_items(
    uow: UnitOfWork, case_id: int, money: Callable[[int, str], str], _: Callable[..., str]
) -> list[TimelineItem]:
    """Each settlement or instalment plan offered, with its status, discount and the reasons given."""
    ar, u = t.arrangements.c, t.users.c
    rows = uow.session.execute(
        select(
            ar.id,
            ar.kind,
            ar.status,
            ar.total_amount,
            ar.currency,
            ar.discount_bp,
            ar.schedule,
            ar.created_at,
            ar.approved_at,
            ar.decided_at,
            ar.reason,
            ar.decision_note,
            u.display_name.label("user_name"),
        )
        .select_from(t.arrangements.outerjoin(t.users, u.id == ar.proposed_by))
        .where(ar.case_id == case_id)
    ).all()
    items = []
    for r in rows:
        at = r.created_at or r.decided_at or r.approved_at
        if at is None:
            continue
        amount = money(r.total_amount, r.currency)
        if r.kind == "settlement":
            label = _("Settlement of {amount}", amount=amount)
        else:
            label = _("Instalment plan of {amount}", amount=amount)
        parts = [_(STATUS_LABELS.get(r.status, r.status))]
        if r.discount_bp:
            parts.append(_("discount {percent}%", percent=f"{r.discount_bp / 100:g}"))
        schedule = json_list(r.schedule)
        if schedule:
            parts.append(_("{count} instalments", count=len(schedule)))
        reasons = [text for text in (r.reason, r.decision_note) if text]
        items.append(
            TimelineItem(
                at,
                "arrangement",
                r.id,
                label,
                " · ".join(parts),
                r.status,
                r.total_amount,
                r.currency,
                r.user_name or _("system"),
                ("promise",),
                reason=" · ".join(reasons),
            )
        )
    return items
