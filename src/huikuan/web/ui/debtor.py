"""The debtor's own pages under /d (issue 18): the private link and its identity check, what is owed, how
to be contacted, the language switch and leaving. Paying, arranging and disputing are their own modules,
extending templates/debtor/base.html and taking the same `DebtorVisitDep`.

`link_router` holds only GET /d/{token}: it is mounted after every other router (web/app.py), so that
/d/pay and its neighbours are never read as a token. Opening the link keeps its token in the visit's
cookie and sends the browser to /d/check, so that the token leaves the address bar (and any Referer) at
once. Nothing here says whether a link or a person exists: the check page is the same for every token,
and its one refusal is services/debtor_links.py's NO_MATCH.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from huikuan.errors import InvalidInput, Throttled
from huikuan.i18n import normalize_locale
from huikuan.services.debtor_codes import check_code, send_code
from huikuan.services.debtor_contact import RECEIPT_CHANNELS, ContactForm, contact_form, save_contact
from huikuan.services.debtor_links import CheckFailed, DebtorAnswers, check_link
from huikuan.services.debtor_portal import audit_view, what_is_owed
from huikuan.services.debtor_receipt import CHANNEL_NAMES, DAY_NAMES
from huikuan.web.debtor_session import (
    CHECK_PAGE,
    DebtorVisitDep,
    client_address,
    debtor_locale,
    debtor_render,
    debtor_router,
    debtor_session,
    end_visit,
    start_visit,
)
from huikuan.web.ui.common import UowDep
from huikuan.web.ui.debtor_forms import contact_choice

router = debtor_router()
link_router = debtor_router()
PENDING = "pending"
CODE_LINK, CODE_SENT = "code_link", "code_sent"  # the link whose code is awaited; whether it went
CODE_PAGE = "/d/code"
TOKEN_MAX = 100
PAUSE_CHOICES = (0, 7, 14, 30, 60, 90)  # days; the creditor's maximum is offered too


@link_router.get("/{token}")
def open_link(request: Request, token: str) -> Response:
    """Keeps the link's token for the check and sends the browser on to it (the same for any token)."""
    session = debtor_session(request)
    end_visit(request)
    session[PENDING] = token[:TOKEN_MAX]
    return RedirectResponse(CHECK_PAGE, status_code=303)


@router.get("/check")
def check_page(request: Request) -> HTMLResponse:
    pending = bool(debtor_session(request).get(PENDING))
    return debtor_render(request, "debtor/check.html", {"pending": pending})


def _birth(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


@router.post("/check")
def check(
    request: Request,
    uow: UowDep,
    last4: Annotated[str, Form(max_length=20)] = "",
    birth_date: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """Passes the identity check: the visit starts and goes to what is owed; else the one refusal."""
    token = str(debtor_session(request).get(PENDING) or "")
    answers = DebtorAnswers(last4, _birth(birth_date))
    try:
        passed = check_link(uow, token, answers, address=client_address(request))
    except (CheckFailed, Throttled) as exc:
        status = 429 if isinstance(exc, Throttled) else 422
        message = exc.translated(debtor_locale(request))
        return debtor_render(
            request, "debtor/check.html", {"pending": bool(token), "error": message}, status_code=status
        )
    if passed.needs_code:
        session = debtor_session(request)
        session.pop(PENDING, None)
        session[CODE_LINK] = passed.link_id
        session[CODE_SENT] = send_code(uow, passed.link_id)
        return RedirectResponse(CODE_PAGE, status_code=303)
    start_visit(request, passed.link_id, passed.case_id)
    return RedirectResponse("/d", status_code=303)


@router.get("/code")
def code_page(request: Request) -> Response:
    """The one-time code's form, after the two questions where the creditor asks for a code."""
    session = debtor_session(request)
    if not isinstance(session.get(CODE_LINK), int):
        return RedirectResponse(CHECK_PAGE, status_code=303)
    return debtor_render(request, "debtor/code.html", {"sent": bool(session.get(CODE_SENT))})


@router.post("/code")
def code_check(request: Request, uow: UowDep, code: Annotated[str, Form(max_length=20)] = "") -> Response:
    session = debtor_session(request)
    link_id = session.get(CODE_LINK)
    if not isinstance(link_id, int):
        return RedirectResponse(CHECK_PAGE, status_code=303)
    try:
        passed = check_code(uow, link_id, code, address=client_address(request))
    except (CheckFailed, Throttled) as exc:
        status = 429 if isinstance(exc, Throttled) else 422
        context = {"sent": bool(session.get(CODE_SENT)), "error": exc.translated(debtor_locale(request))}
        return debtor_render(request, "debtor/code.html", context, status_code=status)
    start_visit(request, passed.link_id, passed.case_id)
    return RedirectResponse("/d", status_code=303)


@router.get("")
def owed_page(request: Request, uow: UowDep, visit: DebtorVisitDep) -> HTMLResponse:
    owed = what_is_owed(uow, visit.case_id)
    audit_view(uow, visit.case_id, visit.link_id, "owed")
    return debtor_render(request, "debtor/owed.html", {"owed": owed})


@router.get("/contact")
def contact_page(request: Request, uow: UowDep, visit: DebtorVisitDep) -> HTMLResponse:
    form = contact_form(uow, visit.case_id)
    audit_view(uow, visit.case_id, visit.link_id, "contact")
    return debtor_render(request, "debtor/contact.html", _contact_context(form))


@router.post("/contact")
async def contact_save(request: Request, uow: UowDep, visit: DebtorVisitDep) -> Response:
    """Saves the debtor's own choices (binding the gate at once) and answers with the receipt."""
    form = await request.form()
    try:
        choice = contact_choice(form)
        receipt = save_contact(uow, visit.case_id, visit.link_id, choice)
    except InvalidInput as exc:
        uow.session.rollback()  # nothing of a refused choice is kept
        context = _contact_context(contact_form(uow, visit.case_id), exc.translated(visit.locale))
        return debtor_render(request, "debtor/contact.html", context, status_code=422)
    context = {"receipt": receipt, "lines": receipt.text(visit.locale), "channels": CHANNEL_NAMES}
    return debtor_render(request, "debtor/receipt.html", context)


def _contact_context(form: ContactForm, error: str | None = None) -> dict[str, object]:
    return {
        "form": form,
        "error": error,
        "days": DAY_NAMES,
        "channels": CHANNEL_NAMES,
        "receipt_channels": RECEIPT_CHANNELS,
        "hours": [f"{h:02d}:00" for h in range(24)] + ["24:00"],
        "pauses": sorted({d for d in PAUSE_CHOICES if d <= form.pause_max_days} | {form.pause_max_days}),
    }


@router.post("/language")
def switch_language(
    request: Request,
    locale: Annotated[str, Form(max_length=10)] = "zh_CN",
    next: Annotated[str, Form(max_length=200)] = "/d",  # noqa: A002 - the form's field
) -> Response:
    debtor_session(request)["locale"] = normalize_locale(locale)
    back = next if next == "/d" or (next.startswith("/d/") and "//" not in next) else "/d"
    if back.startswith("/d/") and back.count("/") == 2 and back[3:] not in KNOWN_PAGES:
        back = CHECK_PAGE  # a link's own address: the token stays out of the history
    return RedirectResponse(back, status_code=303)


KNOWN_PAGES = frozenset({"check", "code", "pay", "arrange", "dispute", "contact"})


@router.post("/logout")
def leave(request: Request) -> Response:
    end_visit(request)
    return RedirectResponse(CHECK_PAGE, status_code=303)
