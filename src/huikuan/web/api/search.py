"""JSON API of search (services/search.py): the cases the caller may see that a query finds."""

from __future__ import annotations

from typing import Any

from huikuan.services.search import PER_PAGE, search
from huikuan.web.api.common import ApiViewerDep, UowDep, api_router

router = api_router("/search", "search")


@router.get("")
def search_cases(
    viewer: ApiViewerDep, uow: UowDep, q: str = "", page: int = 1, per_page: int = PER_PAGE
) -> dict[str, Any]:
    """`{"query", "kind", "items": [{"case_id", "debtor_name", "creditor_name", "stage", "national_id",
    "phone", "url"}], "capped", "total", "page", "per_page", "pages", "has_previous", "has_next"}`.
    `q`: a name (or its start, or its pinyin), a phone (or its last four digits and more), a national ID
    (or a name and the ID's last four), a contract number or a case id. The national ID and the phone
    are masked; `capped` says the count stopped at its cap. Audited (the kind and the count only)."""
    return search(uow, viewer, q, page=page, per_page=per_page).to_dict()
