"""The supervisor's workload pages: the team view (/workload), bulk reassignment by filter or by the
cases ticked on the team queue, rebalancing a team, and a collector's absence. Every move shows its count
first and happens only once confirmed; the rules are in services/workload.py and workload_moves.py."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from huikuan.errors import InvalidInput
from huikuan.i18n import gettext
from huikuan.services.access import require_supervisor
from huikuan.services.case_filter import POOL, CaseFilter
from huikuan.services.case_labels import label
from huikuan.services.workload import DAILY_CAPACITY, filter_choices, workload
from huikuan.services.workload_moves import Absence, Moved, Reassign, reassign, rebalance, set_absence
from huikuan.web.ui.common import UowDep, ViewerDep, page_router, render, request_locale

router = page_router()
WORKLOAD = "/workload"


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput("{value} is not a date (YYYY-MM-DD)", value=text) from None


def _target(value: str) -> int | None:
    return None if value in ("", POOL) else int(value) if value.isdigit() else -1


@router.get("/workload", response_class=HTMLResponse)
def page(
    request: Request, viewer: ViewerDep, uow: UowDep, team: int | None = None, done: str = ""
) -> Response:
    """The team's workload today; an admin (or a supervisor of no team) picks the team with `?team=`."""
    shown = workload(uow, viewer, team)
    locale = request_locale(request)
    context: dict[str, Any] = {
        "w": shown,
        "capacity": DAILY_CAPACITY,
        "choices": filter_choices(uow, viewer),
        "lbl": lambda vocabulary, value: label(vocabulary, value, locale),
        "moved_notice": gettext("Moved {n} cases", locale, n=int(done)) if done.isdigit() else None,
    }
    return render(request, "workload/page.html", context)


def _confirm(
    request: Request, action: str, moved: Moved, fields: list[tuple[str, str]], back: str
) -> Response:
    """The count of a move, and the button that makes it (an absence is recorded even with none to move)."""
    context = {"action": action, "moved": moved, "fields": fields, "back": back}
    return render(request, "workload/confirm.html", {**context, "absence": action.endswith("/absences")})


def _done(team: int | None, moved: Moved) -> Response:
    query = urlencode({**({"team": team} if team else {}), "done": moved.count})
    return RedirectResponse(f"{WORKLOAD}?{query}", status_code=303)


@router.post("/workload/reassign", response_class=HTMLResponse)
async def post_reassign(
    request: Request,
    viewer: ViewerDep,
    uow: UowDep,
    to: Annotated[str, Form(max_length=20)] = "",
    confirm: Annotated[str, Form(max_length=3)] = "",
    team: Annotated[int | None, Form(ge=1)] = None,
) -> Response:
    """Moves the ticked cases (`case_id`, repeated) or, with none ticked, the cases the filter fields
    select, to `to` (a collector's id, or "pool"); the first post shows the count to confirm."""
    require_supervisor(viewer)
    form = await request.form()
    ids = tuple(int(str(v)) for v in form.getlist("case_id") if str(v).isdigit())
    narrow = CaseFilter.parse(
        {k: form.get(k) for k in ("creditor", "stage", "segment", "dpd", "due", "collector")}
    )
    ask = Reassign(to=_target(to), case_ids=ids, narrow=narrow, confirm=confirm == "1")
    moved = reassign(uow, viewer, ask)
    if ask.confirm:
        return _done(team, moved)
    fields = [("to", to), *(("case_id", str(i)) for i in ids), *narrow.query().items()]
    fields += [("team", str(team))] if team else []
    return _confirm(request, "/workload/reassign", moved, fields, WORKLOAD)


@router.post("/workload/rebalance", response_class=HTMLResponse)
def post_rebalance(
    request: Request,
    viewer: ViewerDep,
    uow: UowDep,
    team: Annotated[int | None, Form()] = None,
    confirm: Annotated[str, Form(max_length=3)] = "",
) -> Response:
    """Evens the team's open cases across its collectors at work, each person's cases together."""
    require_supervisor(viewer)
    moved = rebalance(uow, viewer, team, confirm=confirm == "1")
    if moved.done:
        return _done(team, moved)
    return _confirm(request, "/workload/rebalance", moved, [("team", str(team))] if team else [], WORKLOAD)


@router.post("/workload/absences", response_class=HTMLResponse)
def post_absence(
    request: Request,
    viewer: ViewerDep,
    uow: UowDep,
    user_id: Annotated[int, Form(ge=0)] = 0,
    starts_on: Annotated[str, Form(max_length=10)] = "",
    ends_on: Annotated[str, Form(max_length=10)] = "",
    note: Annotated[str, Form(max_length=200)] = "",
    team: Annotated[int | None, Form()] = None,
    confirm: Annotated[str, Form(max_length=3)] = "",
) -> Response:
    """Records a collector's absence and moves its cases due meanwhile to its team."""
    require_supervisor(viewer)
    ask = Absence(
        user_id=user_id,
        starts_on=_day(starts_on),
        ends_on=_day(ends_on),
        note=note,
        confirm=confirm == "1",
    )
    moved = set_absence(uow, viewer, ask)
    if moved.done:
        return _done(team, moved)
    fields = [("user_id", str(user_id)), ("starts_on", starts_on), ("ends_on", ends_on), ("note", note)]
    fields += [("team", str(team))] if team else []
    return _confirm(request, "/workload/absences", moved, fields, WORKLOAD)
