"""Payments the creditor reports (the payments import) are direct payments: allocated by part in the
creditor's order, earning commission where its terms say so, journalled with it."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select, update
from tests.support.factories import cli, cli_json, placement

from huikuan.services.ledger import check_ledger
from huikuan.storage import tables as t
from huikuan.storage.uow import UnitOfWork

PAYMENTS_HEADER = "还款流水号,合同号,还款金额,还款日期,还款方式"


@pytest.fixture
def placed(engine: Engine, db_env: str, tmp_path: Path) -> str:
    """HT-001 owes 10,620.00: 120.00 fees, 500.00 interest, 10,000.00 principal; placed on 1 March (a
    payment made before the agency had the account earns nothing)."""
    assert cli("creditor", "add", "BANK", "--name", "某银行", "--region", "CN").exit_code == 0
    code, _ = cli_json("import", "accounts", str(placement(tmp_path / "p.csv")), "--creditor", "BANK")
    assert code == 0
    with engine.begin() as conn:
        conn.execute(update(t.accounts).values(placed_on=date(2026, 3, 1)))
    return "BANK"


def _terms(tmp_path: Path, **raw: Any) -> None:
    path = tmp_path / f"terms-{raw['starts_on']}.json"
    path.write_text(json.dumps(raw), encoding="utf-8")
    assert cli("terms", "set", "BANK", "--file", str(path)).exit_code == 0


def _import(tmp_path: Path, rows: list[str]) -> None:
    path = tmp_path / "pay.csv"
    path.write_text("\n".join([PAYMENTS_HEADER, *rows]) + "\n", encoding="utf-8")
    code, report = cli_json("import", "payments", str(path), "--creditor", "BANK")
    assert code == 0, report


def _allocations(engine: Engine) -> list[tuple[str, int, int, int, int]]:
    p, pa = t.payments.c, t.payment_allocations.c
    with engine.connect() as conn:
        rows = conn.execute(
            select(p.external_ref, pa.fees, pa.interest, pa.principal, pa.commission)
            .join(t.payments, p.id == pa.payment_id)
            .order_by(p.external_ref)
        ).all()
    return [tuple(r) for r in rows]


def _ledger_ok(engine: Engine) -> dict[str, int]:
    with UnitOfWork(engine) as uow:
        report = check_ledger(uow)
    assert report.ok, report.examples
    return report.balances["CNY"]


def test_imported_payments_pay_each_part_in_the_creditors_order_and_earn_their_commission(
    engine: Engine, placed: str, tmp_path: Path
) -> None:
    _terms(
        tmp_path,
        starts_on="2026-01-01",
        order=["interest", "fees", "principal"],
        tiers=[{"rate_bp": 1000, "source": "direct"}, {"rate_bp": 3000}],
        cap_per_account=8_000,
    )
    _import(tmp_path, ["P-1,HT-001,300.00,2026-05-01,", "P-2,HT-001,1000.00,2026-05-02,"])
    # Interest (500.00) first, then fees (120.00), then principal; 10% of each, the account capped at 80.00.
    assert _allocations(engine) == [
        ("P-1", 0, 30_000, 0, 3_000),
        ("P-2", 12_000, 20_000, 68_000, 5_000),
    ]
    with engine.connect() as conn:
        commissions = conn.execute(select(t.payments.c.commission).order_by(t.payments.c.id)).scalars().all()
    assert commissions == [3_000, 5_000]
    books = _ledger_ok(engine)
    assert books["commission_due"] == books["income"] == 8_000


def test_direct_payments_earn_nothing_when_the_terms_say_so(
    engine: Engine, placed: str, tmp_path: Path
) -> None:
    _terms(tmp_path, starts_on="2026-01-01", tiers=[{"rate_bp": 2000}], direct_commission=False)
    _import(tmp_path, ["P-1,HT-002,100.00,2026-05-01,"])
    assert _allocations(engine) == [("P-1", 0, 0, 10_000, 0)]
    assert _ledger_ok(engine)["income"] == 0


def test_without_terms_a_payment_pays_fees_then_interest_then_principal_and_earns_nothing(
    engine: Engine, placed: str, tmp_path: Path
) -> None:
    _import(tmp_path, ["P-1,HT-001,700.00,2026-05-01,"])
    assert _allocations(engine) == [("P-1", 12_000, 50_000, 8_000, 0)]
    _ledger_ok(engine)


def test_each_payment_of_a_file_spanning_two_versions_follows_its_own_days_terms(
    engine: Engine, placed: str, tmp_path: Path
) -> None:
    _terms(tmp_path, starts_on="2026-01-01", tiers=[{"rate_bp": 1000}])
    _terms(
        tmp_path, starts_on="2026-05-02", order=["principal", "interest", "fees"], tiers=[{"rate_bp": 2000}]
    )
    _import(tmp_path, ["P-1,HT-001,100.00,2026-05-01,", "P-2,HT-001,100.00,2026-05-02,"])
    assert _allocations(engine) == [("P-1", 10_000, 0, 0, 1_000), ("P-2", 0, 0, 10_000, 2_000)]
    _ledger_ok(engine)


def test_a_later_file_pays_what_earlier_payments_left_of_each_part(
    engine: Engine, placed: str, tmp_path: Path
) -> None:
    _import(tmp_path, ["P-1,HT-001,100.00,2026-05-01,"])
    _import(tmp_path, ["P-2,HT-001,100.00,2026-05-02,"])
    assert _allocations(engine) == [("P-1", 10_000, 0, 0, 0), ("P-2", 2_000, 8_000, 0, 0)]
    _ledger_ok(engine)


def test_a_payment_made_before_the_account_was_placed_earns_nothing(
    engine: Engine, placed: str, tmp_path: Path
) -> None:
    _terms(tmp_path, starts_on="2026-01-01", tiers=[{"rate_bp": 1000}])
    _import(tmp_path, ["P-1,HT-002,100.00,2026-02-27,", "P-2,HT-002,100.00,2026-03-01,"])
    assert [r[4] for r in _allocations(engine)] == [0, 1_000]
