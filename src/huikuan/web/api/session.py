"""GET /api/v1/whoami: who the credentials or the session belong to."""

from __future__ import annotations

from typing import Any

from huikuan.web.api.common import ApiViewerDep, api_router

router = api_router("", "session")


@router.get("/whoami")
def whoami(viewer: ApiViewerDep) -> dict[str, Any]:
    """The caller: user name, role, team, creditor (for a creditor's viewer), language and time zone."""
    return {
        "user_id": viewer.user_id,
        "username": viewer.username,
        "display_name": viewer.display_name,
        "role": viewer.role.value,
        "team_id": viewer.team_id,
        "creditor_id": viewer.creditor_id,
        "locale": viewer.locale,
        "time_zone": viewer.time_zone,
    }
