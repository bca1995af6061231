"""Payment links: a provider's cashier page (and its QR code) for a case's balance or an instalment.

Which providers a case is offered: those configured (channels/payments/registry.py) that charge in the
case's currency and may lawfully serve the route its creditor's terms give (services/money_terms.py):
route `creditor` (the cn default: the money lands in the creditor's own merchant) needs a provider with a
service-provider mode and the creditor's merchant with it (services/payment_merchants.py); route `trust`
(the agency's client account) needs nothing more. A provider that is not configured or cannot serve the
route is not offered, and a link for it is refused.

A link is for an amount no larger than the case's open balance (by default the balance, or the next
unpaid instalment of the arrangement named); it expires after HUIKUAN_PAYMENT_LINK_HOURS; the provider
posts its notification to HUIKUAN_PUBLIC_URL/api/v1/payments/notify/{provider}
(services/provider_notifications.py), which names the link by its `out_trade_no`. The link is kept only
once the provider made it; a provider that refuses or cannot be reached is reported and nothing is kept.
"""

from __future__ import annotations

import io
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import segno
from sqlalchemy import Connection, func, insert, select

from huikuan.channels.payments import registry
from huikuan.channels.payments.base import Link, LinkRequest, Provider, ProviderError
from huikuan.config import get_settings
from huikuan.domain.enums import ArrangementStatus
from huikuan.domain.ledger import Route
from huikuan.domain.money import Money
from huikuan.errors import InvalidInput, NotFound, ProviderUnavailable
from huikuan.services.access import Viewer, visible_case
from huikuan.services.case_debts import case_currency
from huikuan.services.money_terms import terms_on
from huikuan.services.payment_merchants import merchant_fields, merchant_providers
from huikuan.storage import audit
from huikuan.storage import tables as t
from huikuan.storage.uow import UnitOfWork

NOTIFY_PATH = "/api/v1/payments/notify/{provider}"
_UNPAID = ("pending", "partly_paid", "missed")  # an instalment with something still to pay


@dataclass(frozen=True)
class NewLink:
    """A link to make for a case; `amount` in minor units (default: the balance, or the instalment due)."""

    case_id: int
    provider: str
    amount: int | None = None
    arrangement_id: int | None = None
    return_url: str | None = None  # where the cashier sends the payer back (default: the settings')


@dataclass(frozen=True)
class PaymentLink:
    id: int
    case_id: int
    arrangement_id: int | None
    provider: str
    route: str
    out_trade_no: str
    amount: int
    currency: str
    status: str  # open, paid, expired (an open link past its end)
    url: str
    provider_ref: str | None
    created_at: datetime
    expires_at: datetime
    payment_id: int | None

    def qr_svg(self, scale: int = 4) -> str:
        """The link's URL as a QR code, an SVG document."""
        out = io.BytesIO()
        segno.make(self.url, error="m").save(out, kind="svg", scale=scale, dark="#1f2937", xmldecl=False)
        return out.getvalue().decode()

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "case_id": self.case_id,
            "arrangement_id": self.arrangement_id,
            "provider": self.provider,
            "route": self.route,
            "out_trade_no": self.out_trade_no,
            "amount": self.amount,
            "currency": self.currency,
            "status": self.status,
            "url": self.url,
            "provider_ref": self.provider_ref,
            "created_at": self.created_at.isoformat(),
            "expires_at": self.expires_at.isoformat(),
            "payment_id": self.payment_id,
            "qr_svg_url": f"/api/v1/payment-links/{self.id}/qr.svg",
        }


def notify_url(provider: str) -> str:
    """Where the provider posts its notifications (what to register with it)."""
    public = get_settings().public_url.strip().rstrip("/")
    if not public:
        raise ProviderUnavailable(
            "HUIKUAN_PUBLIC_URL is not set: a provider could not tell this server that a link was paid"
        )
    return public + NOTIFY_PATH.format(provider=provider)


def case_route(conn: Connection, case_id: int, now: datetime) -> tuple[int, Route]:
    """The case's creditor and where its money lands today (the creditor's terms in force)."""
    c, cr = t.cases.c, t.creditors.c
    row = conn.execute(
        select(c.creditor_id, cr.time_zone).join(t.creditors, cr.id == c.creditor_id).where(c.id == case_id)
    ).one_or_none()
    if row is None:
        raise NotFound("No case with id {id}", id=case_id)
    day = now.astimezone(ZoneInfo(row.time_zone)).date()
    return int(row.creditor_id), terms_on(conn, row.creditor_id, day).route


def _offered(uow: UnitOfWork, case_id: int, now: datetime) -> tuple[Route, str, dict[str, Provider], int]:
    conn = uow.session.connection()
    creditor_id, route = case_route(conn, case_id, now)
    currency = case_currency(uow, case_id)
    merchants = merchant_providers(conn, creditor_id) if route is Route.CREDITOR else frozenset()
    offered = {
        name: provider
        for name, provider in registry.configured().items()
        if currency in provider.currencies
        and (route is Route.TRUST or (provider.service_provider_mode and name in merchants))
    }
    return route, currency, offered, creditor_id


def offered_providers(uow: UnitOfWork, case_id: int, *, now: datetime | None = None) -> list[str]:
    """The providers a link on the case may be made with, by name (see the module docstring)."""
    _route, _currency, offered, _creditor = _offered(uow, case_id, (now or datetime.now(UTC)).astimezone(UTC))
    return sorted(offered)


def _open_balance(conn: Connection, case_id: int, currency: str) -> int:
    a = t.accounts.c
    total = conn.execute(
        select(func.coalesce(func.sum(a.balance), 0)).where(
            a.case_id == case_id, a.status == "open", a.currency == currency
        )
    ).scalar_one()
    return int(total)


def _instalment_due(conn: Connection, case_id: int, arrangement_id: int) -> int:
    ar, i = t.arrangements.c, t.instalments.c
    status = conn.execute(
        select(ar.status).where(ar.id == arrangement_id, ar.case_id == case_id)
    ).scalar_one_or_none()
    if status is None:
        raise NotFound("No arrangement {id} on this case", id=arrangement_id)
    if status != ArrangementStatus.ACTIVE.value:
        raise InvalidInput("Arrangement {id} is not active: no instalment is due", id=arrangement_id)
    due = conn.execute(
        select(i.amount - i.paid_amount)
        .where(i.arrangement_id == arrangement_id, i.status.in_(_UNPAID), i.amount > i.paid_amount)
        .order_by(i.seq)
        .limit(1)
    ).scalar_one_or_none()
    if due is None:
        raise InvalidInput("Arrangement {id} has no instalment left to pay", id=arrangement_id)
    return int(due)


def instalments_due(uow: UnitOfWork, case_id: int) -> list[tuple[int, int]]:
    """The case's active arrangements with what their next unpaid instalment asks: (id, amount)."""
    conn = uow.session.connection()
    ar = t.arrangements.c
    ids = conn.execute(
        select(ar.id)
        .where(ar.case_id == case_id, ar.status == ArrangementStatus.ACTIVE.value)
        .order_by(ar.id)
    ).scalars()
    due = []
    for arrangement_id in ids:
        try:
            due.append((int(arrangement_id), _instalment_due(conn, case_id, arrangement_id)))
        except InvalidInput:
            continue
    return due


def _amount(conn: Connection, cmd: NewLink, currency: str) -> int:
    balance = _open_balance(conn, cmd.case_id, currency)
    if balance <= 0:
        raise InvalidInput("Case {id} has nothing left to pay", id=cmd.case_id)
    if cmd.amount is not None:
        if isinstance(cmd.amount, bool) or cmd.amount <= 0:
            raise InvalidInput("The amount must be more than zero")
        if cmd.amount > balance:
            raise InvalidInput("A link may ask for at most the open balance ({balance})", balance=balance)
        return cmd.amount
    if cmd.arrangement_id is not None:
        return min(_instalment_due(conn, cmd.case_id, cmd.arrangement_id), balance)
    return balance


def parse_amount(uow: UnitOfWork, case_id: int, text: str | None) -> int | None:
    """An amount typed in the case's currency ("100.00") in minor units; None when left empty."""
    if text is None or not text.strip():
        return None
    try:
        return Money.parse(text.strip().replace(",", ""), case_currency(uow, case_id)).minor
    except (ValueError, ArithmeticError):
        raise InvalidInput("amount: {value} is not an amount such as 100.00", value=text) from None


def _subject(conn: Connection, case_id: int) -> str:
    a = t.accounts.c
    ref = conn.execute(
        select(a.external_ref).where(a.case_id == case_id).order_by(a.id).limit(1)
    ).scalar_one_or_none()
    agency = get_settings().agency_name.strip() or "Huikuan"
    return f"{ref or case_id} — {agency}"[:120]


def create_payment_link(
    uow: UnitOfWork, viewer: Viewer, cmd: NewLink, *, now: datetime | None = None
) -> PaymentLink:
    """Makes the link with the provider, keeps it and commits; ProviderUnavailable (nothing kept) when the
    provider refuses or cannot be reached."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    visible_case(uow, viewer, cmd.case_id, write=True)
    return make_link(uow, cmd, user_id=viewer.user_id, now=now)


def make_link(uow: UnitOfWork, cmd: NewLink, *, user_id: int | None, now: datetime) -> PaymentLink:
    """create_payment_link once the caller has checked the case (the debtor's own page: no user)."""
    route, currency, offered, creditor_id = _offered(uow, cmd.case_id, now)
    provider = offered.get(cmd.provider)
    if provider is None:
        raise InvalidInput(
            "{provider} is not offered on this case (offered: {offered})",
            provider=cmd.provider,
            offered=", ".join(sorted(offered)) or "-",
        )
    conn = uow.session.connection()
    merchant = merchant_fields(conn, creditor_id, cmd.provider) if route is Route.CREDITOR else None
    request = _request(conn, cmd, currency, merchant or {}, now)
    uow.rollback()  # nothing is held (SQLite's write lock, a snapshot) while the provider is asked
    try:
        made = provider.create_link(request)
    except ProviderError as exc:
        raise ProviderUnavailable(
            "{provider} did not make the link: {why}", provider=cmd.provider, why=str(exc)
        ) from exc
    link_id = _keep(uow.session.connection(), user_id, cmd, route, request, made, now)
    uow.commit()
    return link_by_id(uow.session.connection(), link_id, now)


def reference() -> str:
    """A new payment's reference, the provider's out_trade_no: "HK" and 24 random hex digits."""
    return "HK" + secrets.token_hex(12)


def _request(
    conn: Connection, cmd: NewLink, currency: str, merchant: dict[str, str], now: datetime
) -> LinkRequest:
    settings = get_settings()
    return LinkRequest(
        out_trade_no=reference(),
        amount=_amount(conn, cmd, currency),
        currency=currency,
        subject=_subject(conn, cmd.case_id),
        expires_at=now + timedelta(hours=settings.payment_link_hours),
        notify_url=notify_url(cmd.provider),
        return_url=cmd.return_url or settings.payment_return_url.strip() or settings.public_url.strip(),
        merchant=merchant,
    )


def _keep(
    conn: Connection,
    user_id: int | None,
    cmd: NewLink,
    route: Route,
    request: LinkRequest,
    made: Link,
    now: datetime,
) -> int:
    """Writes the link the provider made, audited; its id."""
    link_id = conn.execute(
        insert(t.payment_links)
        .values(
            case_id=cmd.case_id,
            arrangement_id=cmd.arrangement_id,
            provider=cmd.provider,
            route=route.value,
            out_trade_no=request.out_trade_no,
            amount=request.amount,
            currency=request.currency,
            status="open",
            url=made.url,
            provider_ref=made.provider_ref or None,
            created_at=now,
            expires_at=request.expires_at,
            created_by=user_id,
        )
        .returning(t.payment_links.c.id)
    ).scalar_one()
    audit.record(
        conn,
        at=now,
        user_id=user_id,
        action="payment_link.created",
        entity="case",
        entity_id=cmd.case_id,
        detail={"link_id": link_id, "provider": cmd.provider, "amount": request.amount, "route": route.value},
    )
    return int(link_id)


def _as_link(r: Any, now: datetime) -> PaymentLink:
    status = "expired" if r.status == "open" and r.expires_at <= now else r.status
    return PaymentLink(
        r.id,
        r.case_id,
        r.arrangement_id,
        r.provider,
        r.route,
        r.out_trade_no,
        r.amount,
        r.currency,
        status,
        r.url,
        r.provider_ref,
        r.created_at,
        r.expires_at,
        r.payment_id,
    )


def link_by_id(conn: Connection, link_id: int, now: datetime) -> PaymentLink:
    row = conn.execute(select(t.payment_links).where(t.payment_links.c.id == link_id)).one_or_none()
    if row is None:
        raise NotFound("No payment link {id}", id=link_id)
    return _as_link(row, now)


def links_for(
    uow: UnitOfWork, viewer: Viewer, case_id: int, *, now: datetime | None = None
) -> list[PaymentLink]:
    """The case's links, newest first."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    visible_case(uow, viewer, case_id)
    pl = t.payment_links.c
    rows = uow.session.execute(
        select(t.payment_links).where(pl.case_id == case_id).order_by(pl.created_at.desc(), pl.id.desc())
    )
    return [_as_link(r, now) for r in rows]


def link_to_view(
    uow: UnitOfWork, viewer: Viewer, link_id: int, *, now: datetime | None = None
) -> PaymentLink:
    """One link, if the viewer may see its case (else NotFound, as if it did not exist)."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    conn = uow.session.connection()
    try:
        link = link_by_id(conn, link_id, now)
        visible_case(uow, viewer, link.case_id)
    except NotFound:
        raise NotFound("No payment link {id}", id=link_id) from None
    return link
