"""JSON API of disputes, complaints and their documents (docs: "Disputes and complaints").

Lists show the cases the caller may see (a collector its own and its team's; a creditor's viewer its
creditor's, read-only); writes need a case the caller may work, as every other write. A document is
uploaded as multipart/form-data (fields `kind` and `file`) and downloaded as itself, never inline.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import File, Form, Query, Response, UploadFile
from pydantic import BaseModel, Field

from huikuan.config import get_settings
from huikuan.domain.ids import MAX_ID
from huikuan.errors import InvalidInput
from huikuan.services import complaints as cs
from huikuan.services import dispute_steps
from huikuan.services import disputes as ds
from huikuan.services.documents import Upload, add_document, documents_of, read_document
from huikuan.web.api.common import ApiViewerDep, UowDep, api_router
from huikuan.web.ids import PathId
from huikuan.web.ui.disputes import document_response

router = api_router("", "disputes")


class PagingOut(BaseModel):
    total: int
    page: int
    per_page: int
    pages: int
    has_previous: bool
    has_next: bool


class DocumentOut(BaseModel):
    id: int
    kind: str
    filename: str
    content_type: str
    size: int
    sha256: str
    created_at: datetime


class DisputeOut(BaseModel):
    id: int
    case_id: int
    debtor_id: int
    account_id: int | None = Field(description="null: every account of the case")
    via: str
    written: bool
    status: str = Field(description="open, verification_requested, verification_received, resolved or upheld")
    stops_collection: bool = Field(description="whether the gate refuses collection of what it names")
    deadline: date | None
    overdue: bool
    age_days: int
    opened_at: datetime
    requested_at: datetime | None
    received_at: datetime | None
    closed_at: datetime | None
    told: str | None = Field(description="how the debtor is told of a resolution: letter_due or message")
    notes: str
    debtor_name: str | None = None
    documents: list[DocumentOut] = []


class DisputeList(BaseModel):
    items: list[DisputeOut]
    paging: PagingOut


class ComplaintOut(BaseModel):
    id: int
    case_id: int
    debtor_id: int
    channel: str
    category: str
    regulator: str
    regulator_ref: str
    status: str = Field(description="received, acknowledged, answered or closed")
    due_on: date
    overdue: bool
    age_days: int
    received_at: datetime
    acknowledged_at: datetime | None
    answered_at: datetime | None
    closed_at: datetime | None
    notes: str
    debtor_name: str | None = None
    documents: list[DocumentOut] = []


class ComplaintList(BaseModel):
    items: list[ComplaintOut]
    paging: PagingOut


class DisputeIn(BaseModel):
    via: str = Field(description="contact, message_reply, letter, portal or creditor")
    written: bool = Field(description="raised in writing (a letter, a message, the portal)")
    account_id: int | None = Field(default=None, ge=1, le=MAX_ID, description="unset: every account")
    notes: str = Field(default="", max_length=2000)
    at: datetime | None = Field(default=None, description="when it was received; unset: now")


class DisputeStep(BaseModel):
    to: str = Field(description="verification_requested, verification_received, resolved or upheld")
    notes: str = Field(default="", max_length=2000)
    balance: int | None = Field(
        default=None, ge=0, description="upheld only: the account's corrected balance in minor units"
    )


class ComplaintIn(BaseModel):
    channel: str = Field(description="call, letter, email, message, portal, regulator or creditor")
    category: str = Field(description="conduct, contact, amount, privacy or other")
    regulator: str = Field(default="none", description="none, cn_12378, cn_pboc, cfpb, fos or fca")
    regulator_ref: str = Field(default="", max_length=60)
    notes: str = Field(default="", max_length=4000)
    at: datetime | None = Field(default=None, description="when it was received; unset: now")


class ComplaintStep(BaseModel):
    to: str = Field(description="acknowledged, answered or closed")
    notes: str = Field(default="", max_length=4000)


Page = Annotated[int, Query(ge=1, le=1_000_000)]
PerPage = Annotated[int, Query(ge=1, le=200)]


@router.get("/disputes", response_model=DisputeList)
def list_disputes(
    viewer: ApiViewerDep,
    uow: UowDep,
    state: Annotated[str, Query(pattern="^(open|closed)$")] = "open",
    page: Page = 1,
    per_page: PerPage = 50,
) -> dict[str, Any]:
    """Disputes of the cases the caller sees: open ones oldest first (with their age and deadline)."""
    rows, pages = ds.dispute_list(uow, viewer, page=page, per_page=per_page, state=state)
    return {"items": rows, "paging": pages.to_dict()}


@router.post("/cases/{case_id}/disputes", status_code=201, response_model=DisputeOut)
def post_dispute(case_id: PathId, body: DisputeIn, viewer: ApiViewerDep, uow: UowDep) -> dict[str, Any]:
    """Opens a dispute of one account (or all) of the case. Where the pack says so the gate refuses
    collection of it from this moment until it is resolved or upheld."""
    new_id = ds.open_dispute(
        uow,
        viewer,
        case_id,
        via=body.via,
        written=body.written,
        account_id=body.account_id,
        notes=body.notes,
        at=body.at,
    )
    return _dispute(uow, viewer, new_id)


@router.get("/cases/{case_id}/disputes", response_model=list[DisputeOut])
def case_disputes(case_id: PathId, viewer: ApiViewerDep, uow: UowDep) -> list[dict[str, Any]]:
    """Every dispute of the case, newest first, with its documents."""
    rows = ds.case_disputes(uow, viewer, case_id)
    docs = documents_of(uow, "dispute", [r["id"] for r in rows])
    return [{**r, "documents": docs.get(r["id"], [])} for r in rows]


@router.get("/disputes/{dispute_id}", response_model=DisputeOut)
def get_dispute(dispute_id: PathId, viewer: ApiViewerDep, uow: UowDep) -> dict[str, Any]:
    return _dispute(uow, viewer, dispute_id)


@router.post("/disputes/{dispute_id}/advance", response_model=DisputeOut)
def advance_dispute(
    dispute_id: PathId, body: DisputeStep, viewer: ApiViewerDep, uow: UowDep
) -> dict[str, Any]:
    """One step of the loop: open → verification_requested → verification_received → resolved; upheld
    from any open step (the account closed, or its balance corrected with `balance`)."""
    dispute_steps.advance_dispute(uow, viewer, dispute_id, to=body.to, notes=body.notes, balance=body.balance)
    return _dispute(uow, viewer, dispute_id)


@router.post("/disputes/{dispute_id}/documents", status_code=201, response_model=DocumentOut)
def upload_dispute_document(
    dispute_id: PathId,
    viewer: ApiViewerDep,
    uow: UowDep,
    file: Annotated[UploadFile, File(description="PDF, PNG, JPEG or WebP")],
    kind: Annotated[str, Form(description="verification or evidence")] = "verification",
) -> dict[str, Any]:
    """Keeps a document of the dispute (the creditor's verification, the debtor's evidence)."""
    return _upload(uow, viewer, "dispute", dispute_id, kind, file)


@router.get("/complaints", response_model=ComplaintList)
def list_complaints(
    viewer: ApiViewerDep,
    uow: UowDep,
    state: Annotated[str, Query(pattern="^(open|overdue|closed)$")] = "open",
    page: Page = 1,
    per_page: PerPage = 50,
) -> dict[str, Any]:
    """Complaints of the cases the caller sees: open ones with the overdue first; `state=overdue` only
    those past their due day."""
    rows, pages = cs.complaint_list(uow, viewer, page=page, per_page=per_page, state=state)
    return {"items": rows, "paging": pages.to_dict()}


@router.post("/cases/{case_id}/complaints", status_code=201, response_model=ComplaintOut)
def post_complaint(case_id: PathId, body: ComplaintIn, viewer: ApiViewerDep, uow: UowDep) -> dict[str, Any]:
    """Registers a complaint; it is due by the pack's deadline (cn 15 days, us 15, uk 8 weeks)."""
    new_id = cs.record_complaint(
        uow,
        viewer,
        case_id,
        channel=body.channel,
        category=body.category,
        regulator=body.regulator,
        regulator_ref=body.regulator_ref,
        notes=body.notes,
        at=body.at,
    )
    return _complaint(uow, viewer, new_id)


@router.get("/cases/{case_id}/complaints", response_model=list[ComplaintOut])
def case_complaints(case_id: PathId, viewer: ApiViewerDep, uow: UowDep) -> list[dict[str, Any]]:
    rows = cs.case_complaints(uow, viewer, case_id)
    docs = documents_of(uow, "complaint", [r["id"] for r in rows])
    return [{**r, "documents": docs.get(r["id"], [])} for r in rows]


@router.get("/complaints/{complaint_id}", response_model=ComplaintOut)
def get_complaint(complaint_id: PathId, viewer: ApiViewerDep, uow: UowDep) -> dict[str, Any]:
    return _complaint(uow, viewer, complaint_id)


@router.post("/complaints/{complaint_id}/advance", response_model=ComplaintOut)
def advance_complaint(
    complaint_id: PathId, body: ComplaintStep, viewer: ApiViewerDep, uow: UowDep
) -> dict[str, Any]:
    """One step: received → acknowledged → answered → closed (a step may be skipped, never undone)."""
    cs.advance_complaint(uow, viewer, complaint_id, to=body.to, notes=body.notes)
    return _complaint(uow, viewer, complaint_id)


@router.post("/complaints/{complaint_id}/documents", status_code=201, response_model=DocumentOut)
def upload_complaint_document(
    complaint_id: PathId,
    viewer: ApiViewerDep,
    uow: UowDep,
    file: Annotated[UploadFile, File(description="PDF, PNG, JPEG or WebP")],
    kind: Annotated[str, Form(description="evidence or letter")] = "evidence",
) -> dict[str, Any]:
    return _upload(uow, viewer, "complaint", complaint_id, kind, file)


@router.get(
    "/documents/{document_id}",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}, "image/png": {}, "image/jpeg": {}}}},
)
def download_document(document_id: PathId, viewer: ApiViewerDep, uow: UowDep) -> Response:
    """The document's bytes, as an attachment, to whoever may see its case; audited."""
    row, data = read_document(uow, viewer, document_id)
    return document_response(row, data)


def _upload(
    uow: Any, viewer: Any, entity: str, entity_id: int, kind: str, file: UploadFile
) -> dict[str, Any]:
    """Plain `def` (the database work in a worker thread): the spooled file is read synchronously, up to
    one byte past the limit, which add_document then refuses."""
    data = file.file.read(get_settings().document_max_bytes + 1)
    if not file.filename:
        raise InvalidInput("file: choose a file to upload")
    upload = Upload(entity, entity_id, kind, file.filename, file.content_type or "", data)
    new_id = add_document(uow, viewer, upload)
    docs = documents_of(uow, entity, [entity_id])[entity_id]
    return next(d for d in docs if d["id"] == new_id)


def _dispute(uow: Any, viewer: Any, dispute_id: int) -> dict[str, Any]:
    row = ds.dispute_row(uow, viewer, dispute_id)
    return {**row, "documents": documents_of(uow, "dispute", [dispute_id]).get(dispute_id, [])}


def _complaint(uow: Any, viewer: Any, complaint_id: int) -> dict[str, Any]:
    row = cs.complaint_row(uow, viewer, complaint_id)
    return {**row, "documents": documents_of(uow, "complaint", [complaint_id]).get(complaint_id, [])}
