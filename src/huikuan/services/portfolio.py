"""A creditor's portfolio: what its read-only viewer sees on landing, its own creditor's cases only.

Each case with its debtor, open balance, days past due (to the floor's day, as on the queue and the case
page), stage and who holds it (the collector it is assigned to, and whoever has claimed it now), largest
balance first and paged with the true total; above them a few headline numbers: the cases, the open
balance by currency and the promises still pending. The reports issue adds to it.

Only a creditor's viewer has a portfolio: the floor (collectors, supervisors, admins) works from the queue,
and anyone else asking is refused (Forbidden). The cases are chosen by the one door of services/access.py
(`case_scope`); like the case page, it shows no national ID and no contact value.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, case, func, select

from huikuan.domain.days import days_past_due
from huikuan.domain.enums import PromiseStatus, Role
from huikuan.domain.money import Money
from huikuan.errors import Forbidden
from huikuan.services.access import Viewer, case_scope
from huikuan.services.clock import floor_today
from huikuan.services.paging import Paging, paging
from huikuan.services.queue_order import open_accounts
from huikuan.storage import tables as t
from huikuan.storage.uow import UnitOfWork

PER_PAGE = 50
MAX_PER_PAGE = 500


@dataclass(frozen=True)
class PortfolioCase:
    case_id: int
    debtor_name: str
    balance: int  # minor units of `currency`, open accounts only
    currency: str
    days_past_due: int
    stage: str
    assigned_to: str | None  # the collector's display name; None: in the pool
    held_by: str | None  # who has claimed it now

    def to_dict(self) -> dict[str, Any]:
        return {
            "case_id": self.case_id,
            "debtor_name": self.debtor_name,
            "balance": str(Money(self.balance, self.currency).amount),
            "currency": self.currency,
            "days_past_due": self.days_past_due,
            "stage": self.stage,
            "assigned_to": self.assigned_to,
            "held_by": self.held_by,
        }


@dataclass(frozen=True)
class Headline:
    cases: int
    balances: tuple[Money, ...]  # open balance, one per currency
    promises_pending: int
    promised: tuple[Money, ...]  # what the pending promises add up to, one per currency

    def to_dict(self) -> dict[str, Any]:
        def money(values: tuple[Money, ...]) -> list[dict[str, str]]:
            return [{"amount": str(m.amount), "currency": m.currency} for m in values]

        return {
            "cases": self.cases,
            "balances": money(self.balances),
            "promises_pending": self.promises_pending,
            "promised": money(self.promised),
        }


@dataclass(frozen=True)
class Portfolio:
    creditor_code: str
    creditor_name: str
    headline: Headline
    cases: list[PortfolioCase]
    paging: Paging

    def to_dict(self) -> dict[str, Any]:
        return {
            "creditor": {"code": self.creditor_code, "name": self.creditor_name},
            "headline": self.headline.to_dict(),
            "items": [c.to_dict() for c in self.cases],
            **self.paging.to_dict(),
        }


def require_portfolio(viewer: Viewer) -> None:
    if viewer.role is not Role.CREDITOR_VIEWER or viewer.creditor_id is None:
        raise Forbidden("Only a creditor's viewer has a portfolio")


def portfolio(
    uow: UnitOfWork,
    viewer: Viewer,
    *,
    page: int = 1,
    per_page: int = PER_PAGE,
    now: datetime | None = None,
) -> Portfolio:
    """The viewer's creditor's portfolio: its headline numbers and one page of its cases."""
    require_portfolio(viewer)
    instant = (now or datetime.now(UTC)).astimezone(UTC)
    today = floor_today(instant)
    c, d, cr = t.cases.c, t.debtors.c, t.creditors.c
    creditor = uow.session.execute(
        select(cr.code, cr.name, cr.currency).where(cr.id == viewer.creditor_id)
    ).one()
    where = paging(uow, select(c.id).where(case_scope(viewer)), page, per_page, most=MAX_PER_PAGE)
    acc = open_accounts()
    assigned, holder = t.users.alias("assigned"), t.users.alias("holder")
    held = and_(c.claimed_by.is_not(None), c.claim_expires_at >= instant)
    balance = func.coalesce(acc.c.balance, 0)
    rows = uow.session.execute(
        select(
            c.id,
            d.name,
            balance.label("balance"),
            func.coalesce(acc.c.currency, creditor.currency).label("currency"),
            acc.c.overdue_since,
            c.stage,
            assigned.c.display_name.label("assigned_to"),
            case((held, holder.c.display_name), else_=None).label("held_by"),
        )
        .select_from(t.cases)
        .join(t.debtors, d.id == c.debtor_id)
        .outerjoin(acc, acc.c.case_id == c.id)
        .outerjoin(assigned, assigned.c.id == c.assigned_user_id)
        .outerjoin(holder, holder.c.id == c.claimed_by)
        .where(case_scope(viewer))
        .order_by(balance.desc(), c.id.asc())
        .limit(where.per_page)
        .offset(where.offset)
    ).all()
    cases = [
        PortfolioCase(
            case_id=r.id,
            debtor_name=r.name,
            balance=int(r.balance),
            currency=r.currency,
            days_past_due=days_past_due(r.overdue_since, today),
            stage=r.stage,
            assigned_to=r.assigned_to,
            held_by=r.held_by,
        )
        for r in rows
    ]
    return Portfolio(creditor.code, creditor.name, _headline(uow, viewer, where.total), cases, where)


def _headline(uow: UnitOfWork, viewer: Viewer, cases: int) -> Headline:
    a, p, c = t.accounts.c, t.promises.c, t.cases.c
    in_scope = select(c.id).where(case_scope(viewer))
    balances = uow.session.execute(
        select(a.currency, func.sum(a.balance))
        .where(a.status == "open", a.case_id.in_(in_scope))
        .group_by(a.currency)
        .order_by(a.currency)
    ).all()
    pending = uow.session.execute(
        select(p.currency, func.count(), func.sum(p.amount - p.paid_amount))
        .where(p.status == PromiseStatus.PENDING.value, p.case_id.in_(in_scope))
        .group_by(p.currency)
        .order_by(p.currency)
    ).all()
    return Headline(
        cases=cases,
        balances=tuple(Money(int(total or 0), currency) for currency, total in balances),
        promises_pending=sum(int(n) for _currency, n, _left in pending),
        promised=tuple(Money(int(left or 0), currency) for currency, _n, left in pending),
    )


__all__ = ["Headline", "Portfolio", "PortfolioCase", "portfolio", "require_portfolio"]
