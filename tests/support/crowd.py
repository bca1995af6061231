"""A crowd of plain cases beside the floor's own, for lists longer than a page: `add_cases(uow, "BANK", 120)`.

Each case has one open account of its own balance (so the order by balance is known), a debtor who speaks
`language`, and no contact points; assigned to `assigned` (a user id) or left in the pool.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from huikuan.domain.enums import Product
from huikuan.domain.model import Account, Case, Debtor
from huikuan.storage import tables as t
from huikuan.storage.uow import UnitOfWork


def add_cases(
    uow: UnitOfWork,
    creditor_code: str,
    n: int,
    *,
    assigned: int | None = None,
    language: str = "zh",
    first_balance: int = 10_000,
    overdue_since: date = date(2026, 8, 1),
) -> list[int]:
    """Adds `n` cases of the creditor, balances `first_balance`, +100, +200 ... (minor units); returns
    their ids in the order they were made."""
    s = uow.session
    creditor_id = s.execute(select(t.creditors.c.id).where(t.creditors.c.code == creditor_code)).scalar_one()
    debtors = [
        Debtor(creditor_id=creditor_id, name=f"人群{k:04d}", language=language, address_country="CN")
        for k in range(n)
    ]
    s.add_all(debtors)
    s.flush()
    cases = [Case(creditor_id=creditor_id, debtor_id=d.id or 0, assigned_user_id=assigned) for d in debtors]
    s.add_all(cases)
    s.flush()
    s.add_all(
        Account(
            creditor_id=creditor_id,
            debtor_id=c.debtor_id,
            case_id=c.id,
            external_ref=f"CROWD-{language}-{c.id}",
            currency="CNY",
            product=Product.CREDIT_CARD,
            principal=first_balance + 100 * k,
            balance=first_balance + 100 * k,
            overdue_since=overdue_since,
        )
        for k, c in enumerate(cases)
    )
    uow.commit()
    return [c.id or 0 for c in cases]
