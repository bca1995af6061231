"""JSON API of the contact area: record a contact with its next action, assess a case, read the scripts
and a field collector's day (docs/contacts-and-visits.md).

Instants travel as ISO 8601 with their zone ("2026-11-21T10:00:00+08:00" or "...Z"). Fields are taken
as text and checked by the services, so bad input gets the same clear message (in the caller's
language) as the pages give, and changes nothing.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field

from huikuan.domain.ids import MAX_ID
from huikuan.errors import InvalidInput
from huikuan.services import scripts as sc
from huikuan.services.assessment import Assessment, assess, assessment
from huikuan.services.contact_log import log_contact
from huikuan.services.contact_report import ContactReport
from huikuan.services.visits import visit_day
from huikuan.web.api.common import ApiViewerDep, UowDep, api_router
from huikuan.web.ids import PathId
from huikuan.web.ui.common import parse_day

router = api_router("", "contacts")


class ContactIn(BaseModel):
    channel: str = Field(default="call", description="call or visit")
    outcome: str = Field(
        description="no_answer, busy, voicemail, not_connected, wrong_party, third_party, "
        "promise, paid, refuses, disputes, hardship or callback"
    )
    party: int | None = Field(
        default=None,
        ge=1,
        le=MAX_ID,
        description="A related party's id; unset: the debtor (or the owner of the contact point)",
    )
    contact_point_id: int | None = Field(
        default=None, ge=1, le=MAX_ID, description="The number called or address visited"
    )
    goal: str | None = Field(
        default=None, description="A goal code; unset: the case's pending next action goal"
    )
    goal_note: str = Field(default="", description="The collector's words beside the goal")
    goal_met: bool | None = None
    notes: str = ""
    duration_s: int = 0
    cease_requested: bool = False
    direction: str = Field(default="outbound", description="outbound or inbound")
    at: str | None = Field(default=None, description="When the contact happened, ISO 8601; unset: now")
    next_channel: str | None = Field(default=None, description="call, visit, sms, email, wechat or letter")
    next_goal: str | None = Field(default=None, description="A goal code; unset: the outcome's goal")
    next_note: str = Field(default="", description="The collector's words beside the next goal")
    promise_amount: str | None = Field(
        default=None, description='With the outcome "promise" only: the amount promised, e.g. "1200.50"'
    )
    promise_currency: str | None = Field(default=None, description="Defaults to the case's currency")
    promise_due: str | None = Field(
        default=None, description='With the outcome "promise" only: the day it will be paid by, YYYY-MM-DD'
    )
    next_due_at: str | None = Field(default=None, description="The next action's time, ISO 8601 with zone")


class AssessmentIn(BaseModel):
    ability: str | None = Field(default=None, description="low, medium or high; empty or null clears it")
    willingness: str | None = Field(default=None, description="low, medium or high; empty or null clears it")
    reason: str | None = Field(
        default=None,
        description="unemployment, illness, business_failure, dispute, "
        "fraud_claim, forgot, unwilling or other",
    )


def _instant(text: str | None, field: str) -> datetime | None:
    if text is None or not text.strip():
        return None
    try:
        return datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        if field == "at":
            raise InvalidInput("time: {value} is not a date and time", value=text) from None
        raise InvalidInput("next action: {value} is not a date and time", value=text) from None


@router.post("/cases/{case_id}/contacts", status_code=201)
def post_contact(case_id: PathId, body: ContactIn, viewer: ApiViewerDep, uow: UowDep) -> dict[str, Any]:
    """Records a call or visit and sets the case's next action. The gate checks the contact at its time
    and the next action at its due time; a refusal answers 422 with the gate's decision, records nothing.
    A promise is recorded with the conversation it was made in: the outcome "promise" with its amount
    and date."""
    report = ContactReport(
        channel=body.channel,
        outcome=body.outcome,
        party=body.party,
        contact_point_id=body.contact_point_id,
        goal=body.goal,
        goal_note=body.goal_note,
        goal_met=body.goal_met,
        notes=body.notes,
        duration_s=body.duration_s,
        cease_requested=body.cease_requested,
        direction=body.direction,
        at=_instant(body.at, "at"),
        promise_amount=body.promise_amount,
        promise_currency=body.promise_currency,
        promise_due=parse_day(body.promise_due) if body.promise_due else None,
        next_channel=body.next_channel,
        next_goal=body.next_goal,
        next_note=body.next_note,
        next_due_at=_instant(body.next_due_at, "next"),
    )
    logged = log_contact(uow, viewer, case_id, report)
    after = logged.next_action
    return {
        "id": logged.id,
        "case_id": case_id,
        "stage": logged.stage,
        "promise_id": logged.promise_id,
        "next_action": {
            "channel": after.channel,
            "goal": after.goal,
            "note": after.note,
            "due_at": after.due_at.isoformat() if after.due_at else None,
        },
    }


def _assessment(view: Assessment) -> dict[str, Any]:
    e = view.estimate
    return {
        "case_id": view.case_id,
        "ability": view.ability_level,
        "willingness": view.willingness_level,
        "ability_score": view.ability,
        "willingness_score": view.willingness,
        "reason": view.reason,
        "planner_estimate": {
            "ability": e.ability,
            "willingness": e.willingness,
            "segment": e.segment,
            "source": e.source,
            "as_of": e.as_of.isoformat(),
        },
    }


@router.get("/cases/{case_id}/assessment")
def get_assessment(case_id: PathId, viewer: ApiViewerDep, uow: UowDep) -> dict[str, Any]:
    """The collector's assessment and the planner's estimate beside it."""
    return _assessment(assessment(uow, viewer, case_id))


@router.put("/cases/{case_id}/assessment")
def put_assessment(case_id: PathId, body: AssessmentIn, viewer: ApiViewerDep, uow: UowDep) -> dict[str, Any]:
    """Stores the assessment (levels low 0.2, medium 0.5, high 0.8 on the planner's 0..1 scale)."""
    assess(uow, viewer, case_id, ability=body.ability, willingness=body.willingness, reason=body.reason)
    return _assessment(assessment(uow, viewer, case_id))


def _script(s: sc.Script) -> dict[str, Any]:
    return {
        "stage": s.stage,
        "segment": s.segment,
        "locale": s.locale,
        "opening": s.opening,
        "objections": [asdict(o) for o in s.objections],
        "source": s.source,
        "updated_by": s.updated_by,
        "updated_at": s.updated_at.isoformat() if s.updated_at else None,
    }


@router.get("/scripts")
def get_scripts(
    viewer: ApiViewerDep, uow: UowDep, stage: str = "", segment: str = "", locale: str = ""
) -> list[dict[str, Any]]:
    """Every stage's script (edited or shipped); with `stage`, the one script a case of that stage and
    segment gets in `locale` (default: the caller's language). Placeholders are left in. The floor's: a
    creditor's viewer is refused, as on the scripts page."""
    sc.require_floor(viewer)
    if stage:
        return [_script(sc.script_for(uow, stage, segment or None, locale or viewer.locale))]
    return [_script(s) for s in sc.list_scripts(uow, locale or None)]


@router.get("/visits")
def get_visits(viewer: ApiViewerDep, uow: UowDep, day: str = "") -> list[dict[str, Any]]:
    """The caller's field visits of `day` (YYYY-MM-DD, default today in its zone), by district."""
    try:
        chosen = date.fromisoformat(day) if day else datetime.now(ZoneInfo(viewer.time_zone)).date()
    except ValueError:
        raise InvalidInput("day: {value} is not a date (YYYY-MM-DD)", value=day) from None
    return [
        {
            "district": d.name,
            "visits": [
                {
                    **{k: v for k, v in asdict(v).items() if k not in ("stops", "at")},
                    "at": v.at.isoformat() if v.at else None,
                    "stops": [
                        {
                            **{k: x for k, x in asdict(s).items() if k != "next_allowed_at"},
                            "next_allowed_at": s.next_allowed_at.isoformat() if s.next_allowed_at else None,
                        }
                        for s in v.stops
                    ],
                }
                for v in d.visits
            ],
        }
        for d in visit_day(uow, viewer, chosen)
    ]
