"""What every page of the workbench shares: templates in the viewer's language, the logged-in viewer,
a unit of work per request, CSRF protection on every form, and the formatting of money and times.

A page module makes its router with `page_router()` (CSRF checked on every POST, PUT, PATCH, DELETE)
and answers with `render(request, "area/page.html", {...})`. Services raise HuikuanError; the app turns
it into a message in the user's language (web/errors.py), so a route never catches it to report it.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, TypeVar
from zoneinfo import ZoneInfo

from babel.numbers import format_currency
from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape

from huikuan.domain.money import Money
from huikuan.errors import Forbidden, InvalidInput, NotAuthenticated
from huikuan.i18n import gettext, normalize_locale
from huikuan.services.access import Viewer, get_viewer
from huikuan.services.case_labels import label
from huikuan.services.sessions import session_of
from huikuan.storage.engine import get_engine
from huikuan.storage.uow import UnitOfWork

R = TypeVar("R", bound=Response)
TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
templates = Jinja2Templates(directory=str(TEMPLATES))
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


def get_uow(request: Request) -> Iterator[UnitOfWork]:
    """One unit of work per request; services commit, anything uncommitted is rolled back. A request
    that may change data (POST, PUT, PATCH, DELETE) writes: on SQLite it waits for the write lock as its
    transaction begins instead of failing to upgrade a read."""
    engine = get_engine(request.app.state.database_url)
    reader = request.app.state.read_engine
    with UnitOfWork(engine, immediate=request.method not in SAFE_METHODS, reader=reader) as uow:
        yield uow


UowDep = Annotated[UnitOfWork, Depends(get_uow)]


SESSION_TOKEN = "sid"  # the cookie's key for the token of the server-side session (services/sessions.py)


def session_viewer(request: Request, uow: UnitOfWork) -> Viewer | None:
    """The user of the browser's session, if it is still open; an ended session empties the cookie."""
    token = request.session.get(SESSION_TOKEN)
    if not token:
        return None
    found = session_of(uow, str(token))
    if found is None:
        request.session.clear()
        return None
    try:
        viewer = get_viewer(uow, found.user_id)
    except NotAuthenticated:
        request.session.clear()
        return None
    request.state.session_id = found.id
    return viewer


def client_address(request: Request) -> str:
    """The client's address as the server sees it (uvicorn takes a proxy's word only from
    HUIKUAN_TRUSTED_PROXIES)."""
    return request.client.host if request.client else "unknown"


def current_viewer(request: Request, uow: UowDep) -> Viewer:
    """The logged-in user; without a session the page redirects to the login (web/errors.py)."""
    viewer = session_viewer(request, uow)
    if viewer is None:
        raise NotAuthenticated("Please log in")
    request.state.viewer = viewer
    return viewer


ViewerDep = Annotated[Viewer, Depends(current_viewer)]


def csrf_token(request: Request) -> str:
    """The session's CSRF token, made on first use."""
    token = request.session.get(CSRF_FIELD)
    if not token:
        token = secrets.token_urlsafe(32)
        request.session[CSRF_FIELD] = token
    return str(token)


async def csrf_protect(request: Request) -> None:
    """Refuses a state-changing request without the session's token (form field or X-CSRF-Token)."""
    if request.method in SAFE_METHODS:
        return
    expected = request.session.get(CSRF_FIELD)
    given: object = request.headers.get(CSRF_HEADER)
    if given is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        given = (await request.form()).get(CSRF_FIELD)
    if not expected or not isinstance(given, str) or not secrets.compare_digest(given, str(expected)):
        raise Forbidden("This form has expired: reload the page and try again")


def is_htmx(request: Request) -> bool:
    """The request came from htmx (it swaps a fragment into the page)."""
    return request.headers.get("hx-request") == "true"


def case_changed(response: R) -> R:
    """Tells the case page that the case changed: its timeline, header and points reload."""
    response.headers["HX-Trigger"] = "case-changed"
    return response


def page_router(prefix: str = "") -> APIRouter:
    """A router for HTML pages: CSRF-protected and left out of the API docs."""
    return APIRouter(prefix=prefix, dependencies=[Depends(csrf_protect)], include_in_schema=False)


def request_locale(request: Request) -> str:
    """The viewer's own setting when logged in, else the browser's Accept-Language."""
    viewer = getattr(request.state, "viewer", None)
    if viewer is not None:
        return normalize_locale(viewer.locale)
    if "locale" in request.session:
        return normalize_locale(str(request.session["locale"]))
    header = request.headers.get("accept-language", "")
    return normalize_locale(header.split(",")[0].split(";")[0] or None) if header else "zh_CN"


def labeller(request: Request, labels: Mapping[str, Mapping[str, str]]) -> Callable[[str, str | None], str]:
    """The templates' `lbl(vocabulary, value)`: a closed vocabulary's word for a value (English msgids
    in `labels`) in the viewer's language; the value itself when it has none, a dash for no value."""
    locale = request_locale(request)

    def lbl(vocabulary: str, value: str | None) -> str:
        if value is None:
            return "—"
        words = labels.get(vocabulary, {}).get(value)
        return gettext(words, locale) if words else value

    return lbl


def money(minor: int | None, currency: str, locale: str) -> str:
    """12345 CNY -> ¥123.45 (zh_CN) or CN¥123.45 (en); exact: minor units through Decimal."""
    if minor is None:
        return ""
    return format_currency(Money(int(minor), currency).amount, currency, locale=locale)


def local_time(value: datetime | None, zone: str) -> str:
    if value is None:
        return ""
    return value.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M")


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, *, status_code: int = 200
) -> HTMLResponse:
    """Renders a template with what every page needs: `_`, viewer, locale, csrf and the formatters."""
    locale = request_locale(request)
    viewer: Viewer | None = getattr(request.state, "viewer", None)
    zone = viewer.time_zone if viewer else "Asia/Shanghai"
    token = csrf_token(request)

    def _(msgid: str, **values: object) -> str:
        return gettext(msgid, locale, **values)

    def csrf_field() -> Markup:
        return Markup(f'<input type="hidden" name="{CSRF_FIELD}" value="{escape(token)}">')

    base = {
        "request": request,
        "_": _,
        "viewer": viewer,
        "locale": locale,
        "html_lang": "zh-CN" if locale == "zh_CN" else "en",
        "csrf_token": token,
        "csrf_field": csrf_field,
        "money": lambda minor, currency: money(minor, currency, locale),
        "dt": lambda value: local_time(value, zone),
        "day": lambda value: value.isoformat() if isinstance(value, date) else "",
        "role_name": lambda role: label("user_role", str(role), locale),
        "is_htmx": is_htmx(request),
    }
    return templates.TemplateResponse(request, name, {**base, **(context or {})}, status_code=status_code)


def parse_day(text: str | None, field: str = "due") -> date:
    """A date typed in a form or sent to the API (YYYY-MM-DD)."""
    value = (text or "").strip()
    try:
        return date.fromisoformat(value)
    except ValueError:
        if field == "first_due":
            raise InvalidInput("First due date: {value} is not a date (YYYY-MM-DD)", value=value) from None
        raise InvalidInput("Due date: {value} is not a date (YYYY-MM-DD)", value=value) from None
