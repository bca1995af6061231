"""Importing payments: each payment reference counts once, and moves its account's balance."""

from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from tests.support.factories import cli, cli_json, placement

from huikuan.storage import tables as t

PAYMENTS_HEADER = "还款流水号,合同号,还款金额,还款日期,还款方式"


@pytest.fixture
def placed(db_env: str, tmp_path: Path) -> str:
    assert cli("creditor", "add", "BANK", "--name", "某银行", "--region", "CN").exit_code == 0
    code, _ = cli_json("import", "accounts", str(placement(tmp_path / "p.csv")), "--creditor", "BANK")
    assert code == 0
    return "BANK"


def _payments(path: Path, rows: list[str]) -> Path:
    path.write_text("\n".join([PAYMENTS_HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def _balance(engine: Engine, ref: str) -> int:
    with engine.connect() as conn:
        return conn.execute(select(t.accounts.c.balance).where(t.accounts.c.external_ref == ref)).scalar_one()


def test_a_payment_reduces_the_balance_of_its_account(engine: Engine, placed: str, tmp_path: Path) -> None:
    path = _payments(tmp_path / "pay.csv", ["P-1,HT-003,1000.00,2026-05-01,银行转账"])
    code, report = cli_json("import", "payments", str(path), "--creditor", placed)
    assert code == 0 and report["created"] == 1
    assert _balance(engine, "HT-003") == 400_000
    with engine.connect() as conn:
        allocation = conn.execute(select(t.payment_allocations)).one()
        account = conn.execute(select(t.accounts).where(t.accounts.c.external_ref == "HT-003")).one()
    assert allocation.amount == 100_000
    assert account.last_payment_amount == 100_000 and str(account.last_payment_date) == "2026-05-01"


def test_the_same_payment_imported_twice_counts_once(engine: Engine, placed: str, tmp_path: Path) -> None:
    path = _payments(tmp_path / "pay.csv", ["P-1,HT-003,1000.00,2026-05-01,银行转账"])
    cli_json("import", "payments", str(path), "--creditor", placed)
    code, report = cli_json("import", "payments", str(path), "--creditor", placed)
    assert code == 0
    assert (report["created"], report["unchanged"]) == (0, 1)
    assert _balance(engine, "HT-003") == 400_000
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(t.payments)).scalar_one() == 1


def test_a_payment_for_an_unknown_account_is_an_error_row(
    engine: Engine, placed: str, tmp_path: Path
) -> None:
    path = _payments(tmp_path / "pay.csv", ["P-1,HT-003,1000.00,2026-05-01,", "P-2,NOPE-9,50,2026-05-02,"])
    code, report = cli_json("import", "payments", str(path), "--creditor", placed)
    assert code == 1
    assert [(e["row"], e["column"], e["code"]) for e in report["errors"]] == [
        (3, "external_ref", "unknown_account")
    ]
    assert _balance(engine, "HT-003") == 500_000  # strict: nothing written

    code, report = cli_json("import", "payments", str(path), "--creditor", placed, "--lenient")
    assert code == 0 and report["created"] == 1 and report["rejected"] == 1
    assert _balance(engine, "HT-003") == 400_000


def test_a_payment_that_clears_the_balance_marks_the_account_paid(
    engine: Engine, placed: str, tmp_path: Path
) -> None:
    path = _payments(tmp_path / "pay.csv", ["P-1,HT-003,3000,2026-05-01,", "P-2,HT-003,2500,2026-05-09,"])
    code, _ = cli_json("import", "payments", str(path), "--creditor", placed)
    assert code == 0
    with engine.connect() as conn:
        account = conn.execute(select(t.accounts).where(t.accounts.c.external_ref == "HT-003")).one()
        allocated = conn.execute(select(func.sum(t.payment_allocations.c.amount))).scalar_one()
    assert (account.balance, account.status, allocated) == (0, "paid", 500_000)
