"""Logging in and out, the home page, and the language switch."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from huikuan.errors import InvalidInput, NotAuthenticated, Throttled
from huikuan.i18n import normalize_locale
from huikuan.services.auth import COMMON_ZONES, login, set_locale, set_preferences
from huikuan.web.ui.common import UowDep, ViewerDep, page_router, render, request_locale, session_viewer

router = page_router()


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


@router.post("/login", response_class=HTMLResponse)
def login_submit(
    request: Request,
    uow: UowDep,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    client = request.client.host if request.client else "unknown"
    try:
        viewer = login(uow, username, password, ip=client)
    except (NotAuthenticated, Throttled, InvalidInput) as exc:
        status = 429 if isinstance(exc, Throttled) else 401
        context = {"error": exc.translated(request_locale(request)), "username": username}
        return render(request, "auth/login.html", {**context, "next": _safe_next(next)}, status_code=status)
    request.session.clear()  # a new session on login: no fixation
    request.session["user_id"] = viewer.user_id
    request.session["locale"] = viewer.locale
    return RedirectResponse(_safe_next(next) if next != "/" else "/", status_code=303)


@router.post("/logout")
def logout(request: Request) -> Response:
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


@router.get("/settings", response_class=HTMLResponse)
def settings_page(request: Request, viewer: ViewerDep) -> HTMLResponse:
    return render(request, "settings/page.html", {"zones": COMMON_ZONES, "viewer": viewer})


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
    return RedirectResponse("/settings", status_code=303)


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
