"""JSON API: a case's compliance dossier (GET /api/v1/cases/{case_id}/dossier), for supervisors and
administrators; each download is audited (services/dossier.py)."""

from __future__ import annotations

from typing import Any

from huikuan.services.dossier import case_dossier
from huikuan.web.api.common import ApiViewerDep, UowDep, api_router
from huikuan.web.ids import PathId

router = api_router("/cases", "compliance")


@router.get("/{case_id}/dossier")
def dossier(case_id: PathId, viewer: ApiViewerDep, uow: UowDep) -> dict[str, Any]:
    """The case's compliance dossier: `facts` (the current facts and every version: valid_from, user,
    reason, what changed, the audit event naming it), `decisions` (every gate decision about the case with
    its id: contacts made, messages queued, refusals), `contacts` (interactions and messages; recipients
    masked), `replay` (each contact re-run against the facts of its instant; `refused` lists those the
    gate refuses) and `summary`. Supervisors and administrators only (403); a case out of one's scope:
    404. Audited as `dossier.downloaded`."""
    return case_dossier(uow, viewer, case_id, fmt="json")
