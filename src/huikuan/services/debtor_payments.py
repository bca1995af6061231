"""The debtor pays on their own page (docs/debtor-self-service.md): in full or in part, through a
provider the case is offered (services/payment_links.py), for an amount they choose between LEAST_MINOR
(or the balance, when less) and the open balance. The link is made as the system (no user) and kept
with the debtor's link and address; the page sends the debtor to the provider's cashier.

Once the provider's notification posted the payment (services/provider_notifications.py), the receipt
page shows it and one receipt goes to the debtor's e-mail through the gate (`send_receipt`, claimed once
per link). A link is shown only on the case it was made for, and only if it was made on the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update

from huikuan.config import get_settings
from huikuan.domain.money import Money
from huikuan.errors import InvalidInput, NotFound
from huikuan.i18n import gettext, normalize_locale
from huikuan.services.case_debts import case_currency
from huikuan.services.message_text import reference
from huikuan.services.payment_links import (
    NewLink,
    PaymentLink,
    link_by_id,
    make_link,
    offered_providers,
    parse_amount,
)
from huikuan.services.promises import case_money
from huikuan.services.self_service import DebtorNotice, Visitor, case_row, tell_debtor
from huikuan.storage import audit
from huikuan.storage import tables as t
from huikuan.storage.uow import UnitOfWork

LEAST_MINOR = 100  # the smallest part payment, in minor units (1.00)
RECEIPT = "self_service_receipt"
RECEIPT_PATH = "/d/pay/receipt"  # where the cashier sends the debtor back


@dataclass(frozen=True)
class PayOptions:
    currency: str
    balance: int  # the open balance, in minor units
    least: int  # the smallest amount the page takes
    providers: list[str]

    def money(self, minor: int) -> Money:
        return Money(minor, self.currency)


def pay_options(uow: UnitOfWork, visitor: Visitor, *, now: datetime) -> PayOptions:
    """What the debtor may pay now, and with which providers."""
    owed = case_money(uow, visitor.case_id)
    providers = offered_providers(uow, visitor.case_id, now=now) if owed.balance > 0 else []
    return PayOptions(owed.currency, owed.balance, min(LEAST_MINOR, owed.balance), providers)


def start_payment(
    uow: UnitOfWork, visitor: Visitor, provider: str, amount: str, *, now: datetime
) -> PaymentLink:
    """Makes the provider's link for the amount the debtor chose (see the module docstring); commits."""
    options = pay_options(uow, visitor, now=now)
    if options.balance <= 0:
        raise InvalidInput("Nothing is left to pay")
    if provider not in options.providers:
        raise InvalidInput("Choose one of the ways to pay shown")
    minor = parse_amount(uow, visitor.case_id, amount)
    if minor is None or not options.least <= minor <= options.balance:
        raise InvalidInput(
            "Amount: choose between {least} and {balance}",
            least=str(options.money(options.least)),
            balance=str(options.money(options.balance)),
        )
    back = get_settings().public_url.strip().rstrip("/") + RECEIPT_PATH
    cmd = NewLink(visitor.case_id, provider, amount=minor, return_url=back)
    link = make_link(uow, cmd, user_id=None, now=now)
    uow.session.execute(
        insert(t.self_service_payments).values(
            payment_link_id=link.id,
            case_id=visitor.case_id,
            portal_link_id=visitor.portal_link_id,
            address=visitor.address[:64],
            created_at=now,
        )
    )
    audit.record(
        uow.session,
        at=now,
        user_id=None,
        action="self_service.payment_started",
        entity="case",
        entity_id=visitor.case_id,
        detail={"payment_link_id": link.id, "provider": provider, "amount": minor},
    )
    uow.commit()
    return link


def receipt(uow: UnitOfWork, visitor: Visitor, payment_link_id: int, *, now: datetime) -> PaymentLink:
    """A link the debtor made on this case, with its status (paid once the provider said so)."""
    sp = t.self_service_payments.c
    found = uow.session.execute(
        select(sp.id).where(sp.payment_link_id == payment_link_id, sp.case_id == visitor.case_id)
    ).scalar_one_or_none()
    if found is None:
        raise NotFound("No payment {id} here", id=payment_link_id)
    return link_by_id(uow.session.connection(), payment_link_id, now)


def latest_receipt(uow: UnitOfWork, visitor: Visitor, *, now: datetime) -> PaymentLink | None:
    """The newest link the debtor made on this case (where the cashier sends them back), if any."""
    sp = t.self_service_payments.c
    newest = uow.session.execute(
        select(sp.payment_link_id).where(sp.case_id == visitor.case_id).order_by(sp.id.desc()).limit(1)
    ).scalar_one_or_none()
    return None if newest is None else receipt(uow, visitor, int(newest), now=now)


def open_balance(uow: UnitOfWork, case_id: int) -> Money:
    return Money(case_money(uow, case_id).balance, case_currency(uow, case_id))


def send_receipt(uow: UnitOfWork, payment_id: int, *, now: datetime) -> int | None:
    """Once a payment was posted for a link the debtor made: the receipt by e-mail, through the gate,
    once per link (claimed by a conditional update); the message's id, else None. Commits."""
    sp, pl = t.self_service_payments.c, t.payment_links.c
    row = uow.session.execute(
        select(sp.id, pl.id.label("link_id"), pl.case_id, t.payments.c.amount, pl.currency)
        .join(t.payment_links, pl.id == sp.payment_link_id)
        .join(t.payments, t.payments.c.id == pl.payment_id)
        .where(pl.payment_id == payment_id, sp.receipt_at.is_(None))
    ).one_or_none()
    if row is None:
        return None
    claimed = uow.session.execute(
        update(t.self_service_payments).where(sp.id == row.id, sp.receipt_at.is_(None)).values(receipt_at=now)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        uow.rollback()
        return None
    uow.commit()
    case = case_row(uow, row.case_id)
    locale = _debtor_locale(uow, case.debtor_id)
    subject, body = receipt_text(uow, row, locale)
    notice = DebtorNotice(subject, body, locale, RECEIPT, required=False)
    message_id = tell_debtor(uow, case, notice, now=now)
    if message_id is not None:
        uow.session.execute(
            update(t.self_service_payments).where(sp.id == row.id).values(receipt_message_id=message_id)
        )
        uow.commit()
    return message_id


def receipt_text(uow: UnitOfWork, row: Any, locale: str) -> tuple[str, str]:
    """(subject, body) of the receipt in `locale`."""
    body = gettext(
        "We received your payment of {amount} (reference {reference}). "
        "Still open on your account: {balance}.",
        locale,
        amount=str(Money(row.amount, row.currency)),
        reference=reference(row.case_id),
        balance=str(open_balance(uow, row.case_id)),
    )
    return gettext("Payment received", locale), body


def _debtor_locale(uow: UnitOfWork, debtor_id: int) -> str:
    language = uow.session.execute(
        select(t.debtors.c.language).where(t.debtors.c.id == debtor_id)
    ).scalar_one_or_none()
    return normalize_locale(language)
