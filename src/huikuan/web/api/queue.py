"""JSON API of the queue: my work today (or a supervisor's team view), take the next case, give one back."""

from __future__ import annotations

from typing import Any

from huikuan.services.queue import my_work, next_case, release_case, team_queue
from huikuan.web.api.common import ApiViewerDep, UowDep, api_router

router = api_router("/queue", "queue")


@router.get("")
def queue(viewer: ApiViewerDep, uow: UowDep, all: bool = False, limit: int = 100) -> dict[str, Any]:
    """The viewer's work today in queue order; `all=true` (supervisors): every workable case.

    Balances are decimal strings beside their currency."""
    bounded = max(1, min(limit, 1000))
    items = team_queue(uow, viewer, limit=bounded) if all else my_work(uow, viewer, limit=bounded)
    return {"items": [item.to_dict() for item in items]}


@router.post("/next")
def take_next(viewer: ApiViewerDep, uow: UowDep) -> dict[str, int | None]:
    """Claims the next case for the caller (releasing its previous one): `{"case_id": id}`, or null."""
    return {"case_id": next_case(uow, viewer)}


@router.post("/{case_id}/release")
def release(case_id: int, viewer: ApiViewerDep, uow: UowDep) -> dict[str, bool]:
    """Gives the case back to the queue: `{"released": true}`, or false if no one held it."""
    return {"released": release_case(uow, viewer, case_id)}
