"""Paced ("power") dialling on the pages (services/power_dial.py, docs/telephony.md): the panel on "my work
today" and on the case page starts and stops it; while it runs, the panel steps every few seconds
(htmx), and when a call is dialled the browser opens that case. Without JavaScript the buttons are forms
and "Dial the next case now" takes the step by hand."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from huikuan.config import get_settings
from huikuan.services.calls import floor_phone
from huikuan.services.case_labels import label
from huikuan.services.power_dial import GAP_MAX_S, GAP_S, PowerState, start, step, stop
from huikuan.web.ui.common import UowDep, ViewerDep, is_htmx, page_router, render, request_locale

router = page_router()

PACES = (0, 5, 10, 20, 30, 60)  # the pauses the panel offers, in seconds
STEP_EVERY_S = 3  # how often a running panel steps


def panel_context(request: Request, state: PowerState, did: str = "") -> dict[str, Any]:
    """What queue/_power.html needs beside the page's own context."""
    locale = request_locale(request)
    viewer = request.state.viewer
    zone = ZoneInfo(viewer.time_zone)

    def dt_seconds(value: datetime | None) -> str:
        return value.astimezone(zone).strftime("%H:%M:%S") if value is not None else ""

    def lbl(vocabulary: str, value: str | None) -> str:
        return label(vocabulary, value, locale)

    return {
        "power": state,
        "did": did,
        "paces": PACES,
        "gap_default": GAP_S,
        "every_s": STEP_EVERY_S,
        "dt_seconds": dt_seconds,
        "lbl": lbl,
    }


def panel(request: Request, state: PowerState, did: str = "") -> HTMLResponse:
    return render(request, "queue/_power.html", panel_context(request, state, did))


def _answer(request: Request, state: PowerState, back: str) -> Response:
    if is_htmx(request):
        return panel(request, state)
    return RedirectResponse(back if back.startswith("/cases/") else "/queue", status_code=303)


@router.post("/power/start", response_class=HTMLResponse)
def power_start(
    request: Request,
    viewer: ViewerDep,
    uow: UowDep,
    gap_s: Annotated[int, Form(ge=0, le=GAP_MAX_S)] = GAP_S,
    back: Annotated[str, Form()] = "/queue",
) -> Response:
    """Starts power dialling at the chosen pause between calls."""
    state = start(uow, viewer, floor_phone(get_settings()), gap_s=gap_s)
    return _answer(request, state, back)


@router.post("/power/stop", response_class=HTMLResponse)
def power_stop(
    request: Request, viewer: ViewerDep, uow: UowDep, back: Annotated[str, Form()] = "/queue"
) -> Response:
    """Stops it: the call on the line goes on, no next one is dialled."""
    return _answer(request, stop(uow, viewer), back)


@router.post("/power/step", response_class=HTMLResponse)
def power_step(
    request: Request, viewer: ViewerDep, uow: UowDep, now: Annotated[bool, Form()] = False
) -> Response:
    """One step: dials the next case if the collector is free and the pause is over (`now`: without
    waiting for the rest of the pause; the browser then opens the case), else says what it waits for."""
    done = step(uow, viewer, floor_phone(get_settings()), at_once=now)
    if done.did == "dialled" and done.case_id is not None:
        where = f"/cases/{done.case_id}"
        if is_htmx(request):
            return Response(status_code=200, headers={"HX-Redirect": where})
        return RedirectResponse(where, status_code=303)
    if not is_htmx(request):
        return RedirectResponse("/queue", status_code=303)
    return panel(request, done.state, done.did)
