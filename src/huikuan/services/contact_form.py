"""What the case page's contact panel shows: the case's people and the numbers and addresses to reach
them (masked), the pending goal, the last contact, and whether the viewer may record one now."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from huikuan.domain.enums import Outcome
from huikuan.domain.ids import is_row_id
from huikuan.errors import InvalidInput
from huikuan.services.access import Viewer, visible_case, why_not_work
from huikuan.services.calls import PendingCall, pending_call
from huikuan.services.contacts import may_discuss_payment
from huikuan.services.gate import UNUSABLE
from huikuan.services.masking import mask_contact
from huikuan.storage import tables as t
from huikuan.storage.uow import UnitOfWork


@dataclass(frozen=True)
class Reachable:
    """A person of the case and a way to reach them, as the form lists it (values masked)."""

    key: str  # "debtor", "party-<id>" or "point-<id>": what the form posts back
    party_id: int | None
    person: str
    role: str  # "debtor" or the party's role
    kind: str | None  # the contact point's kind; None: the person, no particular number or address
    masked: str
    status: str | None
    payment: bool  # the debt may be discussed with this person; else their whereabouts only


@dataclass(frozen=True)
class LastContact:
    at: datetime
    channel: str
    outcome: str
    goal: str | None
    goal_note: str | None
    goal_met: bool | None
    notes: str
    by: str | None


@dataclass(frozen=True)
class ContactForm:
    case_id: int
    stage: str
    goal: str | None  # the contact's goal, pre-filled: the case's pending next action goal (a code)
    goal_note: str | None
    next_channel: str | None
    next_due_at: datetime | None
    reachable: tuple[Reachable, ...]
    last: LastContact | None
    can_write: bool
    why_not: str | None  # why the viewer may not record a contact now, in its language
    # The viewer's call placed through the telephone system whose outcome the form completes (None: the
    # form records a new contact, as on a floor without one).
    call: PendingCall | None = None


def contact_form(uow: UnitOfWork, viewer: Viewer, case_id: int) -> ContactForm:
    """What the workbench's contact panel needs: the case's people and their numbers and addresses, the
    pending goal to pre-fill and the last contact made."""
    case = visible_case(uow, viewer, case_id)
    refused = why_not_work(uow, viewer, case, datetime.now(UTC))
    s = uow.session
    d, p, cp, cr = t.debtors.c, t.parties.c, t.contact_points.c, t.creditors.c
    debtor = s.execute(
        select(d.name, cr.pack, cr.pack_overrides)
        .join(t.creditors, cr.id == d.creditor_id)
        .where(d.id == case.debtor_id)
    ).one()
    parties = s.execute(
        select(p.id, p.name, p.role).where(p.debtor_id == case.debtor_id).order_by(p.id)
    ).all()
    points = s.execute(
        select(cp.id, cp.party_id, cp.kind, cp.value, cp.status)
        .where(
            cp.debtor_id == case.debtor_id,
            cp.kind.in_(["mobile", "landline", "address"]),
            cp.status.not_in(UNUSABLE),
        )
        .order_by(cp.party_id.is_not(None), cp.party_id, cp.id)
    ).all()
    reachable = _reachable(debtor, parties, points)
    last = _last_contact(uow, case_id)
    return ContactForm(
        case_id=case_id,
        stage=case.stage,
        goal=case.next_action_goal,
        goal_note=case.next_action_note,
        next_channel=case.next_action_channel,
        next_due_at=case.next_action_due_at,
        reachable=tuple(reachable),
        last=None if last is None else LastContact(*last),
        can_write=refused is None,
        why_not=None if refused is None else refused.translated(viewer.locale),
        call=pending_call(uow, viewer.user_id, case_id),
    )


def _reachable(debtor: Any, parties: Sequence[Any], points: Sequence[Any]) -> list[Reachable]:
    """The debtor and their numbers and addresses first, then each party followed by theirs."""
    names = {row.id: (row.name, row.role) for row in parties}

    def payment(role: str) -> bool:
        return role == "debtor" or may_discuss_payment(debtor.pack, debtor.pack_overrides, role)

    reachable = [Reachable("debtor", None, debtor.name, "debtor", None, "", None, True)]
    for row in points:
        if row.party_id is None:
            reachable.append(
                Reachable(
                    f"point-{row.id}",
                    None,
                    debtor.name,
                    "debtor",
                    row.kind,
                    mask_contact(row.kind, row.value),
                    row.status,
                    True,
                )
            )
    for party in parties:
        role = str(party.role)
        reachable.append(
            Reachable(f"party-{party.id}", party.id, party.name, role, None, "", None, payment(role))
        )
        for row in points:
            if row.party_id == party.id:
                reachable.append(
                    Reachable(
                        f"point-{row.id}",
                        party.id,
                        names[party.id][0],
                        role,
                        row.kind,
                        mask_contact(row.kind, row.value),
                        row.status,
                        payment(role),
                    )
                )
    return reachable


def _last_contact(uow: UnitOfWork, case_id: int) -> Any:
    """The last contact made on the case (a refusal by the gate is none), or None."""
    i, u = t.interactions.c, t.users.c
    return uow.session.execute(
        select(i.at, i.channel, i.outcome, i.goal, i.goal_note, i.goal_met, i.notes, u.display_name)
        .outerjoin(t.users, u.id == i.user_id)
        .where(i.case_id == case_id, i.outcome != Outcome.REFUSED_BY_GATE.value)
        .order_by(i.at.desc(), i.id.desc())
        .limit(1)
    ).one_or_none()


def who_from_key(key: str | None) -> tuple[int | None, int | None]:
    """The form's "who" choice as (party, contact point): "debtor", "party-<id>" or "point-<id>"."""
    value = (key or "debtor").strip()
    if value == "debtor":
        return None, None
    kind, _, number = value.partition("-")
    if kind in ("party", "point") and number.isdecimal() and is_row_id(int(number)):
        return (int(number), None) if kind == "party" else (None, int(number))
    raise InvalidInput("who: {value} is not a person or contact point of this case", value=value)
