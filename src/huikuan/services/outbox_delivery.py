"""What becomes of one claimed message of the outbox job (services/outbox_job.py): sent (the provider's
reference, or a letter's PDF), a retry after a transient failure (1, 5, then 30 minutes later; the fourth
failure is final), failed with the provider's own words, or refused when the debtor disputed or asked to
cease since it was queued. The gate is asked again at each attempt: a message it would refuse now (a
retry that fell outside the contact hours, a frequency cap reached meanwhile) waits, queued, until the
moment the gate allows it again.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update

from huikuan.channels.base import (
    DefinitiveFailure,
    InvalidRecipient,
    Outgoing,
    Receipt,
    TransientFailure,
    Transport,
)
from huikuan.channels.letter import LetterOutgoing
from huikuan.config import Settings
from huikuan.errors import InvalidInput
from huikuan.i18n import normalize_locale
from huikuan.services import debtor_links, notices, wechat_bindings, wechat_outbox
from huikuan.services.contacts import check_contact
from huikuan.services.inbound import mark_bounce
from huikuan.services.inbound_reply import OPT_OUT_CONFIRMATION
from huikuan.services.message_text import reference
from huikuan.services.sms_templates import approved_template
from huikuan.storage import tables as t
from huikuan.storage.audit import record
from huikuan.storage.uow import UnitOfWork

log = logging.getLogger(__name__)

HOLD_ERROR = "contact hold since queued"
# A transient failure is tried again after 1, 5 and 30 minutes; the fourth failure is final.
RETRY_DELAYS = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30))
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1


class Sandbox:
    """Sends nothing: a sandbox message is marked sent with the reference "sandbox-<id>"."""

    def send(self, message: Outgoing) -> Receipt:
        return Receipt(provider_ref=f"{SANDBOX_REF}{message.id}")


SANDBOX_REF = "sandbox-"


def due(now: datetime) -> tuple[Any, ...]:
    """What makes a queued message one to try now: no live claim, and its retry time reached."""
    m = t.messages.c
    return (
        or_(m.claimed_until.is_(None), m.claimed_until < now),
        or_(m.next_attempt_at.is_(None), m.next_attempt_at <= now),
    )


def deliver(
    uow: UnitOfWork,
    message_id: int,
    transport: Transport,
    now: datetime,
    sandbox: Transport,
    settings: Settings,
) -> str:
    """Sends one claimed message if the gate and the debtor's holds allow it now; what came of it."""
    row = _message(uow, message_id)
    uow.rollback()
    if row.sandbox:  # a sandbox creditor: never handed to a provider
        transport = sandbox
    # An opt-out's confirmation is the one message a channel's opt-out allows (services/inbound_reply.py).
    postponed_until = None if row.template == OPT_OUT_CONFIRMATION else _gate_again(uow, row, now)
    if postponed_until is not None and postponed_until is not _HELD:
        # Outside the hours (or over a frequency cap) now: it waits, queued, until the gate allows it.
        _finish(uow, message_id, status="queued", next_attempt_at=postponed_until)
        uow.commit()
        return "postponed"
    held = (row.cease or row.disputed) and row.template != OPT_OUT_CONFIRMATION
    if held or postponed_until is _HELD:
        _finish(uow, message_id, status="refused", error=HOLD_ERROR)
        _record_held(uow, message_id, row, now)
        uow.commit()
        return "refused"
    outgoing = _prepared(uow, row, now, transport is sandbox, settings)
    return _send(uow, row, transport, outgoing, now)


def _prepared(uow: UnitOfWork, row: Any, now: datetime, sandbox: bool, settings: Settings) -> Outgoing:
    """The message as its transport sends it, with what its channel adds (none of it for the sandbox)."""
    outgoing = _outgoing(row, now, settings.agency_phone)
    if sandbox:
        pass  # nothing is handed to a provider: no provider's template or binding is looked up
    elif row.channel == "sms" and settings.sms_provider != "generic":
        found = approved_template(uow, row.creditor_id, settings.sms_provider, row.template)
        uow.rollback()
        outgoing = replace(outgoing, provider_template=found)
    elif row.channel == "wechat":  # its binding, the creditor's template, the 48-hour window
        outgoing = wechat_outbox.outgoing(uow, outgoing, row.case_id, settings)
    if row.channel == "letter" and row.party_id is None:
        # The debtor's: the case's WeChat bind link and a private link to the debtor's own page, each
        # printed as a QR code when the floor can make it (no link is made for a sandbox letter).
        portal = None if sandbox else debtor_links.letter_link(uow, settings, row.case_id, now)
        wechat = wechat_bindings.bind_url(settings, row.case_id)
        outgoing = LetterOutgoing(**asdict(outgoing), wechat_url=wechat, portal_url=portal)
    return outgoing


def _send(uow: UnitOfWork, row: Any, transport: Transport, outgoing: Outgoing, now: datetime) -> str:
    """Hands the message to its transport and keeps what came of it: sent, failed or retry."""
    message_id = row.id
    attempts = row.attempts + 1
    try:
        receipt = transport.send(outgoing)
    except DefinitiveFailure as exc:
        _finish(uow, message_id, status="failed", error=str(exc), attempts=attempts)
        wechat_outbox.after_failure(uow, exc, now)
        uow.commit()
        if isinstance(exc, InvalidRecipient):  # the number is bad: its points are marked invalid
            mark_bounce(uow, row.channel, row.to, reason="invalid", now=now, detail=str(exc))
        return "failed"
    except Exception as exc:  # a transient failure, or a fault of ours: never lose the message silently
        if not isinstance(exc, TransientFailure):
            log.exception("sending message %s failed", message_id)
        error = str(exc) or type(exc).__name__
        if attempts >= MAX_ATTEMPTS:
            _finish(uow, message_id, status="failed", error=error, attempts=attempts)
            uow.commit()
            return "failed"
        _finish(
            uow,
            message_id,
            status="queued",
            error=error,
            attempts=attempts,
            next_attempt_at=now + RETRY_DELAYS[attempts - 1],
        )
        uow.commit()
        return "retry"
    _finish(
        uow,
        message_id,
        status="sent",
        error=None,
        attempts=attempts,
        sent_at=now,
        provider_ref=receipt.provider_ref,
        document=receipt.document,
    )
    notices.message_sent(uow, message_id, now)
    uow.commit()
    return "sent"


def _message(uow: UnitOfWork, message_id: int) -> Any:
    """The message with what its sending needs: the debtor's name, language and holds, the party's name."""
    m, c, d, p, cr = t.messages.c, t.cases.c, t.debtors.c, t.parties.c, t.creditors.c
    return uow.session.execute(
        select(
            m.id,
            m.case_id,
            m.channel,
            m.to,
            m.subject,
            m.body,
            m.template,
            m.locale,
            m.attempts,
            m.party_id,
            m.contact_point_id,
            m.user_id,
            d.name.label("debtor_name"),
            d.language,
            d.cease,
            d.disputed,
            p.name.label("party_name"),
            cr.sandbox,
            c.creditor_id,
            cr.code.label("creditor_code"),
        )
        .select_from(
            t.messages.join(t.cases, c.id == m.case_id)
            .join(t.debtors, d.id == c.debtor_id)
            .join(t.creditors, cr.id == c.creditor_id)
            .outerjoin(t.parties, p.id == m.party_id)
        )
        .where(m.id == message_id)
    ).one()


def _outgoing(row: Any, now: datetime, phone: str = "") -> Outgoing:
    """The message as the transport sends it, addressed to the party or else the debtor."""
    return Outgoing(
        id=row.id,
        channel=row.channel,
        to=row.to,
        subject=row.subject,
        body=row.body,
        locale=normalize_locale(row.locale or row.language),
        recipient_name=row.party_name or row.debtor_name,
        reference=reference(row.case_id),
        now=now,
        creditor_code=row.creditor_code,
        template=row.template,
        params=(
            ("name", row.party_name or row.debtor_name),
            ("reference", reference(row.case_id)),
            ("phone", phone),
        ),
    )


def _record_held(uow: UnitOfWork, message_id: int, row: Any, now: datetime) -> None:
    """Audits a message refused because the debtor ceased contact or disputes the debt."""
    record(
        uow.session,
        at=now,
        user_id=None,
        action="message.held",
        entity="message",
        entity_id=message_id,
        detail={"case_id": row.case_id, "cease": bool(row.cease), "disputed": bool(row.disputed)},
    )


_HELD = datetime.max.replace(tzinfo=UTC)  # the gate refuses with no time at which it would allow


def _gate_again(uow: UnitOfWork, row: Any, now: datetime) -> datetime | None:
    """Asks the gate again at the moment of sending: a retry, or a message that waited for a provider,
    must not go out at night or over a cap. None: allowed now; _HELD: refused until the facts change."""
    try:
        verdict = check_contact(
            uow,
            row.case_id,
            channel=row.channel,
            at=now,
            party=row.party_id,
            contact_point_id=row.contact_point_id,
            automated=row.user_id is None,
        )
    except InvalidInput:  # the point is marked do-not-contact since the message was queued
        uow.rollback()
        return _HELD
    uow.rollback()
    if verdict.allowed:
        return None
    until = verdict.decision.get("next_allowed_at")
    return datetime.fromisoformat(until).astimezone(UTC) if until else _HELD


def _finish(uow: UnitOfWork, message_id: int, *, status: str, **values: Any) -> None:
    m = t.messages.c
    uow.session.execute(
        update(t.messages)
        .where(m.id == message_id, m.status == "queued")
        .values(status=status, claimed_until=None, **values)
    )
