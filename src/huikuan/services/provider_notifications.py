"""A provider's notification that a link was paid: verified, taken once, posted as a payment.

The provider posts to /api/v1/payments/notify/{provider} (no session: what it proves is its signature).
- An unknown or unconfigured provider: NotFound.
- A notification that does not verify (signature, timestamp, content): refused with 400 and the
  provider's "fail" answer; nothing is written, the refusal is logged.
- Each verified notification is taken once, by the provider's event id (provider_events, unique per
  provider): a replay, or the same one arriving twice at once (the second insert fails on the unique key
  and is rolled back), is answered as the first was and changes nothing.
- A payment: the link is found by its out_trade_no (an unknown order is recorded `unknown_order`,
  audited, answered ok and nothing is posted, so that the provider stops retrying while someone looks);
  the amount actually paid is posted on the link's case through services/payments.post_payment, by the
  link's route, with the reference `{provider}:{transaction id}` (outcome `amount_differs` when it is not
  the link's amount); the link becomes paid. A transaction already posted (the same one notified under
  another event id) is not posted again (`duplicate`). A payment the case cannot take (nothing left open,
  another currency) is recorded `not_posted` and audited with the reason, for a person to handle.
- Anything else verified (a refund, a closed order) is recorded `ignored` and answered ok.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from huikuan.channels.payments import registry
from huikuan.channels.payments.base import Answer, BadNotification, Ignored, Paid, Provider
from huikuan.domain.ledger import Route
from huikuan.errors import HuikuanError, NotFound
from huikuan.services.debtor_payments import send_receipt
from huikuan.services.payments import METHODS, Posted, PostPayment, post_payment
from huikuan.storage import audit
from huikuan.storage import tables as t
from huikuan.storage.uow import UnitOfWork

log = logging.getLogger(__name__)

BAD_REQUEST = 400
_ATTEMPTS = 2  # a unique key lost to a notification arriving at once: the second look sees it taken


@dataclass(frozen=True)
class Taken:
    """What became of a notification, and what to answer the provider."""

    answer: Answer
    outcome: str  # refused, replay, posted, amount_differs, duplicate, unknown_order, not_posted, ignored
    payment_id: int | None = None


class _Replay(Exception):
    """The event was taken already (found, or lost the race to insert it)."""


def take_notification(
    uow: UnitOfWork,
    provider_name: str,
    headers: dict[str, str],
    body: bytes,
    *,
    now: datetime | None = None,
) -> Taken:
    """Takes one notification (see the module docstring); commits what it records."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    provider = registry.configured().get(provider_name)
    if provider is None:
        raise NotFound("No payment provider {name} is configured", name=provider_name)
    try:
        event = provider.verify(headers, body, now)
    except BadNotification as exc:
        log.warning("payment notification refused", extra={"provider": provider_name, "why": str(exc)})
        return Taken(replace(provider.answer(False), status=BAD_REQUEST), "refused")
    for attempt in range(_ATTEMPTS):
        try:
            outcome, payment_id = _take(uow, provider, event, now)
        except _Replay:
            uow.rollback()
            return Taken(provider.answer(True), "replay")
        except IntegrityError:
            uow.rollback()
            if attempt + 1 == _ATTEMPTS:
                raise
            continue
        if payment_id is not None and outcome in ("posted", "amount_differs"):
            send_receipt(uow, payment_id, now=now)  # a link the debtor made on their page: its receipt
        return Taken(provider.answer(True), outcome, payment_id)
    raise AssertionError("unreachable")  # pragma: no cover


def _take(
    uow: UnitOfWork, provider: Provider, event: Paid | Ignored, now: datetime
) -> tuple[str, int | None]:
    """Records the event first (its unique key decides who takes it), then acts on it; commits."""
    conn = uow.session.connection()
    pe = t.provider_events.c
    taken = conn.execute(
        select(pe.id).where(pe.provider == provider.name, pe.event_id == event.event_id)
    ).scalar_one_or_none()
    if taken is not None:
        raise _Replay
    try:
        event_row = conn.execute(
            insert(t.provider_events)
            .values(
                provider=provider.name,
                event_id=event.event_id,
                received_at=now,
                outcome="ignored" if isinstance(event, Ignored) else "taken",
                out_trade_no=event.out_trade_no if isinstance(event, Paid) else None,
            )
            .returning(pe.id)
        ).scalar_one()
    except IntegrityError:  # the same event, taken at this moment by another request
        raise _Replay from None
    if isinstance(event, Ignored):
        uow.commit()
        return "ignored", None
    outcome, payment_id = _paid(uow, provider.name, event, now)
    conn.execute(
        update(t.provider_events).where(pe.id == event_row).values(outcome=outcome, payment_id=payment_id)
    )
    uow.commit()
    return outcome, payment_id


def _note(conn: Any, now: datetime, action: str, entity_id: int | None, detail: dict[str, Any]) -> None:
    entity = "case" if entity_id is not None else None
    audit.record(conn, at=now, user_id=None, action=action, entity=entity, entity_id=entity_id, detail=detail)


def _paid(uow: UnitOfWork, name: str, paid: Paid, now: datetime) -> tuple[str, int | None]:
    conn = uow.session.connection()
    pl = t.payment_links.c
    link = conn.execute(
        select(t.payment_links).where(pl.out_trade_no == paid.out_trade_no).with_for_update()
    ).one_or_none()
    about = {"provider": name, "event_id": paid.event_id, "out_trade_no": paid.out_trade_no}
    if link is None:
        log.warning("payment notification for an unknown order", extra=about)
        _note(conn, now, "payment_notification.unknown_order", None, {**about, "amount": paid.amount})
        return "unknown_order", None
    reference = f"{name}:{paid.provider_txn_id}"
    p = t.payments.c
    earlier = conn.execute(
        select(p.id)
        .join(t.cases, t.cases.c.creditor_id == p.creditor_id)
        .where(t.cases.c.id == link.case_id, p.external_ref == reference)
    ).scalar_one_or_none()
    if earlier is not None:
        return "duplicate", int(earlier)
    if paid.currency.upper() != link.currency:
        return _not_posted(conn, link, about, now, f"paid in {paid.currency}, the link is in {link.currency}")
    try:
        posted = _post(uow, name, paid, link, reference, now)
    except HuikuanError as exc:
        return _not_posted(conn, link, about, now, str(exc))
    conn.execute(
        # A link paid twice (two transactions) keeps its first payment; the second is posted all the same.
        update(t.payment_links)
        .where(pl.id == link.id, pl.payment_id.is_(None))
        .values(status="paid", payment_id=posted.payment_id)
    )
    outcome = "posted" if paid.amount == link.amount else "amount_differs"
    _note(
        conn,
        now,
        "payment_link.paid",
        link.case_id,
        {
            **about,
            "link_id": link.id,
            "payment_id": posted.payment_id,
            "amount": paid.amount,
            "outcome": outcome,
        },
    )
    return outcome, posted.payment_id


def _post(uow: UnitOfWork, name: str, paid: Paid, link: Any, reference: str, now: datetime) -> Posted:
    """The amount actually paid, posted on the link's case by the link's route (not committed)."""
    with uow.session.begin_nested():  # a payment refused half-way leaves nothing behind
        return post_payment(
            uow,
            None,
            PostPayment(
                case_id=link.case_id,
                amount=paid.amount,
                method=name if name in METHODS else "other",
                reference=reference,
                paid_at=paid.paid_at,
                source="agency",
                provider=name,
                route=Route(link.route),
            ),
            now=now,
            commit=False,
        )


def _not_posted(conn: Any, link: Any, about: dict[str, Any], now: datetime, why: str) -> tuple[str, None]:
    log.warning("payment notification not posted", extra={**about, "why": why})
    _note(
        conn, now, "payment_notification.not_posted", link.case_id, {**about, "link_id": link.id, "why": why}
    )
    return "not_posted", None
