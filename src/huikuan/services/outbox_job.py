"""The outbox job and the SMS delivery reports.

`dispatch_due(uow, now)` sends every due queued message once, even when several processes run it at the
same time: each message is claimed with a conditional UPDATE (status still queued, no live claim, its
retry time reached) that sets claimed_until = now + 5 minutes, and only the process whose UPDATE changed
the row sends it. A process that dies while sending leaves a claim that expires, and the message is tried
again (at least once, never lost). Results: sent (the provider's reference, or a letter's PDF), a retry
after a transient failure (1, 5, then 30 minutes later; the fourth failure is final), failed with the
provider's own words, or refused when the debtor disputed or asked to cease since it was queued. The gate
is asked again at each attempt: a message it would refuse now (a retry that fell outside the contact
hours, a frequency cap reached meanwhile) waits, queued, until the moment the gate allows it again.

`mark_delivered` applies an SMS provider's delivery report (POST /api/v1/outbox/sms-status).
"""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select, update

from huikuan.channels import MESSAGE_CHANNELS, channel_state, transport_for
from huikuan.channels.base import (
    DefinitiveFailure,
    InvalidRecipient,
    Outgoing,
    Receipt,
    TransientFailure,
    Transport,
)
from huikuan.channels.sms.limits import per_run
from huikuan.channels.sms.templated import MISSING_PARAM_ERROR, NO_TEMPLATE_ERROR
from huikuan.config import Settings, get_settings
from huikuan.errors import InvalidInput, NotFound
from huikuan.i18n import gettext, normalize_locale
from huikuan.services import notices, wechat_outbox
from huikuan.services.contacts import check_contact
from huikuan.services.fact_effects import CANCELLED_ERROR
from huikuan.services.inbound import mark_bounce
from huikuan.services.inbound_reply import OPT_OUT_CONFIRMATION
from huikuan.services.message_text import reference
from huikuan.services.sms_templates import approved_template
from huikuan.storage import tables as t
from huikuan.storage.audit import record
from huikuan.storage.uow import UnitOfWork

log = logging.getLogger(__name__)

HOLD_ERROR = "contact hold since queued"
# A queued message cancelled because an account of its case was recalled, closed, written off or returned.
ACCOUNT_ENDED_ERROR = "an account of the case left collection since queued"
# A message of the daily plan the gate refused when the plan queued it (services/plan_dispatch.py).
PLAN_REFUSED_ERROR = "the compliance gate refused the planned message: {rules}"
CLAIM = timedelta(minutes=5)
# A transient failure is tried again after 1, 5 and 30 minutes; the fourth failure is final.
RETRY_DELAYS = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30))
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
BATCH = 200


def dispatch_due(uow: UnitOfWork, now: datetime, *, settings: Settings | None = None) -> dict[str, int]:
    """Sends every due queued message once; safe when several processes run it at the same time.

    Counts: sent, failed, retry (a transient failure, tried again later), refused (a contact hold since
    queued), postponed (the gate refuses it now: it waits for the time it names), waiting (queued on a
    channel with no configured transport: SMS without a provider, WeChat), deferred (due SMS left queued for
    the next run because the provider's share of this run was spent).
    """
    now = now.astimezone(UTC)
    settings = settings or get_settings()
    counts = {"sent": 0, "failed": 0, "retry": 0, "refused": 0, "postponed": 0, "waiting": 0, "deferred": 0}
    m = t.messages.c
    transports = {ch: transport_for(ch, settings) for ch in MESSAGE_CHANNELS}
    sandbox: Transport = _Sandbox()
    if settings.sandbox:  # every channel that has a transport at all; nothing is handed to it
        transports = {
            ch: (sandbox if channel_state(ch, settings) == "sandbox" else None) for ch in transports
        }
    # The provider's rate over one run of the once-a-minute job: a larger backlog waits for the next run.
    sms_budget = per_run(settings.sms_provider, settings.sms_rate_per_second)
    ready = [ch for ch, tr in transports.items() if tr is not None]
    # A sandbox creditor's messages leave on every channel, configured or not: nothing is sent.
    sendable = or_(m.channel.in_(ready), m.case_id.in_(_sandbox_cases()))
    wechat_outbox.prepare(uow, transports["wechat"])
    counts["waiting"] = int(
        uow.session.execute(
            select(func.count()).where(m.status == "queued", ~sendable, *_due(now))
        ).scalar_one()
    )
    for _ in range(50):  # batches; each message leaves the due set once tried
        rows = uow.session.execute(
            select(m.id, m.channel)
            .where(m.status == "queued", sendable, *_due(now), *_over(sms_budget))
            .order_by(m.id)
            .limit(BATCH)
        ).all()
        uow.rollback()  # end the read: each claim below is its own short write
        for row in rows:
            transport = transports[row.channel] or sandbox
            provider = transport is not sandbox and row.channel == "sms"
            if provider and sms_budget <= 0:
                continue  # the provider's share of this run is spent: it waits, queued, for the next
            if _claim(uow, row.id, now):
                outcome = _deliver(uow, row.id, transport, now, sandbox, settings)
                counts[outcome] += 1
                if provider and outcome in ("sent", "failed", "retry"):
                    sms_budget -= 1
        if len(rows) < BATCH:
            break
    if sms_budget <= 0 and transports["sms"] not in (None, sandbox):
        counts["deferred"] = _deferred_sms(uow, now)
    return counts


def _deferred_sms(uow: UnitOfWork, now: datetime) -> int:
    """The due SMS a spent budget left queued (a sandbox creditor's are never held back by it)."""
    m = t.messages.c
    return int(
        uow.session.execute(
            select(func.count()).where(
                m.status == "queued", m.channel == "sms", ~m.case_id.in_(_sandbox_cases()), *_due(now)
            )
        ).scalar_one()
    )


class _Sandbox:
    """Sends nothing: a sandbox message is marked sent with the reference "sandbox-<id>"."""

    def send(self, message: Outgoing) -> Receipt:
        return Receipt(provider_ref=f"{SANDBOX_REF}{message.id}")


SANDBOX_REF = "sandbox-"


def _sandbox_cases() -> Any:
    c, cr = t.cases.c, t.creditors.c
    return select(c.id).join(t.creditors, cr.id == c.creditor_id).where(cr.sandbox.is_(True))


def _over(sms_budget: int) -> tuple[Any, ...]:
    """No more SMS in this run once the provider's share of the run is spent."""
    return () if sms_budget > 0 else (t.messages.c.channel != "sms",)


def _due(now: datetime) -> tuple[Any, ...]:
    m = t.messages.c
    return (
        or_(m.claimed_until.is_(None), m.claimed_until < now),
        or_(m.next_attempt_at.is_(None), m.next_attempt_at <= now),
    )


def _claim(uow: UnitOfWork, message_id: int, now: datetime) -> bool:
    m = t.messages.c
    claimed = uow.session.execute(
        update(t.messages)
        .where(m.id == message_id, m.status == "queued", *_due(now))
        .values(claimed_until=now + CLAIM)
    )
    ok = getattr(claimed, "rowcount", 0) == 1
    uow.commit()
    return ok


def _deliver(
    uow: UnitOfWork,
    message_id: int,
    transport: Transport,
    now: datetime,
    sandbox: Transport,
    settings: Settings,
) -> str:
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
    outgoing = _outgoing(row, now, settings.agency_phone)
    if transport is sandbox:
        pass  # nothing is handed to a provider: no provider's template or binding is looked up
    elif row.channel == "sms" and settings.sms_provider != "generic":
        found = approved_template(uow, row.creditor_id, settings.sms_provider, row.template)
        uow.rollback()
        outgoing = replace(outgoing, provider_template=found)
    elif row.channel == "wechat":  # its binding, the creditor's template, the 48-hour window
        outgoing = wechat_outbox.outgoing(uow, outgoing, row.case_id, settings)
    if row.channel == "letter" and row.party_id is None:  # the debtor's: its WeChat bind link as a QR code
        outgoing = wechat_outbox.with_bind_link(outgoing, row.case_id, settings)
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


_PROVIDER_STATUSES = {
    "delivered": "delivered",
    "failed": "failed",
    "undelivered": "failed",
    "rejected": "failed",
    "expired": "failed",
    "sent": None,  # accepted by the network: nothing new
    "accepted": None,
    "queued": None,
}


def mark_delivered(
    uow: UnitOfWork, provider_ref: str, status: str, *, error: str | None = None, invalid: bool = False
) -> int:
    """Applies an SMS provider's delivery report to the message it sent; the message id. A failure that
    says the number is bad (`invalid`) also marks every contact point with that number invalid."""
    key = status.strip().lower()
    if key not in _PROVIDER_STATUSES:
        raise InvalidInput(
            "Status: {status} is not one of {known}", status=status, known=", ".join(_PROVIDER_STATUSES)
        )
    m = t.messages.c
    row = uow.session.execute(
        select(m.id, m.status, m.to).where(m.provider_ref == provider_ref, m.channel == "sms")
    ).one_or_none()
    if row is None:
        raise NotFound("No message was sent with the provider reference {ref}", ref=provider_ref)
    new = _PROVIDER_STATUSES[key]
    if new is None or row.status != "sent":
        return int(row.id)  # an acknowledgement, or a report repeated: nothing changes
    values: dict[str, Any] = {"status": new}
    if new == "failed":
        values["error"] = f"the provider reports {key}: {error}" if error else f"the provider reports {key}"
    uow.session.execute(update(t.messages).where(m.id == row.id, m.status == "sent").values(**values))
    uow.commit()
    if new == "failed" and invalid:
        mark_bounce(uow, "sms", row.to, reason="invalid", now=datetime.now(UTC), detail=values["error"])
    return int(row.id)


# --- errors in the user's language ----------------------------------------------------------------------

# The texts dispatch_due stores in messages.error, as msgids: shown again in the reader's language.
STORED_ERRORS = (
    HOLD_ERROR,
    CANCELLED_ERROR,
    ACCOUNT_ENDED_ERROR,
    PLAN_REFUSED_ERROR,
    "SMS provider not reachable: {reason}",
    "SMS provider answered {status}: {reason}",
    "SMS provider refused the message ({status}): {reason}",
    "mail server refused the recipient: {reason}",
    "mail server refused the login: {reason}",
    "mail server refused the message: {reason}",
    "mail server answered: {reason}",
    "mail server not reachable: {reason}",
    "the return address would show {words} through the envelope window",
    "cannot write the letter: {reason}",
    "No font for letters: install the fonts-wqy-microhei package (it puts {file} in place)",
    "the provider reports {status}: {reason}",
    "the provider reports {status}",
    NO_TEMPLATE_ERROR,
    MISSING_PARAM_ERROR,
    # WeChat (channels/wechat/transport.py)
    "no active WeChat binding for this recipient",
    "no WeChat template message is set up for this creditor",
    "WeChat: the person no longer follows the account ({code})",
    "WeChat: not an openid of this account ({code})",
    "WeChat refused the message ({code}): {reason}",
    "WeChat answered {code}: {reason}",
    "WeChat not reachable: {reason}",
    "WeChat refused the account's credentials ({code}): {reason}",
)


def _pattern(msgid: str) -> re.Pattern[str]:
    parts = re.split(r"\{(\w+)\}", msgid)
    regex = "".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>.*)" for i, p in enumerate(parts))
    return re.compile(f"^{regex}$", re.DOTALL)


_STORED = [(msgid, _pattern(msgid)) for msgid in STORED_ERRORS]


def describe_error(text: str | None, locale: str) -> str:
    """A stored error in the reader's language (the provider's own words stay as they were)."""
    if not text:
        return ""
    for msgid, pattern in _STORED:
        found = pattern.match(text)
        if found:
            return gettext(msgid, locale, **found.groupdict())
    return text
