"""Hypothesis strategies for the gate: requests, histories and creditor tightenings."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

from hypothesis import strategies as st

from huikuan.compliance.model import (
    Address,
    Channel,
    Debt,
    DebtorFacts,
    Direction,
    EventOutcome,
    Flags,
    HistoryEvent,
    InconvenientTime,
    Party,
    Purpose,
    Recontact,
    Request,
    Role,
)

PHONES = [
    "+12125550100",
    "+14155550100",
    "+13125550100",
    "+18005550100",
    "+8613800138000",
    "+442079460000",
    "not a number",
]
ADDRESSES = [
    None,
    Address("US", "CA"),
    Address("US", "NY"),
    Address("US", "TX"),
    Address("CN", "XJ"),
    Address("CN", "GD"),
    Address("GB"),
]
ZONES = [None, None, "America/New_York", "Asia/Shanghai", "Europe/London", "America/Denver"]
START = datetime(2026, 1, 1, tzinfo=UTC)


def rarely() -> st.SearchStrategy[bool]:
    return st.sampled_from([False] * 11 + [True])


instants = st.integers(0, 2 * 365 * 24 * 60).map(lambda m: START + timedelta(minutes=m))
minutes_of_day = st.integers(0, 24 * 60 - 1).map(lambda m: time(m // 60, m % 60))
spans = (
    st.tuples(minutes_of_day, minutes_of_day)
    .filter(lambda p: p[0] != p[1])
    .map(lambda p: InconvenientTime(*p))
)


# Weighted so that the call counters (seven a week, three connected a day) are reached often.
OUTCOMES = [EventOutcome.NO_ANSWER] * 4 + [EventOutcome.CONVERSATION] * 3 + list(EventOutcome)
# (phones, address, zone): mostly coherent places, sometimes conflicting or unknown ones.
PLACES = [
    (("+12125550100",), Address("US", "CA"), None),
    (("+12125550100",), Address("US", "NY"), None),
    (("+13125550100", "+14155550100"), Address("US", "TX"), None),
    (("+8613800138000",), Address("CN", "GD"), None),
    (("+8613800138000",), Address("CN", "XJ"), None),
    (("+442079460000",), Address("GB"), None),
    ((), None, None),
    ((), None, "America/Denver"),
]


@st.composite
def events(draw: st.DrawFn, at: datetime, party_ids: tuple[str, ...] = ("P-1", "P-9")) -> HistoryEvent:
    days_back = draw(st.sampled_from([1, 1, 2, 9]))
    return HistoryEvent(
        at=at - timedelta(minutes=draw(st.integers(0, days_back * 24 * 60))),
        channel=draw(st.sampled_from([Channel.CALL] * 12 + list(Channel))),
        direction=draw(st.sampled_from([Direction.OUTBOUND] * 6 + [Direction.INBOUND])),
        party_id=draw(st.sampled_from(party_ids)),
        outcome=draw(st.sampled_from(OUTCOMES)),
        party_role=None,
        debt_ids=tuple(draw(st.sampled_from([(), ("A-1",), ("A-2",), ("A-1", "A-2")]))),
    )


@st.composite
def requests(draw: st.DrawFn, party_id: str | None = None) -> Request:
    at = draw(instants)
    third = draw(st.sampled_from([False, False, True]))
    role = draw(st.sampled_from([r for r in Role if r is not Role.DEBTOR])) if third else Role.DEBTOR
    pid = party_id or ("P-9" if third else "P-1")
    if draw(st.integers(0, 4)) == 0:
        place = (
            tuple(draw(st.lists(st.sampled_from(PHONES), max_size=2))),
            draw(st.sampled_from(ADDRESSES)),
            draw(st.sampled_from(ZONES)),
        )
    else:
        place = draw(st.sampled_from(PLACES))
    party = Party(
        id=pid,
        role=role,
        to=draw(st.sampled_from([*place[0] * 4, *PHONES] if not third else PHONES)),
        phones=tuple(draw(st.lists(st.sampled_from(PHONES), max_size=1))) if third else (),
        time_zone=draw(st.sampled_from(ZONES)) if third else None,
        workplace=draw(rarely()),
        recontact=draw(st.sampled_from([None, None, None, Recontact.REQUESTED])),
    )
    flags = Flags(
        cease=draw(rarely()),
        disputed=draw(rarely()),
        attorney=draw(rarely()),
        deceased=draw(rarely()),
        employer_prohibits=draw(st.booleans()),
        opt_out=frozenset(draw(st.lists(st.sampled_from(list(Channel)), max_size=1))),
    )
    debtor = DebtorFacts(
        phones=place[0],
        address=place[1],
        time_zone=place[2],
        inconvenient_times=tuple(draw(st.lists(spans, max_size=2))),
        flags=flags,
    )
    debt = Debt(
        draw(st.sampled_from(["A-1", "A-2"])), draw(st.booleans()), draw(st.sampled_from([None, True, False]))
    )
    history = tuple(draw(st.lists(events(at, (pid, pid, pid, "P-other")), max_size=16)))
    if draw(st.integers(0, 2)) == 0:
        # A burst of calls about the debt, to reach the weekly and daily counters.
        span = draw(st.sampled_from([1, 3, 7])) * 24 * 60
        burst = draw(st.lists(st.integers(0, span), min_size=3, max_size=9))
        outcome = draw(
            st.sampled_from([EventOutcome.NO_ANSWER, EventOutcome.CONVERSATION, EventOutcome.VOICEMAIL])
        )
        history += tuple(
            HistoryEvent(
                at - timedelta(minutes=m), Channel.CALL, Direction.OUTBOUND, pid, outcome, None, (debt.id,)
            )
            for m in burst
        )
    return Request(
        at=at,
        channel=draw(st.sampled_from([Channel.CALL] * 4 + list(Channel))),
        purpose=draw(st.sampled_from(list(Purpose))),
        party=party,
        debtor=debtor,
        debt=debt,
        history=history,
    )


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@st.composite
def tightenings(draw: st.DrawFn, pack_name: str) -> dict[str, Any]:
    """Overrides that only tighten the named pack (every pack's defaults are 08:00-21:00)."""
    rules: dict[str, dict[str, Any]] = {}
    if draw(st.booleans()):
        start = draw(st.integers(8 * 60, 12 * 60))
        rules["contact-hours"] = {"start": _hhmm(start), "end": _hhmm(draw(st.integers(start + 60, 21 * 60)))}
    if draw(st.booleans()):
        rules["call-frequency"] = {
            "enabled": True,
            "max_calls": draw(st.integers(0, 7)),
            "window_days": draw(st.integers(7, 10)),
            "consent_days": draw(st.integers(0, 7)),
        }
    if draw(st.booleans()):
        rules["post-conversation"] = {"enabled": True, "days": draw(st.integers(7, 10))}
    if draw(st.booleans()):
        top = 3 if pack_name == "cn" else 5
        rules["daily-call-cap"] = {"enabled": True, "max_connected": draw(st.integers(1, top))}
    if draw(st.booleans()):
        rules["third-party-repeat"] = {"enabled": True, "max_contacts": draw(st.integers(0, 1))}
    if draw(st.booleans()):
        rules["validation-notice"] = {"enabled": True, "days": draw(st.integers(0, 5))}
    for rule in (
        "cease",
        "attorney",
        "dispute",
        "channel-opt-out",
        "workplace",
        "designated-inconvenient-time",
    ):
        if draw(st.integers(0, 3)) == 0:
            rules[rule] = {"enabled": True}
    return {"rules": rules}
