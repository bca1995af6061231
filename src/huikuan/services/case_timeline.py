"""The case page's timeline: every interaction, promise, payment, message, letter, arrangement, plan row and
refusal of the compliance gate of a case as one typed list, newest first, with a short label, a detail, who
did it and the rule or reason where one applies, in the user's language; filterable by kind and searchable.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from huikuan.i18n import gettext, normalize_locale
from huikuan.services.access import Viewer, visible_case
from huikuan.services.case_history import TimelineItem, interactions, money_formatter, plan_rows
from huikuan.services.timeline_contacts import interaction_items, message_items, plan_items, refusal_items
from huikuan.services.timeline_money import arrangement_items, payment_items, promise_items, status_items
from huikuan.storage import tables as t
from huikuan.storage.uow import UnitOfWork

# The timeline's filters, in the filter bar's order. Every entry is in one of the first five or in "refusal"
# or "plan" (an interaction by its channel: calls and visits, or messages); an entry a person wrote a note
# on is in "note" as well, and a message the gate held back in "refusal" as well.
FILTERS = ("call", "message", "payment", "promise", "note", "refusal", "plan")
FILTER_LABELS = {
    "call": "Calls ({count})",
    "message": "Messages ({count})",
    "payment": "Payments ({count})",
    "promise": "Promises ({count})",
    "note": "Notes ({count})",
    "refusal": "Gate refusals ({count})",
    "plan": "Plans ({count})",
}
SEARCH_MAX = 100  # characters of a search kept


@dataclass(frozen=True)
class TimelineView:
    """The timeline panel: the entries chosen, and how many entries of each filter the whole case holds."""

    items: tuple[TimelineItem, ...]
    counts: dict[str, int]
    total: int
    kinds: tuple[str, ...]  # the filters chosen, in FILTERS order; none: every entry
    q: str


def filter_timeline(
    items: Sequence[TimelineItem], kinds: Collection[str] = (), q: str = ""
) -> tuple[TimelineItem, ...]:
    """The entries in any of `kinds` (all when none) whose label, detail, who, note or reason holds `q`,
    whatever its case."""
    wanted = set(kinds)
    needle = q.strip().casefold()
    return tuple(
        item
        for item in items
        if (not wanted or wanted.intersection(item.groups)) and (not needle or needle in _text(item))
    )


def count_by_filter(items: Sequence[TimelineItem]) -> dict[str, int]:
    """How many entries each filter shows, over `items`."""
    return {kind: sum(1 for item in items if kind in item.groups) for kind in FILTERS}


def _text(item: TimelineItem) -> str:
    return " ".join((item.label, item.detail, item.by or "", item.note, item.reason)).casefold()


def chosen_filters(kinds: Collection[str]) -> tuple[str, ...]:
    """The known filters among `kinds`, in the bar's order (an unknown one, from an old link, is ignored)."""
    return tuple(kind for kind in FILTERS if kind in set(kinds))


def timeline_view(
    uow: UnitOfWork,
    viewer: Viewer,
    case_id: int,
    *,
    locale: str | None = None,
    kinds: Collection[str] = (),
    q: str = "",
) -> TimelineView:
    """The timeline panel: the case's entries of the chosen kinds matching the search, newest first, with
    the count of each kind over the whole case."""
    every = case_timeline(uow, viewer, case_id, locale=locale)
    chosen, search = chosen_filters(kinds), q.strip()[:SEARCH_MAX]
    return TimelineView(
        filter_timeline(every, chosen, search), count_by_filter(every), len(every), chosen, search
    )


def case_timeline(
    uow: UnitOfWork,
    viewer: Viewer,
    case_id: int,
    *,
    locale: str | None = None,
    kinds: Collection[str] = (),
    q: str = "",
) -> tuple[TimelineItem, ...]:
    """The case's timeline alone, newest first (the page's lazily loaded panel): only the entries of
    `kinds` (FILTERS; all when none) that hold `q` when given."""
    case = visible_case(uow, viewer, case_id)
    lang = normalize_locale(locale or viewer.locale)
    p = t.parties.c
    parties = uow.session.execute(select(p.id, p.role, p.name).where(p.debtor_id == case.debtor_id)).all()
    currency = uow.session.execute(
        select(t.creditors.c.currency).where(t.creditors.c.id == case.creditor_id)
    ).scalar_one()
    items = timeline(
        uow,
        case_id,
        interactions(uow, case_id),
        {r.id: r for r in parties},
        plan_rows(uow, case_id),
        currency,
        lang,
    )
    return filter_timeline(items, chosen_filters(kinds), q) if kinds or q.strip() else items


def timeline(
    uow: UnitOfWork,
    case_id: int,
    done: Sequence[Any],
    parties: dict[int, Any],
    plan: Sequence[Any],
    currency: str,
    lang: str,
) -> tuple[TimelineItem, ...]:
    """Every event of the case as one list, newest first: one query per kind of event, none per row."""

    def _(msgid: str, **values: object) -> str:
        return gettext(msgid, lang, **values)

    money = money_formatter(lang)
    items = [
        *interaction_items(done, parties, _),
        *promise_items(uow, case_id, money, _),
        *payment_items(uow, case_id, money, _),
        *message_items(uow, case_id, _),
        *arrangement_items(uow, case_id, money, _),
        *plan_items(plan, money, currency, _),
        *refusal_items(uow, case_id, parties, _),
        *status_items(uow, case_id, lang, _),
    ]
    items.sort(key=lambda item: (item.at, _KIND_ORDER[item.kind], item.ref_id), reverse=True)
    return tuple(items)


_KIND_ORDER = {
    "refusal": 0,
    "plan": 0,
    "message": 1,
    "letter": 1,
    "interaction": 2,
    "promise": 3,
    "arrangement": 4,
    "payment": 5,
    "reversal": 5,
    "status": 6,
}


__all__ = [
    "FILTERS",
    "FILTER_LABELS",
    "TimelineView",
    "case_timeline",
    "chosen_filters",
    "count_by_filter",
    "filter_timeline",
    "timeline",
    "timeline_view",
]
