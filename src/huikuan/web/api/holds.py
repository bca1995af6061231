"""JSON API of holds on collection: set one on a debtor, end one, list a debtor's (services/holds.py).

A collector sets and ends holds on the cases it may work; a supervisor on any; a creditor's viewer only
reads. A hold "until" a day ends at the end of that day in the debtor's local time.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field

from huikuan.domain.ids import MAX_ID
from huikuan.errors import InvalidInput, NotFound
from huikuan.services.access import Viewer, case_to_work, debtor_case
from huikuan.services.holds import KINDS, SOURCES, SetHold, end_hold, hold_debtor, holds_for, set_hold
from huikuan.storage.uow import UnitOfWork
from huikuan.web.api.common import ApiViewerDep, UowDep, api_router
from huikuan.web.ids import PathId

router = api_router("", "holds")


class HoldIn(BaseModel):
    kind: str = Field(description=", ".join(KINDS))
    until: str | None = Field(
        default=None,
        description="The last day of the hold, YYYY-MM-DD, in the debtor's local time (a hardship pause "
        "needs one; a Breathing Space sets its own 60 days; unset: until it is ended)",
    )
    note: str = Field(default="", max_length=2000, description="Why: the debtor's words, the evidence seen")
    source: str = Field(default="collector", description=", ".join(SOURCES))
    party_id: int | None = Field(
        default=None,
        ge=1,
        le=MAX_ID,
        description="attorney or deceased: an existing related party to contact",
    )
    party_name: str | None = Field(
        default=None, max_length=200, description="attorney or deceased: a new party to contact instead"
    )
    party_role: str | None = Field(
        default=None,
        description="The new party's role: attorney; or executor, administrator or heir after a death",
    )
    point_kind: str | None = Field(
        default=None, description="The new party's contact point: mobile, email..."
    )
    point_value: str | None = Field(default=None, max_length=500)


class HoldEndIn(BaseModel):
    reason: str = Field(default="", max_length=200, description="Why it ends (e.g. the attorney withdrew)")


class HoldOut(BaseModel):
    id: int
    debtor_id: int
    kind: str
    status: str = Field(description="open, expired (its end has passed) or ended")
    gate_rule: str | None = Field(description="The gate's rule that refuses contact under it")
    started_at: datetime
    ends_at: datetime | None = Field(description="The first instant it no longer holds")
    until: date | None
    note: str | None
    source: str
    set_by: int | None
    set_by_name: str | None
    party_id: int | None
    party_name: str | None
    party_role: str | None
    ended_at: datetime | None
    ended_by: int | None
    ended_by_name: str | None
    end_reason: str | None


def _day(text: str | None) -> date | None:
    if text is None or not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput("until: {value} is not a date (YYYY-MM-DD)", value=text) from None


def _out(uow: UnitOfWork, debtor_id: int, hold_id: int) -> dict[str, Any]:
    found = next(h for h in holds_for(uow, debtor_id) if h["id"] == hold_id)
    return {**found, "debtor_id": debtor_id}


def _work(uow: UnitOfWork, viewer: Viewer, debtor_id: int) -> None:
    case = debtor_case(uow, viewer, debtor_id, write=True)
    case_to_work(uow, viewer, case.id)


@router.get("/debtors/{debtor_id}/holds", response_model=list[HoldOut])
def get_holds(debtor_id: PathId, viewer: ApiViewerDep, uow: UowDep) -> list[dict[str, Any]]:
    """Every hold of the debtor, open ones first."""
    debtor_case(uow, viewer, debtor_id)
    return [{**h, "debtor_id": debtor_id} for h in holds_for(uow, debtor_id)]


@router.post("/debtors/{debtor_id}/holds", status_code=201, response_model=HoldOut)
def post_hold(debtor_id: PathId, body: HoldIn, viewer: ApiViewerDep, uow: UowDep) -> dict[str, Any]:
    """Sets a hold: the gate refuses contact under its rule from now until its end, naming the end as
    `next_allowed_at`. 409 when one of the same kind is open."""
    _work(uow, viewer, debtor_id)
    cmd = SetHold(
        debtor_id=debtor_id,
        kind=body.kind,
        until=_day(body.until),
        note=body.note,
        source=body.source,
        party_id=body.party_id,
        party_name=body.party_name,
        party_role=body.party_role,
        point_kind=body.point_kind,
        point_value=body.point_value,
    )
    hold_id = set_hold(uow, viewer.user_id, cmd)
    return _out(uow, debtor_id, hold_id)


@router.post("/holds/{hold_id}/end", response_model=HoldOut)
def post_hold_end(
    hold_id: PathId, viewer: ApiViewerDep, uow: UowDep, body: HoldEndIn | None = None
) -> dict[str, Any]:
    """Ends an open hold: contact is judged without it at once. 409 when it ended already."""
    debtor_id = _visible_hold(uow, viewer, hold_id)
    _work(uow, viewer, debtor_id)
    end_hold(uow, viewer.user_id, hold_id, body.reason if body else "")
    return _out(uow, debtor_id, hold_id)


def _visible_hold(uow: UnitOfWork, viewer: Viewer, hold_id: int) -> int:
    """The hold's debtor, if the viewer may see its case; else NotFound, as for an unknown hold."""
    try:
        debtor_id = hold_debtor(uow, hold_id)
        debtor_case(uow, viewer, debtor_id)
    except NotFound:
        raise NotFound("no hold {hold_id}", hold_id=hold_id) from None
    return debtor_id
