"""The administrator's page of open sessions and API keys: end a session, make or revoke a key."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from huikuan.errors import InvalidInput
from huikuan.services import api_keys, sessions
from huikuan.services.access import Viewer, require_admin
from huikuan.storage.uow import UnitOfWork
from huikuan.web.ids import PathId
from huikuan.web.ui.common import UowDep, ViewerDep, page_router, render, request_locale

router = page_router("/admin")


def _page(request: Request, uow: UnitOfWork, viewer: Viewer, **extra: Any) -> dict[str, Any]:
    return {
        "sessions": sessions.open_sessions(uow, viewer),
        "keys": api_keys.list_keys(uow, viewer),
        "current_session": getattr(request.state, "session_id", None),
        **extra,
    }


@router.get("/sessions", response_class=HTMLResponse)
def sessions_page(request: Request, viewer: ViewerDep, uow: UowDep) -> HTMLResponse:
    require_admin(viewer)
    return render(request, "admin/sessions.html", _page(request, uow, viewer))


@router.post("/sessions/{session_id}/revoke")
def revoke_session(session_id: PathId, viewer: ViewerDep, uow: UowDep) -> Response:
    sessions.revoke(uow, viewer, session_id)
    return RedirectResponse("/admin/sessions", status_code=303)


@router.post("/api-keys", response_class=HTMLResponse)
def create_key(
    request: Request,
    viewer: ViewerDep,
    uow: UowDep,
    username: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
) -> Response:
    """A new key, shown on the answer page this once."""
    require_admin(viewer)
    try:
        key_id, key = api_keys.create_key(uow, viewer, username.strip(), name)
    except InvalidInput as exc:
        context = _page(request, uow, viewer, key_error=exc.translated(request_locale(request)))
        return render(request, "admin/sessions.html", context, status_code=422)
    return render(request, "admin/sessions.html", _page(request, uow, viewer, new_key=key, new_key_id=key_id))


@router.post("/api-keys/{key_id}/revoke")
def revoke_key(key_id: PathId, viewer: ViewerDep, uow: UowDep) -> Response:
    api_keys.revoke_key(uow, viewer, key_id)
    return RedirectResponse("/admin/sessions", status_code=303)
