"""The gate's vocabulary: frozen values for a contact request, its history and the decision."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, time
from enum import StrEnum
from functools import cache

from huikuan.domain.enums import Channel, Direction


class Purpose(StrEnum):
    COLLECT = "collect"
    LOCATE = "locate"


class Role(StrEnum):
    DEBTOR = "debtor"
    GUARANTOR = "guarantor"
    CO_BORROWER = "co_borrower"
    SPOUSE = "spouse"
    FAMILY = "family"
    EMPLOYER = "employer"
    COLLEAGUE = "colleague"
    FRIEND = "friend"
    EMERGENCY_CONTACT = "emergency_contact"
    ATTORNEY = "attorney"
    # A co-obligor who signed with the debtor; like a guarantor, obligated on the debt (FDCPA 803(3)).
    CO_SIGNER = "co_signer"
    # Counted as the consumer for communications in us-reg-f (FDCPA 805(d); 12 CFR 1006.6(a)(2)-(4)):
    # the parent of a debtor who is a minor (an adult debtor's parent is `family`), a guardian, and the
    # executor or administrator of a deceased debtor's estate.
    PARENT_OF_MINOR = "parent_of_minor"
    GUARDIAN = "guardian"
    EXECUTOR = "executor"
    ADMINISTRATOR = "administrator"
    # An heir, liable to the extent of the estate inherited (PRC Civil Code art. 1161).
    HEIR = "heir"


# Who speaks for a deceased debtor's estate; they are asked about the debt only after the death.
ESTATE_ROLES = frozenset({Role.EXECUTOR, Role.ADMINISTRATOR, Role.HEIR})


class HoldKind(StrEnum):
    """A hold on collection the gate reads, each refused under the rule of the same name."""

    HARDSHIP = "hardship"
    ATTORNEY = "attorney"
    DECEASED = "deceased"
    BANKRUPTCY = "bankruptcy"
    CEASE = "cease"
    BREATHING_SPACE = "breathing-space"


class EventOutcome(StrEnum):
    """How a past contact ended, in the gate's words (the decision contract's history `outcome`); the
    workbench's outcomes (domain.enums.Outcome) are read into these by strategy/gate_facts.py."""

    NO_ANSWER = "no_answer"
    BUSY = "busy"
    VOICEMAIL = "voicemail"
    NOT_CONNECTED = "not_connected"
    CONVERSATION = "conversation"
    WRONG_PARTY = "wrong_party"
    CONSENT = "consent"
    DELIVERED = "delivered"
    FAILED = "failed"


class SafeHarbour(StrEnum):
    """Why an e-mail address or a phone number may carry an e-mail or a text to the consumer (12 CFR
    1006.6(d)(4)): the consumer used it to communicate with the collector about the debt (i)(A), the
    consumer consented to be contacted there (i)(B), or the creditor provided it and its procedure of
    (ii)/(iii) was followed."""

    USED = "used"
    CONSENT = "consent"
    CREDITOR = "creditor"


class Recontact(StrEnum):
    """Why a third party already spoken to may be contacted again (12 CFR 1006.10(c))."""

    REQUESTED = "requested"
    PRIOR_ANSWER_INCOMPLETE = "prior_answer_incomplete"


# A voicemail is left by placing a call, so the call rules treat both alike.
CALL_CHANNELS = frozenset({Channel.CALL, Channel.VOICEMAIL})

# What an event counts as, for the rules that count events; computed once when the event is made.
ATTEMPT = 1  # a placed call that reached the dialled number (1006.14(b)(3)(ii) leaves out the others)
CONVERSATION_CALL = 2  # a telephone conversation, either direction
CONNECTED = 4  # an outbound call answered by the person
COMMUNICATION = 8  # the person heard from the collector (protective: a voicemail counts)
CONSENT = 16


@cache  # a few dozen combinations, asked for every event read
def event_kind(channel: Channel, direction: Direction, outcome: EventOutcome) -> int:
    call = channel in CALL_CHANNELS
    out = direction is Direction.OUTBOUND
    kind = 0
    if call and out and outcome is not EventOutcome.NOT_CONNECTED:
        kind |= ATTEMPT
    if call and outcome is EventOutcome.CONVERSATION:
        kind |= CONVERSATION_CALL
    if call and out and outcome in (EventOutcome.CONVERSATION, EventOutcome.CONSENT):
        kind |= CONNECTED
    if outcome in (
        EventOutcome.CONVERSATION,
        EventOutcome.VOICEMAIL,
        EventOutcome.DELIVERED,
        EventOutcome.CONSENT,
    ):
        kind |= COMMUNICATION
    if outcome is EventOutcome.CONSENT:
        kind |= CONSENT
    return kind


def epoch_seconds(at: datetime) -> int:
    """Whole seconds since the epoch, rounded up: the gate never judges an instant earlier than asked."""
    return math.ceil(at.timestamp())


WORKPLACE = "workplace"
PLACES = frozenset({WORKPLACE})


@dataclass(frozen=True, slots=True)
class Address:
    country: str | None = None
    region: str | None = None
    postal_code: str | None = None


@dataclass(frozen=True, slots=True)
class InconvenientTime:
    """A local-time span the person designated as inconvenient; `end` before `start` spans midnight and
    `end` equal to `start` is the whole day. `days` are the ISO weekdays (1 Monday .. 7 Sunday) on which the
    span starts; empty means every day."""

    start: time
    end: time
    days: frozenset[int] = frozenset()


@dataclass(frozen=True, slots=True)
class Hold:
    """An open hold and the instant it ends (None: until someone ends it)."""

    kind: HoldKind
    until: datetime | None = None
    until_ts: int | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "until_ts", None if self.until is None else epoch_seconds(self.until))


@dataclass(frozen=True, slots=True)
class Flags:
    cease: bool = False
    disputed: bool = False
    attorney: bool = False
    deceased: bool = False
    employer_prohibits: bool = False
    opt_out: frozenset[Channel] = frozenset()
    bankruptcy: bool = False
    # The open holds with their ends. A hold kind listed here decides its rule; a flag set without any
    # hold of its kind listed blocks until the facts change.
    holds: tuple[Hold, ...] = ()


@dataclass(frozen=True, slots=True)
class DebtorFacts:
    phones: tuple[str, ...] = ()
    address: Address | None = None
    time_zone: str | None = None
    inconvenient_times: tuple[InconvenientTime, ...] = ()
    flags: Flags = Flags()
    # Places the debtor said are inconvenient for contact (WORKPLACE: at the place of employment).
    inconvenient_places: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Party:
    """The person contacted; their own location facts, if any, replace the debtor's."""

    id: str
    role: Role
    to: str | None = None
    phones: tuple[str, ...] = ()
    address: Address | None = None
    time_zone: str | None = None
    workplace: bool = False
    recontact: Recontact | None = None
    # The number contacted carries the person's prior express consent to automated calls and texts
    # (TCPA, 47 U.S.C. 227(b)(1)(A)(iii)), recorded on the contact point with its source and time.
    express_consent: bool = False
    # For an e-mail or a text: why the address or number may be used (12 CFR 1006.6(d)(4)); None: no
    # qualifying reason is known.
    safe_harbour: SafeHarbour | None = None

    @property
    def has_own_location(self) -> bool:
        return bool(self.phones) or self.address is not None or self.time_zone is not None


@dataclass(frozen=True, slots=True)
class Debt:
    id: str
    time_barred: bool = False
    # None means unknown; only an explicit False lets the validation-notice rule block.
    validation_sent: bool | None = None
    # An open dispute of this account that stops its collection (a dispute of the whole case is
    # Flags.disputed): FDCPA 809(b), 12 CFR 1006.38(d)(2), and the cn and uk-conc packs' own pause.
    disputed: bool = False


@dataclass(frozen=True, slots=True)
class HistoryEvent:
    at: datetime
    channel: Channel
    direction: Direction
    party_id: str
    outcome: EventOutcome
    party_role: Role | None = None
    # Empty means "not known which debts": the call rules then count it for every debt.
    debt_ids: tuple[str, ...] = ()
    ts: int = field(init=False, repr=False, compare=False)
    kind: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "ts", epoch_seconds(self.at))
        object.__setattr__(self, "kind", event_kind(self.channel, self.direction, self.outcome))

    def concerns(self, debt_id: str) -> bool:
        return not self.debt_ids or debt_id in self.debt_ids


@dataclass(frozen=True, slots=True)
class Request:
    at: datetime
    channel: Channel
    purpose: Purpose
    party: Party
    debtor: DebtorFacts
    debt: Debt
    history: tuple[HistoryEvent, ...] = ()
    # Sent by automated means (the outbox's gateway, a dialer), not typed or dialled by a collector.
    automated: bool = False

    @property
    def is_call(self) -> bool:
        return self.channel in CALL_CHANNELS


@dataclass(frozen=True, slots=True)
class Violation:
    rule: str
    message: str


@dataclass(frozen=True, slots=True)
class Basis:
    """What a decision was made from, kept so that its stable id can be derived on demand.

    `history` is kept as given (possibly other parties' events too); the id reads only the party's own
    events up to the request's instant, which are all that the gate reads.
    """

    request: Request
    history: Sequence[HistoryEvent]
    pack_fingerprint: str


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    violations: tuple[Violation, ...]
    next_allowed_at: datetime | None
    pack: str
    pack_version: str
    basis: Basis | None = field(default=None, compare=False, repr=False)
