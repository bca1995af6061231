"""JSON API of click-to-call (docs/telephony.md): place a call to a case's phone number, read a call.

POST /api/v1/cases/{case_id}/calls   {"contact_point_id": ...}
     201 {"call_id", "state"}            the provider took the call ("placed") or refused it
                                         ("failed", with its words in "error")
     409 {"detail", "rules", "next_allowed_at"}   the gate refused it at this instant: no call made
     409 {"detail"}                     the floor has no telephone system (calls are dialled elsewhere and
                                         recorded by hand): a state of the floor, not a fault
GET  /api/v1/calls/{call_id}         the call's state and record, never the number dialled
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse
from pydantic import Field

from huikuan.config import get_settings
from huikuan.domain.ids import MAX_ID
from huikuan.services.calls import call_view, dial, floor_phone
from huikuan.web.api.common import ApiViewerDep, Body, UowDep, api_router
from huikuan.web.ids import PathId
from huikuan.web.ui.common import request_locale

router = api_router("", "calls")


class CallIn(Body):
    contact_point_id: int = Field(ge=1, le=MAX_ID, description="The phone number to call (its id)")


@router.post(
    "/cases/{case_id}/calls",
    status_code=201,
    responses={
        409: {
            "description": "The compliance gate refuses the call now (its rules and next allowed time), or "
            "the floor has no telephone system"
        },
    },
)
def post_call(case_id: PathId, body: CallIn, request: Request, viewer: ApiViewerDep, uow: UowDep) -> Any:
    """Rings the caller's seat, then the debtor, if the gate allows the call at this instant."""
    done = dial(uow, viewer, case_id, body.contact_point_id, floor_phone(get_settings()))
    if done.state == "refused":
        detail = done.refusal.translated(request_locale(request)) if done.refusal is not None else ""
        return JSONResponse(
            {
                "detail": detail,
                "error": "ComplianceRefused",
                "rules": list(done.rules),
                "next_allowed_at": done.next_allowed_at,
            },
            status_code=409,
        )
    answer: dict[str, Any] = {"call_id": done.call_id, "state": done.state}
    if done.error:
        answer["error"] = done.error
    return JSONResponse(answer, status_code=201)


@router.get("/calls/{call_id}")
def get_call(call_id: PathId, viewer: ApiViewerDep, uow: UowDep) -> dict[str, Any]:
    """A call of a case the caller may see: its state and the provider's record (no number)."""
    view = call_view(uow, viewer, call_id)
    return {
        "id": view.id,
        "case_id": view.case_id,
        "contact_point_id": view.contact_point_id,
        "interaction_id": view.interaction_id,
        "state": view.state,
        "asked_at": view.asked_at.isoformat(),
        "started_at": view.started_at.isoformat() if view.started_at else None,
        "answered": view.answered,
        "ring_seconds": view.ring_seconds,
        "talk_seconds": view.talk_seconds,
        "hung_up_by": view.hung_up_by,
        "error": view.error,
        "announce_recording": view.announce_recording,
    }
