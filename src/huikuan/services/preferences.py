"""What the debtor states about being contacted: inconvenient times (days of the week and hours),
inconvenient places (the workplace), channels not to be used, the preferred language, and consent to
electronic communications with when and how it was given.

The gate reads the times, places and opt-outs (services.gate_inputs.debtor_facts) in every pack; the change is
made inside `changing_facts`, so the case page, the contact paths, the outbox and the plan see it in the
same request and the history keeps what was known before.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, select, update

from huikuan.compliance.model import PLACES
from huikuan.compliance.pack import parse_hhmm
from huikuan.domain.enums import Channel
from huikuan.errors import InvalidInput
from huikuan.services.access import Viewer, case_to_work, debtor_case, visible_case
from huikuan.services.fact_history import changing_facts
from huikuan.services.gate import ask, read_gate_inputs
from huikuan.storage import audit
from huikuan.storage import tables as t
from huikuan.storage.uow import UnitOfWork

LANGUAGES = ("zh", "en")
GATE_CHANNELS = (Channel.CALL, Channel.SMS, Channel.EMAIL, Channel.WECHAT, Channel.LETTER, Channel.VISIT)
SPANS_MAX = 14
HOW_MAX = 200


@dataclass(frozen=True)
class TimeSpan:
    """Local "HH:MM" from start to end (end before start runs past midnight; equal: the whole day), on
    the ISO weekdays `days` (1 Monday .. 7 Sunday; empty: every day)."""

    start: str
    end: str
    days: tuple[int, ...] = ()


@dataclass(frozen=True)
class ElectronicConsent:
    given: bool
    at: datetime | None = None  # default: now
    how: str | None = None  # "recorded call 2026-12-01", "signed form", "web portal"


@dataclass(frozen=True)
class Preferences:
    """A change of the debtor's statements: a field left None is kept; an empty tuple clears it."""

    inconvenient_times: tuple[TimeSpan, ...] | None = None
    inconvenient_places: tuple[str, ...] | None = None
    opt_out: tuple[str, ...] | None = None
    language: str | None = None
    electronic_consent: ElectronicConsent | None = None


def set_preferences(
    uow: UnitOfWork, viewer: Viewer, debtor_id: int, prefs: Preferences, *, now: datetime | None = None
) -> list[str]:
    """Records the debtor's statements on a case the viewer may work; the names of the fields changed."""
    case = debtor_case(uow, viewer, debtor_id, write=True)
    case_to_work(uow, viewer, case.id, now)
    changed = record_preferences(uow, debtor_id, prefs, case_id=case.id, user_id=viewer.user_id, now=now)
    uow.commit()
    return changed


def record_preferences(
    uow: UnitOfWork,
    debtor_id: int,
    prefs: Preferences,
    *,
    case_id: int,
    user_id: int | None,
    source: str = "collector",
    now: datetime | None = None,
) -> list[str]:
    """set_preferences without the access check and the commit, in the caller's transaction: also what
    the debtor states on their own pages (`source` "debtor", no user). The names of the fields changed."""
    when = (now or datetime.now(UTC)).astimezone(UTC)
    values = _values(prefs, when)
    if not values:
        return []
    with changing_facts(uow, [debtor_id], user_id=user_id, reason="preferences.set", at=when):
        uow.session.execute(update(t.debtors).where(t.debtors.c.id == debtor_id).values(**values))
        audit.record(
            uow.session,
            at=when,
            user_id=user_id,
            action="debtor.preferences_set",
            entity="debtor",
            entity_id=debtor_id,
            detail={"case_id": case_id, "fields": sorted(values), "source": source},
        )
    return sorted(values)


def read_preferences(conn: Connection, debtor_id: int) -> dict[str, Any]:
    """The debtor's statements as the API gives them (times with "from"/"to" and "days")."""
    d = t.debtors.c
    row = conn.execute(
        select(
            d.inconvenient_times,
            d.inconvenient_places,
            d.opt_out_channels,
            d.language,
            d.electronic_consent,
            d.electronic_consent_at,
            d.electronic_consent_how,
        ).where(d.id == debtor_id)
    ).one()
    return {
        "inconvenient_times": [
            {"days": list(x.get("days") or []), "from": x.get("start"), "to": x.get("end")}
            for x in _list(row.inconvenient_times)
            if isinstance(x, dict)
        ],
        "inconvenient_places": [str(x) for x in _list(row.inconvenient_places)],
        "opt_out": [str(x) for x in _list(row.opt_out_channels)],
        "language": row.language,
        "electronic_consent": {
            "given": row.electronic_consent,
            "at": row.electronic_consent_at,
            "how": row.electronic_consent_how,
        },
    }


@dataclass(frozen=True)
class ChannelVerdict:
    channel: str
    allowed: bool
    rules: tuple[str, ...]
    next_allowed_at: datetime | None  # UTC; None when refused until a fact changes


def gate_now(
    uow: UnitOfWork, viewer: Viewer, case_id: int, at: datetime | None = None
) -> list[ChannelVerdict]:
    """The gate's answer now for a contact with the debtor on each channel (what the statements do)."""
    visible_case(uow, viewer, case_id)
    inputs = read_gate_inputs(uow, case_id)
    if not inputs.accounts:
        return []
    when = (at or datetime.now(UTC)).astimezone(UTC)
    out = []
    for channel in GATE_CHANNELS:
        verdict, _requests = ask(inputs, channel=channel, party=None, to=None, at=when)
        until = verdict.decision["next_allowed_at"]
        out.append(
            ChannelVerdict(
                channel.value,
                verdict.allowed,
                verdict.refused_by,
                None
                if verdict.allowed or until is None
                else datetime.fromisoformat(until.replace("Z", "+00:00")),
            )
        )
    return out


def _values(prefs: Preferences, now: datetime) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if prefs.inconvenient_times is not None:
        if len(prefs.inconvenient_times) > SPANS_MAX:
            raise InvalidInput("inconvenient times: at most {max}", max=SPANS_MAX)
        values["inconvenient_times"] = [_span(x) for x in prefs.inconvenient_times]
    if prefs.inconvenient_places is not None:
        for place in prefs.inconvenient_places:
            _one_of("inconvenient place", place, tuple(sorted(PLACES)))
        values["inconvenient_places"] = sorted(set(prefs.inconvenient_places))
    if prefs.opt_out is not None:
        channels = tuple(c.value for c in Channel)
        for channel in prefs.opt_out:
            _one_of("opt-out", channel, channels)
        values["opt_out_channels"] = sorted(set(prefs.opt_out))
    if prefs.language is not None:
        _one_of("language", prefs.language, LANGUAGES)
        values["language"] = prefs.language
    consent = prefs.electronic_consent
    if consent is not None:
        at = (consent.at or now).astimezone(UTC)
        if at > now:
            raise InvalidInput("electronic consent: the time it was given cannot be in the future")
        how = (consent.how or "").strip() or None
        if how is not None and len(how) > HOW_MAX:
            raise InvalidInput("electronic consent: at most {max} characters", max=HOW_MAX)
        values.update(electronic_consent=consent.given, electronic_consent_at=at, electronic_consent_how=how)
    return values


def _span(x: TimeSpan) -> dict[str, Any]:
    for field, value in (("from", x.start), ("to", x.end)):
        if not isinstance(value, str) or parse_hhmm(value) is None:
            raise InvalidInput(
                "inconvenient time {field}: {value!r} is not a time HH:MM", field=field, value=value
            )
    days = sorted(set(x.days))
    if any(isinstance(d, bool) or not isinstance(d, int) or not 1 <= d <= 7 for d in days):
        raise InvalidInput("inconvenient time days: weekdays are 1 (Monday) to 7 (Sunday)")
    return {"start": x.start[:5], "end": x.end[:5], "days": days}


def _one_of(field: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise InvalidInput(
            "{field}: {value!r} is not one of {allowed}", field=field, value=value, allowed=", ".join(allowed)
        )


def _list(value: Any) -> list[Any]:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return []
    return value if isinstance(value, list) else []
