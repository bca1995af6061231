"""Logging in (a password, then a second-factor code for the roles that need one) and out, the home
page, the user's settings (language, zone, password) and the language switch."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Annotated, Any

import segno
from fastapi import Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup

from huikuan.errors import InvalidInput, NotAuthenticated, Throttled
from huikuan.i18n import normalize_locale
from huikuan.services import mfa
from huikuan.services.access import Viewer
from huikuan.services.auth import (
    COMMON_ZONES,
    login,
    refuse_while_locked,
    second_factor_failed,
    set_locale,
    set_preferences,
    zone_choices,
)
from huikuan.services.sessions import end_session, start_session
from huikuan.services.users import change_password
from huikuan.storage.uow import UnitOfWork
from huikuan.web.ui.common import (
    SESSION_TOKEN,
    UowDep,
    ViewerDep,
    client_address,
    page_router,
    render,
    request_locale,
    session_viewer,
)

router = page_router()
PENDING = "pending"  # the cookie's key for a login waiting for its second factor
PENDING_S = 300  # a password is good for five minutes of typing the code


def _safe_next(target: str | None) -> str:
    """Only a path of this site: never an open redirect."""
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return "/"


@router.get("/", response_class=HTMLResponse)
def home(request: Request, uow: UowDep) -> Response:
    viewer = session_viewer(request, uow)
    if viewer is None:
        return RedirectResponse("/login", status_code=303)
    request.state.viewer = viewer
    return RedirectResponse("/portfolio" if viewer.read_only else "/queue", status_code=303)


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str = "/") -> HTMLResponse:
    return render(request, "auth/login.html", {"next": _safe_next(next)})


def _begin(request: Request, uow: UnitOfWork, user_id: int, locale: str, next: str) -> Response:
    """The session begins: a new cookie (no fixation) holding the new session's token."""
    token = start_session(
        uow, user_id, ip=client_address(request), user_agent=request.headers.get("user-agent", "")
    )
    request.session.clear()
    request.session[SESSION_TOKEN] = token
    request.session["locale"] = locale
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/login", response_class=HTMLResponse)
def login_submit(
    request: Request,
    uow: UowDep,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    try:
        viewer = login(uow, username, password, ip=client_address(request))
    except (NotAuthenticated, Throttled, InvalidInput) as exc:
        status = 429 if isinstance(exc, Throttled) else 401
        context = {"error": exc.translated(request_locale(request)), "username": username}
        return render(request, "auth/login.html", {**context, "next": _safe_next(next)}, status_code=status)
    is_enrolled = mfa.enrolled(uow, viewer.user_id)
    if not is_enrolled and not mfa.required_for(viewer.role):
        return _begin(request, uow, viewer.user_id, viewer.locale, next)
    request.session.clear()
    request.session[PENDING] = {
        "user_id": viewer.user_id,
        "username": viewer.username,
        "locale": viewer.locale,
        "at": int(time.time()),
        "next": _safe_next(next),
        "secret": None if is_enrolled else mfa.new_secret(),
    }
    request.session["locale"] = viewer.locale
    return RedirectResponse("/login/code", status_code=303)


def _pending(request: Request) -> dict[str, Any] | None:
    """The login waiting for its code, if its password was given less than five minutes ago."""
    pending = request.session.get(PENDING)
    if not isinstance(pending, dict) or time.time() - float(pending.get("at", 0)) > PENDING_S:
        request.session.pop(PENDING, None)
        return None
    return pending


def _code_page(request: Request, pending: dict[str, Any], error: str = "", status: int = 200) -> HTMLResponse:
    context: dict[str, Any] = {"error": error, "enrol": pending["secret"] is not None}
    if pending["secret"]:
        uri = mfa.provisioning_uri(pending["secret"], pending["username"])
        context["qr"] = Markup(segno.make(uri, error="m").svg_inline(scale=4, dark="#1f2937", title=uri))
        secret = pending["secret"]
        context["secret"] = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    return render(request, "auth/code.html", context, status_code=status)


@router.get("/login/code", response_class=HTMLResponse)
def code_page(request: Request) -> Response:
    pending = _pending(request)
    if pending is None:
        return RedirectResponse("/login", status_code=303)
    return _code_page(request, pending)


@router.post("/login/code", response_class=HTMLResponse)
def code_submit(request: Request, uow: UowDep, code: Annotated[str, Form()] = "") -> Response:
    """The second factor: a code of the enrolled secret, or the first code of a new one (enrolment)."""
    pending = _pending(request)
    if pending is None:
        return RedirectResponse("/login", status_code=303)
    ip = client_address(request)
    locale = request_locale(request)
    try:
        refuse_while_locked(uow, pending["username"], ip, datetime.now(UTC))
        if pending["secret"]:
            mfa.enrol(uow, pending["user_id"], pending["secret"], code)
        elif not mfa.verify(uow, pending["user_id"], code):
            raise InvalidInput("code: not the code your app shows now; check the phone's clock and try again")
    except Throttled as exc:
        request.session.pop(PENDING, None)
        context = {"error": exc.translated(locale), "next": "/"}
        return render(request, "auth/login.html", context, status_code=429)
    except InvalidInput as exc:
        second_factor_failed(uow, pending["username"], ip)
        return _code_page(request, pending, exc.translated(locale), 401)
    return _begin(request, uow, pending["user_id"], pending["locale"], pending["next"])


@router.post("/logout")
def logout(request: Request, uow: UowDep) -> Response:
    """Ends the session on the server (the cookie alone would no longer open it) and empties the cookie."""
    token = request.session.get(SESSION_TOKEN)
    if token:
        end_session(uow, str(token))
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


def _settings(viewer: Viewer, **extra: Any) -> dict[str, Any]:
    zones = {"zones": zone_choices(), "common_zones": len(COMMON_ZONES)}
    return {**zones, "now": datetime.now(UTC), "viewer": viewer, **extra}


@router.get("/settings", response_class=HTMLResponse)
def settings_page(
    request: Request, viewer: ViewerDep, changed: int | None = None, saved: int | None = None
) -> HTMLResponse:
    return render(request, "settings/page.html", _settings(viewer, changed=changed, saved=saved))


@router.post("/settings")
def save_settings(
    request: Request,
    viewer: ViewerDep,
    uow: UowDep,
    locale: Annotated[str, Form()],
    time_zone: Annotated[str, Form()],
) -> Response:
    chosen = set_preferences(uow, viewer, locale=locale, time_zone=time_zone)
    request.session["locale"] = chosen
    return RedirectResponse("/settings?saved=1", status_code=303)


@router.post("/settings/password", response_class=HTMLResponse)
def save_password(
    request: Request,
    viewer: ViewerDep,
    uow: UowDep,
    current: Annotated[str, Form()] = "",
    new: Annotated[str, Form()] = "",
    again: Annotated[str, Form()] = "",
) -> Response:
    """The user's own new password; the user's other sessions end."""
    locale = request_locale(request)
    try:
        if new != again:
            raise InvalidInput("password: the two new passwords differ")
        session_id = getattr(request.state, "session_id", None)
        ended = change_password(uow, viewer, current, new, session_id=session_id)
    except InvalidInput as exc:
        context = _settings(viewer, password_error=exc.translated(locale))
        return render(request, "settings/page.html", context, status_code=422)
    return RedirectResponse(f"/settings?changed={ended}", status_code=303)


@router.post("/settings/language")
def switch_language(
    request: Request, uow: UowDep, locale: Annotated[str, Form()], next: Annotated[str, Form()] = "/"
) -> Response:
    """The user's language: kept on the user when logged in, in the session otherwise."""
    chosen = normalize_locale(locale)
    viewer = session_viewer(request, uow)
    if viewer is not None:
        chosen = set_locale(uow, viewer, chosen)
    request.session["locale"] = chosen
    return RedirectResponse(_safe_next(next), status_code=303)
