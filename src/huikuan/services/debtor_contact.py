"""How the debtor wants to be contacted, said on their own pages (/d/contact): the days and hours, the
channels, the language, consent to electronic communications and a hardship pause.

They are the debtor's own statements: saved through services/preferences.py (`record_preferences`) and
services/holds.py (`add_hold`, source "debtor") inside `changing_facts`, so the gate enforces them from
the same request: the hours become inconvenient times (the rest of each chosen day, and every other day
whole), the channels not chosen become opt-outs. The pause lasts at most the creditor's maximum
(`authority_policy.self_service.hardship_pause_max_days`, else PAUSE_MAX_DAYS). The answer is a receipt
(services/debtor_receipt.py), and the same receipt is queued, through the gate, to the channel chosen.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select

from huikuan.compliance.pack_params import parse_hhmm
from huikuan.domain.days import local_day
from huikuan.errors import InvalidInput
from huikuan.services.debtor_receipt import WEEKEND, ContactChoice, Receipt, queue_receipt, receipt_lines
from huikuan.services.holds import SetHold, add_hold, open_holds_of
from huikuan.services.preferences import (
    ElectronicConsent,
    Preferences,
    TimeSpan,
    read_preferences,
    record_preferences,
)
from huikuan.storage import tables as t
from huikuan.storage.audit import record
from huikuan.storage.uow import UnitOfWork

CHOICE_CHANNELS = ("call", "sms", "email", "wechat", "letter", "visit")
RECEIPT_CHANNELS = ("sms", "email", "wechat")
LANGUAGES = ("zh", "en")
DAYS = (1, 2, 3, 4, 5, 6, 7)
WEEKDAYS = (1, 2, 3, 4, 5)
PAUSE_MAX_DAYS = 30
DEFAULT_START, DEFAULT_END = "09:00", "20:00"
MIDNIGHT = "00:00"
SAVED = "debtor.contact_saved"


@dataclass(frozen=True)
class ContactForm:
    """The form as it stands: the choices in force and what may be chosen."""

    choice: ContactChoice
    pause_max_days: int
    paused_until: date | None
    pack: str


def _case(uow: UnitOfWork, case_id: int) -> Any:
    c, cr, d = t.cases.c, t.creditors.c, t.debtors.c
    return uow.session.execute(
        select(c.id, c.debtor_id, cr.pack, cr.authority_policy, cr.time_zone, d.time_zone.label("zone"))
        .select_from(t.cases.join(t.creditors, cr.id == c.creditor_id).join(t.debtors, d.id == c.debtor_id))
        .where(c.id == case_id)
    ).one()


def pause_max_days(policy: Any) -> int:
    own = (policy or {}).get("self_service") if isinstance(policy, dict) else None
    value = own.get("hardship_pause_max_days") if isinstance(own, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else PAUSE_MAX_DAYS


def _hardship_until(uow: UnitOfWork, debtor_id: int, now: datetime | None) -> date | None:
    for hold in open_holds_of(uow.session.connection(), debtor_id, now=now):
        if hold["kind"] == "hardship":
            until = hold.get("until")
            return until if isinstance(until, date) else None
    return None


def _window(times: list[dict[str, Any]]) -> tuple[tuple[int, ...], dict[int, tuple[str, str]]]:
    """The days and each day's hours that the inconvenient times leave, when they have the shape this page
    writes; else every day, DEFAULT_START to DEFAULT_END."""
    allowed: set[int] = set(DAYS)
    starts = dict.fromkeys(DAYS, MIDNIGHT)
    ends = dict.fromkeys(DAYS, "24:00")
    for span in times:
        days = set(span.get("days") or DAYS)
        if span.get("from") == MIDNIGHT and span.get("to") == MIDNIGHT:
            allowed -= days
        elif span.get("from") == MIDNIGHT:
            starts.update(dict.fromkeys(days, str(span.get("to"))))
        elif span.get("to") == MIDNIGHT:
            ends.update(dict.fromkeys(days, str(span.get("from"))))
    if not times or not allowed:
        return DAYS, dict.fromkeys(DAYS, (DEFAULT_START, DEFAULT_END))
    return tuple(sorted(allowed)), {d: (starts[d], ends[d]) for d in DAYS}


def _hours(
    hours: dict[int, tuple[str, str]], days: tuple[int, ...], group: tuple[int, ...]
) -> tuple[str, str]:
    """The hours of the first chosen day of a group (weekdays or the weekend), else of any chosen day."""
    chosen = [d for d in group if d in days] or list(days)
    return hours[chosen[0]]


def contact_form(uow: UnitOfWork, case_id: int, *, now: datetime | None = None) -> ContactForm:
    case = _case(uow, case_id)
    prefs = read_preferences(uow.session.connection(), int(case.debtor_id))
    days, hours = _window(prefs["inconvenient_times"])
    (start, end), (weekend_start, weekend_end) = _hours(hours, days, WEEKDAYS), _hours(hours, days, WEEKEND)
    channels = tuple(c for c in CHOICE_CHANNELS if c not in prefs["opt_out"])
    choice = ContactChoice(
        days=days,
        start=start,
        end=end,
        weekend_start=weekend_start,
        weekend_end=weekend_end,
        channels=channels,
        language=prefs["language"] if prefs["language"] in LANGUAGES else "zh",
        electronic_consent=bool(prefs["electronic_consent"]["given"]),
    )
    until = _hardship_until(uow, int(case.debtor_id), now)
    return ContactForm(choice, pause_max_days(case.authority_policy), until, str(case.pack))


def _minutes(text: str, field: str) -> int:
    if text == "24:00":
        return 24 * 60
    parsed = parse_hhmm(text)
    if parsed is None:
        raise InvalidInput("{field}: {value!r} is not a time HH:MM", field=field, value=text)
    return parsed // 60  # parse_hhmm gives seconds of the day


def inconvenient_spans(choice: ContactChoice) -> tuple[TimeSpan, ...]:
    """The times the choice leaves out, as the gate reads them (spans start on their own day): before and
    after each group of days' hours, and the whole of every day not chosen."""
    spans = []
    for days, start_text, end_text in choice.day_groups():
        start, end = _minutes(start_text, "from"), _minutes(end_text, "until")
        if start >= end:
            raise InvalidInput("Choose an end time after the start time")
        if start > 0:
            spans.append(TimeSpan(MIDNIGHT, start_text, days))
        if end < 24 * 60:
            spans.append(TimeSpan(end_text, MIDNIGHT, days))
    other = tuple(d for d in DAYS if d not in choice.days)
    if other:
        spans.append(TimeSpan(MIDNIGHT, MIDNIGHT, other))
    return tuple(spans)


def _validate(choice: ContactChoice, pause_max: int) -> None:
    if not choice.days or any(d not in DAYS for d in choice.days):
        raise InvalidInput("Choose at least one day on which we may contact you")
    if not choice.channels or any(c not in CHOICE_CHANNELS for c in choice.channels):
        raise InvalidInput("Choose at least one way we may contact you")
    if choice.language not in LANGUAGES:
        raise InvalidInput("Choose a language")
    if not 0 <= choice.pause_days <= pause_max:
        raise InvalidInput("A pause lasts at most {days} days", days=pause_max)
    if choice.receipt_channel and choice.receipt_channel not in choice.channels:
        raise InvalidInput("The receipt can only go by a way you allow us to contact you")


def _consent(
    uow: UnitOfWork, debtor_id: int, given: bool, link_id: int, when: datetime
) -> ElectronicConsent | None:
    on_file = uow.session.execute(
        select(t.debtors.c.electronic_consent).where(t.debtors.c.id == debtor_id)
    ).scalar_one()
    if bool(on_file) == given and on_file is not None:
        return None  # unchanged: when and how it was given stay as they were
    return ElectronicConsent(given, when, f"debtor portal (link {link_id})")


def save_contact(
    uow: UnitOfWork, case_id: int, link_id: int, choice: ContactChoice, *, now: datetime | None = None
) -> Receipt:
    """Saves the debtor's choices as their own facts (the gate binds from now) and queues the receipt to
    the channel chosen; commits. InvalidInput for a choice outside the form's bounds."""
    when = (now or datetime.now(UTC)).astimezone(UTC)
    case = _case(uow, case_id)
    debtor_id = int(case.debtor_id)
    limit = pause_max_days(case.authority_policy)
    _validate(choice, limit)
    opt_out_before = read_preferences(uow.session.connection(), debtor_id)["opt_out"]
    kept = [c for c in opt_out_before if c not in CHOICE_CHANNELS]
    prefs = Preferences(
        inconvenient_times=inconvenient_spans(choice),
        opt_out=tuple(kept + [c for c in CHOICE_CHANNELS if c not in choice.channels]),
        language=choice.language,
        electronic_consent=_consent(uow, debtor_id, choice.electronic_consent, link_id, when),
    )
    fields = record_preferences(
        uow, debtor_id, prefs, case_id=case_id, user_id=None, source="debtor", now=when
    )
    paused_until = _hardship_until(uow, debtor_id, when)
    if choice.pause_days and paused_until is None:
        zone = case.zone or case.time_zone
        paused_until = local_day(when, zone) + timedelta(days=choice.pause_days)
        note = "asked on the debtor's own pages"
        add_hold(
            uow,
            None,
            SetHold(debtor_id, "hardship", until=paused_until, note=note, source="debtor"),
            now=when,
        )
    detail = {
        "link_id": link_id,
        "fields": fields,
        "pause_days": choice.pause_days,
        "receipt": choice.receipt_channel,
    }
    record(uow.session, at=when, user_id=None, action=SAVED, entity="case", entity_id=case_id, detail=detail)
    uow.commit()
    lines = receipt_lines(choice, paused_until, str(case.pack))
    return queue_receipt(uow, case_id, debtor_id, choice, lines, now=when)


__all__ = [
    "CHOICE_CHANNELS",
    "PAUSE_MAX_DAYS",
    "RECEIPT_CHANNELS",
    "ContactChoice",
    "ContactForm",
    "contact_form",
    "inconvenient_spans",
    "pause_max_days",
    "save_contact",
]
