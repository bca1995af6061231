"""JSON API of the creditor's portal (its read-only viewer only; anyone else 403): its portfolio at a glance,
its accounts with status and last action, and its statements with their files. Money is in minor units
beside its currency (and as a decimal string); ratios in basis points."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query

from huikuan.services.portal import glance
from huikuan.services.portal_accounts import PER_PAGE, portal_accounts
from huikuan.services.portfolio import require_portfolio
from huikuan.services.statement_access import statements_for
from huikuan.web.api.common import ApiViewerDep, UowDep, api_router

router = api_router("/portal", "portal")


@router.get("/glance")
def portal_glance(viewer: ApiViewerDep, uow: UowDep) -> dict[str, Any]:
    """`{"today", "accounts", "open_accounts", "placed", "open_balance", "collected", "liquidation_bp",
    "vintages": [{"month", "currency", "accounts", "placed", "collected", "liquidation_bp", "curve_bp"}],
    "vintage_months", "promises": {...}, "disputes_open", "complaints_open"}`."""
    return glance(uow, viewer).to_dict()


@router.get("/accounts")
def portal_accounts_page(
    viewer: ApiViewerDep,
    uow: UowDep,
    status: Annotated[str, Query(max_length=12)] = "",
    sort: Annotated[str, Query(max_length=10)] = "-balance",
    page: int = 1,
    per_page: int = PER_PAGE,
) -> dict[str, Any]:
    """`{"items": [{"account_id", "case_id", "reference", "debtor_name", "product", "status", "balance",
    "balance_minor", "currency", "placed_on", "days_past_due", "last_action"}], "status", "sort", "total",
    "page", "per_page", "pages", "has_previous", "has_next"}`."""
    return portal_accounts(
        uow, viewer, status=status or None, sort=sort, page=page, per_page=per_page
    ).to_dict()


@router.get("/statements")
def portal_statements(viewer: ApiViewerDep, uow: UowDep) -> dict[str, Any]:
    """`{"items": [{"id", "period", "currency", "collected", "remittance", "invoice", "issued_at", "files",
    "download": {file: url}}]}`, newest first; each file is downloaded from its URL (audited)."""
    require_portfolio(viewer)
    items = []
    for s in statements_for(uow, viewer):
        head = s["headline"]
        items.append(
            {
                "id": s["id"],
                "period": s["period"],
                "currency": s["currency"],
                "collected": head["collected"],
                "remittance": head["remittance"],
                "invoice": head["invoice"],
                "issued_at": s["issued_at"].isoformat(),
                "files": s["files"],
                "download": {f: f"/money/statements/{s['id']}/download?file={f}" for f in s["files"]},
            }
        )
    return {"items": items}
