"""JSON API of the queue: my work today (or a supervisor's team view), take the next case, give one back."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from huikuan.services.case_filter import CaseFilter, parse_sort
from huikuan.services.queue import PER_PAGE, QueueQuery, queue_page
from huikuan.services.queue_claims import next_case, release_case
from huikuan.web.api.common import ApiViewerDep, UowDep, api_router
from huikuan.web.ids import PathId

router = api_router("/queue", "queue")


@router.get("")
def queue(
    request: Request,
    viewer: ApiViewerDep,
    uow: UowDep,
    all: bool = False,
    page: int = 1,
    per_page: int = PER_PAGE,
    sort: str = "queue",
) -> dict[str, Any]:
    """One page of the viewer's work today in queue order; `all=true` (supervisors): every workable case.

    `{"items": [...], "total", "page", "per_page", "pages", "has_previous", "has_next"}`: `total` counts
    every case of the list, not the page's. `per_page` is at most 1000. Balances are decimal strings
    beside their currency. Filters: `creditor` (id), `stage`, `segment`, `dpd` (0-30, 31-60, 61-90,
    91-180, 181-360, 361+), `due` (overdue, today, later, unset), `collector` (an id or "pool"); `sort`:
    queue, balance, dpd, due or creditor. A creditor's viewer has no queue (403): see /api/v1/portfolio."""
    narrow = CaseFilter.parse(request.query_params)
    ask = QueueQuery(team=all, narrow=narrow, sort=parse_sort(sort), page=page, per_page=per_page)
    return queue_page(uow, viewer, ask=ask).to_dict()


@router.post("/next")
def take_next(viewer: ApiViewerDep, uow: UowDep) -> dict[str, int | None]:
    """Claims the next case for the caller (releasing its previous one): `{"case_id": id}`, or null."""
    return {"case_id": next_case(uow, viewer)}


@router.post("/{case_id}/release")
def release(case_id: PathId, viewer: ApiViewerDep, uow: UowDep) -> dict[str, bool]:
    """Gives the case back to the queue: `{"released": true}`, or false if no one held it."""
    return {"released": release_case(uow, viewer, case_id)}
