"""The filters and sort orders of the queues and of the workload's bulk moves: one definition of
"creditor", "stage", "segment", "days-past-due band", "next action due" and "current collector", so that
the queue a collector filters and the cases a supervisor moves by filter are the same cases.

A filter is given in the URL (`?creditor=3&stage=contacted&segment=early&dpd=31-60&due=overdue`) and is
parsed here once (`CaseFilter.parse`); an unknown value is refused with a fixed message, never ignored.
The days past due count from the case's oldest overdue open account (cases.open_overdue_since) to the
floor's day.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, or_

from huikuan.domain.ids import MAX_ID
from huikuan.errors import InvalidInput
from huikuan.storage import tables as t

# Days-past-due bands: name -> (fewest, most) days; None: no upper end.
DPD_BANDS: dict[str, tuple[int, int | None]] = {
    "0-30": (0, 30),
    "31-60": (31, 60),
    "61-90": (61, 90),
    "91-180": (91, 180),
    "181-360": (181, 360),
    "361+": (361, None),
}
DUE_CHOICES = ("overdue", "today", "later", "unset")  # when the next action is due
# Sort orders of a queue: "queue" is the queue's own order (services/queue_order.py); the others put
# that order second.
SORTS = ("queue", "balance", "dpd", "due", "creditor")
POOL = "pool"  # the "current collector" of an unassigned case


@dataclass(frozen=True)
class CaseFilter:
    """What a list of cases is narrowed to; None: any."""

    creditor_id: int | None = None
    stage: str | None = None
    segment: str | None = None
    dpd: str | None = None  # a key of DPD_BANDS
    due: str | None = None  # one of DUE_CHOICES
    collector: int | str | None = None  # a user id, or POOL

    @property
    def empty(self) -> bool:
        return self == CaseFilter()

    @classmethod
    def parse(cls, params: Mapping[str, Any]) -> CaseFilter:
        """From a URL's query or a form: blank values are "any"; a wrong value is InvalidInput."""

        def text(name: str) -> str | None:
            value = params.get(name)
            if value is not None and "\x00" in str(value):
                raise InvalidInput("{name} holds a character no text may hold", name=name)
            return str(value).strip() or None if value is not None else None

        dpd, due, collector = text("dpd"), text("due"), text("collector")
        if dpd is not None and dpd not in DPD_BANDS:
            raise InvalidInput("Unknown days-past-due band {band}", band=dpd)
        if due is not None and due not in DUE_CHOICES:
            raise InvalidInput("Unknown next-action choice {due}", due=due)
        return cls(
            creditor_id=_number(text("creditor"), "creditor"),
            stage=text("stage"),
            segment=text("segment"),
            dpd=dpd,
            due=due,
            collector=collector if collector in (None, POOL) else _number(collector, "collector"),
        )

    def query(self) -> dict[str, str]:
        """The filter as URL parameters (blank ones left out)."""
        pairs = {
            "creditor": self.creditor_id,
            "stage": self.stage,
            "segment": self.segment,
            "dpd": self.dpd,
            "due": self.due,
            "collector": self.collector,
        }
        return {k: str(v) for k, v in pairs.items() if v is not None}

    def without_collector(self) -> CaseFilter:
        return replace(self, collector=None)


def _number(value: str | None, name: str) -> int | None:
    if value is None:
        return None
    try:
        number = int(value)
    except ValueError:
        raise InvalidInput("{name} must be a number", name=name) from None
    if not 1 <= number <= MAX_ID:
        raise InvalidInput("{name} must be a number", name=name)
    return number


def parse_sort(value: str | None) -> str:
    if not value:
        return "queue"
    if value not in SORTS:
        raise InvalidInput("Unknown sort order {sort}", sort=value)
    return value


def where(f: CaseFilter, today: date, start_of_day: Any, end_of_day: Any) -> list[ColumnElement[bool]]:
    """The WHERE clauses on `cases` for the filter, the floor's day and its bounds (UTC instants)."""
    c = t.cases.c
    out: list[ColumnElement[bool]] = []
    if f.creditor_id is not None:
        out.append(c.creditor_id == f.creditor_id)
    if f.stage is not None:
        out.append(c.stage == f.stage)
    if f.segment is not None:
        out.append(c.segment == f.segment)
    if f.dpd is not None:
        fewest, most = DPD_BANDS[f.dpd]
        # dpd = today - overdue_since; no overdue date counts as 0 days.
        band = [c.open_overdue_since <= today - timedelta(days=fewest)]
        if most is not None:
            band.append(c.open_overdue_since >= today - timedelta(days=most))
        clause = and_(*band)
        out.append(or_(clause, c.open_overdue_since.is_(None)) if fewest == 0 else clause)
    if f.due == "overdue":
        out.append(c.next_action_due_at < start_of_day)
    elif f.due == "today":
        out.append(and_(c.next_action_due_at >= start_of_day, c.next_action_due_at < end_of_day))
    elif f.due == "later":
        out.append(c.next_action_due_at >= end_of_day)
    elif f.due == "unset":
        out.append(c.next_action_due_at.is_(None))
    if f.collector == POOL:
        out.append(c.assigned_user_id.is_(None))
    elif f.collector is not None:
        out.append(c.assigned_user_id == f.collector)
    return out


def sort_keys(sort: str) -> list[Any]:
    """The keys a sort order puts before the queue's own order."""
    c, cr = t.cases.c, t.creditors.c
    return {
        "queue": [],
        "balance": [c.open_balance.desc()],
        "dpd": [c.open_overdue_since.asc().nulls_last()],
        "due": [c.next_action_due_at.asc().nulls_last()],
        "creditor": [cr.name.asc()],
    }[sort]


__all__ = ["DPD_BANDS", "DUE_CHOICES", "POOL", "SORTS", "CaseFilter", "parse_sort", "sort_keys", "where"]
