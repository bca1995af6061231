"""Links between the pages of a paged list: the same address and query, another page number."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import Request


def page_link(request: Request, page: int, path: str | None = None) -> str:
    """This page's query parameters with `page` replaced (every other parameter is kept), on `path`
    (default: this page's own path)."""
    kept = [(k, v) for k, v in request.query_params.multi_items() if k != "page"]
    return f"{path or request.url.path}?{urlencode([*kept, ('page', str(page))])}"


__all__ = ["page_link"]
