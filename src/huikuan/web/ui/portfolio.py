"""The creditor's viewer's landing page: its portfolio at a glance (services/portal.py), its latest
statements (services/statement_access.py), the links to its accounts and its uploads, and its cases
(services/portfolio.py), paged with the true total. Anyone else is refused (403): the floor works from
the queue."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import Request
from fastapi.responses import HTMLResponse

from huikuan.services.case_labels import label
from huikuan.services.monthly_access import monthly_report_list
from huikuan.services.portal import VINTAGE_MONTHS, glance
from huikuan.services.portfolio import PER_PAGE, portfolio
from huikuan.services.statement_access import statements_for
from huikuan.web.ui.common import UowDep, ViewerDep, page_router, render, request_locale
from huikuan.web.ui.paging import page_link
from huikuan.web.ui.portal import count, percent

router = page_router()
STATEMENTS_SHOWN = 6


@router.get("/portfolio", response_class=HTMLResponse)
def portfolio_page(
    request: Request, viewer: ViewerDep, uow: UowDep, page: int = 1, per_page: int = PER_PAGE
) -> HTMLResponse:
    """Its portfolio at a glance, its latest statements, and its cases, largest balance first."""
    now = datetime.now(UTC)
    shown = portfolio(uow, viewer, page=page, per_page=per_page, now=now)
    locale = request_locale(request)
    statements = statements_for(uow, viewer)
    context = {
        "portfolio": shown,
        "glance": glance(uow, viewer, now=now),
        "vintage_months": range(VINTAGE_MONTHS),
        "statements": statements[:STATEMENTS_SHOWN],
        "more_statements": len(statements) > STATEMENTS_SHOWN,
        "monthly_reports": monthly_report_list(uow, viewer),
        "pct": percent(locale),
        "n": count(locale),
        "paging": shown.paging,
        "page_link": lambda number: page_link(request, number),
        "lbl": lambda vocabulary, value: label(vocabulary, value, locale),
    }
    return render(request, "portfolio/page.html", context)
