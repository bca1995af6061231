"""The gate asked about a contact through one contact point: the one function (`judge_point`) by which a
collector's contact (`contacts.check_contact`, hence `queue_message` and `record_contact`), the
plan-dispatch job's batch (services/plan_queue.py) and the case page (services/case_view.py) ask it, so
that the same point, channel and moment get the same decision and decision id on every path.

What the gate is told about the point (`PointTerms`) is made from its stored row by one function
(`point_terms`): its address, whether it reaches the person at work, whether it carries the person's
prior express consent, and, for an e-mail or a text, its safe-harbour reason (services/safe_harbour.py).
The rows are read one at a time (`read_point`) or for a batch (`read_points`), and a point that may not be
used is refused by `usable_point` either way.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from huikuan.compliance import Request
from huikuan.compliance.model import Purpose, SafeHarbour
from huikuan.domain.enums import Channel
from huikuan.errors import InvalidInput
from huikuan.services.gate import UNUSABLE, WORK, GateInputs, Verdict, ask
from huikuan.services.safe_harbour import ELECTRONIC, harbour_of
from huikuan.storage import tables as t
from huikuan.storage.membership import one_of
from huikuan.storage.uow import UnitOfWork


@dataclass(frozen=True)
class PointTerms:
    """What the gate is told about the point a contact goes through; the default: no point named."""

    to: str | None = None
    at_work: bool = False  # the point reaches the person at their place of employment
    consent: bool = False  # the point carries the person's prior express consent
    harbour: SafeHarbour | None = None  # why an e-mail or a text may go to it (None: none, or not asked)


NO_POINT = PointTerms()


def point_terms(row: Any, point_id: int, channel: str, used: set[tuple[int, str]]) -> PointTerms:
    """The terms of the point's stored row (value, place, consent, source) for a contact on `channel`;
    `used`: the (point, channel) pairs the consumer wrote to the agency from (safe_harbour.used_points).
    The safe harbour is asked of e-mails and texts only: a call keeps its decision id."""
    consent = bool(row.consent)
    harbour = (
        harbour_of(used=(point_id, channel) in used, source=row.source, consent=consent)
        if channel in ELECTRONIC
        else None
    )
    return PointTerms(str(row.value), row.place == WORK, consent, harbour)


def judge_point(
    inputs: GateInputs,
    *,
    channel: Channel,
    party: int | None,
    terms: PointTerms,
    at: datetime,
    purpose: Purpose | None = None,
    automated: bool = False,
) -> tuple[Verdict, list[Request]]:
    """May this contact through the point happen at `at`? The gate's verdict and the requests asked.
    `automated`: a message no collector sent; the point's consent is read for it alone (the gate's
    automated-text-consent rule), so a collector's contact is asked as the case page asks it."""
    return ask(
        inputs,
        channel=channel,
        party=party,
        to=terms.to,
        at=at,
        purpose=purpose,
        workplace=terms.at_work,
        automated=automated,
        express_consent=terms.consent and automated,
        safe_harbour=terms.harbour,
    )


_COLUMNS = (
    t.contact_points.c.value,
    t.contact_points.c.party_id,
    t.contact_points.c.status,
    t.contact_points.c.place,
    t.contact_points.c.consent,
    t.contact_points.c.source,
)


def read_point(uow: UnitOfWork, point_id: int | None, debtor_id: int, party: int | None) -> Any:
    """The debtor's point's row if the contact with `party` (None: the debtor) may use it (`usable_point`);
    None without a point."""
    if point_id is None:
        return None
    cp = t.contact_points.c
    row = uow.session.execute(
        select(*_COLUMNS).where(cp.id == point_id, cp.debtor_id == debtor_id)
    ).one_or_none()
    return usable_point(row, point_id, party)


def read_points(uow: UnitOfWork, point_ids: Iterable[int]) -> dict[tuple[int, int], Any]:
    """These points' rows, by (point id, debtor id), as `read_point` reads one (a job's batch)."""
    cp = t.contact_points.c
    query = select(cp.id, cp.debtor_id, *_COLUMNS).where(one_of(cp.id, set(point_ids)))
    return {(r.id, r.debtor_id): r for r in uow.session.execute(query).all()}


def usable_point(row: Any, point_id: int, party: int | None) -> Any:
    """The point's stored row if the contact may use it: InvalidInput when it is not the person's (None:
    not one of the debtor's points), or is marked do-not-contact, wrong party or disconnected."""
    if row is None or row.party_id != party:
        raise InvalidInput("contact point {point} does not belong to the person contacted", point=point_id)
    if row.status == "do_not_contact":
        raise InvalidInput("contact point {point} is marked do-not-contact", point=point_id)
    if row.status in UNUSABLE:
        raise InvalidInput(
            "contact point {point} is marked {status}: it is not used", point=point_id, status=row.status
        )
    return row
