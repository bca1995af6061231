"""Pages of a long list: the page asked for, its size, and the true total (a COUNT over the same filter,
never the length of the page), so that a list of 1,000 cases says 1,000 and can be walked through."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select

from huikuan.storage.uow import UnitOfWork


@dataclass(frozen=True)
class Paging:
    """Where a page sits in its list. `page` counts from 1."""

    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def first(self) -> int:
        """The position in the list of the page's first row (1-based; 0 when the list is empty)."""
        return min(self.offset + 1, self.total)

    @property
    def last(self) -> int:
        return min(self.offset + self.per_page, self.total)

    def to_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "page": self.page,
            "per_page": self.per_page,
            "pages": self.pages,
            "has_previous": self.has_previous,
            "has_next": self.has_next,
        }


def count(uow: UnitOfWork, query: Select[Any]) -> int:
    """The number of rows `query` selects (its ORDER BY dropped)."""
    inner = query.order_by(None).subquery("counted")
    return int(uow.session.execute(select(func.count()).select_from(inner)).scalar_one())


def paging(uow: UnitOfWork, query: Select[Any], page: int, per_page: int, *, most: int) -> Paging:
    """Counts `query` and places the page: the size kept within 1..`most`, a page past the end moved to
    the last one."""
    size = max(1, min(per_page, most))
    total = count(uow, query)
    last = max(1, -(-total // size))
    return Paging(min(max(page, 1), last), size, total)


__all__ = ["Paging", "count", "paging"]
