"""The receipt of the debtor's contact choices (services/debtor_contact.py): what we will do, in fixed
sentences with named fields, shown on the page in the visit's language and queued, in the language the
debtor chose, to the channel they chose, through the gate like every message (services/contacts.py
`queue_message`). When the gate refuses the receipt now but names the next moment it allows, the
receipt waits in the outbox until then; when it refuses until a fact changes (a pause), it is not sent,
and the page says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from huikuan.errors import ComplianceRefused
from huikuan.i18n import gettext
from huikuan.services.contacts import check_contact, queue_message
from huikuan.services.outbox import first_point
from huikuan.storage.uow import UnitOfWork

POINT_KINDS = {"sms": "mobile", "email": "email", "wechat": "wechat"}
WEEKEND = (6, 7)  # ISO weekdays: Saturday and Sunday
DAY_NAMES = {
    1: "Monday",
    2: "Tuesday",
    3: "Wednesday",
    4: "Thursday",
    5: "Friday",
    6: "Saturday",
    7: "Sunday",
}
CHANNEL_NAMES = {
    "call": "phone calls",
    "sms": "text messages (SMS)",
    "email": "e-mail",
    "wechat": "WeChat",
    "letter": "letters",
    "visit": "visits",
}
LANGUAGE_NAMES = {"zh": "Chinese", "en": "English"}
QUEUED, SCHEDULED, NOT_SENT, NONE = "queued", "scheduled", "not_sent", "none"


@dataclass(frozen=True)
class ContactChoice:
    """What the debtor chose: contact only on `days` (ISO weekdays) from `start` to `end` (local "HH:MM",
    the same day) on weekdays and from `weekend_start` to `weekend_end` at weekends (unset: the weekdays'
    hours), only by `channels`; `pause_days` of hardship pause (0: none); the receipt to `receipt_channel`
    ("" for none)."""

    days: tuple[int, ...]
    start: str
    end: str
    channels: tuple[str, ...]
    language: str
    electronic_consent: bool
    pause_days: int = 0
    receipt_channel: str = ""
    weekend_start: str = ""
    weekend_end: str = ""

    def hours_of(self, day: int) -> tuple[str, str]:
        """The hours chosen for an ISO weekday: the weekend's on Saturday and Sunday."""
        if day in WEEKEND:
            return self.weekend_start or self.start, self.weekend_end or self.end
        return self.start, self.end

    def day_groups(self) -> tuple[tuple[tuple[int, ...], str, str], ...]:
        """The days chosen with their hours: one group when the weekend's hours are the weekdays'."""
        groups: dict[tuple[str, str], list[int]] = {}
        for day in sorted(set(self.days)):
            groups.setdefault(self.hours_of(day), []).append(day)
        return tuple((tuple(days), start, end) for (start, end), days in groups.items())


@dataclass(frozen=True)
class Line:
    msgid: str
    values: tuple[tuple[str, object], ...] = ()
    lists: tuple[tuple[str, tuple[str, ...]], ...] = ()  # named lists of msgids, joined when shown


@dataclass(frozen=True)
class Receipt:
    lines: tuple[Line, ...]
    channel: str  # "" when none was asked for
    status: str  # QUEUED, SCHEDULED (waits until send_at), NOT_SENT, NONE
    send_at: datetime | None = None
    message_id: int | None = None

    def text(self, locale: str) -> list[str]:
        return [render_line(line, locale) for line in self.lines]


def render_line(line: Line, locale: str) -> str:
    separator = "、" if locale == "zh_CN" else ", "
    joined = {name: separator.join(gettext(m, locale) for m in msgids) for name, msgids in line.lists}
    return gettext(line.msgid, locale, **dict(line.values), **joined)


def receipt_lines(choice: ContactChoice, paused_until: date | None, pack: str) -> tuple[Line, ...]:
    channels = tuple(CHANNEL_NAMES[c] for c in choice.channels)
    lines = [
        Line(
            "We will contact you at most between {start} and {end} your time, on {days}.",
            (("start", start), ("end", end)),
            (("days", tuple(DAY_NAMES[d] for d in days)),),
        )
        for days, start, end in choice.day_groups()
    ]
    lines += [
        Line("We will contact you only by {channels}.", lists=(("channels", channels),)),
        Line(
            "We will write and speak to you in {language}.",
            lists=(("language", (LANGUAGE_NAMES[choice.language],)),),
        ),
    ]
    if choice.electronic_consent:
        lines.append(
            Line("You consent to receiving communications electronically; you may withdraw it here.")
        )
    elif pack == "us-reg-f":
        lines.append(
            Line("You do not consent to electronic communications: required notices will come by post.")
        )
    else:
        lines.append(Line("You do not consent to electronic communications."))
    if paused_until is not None:
        lines.append(
            Line(
                "We will not contact you about this debt until {day} (a hardship pause).",
                (("day", paused_until.isoformat()),),
            )
        )
    lines.append(
        Line("The law may limit contact further. You can change these choices at any time on this page.")
    )
    return tuple(lines)


def _locale(language: str) -> str:
    return "zh_CN" if language == "zh" else "en"


def queue_receipt(
    uow: UnitOfWork,
    case_id: int,
    debtor_id: int,
    choice: ContactChoice,
    lines: tuple[Line, ...],
    *,
    now: datetime | None = None,
) -> Receipt:
    """Queues the receipt to the chosen channel's first usable point of the debtor, through the gate."""
    when = (now or datetime.now(UTC)).astimezone(UTC)
    channel = choice.receipt_channel
    if not channel:
        return Receipt(lines, "", NONE)
    point = first_point(uow, debtor_id, POINT_KINDS.get(channel, channel))
    if point is None:
        return Receipt(lines, channel, NOT_SENT)
    locale = _locale(choice.language)
    body = "\n".join(render_line(line, locale) for line in lines)
    subject = gettext("Your contact choices", locale)
    verdict = check_contact(uow, case_id, channel=channel, at=when, contact_point_id=point, automated=True)
    until = verdict.decision.get("next_allowed_at")
    send_at = None
    if not verdict.allowed and until:
        send_at = datetime.fromisoformat(str(until).replace("Z", "+00:00"))
    try:
        message_id = queue_message(
            uow,
            case_id,
            channel=channel,
            contact_point_id=point,
            body=body,
            subject=subject,
            template="debtor_contact_receipt",
            at=when,
            locale=locale,
            send_at=send_at,
        )
    except ComplianceRefused:
        return Receipt(lines, channel, NOT_SENT)
    return Receipt(lines, channel, SCHEDULED if send_at else QUEUED, send_at, message_id)


__all__ = [
    "NOT_SENT",
    "QUEUED",
    "SCHEDULED",
    "Line",
    "Receipt",
    "queue_receipt",
    "receipt_lines",
    "render_line",
]
