"""The case page's section "The same person" (tab "facts"): the debtor's other placements, what binds
this case because of them, and for a supervisor the suggested links to confirm and the unlink."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Form, Request
from fastapi.responses import HTMLResponse

from huikuan.domain.ids import MAX_ID
from huikuan.services.access import visible_case
from huikuan.services.persons import confirm_link, person_for, require_supervisor, unlink
from huikuan.web.ids import PathId
from huikuan.web.ui.common import UowDep, ViewerDep, page_router, render

router = page_router()


def _panel(request: Request, case_id: int, data: dict[str, Any], *, changed: bool = False) -> HTMLResponse:
    response = render(request, "case/_person.html", {"case_id": case_id, "person": data})
    if changed:
        response.headers["HX-Trigger"] = "case-changed"
    return response


@router.get("/cases/{case_id}/panels/person", response_class=HTMLResponse)
def person_panel(request: Request, case_id: PathId, viewer: ViewerDep, uow: UowDep) -> HTMLResponse:
    """The section: the other placements of the person, what binds this case because of them."""
    case = visible_case(uow, viewer, case_id)
    return _panel(request, case_id, person_for(uow, viewer, case.debtor_id))


@router.post("/cases/{case_id}/person/link", response_class=HTMLResponse)
def person_link(
    request: Request,
    case_id: PathId,
    viewer: ViewerDep,
    uow: UowDep,
    debtor_id: Annotated[int, Form(ge=1, le=MAX_ID)],
) -> HTMLResponse:
    """A supervisor confirms a suggested link (services/persons.confirm_link)."""
    require_supervisor(viewer)  # a collector is refused whatever the case
    case = visible_case(uow, viewer, case_id)
    return _panel(request, case_id, confirm_link(uow, viewer, case.debtor_id, debtor_id), changed=True)


@router.post("/cases/{case_id}/person/unlink", response_class=HTMLResponse)
def person_unlink(
    request: Request,
    case_id: PathId,
    viewer: ViewerDep,
    uow: UowDep,
    debtor_id: Annotated[int | None, Form(ge=1, le=MAX_ID)] = None,
) -> HTMLResponse:
    """A supervisor takes this debtor, or another of its person, out of the person."""
    require_supervisor(viewer)
    case = visible_case(uow, viewer, case_id)
    return _panel(request, case_id, unlink(uow, viewer, case.debtor_id, debtor_id), changed=True)
