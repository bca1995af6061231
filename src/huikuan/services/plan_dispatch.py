"""The plan sends its own messages: the `plan-dispatch` job puts each of today's planned SMS, e-mails,
WeChat messages and letters in the outbox, to go out at the plan's slot.

Each planned message takes the collector's own path: the template the case's state calls for
(channels/choice.py, as the send form preselects it), rendered by services/message_text.py, then
`contacts.queue_message` (the gate, asked about the slot), as the system (user None), marked with its
plan day. The outbox job asks the gate again when the slot comes (services/outbox_job.py): a case that
was put on hold, ceased or disputed meanwhile is not sent.

Running the job again queues nothing twice: a case's message of a plan day and channel is unique
(messages.plan_date, ux_messages_plan). A message the gate refuses is kept in the outbox as refused with
the rules (and the refusal as an audit event), so that it is not asked about again every few minutes.

Counts: `planned` (today's planned messages) = `queued` + `already` (queued or refused by an earlier run)
+ the sum of `refused` (each refused message once, by its first rule) + `skipped` (the sum of
`skipped_by`: `not_configured`, the channel cannot send; `no_contact_point`; `not_writable`, no template
applies or it cannot be written).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import and_, insert, select
from sqlalchemy.exc import IntegrityError

from huikuan.channels import KINDS, MESSAGE_CHANNELS, sendable_channels
from huikuan.channels.choice import choose
from huikuan.channels.render import template_names
from huikuan.config import Settings, get_settings
from huikuan.domain.days import local_day
from huikuan.errors import ComplianceRefused, InvalidInput
from huikuan.services.clock import floor_zone
from huikuan.services.contacts import check_contact, queue_message
from huikuan.services.message_facts import case_state
from huikuan.services.message_text import (
    CHANNELS,
    case_facts,
    compose,
    message_locale,
    recipient,
)
from huikuan.services.outbox import first_point
from huikuan.services.outbox_job import PLAN_REFUSED_ERROR
from huikuan.storage import tables as t
from huikuan.storage.audit import record
from huikuan.storage.uow import UnitOfWork


def dispatch_plan(uow: UnitOfWork, now: datetime, *, settings: Settings | None = None) -> dict[str, Any]:
    """Queues today's planned messages (the floor's today at `now`); returns the counts (module doc)."""
    settings = settings or get_settings()
    now = now.astimezone(UTC)
    day = local_day(now, floor_zone())
    ready = sendable_channels(settings)
    rows = _planned(uow, day)
    uow.rollback()
    counts: Counter[str] = Counter()
    refused: Counter[str] = Counter()
    skipped: Counter[str] = Counter()
    for row in rows:
        if row.message_id is not None:
            counts["already"] += 1
        elif row.action not in ready:
            skipped["not_configured"] += 1
        elif row.action not in CHANNELS:  # a channel with no templates
            skipped["not_writable"] += 1
        else:
            outcome = _queue_one(uow, row, day, now)
            if outcome.startswith("refused:"):  # counted once, by its first rule
                refused[outcome.removeprefix("refused:").split(",")[0]] += 1
            elif outcome in ("queued", "already"):
                counts[outcome] += 1
            else:
                skipped[outcome] += 1
    result: dict[str, Any] = {
        "day": day.isoformat(),
        "planned": len(rows),
        "queued": counts["queued"],
        "already": counts["already"],
        "refused": dict(sorted(refused.items())),
        "skipped": sum(skipped.values()),
        "skipped_by": dict(sorted(skipped.items())),
    }
    if counts["queued"] or refused:
        record(
            uow.session,
            at=now,
            user_id=None,
            action="plan.dispatch",
            entity="plan",
            entity_id=None,
            detail=dict(result),
        )
        uow.commit()
    return result


def _planned(uow: UnitOfWork, day: date) -> list[Any]:
    """Today's planned messages and letters, with the message an earlier run queued (or None)."""
    p, m = t.plan_rows.c, t.messages.c
    return list(
        uow.session.execute(
            select(p.case_id, p.action, p.slot_start, p.segment, m.id.label("message_id"))
            .outerjoin(
                t.messages,
                and_(m.case_id == p.case_id, m.plan_date == p.plan_date, m.channel == p.action),
            )
            .where(p.plan_date == day, p.action.in_(MESSAGE_CHANNELS))
            .order_by(p.slot_start, p.case_id)
        ).all()
    )


def _queue_one(uow: UnitOfWork, row: Any, day: date, now: datetime) -> str:
    """Queues one planned message; "queued", "refused:<rules>", or why it was skipped."""
    channel = row.action
    send_at = max(row.slot_start, now) if row.slot_start is not None else None
    try:
        message = _written(uow, row.case_id, channel, send_at or now)
    except InvalidInput:
        message = "not_writable"
    if isinstance(message, str):
        uow.rollback()
        return message
    if send_at is None:
        send_at = _first_allowed(uow, row.case_id, channel, message, now)
    try:
        queue_message(
            uow,
            row.case_id,
            channel=channel,
            contact_point_id=message.point_id,
            body=message.body,
            subject=message.subject,
            template=message.template,
            user_id=None,
            party=message.party_id,
            at=now,
            locale=message.locale,
            send_at=send_at,
            plan_date=day,
        )
    except ComplianceRefused as exc:
        rules = _rules(exc)
        try:
            _keep_refused(uow, row.case_id, channel, message, day, now, rules)
        except IntegrityError:  # another run kept it meanwhile
            uow.rollback()
            return "already"
        return "refused:" + ",".join(rules)
    except IntegrityError:  # another run (a second worker past its lease) queued it meanwhile
        uow.rollback()
        return "already"
    except InvalidInput:
        uow.rollback()
        return "not_writable"
    return "queued"


def _first_allowed(
    uow: UnitOfWork, case_id: int, channel: str, message: _Written, now: datetime
) -> datetime | None:
    """For a message the plan gave no slot (a letter): now if the gate allows it, else the moment the gate
    names (a letter is not posted at night), else None (queue_message then keeps the refusal)."""
    verdict = check_contact(
        uow, case_id, channel=channel, at=now, party=message.party_id, contact_point_id=message.point_id
    )
    uow.rollback()
    until = verdict.decision.get("next_allowed_at")
    if verdict.allowed or not until:
        return None
    return datetime.fromisoformat(str(until).replace("Z", "+00:00")).astimezone(UTC)


@dataclass(frozen=True)
class _Written:
    point_id: int
    party_id: int | None
    template: str
    locale: str
    subject: str
    body: str


def _written(uow: UnitOfWork, case_id: int, channel: str, send_at: datetime) -> _Written | str:
    """The message the case's state calls for on the channel, to the debtor's first usable point; or why
    there is none ("no_contact_point", "not_writable")."""
    facts = case_facts(uow, case_id)
    point = first_point(uow, facts.debtor_id, KINDS[channel])
    if point is None:
        return "no_contact_point"
    template = choose(channel, template_names(channel), case_state(uow, facts.id, facts.pack)).default
    if not template:
        return "not_writable"
    to = recipient(uow, facts, channel, point)
    lang = message_locale(facts, channel, template, None)
    subject, body = compose(
        uow, facts, to, channel=channel, template=template, locale=lang, collector="", now=send_at
    )
    return _Written(to.point_id, to.party_id, template, lang, subject, body)


def _rules(exc: ComplianceRefused) -> list[str]:
    decision = exc.decision if isinstance(exc.decision, dict) else {}
    rules = list(dict.fromkeys(str(v.get("rule")) for v in decision.get("violations", [])))
    return rules or ["unknown"]


def _keep_refused(
    uow: UnitOfWork, case_id: int, channel: str, message: _Written, day: date, now: datetime, rules: list[str]
) -> None:
    """The refused planned message in the outbox, refused with its rules: the next run leaves it alone."""
    uow.session.execute(
        insert(t.messages).values(
            case_id=case_id,
            channel=channel,
            to="",
            subject=message.subject,
            body=message.body,
            template=message.template,
            status="refused",
            error=PLAN_REFUSED_ERROR.format(rules=", ".join(rules)),
            created_at=now,
            contact_point_id=message.point_id,
            party_id=message.party_id,
            locale=message.locale,
            plan_date=day,
        )
    )
    uow.commit()
