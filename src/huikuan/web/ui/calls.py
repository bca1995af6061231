"""Click-to-call on the pages (docs/telephony.md): the Call button beside a phone number on the case page
and in the queue posts here; htmx gets a small fragment in place of the button's note, a plain form post
a page of its own with the same words and a link back. The number never reaches the page: the service
reads it on the server (services/calls.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import HTMLResponse

from huikuan.config import get_settings
from huikuan.domain.ids import MAX_ID
from huikuan.services.calls import dial, floor_phone
from huikuan.web.ids import PathId
from huikuan.web.ui.common import UowDep, ViewerDep, is_htmx, page_router, render, request_locale

router = page_router()


@router.post("/cases/{case_id}/calls", response_class=HTMLResponse)
def call(
    request: Request,
    case_id: PathId,
    viewer: ViewerDep,
    uow: UowDep,
    contact_point_id: Annotated[int, Form(ge=1, le=MAX_ID)],
) -> HTMLResponse:
    """Rings the collector's seat, then the debtor, if the gate allows the call now."""
    done = dial(uow, viewer, case_id, contact_point_id, floor_phone(get_settings()))
    refusal = done.refusal.translated(request_locale(request)) if done.refusal is not None else ""
    context = {"done": done, "refusal": refusal, "case_id": case_id, "point_id": contact_point_id}
    if is_htmx(request):
        answer = render(request, "case/_call.html", context)
        if done.state == "placed":  # the contact form now completes this call's contact
            answer.headers["HX-Trigger"] = "call-placed"
        return answer
    return render(request, "case/call_result.html", context)
