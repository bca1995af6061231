"""Replies that come back (docs/channels.md, "Replies and opt-outs" and "Bounces").

`receive(uow, message, now=...)` takes one message a person sent (channels/inbound.Inbound), from any
provider, and:
- keeps it (table inbound_messages), audited; a replay of the same (provider, provider_ref) changes
  nothing and answers what the first one did;
- an opt-out keyword (OPT_OUT_KEYWORDS, the whole trimmed text, case and width folded) opts the channel
  out for EVERY debtor who has that number or address, inside `changing_facts`, so the gate refuses the
  channel in the same request; one confirmation is queued, once per number and channel ever, and the
  outbox lets it through although the channel is opted out (the one allowed exception);
- any other text is recorded as an inbound interaction on each case of those debtors, so it shows on the
  case timeline and puts the case in its collector's queue;
- a sender no debtor has is kept and audited, and nothing else happens.

`mark_bounce(uow, channel, address, reason=..., now=...)` marks every contact point with that number or
address as no longer working (status disconnected, status_reason "bounced" or "invalid"), so the gate,
the planner and the outbox stop using it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select, update

from huikuan.channels.inbound import INBOUND_CHANNELS, Inbound, is_opt_out
from huikuan.domain.enums import Direction, Outcome
from huikuan.domain.goals import Goal
from huikuan.errors import InvalidInput
from huikuan.services.fact_history import changing_facts
from huikuan.services.inbound_points import Holder, holders, normal_address, point_kinds
from huikuan.services.inbound_reply import queue_confirmation
from huikuan.storage import audit
from huikuan.storage import tables as t
from huikuan.storage.uow import UnitOfWork

BOUNCE_REASONS = ("bounced", "invalid")


@dataclass(frozen=True)
class ReceiveResult:
    """What a received message did.

    inbound_id: its row in inbound_messages; outcome: "opt_out", "reply" or "unknown" (no debtor has the
    sender); replay: True when the same provider_ref was received before (nothing was done again);
    opted_out: the channels opted out by this message; debtor_ids: the debtors who have the sender;
    case_ids: the cases an inbound contact was recorded on (a reply); confirmation_id: the confirmation
    message queued (None when one was already sent to this number, or for a reply).
    """

    inbound_id: int
    outcome: str
    replay: bool = False
    opted_out: tuple[str, ...] = ()
    debtor_ids: tuple[int, ...] = ()
    case_ids: tuple[int, ...] = ()
    confirmation_id: int | None = None


@dataclass(frozen=True)
class BounceResult:
    """The contact points marked (every point with that number or address) and their debtors."""

    point_ids: tuple[int, ...]
    debtor_ids: tuple[int, ...]


def receive(uow: UnitOfWork, message: Inbound, *, now: datetime) -> ReceiveResult:
    """Keeps the message and acts on it (module docstring); commits."""
    if message.channel not in INBOUND_CHANNELS:
        raise InvalidInput(
            "{field}: {value!r} is not one of {allowed}",
            field="channel",
            value=message.channel,
            allowed=", ".join(INBOUND_CHANNELS),
        )
    now = now.astimezone(UTC)
    earlier = _earlier(uow, message)
    if earlier is not None:
        return earlier
    sender = normal_address(message.channel, message.sender)
    found = holders(uow, message.channel, sender)
    if not found:
        outcome, result = "unknown", ReceiveResult(0, "unknown")
    elif is_opt_out(message):
        outcome, result = "opt_out", _opt_out(uow, message, sender, found, now)
    else:
        outcome, result = "reply", _reply(uow, message, found, now)
    inbound_id = _keep(uow, message, sender, outcome, result, now)
    audit.record(
        uow.session,
        at=now,
        user_id=None,
        action=f"inbound.{outcome}",
        entity="inbound_message",
        entity_id=inbound_id,
        detail={
            "channel": message.channel,
            "provider": message.provider,
            "debtor_ids": list(result.debtor_ids),
            "case_ids": list(result.case_ids),
            "opted_out": list(result.opted_out),
        },
    )
    uow.commit()
    return ReceiveResult(
        inbound_id,
        outcome,
        opted_out=result.opted_out,
        debtor_ids=result.debtor_ids,
        case_ids=result.case_ids,
        confirmation_id=result.confirmation_id,
    )


def _opt_out(
    uow: UnitOfWork, message: Inbound, sender: str, found: list[Holder], now: datetime
) -> ReceiveResult:
    """The channel opted out for every debtor who has the sender as its own point; a related party's point
    with that value is marked do-not-contact (the party asked; the debtor did not). Then one confirmation."""
    channel = message.channel
    debtors = sorted({h.debtor_id for h in found})
    own = sorted({h.debtor_id for h in found if h.party_id is None})
    party_points = sorted({h.point_id for h in found if h.party_id is not None})
    d = t.debtors.c
    with changing_facts(uow, debtors, user_id=None, reason=f"inbound.opt_out.{channel}", at=now):
        for debtor_id in own:
            current = uow.session.execute(select(d.opt_out_channels).where(d.id == debtor_id)).scalar_one()
            channels = sorted({*_channels(current), channel})
            uow.session.execute(update(t.debtors).where(d.id == debtor_id).values(opt_out_channels=channels))
        if party_points:
            uow.session.execute(
                update(t.contact_points)
                .where(t.contact_points.c.id.in_(party_points))
                .values(status="do_not_contact", status_reason="opt_out", status_at=now)
            )
    confirmation = queue_confirmation(uow, channel, sender, found, now)
    return ReceiveResult(
        0, "opt_out", opted_out=(channel,), debtor_ids=tuple(debtors), confirmation_id=confirmation
    )


def _reply(uow: UnitOfWork, message: Inbound, found: list[Holder], now: datetime) -> ReceiveResult:
    """An inbound contact on each case of each debtor who has the sender; each case comes first in its
    collector's queue with the goal of answering (unless something is due already)."""
    c = t.cases.c
    text = message.text.strip()
    if message.subject.strip():
        text = f"{message.subject.strip()}\n{text}"
    seen: set[int] = set()
    for holder in found:
        for case_id in holder.case_ids:
            if case_id in seen:
                continue
            seen.add(case_id)
            uow.session.execute(
                insert(t.interactions).values(
                    case_id=case_id,
                    debtor_id=holder.debtor_id,
                    party_id=holder.party_id,
                    contact_point_id=holder.point_id,
                    user_id=None,
                    at=message.received_at.astimezone(UTC),
                    channel=message.channel,
                    direction=Direction.INBOUND.value,
                    outcome=Outcome.DELIVERED.value,
                    notes=text[:NOTE_MAX],
                    duration_s=0,
                )
            )
            uow.session.execute(
                update(t.cases)
                .where(c.id == case_id, (c.next_action_due_at.is_(None)) | (c.next_action_due_at > now))
                .values(
                    next_action_channel=message.channel,
                    next_action_goal=Goal.ANSWER_REPLY.value,
                    next_action_note=None,
                    next_action_due_at=now,
                )
            )
    return ReceiveResult(
        0, "reply", debtor_ids=tuple(sorted({h.debtor_id for h in found})), case_ids=tuple(sorted(seen))
    )


def mark_bounce(
    uow: UnitOfWork,
    channel: str,
    address: str,
    *,
    reason: str,
    now: datetime,
    provider: str | None = None,
    detail: str | None = None,
) -> BounceResult:
    """Marks every contact point with this number or e-mail address as not working (`reason`: "bounced"
    for an e-mail bounce or a failed delivery, "invalid" for a number the provider says does not exist);
    commits. An address no point has marks nothing."""
    if reason not in BOUNCE_REASONS:
        raise InvalidInput(
            "{field}: {value!r} is not one of {allowed}",
            field="reason",
            value=reason,
            allowed=", ".join(BOUNCE_REASONS),
        )
    if channel not in INBOUND_CHANNELS:
        raise InvalidInput(
            "{field}: {value!r} is not one of {allowed}",
            field="channel",
            value=channel,
            allowed=", ".join(INBOUND_CHANNELS),
        )
    now = now.astimezone(UTC)
    value = normal_address(channel, address)
    cp = t.contact_points.c
    rows = uow.session.execute(
        select(cp.id, cp.debtor_id, cp.status).where(cp.kind.in_(point_kinds(channel)), cp.value == value)
    ).all()
    live = [r for r in rows if r.status != "disconnected"]
    debtors = sorted({r.debtor_id for r in live})
    if live:
        with changing_facts(uow, debtors, user_id=None, reason=f"contact_point.{reason}", at=now):
            uow.session.execute(
                update(t.contact_points)
                .where(cp.id.in_([r.id for r in live]))
                .values(status="disconnected", status_reason=reason, status_at=now)
            )
    for r in live:
        audit.record(
            uow.session,
            at=now,
            user_id=None,
            action="contact_point.marked",
            entity="contact_point",
            entity_id=r.id,
            detail={"mark": reason, "channel": channel, "provider": provider, "detail": (detail or "")[:200]},
        )
    uow.commit()
    return BounceResult(tuple(r.id for r in live), tuple(debtors))


NOTE_MAX = 2000


def _earlier(uow: UnitOfWork, message: Inbound) -> ReceiveResult | None:
    """What the same message (provider and provider_ref) did when it was first received, as a replay."""
    if not message.provider_ref:
        return None
    im = t.inbound_messages.c
    row = uow.session.execute(
        select(im.id, im.outcome, im.result).where(
            im.provider == message.provider, im.provider_ref == message.provider_ref
        )
    ).one_or_none()
    if row is None:
        return None
    done: dict[str, Any] = row.result if isinstance(row.result, dict) else {}
    return ReceiveResult(
        int(row.id),
        str(row.outcome),
        replay=True,
        opted_out=tuple(done.get("opted_out") or ()),
        debtor_ids=tuple(done.get("debtor_ids") or ()),
        case_ids=tuple(done.get("case_ids") or ()),
        confirmation_id=done.get("confirmation_id"),
    )


def _keep(
    uow: UnitOfWork, message: Inbound, sender: str, outcome: str, result: ReceiveResult, now: datetime
) -> int:
    return int(
        uow.session.execute(
            insert(t.inbound_messages)
            .values(
                channel=message.channel,
                provider=message.provider[:20],
                provider_ref=message.provider_ref,
                sender=sender[:500],
                recipient=(message.to or "")[:500],
                subject=(message.subject or "")[:300],
                text=message.text or "",
                received_at=message.received_at.astimezone(UTC),
                stored_at=now,
                outcome=outcome,
                result={
                    "debtor_ids": list(result.debtor_ids),
                    "case_ids": list(result.case_ids),
                    "opted_out": list(result.opted_out),
                    "confirmation_id": result.confirmation_id,
                },
            )
            .returning(t.inbound_messages.c.id)
        ).scalar_one()
    )


def _channels(value: Any) -> list[str]:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return []
    return [str(x) for x in value] if isinstance(value, list) else []
