"""The security headers of every response: what a browser may load and run on our pages, who may frame
them, what it may keep.

- Content-Security-Policy: scripts, styles, fonts and connections from this site only; no inline script,
  no inline style, no eval (the pages keep their scripts in /static and tell htmx not to inject its
  indicator styles, see templates/base.html); images also as data: URIs (Swagger UI's icons). No other
  site may frame a page (frame-ancestors 'none', and X-Frame-Options: DENY for older browsers).
- X-Content-Type-Options: nosniff; a Referrer-Policy that sends no path to other sites; a
  Permissions-Policy that turns off the browser features the workbench never uses.
- Strict-Transport-Security when HUIKUAN_COOKIE_SECURE is on (the site is then served over HTTPS).
- Cache-Control: no-store on everything but /static: pages, fragments, JSON and letters carry personal
  data that no browser or proxy should keep.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
# Features the workbench never uses (only names every current browser knows: an unknown one is warned about).
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
HSTS_MAX_AGE_S = 365 * 24 * 3600
STATIC_PREFIX = "/static/"

COMMON = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Frame-Options", "DENY"),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ("Permissions-Policy", PERMISSIONS_POLICY),
    ("Cross-Origin-Opener-Policy", "same-origin"),
)


class SecurityHeaders:
    """ASGI middleware adding the headers above to every HTTP response, error pages included."""

    def __init__(self, app: ASGIApp, *, https: bool) -> None:
        self.app = app
        self.headers = list(COMMON)
        if https:
            self.headers.append(("Strict-Transport-Security", f"max-age={HSTS_MAX_AGE_S}; includeSubDomains"))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cacheable = str(scope["path"]).startswith(STATIC_PREFIX)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.headers:
                    headers[name] = value
                if not cacheable:
                    headers["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_with_headers)
