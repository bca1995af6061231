"""The open balance each case keeps (cases.open_balance and its companions, kept by triggers on
`accounts`) equals the sum of its open accounts after every kind of change: a placement import, a
re-import that adjusts a balance, a payment, its reversal, a write-off and a recall."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, func, select, update
from tests.support.factories import GOOD_ROWS, cli, placement
from tests.support.floor import MORNING, Floor
from tests.support.money import pay, reverse, terms

from huikuan.services.account_status import end_by_supervisor
from huikuan.services.imports import import_accounts, import_recalls
from huikuan.storage import tables as t
from huikuan.storage.case_balances import drift, refresh
from huikuan.storage.uow import UnitOfWork


def _kept(uow: UnitOfWork, case_id: int) -> tuple[int, int]:
    uow.commit()
    row = uow.session.execute(
        select(t.cases.c.open_balance, t.cases.c.open_accounts).where(t.cases.c.id == case_id)
    ).one()
    return int(row.open_balance), int(row.open_accounts)


def _summed(uow: UnitOfWork, case_id: int) -> int:
    a = t.accounts.c
    total = uow.session.execute(
        select(func.coalesce(func.sum(a.balance), 0)).where(a.case_id == case_id, a.status == "open")
    ).scalar_one()
    return int(total)


def _no_drift(uow: UnitOfWork) -> bool:
    uow.commit()
    return drift(uow.session.connection()) == []


def test_payments_reversals_and_write_offs_keep_the_case_balance(floor: Floor) -> None:
    uow, case = floor.uow, floor.cases[0]
    bank = uow.session.execute(select(t.creditors.c.id).where(t.creditors.c.code == "BANK")).scalar_one()
    terms(uow, bank, route="trust", remittance="net")
    assert _kept(uow, case.id) == (_summed(uow, case.id), 2) and _no_drift(uow)
    paid = pay(uow, case.id, 200_000, "KEEP-1", MORNING)
    assert _kept(uow, case.id)[0] == _summed(uow, case.id) == 1_000_000
    reverse(uow, paid, MORNING)
    assert _kept(uow, case.id)[0] == _summed(uow, case.id) == 1_200_000 and _no_drift(uow)
    end_by_supervisor(
        uow, floor.viewer("sue"), case.id, action="write_off", reason="uncollectable", now=MORNING
    )
    assert _kept(uow, case.id) == (0, 0) and _no_drift(uow)


def test_imports_adjustments_and_recalls_keep_the_case_balance(
    engine: Engine, db_env: str, tmp_path: Path
) -> None:
    assert cli("creditor", "add", "BANK", "--name", "某银行", "--region", "CN").exit_code == 0
    with UnitOfWork(engine) as uow:
        import_accounts(uow, placement(tmp_path / "p.csv"), "BANK")
        assert _no_drift(uow)
        a = t.accounts.c
        case_id = uow.session.execute(select(a.case_id).where(a.external_ref == "HT-001")).scalar_one()
        assert _kept(uow, case_id) == (1_062_000 + 200_000, 2)
    adjusted = [GOOD_ROWS[0].replace('"10,620.00"', '"9,000.00"'), *GOOD_ROWS[1:]]
    with UnitOfWork(engine) as uow:
        import_accounts(uow, placement(tmp_path / "p2.csv", adjusted), "BANK")
        assert _kept(uow, case_id) == (900_000 + 200_000, 2) and _no_drift(uow)
    recall = tmp_path / "r.csv"
    recall.write_text("账号,召回原因,操作\nHT-002,委托到期\n", encoding="utf-8")
    with UnitOfWork(engine) as uow:
        import_recalls(uow, recall, "BANK")
        assert _kept(uow, case_id) == (900_000, 1) and _no_drift(uow)


def test_drift_names_a_case_whose_kept_balance_was_changed_behind_the_triggers_and_refresh_repairs_it(
    floor: Floor,
) -> None:
    uow, case = floor.uow, floor.cases[1]
    uow.session.execute(update(t.cases).where(t.cases.c.id == case.id).values(open_balance=1))
    assert drift(uow.session.connection()) == [case.id]
    refresh(uow.session.connection(), [case.id])
    assert _no_drift(uow) and _kept(uow, case.id)[0] == _summed(uow, case.id)
