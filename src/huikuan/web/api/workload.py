"""JSON API of the workload (supervisors and admins): the team's load today, bulk reassignment,
rebalancing and absences. Each move counts first: without `"confirm": true` it says how many cases it
would move and changes nothing (services/workload_moves.py)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from pydantic import Field

from huikuan.domain.ids import MAX_ID
from huikuan.errors import InvalidInput
from huikuan.services.access import require_supervisor
from huikuan.services.case_filter import POOL, CaseFilter
from huikuan.services.workload import workload
from huikuan.services.workload_moves import Absence, Reassign, reassign, rebalance, set_absence
from huikuan.web.api.common import ApiViewerDep, Body, UowDep, api_router
from huikuan.web.ids import NO_NUL, QueryId

# An id a row could have, or 0 (none): within 64 bits, so that a caller's role is refused (403) before its
# body is looked at and no id reaches the database that none could have.
IdIn = Annotated[int, Field(ge=0, le=MAX_ID)]

router = api_router("/workload", "workload")


class ReassignBody(Body):
    to: IdIn | str | None = Field(None, description='a collector\'s user id, or null / "pool" for the pool')
    case_ids: list[IdIn] = Field(default_factory=list, max_length=5000)
    filter: dict[str, str | int | None] = Field(
        default_factory=dict, description="creditor, stage, segment, dpd, due, collector (as on /queue)"
    )
    confirm: bool = False


class RebalanceBody(Body):
    team: IdIn | None = None
    confirm: bool = False


class AbsenceBody(Body):
    # Optional to the parser, so that a collector is refused (403) before the body is looked at.
    user_id: int = Field(0, ge=0, le=MAX_ID)
    starts_on: date | None = None
    ends_on: date | None = None
    note: str = Field("", max_length=200, pattern=NO_NUL)
    confirm: bool = False


@router.get("")
def get_workload(viewer: ApiViewerDep, uow: UowDep, team: QueryId = None) -> dict[str, Any]:
    """Each collector's open cases, planned and done contacts today, promises due and load (planned
    contacts against `daily_capacity`); the pool; the team's absences."""
    return workload(uow, viewer, team).to_dict()


@router.post("/reassign")
def post_reassign(body: ReassignBody, viewer: ApiViewerDep, uow: UowDep) -> dict[str, Any]:
    """Moves `case_ids`, or else the open cases `filter` selects, to `to`: `{"count", "done", "to"}`."""
    require_supervisor(viewer)
    to = None if body.to in (None, "", POOL) else int(body.to) if str(body.to).isdigit() else -1
    ask = Reassign(
        to=to, case_ids=tuple(body.case_ids), narrow=CaseFilter.parse(body.filter), confirm=body.confirm
    )
    return reassign(uow, viewer, ask).to_dict()


@router.post("/rebalance")
def post_rebalance(body: RebalanceBody, viewer: ApiViewerDep, uow: UowDep) -> dict[str, Any]:
    """Evens a team's open cases across its collectors at work, each person's cases together."""
    return rebalance(uow, viewer, body.team, confirm=body.confirm).to_dict()


@router.post("/absences")
def post_absence(body: AbsenceBody, viewer: ApiViewerDep, uow: UowDep) -> dict[str, Any]:
    """Records an absence (with `confirm`) and moves the collector's cases due meanwhile to its team."""
    require_supervisor(viewer)
    if not body.user_id or body.starts_on is None or body.ends_on is None:
        raise InvalidInput("Name the collector and the first and last days of the absence")
    ask = Absence(body.user_id, body.starts_on, body.ends_on, body.note, confirm=body.confirm)
    return set_absence(uow, viewer, ask).to_dict()
