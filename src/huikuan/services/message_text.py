"""What a message says: a template of channels/templates rendered with one case's data for one recipient.

The context every template gets (docs/messages.md lists it): recipient_name, debtor_name, creditor_name,
sender (HUIKUAN_AGENCY_NAME, else the creditor), agency_phone (HUIKUAN_AGENCY_PHONE, required), collector,
reference, today, dispute_by, pack, us_validation, balance, accounts, promise, arrangement, payment.
Amounts are formatted with Babel for the message's language, dates likewise; nothing is a float.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import TemplateError
from sqlalchemy import select

from huikuan.channels import KINDS
from huikuan.channels.render import LABELS, NEEDS, date_text, money_text, render, template_names
from huikuan.channels.render import exists as template_exists
from huikuan.config import get_settings
from huikuan.domain.enums import LIABLE_ROLES
from huikuan.errors import InvalidInput
from huikuan.i18n import gettext, normalize_locale
from huikuan.services.case_labels import label
from huikuan.storage import tables as t
from huikuan.storage.uow import UnitOfWork

CHANNELS = ("sms", "email", "letter")  # the channels with templates; WeChat has none yet
UNUSABLE = ("do_not_contact", "wrong_party", "disconnected")
DISPUTE_DAYS = 30  # the debtor's time to dispute, counted from an assumed receipt 5 business days after


@dataclass(frozen=True)
class Recipient:
    """Who a message goes to: the contact point, the related party (None: the debtor), the name."""

    point_id: int
    party_id: int | None
    name: str


def templates() -> dict[str, list[str]]:
    """The template names of each channel."""
    return {channel: template_names(channel) for channel in CHANNELS}


def template_label(name: str, locale: str) -> str:
    return gettext(LABELS[name], locale) if name in LABELS else name


def reference(case_id: int) -> str:
    """Our reference for a case, as printed in messages and quoted by the debtor."""
    return f"C{case_id:06d}"


def check_template(channel: str, template: str) -> None:
    if channel not in CHANNELS:
        raise InvalidInput(
            "Channel: {channel} is not one of {known}", channel=channel, known=", ".join(CHANNELS)
        )
    if not template_exists(channel, template):
        raise InvalidInput(
            "There is no {channel} template called {template}", channel=channel, template=template
        )


def case_facts(uow: UnitOfWork, case_id: int) -> Any:
    c, d, cr = t.cases.c, t.debtors.c, t.creditors.c
    return uow.session.execute(
        select(
            c.id,
            c.debtor_id,
            d.name.label("debtor_name"),
            d.language,
            cr.name.label("creditor_name"),
            cr.pack,
            cr.time_zone,
        )
        .join(t.debtors, d.id == c.debtor_id)
        .join(t.creditors, cr.id == c.creditor_id)
        .where(c.id == case_id)
    ).one()


def recipient(uow: UnitOfWork, facts: Any, channel: str, contact_point_id: int | None) -> Recipient:
    """The contact point checked against the case and channel; None: the debtor, for a preview."""
    if contact_point_id is None:
        return Recipient(0, None, facts.debtor_name)
    cp, p = t.contact_points.c, t.parties.c
    row = uow.session.execute(
        select(cp.id, cp.debtor_id, cp.kind, cp.status, cp.party_id, p.role, p.name, p.liable)
        .select_from(t.contact_points.outerjoin(t.parties, p.id == cp.party_id))
        .where(cp.id == contact_point_id)
    ).one_or_none()
    if row is None or row.debtor_id != facts.debtor_id:
        raise InvalidInput(
            "Contact point {point} is not one of this case's contact points", point=contact_point_id
        )
    needed = KINDS[channel]
    if row.kind != needed:
        raise InvalidInput(
            "Contact point {point} is a {kind}: a {channel} message needs a {needed}",
            point=contact_point_id,
            kind=row.kind,
            channel=channel,
            needed=needed,
        )
    if row.status in UNUSABLE:
        raise InvalidInput(
            "Contact point {point} is marked {status}: choose another",
            point=contact_point_id,
            status=row.status,
        )
    if row.party_id is not None and not (row.liable or row.role in LIABLE_ROLES):
        raise InvalidInput(
            "Messages go only to the debtor and to liable parties; {name} is not liable", name=row.name
        )
    return Recipient(row.id, row.party_id, row.name if row.party_id is not None else facts.debtor_name)


def _context(
    uow: UnitOfWork,
    facts: Any,
    recipient: Recipient,
    template: str,
    locale: str,
    collector: str,
    now: datetime,
) -> dict[str, Any]:
    settings = get_settings()
    if not settings.agency_phone.strip():
        raise InvalidInput(
            "The service telephone number (HUIKUAN_AGENCY_PHONE) is not set: messages must say how to call us"
        )
    if facts.pack == "us-reg-f" and not settings.agency_name.strip():
        raise InvalidInput(
            "The agency name (HUIKUAN_AGENCY_NAME) is not set: US collection messages must name the collector"
        )
    zone = ZoneInfo(facts.time_zone or settings.time_zone)
    today = now.astimezone(zone).date()
    a = t.accounts.c
    accounts = uow.session.execute(
        select(a.id, a.external_ref, a.product, a.currency, a.principal, a.interest, a.fees, a.balance)
        .where(a.case_id == facts.id, a.status == "open")
        .order_by(a.id)
    ).all()

    def money(minor: int, currency: str) -> str:
        return money_text(minor, currency, locale)

    totals: dict[str, int] = {}
    for acc in accounts:
        totals[acc.currency] = totals.get(acc.currency, 0) + acc.balance
    context: dict[str, Any] = {
        "recipient_name": recipient.name,
        "debtor_name": facts.debtor_name,
        "creditor_name": facts.creditor_name,
        "sender": settings.agency_name.strip() or facts.creditor_name,
        "agency_phone": settings.agency_phone.strip(),
        "collector": collector,
        "reference": reference(facts.id),
        "today": date_text(today, locale),
        "dispute_by": date_text(_dispute_by(today), locale),
        "pack": facts.pack,
        "us_validation": facts.pack == "us-reg-f",
        "balance": " + ".join(money(v, k) for k, v in sorted(totals.items())) or money(0, "CNY"),
        "accounts": [
            {
                "ref": acc.external_ref,
                "product": label("product", acc.product, locale),
                "principal": money(acc.principal, acc.currency),
                "interest": money(acc.interest, acc.currency),
                "fees": money(acc.fees, acc.currency),
                "balance": money(acc.balance, acc.currency),
            }
            for acc in accounts
        ],
        "promise": _promise(uow, facts.id, locale),
        "arrangement": _arrangement(uow, facts.id, locale),
        "payment": _payment(uow, facts.id, zone, locale),
    }
    need = NEEDS.get(template)
    if need == "payment" and context["payment"] is None:
        raise InvalidInput("Case {case_id} has no payment to confirm", case_id=facts.id)
    if need == "arrangement" and context["arrangement"] is None:
        raise InvalidInput("Case {case_id} has no active arrangement to confirm", case_id=facts.id)
    return context


def _dispute_by(today: date) -> date:
    """Receipt assumed five business days after sending, then DISPUTE_DAYS days (12 CFR 1006.34(b)(5))."""
    day, business = today, 0
    while business < 5:
        day += timedelta(days=1)
        business += day.weekday() < 5
    return day + timedelta(days=DISPUTE_DAYS)


def _promise(uow: UnitOfWork, case_id: int, locale: str) -> dict[str, str] | None:
    p = t.promises.c
    row = uow.session.execute(
        select(p.amount, p.currency, p.due_date)
        .where(p.case_id == case_id, p.status == "pending")
        .order_by(p.due_date, p.id)
        .limit(1)
    ).one_or_none()
    if row is None:
        return None
    return {
        "amount": money_text(row.amount, row.currency, locale),
        "due_date": date_text(row.due_date, locale),
    }


def _arrangement(uow: UnitOfWork, case_id: int, locale: str) -> dict[str, Any] | None:
    ar, i = t.arrangements.c, t.instalments.c
    row = uow.session.execute(
        select(ar.id, ar.kind, ar.total_amount, ar.currency, ar.schedule)
        .where(ar.case_id == case_id, ar.status == "active")
        .order_by(ar.id.desc())
        .limit(1)
    ).one_or_none()
    if row is None:
        return None
    plan = uow.session.execute(
        select(i.seq, i.due_date, i.amount).where(i.arrangement_id == row.id).order_by(i.seq)
    ).all()
    payments = [(p.seq, p.due_date, p.amount) for p in plan] or [
        (int(p["seq"]), date.fromisoformat(str(p["due_date"])), int(p["amount"]))
        for p in (row.schedule or [])
    ]
    return {
        "kind": row.kind,
        "total": money_text(row.total_amount, row.currency, locale),
        "instalments": [
            {
                "seq": seq,
                "due_date": date_text(due, locale),
                "amount": money_text(amount, row.currency, locale),
            }
            for seq, due, amount in payments
        ],
    }


def _payment(uow: UnitOfWork, case_id: int, zone: ZoneInfo, locale: str) -> dict[str, str] | None:
    pay, a = t.payments.c, t.accounts.c
    row = uow.session.execute(
        select(pay.amount, pay.currency, pay.paid_at)
        .join(t.accounts, a.id == pay.account_id)
        .where(a.case_id == case_id)
        .order_by(pay.paid_at.desc(), pay.id.desc())
        .limit(1)
    ).one_or_none()
    if row is None:
        return None
    return {
        "amount": money_text(row.amount, row.currency, locale),
        "date": date_text(row.paid_at.astimezone(zone).date(), locale),
    }


def message_locale(facts: Any, channel: str, template: str, locale: str | None) -> str:
    # A validation notice under Regulation F must be given in English.
    if channel == "letter" and template == "demand" and facts.pack == "us-reg-f":
        return "en"
    return normalize_locale(locale or facts.language)


def compose(
    uow: UnitOfWork,
    facts: Any,
    recipient: Recipient,
    *,
    channel: str,
    template: str,
    locale: str,
    collector: str,
    now: datetime,
) -> tuple[str, str]:
    context = _context(uow, facts, recipient, template, locale, collector, now)
    try:
        done = render(channel, template, locale, context)
    except LookupError:
        raise InvalidInput(
            "Template {template} has no {locale} version", template=f"{channel}/{template}", locale=locale
        ) from None
    except TemplateError as exc:
        raise InvalidInput(
            "Template {template} cannot be written for this case: {reason}",
            template=f"{channel}/{template}",
            reason=str(exc),
        ) from None
    return done.subject[:300], done.body
