"""What a message says: a template of channels/templates rendered with one case's data for one recipient.

The context every template gets (docs/messages.md lists it): recipient_name, recipient_address,
debtor_name, creditor_name, sender (HUIKUAN_AGENCY_NAME, or _ZH in Chinese; else the creditor),
agency_phone (HUIKUAN_AGENCY_PHONE, required), collector (the sender's own name, only when it is written in
the message's language), signer (the collector, else the sender), reference, today, dispute_by, pack,
us_validation, disclosures, balance, accounts, itemization, promise, arrangement, payment.
Amounts are formatted with Babel for the message's language, dates likewise; nothing is a float.
A rendered text that leaves out a disclosure its pack requires is refused (channels/disclosures.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import TemplateError
from sqlalchemy import select
from sqlalchemy.exc import NoResultFound

from huikuan.channels import KINDS, disclosures
from huikuan.channels.choice import CaseState, missing_fact
from huikuan.channels.letter import return_address, split_address
from huikuan.channels.render import (
    LABELS,
    TemplateText,
    date_text,
    money_text,
    names_field,
    render,
    template_names,
    written_in,
)
from huikuan.channels.render import exists as template_exists
from huikuan.channels.suit import mentions_suit
from huikuan.channels.validation import validation_period_end
from huikuan.config import Settings, get_settings
from huikuan.domain.enums import LIABLE_ROLES
from huikuan.errors import InvalidInput
from huikuan.i18n import gettext, normalize_locale
from huikuan.services import message_facts, message_templates
from huikuan.services.message_facts import US_PACK
from huikuan.services.message_rows import CaseRows, case_rows
from huikuan.services.notices import time_barred_case
from huikuan.storage import tables as t
from huikuan.storage.membership import one_of
from huikuan.storage.uow import UnitOfWork

CHANNELS = ("sms", "email", "letter", "wechat")  # the channels with templates
UNUSABLE = ("do_not_contact", "wrong_party", "disconnected")
DISPUTE_DAYS = 30  # the debtor's time to dispute, counted from an assumed receipt 5 business days after


@dataclass(frozen=True)
class Recipient:
    """Who a message goes to: the contact point, the related party (None: the debtor), the name, and the
    postal address when the message is a letter."""

    point_id: int
    party_id: int | None
    name: str
    address: str = ""


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
    found = case_facts_many(uow, [case_id])
    if case_id not in found:
        raise NoResultFound(f"no case {case_id}")
    return found[case_id]


def case_facts_many(uow: UnitOfWork, case_ids: Iterable[int]) -> dict[int, Any]:
    """Each case's facts a message needs: its debtor's name and language, its creditor's name, pack and
    zone (an unknown case is left out)."""
    c, d, cr = t.cases.c, t.debtors.c, t.creditors.c
    query = (
        select(
            c.id,
            c.debtor_id,
            c.creditor_id,
            d.name.label("debtor_name"),
            d.language,
            cr.name.label("creditor_name"),
            cr.pack,
            cr.time_zone,
        )
        .join(t.debtors, d.id == c.debtor_id)
        .join(t.creditors, cr.id == c.creditor_id)
    )
    return {r.id: r for r in uow.session.execute(query.where(one_of(c.id, set(case_ids))))}


def recipient(uow: UnitOfWork, facts: Any, channel: str, contact_point_id: int | None) -> Recipient:
    """The contact point checked against the case and channel; None: the debtor, for a preview."""
    cp = t.contact_points.c
    if contact_point_id is None:
        address = ""
        if channel == "letter":
            address = (
                uow.session.execute(
                    select(cp.value)
                    .where(
                        cp.debtor_id == facts.debtor_id,
                        cp.party_id.is_(None),
                        cp.kind == KINDS[channel],
                        cp.status.not_in(UNUSABLE),
                    )
                    .order_by(cp.id)
                    .limit(1)
                ).scalar_one_or_none()
                or ""
            )
        return Recipient(0, None, facts.debtor_name, address)
    row = point_rows(uow, [contact_point_id]).get(contact_point_id)
    return recipient_of(facts, channel, contact_point_id, row)


def point_rows(uow: UnitOfWork, point_ids: Iterable[int]) -> dict[int, Any]:
    """The contact points a message may go to, with their parties' role, name and liability."""
    cp, p = t.contact_points.c, t.parties.c
    query = select(
        cp.id, cp.debtor_id, cp.kind, cp.status, cp.party_id, p.role, p.name, p.liable, cp.value
    ).select_from(t.contact_points.outerjoin(t.parties, p.id == cp.party_id))
    return {r.id: r for r in uow.session.execute(query.where(one_of(cp.id, set(point_ids))))}


def recipient_of(facts: Any, channel: str, contact_point_id: int, row: Any) -> Recipient:
    """`recipient` from the point's row (`point_rows`; None: no such point)."""
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
    name = row.name if row.party_id is not None else facts.debtor_name
    return Recipient(row.id, row.party_id, name, row.value if channel == "letter" else "")


def _settings_for(facts: Any, channel: str, template: str) -> Settings:
    settings = get_settings()
    if not settings.agency_phone.strip():
        raise InvalidInput(
            "The service telephone number (HUIKUAN_AGENCY_PHONE) is not set: messages must say how to call us"
        )
    if facts.pack == US_PACK and not settings.agency_name.strip():
        raise InvalidInput(
            "The agency name (HUIKUAN_AGENCY_NAME) is not set: US collection messages must name the collector"
        )
    if _us_validation(facts, channel, template) and not return_address(settings):
        raise InvalidInput(
            "The agency's mailing address (HUIKUAN_LETTER_RETURN_ADDRESS) is not set: a US validation "
            "notice must give the debt collector's mailing address"
        )
    return settings


def _us_validation(facts: Any, channel: str, template: str) -> bool:
    return facts.pack == US_PACK and channel == "letter" and template == "demand"


def check_applies(facts: Any, state: CaseState, channel: str, template: str) -> None:
    """Refuses a template whose facts the case lacks (channels/choice.py NEEDS)."""
    lacking = missing_fact(channel, template, state)
    if lacking == "payment":
        raise InvalidInput("Case {case_id} has no payment to confirm", case_id=facts.id)
    if lacking == "arrangement":
        raise InvalidInput("Case {case_id} has no active arrangement to confirm", case_id=facts.id)
    if lacking == "promise":
        raise InvalidInput("Case {case_id} has no pending promise to remind of", case_id=facts.id)
    if lacking == "open_balance":
        raise InvalidInput("Case {case_id} has nothing owed to write about", case_id=facts.id)


def agency_name(settings: Settings, locale: str) -> str:
    """The agency's name in the message's language: HUIKUAN_AGENCY_NAME_ZH for Chinese when set."""
    if locale == "zh_CN" and settings.agency_name_zh.strip():
        return settings.agency_name_zh.strip()
    return settings.agency_name.strip()


def signer_name(collector: str, locale: str) -> str | None:
    """The collector's name if it is written in the message's language; else None (the agency signs)."""
    name = collector.strip()
    return name if name and written_in(name, locale) else None


def _context(
    facts: Any,
    recipient: Recipient,
    *,
    channel: str,
    template: str,
    locale: str,
    collector: str,
    now: datetime,
    rows: CaseRows,
    wanted: Callable[[str], bool] = lambda _field: True,
) -> dict[str, Any]:
    """The template's context (docs/messages.md); `accounts` (each account itemized) and `balance`, the
    costliest fields, only if `wanted` (the template names them)."""
    settings = _settings_for(facts, channel, template)
    zone = ZoneInfo(facts.time_zone or settings.time_zone)
    today = now.astimezone(zone).date()
    sender = agency_name(settings, locale) or facts.creditor_name
    own_name = signer_name(collector, locale)
    us_validation = _us_validation(facts, channel, template)
    dispute_by = validation_period_end(today) if facts.pack == US_PACK else _dispute_by(today)
    return {
        "recipient_name": recipient.name,
        "recipient_address": split_address(recipient.address),
        "debtor_name": facts.debtor_name,
        "creditor_name": facts.creditor_name,
        "sender": sender,
        # The return address may open with the agency's name: the address is what follows it.
        "agency_address": [line for line in return_address(settings) if line != sender],
        "agency_phone": settings.agency_phone.strip(),
        "collector": own_name,
        "signer": own_name or sender,
        "reference": reference(facts.id),
        "today": date_text(today, locale),
        "dispute_by": date_text(dispute_by, locale),
        "pack": facts.pack,
        "us_validation": us_validation,
        "disclosures": disclosures.required(
            facts.pack,
            channel,
            locale,
            sender=sender,
            creditor=facts.creditor_name,
            initial=message_facts.is_first_communication(rows),
        ),
        **({"balance": _balance(rows, locale)} if wanted("balance") else {}),
        **({"accounts": message_facts.accounts_of(rows, today, locale)} if wanted("accounts") else {}),
        "promise": message_facts.promise_of(rows, locale),
        "arrangement": message_facts.arrangement_of(rows, locale),
        "payment": message_facts.payment_of(rows, zone, locale),
    }


def _balance(rows: CaseRows, locale: str) -> str:
    """What may be asked on the open accounts, each currency's sum written out, joined by " + "."""
    totals = message_facts.balances_of(rows)
    return " + ".join(money_text(v, k, locale) for k, v in sorted(totals.items())) or money_text(
        0, "CNY", locale
    )


def _dispute_by(today: date) -> date:
    """Outside the US: receipt assumed five weekdays after sending, then DISPUTE_DAYS days."""
    day, business = today, 0
    while business < 5:
        day += timedelta(days=1)
        business += day.weekday() < 5
    return day + timedelta(days=DISPUTE_DAYS)


def message_locale(facts: Any, channel: str, template: str, locale: str | None) -> str:
    # A validation notice under Regulation F must be given in English.
    if _us_validation(facts, channel, template):
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
    rows: CaseRows | None = None,
    edited_texts: dict[tuple[str, str, str, int], TemplateText | None] | None = None,
) -> tuple[str, str]:
    """The subject and body; refuses a template the case's facts do not support, and a text that leaves
    out a disclosure the creditor's pack requires for the channel. A batch gives the case's `rows`
    (services/message_rows.py) and a dict that keeps the edited texts it has read (`edited_texts`)."""
    rows = case_rows(uow, [facts.id])[facts.id] if rows is None else rows
    check_applies(facts, message_facts.state_of(rows, facts.pack), channel, template)
    key = (channel, template, locale, facts.creditor_id)
    texts = edited_texts if edited_texts is not None else {}
    if key not in texts:
        texts[key] = message_templates.text_for(uow, channel, template, locale, facts.creditor_id)
    edited = texts[key]
    context = _context(
        facts,
        recipient,
        channel=channel,
        template=template,
        locale=locale,
        collector=collector,
        now=now,
        rows=rows,
        wanted=partial(names_field, channel, template, locale, edited),
    )
    try:
        done = render(channel, template, locale, context, edited)
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
    today = now.astimezone(ZoneInfo(facts.time_zone or get_settings().time_zone)).date()
    if mentions_suit(f"{done.subject}\n{done.body}") and time_barred_case(
        uow.session.connection(), facts.id, today
    ):
        raise InvalidInput(
            "Template {template} mentions suit, and case {case_id} has a time-barred debt: no suit may be "
            "mentioned",
            template=f"{channel}/{template}",
            case_id=facts.id,
        )
    gaps = disclosures.missing(done.body, context["disclosures"])
    if gaps:
        raise InvalidInput(
            "Template {template} leaves out what the {pack} rules require: {missing}",
            template=f"{channel}/{template}",
            pack=facts.pack,
            missing=", ".join(gaps),
        )
    names = tuple(
        str(context.get(k) or "") for k in ("recipient_name", "debtor_name", "creditor_name", "sender")
    )
    shown = disclosures.revealing(facts.pack, channel, done.subject, done.body, names)
    if shown:
        raise InvalidInput(
            "Template {template} shows {words} where a third party may read it first ({pack} rules)",
            template=f"{channel}/{template}",
            words=", ".join(shown),
            pack=facts.pack,
        )
    return done.subject[:300], done.body
