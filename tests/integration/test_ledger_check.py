"""The journal as a whole: `huikuan ledger check` proves it and names what differs, the database refuses
to change or delete what was written, and migration 0016 opens a consistent journal over the data of
0015."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, insert, select, text
from sqlalchemy.exc import DBAPIError
from tests.support.factories import cli, cli_json, placement

from huikuan.services.ledger import check_ledger
from huikuan.storage import migrate
from huikuan.storage import tables as t
from huikuan.storage.uow import UnitOfWork

NOW = "2026-11-20T10:00:00+08:00"


@pytest.fixture
def placed(db_env: str, tmp_path: Path) -> str:
    assert cli("creditor", "add", "BANK", "--name", "某银行", "--region", "CN").exit_code == 0
    code, _ = cli_json("import", "accounts", str(placement(tmp_path / "p.csv")), "--creditor", "BANK")
    assert code == 0
    return "BANK"


def _case_of(engine: Engine, ref: str) -> int:
    with engine.connect() as conn:
        a = t.accounts.c
        return int(conn.execute(select(a.case_id).where(a.external_ref == ref)).scalar_one())


def _written(engine: Engine) -> tuple[int, ...]:
    with engine.connect() as conn:
        tables = (t.payments, t.payment_allocations, t.ledger_entries, t.ledger_lines)
        counts = [conn.execute(select(func.count()).select_from(x)).scalar_one() for x in tables]
        return (*counts, conn.execute(select(func.sum(t.accounts.c.balance))).scalar_one())


def test_the_check_proves_the_journal_and_names_a_stored_balance_changed_behind_its_back(
    engine: Engine, placed: str
) -> None:
    case = _case_of(engine, "HT-003")
    code, posted = cli_json(
        "payments", "post", str(case), "--amount", "1,000.00", "--method", "bank_transfer",
        "--reference", "B-1", "--now", NOW,
    )  # fmt: skip
    assert code == 0 and posted["allocations"][0]["amount"] == 100_000
    code, report = cli_json("ledger", "check")
    assert code == 0
    assert report["ok"] is True and report["entries"] >= 2
    assert report["balances"]["CNY"]["receivable"] == report["balances"]["CNY"]["portfolio"]
    with engine.begin() as conn:
        conn.execute(text("UPDATE accounts SET balance = balance + 1 WHERE external_ref = 'HT-003'"))
        tampered = conn.execute(text("SELECT id FROM accounts WHERE external_ref = 'HT-003'")).scalar_one()
    code, report = cli_json("ledger", "check")
    assert code == 1 and report["ok"] is False
    assert report["problems"]["balances_not_matching"] == 1
    assert {
        "problem": "balances_not_matching",
        "account_id": tampered,
        "stored": 400_001,
        "ledger": 400_000,
    } in (report["examples"])
    assert "NOT consistent" in cli("ledger", "check").stdout


def test_posting_a_reference_used_already_exits_1_and_writes_nothing(engine: Engine, placed: str) -> None:
    case = _case_of(engine, "HT-003")
    args = ["payments", "post", str(case), "--method", "cash", "--reference", "B-2", "--now", NOW]
    assert cli_json(*args, "--amount", "10.00")[0] == 0
    before = _written(engine)
    code, refused = cli_json(*args, "--amount", "20.00")
    assert code == 1
    assert "B-2" in refused["error"]
    assert _written(engine) == before


@pytest.mark.parametrize("table", ["ledger_lines", "ledger_entries"])
@pytest.mark.parametrize("statement", ["UPDATE {table} SET currency = 'USD'", "DELETE FROM {table}"])
def test_the_database_refuses_to_change_or_delete_what_the_journal_holds(
    engine: Engine, placed: str, table: str, statement: str
) -> None:
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(text(statement.format(table=table)))
    with engine.connect() as conn:
        assert conn.execute(text(f"SELECT COUNT(*) FROM {table} WHERE currency = 'CNY'")).scalar_one() > 0


def test_migration_0016_opens_a_consistent_journal_over_accounts_and_imported_payments(
    engine: Engine,
) -> None:
    from alembic import command

    cfg = migrate.alembic_config(engine)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0015")
    with engine.begin() as conn:
        # Tables 0016 leaves as they were are written through the models; payments by hand (0015's).
        cid = conn.execute(
            insert(t.creditors).values(
                code="C1",
                name="Bank",
                region="CN",
                currency="CNY",
                pack="cn",
                time_zone="Asia/Shanghai",
                pack_overrides={},
                authority_policy={},
                header_mapping={},
            )
        ).inserted_primary_key[0]
        did = conn.execute(insert(t.debtors).values(creditor_id=cid, name="张三")).inserted_primary_key[0]
        case = conn.execute(insert(t.cases).values(creditor_id=cid, debtor_id=did)).inserted_primary_key[0]
        accounts = [
            conn.execute(
                insert(t.accounts).values(
                    creditor_id=cid,
                    debtor_id=did,
                    case_id=case,
                    external_ref=ref,
                    currency="CNY",
                    principal=100_000,
                    balance=balance,
                    status=status,
                )
            ).inserted_primary_key[0]
            for ref, balance, status in (("A-1", 70_000, "open"), ("A-2", 0, "paid"))
        ]
        # A-1 paid 30,000; A-2 paid off with 20,000 held over.
        for ref, account, amount, allocated in (
            ("P-1", accounts[0], 30_000, 30_000),
            ("P-2", accounts[1], 120_000, 100_000),
        ):
            pid = conn.execute(
                text(
                    "INSERT INTO payments (creditor_id, external_ref, account_id, amount, currency, paid_at,"
                    " method) VALUES (:c, :r, :a, :n, 'CNY', :at, 'bank') RETURNING id"
                ),
                {"c": cid, "r": ref, "a": account, "n": amount, "at": datetime(2026, 5, 1, tzinfo=UTC)},
            ).scalar_one()
            conn.execute(
                text("INSERT INTO payment_allocations (payment_id, account_id, amount) VALUES (:p, :a, :n)"),
                {"p": pid, "a": account, "n": allocated},
            )
    migrate.upgrade(engine)
    with UnitOfWork(engine) as uow:
        report = check_ledger(uow)
    assert report.ok, report.examples
    assert report.balances["CNY"]["receivable"] == 70_000
    assert report.balances["CNY"]["held"] == 20_000
    with engine.connect() as conn:
        placed_on = conn.execute(select(t.accounts.c.placed_on)).scalars().all()
        held = conn.execute(select(t.payments.c.held).order_by(t.payments.c.id)).scalars().all()
    assert all(isinstance(d, date) for d in placed_on)
    assert held == [0, 20_000]
