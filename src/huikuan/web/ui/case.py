"""The case page (debtor 360): identity, contact points with the gate's verdict now, debts, parties, and
the panels of the other areas loaded lazily with htmx; the timeline is a panel of its own that reloads
whenever a panel answers with `HX-Trigger: case-changed`. See docs/case-page.md.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from huikuan.domain.ids import MAX_ID
from huikuan.errors import Conflict
from huikuan.services.access import Viewer, may_take, visible_case, why_not_work
from huikuan.services.case_timeline import FILTER_LABELS, FILTERS, timeline_view
from huikuan.services.case_view import case_360, label
from huikuan.services.claims import take_case
from huikuan.services.queue import touch_claim
from huikuan.services.reveal import reveal
from huikuan.storage.uow import UnitOfWork
from huikuan.web.ui.common import UowDep, ViewerDep, page_router, render, request_locale

router = page_router()

# The panels of the other areas, in page order: (id, route name).
PANELS = ("contact", "promise", "negotiation", "message", "script", "assessment")


def _labels(locale: str) -> Callable[[str, str | None], str]:
    def lbl(vocabulary: str, value: str | None) -> str:
        return label(vocabulary, value, locale)

    return lbl


def _view(request: Request, uow: UnitOfWork, viewer: Viewer, case_id: int) -> dict[str, Any]:
    locale = request_locale(request)
    view = case_360(uow, viewer, case_id, locale=locale, with_timeline=False)
    ident = view.identity
    held = ident.claimed_by_id if ident.claim_expires_at and ident.claim_expires_at > view.now else None
    takeable = may_take(viewer, ident.assigned_to_id, held)
    return {"view": view, "lbl": _labels(locale), "panels": PANELS, "may_take": takeable}


@router.get("/cases/{case_id}", response_class=HTMLResponse)
def case_page(request: Request, case_id: int, viewer: ViewerDep, uow: UowDep) -> HTMLResponse:
    context = _view(request, uow, viewer, case_id)
    if not viewer.read_only:
        touch_claim(uow, viewer, case_id, datetime.now(UTC))  # only ever the viewer's own claim, at the end
    return render(request, "case/page.html", context)


@router.get("/cases/{case_id}/panels/timeline", response_class=HTMLResponse)
def timeline_panel(
    request: Request,
    case_id: int,
    viewer: ViewerDep,
    uow: UowDep,
    kind: Annotated[list[str] | None, Query()] = None,
    q: str = "",
) -> HTMLResponse:
    """The timeline, only the kinds ticked (`?kind=call&kind=message`; none: all) and the entries holding
    `q`, with the count of each kind over the whole case on its filter bar."""
    locale = request_locale(request)
    view = timeline_view(uow, viewer, case_id, locale=locale, kinds=kind or (), q=q)
    context = {
        "case_id": case_id,
        "items": view.items,
        "timeline": view,
        "filters": FILTERS,
        "filter_labels": FILTER_LABELS,
        "lbl": _labels(locale),
    }
    return render(request, "case/_timeline.html", context)


def _panel(name: str) -> Callable[..., HTMLResponse]:
    def panel(request: Request, case_id: int, viewer: ViewerDep, uow: UowDep) -> HTMLResponse:
        return render(request, f"case/_{name}.html", _view(request, uow, viewer, case_id))

    panel.__name__ = f"{name}_panel"
    return panel


# The page's own parts as fragments: the header, identity and points reload on `case-changed` (a contact
# changes the verdicts, the flags, the stage, the last contact and the next action).
for _name in ("header", "identity", "points", "debts", "parties"):
    router.add_api_route(
        f"/cases/{{case_id}}/panels/{_name}", _panel(_name), methods=["GET"], response_class=HTMLResponse
    )


@router.post("/cases/{case_id}/take")
def take(case_id: int, viewer: ViewerDep, uow: UowDep) -> RedirectResponse:
    """Takes the case to work on it (services/claims.py), back to its page; a case held by someone else
    is refused with who holds it."""
    if not take_case(uow, viewer, case_id):
        now = datetime.now(UTC)
        refused = why_not_work(uow, viewer, visible_case(uow, viewer, case_id), now)
        raise refused or Conflict("Case {case_id} is held by someone else", case_id=case_id)
    return RedirectResponse(f"/cases/{case_id}", status_code=303)


@router.post("/cases/{case_id}/reveal", response_class=HTMLResponse)
def reveal_value(
    request: Request,
    case_id: int,
    viewer: ViewerDep,
    uow: UowDep,
    what: Annotated[str, Form()],
    contact_point_id: Annotated[int | None, Form(ge=1, le=MAX_ID)] = None,
) -> HTMLResponse:
    """The full value (audited), swapped in place of the masked one and its button."""
    value = reveal(uow, viewer, case_id, what=what, contact_point_id=contact_point_id)
    target = "national-id" if what == "national_id" else f"point-{contact_point_id}"
    return render(request, "case/_revealed.html", {"value": value, "target": target})
