"""JSON API of what we know about a debtor: the record (facts, contact points masked, preferences), adding
and marking contact points, and the debtor's stated preferences (docs: "Contact points and preferences").

A debtor is answered for exactly as its case (services/access.debtor_case): a debtor whose case the caller
may not see is 404; a write needs a case the caller may work (the creditor's viewer only reads).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from huikuan.domain.enums import Channel
from huikuan.domain.ids import MAX_ID
from huikuan.services.contact_points import NewPoint, add_point, mark_point, verify_point
from huikuan.services.debtor_record import contact_points, debtor_record
from huikuan.services.preferences import ElectronicConsent, Preferences, TimeSpan, set_preferences
from huikuan.storage.uow import UnitOfWork
from huikuan.web.api.common import ApiViewerDep, UowDep, api_router
from huikuan.web.ids import PathId

router = api_router("/debtors", "debtors")

Kind = Literal["phone", "mobile", "landline", "email", "wechat", "qq", "address"]
Source = Literal["debtor", "third_party", "creditor", "skip_trace", "collector"]
Mark = Literal["wrong_number", "disconnected", "someone_else", "opt_out"]


class ContactPointIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Kind = Field(description='"phone": mobile or landline, as the number reads (as the import decides)')
    value: str = Field(max_length=500, examples=["+8613800138000"])
    source: Source = Field(description="Who gave the point")
    consent: bool = Field(False, description="The owner consented to be contacted through it")
    consent_how: str | None = Field(None, max_length=200, description="How the consent was given")
    party_id: int | None = Field(
        None, ge=1, le=MAX_ID, description="A related party's own point; unset: the debtor's"
    )
    place: Literal["home", "work"] | None = Field(
        None, description='"work": it reaches the person at their place of employment'
    )


class ContactPointOut(BaseModel):
    id: int
    party_id: int | None
    kind: str
    value: str = Field(description="Masked as on the case page; the full value through the case's reveal")
    status: str = Field(description="unverified, valid, wrong_party, disconnected or do_not_contact")
    status_reason: str | None = Field(description="The mark that set the status")
    status_at: datetime | None
    source: str
    consent: bool
    consent_at: datetime | None
    consent_how: str | None
    verified_at: datetime | None
    added_at: datetime | None
    place: str | None
    usable: bool = Field(description="False once marked: the point is not offered nor dialled")


class MarkIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mark: Mark = Field(
        description="wrong_number, disconnected and opt_out follow the number to every debtor who has it; "
        "someone_else (a third party's point) stays with this debtor"
    )


class TimeSpanIn(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    days: list[int] = Field([], description="ISO weekdays, 1 Monday .. 7 Sunday; empty: every day")
    start: str = Field(alias="from", description="Local time HH:MM", examples=["09:00"])
    end: str = Field(
        alias="to", description="Local time HH:MM; before from: past midnight; equal: the whole day"
    )


class ConsentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    given: bool = Field(description="True: consent given; false: refused or withdrawn")
    at: datetime | None = Field(None, description="When; unset: now")
    how: str | None = Field(None, max_length=200, examples=["recorded call"])


class PreferencesIn(BaseModel):
    """Fields left out are kept as they are; an empty list clears."""

    model_config = ConfigDict(extra="forbid")

    inconvenient_times: list[TimeSpanIn] | None = None
    inconvenient_places: list[Literal["workplace"]] | None = None
    opt_out: list[Channel] | None = Field(None, description="Channels the debtor asked not to be used")
    language: Literal["zh", "en"] | None = None
    electronic_consent: ConsentIn | None = None


class TimeSpanOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    days: list[int]
    start: str | None = Field(alias="from")
    end: str | None = Field(alias="to")


class ConsentOut(BaseModel):
    given: bool | None
    at: datetime | None
    how: str | None


class PreferencesOut(BaseModel):
    inconvenient_times: list[TimeSpanOut]
    inconvenient_places: list[str]
    opt_out: list[str]
    language: str
    electronic_consent: ConsentOut


class DebtorRecordOut(BaseModel):
    model_config = ConfigDict(extra="allow")

    debtor_id: int
    case_id: int
    facts: dict[str, Any] = Field(
        description="What the gate reads (the decision contract's debtor, phones aside) and other flags"
    )
    contact_points: list[ContactPointOut]
    preferences: PreferencesOut
    holds: list[dict[str, Any]] = Field(description="Holds on collection, open and ended, newest first")
    open_disputes: list[dict[str, Any]] = Field(description="Disputes not yet closed, oldest first")
    person: dict[str, Any] = Field(
        description="The same person placed elsewhere: how many placements, which facts bind this case"
    )


@router.get("/{debtor_id}", responses={200: {"model": DebtorRecordOut}})
def get_debtor(debtor_id: PathId, viewer: ApiViewerDep, uow: UowDep) -> dict[str, Any]:
    """What we know about the debtor: the facts the gate reads, every contact point (masked), the
    debtor's stated preferences, its holds, its open disputes and the same person's other placements."""
    return debtor_record(uow, viewer, debtor_id)


@router.post("/{debtor_id}/contact-points", status_code=201, responses={201: {"model": ContactPointOut}})
def post_contact_point(
    debtor_id: PathId, body: ContactPointIn, viewer: ApiViewerDep, uow: UowDep
) -> dict[str, Any]:
    """Adds a contact point: a phone read as the import reads it, an email lower-cased; a duplicate of the
    same person is refused (409) naming the point it repeats."""
    new = NewPoint(
        kind=body.kind,
        value=body.value,
        source=body.source,
        consent=body.consent,
        consent_how=body.consent_how,
        party_id=body.party_id,
        place=body.place,
    )
    return _point(uow, debtor_id, add_point(uow, viewer, debtor_id, new))


@router.post("/{debtor_id}/contact-points/{point_id}/verify", responses={200: {"model": ContactPointOut}})
def post_verify(debtor_id: PathId, point_id: PathId, viewer: ApiViewerDep, uow: UowDep) -> dict[str, Any]:
    """The point reaches its owner: status valid."""
    verify_point(uow, viewer, debtor_id, point_id)
    return _point(uow, debtor_id, point_id)


@router.post("/{debtor_id}/contact-points/{point_id}/mark", responses={200: {"model": ContactPointOut}})
def post_mark(
    debtor_id: PathId, point_id: PathId, body: MarkIn, viewer: ApiViewerDep, uow: UowDep
) -> dict[str, Any]:
    """Marks the point; it is then no longer offered nor dialled."""
    mark_point(uow, viewer, debtor_id, point_id, body.mark)
    return _point(uow, debtor_id, point_id)


@router.put("/{debtor_id}/preferences", responses={200: {"model": PreferencesOut}})
def put_preferences(
    debtor_id: PathId, body: PreferencesIn, viewer: ApiViewerDep, uow: UowDep
) -> dict[str, Any]:
    """The debtor's statements; the gate honours them from this request on, in every pack."""
    consent = body.electronic_consent
    prefs = Preferences(
        inconvenient_times=None
        if body.inconvenient_times is None
        else tuple(TimeSpan(x.start, x.end, tuple(x.days)) for x in body.inconvenient_times),
        inconvenient_places=None if body.inconvenient_places is None else tuple(body.inconvenient_places),
        opt_out=None if body.opt_out is None else tuple(c.value for c in body.opt_out),
        language=body.language,
        electronic_consent=None
        if consent is None
        else ElectronicConsent(given=consent.given, at=consent.at, how=consent.how),
    )
    set_preferences(uow, viewer, debtor_id, prefs)
    preferences: dict[str, Any] = debtor_record(uow, viewer, debtor_id)["preferences"]
    return preferences


def _point(uow: UnitOfWork, debtor_id: int, point_id: int) -> dict[str, Any]:
    return next(p for p in contact_points(uow, debtor_id) if p["id"] == point_id)


__all__ = ["router"]
