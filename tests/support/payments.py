"""Payments for the workbench tests: received on a floor case the way the payment import records them."""

from __future__ import annotations

import itertools
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl
from sqlalchemy import func, insert, select, update

from huikuan.services.imports import import_payments
from huikuan.storage import tables as t
from huikuan.storage.payment_writer import journal_direct_payments
from huikuan.storage.uow import UnitOfWork

BEIJING = ZoneInfo("Asia/Shanghai")
_refs = itertools.count(1)


def beijing(day: date, hour: int = 10) -> datetime:
    """An instant of a day on the floor (Beijing), e.g. the morning a job runs."""
    return datetime.combine(day, time(hour), tzinfo=BEIJING)


def pay(uow: UnitOfWork, account_id: int, amount: int, day: date) -> None:
    """A payment of `amount` minor units dated `day` (00:00 Beijing, as imported), allocated in full and
    journalled as the import journals a direct payment."""
    a = t.accounts.c
    account = uow.session.execute(select(t.accounts).where(a.id == account_id)).one()
    allocated = min(amount, account.balance)
    payment_id = uow.session.execute(
        insert(t.payments)
        .values(
            creditor_id=account.creditor_id,
            external_ref=f"PAY-{next(_refs)}",
            account_id=account_id,
            amount=amount,
            currency=account.currency,
            paid_at=beijing(day, 0),
        )
        .returning(t.payments.c.id)
    ).scalar_one()
    if allocated:
        uow.session.execute(
            insert(t.payment_allocations).values(
                payment_id=payment_id, account_id=account_id, amount=allocated, principal=allocated
            )
        )
    journal_direct_payments(
        uow.session.connection(),
        account.creditor_id,
        pl.DataFrame(
            {
                "id": [payment_id],
                "currency": [account.currency],
                "paid_at": [beijing(day, 0)],
                "account_id": [account_id],
                "amount": [amount],
                "allocated": [allocated],
                "commission": [0],
            }
        ),
    )
    left = account.balance - allocated
    uow.session.execute(
        update(t.accounts)
        .where(a.id == account_id)
        .values(balance=left, status="paid" if left == 0 else "open")
    )
    uow.commit()


def import_csv(uow: UnitOfWork, tmp: Path, creditor: str, rows: list[tuple[str, str, str, str]]) -> Any:
    """Imports payments through the real import: rows of (reference, account ref, amount, date)."""
    path = tmp / "payments.csv"
    lines = ["还款流水号,合同号,还款金额,还款日期,还款方式", *(",".join([*r, "银行转账"]) for r in rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return import_payments(uow, path, creditor)


def count(uow: UnitOfWork, table: Any) -> int:
    uow.commit()
    return int(uow.session.execute(select(func.count()).select_from(table)).scalar_one())
