"""The collector's queue pages: "my work today", the supervisor's team view, taking the next case and
giving a case back. The order and the paging live in services/queue.py, the claiming rules in
services/queue_claims.py. A creditor's viewer has no queue: it is sent to its portfolio
(web/ui/portfolio.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from huikuan.config import get_settings
from huikuan.i18n import gettext
from huikuan.services.access import Viewer
from huikuan.services.calls import best_phone_points, may_click_to_call
from huikuan.services.case_filter import CaseFilter, parse_sort
from huikuan.services.case_labels import label
from huikuan.services.complaints import open_complaint_cases
from huikuan.services.power_dial import power_state
from huikuan.services.queue import QueueQuery, queue_page
from huikuan.services.queue_claims import next_case, release_case
from huikuan.services.workload import filter_choices
from huikuan.storage.uow import UnitOfWork
from huikuan.web.ids import PathId
from huikuan.web.ui.common import UowDep, ViewerDep, page_router, render, request_locale
from huikuan.web.ui.paging import page_link
from huikuan.web.ui.power import panel_context

router = page_router()

QUEUE = "/queue"
PORTFOLIO = "/portfolio"
PER_PAGE = 50
MAX_PER_PAGE = 200


def _page(
    request: Request,
    uow: UnitOfWork,
    viewer: Viewer,
    *,
    team: bool,
    page: int = 1,
    per_page: int = PER_PAGE,
    notice: str | None = None,
) -> HTMLResponse:
    locale = request_locale(request)
    params = request.query_params
    narrow = CaseFilter.parse(params)
    if not viewer.supervises:
        narrow = narrow.without_collector()
    sort = parse_sort(params.get("sort"))
    ask = QueueQuery(team=team, narrow=narrow, sort=sort, page=page, per_page=min(per_page, MAX_PER_PAGE))
    shown = queue_page(uow, viewer, ask=ask)

    def lbl(vocabulary: str, value: str | None) -> str:
        return label(vocabulary, value, locale)

    calling = may_click_to_call(uow, viewer, get_settings())
    context = {
        # Paced dialling (web/ui/power.py) on "my work today", where there is a seat to ring.
        **(panel_context(request, power_state(uow, viewer)) if calling and not team else {"power": None}),
        "items": shown.items,
        "paging": shown.paging,
        "page_link": lambda number: page_link(request, number, QUEUE),
        "back": QUEUE + (f"?{request.url.query}" if request.url.query else ""),
        "team": team,
        "notice": notice,
        "lbl": lbl,
        "f": {**narrow.query(), "sort": sort},
        "choices": filter_choices(uow, viewer),
        # Cases with a complaint not yet closed, flagged to supervisors.
        "complained": open_complaint_cases(uow, [i.case_id for i in shown.items])
        if viewer.supervises
        else set(),
        # The Call button of each row the viewer works: the case's best phone number (docs/telephony.md).
        "call_points": best_phone_points(
            uow, [i.case_id for i in shown.items if i.claimed_by in (None, viewer.user_id)]
        )
        if calling
        else {},
    }
    return render(request, "queue/page.html", context)


@router.get("/queue", response_class=HTMLResponse)
def queue(
    request: Request,
    viewer: ViewerDep,
    uow: UowDep,
    all: bool = False,
    page: int = 1,
    per_page: int = PER_PAGE,
) -> Response:
    """My work today; `?all=1`: a supervisor's view of every workable case and who holds it. `page`
    and `per_page` walk through it; `creditor`, `stage`, `segment`, `dpd`, `due` (and, for a supervisor,
    `collector`) filter it and `sort` orders it (services/case_filter.py).
    A creditor's viewer is sent to its portfolio."""
    if viewer.read_only:
        return RedirectResponse(PORTFOLIO, status_code=303)
    return _page(request, uow, viewer, team=all, page=page, per_page=per_page)


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
    case_id: PathId, viewer: ViewerDep, uow: UowDep, back: Annotated[str, Form()] = "/queue"
) -> Response:
    """Gives the case back to the queue (one's own claim; a supervisor: anyone's), back to the queue page
    it was released from."""
    release_case(uow, viewer, case_id)
    return RedirectResponse(back if back.startswith(("/queue?", "/queue#")) else "/queue", status_code=303)
