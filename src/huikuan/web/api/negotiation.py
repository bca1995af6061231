"""JSON API of the negotiation area: promises, the opening of a negotiation, offers and their approval.

Money travels as decimal strings in major units ("120.50") beside its currency; dates as YYYY-MM-DD.
Fields are taken as text and checked by the services, so bad input gets the same clear message (in the
caller's language) as the pages give, and changes nothing.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Body
from pydantic import BaseModel, Field

from huikuan.services import negotiation as neg
from huikuan.services.offers import approvals
from huikuan.web.api.common import ApiViewerDep, UowDep, api_router
from huikuan.web.ids import PathId
from huikuan.web.ui.common import parse_day
from huikuan.web.ui.negotiation import parse_count

router = api_router("", "negotiation")


class NegotiationIn(BaseModel):
    reason: str = Field(description="asked (a settlement or plan) or cannot_pay (in full)")


class ArrangementIn(BaseModel):
    kind: str = Field(description="settlement or instalment")
    total: str = Field(description="The total to be paid, a decimal string")
    instalments: str | int = Field(default=1, description="The number of payments (a plan: at least 2)")
    first_payment: str | None = Field(default=None, description="Unset: equal payments")
    first_due: str = Field(description="The first payment's due date, YYYY-MM-DD")
    every_days: str | int = Field(default=30, description="Days between payments (7 to 31)")
    reason: str = ""


class DecisionIn(BaseModel):
    note: str = ""


@router.post("/cases/{case_id}/negotiation", status_code=204)
def post_negotiation(case_id: PathId, body: NegotiationIn, viewer: ApiViewerDep, uow: UowDep) -> None:
    """Records that the debtor asked for a settlement or a plan, or cannot pay in full."""
    neg.open_negotiation(uow, viewer, case_id, reason=body.reason)


@router.post("/cases/{case_id}/arrangements", status_code=201)
def post_arrangement(
    case_id: PathId, body: ArrangementIn, viewer: ApiViewerDep, uow: UowDep
) -> dict[str, Any]:
    """Proposes a settlement or a plan: `active` within the caller's authority, else `awaiting_approval`
    with the limits it exceeds."""
    offer = neg.propose_arrangement(
        uow,
        viewer,
        case_id,
        kind=body.kind,
        total=body.total,
        instalments=parse_count(body.instalments, "instalments"),
        first_payment=body.first_payment,
        first_due=parse_day(body.first_due, "first_due"),
        every_days=parse_count(body.every_days, "every_days"),
        reason=body.reason,
    )
    return offer.to_dict()


@router.get("/approvals")
def get_approvals(viewer: ApiViewerDep, uow: UowDep) -> list[dict[str, Any]]:
    """Offers awaiting approval (supervisors and admins), oldest first, with what each exceeds."""
    return [offer.to_dict() for offer in approvals(uow, viewer)]


@router.post("/approvals/{arrangement_id}/approve")
def post_approve(
    arrangement_id: PathId,
    viewer: ApiViewerDep,
    uow: UowDep,
    body: Annotated[DecisionIn | None, Body()] = None,
) -> dict[str, Any]:
    """Approves an offer: it becomes active with its instalments. A decided offer answers 409."""
    return neg.approve(uow, viewer, arrangement_id, body.note if body else "").to_dict()


@router.post("/approvals/{arrangement_id}/reject")
def post_reject(
    arrangement_id: PathId, body: DecisionIn, viewer: ApiViewerDep, uow: UowDep
) -> dict[str, Any]:
    """Rejects an offer with a note; the case goes back to the proposer."""
    return neg.reject(uow, viewer, arrangement_id, body.note).to_dict()
