"""What is recorded of each request: its id, one access-log line, the metrics, and an error's traceback.

- The request id: the client's X-Request-ID when it is sane (1 to 64 letters, digits, `.`, `_`, `-`,
  `:`), else a new one; sent back on the response and bound to every log line written while the
  request is served (huikuan.logs).
- The access line (logger `huikuan.access`): method, route template (`/cases/{case_id}`, never the
  address with its ids or its query string), status, duration and the user's id; nothing else.
- The metrics (huikuan.metrics): the same labels, the latency.
- An exception the app did not answer: one log line with its type and traceback; the client gets a
  500 with the request id (then the exception goes on up, to the server and the test client).
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from structlog.contextvars import bound_contextvars

from huikuan.metrics import REQUEST_SECONDS, REQUESTS, UNMATCHED

access_log = logging.getLogger("huikuan.access")
error_log = logging.getLogger("huikuan.web")
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
REQUEST_ID_HEADER = "X-Request-ID"


def request_id(scope: Scope) -> str:
    for name, value in scope.get("headers", ()):
        if name == b"x-request-id":
            given = str(value.decode("latin-1"))
            if SANE_REQUEST_ID.fullmatch(given):
                return given
            break
    return uuid.uuid4().hex


def route_template(scope: Scope) -> str:
    """The template of the route that answered (`/cases/{case_id}`), a mount's path (`/static`), or
    "unmatched" (an address that is no route: its text is never a label)."""
    route = scope.get("route")
    path = getattr(route, "path_format", None) or getattr(route, "path", None)
    if path:
        return str(path)
    if scope.get("endpoint") is not None and scope.get("root_path"):  # a mount (StaticFiles) answered
        return str(scope["root_path"])
    return UNMATCHED


def user_id(scope: Scope) -> Any:
    viewer = scope.get("state", {}).get("viewer")
    if viewer is not None:
        return getattr(viewer, "user_id", None)
    session = scope.get("session") or {}
    return session.get("user_id")


class RequestLog:
    """ASGI middleware, the outermost: request id, access line, metrics, unanswered errors."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = request_id(scope)
        started = time.perf_counter()
        status = 500
        response_started = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                status = int(message["status"])
                response_started = True
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = rid
            await send(message)

        with bound_contextvars(request_id=rid):
            try:
                await self.app(scope, receive, send_with_id)
            except Exception:
                status = 500
                error_log.exception("request failed", extra=self._fields(scope, status, started))
                if not response_started:
                    await PlainTextResponse("Internal Server Error", 500)(scope, receive, send_with_id)
                raise
            finally:
                fields = self._fields(scope, status, started)
                access_log.info("request", extra=fields)
                REQUESTS.labels(fields["route"], fields["method"], str(status)).inc()
                REQUEST_SECONDS.labels(fields["route"], fields["method"]).observe(fields["duration_s"])

    @staticmethod
    def _fields(scope: Scope, status: int, started: float) -> dict[str, Any]:
        return {
            "method": scope["method"],
            "route": route_template(scope),
            "status": status,
            "duration_s": round(time.perf_counter() - started, 6),
            "user_id": user_id(scope),
        }
