"""Pages of disputes and complaints: the case page's tab (its two panels and their forms), the lists of
open disputes and of complaints (overdue first) for supervisors, and a document's download.

Who sees what (the access matrix): every list and panel shows the cases the viewer may see; a collector
its own and its team's, a creditor's viewer its creditor's, read-only (no forms). Forms are shown to
whoever may work the case now, as every other panel of the case page.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from huikuan.config import get_settings
from huikuan.domain.disputes import COMPLAINT_STEPS, DISPUTE_STEPS
from huikuan.domain.ids import MAX_ID
from huikuan.errors import InvalidInput
from huikuan.i18n import gettext
from huikuan.services import complaints as cs
from huikuan.services import dispute_steps
from huikuan.services import disputes as ds
from huikuan.services.access import Viewer, may_work
from huikuan.services.documents import Upload, add_document, documents_of, read_document
from huikuan.storage.uow import UnitOfWork
from huikuan.web.ids import PathId
from huikuan.web.ui.common import (
    UowDep,
    ViewerDep,
    case_changed,
    is_htmx,
    labeller,
    page_router,
    render,
    request_locale,
)
from huikuan.web.ui.paging import page_link

router = page_router()

# The words of each closed vocabulary (English msgids; zh_CN in disputes.po).
LABELS: dict[str, dict[str, str]] = {
    "dispute_status": {
        "open": "Opened: verification not yet requested",
        "verification_requested": "Verification requested",
        "verification_received": "Verification received",
        "resolved": "Resolved: collection resumes",
        "upheld": "Upheld: account closed or adjusted",
    },
    "step": {
        "verification_requested": "Request verification from the creditor",
        "verification_received": "Verification received",
        "resolved": "Resolve: the debt is owed",
        "upheld": "Uphold: the debtor is right",
        "acknowledged": "Acknowledge",
        "answered": "Answer",
        "closed": "Close",
    },
    "via": {
        "contact": "In a call or visit",
        "message_reply": "Reply to a message",
        "letter": "Letter",
        "portal": "Portal",
        "creditor": "Through the creditor",
    },
    "complaint_status": {
        "received": "Received, not yet acknowledged",
        "acknowledged": "Acknowledged",
        "answered": "Answered",
        "closed": "Closed",
    },
    "channel": {
        "call": "Call",
        "letter": "Letter",
        "email": "Email",
        "message": "Message",
        "portal": "Portal",
        "regulator": "Through a regulator",
        "creditor": "Through the creditor",
    },
    "category": {
        "conduct": "A collector's conduct",
        "contact": "Contact: too often, a bad time or place, a third party",
        "amount": "The amount or the fees",
        "privacy": "Personal data",
        "other": "Other",
    },
    "regulator": {
        "none": "None",
        "cn_12378": "12378 (NFRA consumer hotline)",
        "cn_pboc": "12363 (People's Bank of China)",
        "cfpb": "CFPB",
        "fos": "Financial Ombudsman Service",
        "fca": "FCA",
    },
    "kind": {"verification": "Verification", "evidence": "The debtor's evidence", "letter": "Letter"},
    "told": {"letter_due": "A letter telling the debtor is due", "message": "The debtor was sent a message"},
}


def _helpers(request: Request) -> dict[str, Any]:
    return {"lbl": labeller(request, LABELS), "labels": LABELS}


# --- the case page's panels ------------------------------------------------------------------------


def _disputes_panel(
    request: Request, uow: UnitOfWork, viewer: Viewer, case_id: int, notice: str = ""
) -> HTMLResponse:
    rows = ds.case_disputes(uow, viewer, case_id)
    docs = documents_of(uow, "dispute", [r["id"] for r in rows])
    context = {
        "case_id": case_id,
        "disputes": [{**r, "documents": docs.get(r["id"], [])} for r in rows],
        "accounts": ds.case_accounts(uow, case_id),
        "steps": {s.value: [n.value for n in after] for s, after in DISPUTE_STEPS.items()},
        "can_write": may_work(uow, viewer, case_id),
        "notice": notice,
        **_helpers(request),
    }
    return render(request, "case/_disputes.html", context)


def _complaints_panel(
    request: Request, uow: UnitOfWork, viewer: Viewer, case_id: int, notice: str = ""
) -> HTMLResponse:
    context = {
        "case_id": case_id,
        "complaints": cs.case_complaints(uow, viewer, case_id),
        "steps": {s.value: [n.value for n in after] for s, after in COMPLAINT_STEPS.items()},
        "can_write": may_work(uow, viewer, case_id),
        "notice": notice,
        **_helpers(request),
    }
    return render(request, "case/_complaints.html", context)


@router.get("/cases/{case_id}/panels/disputes", response_class=HTMLResponse)
def disputes_panel(request: Request, case_id: PathId, viewer: ViewerDep, uow: UowDep) -> HTMLResponse:
    return _disputes_panel(request, uow, viewer, case_id)


@router.get("/cases/{case_id}/panels/complaints", response_class=HTMLResponse)
def complaints_panel(request: Request, case_id: PathId, viewer: ViewerDep, uow: UowDep) -> HTMLResponse:
    return _complaints_panel(request, uow, viewer, case_id)


def _answer(request: Request, case_id: int, panel: HTMLResponse) -> Response:
    if not is_htmx(request):
        return RedirectResponse(f"/cases/{case_id}?tab=disputes", status_code=303)
    return case_changed(panel)


@router.post("/cases/{case_id}/disputes", response_class=HTMLResponse)
def post_dispute(
    request: Request,
    case_id: PathId,
    viewer: ViewerDep,
    uow: UowDep,
    via: Annotated[str, Form()],
    written: Annotated[bool, Form()] = False,
    account_id: Annotated[str, Form()] = "",
    notes: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Opens a dispute of one account, or of every account when none is chosen."""
    account = _account(account_id)
    ds.open_dispute(uow, viewer, case_id, via=via, written=written, account_id=account, notes=notes)
    notice = gettext("Dispute opened.", request_locale(request))
    return _answer(request, case_id, _disputes_panel(request, uow, viewer, case_id, notice))


@router.post("/disputes/{dispute_id}/advance", response_class=HTMLResponse)
def post_dispute_step(
    request: Request,
    dispute_id: PathId,
    viewer: ViewerDep,
    uow: UowDep,
    to: Annotated[str, Form()],
    notes: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    row = dispute_steps.advance_dispute(uow, viewer, dispute_id, to=to, notes=notes)
    locale = request_locale(request)
    notice = gettext(
        "Dispute updated: {status}.", locale, status=_helpers(request)["lbl"]("dispute_status", to)
    )
    return _answer(request, row["case_id"], _disputes_panel(request, uow, viewer, row["case_id"], notice))


@router.post("/disputes/{dispute_id}/documents", response_class=HTMLResponse)
def post_dispute_document(
    request: Request,
    dispute_id: PathId,
    viewer: ViewerDep,
    uow: UowDep,
    file: Annotated[UploadFile, File()],
    kind: Annotated[str, Form()] = "verification",
) -> Response:
    """Attaches the creditor's verification or the debtor's evidence (PDF or an image)."""
    data = file.file.read(get_settings().document_max_bytes + 1)
    if not file.filename:
        raise InvalidInput("file: choose a file to upload")
    add_document(
        uow, viewer, Upload("dispute", dispute_id, kind, file.filename, file.content_type or "", data)
    )
    case_id = ds.dispute_row(uow, viewer, dispute_id)["case_id"]
    notice = gettext("Document attached.", request_locale(request))
    return _answer(request, case_id, _disputes_panel(request, uow, viewer, case_id, notice))


@router.post("/cases/{case_id}/complaints", response_class=HTMLResponse)
def post_complaint(
    request: Request,
    case_id: PathId,
    viewer: ViewerDep,
    uow: UowDep,
    channel: Annotated[str, Form()],
    category: Annotated[str, Form()],
    regulator: Annotated[str, Form()] = "none",
    regulator_ref: Annotated[str, Form(max_length=60)] = "",
    notes: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    cs.record_complaint(
        uow,
        viewer,
        case_id,
        channel=channel,
        category=category,
        regulator=regulator,
        regulator_ref=regulator_ref,
        notes=notes,
    )
    notice = gettext("Complaint recorded.", request_locale(request))
    return _answer(request, case_id, _complaints_panel(request, uow, viewer, case_id, notice))


@router.post("/complaints/{complaint_id}/advance", response_class=HTMLResponse)
def post_complaint_step(
    request: Request,
    complaint_id: PathId,
    viewer: ViewerDep,
    uow: UowDep,
    to: Annotated[str, Form()],
    notes: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    row = cs.advance_complaint(uow, viewer, complaint_id, to=to, notes=notes)
    locale = request_locale(request)
    notice = gettext(
        "Complaint updated: {status}.", locale, status=_helpers(request)["lbl"]("complaint_status", to)
    )
    return _answer(request, row["case_id"], _complaints_panel(request, uow, viewer, row["case_id"], notice))


@router.get("/documents/{document_id}")
def get_document(document_id: PathId, viewer: ViewerDep, uow: UowDep) -> Response:
    """A document, as an attachment, to whoever may see its case (audited)."""
    row, data = read_document(uow, viewer, document_id)
    return document_response(row, data)


def document_response(row: dict[str, Any], data: bytes) -> Response:
    name = quote(row["filename"])
    return Response(
        data,
        media_type=row["content_type"],
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{name}",
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


# --- the lists -------------------------------------------------------------------------------------

Page = Annotated[int, Query(ge=1, le=1_000_000)]


@router.get("/disputes", response_class=HTMLResponse)
def disputes_page(
    request: Request,
    viewer: ViewerDep,
    uow: UowDep,
    state: Annotated[str, Query(pattern="^(open|closed)$")] = "open",
    page: Page = 1,
) -> HTMLResponse:
    """Open disputes, oldest first, with their age and deadline (or the closed ones)."""
    rows, paging = ds.dispute_list(uow, viewer, page=page, per_page=50, state=state)
    context = {
        "rows": rows,
        "paging": paging,
        "state": state,
        "page_link": lambda number: page_link(request, number),
        **_helpers(request),
    }
    return render(request, "disputes/list.html", context)


@router.get("/complaints", response_class=HTMLResponse)
def complaints_page(
    request: Request,
    viewer: ViewerDep,
    uow: UowDep,
    state: Annotated[str, Query(pattern="^(open|overdue|closed)$")] = "open",
    page: Page = 1,
) -> HTMLResponse:
    """Complaints not closed, the overdue first (or only the overdue, or the closed ones)."""
    rows, paging = cs.complaint_list(uow, viewer, page=page, per_page=50, state=state)
    context = {
        "rows": rows,
        "paging": paging,
        "state": state,
        "page_link": lambda number: page_link(request, number),
        **_helpers(request),
    }
    return render(request, "disputes/complaints.html", context)


def _account(text: str) -> int | None:
    value = text.strip()
    if not value:
        return None
    if not value.isdigit() or not 1 <= int(value) <= MAX_ID:
        raise InvalidInput("account: {value} is not an account of this case", value=value)
    return int(value)
