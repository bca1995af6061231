"""What the debtor's own pages share (docs/debtor-self-service.md): who is visiting (a case, reached by
the debtor's private link, from an address, in a language) and how the debtor is told what they did.

A message to the debtor goes through the gate like any other (services/contacts.queue_message, as the
system: no user); a refusal sends nothing. A required notice (an arrangement's terms) goes by e-mail only
where that is lawful: in us-reg-f only once the debtor gave E-SIGN consent to electronic communications
(Reg F §1006.42, recorded by services/preferences.py); otherwise it is a letter to the postal address.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from huikuan.errors import ComplianceRefused, InvalidInput, NotFound
from huikuan.services.contacts import queue_message
from huikuan.services.outbox import first_point
from huikuan.storage import tables as t
from huikuan.storage.uow import UnitOfWork

ESIGN_PACKS = ("us-reg-f",)  # packs where an electronic notice needs the debtor's E-SIGN consent


@dataclass(frozen=True)
class Visitor:
    """The debtor on their own pages: the case their link is for, the link, their address and language."""

    case_id: int
    portal_link_id: int | None
    address: str  # the client's network address, kept with what they sign
    locale: str  # "zh_CN" or "en"


@dataclass(frozen=True)
class DebtorNotice:
    """What to tell the debtor: its text in their language, its template name, and whether it is a
    required notice (the terms of an arrangement) rather than a courtesy (a receipt)."""

    subject: str
    body: str
    locale: str
    template: str
    required: bool


def case_row(uow: UnitOfWork, case_id: int) -> Any:
    """The case with its debtor, creditor, pack and the debtor's electronic consent; NotFound if none."""
    c, d, cr = t.cases.c, t.debtors.c, t.creditors.c
    row = uow.session.execute(
        select(
            c.id,
            c.debtor_id,
            c.creditor_id,
            c.stage,
            cr.pack,
            cr.name.label("creditor_name"),
            d.electronic_consent,
        )
        .join(t.debtors, d.id == c.debtor_id)
        .join(t.creditors, cr.id == c.creditor_id)
        .where(c.id == case_id)
    ).one_or_none()
    if row is None:
        raise NotFound("No case with id {id}", id=case_id)
    return row


def electronic_allowed(case: Any) -> bool:
    """Whether a required notice may go to this debtor electronically (see the module docstring)."""
    return case.pack not in ESIGN_PACKS or bool(case.electronic_consent)


def tell_debtor(uow: UnitOfWork, case: Any, notice: DebtorNotice, *, now: datetime) -> int | None:
    """Queues the notice to the debtor through the gate (commits): by e-mail where allowed, a required
    notice otherwise by letter; the message's id, or None when there is no point to send to or the gate
    refuses."""
    required_notice = notice.required
    channel = "email" if not required_notice or electronic_allowed(case) else "letter"
    point = first_point(uow, case.debtor_id, "email" if channel == "email" else "address")
    if point is None and required_notice and channel == "email":
        channel, point = "letter", first_point(uow, case.debtor_id, "address")
    if point is None:
        return None
    send_at: datetime | None = None
    for _ in range(2):  # now, else once at the next moment the gate allows (an hour the debtor keeps)
        try:
            return queue_message(
                uow,
                case.id,
                channel=channel,
                contact_point_id=point,
                subject=notice.subject,
                body=notice.body,
                template=notice.template,
                at=now,
                locale=notice.locale,
                send_at=send_at,
            )
        except ComplianceRefused as refused:
            uow.rollback()
            send_at = _next_allowed(refused.decision)
            if send_at is None:
                return None
        except InvalidInput:
            uow.rollback()
            return None
    return None


def _next_allowed(decision: object) -> datetime | None:
    later = decision.get("next_allowed_at") if isinstance(decision, dict) else None
    return datetime.fromisoformat(later.replace("Z", "+00:00")) if isinstance(later, str) else None
