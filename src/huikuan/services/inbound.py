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

from dataclasses import dataclass
from datetime import datetime

from huikuan.channels.inbound import Inbound
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
    raise NotImplementedError


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
    raise NotImplementedError
