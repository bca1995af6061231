"""The case page's "Facts and holds" tab, its contact points and preferences sections: add a point,
verify or mark one, and record what the debtor states (inconvenient times and places, opt-outs, language,
consent to electronic communications). Each change answers with `HX-Trigger: case-changed`, so the
header's and the points' gate verdicts reload in the same minute. The services are
services/contact_points.py and services/preferences.py, as for the API.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from huikuan.domain.enums import Channel
from huikuan.domain.ids import MAX_ID
from huikuan.errors import InvalidInput
from huikuan.i18n import gettext
from huikuan.services.access import may_work, visible_case
from huikuan.services.case_labels import label
from huikuan.services.contact_points import KINDS, MARKS, PLACES, SOURCES, NewPoint, add_point, mark_point
from huikuan.services.contact_points import verify_point as verify
from huikuan.services.debtor_record import contact_points
from huikuan.services.preferences import (
    LANGUAGES,
    ElectronicConsent,
    Preferences,
    TimeSpan,
    gate_now,
    read_preferences,
    set_preferences,
)
from huikuan.storage import tables as t
from huikuan.storage.uow import UnitOfWork
from huikuan.web.ids import PathId
from huikuan.web.ui.common import (
    UowDep,
    ViewerDep,
    case_changed,
    is_htmx,
    page_router,
    render,
    request_locale,
)

router = page_router()

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")  # msgids; ISO 1..7
OPT_OUT_CHANNELS = tuple(c.value for c in Channel)
Strings = Annotated[list[str] | None, Form()]


MARK_LABELS = {
    "wrong_number": "Wrong number",
    "disconnected": "Disconnected",
    "someone_else": "Someone else's",
    "opt_out": "Not to be used (asked)",
}
SOURCE_LABELS = {
    "debtor": "The debtor",
    "third_party": "A third party",
    "creditor": "The creditor",
    "skip_trace": "Skip tracing",
    "collector": "A collector",
    "placement": "The placement file",
}
_OWN = {"mark": MARK_LABELS, "source": SOURCE_LABELS}


def _helpers(request: Request) -> dict[str, Any]:
    locale = request_locale(request)

    def lbl(vocabulary: str, value: str | None) -> str:
        own = _OWN.get(vocabulary)
        if own is not None:
            return gettext(own.get(value or "", value or ""), locale)
        return label(vocabulary, value, locale)

    return {"lbl": lbl}


def _owners(uow: UnitOfWork, debtor_id: int) -> list[Any]:
    p = t.parties.c
    return list(
        uow.session.execute(select(p.id, p.name, p.role).where(p.debtor_id == debtor_id).order_by(p.id)).all()
    )


def _points_panel(
    request: Request, uow: UnitOfWork, viewer: Any, case_id: int, notice: str = ""
) -> HTMLResponse:
    case = visible_case(uow, viewer, case_id)
    context = {
        "case_id": case_id,
        "points": contact_points(uow, case.debtor_id),
        "owners": {r.id: r for r in _owners(uow, case.debtor_id)},
        "can_write": may_work(uow, viewer, case_id),
        "kinds": KINDS,
        "sources": [s for s in SOURCES if s != "placement"],
        "marks": tuple(MARKS),
        "places": PLACES,
        "notice": notice,
        **_helpers(request),
    }
    return render(request, "case/_contact_points.html", context)


def _preferences_panel(
    request: Request, uow: UnitOfWork, viewer: Any, case_id: int, notice: str = ""
) -> HTMLResponse:
    case = visible_case(uow, viewer, case_id)
    context = {
        "case_id": case_id,
        "prefs": read_preferences(uow.session.connection(), case.debtor_id),
        "verdicts": gate_now(uow, viewer, case_id),
        "can_write": may_work(uow, viewer, case_id),
        "weekdays": WEEKDAYS,
        "channels": OPT_OUT_CHANNELS,
        "languages": LANGUAGES,
        "notice": notice,
        **_helpers(request),
    }
    return render(request, "case/_preferences.html", context)


def _done(request: Request, case_id: int, panel: HTMLResponse) -> Response:
    if not is_htmx(request):
        return RedirectResponse(f"/cases/{case_id}?tab=facts", status_code=303)
    return case_changed(panel)


@router.get("/cases/{case_id}/panels/fact-points", response_class=HTMLResponse)
def points_panel(request: Request, case_id: PathId, viewer: ViewerDep, uow: UowDep) -> HTMLResponse:
    return _points_panel(request, uow, viewer, case_id)


@router.get("/cases/{case_id}/panels/preferences", response_class=HTMLResponse)
def preferences_panel(request: Request, case_id: PathId, viewer: ViewerDep, uow: UowDep) -> HTMLResponse:
    return _preferences_panel(request, uow, viewer, case_id)


@router.post("/cases/{case_id}/contact-points", response_class=HTMLResponse)
def post_point(
    request: Request,
    case_id: PathId,
    viewer: ViewerDep,
    uow: UowDep,
    kind: Annotated[str, Form()] = "phone",
    value: Annotated[str, Form()] = "",
    source: Annotated[str, Form()] = "debtor",
    owner: Annotated[str, Form()] = "",
    place: Annotated[str, Form()] = "",
    consent: Annotated[str, Form()] = "",
    consent_how: Annotated[str, Form()] = "",
) -> Response:
    case = visible_case(uow, viewer, case_id)
    party = _party_id(owner)
    new = NewPoint(kind, value, source, consent == "yes", consent_how, party, place or None)
    add_point(uow, viewer, case.debtor_id, new)
    notice = gettext("Contact point added.", request_locale(request))
    return _done(request, case_id, _points_panel(request, uow, viewer, case_id, notice))


@router.post("/cases/{case_id}/contact-points/{point_id}/verify", response_class=HTMLResponse)
def post_verify(
    request: Request, case_id: PathId, point_id: PathId, viewer: ViewerDep, uow: UowDep
) -> Response:
    case = visible_case(uow, viewer, case_id)
    verify(uow, viewer, case.debtor_id, point_id)
    notice = gettext("Contact point verified.", request_locale(request))
    return _done(request, case_id, _points_panel(request, uow, viewer, case_id, notice))


@router.post("/cases/{case_id}/contact-points/{point_id}/mark", response_class=HTMLResponse)
def post_mark(
    request: Request,
    case_id: PathId,
    point_id: PathId,
    viewer: ViewerDep,
    uow: UowDep,
    mark: Annotated[str, Form()] = "",
) -> Response:
    case = visible_case(uow, viewer, case_id)
    changed = mark_point(uow, viewer, case.debtor_id, point_id, mark)
    locale = request_locale(request)
    notice = gettext("Contact point marked.", locale)
    if len(changed) > 1:
        notice = gettext(
            "Contact point marked, and {count} more with the same number.", locale, count=len(changed) - 1
        )
    return _done(request, case_id, _points_panel(request, uow, viewer, case_id, notice))


@router.post("/cases/{case_id}/preferences", response_class=HTMLResponse)
def post_preferences(
    request: Request,
    case_id: PathId,
    viewer: ViewerDep,
    uow: UowDep,
    keep: Strings = None,
    new_days: Strings = None,
    new_from: Annotated[str, Form()] = "",
    new_to: Annotated[str, Form()] = "",
    places: Strings = None,
    opt_out: Strings = None,
    language: Annotated[str, Form()] = "",
    consent: Annotated[str, Form()] = "",
    consent_how: Annotated[str, Form()] = "",
) -> Response:
    """The whole form: the spans ticked "keep" stay, a new span is added when both times are given, the
    places and opt-outs are those ticked (none ticked: cleared)."""
    case = visible_case(uow, viewer, case_id)
    current = read_preferences(uow.session.connection(), case.debtor_id)["inconvenient_times"]
    kept = {int(k) for k in keep or () if k.isdigit()}
    spans = [TimeSpan(x["from"], x["to"], tuple(x["days"])) for i, x in enumerate(current) if i in kept]
    if new_from.strip() or new_to.strip():
        spans.append(TimeSpan(new_from.strip(), new_to.strip(), tuple(_days(new_days or []))))
    prefs = Preferences(
        inconvenient_times=tuple(spans),
        inconvenient_places=tuple(places or ()),
        opt_out=tuple(opt_out or ()),
        language=language or None,
        electronic_consent=None
        if consent not in ("yes", "no")
        else ElectronicConsent(consent == "yes", how=consent_how or None),
    )
    set_preferences(uow, viewer, case.debtor_id, prefs)
    notice = gettext("Preferences saved.", request_locale(request))
    return _done(request, case_id, _preferences_panel(request, uow, viewer, case_id, notice))


def _party_id(owner: str) -> int | None:
    if not owner:
        return None
    if not owner.isdigit() or int(owner) > MAX_ID:
        raise InvalidInput("party: {party} is not a related party of this debtor", party=owner)
    return int(owner)


def _days(values: list[str]) -> list[int]:
    if not all(v.isdigit() for v in values):
        raise InvalidInput("inconvenient time days: weekdays are 1 (Monday) to 7 (Sunday)")
    return [int(v) for v in values]
