"""Messages and letters, the collector's use cases: preview a template for a case, send it to a contact
point through the compliance gate (services.contacts.queue_message, never around it), and send it to many
cases at once. What a message says is services/message_text.py; which templates and points a case offers,
services/outbox_choices.py; the outbox page, services/outbox_list.py; the job that sends the queue,
services/outbox_job.py.

- `preview` and `send` refuse a template whose facts the case lacks (no payment to confirm ...).
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

from sqlalchemy import case, select

from huikuan.channels import KINDS
from huikuan.errors import ComplianceRefused, InvalidInput
from huikuan.services.access import Viewer, case_to_work, require_writer, visible_case
from huikuan.services.contacts import queue_message
from huikuan.services.message_text import case_facts, check_template, compose, message_locale, recipient
from huikuan.storage import tables as t
from huikuan.storage.audit import record
from huikuan.storage.membership import one_of
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
            one_of(cp.debtor_id, set(debtor_ids)),
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
