"""What every JSON endpoint of /api/v1 shares: the caller (a browser session or HTTP Basic) and a unit
of work per request. Errors are HuikuanError, turned into `{"detail": ...}` by web/errors.py."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated

from fastapi import APIRouter, Depends, Request

from huikuan.errors import NotAuthenticated
from huikuan.services.access import Viewer
from huikuan.services.auth import login
from huikuan.web.ui.common import UowDep, csrf_protect, session_viewer


def _basic(request: Request) -> tuple[str, str] | None:
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("basic "):
        return None
    try:
        username, _, password = base64.b64decode(header[6:]).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        raise NotAuthenticated("The Authorization header is not valid HTTP Basic") from None
    return username, password


async def _api_csrf(request: Request) -> None:
    """A browser session's writes carry its X-CSRF-Token; HTTP Basic callers send credentials instead.
    Async because a form body is read here; it touches no database."""
    if _basic(request) is None and request.session.get("user_id") is not None:
        await csrf_protect(request)


def api_viewer(request: Request, uow: UowDep, _csrf: Annotated[None, Depends(_api_csrf)]) -> Viewer:
    """HTTP Basic credentials (throttled like the login page), or the browser's session with its
    X-CSRF-Token on writes. Plain `def`: the database work runs in a worker thread, never on the event
    loop, where one wait for a connection or a lock would stop every request of the process."""
    credentials = _basic(request)
    if credentials is not None:
        client = request.client.host if request.client else "unknown"
        viewer = login(uow, credentials[0], credentials[1], ip=client)
    else:
        found = session_viewer(request, uow)
        if found is None:
            raise NotAuthenticated("Log in, or send HTTP Basic credentials")
        viewer = found
    request.state.viewer = viewer
    return viewer


ApiViewerDep = Annotated[Viewer, Depends(api_viewer)]
__all__ = ["ApiViewerDep", "UowDep", "api_router"]


def api_router(prefix: str, tag: str) -> APIRouter:
    return APIRouter(prefix=f"/api/v1{prefix}", tags=[tag])
