"""The search page (/search?q=…), reached from the box in the top bar: services/search.py's results,
each a link to its case."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse

from huikuan.services.case_labels import label
from huikuan.services.search import PER_PAGE, search
from huikuan.web.ui.common import UowDep, ViewerDep, page_router, render, request_locale
from huikuan.web.ui.paging import page_link

router = page_router()


@router.get("/search", response_class=HTMLResponse)
def search_page(
    request: Request, viewer: ViewerDep, uow: UowDep, q: str = "", page: int = 1, per_page: int = PER_PAGE
) -> HTMLResponse:
    """The cases the viewer may see that the query finds, paged with the true count (capped)."""
    results = search(uow, viewer, q, page=page, per_page=per_page)
    locale = request_locale(request)
    context = {
        "results": results,
        "paging": results.paging,
        "page_link": lambda number: page_link(request, number),
        "lbl": lambda vocabulary, value: label(vocabulary, value, locale),
    }
    return render(request, "search/page.html", context)
