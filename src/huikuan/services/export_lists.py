"""The lists that can be downloaded, each read through the same service as its page, every page of it.

A list is asked for with its page's own query parameters (the filters, the sort order); its rows are the
page's rows for those filters, page after page until the last, so the file holds exactly what the page
selects. The cells are what the page shows: debtors' names as the queue shows them, national IDs and
phones masked as search shows them, labels in the viewer's language, times in the viewer's zone. Who may
export a list is who may see its page (the service refuses the others, as it does for the page).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from huikuan.domain.money import Money
from huikuan.errors import NotFound
from huikuan.services.access import Viewer
from huikuan.services.audit_view import MOST_PER_PAGE as AUDIT_PAGE
from huikuan.services.audit_view import audit_events, audit_filter
from huikuan.services.case_filter import CaseFilter, parse_sort
from huikuan.services.case_labels import label
from huikuan.services.export_files import Column
from huikuan.services.import_history import MOST_PER_PAGE as IMPORTS_PAGE
from huikuan.services.import_history import import_history
from huikuan.services.paging import Paging
from huikuan.services.portfolio import MAX_PER_PAGE as PORTFOLIO_PAGE
from huikuan.services.portfolio import portfolio
from huikuan.services.queue import MAX_PER_PAGE as QUEUE_PAGE
from huikuan.services.queue import QueueQuery, queue_page
from huikuan.services.report_export import REPORT_COLUMNS, REPORT_FILTERS, report_count, report_rows
from huikuan.services.search import MAX_PER_PAGE as SEARCH_PAGE
from huikuan.services.search import search
from huikuan.storage.uow import UnitOfWork

Rows = Iterator[dict[str, Any]]
Params = Mapping[str, str]


@dataclass(frozen=True)
class Asked:
    """What a list is asked for: by whom, with the page's query parameters, in which language (a count
    shows no labels). Each list reads only what it needs of it."""

    uow: UnitOfWork
    viewer: Viewer
    params: Params
    locale: str = "en"


@dataclass(frozen=True)
class ListExport:
    name: str  # in the address: /exports/{name}.csv
    title: str  # an English msgid: the sheet's name and the file's
    columns: tuple[Column, ...]
    read: Callable[[Asked], Rows]
    counted: Callable[[Asked], int]  # the rows the filters select
    filters: tuple[str, ...]  # the query parameters it reads (the rest are ignored and not audited)
    private: tuple[str, ...] = ()  # of these, those never written to the audit log (what was searched)

    def rows(self, uow: UnitOfWork, viewer: Viewer, params: Params, locale: str) -> Rows:
        return self.read(Asked(uow, viewer, params, locale))

    def count(self, uow: UnitOfWork, viewer: Viewer, params: Params) -> int:
        return self.counted(Asked(uow, viewer, params))


def _walk(fetch: Callable[[int], tuple[list[Any], Paging]]) -> Iterator[Any]:
    page = 1
    while True:
        items, placed = fetch(page)
        yield from items
        if placed.page >= placed.pages:
            return
        page = placed.page + 1


def _amount(minor: int, currency: str) -> str:
    return str(Money(minor, currency).amount) if currency else str(minor)


def _local(at: datetime | None, zone: str) -> str:
    return "" if at is None else at.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M")


# --- the queue (my work today, or a supervisor's team view with ?all=1) -----------------------------


def _queue_ask(viewer: Viewer, params: Params, page: int) -> QueueQuery:
    narrow = CaseFilter.parse(params)
    if not viewer.supervises:
        narrow = narrow.without_collector()
    team = params.get("all", "") in ("1", "true", "True")
    return QueueQuery(
        team=team, narrow=narrow, sort=parse_sort(params.get("sort")), page=page, per_page=QUEUE_PAGE
    )


def _queue_rows(q: Asked) -> Rows:
    def fetch(page: int) -> tuple[list[Any], Paging]:
        shown = queue_page(q.uow, q.viewer, ask=_queue_ask(q.viewer, q.params, page))
        return list(shown.items), shown.paging

    for item in _walk(fetch):
        yield {
            "case": item.case_id,
            "debtor": item.debtor_name,
            "creditor": item.creditor_name,
            "balance": _amount(item.balance, item.currency),
            "currency": item.currency,
            "dpd": item.days_past_due,
            "stage": label("stage", item.stage, q.locale),
            "next": label("channel", item.next_action_channel, q.locale) if item.next_action_channel else "",
            "due_at": _local(item.next_action_due_at, q.viewer.time_zone),
            "held_by": item.claimed_by_name or "",
        }


def _queue_count(q: Asked) -> int:
    ask = _queue_ask(q.viewer, q.params, 1)
    return queue_page(q.uow, q.viewer, ask=QueueQuery(ask.team, ask.narrow, ask.sort, 1, 1)).paging.total


# --- the creditor's viewer's portfolio --------------------------------------------------------------


def _portfolio_rows(q: Asked) -> Rows:
    def fetch(page: int) -> tuple[list[Any], Paging]:
        shown = portfolio(q.uow, q.viewer, page=page, per_page=PORTFOLIO_PAGE)
        return list(shown.cases), shown.paging

    for item in _walk(fetch):
        yield {
            "case": item.case_id,
            "debtor": item.debtor_name,
            "balance": _amount(item.balance, item.currency),
            "currency": item.currency,
            "dpd": item.days_past_due,
            "stage": label("stage", item.stage, q.locale),
            "collector": item.assigned_to or "",
            "held_by": item.held_by or "",
        }


def _portfolio_count(q: Asked) -> int:
    return portfolio(q.uow, q.viewer, page=1, per_page=1).paging.total


# --- the audit viewer -------------------------------------------------------------------------------


def _audit_rows(q: Asked) -> Rows:
    where = audit_filter(q.params)
    for event in _walk(lambda page: audit_events(q.uow, q.viewer, where, page, AUDIT_PAGE)):
        yield {
            "at": _local(event["at"], q.viewer.time_zone),
            "user": event["username"] or "",
            "action": event["action"],
            "entity": event["entity"] or "",
            "entity_id": "" if event["entity_id"] is None else event["entity_id"],
            "detail": json.dumps(event["detail"] or {}, ensure_ascii=False, sort_keys=True),
        }


def _audit_count(q: Asked) -> int:
    return audit_events(q.uow, q.viewer, audit_filter(q.params), 1, 1)[1].total


# --- the dashboard's table (services/report_export.py) ---------------------------------------------------


def _report_rows(q: Asked) -> Rows:
    return report_rows(q.uow, q.viewer, q.params)


def _report_count(q: Asked) -> int:
    return report_count(q.uow, q.viewer, q.params)


# --- the import history -----------------------------------------------------------------------------


def _imports_rows(q: Asked) -> Rows:
    creditor = q.params.get("creditor", "").strip() or None

    def fetch(page: int) -> tuple[list[Any], Paging]:
        return import_history(q.uow, q.viewer, creditor, page=page, per_page=IMPORTS_PAGE)

    for batch in _walk(fetch):
        yield {
            "batch": batch["id"],
            "creditor": batch["creditor_code"],
            "kind": batch["kind"],
            "filename": batch["filename"],
            "status": batch["status"],
            "started_at": _local(batch["started_at"], q.viewer.time_zone),
            "user": batch["user_name"] or "",
            **{key: batch["counts"][key] for key in ("rows_read", "created", "updated", "rejected")},
        }


def _imports_count(q: Asked) -> int:
    creditor = q.params.get("creditor", "").strip() or None
    return import_history(q.uow, q.viewer, creditor, page=1, per_page=1)[1].total


# --- search results ---------------------------------------------------------------------------------


def _search_rows(q: Asked) -> Rows:
    typed = q.params.get("q", "")

    def fetch(page: int) -> tuple[list[Any], Paging]:
        found = search(q.uow, q.viewer, typed, page=page, per_page=SEARCH_PAGE)
        return list(found.hits), found.paging

    for hit in _walk(fetch):
        yield {
            "case": hit.case_id,
            "debtor": hit.debtor_name,
            "creditor": hit.creditor_name,
            "stage": label("stage", hit.stage, q.locale),
            "national_id": hit.national_id,
            "phone": hit.phone or "",
        }


def _search_count(q: Asked) -> int:
    return search(q.uow, q.viewer, q.params.get("q", ""), page=1, per_page=1).paging.total


CASE, DEBTOR, STAGE = Column("case", "Case"), Column("debtor", "Debtor"), Column("stage", "Stage")
BALANCE, CURRENCY = Column("balance", "Balance", money=True), Column("currency", "Currency")
DPD, HELD = Column("dpd", "Days past due"), Column("held_by", "Held by")
QUEUE_FILTERS = ("all", "creditor", "stage", "segment", "dpd", "due", "collector", "sort")

LISTS: dict[str, ListExport] = {
    e.name: e
    for e in (
        ListExport(
            "queue",
            "Queue",
            (
                CASE,
                DEBTOR,
                Column("creditor", "Creditor"),
                BALANCE,
                CURRENCY,
                DPD,
                STAGE,
                Column("next", "Next action"),
                Column("due_at", "Due"),
                HELD,
            ),
            _queue_rows,
            _queue_count,
            QUEUE_FILTERS,
        ),
        ListExport(
            "portfolio",
            "Portfolio",
            (CASE, DEBTOR, BALANCE, CURRENCY, DPD, STAGE, Column("collector", "Collector"), HELD),
            _portfolio_rows,
            _portfolio_count,
            (),
        ),
        ListExport(
            "audit",
            "Audit log",
            (
                Column("at", "Time"),
                Column("user", "User"),
                Column("action", "Action"),
                Column("entity", "Entity"),
                Column("entity_id", "Entity id"),
                Column("detail", "Detail"),
            ),
            _audit_rows,
            _audit_count,
            ("user", "case", "kind", "from", "to"),
        ),
        ListExport(
            "imports",
            "Imports",
            (
                Column("batch", "Batch"),
                Column("creditor", "Creditor"),
                Column("kind", "Kind"),
                Column("filename", "File"),
                Column("status", "Status"),
                Column("started_at", "Started"),
                Column("user", "User"),
                Column("rows_read", "Rows read"),
                Column("created", "Created"),
                Column("updated", "Updated"),
                Column("rejected", "Rejected"),
            ),
            _imports_rows,
            _imports_count,
            ("creditor",),
        ),
        ListExport(
            "search",
            "Search",
            (
                CASE,
                DEBTOR,
                Column("creditor", "Creditor"),
                STAGE,
                Column("national_id", "National ID"),
                Column("phone", "Phone"),
            ),
            _search_rows,
            _search_count,
            ("q",),
            private=("q",),
        ),
        ListExport("reports", "Reports", REPORT_COLUMNS, _report_rows, _report_count, REPORT_FILTERS),
    )
}


def list_export(name: str) -> ListExport:
    found = LISTS.get(name)
    if found is None:
        raise NotFound("There is no list {name} to export", name=name)
    return found


def kept_filters(export: ListExport, params: Params) -> dict[str, str]:
    """The query parameters the list reads, as given (blank ones dropped): what a large export replays."""
    return {k: str(params[k]) for k in export.filters if str(params.get(k, "")).strip()}


def audited_filters(export: ListExport, params: Params) -> dict[str, str]:
    """The filters as the audit log keeps them: a search's text is not kept, only that there was one."""
    kept = kept_filters(export, params)
    return {k: ("…" if k in export.private else v) for k, v in kept.items()}


__all__ = ["LISTS", "ListExport", "audited_filters", "kept_filters", "list_export"]
