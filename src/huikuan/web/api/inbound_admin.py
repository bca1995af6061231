"""The administration's API of the replies no debtor matched: the same service as the page
/admin/inbound/unknown (services/inbound_unknown.py): a page of them newest first with the true total,
each sender masked, and the audited reveal of one sender. Supervisors and administrators only."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import Query

from huikuan.services.inbound_unknown import PER_PAGE, reveal_sender, unknown_messages
from huikuan.web.api.common import ApiViewerDep, UowDep, api_router
from huikuan.web.ids import PathId

router = api_router("/admin/inbound", "administration")


@router.get("/unknown")
def list_unknown(
    viewer: ApiViewerDep,
    uow: UowDep,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=1_000)] = PER_PAGE,
) -> dict[str, Any]:
    """The messages from senders no debtor has, newest first; `sender` is masked (reveal it below)."""
    messages, paging = unknown_messages(uow, viewer, page, per_page)
    rows = [{**asdict(m), "received_at": m.received_at.isoformat()} for m in messages]
    return {"messages": rows, "paging": paging.to_dict()}


@router.post("/unknown/{inbound_id}/reveal")
def reveal(inbound_id: PathId, viewer: ApiViewerDep, uow: UowDep) -> dict[str, str]:
    """One message's full sender; every reveal is audited."""
    return {"sender": reveal_sender(uow, viewer, inbound_id)}
