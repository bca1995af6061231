"""The paid-in-full letter: when a payment pays off the last open account of a case, the debtor is told.

The letter (template `paid_in_full`) is queued through the gate to the debtor's first usable postal
address, as any letter (services/contacts.queue_message), by the user who posted the payment (none for a
provider's notification or the command line). Where there is no such address, the gate refuses the letter
or the letters' sender is not set up, the case records that the letter is still due (audit
`payment.paid_in_full_letter_due` with the reason), as a resolved dispute's answer does
(services/dispute_steps.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from huikuan.errors import ComplianceRefused, InvalidInput
from huikuan.services.contacts import queue_message
from huikuan.services.message_text import (
    UNUSABLE,
    case_facts,
    check_template,
    compose,
    message_locale,
    recipient,
)
from huikuan.storage import audit
from huikuan.storage import tables as t
from huikuan.storage.uow import UnitOfWork

TEMPLATE = "paid_in_full"


def paid_in_full(uow: UnitOfWork, case_id: int) -> bool:
    """The case owes nothing: no account left open, and one at least ended paid."""
    a = t.accounts.c
    statuses = set(uow.session.execute(select(a.status).where(a.case_id == case_id)).scalars())
    return "paid" in statuses and "open" not in statuses


def tell_paid_in_full(uow: UnitOfWork, case_id: int, *, now: datetime, user_id: int | None) -> int | None:
    """Queues the letter (see the module docstring); its message id, or None when it is still due."""
    facts = case_facts(uow, case_id)
    cp = t.contact_points.c
    address = uow.session.execute(
        select(cp.id)
        .where(
            cp.debtor_id == facts.debtor_id,
            cp.party_id.is_(None),
            cp.kind == "address",
            cp.status.not_in(UNUSABLE),
        )
        .order_by(cp.id)
        .limit(1)
    ).scalar_one_or_none()
    message: int | None = None
    why = "no_address"
    if address is not None:
        try:
            message = _queue(uow, facts, address, now=now, user_id=user_id)
        except ComplianceRefused:
            why = "refused"  # the refusal is kept as an audit event; the letter stays due
        except InvalidInput:
            why = "not_configured"  # the letters' sender (telephone, return address) is not set up
    audit.record(
        uow.session,
        at=now,
        user_id=user_id,
        action="payment.paid_in_full_letter" if message is not None else "payment.paid_in_full_letter_due",
        entity="case",
        entity_id=case_id,
        detail={"message_id": message} if message is not None else {"why": why},
    )
    return message


def _queue(uow: UnitOfWork, facts: Any, address: int, *, now: datetime, user_id: int | None) -> int:
    check_template("letter", TEMPLATE)
    to = recipient(uow, facts, "letter", address)
    lang = message_locale(facts, "letter", TEMPLATE, None)
    name = ""
    if user_id is not None:
        name = str(
            uow.session.execute(select(t.users.c.display_name).where(t.users.c.id == user_id)).scalar() or ""
        )
    subject, body = compose(
        uow, facts, to, channel="letter", template=TEMPLATE, locale=lang, collector=name, now=now
    )
    return queue_message(
        uow,
        facts.id,
        channel="letter",
        contact_point_id=to.point_id,
        body=body,
        subject=subject,
        template=TEMPLATE,
        user_id=user_id,
        party=to.party_id,
        at=now,
        locale=lang,
    )
