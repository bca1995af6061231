"""Workbench pages of the contact area: the contact, assessment and script panels of the case page, the
scripts page and the field collector's day list (docs/contacts-and-visits.md).

Forms post text; this module turns it into numbers and instants (the viewer's local date and time into
UTC) and calls services/contacts.py, assessment.py, scripts.py and visits.py. A panel answers an htmx
post with itself refreshed and `HX-Trigger: case-changed`; a plain post is redirected.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Annotated
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from huikuan.domain.goals import GOALS
from huikuan.domain.ids import MAX_ID
from huikuan.errors import InvalidInput
from huikuan.i18n import gettext
from huikuan.services import scripts as sc
from huikuan.services.access import Viewer, may_work
from huikuan.services.assessment import LEVEL_LABELS, LEVELS, REASONS, assess, assessment, level
from huikuan.services.case_labels import label
from huikuan.services.contact_form import contact_form, who_from_key
from huikuan.services.contact_log import log_contact
from huikuan.services.contact_report import (
    COMMON_OUTCOMES,
    CONTACT_CHANNELS,
    NEXT_CHANNELS,
    NOT_REACHED_OUTCOMES,
    RIGHT_PARTY_OUTCOMES,
    ContactReport,
)
from huikuan.services.promises import promises_of
from huikuan.services.queue_claims import next_case
from huikuan.services.visits import visit_day
from huikuan.storage.uow import UnitOfWork
from huikuan.strategy.segments import SEGMENTS
from huikuan.web.ids import PathId
from huikuan.web.ui.common import (
    UowDep,
    ViewerDep,
    case_changed,
    is_htmx,
    page_router,
    parse_day,
    render,
    request_locale,
)

router = page_router()


def helpers(request: Request) -> dict[str, Callable[..., str]]:
    """Labels in the page's language: the case page's vocabularies, and the assessment's levels."""
    locale = request_locale(request)

    def lbl(vocabulary: str, value: str | None) -> str:
        return label(vocabulary, value, locale)

    def lvl(value: str | None) -> str:
        return gettext(LEVEL_LABELS[value], locale) if value in LEVEL_LABELS else "—"

    return {"lbl": lbl, "lvl": lvl}


def parse_local(text: str | None, zone: str, field: str) -> datetime | None:
    """A date and time typed in the viewer's zone (YYYY-MM-DDTHH:MM, as a datetime-local input sends it)
    as a UTC instant; empty: None."""
    value = (text or "").strip()
    if not value:
        return None
    try:
        local = datetime.fromisoformat(value)
    except ValueError:
        if field == "at":
            raise InvalidInput("time: {value} is not a date and time", value=value) from None
        raise InvalidInput("next action: {value} is not a date and time", value=value) from None
    if local.tzinfo is None:
        local = local.replace(tzinfo=ZoneInfo(zone))
    return local.astimezone(UTC)


def local_input(value: datetime | None, zone: str) -> str:
    """A UTC instant as a datetime-local input's value in the viewer's zone."""
    return "" if value is None else value.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%dT%H:%M")


def parse_minutes(text: str | None) -> int:
    value = (text or "").strip()
    if not value:
        return 0
    if not value.isdecimal():
        raise InvalidInput("duration: {value} is not a whole number of minutes", value=value)
    return int(value) * 60


def parse_yes_no(text: str | None) -> bool | None:
    return {"yes": True, "no": False}.get((text or "").strip())


# --- the contact panel ---------------------------------------------------------------------------------


def _contact_panel(
    request: Request, uow: UnitOfWork, viewer: Viewer, case_id: int, notice: str = ""
) -> HTMLResponse:
    form = contact_form(uow, viewer, case_id)
    now_local = local_input(datetime.now(UTC), viewer.time_zone)
    context = {
        "form": form,
        "notice": notice,
        "channels": CONTACT_CHANNELS,
        "next_channels": NEXT_CHANNELS,
        "goals": GOALS,
        "promise": promises_of(uow, viewer, case_id),
        "not_reached": [o.value for o in NOT_REACHED_OUTCOMES],
        "right_party": [o.value for o in RIGHT_PARTY_OUTCOMES],
        "common": [o.value for o in COMMON_OUTCOMES],
        "next_due_local": local_input(form.next_due_at, viewer.time_zone),
        "now_local": now_local,
        **helpers(request),
    }
    return render(request, "case/_contact.html", context)


@router.get("/cases/{case_id}/panels/contact", response_class=HTMLResponse)
def contact_panel(request: Request, case_id: PathId, viewer: ViewerDep, uow: UowDep) -> HTMLResponse:
    return _contact_panel(request, uow, viewer, case_id)


@router.post("/cases/{case_id}/contacts", response_class=HTMLResponse)
def post_contact(
    request: Request,
    case_id: PathId,
    viewer: ViewerDep,
    uow: UowDep,
    channel: Annotated[str, Form()] = "call",
    outcome: Annotated[str, Form()] = "",
    who: Annotated[str, Form()] = "debtor",
    goal: Annotated[str, Form()] = "",
    goal_note: Annotated[str, Form()] = "",
    goal_met: Annotated[str, Form()] = "",
    notes: Annotated[str, Form()] = "",
    duration_min: Annotated[str, Form()] = "",
    cease_requested: Annotated[str, Form()] = "",
    direction: Annotated[str, Form()] = "outbound",
    promise_amount: Annotated[str, Form()] = "",
    promise_due: Annotated[str, Form()] = "",
    next_channel: Annotated[str, Form()] = "",
    next_goal: Annotated[str, Form()] = "",
    next_note: Annotated[str, Form()] = "",
    next_due: Annotated[str, Form()] = "",
    then: Annotated[str, Form()] = "",
    call_id: Annotated[int | None, Form(ge=1, le=MAX_ID)] = None,
) -> Response:
    party, point = who_from_key(who)
    # Fields of the promise and the next action that the form hides for other outcomes or no next
    # action are sent empty; the service refuses a promise or a goal that comes without its outcome.
    promised = outcome == "promise"
    report = ContactReport(
        channel=channel,
        outcome=outcome,
        party=party,
        contact_point_id=point,
        goal=goal or None,
        goal_note=goal_note,
        goal_met=parse_yes_no(goal_met),
        notes=notes,
        duration_s=parse_minutes(duration_min),
        cease_requested=bool(cease_requested),
        direction=direction or "outbound",
        promise_amount=promise_amount if promised else None,
        promise_due=parse_day(promise_due) if promised and promise_due.strip() else None,
        next_channel=next_channel or None,
        next_goal=(next_goal or None) if next_channel else None,
        next_note=next_note if next_channel else "",
        next_due_at=parse_local(next_due, viewer.time_zone, "next"),
        call_id=call_id,
    )
    log_contact(uow, viewer, case_id, report)
    if then == "next":  # "record and go to the next case": the next one due, else the queue
        following = next_case(uow, viewer)
        where = f"/cases/{following}" if following is not None else "/queue"
        if is_htmx(request):
            return Response(status_code=200, headers={"HX-Redirect": where})
        return RedirectResponse(where, status_code=303)
    if not is_htmx(request):
        return RedirectResponse(f"/cases/{case_id}", status_code=303)
    notice = gettext("Contact recorded.", request_locale(request))
    return case_changed(_contact_panel(request, uow, viewer, case_id, notice))


# --- the assessment panel ------------------------------------------------------------------------------


def _assessment_panel(
    request: Request, uow: UnitOfWork, viewer: Viewer, case_id: int, notice: str = ""
) -> HTMLResponse:
    view = assessment(uow, viewer, case_id)
    context = {
        "a": view,
        "levels": list(LEVELS),
        "reasons": REASONS,
        "level_of": level,
        "can_write": may_work(uow, viewer, case_id),
        "notice": notice,
        **helpers(request),
    }
    return render(request, "case/_assessment.html", context)


@router.get("/cases/{case_id}/panels/assessment", response_class=HTMLResponse)
def assessment_panel(request: Request, case_id: PathId, viewer: ViewerDep, uow: UowDep) -> HTMLResponse:
    return _assessment_panel(request, uow, viewer, case_id)


@router.post("/cases/{case_id}/assessment", response_class=HTMLResponse)
def post_assessment(
    request: Request,
    case_id: PathId,
    viewer: ViewerDep,
    uow: UowDep,
    ability: Annotated[str, Form()] = "",
    willingness: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:
    assess(uow, viewer, case_id, ability=ability, willingness=willingness, reason=reason)
    if not is_htmx(request):
        return RedirectResponse(f"/cases/{case_id}", status_code=303)
    notice = gettext("Assessment saved.", request_locale(request))
    return case_changed(_assessment_panel(request, uow, viewer, case_id, notice))


# --- the script panel and the scripts page -------------------------------------------------------------


@router.get("/cases/{case_id}/panels/script", response_class=HTMLResponse)
def script_panel(request: Request, case_id: PathId, viewer: ViewerDep, uow: UowDep) -> HTMLResponse:
    script = sc.case_script(uow, viewer, case_id)
    return render(request, "case/_script.html", {"script": script, **helpers(request)})


@router.get("/scripts", response_class=HTMLResponse)
def scripts_page(
    request: Request,
    viewer: ViewerDep,
    uow: UowDep,
    stage: Annotated[str, Query()] = "",
    segment: Annotated[str, Query()] = "",
    locale: Annotated[str, Query()] = "",
    saved: Annotated[str, Query()] = "",
) -> HTMLResponse:
    """Every stage's script in each language; one chosen (by stage, segment and language) is shown in
    full below, in an edit form for a supervisor. Floor-only: a creditor's viewer is refused."""
    sc.require_floor(viewer)
    chosen = None
    if stage:
        chosen = sc.script_for(uow, stage, segment or None, locale or request_locale(request))
        if chosen.segment != (segment or "") and viewer.supervises:
            # A supervisor starting a segment's own script begins from the script it falls back to.
            chosen = sc.Script(chosen.stage, segment, chosen.locale, chosen.opening, chosen.objections, "new")
    notice = gettext("Script saved.", request_locale(request)) if saved else ""
    context = {
        "scripts": sc.list_scripts(uow),
        "chosen": chosen,
        "stages": sc.STAGES,
        "segments": SEGMENTS,
        "blank_rows": 3,
        "notice": notice,
        "link": lambda s: (
            "/scripts?" + urlencode({"stage": s.stage, "segment": s.segment, "locale": s.locale})
        ),
        **helpers(request),
    }
    return render(request, "scripts/page.html", context)


@router.post("/scripts", response_class=HTMLResponse)
async def post_script(request: Request, viewer: ViewerDep, uow: UowDep) -> Response:
    """Async only to read the repeated form fields; the database work runs in a worker thread."""
    sc.require_floor(viewer)
    form = await request.form()
    stage, segment, locale = (str(form.get(k) or "") for k in ("stage", "segment", "locale"))
    said = [str(v) for v in form.getlist("objection")]
    answers = [str(v) for v in form.getlist("answer")]
    if form.get("reset"):
        await run_in_threadpool(sc.reset_script, uow, viewer, stage=stage, segment=segment, locale=locale)
    else:
        await run_in_threadpool(
            sc.save_script,
            uow,
            viewer,
            stage=stage,
            segment=segment,
            locale=locale,
            opening=str(form.get("opening") or ""),
            objections=list(zip(said, answers, strict=False)),
        )
    query = urlencode({"stage": stage, "segment": segment, "locale": locale, "saved": 1})
    return RedirectResponse(f"/scripts?{query}", status_code=303)


# --- the field collector's day -------------------------------------------------------------------------


@router.get("/visits", response_class=HTMLResponse)
def visits_page(
    request: Request, viewer: ViewerDep, uow: UowDep, day: Annotated[str, Query()] = ""
) -> HTMLResponse:
    today = datetime.now(ZoneInfo(viewer.time_zone)).date()
    try:
        chosen = date.fromisoformat(day) if day else today
    except ValueError:
        raise InvalidInput("day: {value} is not a date (YYYY-MM-DD)", value=day) from None
    districts = visit_day(uow, viewer, chosen)
    return render(
        request, "visits/page.html", {"districts": districts, "day_shown": chosen, **helpers(request)}
    )
