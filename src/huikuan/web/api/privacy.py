"""JSON API of personal-data requests, for administrators only (docs/privacy.md): record a data subject's
erasure request, list them, and download everything held on a debtor (the subject-access export)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from huikuan.domain.ids import MAX_ID
from huikuan.services.erasure import MAX_REASON, ErasureCommand, list_erasure_requests, request_erasure
from huikuan.services.subject_access import export_subject
from huikuan.web.api.common import ApiViewerDep, UowDep, api_router
from huikuan.web.ids import PathId

router = api_router("/privacy", "privacy")


class ErasureIn(BaseModel):
    debtor_id: int = Field(ge=1, le=MAX_ID)
    reason: str = Field(
        min_length=1,
        max_length=MAX_REASON,
        description="What the person asked and how (e.g. its letter's date); never a copy of its data",
        examples=["Letter of 2026-12-01 asking for erasure"],
    )


@router.post("/erasure-requests", status_code=201)
def create_erasure_request(body: ErasureIn, viewer: ApiViewerDep, uow: UowDep) -> dict[str, Any]:
    """Records the request; the debtor is anonymised at once (`status` done) unless it has an open
    account with any creditor: then the request stays `pending` (`held_because` open_account: the debt is
    being collected under a contract) and the retention job applies it when the last account closes."""
    return request_erasure(uow, viewer, ErasureCommand(body.debtor_id, body.reason)).to_dict()


@router.get("/erasure-requests")
def erasure_requests(
    viewer: ApiViewerDep,
    uow: UowDep,
    status: Annotated[str | None, Query(description="pending or done; default both")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 1000,
) -> dict[str, Any]:
    """The erasure requests on record, newest first: `{"items": [...]}`."""
    found = list_erasure_requests(uow, viewer, status=status, limit=limit)
    return {"items": [r.to_dict() for r in found]}


@router.get(
    "/debtors/{debtor_id}/export",
    response_class=Response,
    responses={200: {"content": {"application/zip": {}}, "description": "The ZIP file"}},
)
def subject_access_export(debtor_id: PathId, viewer: ApiViewerDep, uow: UowDep) -> Response:
    """Everything held on the debtor (UK GDPR art. 15, PIPL art. 45) as a ZIP: `subject_access.json`,
    a CSV per table (formulas neutralised) and the letters sent. Audited (`privacy.exported`)."""
    made = export_subject(uow, viewer, debtor_id)
    return Response(
        made.content,
        media_type="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="{made.filename}"',
            "Cache-Control": "no-store",
        },
    )
