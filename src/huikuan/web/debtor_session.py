"""The debtor's visit to the case's own pages (/d): a session of its own, apart from the staff's.

Its cookie (`huikuan_debtor`, path /d) is signed with a timestamp and re-signed on every answer, so it ends
IDLE_S after the last request (the signature's age is checked on the server: the cookie's own max-age is
only a courtesy to the browser), and a visit ends VISIT_MAX_S after the check in any case. It is HttpOnly,
SameSite=Lax, and Secure when HUIKUAN_PUBLIC_URL is https (or HUIKUAN_COOKIE_SECURE is on).

A debtor page takes `visit: DebtorVisitDep`: the case and link of a visitor who passed the identity check
of a link that is still open (unexpired, unlocked). Anyone else is sent to the check page (303), or told
404 where JSON was asked for; neither says whether a link or a person exists. `debtor_router()` makes a
router whose writes need the visit's own CSRF token; `debtor_render` renders a page of templates/debtor/.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from babel.numbers import format_currency
from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from itsdangerous import BadSignature, TimestampSigner
from markupsafe import Markup, escape
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from huikuan.config import get_settings
from huikuan.domain.money import Money
from huikuan.i18n import gettext, normalize_locale
from huikuan.local_secrets import local_secret
from huikuan.services.debtor_links import link_open
from huikuan.storage.engine import get_engine

# The same form field, header and templates as the workbench's pages (web/ui/common.py), named here too:
# web/ui imports this module, not the other way round.
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
templates = Jinja2Templates(directory=str(Path(__file__).with_name("templates")))
COOKIE = "huikuan_debtor"
PREFIX = "/d"
CHECK_PAGE = "/d/check"
IDLE_S = 15 * 60  # issue 18: a portal session ends after 15 minutes idle
VISIT_MAX_S = 2 * 3600
SCOPE_KEY = "debtor_session"
VISIT_KEYS = ("link", "case", "at")


@dataclass(frozen=True)
class DebtorVisit:
    case_id: int
    link_id: int
    locale: str
    address: str


def _signer() -> TimestampSigner:
    secret = local_secret("secret_key", get_settings().secret_key)
    return TimestampSigner(secret, salt="huikuan.debtor-session")


def _secure() -> bool:
    settings = get_settings()
    return settings.cookie_secure or settings.public_url.strip().lower().startswith("https://")


def _ours(path: str) -> bool:
    return path == PREFIX or path.startswith(PREFIX + "/")


class DebtorSessionMiddleware:
    """Reads the debtor's cookie into scope["debtor_session"] (a dict) on /d, and writes it back."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _ours(scope["path"]):
            await self.app(scope, receive, send)
            return
        had_cookie = False
        data: dict[str, Any] = {}
        for key, value in scope.get("headers", ()):
            if key == b"cookie":
                for part in value.decode("latin-1").split(";"):
                    name, _, raw = part.strip().partition("=")
                    if name == COOKIE and raw:
                        had_cookie = True
                        data = _load(raw)
        scope[SCOPE_KEY] = data

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                flags = f"path={PREFIX}; httponly; samesite=lax" + ("; secure" if _secure() else "")
                if data:
                    signed = _signer().sign(json.dumps(data, separators=(",", ":"))).decode()
                    headers.append("Set-Cookie", f"{COOKIE}={signed}; max-age={IDLE_S}; {flags}")
                elif had_cookie:
                    headers.append("Set-Cookie", f"{COOKIE}=; max-age=0; {flags}")
            await send(message)

        await self.app(scope, receive, send_with_cookie)


def _load(raw: str) -> dict[str, Any]:
    try:
        value = json.loads(_signer().unsign(raw, max_age=IDLE_S))
    except (BadSignature, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def debtor_session(request: Request) -> dict[str, Any]:
    """The visit's own session (a dict kept in the debtor's cookie); empty outside /d."""
    found = request.scope.get(SCOPE_KEY)
    if found is None:
        found = request.scope[SCOPE_KEY] = {}
    return found


def debtor_locale(request: Request) -> str:
    """The language chosen on the pages, else the browser's first."""
    chosen = debtor_session(request).get("locale")
    if chosen:
        return normalize_locale(str(chosen))
    header = request.headers.get("accept-language", "")
    return normalize_locale(header.split(",")[0].split(";")[0] or None) if header else "zh_CN"


def start_visit(request: Request, link_id: int, case_id: int) -> None:
    """The check was passed: the visit is of this link and case from now on (a new CSRF token too)."""
    session = debtor_session(request)
    locale = session.get("locale")
    session.clear()
    session.update(link=link_id, case=case_id, at=int(time.time()), csrf=secrets.token_urlsafe(32))
    if locale:
        session["locale"] = locale


def end_visit(request: Request) -> None:
    locale = debtor_session(request).get("locale")
    debtor_session(request).clear()
    if locale:
        debtor_session(request)["locale"] = locale


def _forget_visit(session: dict[str, Any]) -> None:
    """The visit is over (a check on its way, its language and form token stay)."""
    for key in VISIT_KEYS:
        session.pop(key, None)


def _away(request: Request) -> HTTPException:
    accept = request.headers.get("accept", "")
    if "application/json" in accept and "text/html" not in accept:
        return HTTPException(status_code=404)
    return HTTPException(status_code=303, headers={"Location": CHECK_PAGE})


def client_address(request: Request) -> str:
    """The client's address as the server sees it (uvicorn takes a proxy's word only from
    HUIKUAN_TRUSTED_PROXIES)."""
    return request.client.host if request.client else "unknown"


def money(minor: int | None, currency: str, locale: str) -> str:
    """12345 CNY -> ¥123.45 (zh_CN) or CN¥123.45 (en), exact."""
    if minor is None:
        return ""
    return format_currency(Money(int(minor), currency).amount, currency, locale=locale)


def debtor_visit(request: Request) -> DebtorVisit:
    """The visit of someone who passed the identity check of a link still open; else 303 to the check
    page (404 for JSON). The link is read again on every request: a locked or expired link ends it."""
    session = debtor_session(request)
    link, case, at = session.get("link"), session.get("case"), session.get("at")
    fresh = isinstance(at, int) and time.time() - at < VISIT_MAX_S
    if not (isinstance(link, int) and isinstance(case, int) and fresh):
        _forget_visit(session)
        raise _away(request)
    with get_engine(request.app.state.database_url).connect() as conn:
        still_open = link_open(conn, link, case)
    if not still_open:
        _forget_visit(session)
        raise _away(request)
    return DebtorVisit(case, link, debtor_locale(request), client_address(request))


DebtorVisitDep = Annotated[DebtorVisit, Depends(debtor_visit)]


def debtor_csrf(request: Request) -> str:
    """The visit's CSRF token, made on first use."""
    session = debtor_session(request)
    token = session.get("csrf")
    if not isinstance(token, str) or not token:
        token = session["csrf"] = secrets.token_urlsafe(32)
    return token


async def debtor_csrf_protect(request: Request) -> None:
    """A write on /d needs the visit's token (form field or X-CSRF-Token); else 403."""
    if request.method in SAFE_METHODS:
        return
    expected = debtor_session(request).get("csrf")
    given: object = request.headers.get(CSRF_HEADER)
    if given is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        given = (await request.form()).get(CSRF_FIELD)
    if not expected or not isinstance(given, str) or not secrets.compare_digest(given, str(expected)):
        raise HTTPException(status_code=403)


def debtor_router() -> APIRouter:
    """A router of debtor pages under /d: writes need the visit's CSRF token; left out of the API docs."""
    return APIRouter(prefix=PREFIX, dependencies=[Depends(debtor_csrf_protect)], include_in_schema=False)


def debtor_render(
    request: Request, name: str, context: Mapping[str, Any] | None = None, *, status_code: int = 200
) -> HTMLResponse:
    """A page of templates/debtor/ in the visit's language, with `_`, `money`, the CSRF field and the
    agency's name and telephone."""
    locale = debtor_locale(request)
    token = debtor_csrf(request)
    settings = get_settings()

    def _(msgid: str, **values: object) -> str:
        return gettext(msgid, locale, **values)

    def csrf_field() -> Markup:
        return Markup(f'<input type="hidden" name="{CSRF_FIELD}" value="{escape(token)}">')

    agency = (settings.agency_name_zh if locale == "zh_CN" else "") or settings.agency_name
    base = {
        "request": request,
        "_": _,
        "locale": locale,
        "html_lang": "zh-CN" if locale == "zh_CN" else "en",
        "csrf_token": token,
        "csrf_field": csrf_field,
        "money": lambda minor, currency: money(minor, currency, locale),
        "agency_name": agency,
        "agency_phone": settings.agency_phone,
        "signed_in": isinstance(debtor_session(request).get("link"), int),
    }
    return templates.TemplateResponse(request, name, {**base, **(context or {})}, status_code=status_code)


__all__ = [
    "CHECK_PAGE",
    "DebtorSessionMiddleware",
    "DebtorVisit",
    "DebtorVisitDep",
    "debtor_locale",
    "debtor_render",
    "debtor_router",
    "debtor_session",
    "debtor_visit",
    "end_visit",
    "start_visit",
]
