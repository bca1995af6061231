"""Messages and letters, the collector's use cases: preview a template for a case, send it to a contact
point through the compliance gate (services.contacts.queue_message, never around it), send it to many
cases at once, and list the outbox. What a message says is services/message_text.py; the job that
sends the queue, and the SMS delivery reports, are services/outbox_job.py.

- `template_choices` says which templates apply to a case and which one its state calls for; `preview`
  and `send` refuse a template whose facts the case lacks (no payment to confirm ...).
- `send` queues one message if the gate allows it now; a refusal raises ComplianceRefused (the refusal
  is kept as an audit event by the gate's caller) and nothing is queued.
- `bulk_send` sends to the debtor of each chosen case; one case's refusal or missing contact point is
  reported for that case (queued, refused, no_contact_point, invalid) and does not stop the others; the
  whole bulk is one audit event.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, case, func, or_, select, true

from huikuan.channels import KINDS, MESSAGE_CHANNELS, channel_state, needs
from huikuan.channels.choice import Choice, choose
from huikuan.config import Settings, get_settings
from huikuan.domain.enums import LIABLE_ROLES, MessageStatus
from huikuan.errors import ComplianceRefused, InvalidInput
from huikuan.services.access import Viewer, case_scope, case_to_work, require_writer, visible_case
from huikuan.services.contacts import queue_message
from huikuan.services.letters import may_download_letters
from huikuan.services.masking import mask_contact
from huikuan.services.message_facts import case_state
from huikuan.services.message_text import (
    CHANNELS,
    UNUSABLE,
    case_facts,
    check_template,
    compose,
    message_locale,
    recipient,
    reference,
    template_label,
    templates,
)
from huikuan.services.outbox_job import describe_error, dispatch_due, mark_delivered
from huikuan.storage import tables as t
from huikuan.storage.audit import record
from huikuan.storage.uow import UnitOfWork

BULK_MAX = 500


@dataclass(frozen=True)
class BulkResult:
    case_id: int
    outcome: str  # queued, refused, no_contact_point, invalid
    message_id: int | None = None
    rules: tuple[str, ...] = ()
    next_allowed_at: str | None = None
    detail: str = ""  # the refusal's or the error's English text (msgid filled)

    def to_dict(self) -> dict[str, Any]:
        return {
            "case_id": self.case_id,
            "outcome": self.outcome,
            "message_id": self.message_id,
            "rules": list(self.rules),
            "next_allowed_at": self.next_allowed_at,
            "detail": self.detail,
        }


@dataclass(frozen=True)
class OutboxRow:
    id: int
    case_id: int
    debtor_name: str
    channel: str
    template: str | None
    to: str  # masked
    subject: str
    status: str
    attempts: int
    error: str | None
    created_at: datetime | None
    sent_at: datetime | None
    next_attempt_at: datetime | None
    provider_ref: str | None
    has_document: bool
    sender: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "case_id": self.case_id,
            "debtor": self.debtor_name,
            "channel": self.channel,
            "template": self.template,
            "to": self.to,
            "subject": self.subject,
            "status": self.status,
            "attempts": self.attempts,
            "error": self.error,
            "created_at": _iso(self.created_at),
            "sent_at": _iso(self.sent_at),
            "next_attempt_at": _iso(self.next_attempt_at),
            "provider_ref": self.provider_ref,
            "document": f"/outbox/{self.id}/document" if self.has_document else None,
            "sent_by": self.sender,
        }


@dataclass(frozen=True)
class PointChoice:
    id: int
    kind: str
    shown: str  # masked value
    status: str
    party_id: int | None
    party_name: str
    party_role: str


@dataclass(frozen=True)
class CaseChoice:
    case_id: int
    debtor_name: str
    creditor_name: str
    balance: int
    currency: str
    stage: str


def template_choices(uow: UnitOfWork, viewer: Viewer, case_id: int) -> dict[str, Choice]:
    """For each channel, the templates whose facts this case has, and the one its state calls for
    (channels/choice.py): what the case page's message panel and the API offer."""
    visible_case(uow, viewer, case_id)
    facts = case_facts(uow, case_id)
    state = case_state(uow, case_id, facts.pack)
    return {channel: choose(channel, names, state) for channel, names in templates().items()}


def preview(
    uow: UnitOfWork,
    viewer: Viewer,
    case_id: int,
    *,
    template: str,
    channel: str,
    locale: str | None = None,
    contact_point_id: int | None = None,
    now: datetime | None = None,
) -> tuple[str, str]:
    """The subject and body the template gives for this case (and recipient, if a point is given); for
    those who may send it (a read-only viewer composes nothing)."""
    visible_case(uow, viewer, case_id, write=True)
    check_template(channel, template)
    facts = case_facts(uow, case_id)
    to = recipient(uow, facts, channel, contact_point_id)
    when = (now or datetime.now(UTC)).astimezone(UTC)
    return compose(
        uow,
        facts,
        to,
        channel=channel,
        template=template,
        locale=message_locale(facts, channel, template, locale),
        collector=viewer.display_name,
        now=when,
    )


def send(
    uow: UnitOfWork,
    viewer: Viewer,
    case_id: int,
    *,
    template: str,
    channel: str,
    contact_point_id: int,
    locale: str | None = None,
    now: datetime | None = None,
) -> int:
    """Renders the template and queues it to the contact point if the gate allows it now; the message id.

    A refusal raises ComplianceRefused (kept as an audit event by the gate's caller, nothing queued)."""
    case_to_work(uow, viewer, case_id, now)
    check_template(channel, template)
    facts = case_facts(uow, case_id)
    to = recipient(uow, facts, channel, contact_point_id)
    when = (now or datetime.now(UTC)).astimezone(UTC)
    lang = message_locale(facts, channel, template, locale)
    subject, body = compose(
        uow,
        facts,
        to,
        channel=channel,
        template=template,
        locale=lang,
        collector=viewer.display_name,
        now=when,
    )
    message_id = queue_message(
        uow,
        case_id,
        channel=channel,
        contact_point_id=to.point_id,
        body=body,
        subject=subject,
        template=template,
        user_id=viewer.user_id,
        party=to.party_id,
        at=when,
        locale=lang,
    )
    return message_id


def bulk_send(
    uow: UnitOfWork,
    viewer: Viewer,
    case_ids: Sequence[int],
    *,
    template: str,
    channel: str,
    now: datetime | None = None,
) -> list[BulkResult]:
    """Sends the template to the debtor of each case, through the gate, one outcome per case.

    Each case's message goes to the debtor's first usable point of the channel's kind (valid before
    unverified). Every case must be one the viewer may work, or nothing is sent.
    """
    require_writer(viewer)
    check_template(channel, template)
    ids = list(dict.fromkeys(case_ids))
    if not ids:
        raise InvalidInput("Choose at least one case")
    if len(ids) > BULK_MAX:
        raise InvalidInput("At most {limit} cases can be sent to at once", limit=BULK_MAX)
    when = (now or datetime.now(UTC)).astimezone(UTC)
    debtors = {cid: case_to_work(uow, viewer, cid, when).debtor_id for cid in ids}
    results: list[BulkResult] = []
    for cid in ids:
        point = first_point(uow, debtors[cid], KINDS[channel])
        if point is None:
            results.append(BulkResult(cid, "no_contact_point"))
            continue
        try:
            mid = send(uow, viewer, cid, template=template, channel=channel, contact_point_id=point, now=when)
        except ComplianceRefused as exc:
            decision = exc.decision if isinstance(exc.decision, dict) else {}
            rules = tuple(dict.fromkeys(v["rule"] for v in decision.get("violations", [])))
            results.append(BulkResult(cid, "refused", None, rules, decision.get("next_allowed_at"), str(exc)))
        except InvalidInput as exc:
            uow.rollback()
            results.append(BulkResult(cid, "invalid", detail=str(exc)))
        else:
            results.append(BulkResult(cid, "queued", mid))
    record(
        uow.session,
        at=when,
        user_id=viewer.user_id,
        action="message.bulk",
        entity="outbox",
        entity_id=None,
        detail={
            "channel": channel,
            "template": template,
            "counts": {o: sum(r.outcome == o for r in results) for o in sorted({r.outcome for r in results})},
            # Ids, outcomes and rules only: an error's text may quote what the case holds.
            "results": [{k: v for k, v in r.to_dict().items() if k != "detail"} for r in results],
        },
    )
    uow.commit()
    return results


def first_point(uow: UnitOfWork, debtor_id: int, kind: str) -> int | None:
    return first_points(uow, [debtor_id], kind).get(debtor_id)


def first_points(uow: UnitOfWork, debtor_ids: Iterable[int], kind: str) -> dict[int, int]:
    """Each debtor's own first usable point of this kind (a valid one before an unverified one, then the
    oldest); a debtor with none is left out."""
    cp = t.contact_points.c
    found = uow.session.execute(
        select(cp.debtor_id, cp.id)
        .where(
            cp.debtor_id.in_(sorted(set(debtor_ids))),
            cp.party_id.is_(None),
            cp.kind == kind,
            cp.status.in_(["valid", "unverified"]),
        )
        .order_by(cp.debtor_id, case((cp.status == "valid", 0), else_=1), cp.id)
    ).all()
    out: dict[int, int] = {}
    for row in found:
        out.setdefault(row.debtor_id, int(row.id))
    return out


# --- the outbox page -----------------------------------------------------------------------------------


def outbox(
    uow: UnitOfWork, viewer: Viewer, *, status: str | None = None, limit: int = 100
) -> list[OutboxRow]:
    """The messages of the cases the viewer may see, newest first (recipients masked)."""
    if status and status not in {s.value for s in MessageStatus}:
        raise InvalidInput(
            "Status: {status} is not one of {known}",
            status=status,
            known=", ".join(s.value for s in MessageStatus),
        )
    if not 1 <= limit <= 1000:
        raise InvalidInput("Limit: {limit} is not between 1 and 1000", limit=limit)
    query = _rows_query().where(case_scope(viewer))
    if status:
        query = query.where(t.messages.c.status == status)
    return _rows(uow, query.order_by(t.messages.c.id.desc()).limit(limit), may_download_letters(viewer))


def case_messages(uow: UnitOfWork, viewer: Viewer, case_id: int, *, limit: int = 5) -> list[OutboxRow]:
    visible_case(uow, viewer, case_id)
    query = _rows_query().where(t.messages.c.case_id == case_id).order_by(t.messages.c.id.desc()).limit(limit)
    return _rows(uow, query, may_download_letters(viewer))


def _rows_query() -> Any:
    m, c, d, u = t.messages.c, t.cases.c, t.debtors.c, t.users.c
    return select(
        m.id,
        m.case_id,
        d.name.label("debtor_name"),
        m.channel,
        m.template,
        m.to,
        m.subject,
        m.status,
        m.attempts,
        m.error,
        m.created_at,
        m.sent_at,
        m.next_attempt_at,
        m.provider_ref,
        m.document,
        u.display_name.label("sender"),
    ).select_from(
        t.messages.join(t.cases, c.id == m.case_id)
        .join(t.debtors, d.id == c.debtor_id)
        .outerjoin(t.users, u.id == m.user_id)
    )


def _rows(uow: UnitOfWork, query: Any, letters: bool) -> list[OutboxRow]:
    """The rows; a letter's PDF is linked only for a viewer who may download letters (services/letters.py)."""
    return [
        OutboxRow(
            id=r.id,
            case_id=r.case_id,
            debtor_name=r.debtor_name,
            channel=r.channel,
            template=r.template,
            to=mask_contact(KINDS.get(r.channel, r.channel), r.to or ""),
            subject=r.subject or "",
            status=r.status,
            attempts=r.attempts or 0,
            error=r.error,
            created_at=r.created_at,
            sent_at=r.sent_at,
            next_attempt_at=r.next_attempt_at,
            provider_ref=r.provider_ref,
            has_document=letters and bool(r.document),
            sender=r.sender,
        )
        for r in uow.session.execute(query).all()
    ]


def contact_points(uow: UnitOfWork, viewer: Viewer, case_id: int, channel: str) -> list[PointChoice]:
    """The points a message of this channel may go to: the debtor's and liable parties', not unusable."""
    found = visible_case(uow, viewer, case_id)
    if channel not in CHANNELS:
        raise InvalidInput(
            "Channel: {channel} is not one of {known}", channel=channel, known=", ".join(CHANNELS)
        )
    cp, p = t.contact_points.c, t.parties.c
    rows = uow.session.execute(
        select(cp.id, cp.kind, cp.value, cp.status, cp.party_id, p.name, p.role, p.liable)
        .select_from(t.contact_points.outerjoin(t.parties, p.id == cp.party_id))
        .where(cp.debtor_id == found.debtor_id, cp.kind == KINDS[channel], cp.status.not_in(UNUSABLE))
        .order_by(cp.party_id.is_not(None), case((cp.status == "valid", 0), else_=1), cp.id)
    ).all()
    return [
        PointChoice(
            r.id,
            r.kind,
            mask_contact(r.kind, r.value),
            r.status,
            r.party_id,
            r.name or "",
            r.role or "debtor",
        )
        for r in rows
        if r.party_id is None or r.liable or r.role in LIABLE_ROLES
    ]


def bulk_candidates(uow: UnitOfWork, viewer: Viewer, *, limit: int = 200) -> list[CaseChoice]:
    """The viewer's workable cases for a bulk send: open balance, not on hold, in dispute or closed; for a
    collector, those assigned to it or held by it (services/access.py: seeing a case is not working it)."""
    require_writer(viewer)
    c, d, cr, a = t.cases.c, t.debtors.c, t.creditors.c, t.accounts.c
    mine = or_(c.assigned_user_id == viewer.user_id, c.claimed_by == viewer.user_id)
    works = true() if viewer.supervises else mine
    balance = func.sum(a.balance)
    rows = uow.session.execute(
        select(c.id, d.name, cr.name.label("creditor_name"), balance.label("balance"), a.currency, c.stage)
        .join(t.debtors, d.id == c.debtor_id)
        .join(t.creditors, cr.id == c.creditor_id)
        .join(t.accounts, and_(a.case_id == c.id, a.status == "open"))
        .where(
            case_scope(viewer),
            works,
            c.stage.not_in(["hold", "dispute", "closed"]),
            d.cease.is_(False),
            d.disputed.is_(False),
        )
        .group_by(c.id, d.name, cr.name, a.currency, c.stage)
        .having(balance > 0)
        .order_by(c.priority.desc(), c.id)
        .limit(limit)
    ).all()
    return [CaseChoice(r.id, r.name, r.creditor_name, int(r.balance), r.currency, r.stage) for r in rows]


def channels_waiting(settings: Settings | None = None) -> dict[str, str]:
    """The channels whose queued messages wait because they cannot send, with the settings each needs:
    the outbox says why a message stays queued."""
    settings = settings or get_settings()
    waiting = [ch for ch in MESSAGE_CHANNELS if channel_state(ch, settings) == "not_configured"]
    return {ch: needs(ch, settings) for ch in waiting}


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z") if value else None


__all__ = [
    "BULK_MAX",
    "CHANNELS",
    "BulkResult",
    "CaseChoice",
    "OutboxRow",
    "PointChoice",
    "bulk_candidates",
    "bulk_send",
    "case_messages",
    "channels_waiting",
    "contact_points",
    "describe_error",
    "dispatch_due",
    "first_point",
    "mark_delivered",
    "outbox",
    "preview",
    "reference",
    "send",
    "template_label",
    "template_choices",
    "templates",
]
