"""A debtor's contact points, kept true: add one (normalised, duplicates refused by name), verify it, mark
it wrong number, disconnected, someone else's or not to be used.

A phone number is read exactly as the import reads it (intake/phones.classify, with the creditor's
region), so an added number and an imported one compare equal; an email is lower-cased and checked.
A wrong-number, disconnected or opt-out mark is about the number, not the person: it follows the number
to every debtor and related party who has it (contact_points is indexed by (kind, value)). "Someone
else's" says the point belongs to a third party of this debtor only, and stays with this debtor.

A point with one of the statuses in services/gate.UNUSABLE is no longer offered (case page, contact form,
outbox, visits) nor dialled (services/contacts refuses it). Every change is made inside
`changing_facts` for every debtor it touches, and audited without the value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select, update

from huikuan.domain.enums import ContactKind, ContactStatus
from huikuan.errors import AlreadyExists, InvalidInput, NotFound
from huikuan.intake.phones import classify
from huikuan.services.access import Viewer, case_to_work, debtor_case
from huikuan.services.fact_history import changing_facts
from huikuan.services.gate import PHONE_KINDS, WORK
from huikuan.services.masking import mask_contact
from huikuan.storage import audit
from huikuan.storage import tables as t
from huikuan.storage.search_keys import write_search_keys
from huikuan.storage.uow import UnitOfWork

PHONE = "phone"  # a number whose kind (mobile or landline) the normaliser decides, as the import does
KINDS = (PHONE, *(k.value for k in ContactKind))
SOURCES = ("debtor", "third_party", "creditor", "skip_trace", "collector", "placement")
PLACES = ("home", WORK)
# mark -> (status it sets, whether it follows the number to every debtor who has it)
MARKS: dict[str, tuple[str, bool]] = {
    "wrong_number": (ContactStatus.WRONG_PARTY.value, True),
    "disconnected": (ContactStatus.DISCONNECTED.value, True),
    "opt_out": (ContactStatus.DO_NOT_CONTACT.value, True),
    "someone_else": (ContactStatus.WRONG_PARTY.value, False),
}
VALUE_MAX = 500
HOW_MAX = 200
_EMAIL = re.compile(r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$")
_QQ = re.compile(r"^[1-9][0-9]{4,11}$")
_HANDLE = re.compile(r"^\S{2,64}$")


@dataclass(frozen=True)
class NewPoint:
    """A contact point to add: `party_id` None for the debtor's own."""

    kind: str
    value: str
    source: str
    consent: bool = False
    consent_how: str | None = None
    party_id: int | None = None
    place: str | None = None


def add_point(
    uow: UnitOfWork, viewer: Viewer, debtor_id: int, new: NewPoint, *, now: datetime | None = None
) -> int:
    """Adds a point to the debtor (or one of its related parties) of a case the viewer may work; its id."""
    case = _workable(uow, viewer, debtor_id, now)
    when = (now or datetime.now(UTC)).astimezone(UTC)
    kind, value = normalise(uow, debtor_id, new.kind, new.value)
    _check_choice("source", new.source, SOURCES)
    if new.place is not None:
        _check_choice("place", new.place, PLACES)
    how = (new.consent_how or "").strip() or None
    if how is not None and len(how) > HOW_MAX:
        raise InvalidInput("consent: at most {max} characters", max=HOW_MAX)
    if new.party_id is not None:
        _party(uow, debtor_id, new.party_id)
    _refuse_duplicate(uow, debtor_id, new.party_id, kind, value)
    with changing_facts(uow, [debtor_id], user_id=viewer.user_id, reason="contact_point.added", at=when):
        point_id = int(
            uow.session.execute(
                insert(t.contact_points)
                .values(
                    debtor_id=debtor_id,
                    party_id=new.party_id,
                    kind=kind,
                    value=value,
                    status=ContactStatus.UNVERIFIED.value,
                    source=new.source,
                    consent=new.consent,
                    consent_at=when if new.consent else None,
                    consent_how=how if new.consent else None,
                    added_at=when,
                    added_by=viewer.user_id,
                    place=new.place,
                )
                .returning(t.contact_points.c.id)
            ).scalar_one()
        )
        write_search_keys(uow.session.connection(), point_ids=[point_id])
        _audit(uow, viewer, when, "contact_point.added", point_id, case.id, kind=kind, source=new.source)
    uow.commit()
    return point_id


def verify_point(
    uow: UnitOfWork, viewer: Viewer, debtor_id: int, point_id: int, *, now: datetime | None = None
) -> None:
    """The point reaches its owner (confirmed in a conversation): status valid, verified now."""
    case = _workable(uow, viewer, debtor_id, now)
    when = (now or datetime.now(UTC)).astimezone(UTC)
    row = _point(uow, debtor_id, point_id)
    if row.status == ContactStatus.DO_NOT_CONTACT:
        # The person asked that it not be used: a collector's check does not lift that.
        raise InvalidInput("contact point {point} is marked do-not-contact", point=point_id)
    with changing_facts(uow, [debtor_id], user_id=viewer.user_id, reason="contact_point.verified", at=when):
        uow.session.execute(
            update(t.contact_points)
            .where(t.contact_points.c.id == point_id)
            .values(status=ContactStatus.VALID.value, verified_at=when, status_reason=None, status_at=when)
        )
        _audit(uow, viewer, when, "contact_point.verified", point_id, case.id, kind=row.kind)
    uow.commit()


def mark_point(
    uow: UnitOfWork, viewer: Viewer, debtor_id: int, point_id: int, mark: str, *, now: datetime | None = None
) -> list[int]:
    """Marks the point (MARKS); a number mark follows the number to every point with the same value.
    The ids of the points changed, this one first."""
    case = _workable(uow, viewer, debtor_id, now)
    when = (now or datetime.now(UTC)).astimezone(UTC)
    changed = apply_mark(uow, viewer.user_id, case.id, debtor_id, point_id, mark, when)
    uow.commit()
    return changed


def apply_mark(
    uow: UnitOfWork,
    user_id: int | None,
    case_id: int,
    debtor_id: int,
    point_id: int,
    mark: str,
    when: datetime,
) -> list[int]:
    """mark_point in the caller's transaction, for a caller that checked access (a contact whose outcome
    says the number is wrong marks it too, services/contact_log.py)."""
    _check_choice("mark", mark, tuple(MARKS))
    status, follows = MARKS[mark]
    row = _point(uow, debtor_id, point_id)
    cp = t.contact_points.c
    targets = [(point_id, debtor_id)]
    if follows:
        same = uow.session.execute(
            select(cp.id, cp.debtor_id).where(
                cp.kind.in_(_kind_group(row.kind)), cp.value == row.value, cp.id != point_id
            )
        ).all()
        targets += [(r.id, r.debtor_id) for r in same]
    debtors = sorted({d for _p, d in targets})
    with changing_facts(uow, debtors, user_id=user_id, reason=f"contact_point.{mark}", at=when):
        uow.session.execute(
            update(t.contact_points)
            .where(cp.id.in_([p for p, _d in targets]))
            .values(status=status, status_reason=mark, status_at=when)
        )
        for pid, _d in targets:
            audit.record(
                uow.session,
                at=when,
                user_id=user_id,
                action="contact_point.marked",
                entity="contact_point",
                entity_id=pid,
                detail={"case_id": case_id, "mark": mark, "followed": pid != point_id},
            )
    return [p for p, _d in targets]


def normalise(uow: UnitOfWork, debtor_id: int, kind: str, value: str) -> tuple[str, str]:
    """(kind, value) as stored: a phone in E.164 as the import reads it (mobile or landline), an email
    lower-cased, a QQ number's digits, a handle or address without surrounding space."""
    _check_choice("kind", kind, KINDS)
    text = " ".join((value or "").split())
    if not text:
        raise InvalidInput("value: a contact point needs a value")
    if len(text) > VALUE_MAX:
        raise InvalidInput("value: at most {max} characters", max=VALUE_MAX)
    if kind in (PHONE, *PHONE_KINDS):
        found = classify(text, _region(uow, debtor_id))
        if found is None:
            raise InvalidInput("value: {value} is not a valid phone number", value=text)
        return found[1], found[0]
    if kind == ContactKind.EMAIL:
        email = text.lower()
        if not _EMAIL.match(email):
            raise InvalidInput("value: {value} is not an email address", value=text)
        return kind, email
    if kind == ContactKind.QQ:
        if not _QQ.match(text):
            raise InvalidInput("value: {value} is not a QQ number (5 to 12 digits)", value=text)
        return kind, text
    if kind == ContactKind.WECHAT and not _HANDLE.match(text):
        raise InvalidInput("value: {value} is not a WeChat ID (2 to 64 characters, no spaces)", value=text)
    return kind, text


def _kind_group(kind: str) -> tuple[str, ...]:
    """Kinds compared with each other: a number is the same number whether read as mobile or landline."""
    return PHONE_KINDS if kind in PHONE_KINDS else (kind,)


def _refuse_duplicate(uow: UnitOfWork, debtor_id: int, party_id: int | None, kind: str, value: str) -> None:
    cp = t.contact_points.c
    owner = cp.party_id.is_(None) if party_id is None else cp.party_id == party_id
    found = uow.session.execute(
        select(cp.id).where(
            cp.debtor_id == debtor_id, owner, cp.kind.in_(_kind_group(kind)), cp.value == value
        )
    ).first()
    if found is not None:
        raise AlreadyExists(
            "{value} is already contact point {point} of this person",
            value=mask_contact(kind, value),
            point=found.id,
        )


def _workable(uow: UnitOfWork, viewer: Viewer, debtor_id: int, now: datetime | None) -> Any:
    case = debtor_case(uow, viewer, debtor_id, write=True)
    return case_to_work(uow, viewer, case.id, now)


def _point(uow: UnitOfWork, debtor_id: int, point_id: int) -> Any:
    cp = t.contact_points.c
    row = uow.session.execute(
        select(cp.id, cp.kind, cp.value, cp.status).where(cp.id == point_id, cp.debtor_id == debtor_id)
    ).one_or_none()
    if row is None:
        raise NotFound("no contact point {point} of this debtor", point=point_id)
    return row


def _party(uow: UnitOfWork, debtor_id: int, party_id: int) -> None:
    p = t.parties.c
    if uow.session.execute(select(p.id).where(p.id == party_id, p.debtor_id == debtor_id)).first() is None:
        raise InvalidInput("party: {party} is not a related party of this debtor", party=party_id)


def _region(uow: UnitOfWork, debtor_id: int) -> str:
    d, cr = t.debtors.c, t.creditors.c
    region = uow.session.execute(
        select(cr.region).join(t.debtors, d.creditor_id == cr.id).where(d.id == debtor_id)
    ).scalar_one()
    return str(region or "CN").upper()


def _check_choice(field: str, value: str | None, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise InvalidInput(
            "{field}: {value!r} is not one of {allowed}", field=field, value=value, allowed=", ".join(allowed)
        )


def _audit(
    uow: UnitOfWork, viewer: Viewer, when: datetime, action: str, point_id: int, case_id: int, **detail: Any
) -> None:
    audit.record(
        uow.session,
        at=when,
        user_id=viewer.user_id,
        action=action,
        entity="contact_point",
        entity_id=point_id,
        detail={"case_id": case_id, **detail},
    )
