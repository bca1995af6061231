"""How much a web process takes on at once: no more requests in progress than it has database
connections, and no more worker threads than that.

Each request holds at most one connection (its unit of work). Admitting at most `limit` requests at a
time, with the connection pool holding `limit` connections, means a request that got in never waits for
a connection, and one that did not waits here, on the event loop, at no cost to the others, for at
most `wait_s` seconds before it is answered 503 with Retry-After in the user's language. Static files
are not counted: they touch no database.
"""

from __future__ import annotations

import asyncio
from typing import Any

import anyio.to_thread
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from huikuan.metrics import ADMISSION_TURNED_AWAY, ADMISSION_WAITS
from huikuan.web.errors import busy_response

# Worker threads beyond the admitted requests, for the work that is not theirs (static files).
SPARE_THREADS = 2


class Admission:
    """ASGI middleware: at most `limit` requests in progress; the others queue up to `wait_s` seconds."""

    def __init__(self, app: ASGIApp, limit: int, wait_s: float) -> None:
        self.app = app
        self.limit = limit
        self.wait_s = wait_s
        self._slots: asyncio.Semaphore | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/static/"):
            await self.app(scope, receive, send)
            return
        if self._slots is None:  # made inside the server's event loop
            self._slots = asyncio.Semaphore(self.limit)
            limit_threads(self.limit + SPARE_THREADS)
        if self._slots.locked():
            ADMISSION_WAITS.inc()
        try:
            await asyncio.wait_for(self._slots.acquire(), self.wait_s)
        except TimeoutError:
            ADMISSION_TURNED_AWAY.inc()
            await _busy(scope, receive, send)
            return
        try:
            await self.app(scope, receive, send)
        finally:
            self._slots.release()


def limit_threads(total: int) -> None:
    """The worker threads that run the synchronous routes and dependencies of this event loop."""
    anyio.to_thread.current_default_thread_limiter().total_tokens = total


async def _busy(scope: Scope, receive: Receive, send: Send) -> Any:
    response = busy_response(Request(scope, receive))
    await response(scope, receive, send)
