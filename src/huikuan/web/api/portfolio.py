"""JSON API of a creditor's portfolio (its read-only viewer only): the headline numbers and one page of
its cases."""

from __future__ import annotations

from typing import Any

from huikuan.services.portfolio import PER_PAGE, portfolio
from huikuan.web.api.common import ApiViewerDep, UowDep, api_router

router = api_router("/portfolio", "portfolio")


@router.get("")
def portfolio_page(
    viewer: ApiViewerDep, uow: UowDep, page: int = 1, per_page: int = PER_PAGE
) -> dict[str, Any]:
    """`{"creditor", "headline": {"cases", "balances", "promises_pending", "promised"}, "items": [...],
    "total", "page", "per_page", "pages", "has_previous", "has_next"}`; 403 for anyone but a creditor's
    viewer. Amounts are decimal strings beside their currency."""
    return portfolio(uow, viewer, page=page, per_page=per_page).to_dict()
