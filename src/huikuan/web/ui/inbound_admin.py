"""The administration's page of the replies no debtor matched (/admin/inbound/unknown): the messages
people sent us from a number, address or WeChat account that no debtor has, newest first, paged with the
true total, each sender masked until a supervisor reveals it (audited; services/inbound_unknown.py).
Linked from the channels' page. Supervisors and administrators only."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request
from fastapi.responses import HTMLResponse

from huikuan.services.case_labels import label
from huikuan.services.inbound_unknown import PER_PAGE, reveal_sender, unknown_messages
from huikuan.web.ids import PathId
from huikuan.web.ui.common import UowDep, ViewerDep, page_router, render, request_locale
from huikuan.web.ui.paging import page_link

router = page_router("/admin/inbound")


@router.get("/unknown", response_class=HTMLResponse)
def unknown_page(
    request: Request,
    viewer: ViewerDep,
    uow: UowDep,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=1_000)] = PER_PAGE,
) -> HTMLResponse:
    """A page of the unknown senders' messages, the senders masked."""
    messages, paging = unknown_messages(uow, viewer, page, per_page)
    locale = request_locale(request)
    context = {
        "messages": messages,
        "paging": paging,
        "page_link": lambda n: page_link(request, n),
        "channel": lambda value: label("channel", value, locale),
    }
    return render(request, "inbound/unknown.html", context)


@router.post("/unknown/{inbound_id}/reveal", response_class=HTMLResponse)
def reveal(request: Request, inbound_id: PathId, viewer: ViewerDep, uow: UowDep) -> HTMLResponse:
    """One message's full sender (audited), swapped in place of its mask and button."""
    value = reveal_sender(uow, viewer, inbound_id)
    return render(request, "case/_revealed.html", {"value": value, "target": f"sender-{inbound_id}"})
