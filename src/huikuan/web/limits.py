"""How large a request body may be: HUIKUAN_MAX_BODY_BYTES for every route, and a limit of their own for
the paths that need another (the compliance endpoint's histories). Beyond it the answer is 413.

The limit is counted on the bytes as they arrive, not only on Content-Length (a chunked body has none):
Starlette's body-limit responder stops reading at the limit, and a route that does not read its body is
answered 413 all the same when Content-Length announces too much.
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.middleware.body_limit import RequestBodyLimitResponder
from starlette.types import ASGIApp, Receive, Scope, Send


class BodyLimits:
    """ASGI middleware: the body limit of the longest matching prefix in `by_prefix`, else of the first
    matching ending in `by_suffix` (a route under a case, such as /cases/{id}/payments), else `default`."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        default: int,
        by_prefix: Mapping[str, int] | None = None,
        by_suffix: Mapping[str, int] | None = None,
    ) -> None:
        self.app = app
        self.default = default
        self.by_prefix = sorted((by_prefix or {}).items(), key=lambda item: -len(item[0]))
        self.by_suffix = tuple((by_suffix or {}).items())

    def limit_for(self, path: str) -> int:
        for prefix, limit in self.by_prefix:
            if path.startswith(prefix):
                return limit
        for suffix, limit in self.by_suffix:
            if path.endswith(suffix):
                return limit
        return self.default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        responder = RequestBodyLimitResponder(self.app, self.limit_for(str(scope["path"])))
        await responder(scope, receive, send)
