"""The collector's queue pages: "my work today", the supervisor's team view, taking the next case and
giving a case back. The order and the claiming rules live in services/queue.py."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from huikuan.i18n import gettext
from huikuan.services.access import Viewer
from huikuan.services.queue import my_work, next_case, release_case, team_queue
from huikuan.storage.uow import UnitOfWork
from huikuan.web.ui.common import UowDep, ViewerDep, page_router, render, request_locale

router = page_router()

STAGE_LABELS = {
    "new": "New",
    "contacting": "Contacting",
    "promised": "Promised",
    "arrangement": "Arrangement",
    "dispute": "Dispute",
    "hold": "Hold",
    "closed": "Closed",
}
CHANNEL_LABELS = {
    "call": "Call",
    "voicemail": "Voicemail",
    "sms": "SMS",
    "email": "Email",
    "letter": "Letter",
    "visit": "Visit",
    "wechat": "WeChat",
    "none": "No contact",
}
TEAM_VIEW = "/queue?all=1"


def _page(
    request: Request, uow: UnitOfWork, viewer: Viewer, *, team: bool, notice: str | None = None
) -> HTMLResponse:
    locale = request_locale(request)
    items = team_queue(uow, viewer) if team else my_work(uow, viewer)

    def stage(value: str) -> str:
        return gettext(STAGE_LABELS.get(value, value), locale)

    def channel(value: str | None) -> str:
        return gettext(CHANNEL_LABELS.get(value, value), locale) if value else ""

    context = {"items": items, "team": team, "notice": notice, "stage": stage, "channel": channel}
    return render(request, "queue/page.html", context)


@router.get("/queue", response_class=HTMLResponse)
def queue_page(request: Request, viewer: ViewerDep, uow: UowDep, all: bool = False) -> HTMLResponse:
    """My work today; `?all=1`: a supervisor's view of every workable case and who holds it."""
    return _page(request, uow, viewer, team=all)


@router.post("/queue/next", response_class=HTMLResponse)
def take_next(request: Request, viewer: ViewerDep, uow: UowDep) -> Response:
    """Claims the next case and opens it; with nothing due, the queue says so."""
    case_id = next_case(uow, viewer)
    if case_id is None:
        notice = gettext("Nothing is due now", request_locale(request))
        return _page(request, uow, viewer, team=False, notice=notice)
    return RedirectResponse(f"/cases/{case_id}", status_code=303)


@router.post("/cases/{case_id}/release")
def release(
    case_id: int, viewer: ViewerDep, uow: UowDep, back: Annotated[str, Form()] = "/queue"
) -> Response:
    """Gives the case back to the queue (one's own claim; a supervisor: anyone's)."""
    release_case(uow, viewer, case_id)
    return RedirectResponse(TEAM_VIEW if back == TEAM_VIEW else "/queue", status_code=303)
