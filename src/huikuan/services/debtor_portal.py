"""What the debtor sees of the case on their own pages (/d): who is owed, how much and of what it is made,
whom to call, and the rights their pack gives them.

Read only for a visit that passed the identity check (web/debtor_session.py); each page seen is audited
(`debtor.viewed`: the page and the link, no personal data).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select

from huikuan.errors import NotFound
from huikuan.storage import tables as t
from huikuan.storage.audit import record
from huikuan.storage.uow import UnitOfWork

VIEWED = "debtor.viewed"
OPEN = "open"


@dataclass(frozen=True)
class OwedAccount:
    ref_end: str  # the account number's last four characters only
    product: str
    currency: str
    principal: int
    interest: int
    fees: int
    balance: int
    overdue_since: date | None
    validation_period_end: date | None
    original_creditor: str | None = None  # who first lent, where the debt was sold or assigned


@dataclass(frozen=True)
class Owed:
    case_id: int
    debtor_id: int
    creditor: str
    pack: str
    debtor_language: str
    accounts: tuple[OwedAccount, ...]
    totals: dict[str, int]  # currency -> open balance

    @property
    def validation_period_end(self) -> date | None:
        ends = [a.validation_period_end for a in self.accounts if a.validation_period_end]
        return max(ends) if ends else None


def _ref_end(ref: str) -> str:
    return str(ref)[-4:]


def case_of_visit(uow: UnitOfWork, case_id: int) -> Any:
    c, cr, d = t.cases.c, t.creditors.c, t.debtors.c
    row = uow.session.execute(
        select(c.id, c.debtor_id, cr.name.label("creditor"), cr.pack, cr.authority_policy, d.language)
        .select_from(t.cases.join(t.creditors, cr.id == c.creditor_id).join(t.debtors, d.id == c.debtor_id))
        .where(c.id == case_id)
    ).one_or_none()
    if row is None:
        raise NotFound("no case {case_id}", case_id=case_id)
    return row


def what_is_owed(uow: UnitOfWork, case_id: int) -> Owed:
    """The case's open accounts with their parts, and the totals by currency."""
    case = case_of_visit(uow, case_id)
    a = t.accounts.c
    rows = uow.session.execute(
        select(
            a.external_ref,
            a.product,
            a.currency,
            a.principal,
            a.interest,
            a.fees,
            a.balance,
            a.overdue_since,
            a.validation_period_end,
            a.original_creditor,
        )
        .where(a.case_id == case_id, a.status == OPEN)
        .order_by(a.id)
    ).all()
    accounts = tuple(
        OwedAccount(
            _ref_end(r.external_ref),
            str(r.product),
            str(r.currency),
            int(r.principal),
            int(r.interest),
            int(r.fees),
            int(r.balance),
            r.overdue_since,
            r.validation_period_end,
            r.original_creditor or None,
        )
        for r in rows
    )
    totals: dict[str, int] = {}
    for acc in accounts:
        totals[acc.currency] = totals.get(acc.currency, 0) + acc.balance
    return Owed(
        case_id,
        int(case.debtor_id),
        str(case.creditor),
        str(case.pack),
        str(case.language or "zh"),
        accounts,
        totals,
    )


def audit_view(
    uow: UnitOfWork, case_id: int, link_id: int, page: str, *, now: datetime | None = None
) -> None:
    """Keeps that the visitor of this link saw this page; commits."""
    when = (now or datetime.now(UTC)).astimezone(UTC)
    uow.begin_write()  # after the page's reads: a short write of its own (services/view_audit.py)
    record(
        uow.session,
        at=when,
        user_id=None,
        action=VIEWED,
        entity="case",
        entity_id=case_id,
        detail={"link_id": link_id, "page": page},
    )
    uow.commit()


__all__ = ["Owed", "OwedAccount", "audit_view", "case_of_visit", "what_is_owed"]
