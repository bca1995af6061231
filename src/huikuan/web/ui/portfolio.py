"""The creditor's viewer's landing page: its portfolio (services/portfolio.py), paged with the true
total. Anyone else is refused (403): the floor works from the queue."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse

from huikuan.services.case_labels import label
from huikuan.services.portfolio import PER_PAGE, portfolio
from huikuan.web.ui.common import UowDep, ViewerDep, page_router, render, request_locale
from huikuan.web.ui.paging import page_link

router = page_router()


@router.get("/portfolio", response_class=HTMLResponse)
def portfolio_page(
    request: Request, viewer: ViewerDep, uow: UowDep, page: int = 1, per_page: int = PER_PAGE
) -> HTMLResponse:
    """Its creditor's cases, largest balance first, with the headline numbers above them."""
    shown = portfolio(uow, viewer, page=page, per_page=per_page)
    locale = request_locale(request)
    context = {
        "portfolio": shown,
        "paging": shown.paging,
        "page_link": lambda number: page_link(request, number),
        "lbl": lambda vocabulary, value: label(vocabulary, value, locale),
    }
    return render(request, "portfolio/page.html", context)
