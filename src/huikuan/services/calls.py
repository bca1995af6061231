"""Click-to-call (docs/telephony.md): a collector clicks a phone number of a case they work, the floor's
telephone system rings the collector's seat and then bridges to the debtor.

`dial` asks the compliance gate at that instant, through the one door every contact passes
(services/contacts.check_contact): a refusal is kept as an audit event and answered with the rules and
the next allowed time; an allowed call is written, in one transaction, as the interaction it counts as
(outcome "placed", which the gate reads as the strictest outcome until the call's record comes: the
frequency and daily-cap rules count it from this instant) and its `calls` row, and only then handed to
the provider. A provider's refusal marks the call failed and removes its interaction: a call never
placed is no contact attempt.

The number dialled is read here, on the server, and handed to the adapter; it never reaches the page.
The floor's telephone system comes from `floor_phone` (channels/telephony.telephony), the one place the
routes and the reconciliation job take it from; the tests hand the services a fake.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, insert, select, update

from huikuan.channels.telephony import CallRequest, Telephony, TelephonyError, telephony
from huikuan.config import Settings
from huikuan.domain.enums import Channel, Direction, Outcome
from huikuan.errors import ComplianceRefused, Conflict, InvalidInput, NotFound
from huikuan.services.access import Viewer, case_to_work, visible_case
from huikuan.services.contact_refusals import keep_refusal, refusal
from huikuan.services.contacts import check_contact
from huikuan.services.gate import UNUSABLE
from huikuan.storage import tables as t
from huikuan.storage.audit import record
from huikuan.storage.uow import UnitOfWork
from huikuan.strategy.gate_facts import creditor_pack

PHONE_KINDS = ("mobile", "landline")
ERROR_MAX = 200  # calls.error


@dataclass(frozen=True)
class FloorPhone:
    """The floor's telephone system: its kind (calls.provider, the callbacks' {provider}), its adapter and
    the number the debtor sees where the provider lets the floor choose it."""

    provider: str
    phone: Telephony
    caller_id: str = ""


def floor_phone(settings: Settings) -> FloorPhone | None:
    """The floor's telephone system (None: calls are dialled elsewhere and recorded by hand)."""
    phone = telephony(settings)
    if phone is None:
        return None
    return FloorPhone(settings.telephony, phone, settings.telephony_caller_id)


def may_click_to_call(uow: UnitOfWork, viewer: Viewer, settings: Settings) -> bool:
    """Whether the page offers a Call button: the floor has a telephone system, the viewer may write and
    has a seat to ring (an unconfigured floor sees exactly the manual recording of calls)."""
    if not settings.telephony or viewer.read_only:
        return False
    value = uow.session.execute(
        select(t.users.c.phone_extension).where(t.users.c.id == viewer.user_id)
    ).scalar_one_or_none()
    return bool((value or "").strip())


# The debtor's number the queue's Call button rings: a valid one before an unverified one, a mobile before
# a landline, then the oldest.
_STATUS_ORDER = {"valid": 0, "unverified": 1}


def best_phone_points(uow: UnitOfWork, case_ids: list[int]) -> dict[int, int]:
    """For each case, the debtor's own phone number the queue's Call button rings (none: no usable one)."""
    if not case_ids:
        return {}
    c, cp = t.cases.c, t.contact_points.c
    rows = uow.session.execute(
        select(c.id.label("case_id"), cp.id, cp.kind, cp.status)
        .join(t.contact_points, cp.debtor_id == c.debtor_id)
        .where(
            c.id.in_(case_ids),
            cp.party_id.is_(None),
            cp.kind.in_(PHONE_KINDS),
            cp.status.not_in([*UNUSABLE, "do_not_contact"]),
        )
    ).all()
    best: dict[int, tuple[tuple[int, int, int], int]] = {}
    for r in rows:
        rank = (_STATUS_ORDER.get(r.status, 2), PHONE_KINDS.index(r.kind), r.id)
        if r.case_id not in best or rank < best[r.case_id][0]:
            best[r.case_id] = (rank, r.id)
    return {case_id: point for case_id, (_rank, point) in best.items()}


def announces_recording(pack_name: str, overrides: Any) -> bool:
    """Whether the pack asks for the recording notice at the start of every call
    (`[obligations.recording] announce = true`; us-reg-f, where several states need every party's
    consent to record)."""
    table = creditor_pack(pack_name, overrides).obligations.get("recording", {})
    return table.get("announce") is True


@dataclass(frozen=True)
class Dialled:
    """What came of a click: the call placed ("placed"), refused by the provider ("failed", its words in
    `error`), or refused by the gate ("refused": no call made; `refusal` says why in the person's
    language, `rules` and `next_allowed_at` as the gate reports them)."""

    state: str
    call_id: int | None = None
    error: str = ""
    rules: tuple[str, ...] = ()
    next_allowed_at: str | None = None
    refusal: ComplianceRefused | None = None


def dial(
    uow: UnitOfWork,
    viewer: Viewer,
    case_id: int,
    contact_point_id: int,
    line: FloorPhone | None,
    *,
    now: datetime | None = None,
    mode: str = "click",
) -> Dialled:
    """Places a call from the viewer's seat to the case's phone number, if the gate allows it now; `mode`
    says who asked: the collector's click ("click") or the power dialler ("power", services/power_dial.py)."""
    when = (now or datetime.now(UTC)).astimezone(UTC)
    case = case_to_work(uow, viewer, case_id, when)
    point = _phone_point(uow, case.debtor_id, contact_point_id)
    if line is None:
        raise Conflict("This floor has no telephone system: dial elsewhere and record the call")
    extension = seat_of(uow, viewer.user_id)
    verdict = check_contact(
        uow, case_id, channel=Channel.CALL.value, at=when, party=point.party_id, contact_point_id=point.id
    )
    if not verdict.allowed:
        what = {"channel": "call", "at": when.isoformat(), "party": point.party_id}
        keep_refusal(uow, case_id, viewer.user_id, {**what, "contact_point_id": point.id}, verdict)
        return Dialled(
            "refused",
            rules=tuple(verdict.refused_by),
            next_allowed_at=verdict.decision.get("next_allowed_at"),
            refusal=refusal(verdict, viewer.time_zone),
        )
    creditor = uow.session.execute(
        select(t.creditors.c.pack, t.creditors.c.pack_overrides).where(t.creditors.c.id == case.creditor_id)
    ).one()
    announce = announces_recording(creditor.pack, creditor.pack_overrides)
    decision_id = verdict.decision["id"]
    interaction_id = _insert_interaction(uow, case, viewer.user_id, point, when, decision_id)
    call_id = int(
        uow.session.execute(
            insert(t.calls)
            .values(
                case_id=case_id,
                debtor_id=case.debtor_id,
                contact_point_id=point.id,
                user_id=viewer.user_id,
                interaction_id=interaction_id,
                provider=line.provider,
                mode=mode,
                state="placing",
                asked_at=when,
                decision_id=decision_id,
                extension=extension,
                announce_recording=announce,
            )
            .returning(t.calls.c.id)
        ).scalar_one()
    )
    _audit(
        uow, viewer.user_id, "call.dialled", call_id, when, case_id=case_id, decision=decision_id, mode=mode
    )
    uow.commit()
    request = CallRequest(call_id, extension, str(point.value), announce, line.caller_id)
    return _hand_over(uow, line.phone, request, viewer.user_id, interaction_id)


def _hand_over(
    uow: UnitOfWork, phone: Telephony, request: CallRequest, user_id: int, interaction_id: int
) -> Dialled:
    """The committed call handed to the provider; its answer recorded."""
    c = t.calls.c
    try:
        placed = phone.place_call(request)
    except TelephonyError as exc:
        error = (str(exc) or type(exc).__name__)[:ERROR_MAX]
        # A call the provider never placed is no contact attempt: its interaction goes.
        uow.session.execute(update(t.calls).where(c.id == request.call_id).values(interaction_id=None))
        uow.session.execute(delete(t.interactions).where(t.interactions.c.id == interaction_id))
        uow.session.execute(
            update(t.calls).where(c.id == request.call_id).values(state="failed", error=error)
        )
        _audit(uow, user_id, "call.failed", request.call_id, datetime.now(UTC))
        uow.commit()
        return Dialled("failed", request.call_id, error=error)
    uow.session.execute(
        update(t.calls)
        .where(c.id == request.call_id, c.state == "placing")  # a record that came first has ended it
        .values(state="placed", provider_ref=placed.provider_ref)
    )
    uow.session.execute(
        update(t.calls)
        .where(c.id == request.call_id, c.provider_ref.is_(None))
        .values(provider_ref=placed.provider_ref)
    )
    uow.commit()
    state = uow.session.execute(select(c.state).where(c.id == request.call_id)).scalar_one()
    return Dialled(str(state), request.call_id)


def _insert_interaction(
    uow: UnitOfWork, case: Any, user_id: int, point: Any, when: datetime, decision_id: str
) -> int:
    """The contact the call counts as from this instant: outbound, on the phone, outcome "placed"."""
    return int(
        uow.session.execute(
            insert(t.interactions)
            .values(
                case_id=case.id,
                debtor_id=case.debtor_id,
                party_id=point.party_id,
                contact_point_id=point.id,
                user_id=user_id,
                at=when,
                channel=Channel.CALL.value,
                direction=Direction.OUTBOUND.value,
                outcome=Outcome.PLACED.value,
                notes="",
                duration_s=0,
                decision_id=decision_id,
            )
            .returning(t.interactions.c.id)
        ).scalar_one()
    )


def seat_of(uow: UnitOfWork, user_id: int) -> str:
    """The viewer's seat (phone extension) the calls ring first; InvalidInput when it has none."""
    value = uow.session.execute(
        select(t.users.c.phone_extension).where(t.users.c.id == user_id)
    ).scalar_one_or_none()
    if not (value or "").strip():
        raise InvalidInput("Your account has no phone extension: an administrator sets it on your user page")
    return str(value).strip()


def _phone_point(uow: UnitOfWork, debtor_id: int, point_id: int) -> Any:
    cp = t.contact_points.c
    row = uow.session.execute(
        select(cp.id, cp.party_id, cp.kind, cp.value, cp.status).where(
            cp.id == point_id, cp.debtor_id == debtor_id
        )
    ).one_or_none()
    if row is None:
        raise InvalidInput("contact point {point}: not one of this case's", point=point_id)
    if row.kind not in PHONE_KINDS:
        raise InvalidInput("contact point {point}: a call needs a phone number", point=point_id)
    return row


def _audit(
    uow: UnitOfWork, user_id: int | None, action: str, call_id: int, at: datetime, **detail: Any
) -> None:
    record(
        uow.session, at=at, user_id=user_id, action=action, entity="call", entity_id=call_id, detail=detail
    )


@dataclass(frozen=True)
class CallView:
    """A call as the API shows it: never the number dialled."""

    id: int
    case_id: int
    contact_point_id: int | None
    interaction_id: int | None
    state: str
    asked_at: datetime
    started_at: datetime | None
    answered: bool | None
    ring_seconds: int | None
    talk_seconds: int | None
    hung_up_by: str | None
    error: str | None
    announce_recording: bool


def call_view(uow: UnitOfWork, viewer: Viewer, call_id: int) -> CallView:
    """The call, if the viewer may see its case (NotFound otherwise: its existence is not disclosed)."""
    c = t.calls.c
    row = uow.session.execute(
        select(
            c.id,
            c.case_id,
            c.contact_point_id,
            c.interaction_id,
            c.state,
            c.asked_at,
            c.started_at,
            c.answered,
            c.ring_seconds,
            c.talk_seconds,
            c.hung_up_by,
            c.error,
            c.announce_recording,
        ).where(c.id == call_id)
    ).one_or_none()
    if row is None:
        raise NotFound("There is no call {call_id} that you may see", call_id=call_id)
    try:
        visible_case(uow, viewer, row.case_id)
    except NotFound:
        raise NotFound("There is no call {call_id} that you may see", call_id=call_id) from None
    return CallView(**row._mapping)


# The outcomes of a call's contact that still wait for the collector's: dialled, or answered.
AWAITING = (Outcome.PLACED.value, Outcome.ANSWERED.value)


@dataclass(frozen=True)
class PendingCall:
    """A call of the viewer's on the case whose contact waits for the collector's outcome."""

    id: int
    interaction_id: int
    contact_point_id: int | None
    party_id: int | None
    state: str
    talk_seconds: int | None  # the provider's, once its record came
    asked_at: datetime


def pending_call(
    uow: UnitOfWork, user_id: int, case_id: int, call_id: int | None = None
) -> PendingCall | None:
    """The viewer's latest call on the case (or the one named) whose contact waits for its outcome."""
    c, i = t.calls.c, t.interactions.c
    query = (
        select(c.id, c.interaction_id, c.contact_point_id, i.party_id, c.state, c.talk_seconds, c.asked_at)
        .join(t.interactions, i.id == c.interaction_id)
        .where(c.case_id == case_id, c.user_id == user_id, i.outcome.in_(AWAITING))
        .order_by(c.asked_at.desc(), c.id.desc())
        .limit(1)
    )
    if call_id is not None:
        query = query.where(c.id == call_id)
    row = uow.session.execute(query).one_or_none()
    return None if row is None else PendingCall(*row)
