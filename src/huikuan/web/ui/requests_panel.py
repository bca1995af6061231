"""The case page's panel of the debtor's requests (route `requests`, tab "promises"): what the debtor
sent to the floor from their own page, newest first, in full, with the income and expenditure statement
and its totals where there is one (services/debtor_requests.py)."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse

from huikuan.services.debtor_requests import case_requests
from huikuan.web.ids import PathId
from huikuan.web.ui.common import UowDep, ViewerDep, page_router, render
from huikuan.web.ui.debtor_money import STATEMENT_LABELS

router = page_router()

PANEL = "requests"  # under /cases/{id}/panels/; the element's id is "panel-requests"
# English msgids (reqpanel.po) of a request's status and kind.
STATUS_LABELS = {"open": "Waiting for an answer"}
KIND_LABELS = {"arrangement": "Arrangement request"}


@router.get(f"/cases/{{case_id}}/panels/{PANEL}", response_class=HTMLResponse)
def requests_panel(request: Request, case_id: PathId, viewer: ViewerDep, uow: UowDep) -> HTMLResponse:
    """The case's requests from the debtor's page, to whoever may see the case."""
    context = {
        "case_id": case_id,
        "requests": case_requests(uow, viewer, case_id),
        "status_labels": STATUS_LABELS,
        "kind_labels": KIND_LABELS,
        "statement_labels": STATEMENT_LABELS,
    }
    return render(request, "case/_requests.html", context)
