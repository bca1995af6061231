"""The creditor's portal pages beside its landing page (web/ui/portfolio.py): the list of its accounts with
status and last action (services/portal_accounts.py), and the formatting the portal's figures share."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Annotated

from babel.numbers import format_decimal, format_percent
from fastapi import Query, Request
from fastapi.responses import HTMLResponse

from huikuan.services.case_labels import label
from huikuan.services.portal import BP
from huikuan.services.portal_accounts import PER_PAGE, SORTS, STATUSES, portal_accounts
from huikuan.web.ui.common import UowDep, ViewerDep, page_router, render, request_locale
from huikuan.web.ui.paging import page_link

router = page_router()


def percent(locale: str) -> Callable[[int | None], str]:
    """Basis points as a percentage with one decimal in the viewer's number format (a dash for none)."""

    def pct(bp: int | None) -> str:
        if bp is None:
            return "—"
        return format_percent(Decimal(bp) / BP, "#,##0.0%", locale=locale)

    return pct


def count(locale: str) -> Callable[[int], str]:
    """A count with the viewer's grouping (19,991)."""
    return lambda n: format_decimal(n, locale=locale)


@router.get("/portfolio/accounts", response_class=HTMLResponse)
def accounts_page(
    request: Request,
    viewer: ViewerDep,
    uow: UowDep,
    status: Annotated[str, Query(max_length=12)] = "",
    sort: Annotated[str, Query(max_length=10)] = "-balance",
    page: int = 1,
    per_page: int = PER_PAGE,
) -> HTMLResponse:
    """Its creditor's accounts, filtered by status and sorted, with the last action on each."""
    shown = portal_accounts(uow, viewer, status=status or None, sort=sort, page=page, per_page=per_page)
    locale = request_locale(request)
    context = {
        "accounts": shown,
        "paging": shown.paging,
        "statuses": STATUSES,
        "n": count(locale),
        "sorts": SORTS,
        "page_link": lambda number: page_link(request, number),
        "lbl": lambda vocabulary, value: label(vocabulary, value, locale),
    }
    return render(request, "portal/accounts.html", context)
