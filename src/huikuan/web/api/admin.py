"""The administrator's API: open sessions, API keys, and accounts (deactivate, reactivate, reset the
password or the second factor)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from huikuan.services import api_keys, mfa, sessions, users
from huikuan.services.access import require_admin
from huikuan.web.api.common import ApiViewerDep, UowDep, api_router
from huikuan.web.ids import PathId

router = api_router("/admin", "administration")


class SessionOut(BaseModel):
    id: int
    user_id: int
    username: str
    role: str
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    ip: str


@router.get("/sessions")
def list_sessions(viewer: ApiViewerDep, uow: UowDep) -> dict[str, list[SessionOut]]:
    """Every open session."""
    return {"sessions": [SessionOut(**row) for row in sessions.open_sessions(uow, viewer)]}


@router.post("/sessions/{session_id}/revoke", status_code=204)
def revoke_session(session_id: PathId, viewer: ApiViewerDep, uow: UowDep) -> None:
    """Ends a session: its browser is logged out at its next request."""
    sessions.revoke(uow, viewer, session_id)


class KeyIn(BaseModel):
    username: str = Field(min_length=1, max_length=80, description="The user the key acts as")
    name: str = Field(min_length=1, max_length=100, description="What the key is for")


@router.get("/api-keys")
def list_keys(viewer: ApiViewerDep, uow: UowDep) -> dict[str, list[dict[str, Any]]]:
    """Every key without its secret."""
    return {"api_keys": api_keys.list_keys(uow, viewer)}


@router.post("/api-keys", status_code=201)
def create_key(body: KeyIn, viewer: ApiViewerDep, uow: UowDep) -> dict[str, Any]:
    """A new key; `key` is in this answer only."""
    key_id, key = api_keys.create_key(uow, viewer, body.username, body.name)
    return {"id": key_id, "key": key}


@router.post("/api-keys/{key_id}/revoke", status_code=204)
def revoke_key(key_id: PathId, viewer: ApiViewerDep, uow: UowDep) -> None:
    api_keys.revoke_key(uow, viewer, key_id)


@router.post("/users/{username}/deactivate", status_code=204)
def deactivate(username: str, viewer: ApiViewerDep, uow: UowDep) -> None:
    """The user can no longer log in; its sessions end and its keys stop working."""
    users.set_active(uow, viewer, username, False)


@router.post("/users/{username}/activate", status_code=204)
def activate(username: str, viewer: ApiViewerDep, uow: UowDep) -> None:
    users.set_active(uow, viewer, username, True)


@router.post("/users/{username}/reset-password")
def reset_password(username: str, viewer: ApiViewerDep, uow: UowDep) -> dict[str, str]:
    """A new random password (in this answer only); the user's sessions end."""
    require_admin(viewer)
    return {"password": users.reset_password(uow, viewer, username)}


@router.post("/users/{username}/reset-mfa", status_code=204)
def reset_mfa(username: str, viewer: ApiViewerDep, uow: UowDep) -> None:
    """Forgets the user's second factor (a lost phone): it enrols again at its next login."""
    mfa.reset(uow, viewer, username)
