"""JSON API: a case's notices and time limits, its recorded demands, and writing off or returning its
accounts with a reason (supervisors).

Money is in minor units here (`balance`, `excess_interest`, `collectable`), beside each account's currency;
dates ISO 8601; instants UTC.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from huikuan.domain.ids import MAX_ID
from huikuan.services import notices
from huikuan.services.access import visible_case
from huikuan.services.account_status import end_by_supervisor
from huikuan.services.acknowledgments import record_acknowledgment
from huikuan.services.notices_view import notices_view
from huikuan.web.api.common import ApiViewerDep, UowDep, api_router
from huikuan.web.ids import PathId

router = api_router("/cases", "notices")


@router.get("/{case_id}/notices")
def get_notices(case_id: PathId, viewer: ApiViewerDep, uow: UowDep) -> dict[str, Any]:
    """Per account: the validation notice's mailing date and period end, the limitation date and whether
    the debt is time-barred today, the annual rate, the interest above the lawful cap and the amount that
    may be asked; the demands recorded (packs that restart the limitation on a demand); the status
    changes."""
    return notices_view(uow, viewer, case_id).to_dict()


@router.get("/{case_id}/demands")
def get_demands(case_id: PathId, viewer: ApiViewerDep, uow: UowDep) -> dict[str, Any]:
    """Every demand for payment recorded on the case, oldest first (contacts that reached the debtor,
    messages and letters sent to the debtor)."""
    visible_case(uow, viewer, case_id)
    rows = notices.demands(uow.session.connection(), case_id)
    return {"case_id": case_id, "demands": [{**d, "at": d["at"].isoformat()} for d in rows]}


class AcknowledgmentBody(BaseModel):
    on: date
    note: str = Field(default="", max_length=200)
    account_ids: list[Annotated[int, Field(ge=1, le=MAX_ID)]] | None = Field(default=None, max_length=1000)


@router.post("/{case_id}/acknowledgments")
def acknowledge(
    case_id: PathId, body: AcknowledgmentBody, viewer: ApiViewerDep, uow: UowDep
) -> dict[str, Any]:
    """Records the debtor's written acknowledgment of the case's open accounts (those named, else all),
    signed on `on`: under uk-conc it restarts the limitation period. Not for a read-only viewer."""
    ids = record_acknowledgment(
        uow, viewer, case_id, on=body.on, note=body.note, account_ids=body.account_ids
    )
    return {"case_id": case_id, "accounts": ids}


class EndBody(BaseModel):
    action: Literal["write_off", "return"]
    reason: str = Field(min_length=1, max_length=200)
    account_ids: list[Annotated[int, Field(ge=1, le=MAX_ID)]] | None = Field(default=None, max_length=1000)


@router.post("/{case_id}/accounts/end")
def end_accounts(case_id: PathId, body: EndBody, viewer: ApiViewerDep, uow: UowDep) -> dict[str, Any]:
    """Writes off or returns the case's open accounts (those named, else all) with a reason; supervisors
    only. The accounts leave every queue and plan at once; a case with no open account left is closed."""
    done = end_by_supervisor(
        uow, viewer, case_id, action=body.action, reason=body.reason, account_ids=body.account_ids
    )
    return {
        "case_id": case_id,
        "accounts": list(done.accounts),
        "case_closed": case_id in done.closed_cases,
        "messages_cancelled": done.messages_cancelled,
        "plan_rows_removed": done.plan_rows_removed,
    }


__all__ = ["router"]
