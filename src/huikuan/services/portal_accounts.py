"""The creditor's portal: the list of its own accounts, each with its status and the last action on it.

One row per account of the viewer's creditor: its contract number, the debtor's name (as the portfolio shows
it: no national ID, no contact value), product, status, balance, placement day, days past due, and the last
action on its case: the latest contact (channel, outcome) or message (channel, status), whichever is later.
Filterable by status, sortable by balance, placement day, days past due or contract number; paged with the
true count. The page is chosen by one query filtered by the creditor first; the last actions are read for
the page's cases only (two queries over the cases' indexed (case_id, at) history).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, func, select

from huikuan.domain.days import days_past_due
from huikuan.domain.enums import AccountStatus
from huikuan.domain.money import Money
from huikuan.errors import InvalidInput
from huikuan.services.access import Viewer
from huikuan.services.clock import floor_today
from huikuan.services.paging import Paging, paging
from huikuan.services.portfolio import require_portfolio
from huikuan.storage import tables as t
from huikuan.storage.uow import UnitOfWork

PER_PAGE = 50
MAX_PER_PAGE = 500
STATUSES = tuple(s.value for s in AccountStatus)
SORTS = ("balance", "-balance", "placed", "-placed", "overdue", "-overdue", "ref", "-ref")


@dataclass(frozen=True)
class LastAction:
    kind: str  # contact, message
    channel: str
    outcome: str  # a contact's outcome, or a message's status
    at: datetime

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "channel": self.channel,
            "outcome": self.outcome,
            "at": self.at.isoformat(),
        }


@dataclass(frozen=True)
class PortalAccount:
    account_id: int
    case_id: int | None
    reference: str
    debtor_name: str
    product: str
    status: str
    balance: int  # minor units of `currency`
    currency: str
    placed_on: Any  # date | None
    days_past_due: int
    last_action: LastAction | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "account_id": self.account_id,
            "case_id": self.case_id,
            "reference": self.reference,
            "debtor_name": self.debtor_name,
            "product": self.product,
            "status": self.status,
            "balance": str(Money(self.balance, self.currency).amount),
            "balance_minor": self.balance,
            "currency": self.currency,
            "placed_on": self.placed_on.isoformat() if self.placed_on else None,
            "days_past_due": self.days_past_due,
            "last_action": self.last_action.to_dict() if self.last_action else None,
        }


@dataclass(frozen=True)
class PortalAccounts:
    items: list[PortalAccount]
    paging: Paging
    status: str | None
    sort: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "items": [a.to_dict() for a in self.items],
            "status": self.status,
            "sort": self.sort,
            **self.paging.to_dict(),
        }


def _order(sort: str) -> list[Any]:
    a = t.accounts.c
    column = {"balance": a.balance, "placed": a.placed_on, "overdue": a.overdue_since, "ref": a.external_ref}
    key = column[sort.lstrip("-")]
    if sort.lstrip("-") == "overdue":  # the longest overdue first is "-overdue": the earliest day
        descending = not sort.startswith("-")
    else:
        descending = sort.startswith("-")
    if descending:  # as ix_accounts_placed runs (no day last): the newest placed are read in order
        return [key.desc().nulls_last(), a.id.asc()]
    return [key.is_(None), key.asc(), a.id.asc()]


def portal_accounts(
    uow: UnitOfWork,
    viewer: Viewer,
    *,
    status: str | None = None,
    sort: str = "-balance",
    page: int = 1,
    per_page: int = PER_PAGE,
    now: datetime | None = None,
) -> PortalAccounts:
    """One page of the viewer's creditor's accounts (see the module's docstring)."""
    require_portfolio(viewer)
    status = status or None
    if status is not None and status not in STATUSES:
        raise InvalidInput("Unknown account status {status}", status=status)
    if sort not in SORTS:
        raise InvalidInput("Unknown order {sort}", sort=sort)
    today = floor_today((now or datetime.now(UTC)).astimezone(UTC))
    a, d = t.accounts.c, t.debtors.c
    chosen: Select[Any] = select(a.id).where(a.creditor_id == viewer.creditor_id)
    if status is not None:
        chosen = chosen.where(a.status == status)
    where = paging(uow, chosen, page, per_page, most=MAX_PER_PAGE)
    query = (
        select(
            a.id,
            a.case_id,
            a.external_ref,
            d.name,
            a.product,
            a.status,
            a.balance,
            a.currency,
            a.placed_on,
            a.overdue_since,
        )
        .join(t.debtors, d.id == a.debtor_id)
        .where(a.creditor_id == viewer.creditor_id)
        .order_by(*_order(sort))
        .limit(where.per_page)
        .offset(where.offset)
    )
    if status is not None:
        query = query.where(a.status == status)
    rows = uow.session.execute(query).all()
    last = last_actions(uow, {r.case_id for r in rows if r.case_id is not None})
    items = [
        PortalAccount(
            account_id=r.id,
            case_id=r.case_id,
            reference=r.external_ref,
            debtor_name=r.name,
            product=r.product,
            status=r.status,
            balance=int(r.balance),
            currency=r.currency,
            placed_on=r.placed_on,
            days_past_due=days_past_due(r.overdue_since, today) if r.status == "open" else 0,
            last_action=last.get(r.case_id) if r.case_id is not None else None,
        )
        for r in rows
    ]
    return PortalAccounts(items, where, status, sort)


def last_actions(uow: UnitOfWork, case_ids: set[int]) -> dict[int, LastAction]:
    """The latest contact or message of each case (a page's cases only)."""
    if not case_ids:
        return {}
    i, m = t.interactions.c, t.messages.c
    ids = sorted(case_ids)
    rank = func.row_number().over(partition_by=i.case_id, order_by=(i.at.desc(), i.id.desc()))
    contacts = select(i.case_id, i.channel, i.outcome, i.at, rank.label("n")).where(i.case_id.in_(ids))
    found: dict[int, LastAction] = {}
    inner = contacts.subquery("contacts")
    for r in uow.session.execute(select(inner).where(inner.c.n == 1)).all():
        found[r.case_id] = LastAction("contact", r.channel, r.outcome, r.at)
    when = func.coalesce(m.sent_at, m.created_at)
    rank = func.row_number().over(partition_by=m.case_id, order_by=(when.desc(), m.id.desc()))
    messages = (
        select(m.case_id, m.channel, m.status, when.label("at"), rank.label("n"))
        .where(m.case_id.in_(ids), when.is_not(None))
        .subquery("messages")
    )
    for r in uow.session.execute(select(messages).where(messages.c.n == 1)).all():
        at = r.at if isinstance(r.at, datetime) else datetime.fromisoformat(str(r.at))
        at = at if at.tzinfo else at.replace(tzinfo=UTC)
        had = found.get(r.case_id)
        if had is None or at > had.at:
            found[r.case_id] = LastAction("message", r.channel, r.status, at)
    return found


__all__ = [
    "SORTS",
    "STATUSES",
    "LastAction",
    "PortalAccount",
    "PortalAccounts",
    "last_actions",
    "portal_accounts",
]
