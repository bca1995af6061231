"""Turns the typed errors of huikuan.errors into answers in the user's language.

- JSON API (/api/...): `{"detail": message, "error": kind}` with the status of the kind.
- htmx request: the message as an alert fragment swapped into the page's #flash element.
- plain page or form post: the error page; without a session, a redirect to the login page.
- an address that is no page (404), or a page asked with a method it does not take (405): a page saying
  so with a link home, in the user's language; under /api/ the JSON answer of FastAPI.
Nothing was changed: services raise before they commit. A database that cannot be reached (SQLite's
write lock held past the wait, a PostgreSQL server down or restarting) answers 503 "busy, try again".
The OpenAPI document describes that JSON error body (`document_errors`), not FastAPI's default one.
"""

from __future__ import annotations

from typing import Any

import psycopg
from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from markupsafe import escape
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from huikuan.errors import (
    AlreadyExists,
    Busy,
    ComplianceRefused,
    Conflict,
    Forbidden,
    HuikuanError,
    NotAuthenticated,
    NotFound,
    ProviderUnavailable,
    StoreFailed,
    Throttled,
)
from huikuan.i18n import gettext
from huikuan.web.ui.common import is_htmx, render, request_locale

STATUS = {
    NotFound: 404,
    Forbidden: 403,
    NotAuthenticated: 401,
    Throttled: 429,
    Conflict: 409,
    AlreadyExists: 409,
    Busy: 503,
    StoreFailed: 503,  # the document store (an S3 bucket) is missing or failing
    ProviderUnavailable: 503,  # a payment provider refused a link or could not be reached
}


# The routing errors a person can meet by typing or following an address: (title, explanation).
NO_SUCH_PAGE = {
    404: ("Page not found", "There is no page at this address."),
    405: ("This page cannot be opened this way", "This address does not take a {method} request."),
}


def busy() -> Busy:
    """What a request hears when the database stayed busy past the wait (the pool, or SQLite's lock)."""
    return Busy("The system is busy: nothing was changed, please try again in a few seconds")


def status_of(exc: HuikuanError) -> int:
    for kind, status in STATUS.items():
        if isinstance(exc, kind):
            return status
    return 422


def _validation_message(exc: RequestValidationError, locale: str) -> str:
    """FastAPI's check of a request's shape, said in the user's language: which fields, and why."""
    fields = []
    for error in exc.errors():
        where = [str(part) for part in error.get("loc", ()) if part not in ("body", "query", "path", "form")]
        fields.append(".".join(where) or "?")
    return gettext(
        "These fields are missing or not valid: {fields}", locale, fields=", ".join(dict.fromkeys(fields))
    )


# The body of every JSON error answer, as the OpenAPI document gives it for a 422 (FastAPI's default says
# `detail` is a list; ours is the message, with the list of fields in `errors` when the shape was wrong).
ERROR_BODY_SCHEMA: dict[str, Any] = {
    "title": "Error",
    "type": "object",
    "required": ["detail", "error"],
    "properties": {
        "detail": {
            "type": "string",
            "title": "Detail",
            "description": "What went wrong, in the user's language",
        },
        "error": {
            "type": "string",
            "title": "Error",
            "description": "The kind of error, such as InvalidInput",
        },
        "errors": {
            "type": "array",
            "title": "Errors",
            "description": "The fields that are missing or not valid, when the request's shape was wrong",
            "items": {"$ref": "#/components/schemas/ValidationError"},
        },
    },
}


def document_errors(app: FastAPI) -> None:
    """The app's OpenAPI document gives the error body the handlers below really answer."""
    make_document = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        document = make_document()  # FastAPI keeps it in app.openapi_schema: this runs once
        schemas = document.get("components", {}).get("schemas", {})
        if "HTTPValidationError" in schemas:
            schemas["HTTPValidationError"] = ERROR_BODY_SCHEMA
        return document

    app.openapi = openapi  # type: ignore[method-assign]


def install(app: FastAPI) -> None:
    document_errors(app)

    @app.exception_handler(RequestValidationError)
    async def _invalid_request(request: Request, exc: RequestValidationError) -> Response:
        message = _validation_message(exc, request_locale(request))
        if request.url.path.startswith("/api/"):
            body = {"detail": message, "error": "InvalidInput", "errors": jsonable_encoder(exc.errors())}
            return JSONResponse(body, status_code=422)
        return _page_error(request, message, 422)

    @app.exception_handler(HuikuanError)
    async def _huikuan_error(request: Request, exc: HuikuanError) -> Response:
        status = status_of(exc)
        message = exc.translated(request_locale(request))
        if request.url.path.startswith("/api/"):
            body: dict[str, Any] = {"detail": message, "error": type(exc).__name__}
            if isinstance(exc, ComplianceRefused) and exc.decision is not None:
                body["decision"] = exc.decision
            # Bearer, never Basic: a browser asked for Basic would keep the credentials and send them
            # with requests another site makes it send.
            headers = {"WWW-Authenticate": 'Bearer realm="huikuan"'} if status == 401 else None
            if isinstance(exc, Busy):
                headers = {"Retry-After": str(Busy.retry_after_s)}
            return JSONResponse(body, status_code=status, headers=headers)
        if isinstance(exc, NotAuthenticated):
            if is_htmx(request):
                return Response(status_code=200, headers={"HX-Redirect": "/login"})
            return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
        response = _page_error(request, message, status)
        if isinstance(exc, Busy):
            response.headers["Retry-After"] = str(Busy.retry_after_s)
        return response

    @app.exception_handler(StarletteHTTPException)
    async def _no_such_page(request: Request, exc: StarletteHTTPException) -> Response:
        if request.url.path.startswith("/api/") or exc.status_code not in NO_SUCH_PAGE:
            return await http_exception_handler(request, exc)
        locale = request_locale(request)
        title, explanation = NO_SUCH_PAGE[exc.status_code]
        message = gettext(explanation, locale, method=request.method)
        if is_htmx(request):
            response = _page_error(request, message, exc.status_code)
        else:
            context = {"title": gettext(title, locale), "message": message, "path": request.url.path}
            response = render(request, "errors/not_found.html", context, status_code=exc.status_code)
        response.headers.update(exc.headers or {})
        return response

    @app.exception_handler(PoolTimeout)
    async def _no_connection(request: Request, _exc: PoolTimeout) -> Response:
        return await _huikuan_error(request, busy())

    @app.exception_handler(OperationalError)
    async def _database_busy(request: Request, exc: OperationalError) -> Response:
        if not (is_locked(exc) or is_unavailable(exc)):
            raise exc
        return await _huikuan_error(request, busy())


def is_locked(exc: OperationalError) -> bool:
    """SQLite gave up waiting for its write lock (every statement was rolled back)."""
    return "database is locked" in str(exc.orig)


def is_unavailable(exc: OperationalError) -> bool:
    """The PostgreSQL server could not do it now: down, restarting or starting up (a connection refused),
    a connection it cut, a deadlock or a serialization failure (the transaction was rolled back). The
    pool reconnects on the next request once the server is back (pool_pre_ping), so the answer is 503,
    try again, not a server error. SQLite's other operational errors (no such table...) stay faults."""
    return exc.connection_invalidated or isinstance(exc.orig, psycopg.OperationalError)


def busy_response(request: Request) -> Response:
    """The answer to a request turned away before it started, as a Busy error would be answered."""
    message = busy().translated(request_locale(request))
    headers = {"Retry-After": str(Busy.retry_after_s)}
    if request.url.path.startswith("/api/"):
        return JSONResponse({"detail": message, "error": "Busy"}, status_code=503, headers=headers)
    response = _page_error(request, message, 503)
    response.headers.update(headers)
    return response


def _page_error(request: Request, message: str, status: int) -> Response:
    """An htmx request gets the message swapped into #flash; a plain one the error page."""
    if is_htmx(request):
        fragment = f'<div class="alert error" role="alert" data-testid="error">{escape(message)}</div>'
        return HTMLResponse(
            fragment, status_code=status, headers={"HX-Retarget": "#flash", "HX-Reswap": "innerHTML"}
        )
    return render(request, "error.html", {"message": message}, status_code=status)
