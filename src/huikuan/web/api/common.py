"""What every JSON endpoint of /api/v1 shares: the caller (an API key, or a browser session with its CSRF
token on writes) and a unit of work per request. Errors are HuikuanError, turned into
`{"detail": ...}` by web/errors.py.

Machine clients send `Authorization: Bearer hk_...` (services/api_keys.py). HTTP Basic is not taken: a
browser would send cached Basic credentials to a page of another site by itself, which a key never is.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, field_validator

from huikuan.errors import NotAuthenticated
from huikuan.services.access import Viewer
from huikuan.services.api_keys import key_viewer
from huikuan.web.ui.common import UowDep, csrf_protect, session_viewer


def bearer_key(request: Request) -> str | None:
    """The API key of an `Authorization: Bearer` header, if any; another scheme is refused."""
    header = request.headers.get("authorization", "")
    if not header:
        return None
    scheme, _, key = header.partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise NotAuthenticated("Send an API key as Authorization: Bearer <key>, or log in")
    return key.strip()


async def _api_csrf(request: Request) -> None:
    """A browser session's writes carry its X-CSRF-Token; a caller with a key sends no cookie to trust.
    Async because a form body is read here; it touches no database."""
    if not request.headers.get("authorization") and request.session.get("sid") is not None:
        await csrf_protect(request)


def api_viewer(request: Request, uow: UowDep, _csrf: Annotated[None, Depends(_api_csrf)]) -> Viewer:
    """The caller: an API key, or the browser's session with its X-CSRF-Token on writes. Plain `def`:
    the database work runs in a worker thread, never on the event loop, where one wait for a connection
    or a lock would stop every request of the process."""
    key = bearer_key(request)
    if key is not None:
        viewer = key_viewer(uow, key)
    else:
        found = session_viewer(request, uow)
        if found is None:
            raise NotAuthenticated("Log in, or send an API key as Authorization: Bearer <key>")
        viewer = found
    request.state.viewer = viewer
    return viewer


ApiViewerDep = Annotated[Viewer, Depends(api_viewer)]
__all__ = ["ApiViewerDep", "UowDep", "api_router"]


def api_router(prefix: str, tag: str) -> APIRouter:
    return APIRouter(prefix=f"/api/v1{prefix}", tags=[tag])


class Body(BaseModel):
    """A JSON body whose texts a database can hold: the NUL character (which PostgreSQL refuses in text)
    anywhere in a string, or in a list of strings, is refused as invalid input (422) before any query."""

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        texts = value if isinstance(value, list) else [value]
        if any(isinstance(text, str) and "\x00" in text for text in texts):
            raise ValueError("text may not hold the NUL character")
        return value
