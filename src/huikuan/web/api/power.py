"""JSON API of paced ("power") dialling (services/power_dial.py, docs/telephony.md), for a softphone or
a console of the floor's own:

GET  /api/v1/power              the caller's power dialling: running, pace, counts, the call it waits on,
                                when the next call goes, the cases passed over and why
POST /api/v1/power/start        {"gap_s": 5} starts it (again from nothing); 409 without a telephone system
POST /api/v1/power/stop         stops it
POST /api/v1/power/step         {"now": false} one step: {"did": "dialled", "case_id", "call_id"} or
                                "busy", "waiting" or "stopped", with the state
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from huikuan.config import get_settings
from huikuan.services.calls import floor_phone
from huikuan.services.power_dial import GAP_MAX_S, GAP_S, PowerState, power_state, start, step, stop
from huikuan.web.api.common import ApiViewerDep, Body, UowDep, api_router

router = api_router("/power", "power dialling")


class StartIn(Body):
    gap_s: int = Field(GAP_S, ge=0, le=GAP_MAX_S, description="Seconds free between a call and the next")


class StepIn(Body):
    now: bool = Field(False, description="Dial the next case now, without the rest of the pause")


def as_json(state: PowerState) -> dict[str, Any]:
    def iso(value: Any) -> str | None:
        return value.isoformat() if value is not None else None

    return {
        "running": state.running,
        "gap_s": state.gap_s,
        "started_at": iso(state.started_at),
        "stopped_at": iso(state.stopped_at),
        "stop_reason": state.stop_reason,
        "stop_detail": state.stop_detail,
        "dialled": state.dialled,
        "skipped": state.skipped,
        "last_case_id": state.last_case_id,
        "last_call_id": state.last_call_id,
        "busy": (
            {"call_id": state.busy.call_id, "case_id": state.busy.case_id, "on_line": state.busy.on_line}
            if state.busy
            else None
        ),
        "next_at": iso(state.next_at),
        "passed_over": [
            {
                "case_id": s.case_id,
                "at": s.at.isoformat(),
                "rules": list(s.rules),
                "next_allowed_at": iso(s.next_allowed_at),
            }
            for s in state.skips
        ],
    }


@router.get("")
def get_power(viewer: ApiViewerDep, uow: UowDep) -> dict[str, Any]:
    """The caller's power dialling now."""
    return as_json(power_state(uow, viewer))


@router.post("/start", responses={409: {"description": "The floor has no telephone system"}})
def post_start(body: StartIn, viewer: ApiViewerDep, uow: UowDep) -> dict[str, Any]:
    """Starts power dialling: the next case is dialled once the caller is free and the pause is over."""
    return as_json(start(uow, viewer, floor_phone(get_settings()), gap_s=body.gap_s))


@router.post("/stop")
def post_stop(viewer: ApiViewerDep, uow: UowDep) -> dict[str, Any]:
    """Stops power dialling (a call on the line goes on)."""
    return as_json(stop(uow, viewer))


@router.post("/step")
def post_step(body: StepIn, viewer: ApiViewerDep, uow: UowDep) -> dict[str, Any]:
    """One step of power dialling: dials the next case if the caller is free and the gate allows it."""
    done = step(uow, viewer, floor_phone(get_settings()), at_once=body.now)
    return {"did": done.did, "case_id": done.case_id, "call_id": done.call_id, "state": as_json(done.state)}
