"""Why an e-mail address or a phone number may carry an e-mail or a text to the consumer: the fact the
gate's `electronic-safe-harbour` rule reads (12 CFR 1006.6(d)(4), docs/compliance.md).

Read from the contact point, in this order:
- used: the consumer wrote to the agency from it on that channel (an inbound e-mail or text recorded
  through the point: services/inbound.py), 1006.6(d)(4)(i)(A);
- consent: the point carries the consumer's consent (contact_points.consent), or the consumer gave it to
  the agency (source "debtor"), 1006.6(d)(4)(i)(B);
- creditor: the creditor provided it (source "creditor", or "placement": the creditor's placement file),
  1006.6(d)(4)(ii)-(iii), the creditor's own notice and opt-out procedure taken as followed;
- none otherwise (found by the agency, a third party or a skip trace).
"""

from __future__ import annotations

from sqlalchemy import literal, select

from huikuan.compliance.model import SafeHarbour
from huikuan.domain.enums import Direction
from huikuan.storage import tables as t
from huikuan.storage.membership import one_of
from huikuan.storage.uow import UnitOfWork

CONSUMER_SOURCES = frozenset({"debtor"})
CREDITOR_SOURCES = frozenset({"creditor", "placement"})
ELECTRONIC = frozenset({"email", "sms"})


def point_harbour(
    uow: UnitOfWork, point_id: int, channel: str, *, source: str, consent: bool
) -> SafeHarbour | None:
    """The point's reason under 1006.6(d)(4) for an e-mail or a text on `channel`; None: it has none."""
    used = (point_id, channel) in used_points(uow, [point_id])
    return harbour_of(used=used, source=source, consent=consent)


def used_points(uow: UnitOfWork, point_ids: list[int]) -> set[tuple[int, str]]:
    """(point, channel) for each of the points the consumer wrote to the agency from, on that channel."""
    i = t.interactions.c
    rows = uow.session.execute(
        select(i.contact_point_id, i.channel)
        .where(
            one_of(i.contact_point_id, set(point_ids)),
            i.direction
            == literal(Direction.INBOUND.value, literal_execute=True),  # ix_interactions_inbound_point
        )
        .distinct()
    ).all()
    return {(int(r.contact_point_id), str(r.channel)) for r in rows}


def harbour_of(*, used: bool, source: str, consent: bool) -> SafeHarbour | None:
    if used:
        return SafeHarbour.USED
    if consent or source in CONSUMER_SOURCES:
        return SafeHarbour.CONSENT
    if source in CREDITOR_SOURCES:
        return SafeHarbour.CREDITOR
    return None
