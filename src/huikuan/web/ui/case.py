"""The case page (debtor 360): the header, the contact points with the gate's verdict now and the record
form on one screen; under them the rest of the case in tabs (TABS), each tab's panels fetched only when
the tab is first shown. The timeline, the promise panel and the debtor's details reload whenever a panel
answers with `HX-Trigger: case-changed`, if they were loaded. See docs/case-page.md.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from huikuan.config import get_settings
from huikuan.domain.ids import MAX_ID
from huikuan.errors import Conflict, InvalidInput
from huikuan.services.access import Viewer, may_take, visible_case, why_not_work
from huikuan.services.calls import may_click_to_call
from huikuan.services.case_labels import label
from huikuan.services.case_timeline import FILTER_LABELS, FILTERS, timeline_view
from huikuan.services.case_view import case_360
from huikuan.services.claims import take_case
from huikuan.services.complaints import has_open_complaint
from huikuan.services.holds import open_holds_of
from huikuan.services.identity_check import CHECKS_PER_HOUR, CallerSays, check_identity
from huikuan.services.plan import explain_for
from huikuan.services.power_dial import power_state
from huikuan.services.queue_claims import touch_claim
from huikuan.services.recording_playback import timeline_recordings
from huikuan.services.reveal import reveal
from huikuan.services.view_audit import note_case_viewed
from huikuan.storage.uow import UnitOfWork
from huikuan.web.ids import PathId
from huikuan.web.ui.common import UowDep, ViewerDep, page_router, render, request_locale
from huikuan.web.ui.holds import KIND_LABELS as HOLD_LABELS
from huikuan.web.ui.power import panel_context

router = page_router()


@dataclass(frozen=True)
class Section:
    """A part of a tab: the element's id (and data-testid), the route under /cases/{id}/panels/, its
    heading for the link shown before it loads, and whether it reloads on `case-changed`."""

    element: str
    route: str
    heading: str
    refresh: bool = False


@dataclass(frozen=True)
class Tab:
    name: str  # in the URL: /cases/{id}?tab=NAME
    label: str  # an English msgid (case page's catalog)
    sections: tuple[Section, ...]


# The lower part of the page, in tab order; the first is shown when the URL names none.
TABS = (
    Tab("history", "History", (Section("timeline", "timeline", "Timeline", refresh=True),)),
    Tab(
        "promises",
        "Promises and arrangements",
        (
            Section("panel-promise", "promise", "Promise to pay", refresh=True),
            Section("panel-negotiation", "negotiation", "Negotiation"),
            Section("panel-requests", "requests", "Requests from the debtor's page"),
        ),
    ),
    Tab(
        "payments",
        "Payments",
        (
            Section("panel-payments", "payments", "Payments"),
            Section("panel-payment-links", "payment-links", "Payment links"),
        ),
    ),
    Tab("messages", "Messages and letters", (Section("panel-message", "message", "Messages and letters"),)),
    Tab(
        "facts",
        "Facts and holds",
        (
            Section("panel-fact-points", "fact-points", "Contact points", refresh=True),
            Section("panel-preferences", "preferences", "What the debtor states", refresh=True),
            Section("holds", "holds", "Holds", refresh=True),
            Section("panel-person", "person", "The same person", refresh=True),
        ),
    ),
    Tab(
        "disputes",
        "Disputes and complaints",
        (
            Section("panel-disputes", "disputes", "Disputes", refresh=True),
            Section("panel-complaints", "complaints", "Complaints"),
        ),
    ),
    Tab(
        "debtor",
        "Debtor and people",
        (
            Section("identity", "identity", "Debtor", refresh=True),
            Section("parties", "parties", "People"),
            Section("debts", "debts", "Debts"),
            # A recorded contact may be a demand that restarts the limitation: reloaded like the timeline.
            Section("notices", "notices", "Notices and time limits", refresh=True),
        ),
    ),
    Tab(
        "assessment",
        "Assessment",
        (Section("panel-assessment", "assessment", "Ability and willingness to pay"),),
    ),
    Tab("plan", "Why this action", (Section("panel-plan", "plan", "Why this action"),)),
    Tab("record", "Compliance record", (Section("panel-record", "record", "Compliance record"),)),
)
TAB_NAMES = tuple(tab.name for tab in TABS)


def _labels(locale: str) -> Callable[[str, str | None], str]:
    def lbl(vocabulary: str, value: str | None) -> str:
        return label(vocabulary, value, locale)

    return lbl


def _view(request: Request, uow: UnitOfWork, viewer: Viewer, case_id: int) -> dict[str, Any]:
    locale = request_locale(request)
    view = case_360(uow, viewer, case_id, locale=locale, with_timeline=False)
    ident = view.identity
    held = ident.claimed_by_id if ident.claim_expires_at and ident.claim_expires_at > view.now else None
    open_holds = open_holds_of(uow.session.connection(), view.identity.debtor_id)
    vulnerable = any(h["kind"] == "vulnerability" for h in open_holds)
    takeable = may_take(viewer, ident.assigned_to_id, held, vulnerable=vulnerable)
    note_case_viewed(uow, viewer, case_id)  # after the reads, in a write of its own
    can_call = may_click_to_call(uow, viewer, get_settings())
    return {
        "view": view,
        "open_holds": open_holds,
        "hold_labels": HOLD_LABELS,
        "lbl": _labels(locale),
        "may_take": takeable,
        "checks_per_hour": CHECKS_PER_HOUR,
        # A case with a complaint not yet closed is flagged to supervisors on its header.
        "open_complaint": viewer.supervises and has_open_complaint(uow, case_id),
        # A Call button beside each phone number when the floor has a telephone system (docs/telephony.md).
        "can_call": can_call,
    } | _power(request, uow, viewer, can_call)


def _power(request: Request, uow: UnitOfWork, viewer: Viewer, can_call: bool) -> dict[str, Any]:
    """The power dialling panel (web/ui/power.py) on the case page, while it runs."""
    state = power_state(uow, viewer) if can_call else None
    return panel_context(request, state) if state is not None and state.running else {"power": None}


@router.get("/cases/{case_id}", response_class=HTMLResponse)
def case_page(
    request: Request, case_id: PathId, viewer: ViewerDep, uow: UowDep, tab: Annotated[str, Query()] = ""
) -> HTMLResponse:
    """The page; `?tab=NAME` opens that tab (an unknown name: the first)."""
    context = _view(request, uow, viewer, case_id)
    context |= {"tabs": TABS, "tab": tab if tab in TAB_NAMES else TAB_NAMES[0]}
    if not viewer.read_only:
        touch_claim(uow, viewer, case_id, datetime.now(UTC))  # only ever the viewer's own claim, at the end
    return render(request, "case/page.html", context)


@router.get("/cases/{case_id}/panels/plan", response_class=HTMLResponse)
def plan_panel(request: Request, case_id: PathId, viewer: ViewerDep, uow: UowDep) -> HTMLResponse:
    """Why the daily plan gives the case its action (services/plan.explain, as `huikuan plan explain`):
    the action and when, for whom, the segment and scores, the expected value, the constraint that bound
    the choice, the next best action and what was not possible and why."""
    data = explain_for(uow, viewer, case_id)
    context: dict[str, Any] = {"plan": data, "lbl": _labels(request_locale(request))}
    if data is not None:
        slot = datetime.fromisoformat(data["slot_start"]) if data["slot_start"] else None
        zone = data["debtor_time_zone"]
        context |= {
            "slot": slot,
            "slot_there": slot.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M") if slot and zone else "",
            "made_at": datetime.fromisoformat(data["made_at"]),
            "pct": lambda p: "—" if p is None else f"{round(float(p) * 100)}%",
        }
    return render(request, "case/_plan.html", context)


@router.get("/cases/{case_id}/panels/timeline", response_class=HTMLResponse)
def timeline_panel(
    request: Request,
    case_id: PathId,
    viewer: ViewerDep,
    uow: UowDep,
    kind: Annotated[list[str] | None, Query()] = None,
    q: str = "",
) -> HTMLResponse:
    """The timeline, only the kinds ticked (`?kind=call&kind=message`; none: all) and the entries holding
    `q`, with the count of each kind over the whole case on its filter bar."""
    locale = request_locale(request)
    view = timeline_view(uow, viewer, case_id, locale=locale, kinds=kind or (), q=q)
    note_case_viewed(uow, viewer, case_id)
    context = {
        "case_id": case_id,
        "items": view.items,
        "timeline": view,
        "filters": FILTERS,
        "filter_labels": FILTER_LABELS,
        "lbl": _labels(locale),
        "recordings": timeline_recordings(uow, viewer, case_id),
    }
    return render(request, "case/_timeline.html", context)


def _panel(name: str) -> Callable[..., HTMLResponse]:
    def panel(request: Request, case_id: PathId, viewer: ViewerDep, uow: UowDep) -> HTMLResponse:
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
def take(case_id: PathId, viewer: ViewerDep, uow: UowDep) -> RedirectResponse:
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
    case_id: PathId,
    viewer: ViewerDep,
    uow: UowDep,
    what: Annotated[str, Form()],
    contact_point_id: Annotated[int | None, Form(ge=1, le=MAX_ID)] = None,
) -> HTMLResponse:
    """The full value (audited), swapped in place of the masked one and its button."""
    value = reveal(uow, viewer, case_id, what=what, contact_point_id=contact_point_id)
    targets = {"national_id": "national-id", "birth_date": "birth-date"}
    target = targets.get(what, f"point-{contact_point_id}")
    return render(request, "case/_revealed.html", {"value": value, "target": target})


@router.post("/cases/{case_id}/identity-check", response_class=HTMLResponse)
def identity_check(
    request: Request,
    case_id: PathId,
    viewer: ViewerDep,
    uow: UowDep,
    birth_date: Annotated[str, Form()] = "",
    id_last4: Annotated[str, Form(max_length=8)] = "",
) -> HTMLResponse:
    """Whether what the caller says matches (services/identity_check.py): the answer alone, in place."""
    says = CallerSays(birth_date=_day(birth_date), id_last4=id_last4.strip() or None)
    answer = check_identity(uow, viewer, case_id, says)
    return render(request, "case/_identity_check.html", {"answer": answer})


def _day(text: str) -> date | None:
    """A date from the form's date field (YYYY-MM-DD; 19800101 typed by hand is taken too)."""
    text = text.strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput("Date of birth: give it as YYYY-MM-DD") from None
