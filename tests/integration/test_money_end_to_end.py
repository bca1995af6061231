"""The money, end to end (issue 14's "done when"): a BANK debtor who promised 3,000.00 pays the Alipay QR
code a collector made. The payment posted from Alipay's signed notification keeps the promise, shows on
the case with its commission, is in the ledger and in that month's statement; a chargeback reverses it
everywhere and falls into the next month's statement; the statements' totals are the ledger's balances."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import insert, select
from tests.support.alipay_server import Gateway, Keys, alipay_gateway, new_keys, notification
from tests.support.floor import Floor
from tests.support.messaging import use_settings
from tests.support.money import terms
from tests.support.web import Browser, login_client

from huikuan.services.ledger import check_ledger
from huikuan.services.payment_merchants import set_merchant
from huikuan.services.statements import run_statement
from huikuan.storage import tables as t
from huikuan.web.app import create_app

APP_ID = "2021000000000001"
BANK_TOKEN = "202611BB0000000000000000000000000X07"
BEIJING = ZoneInfo("Asia/Shanghai")
FORM = {"content-type": "application/x-www-form-urlencoded; charset=utf-8"}


def _month_after(moment: datetime, months: int = 1) -> tuple[str, datetime]:
    """The Beijing month `months` after the moment's, and an instant two days into the month after it
    (when that month is over and its statement can be issued)."""
    local = moment.astimezone(BEIJING)
    index = local.year * 12 + local.month - 1 + months
    year, month = divmod(index, 12)
    over = datetime(year + (month + 1) // 12, (month + 1) % 12 + 1, 2, 12, tzinfo=BEIJING)
    return f"{year:04d}-{month + 1:02d}", over.astimezone(UTC)


@pytest.fixture
def keys() -> Keys:
    return new_keys()


@pytest.fixture
def alipay(floor: Floor, keys: Keys, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Gateway]:
    gateway = Gateway(app_id=APP_ID, keys=keys, tokens={BANK_TOKEN})
    with alipay_gateway(gateway) as url:
        for name, value in {
            **keys.write(tmp_path),
            "HUIKUAN_ALIPAY_APP_ID": APP_ID,
            "HUIKUAN_ALIPAY_GATEWAY": url,
        }.items():
            monkeypatch.setenv(name, value)
        use_settings(
            monkeypatch, public_url="https://collect.example.cn", documents_dir=str(tmp_path / "documents")
        )
        set_merchant(floor.uow, None, "BANK", "alipay", {"app_auth_token": BANK_TOKEN})
        yield gateway


def test_a_provider_payment_is_kept_posted_stated_and_undone_everywhere(
    floor: Floor, alipay: Gateway, keys: Keys, db_env: str, tmp_path: Path
) -> None:
    uow, case = floor.uow, floor.cases[0]
    bank = uow.session.execute(select(t.creditors.c.id).where(t.creditors.c.code == "BANK")).scalar_one()
    terms(uow, bank, route="creditor", remittance="gross", rate_bp=2000)  # 20%, into BANK's own merchant
    now = datetime.now(UTC)
    uow.session.execute(
        insert(t.promises).values(
            case_id=case.id,
            amount=300_000,
            currency="CNY",
            due_date=now.date() + timedelta(days=3),
            created_at=now - timedelta(hours=1),
            status="pending",
        )
    )
    uow.commit()
    app = create_app(db_env)
    alice, sue = login_client(app, "alice"), login_client(app, "sue")

    # The collector makes the QR code; the debtor pays it; Alipay notifies (twice: once counts).
    link = alice.post(
        f"/api/v1/cases/{case.id}/payment-links", json={"provider": "alipay", "amount": "3000.00"}
    ).json()
    body = notification(
        keys.alipay, app_id=APP_ID, out_trade_no=link["out_trade_no"], total_amount="3000.00", paid_at=now
    )
    for _ in range(2):
        answer = Browser(app).post("/api/v1/payments/notify/alipay", content=body, headers=FORM)
        assert (answer.status_code, answer.text) == (200, "success")

    # On the case: posted into BANK's own account, its commission computed; the promise kept.
    (listed,) = alice.get(f"/api/v1/cases/{case.id}/payments").json()
    assert (listed["amount"], listed["route"], listed["commission"], listed["status"]) == (
        "3000.00",
        "creditor",
        "600.00",
        "posted",
    )
    assert uow.session.execute(select(t.promises.c.status)).scalar_one() == "kept"
    ledger = check_ledger(uow)
    assert ledger.ok
    assert (ledger.balances["CNY"]["commission_due"], ledger.balances["CNY"]["income"]) == (60_000, 60_000)

    # That month's statement: collected into BANK's account, the commission invoiced; it is the ledger's.
    month, over = _month_after(now, 0)
    first = run_statement(uow, None, bank, month, tmp_path / "first", over)
    got = first.totals["CNY"]
    assert (got["collected_creditor"], got["commission_creditor"], got["invoice"]) == (
        300_000,
        60_000,
        60_000,
    )
    assert got["invoice"] == check_ledger(uow).balances["CNY"]["commission_due"]

    # A chargeback, by a supervisor: reversed everywhere.
    undone = sue.post(
        f"/api/v1/payments/{listed['id']}/reverse",
        json={"kind": "chargeback", "reason": "Alipay: buyer's complaint upheld"},
    )
    assert undone.status_code == 200, undone.text
    uow.rollback()  # read what the web app wrote, not this session's earlier snapshot
    (listed,) = alice.get(f"/api/v1/cases/{case.id}/payments").json()
    assert listed["status"] == "reversed"
    assert uow.session.execute(select(t.promises.c.status)).scalar_one() == "broken"
    balances = uow.session.execute(
        select(t.accounts.c.balance).where(t.accounts.c.case_id == case.id).order_by(t.accounts.c.id)
    ).scalars()
    assert list(balances) == [600_000, 600_000]
    ledger = check_ledger(uow)
    assert ledger.ok
    assert (ledger.balances["CNY"]["commission_due"], ledger.balances["CNY"]["income"]) == (0, 0)

    # The issued month stays as it was; the reversal is on the next month's statement.
    again = run_statement(uow, None, bank, month, tmp_path / "again", over)
    assert again.totals == first.totals
    next_month, next_over = _month_after(now, 1)
    second = run_statement(uow, None, bank, next_month, tmp_path / "second", next_over)
    got = second.totals["CNY"]
    assert (got["reversed_creditor"], got["commission_creditor"], got["invoice"]) == (
        300_000,
        -60_000,
        -60_000,
    )
    assert (
        first.totals["CNY"]["invoice"] + got["invoice"] == check_ledger(uow).balances["CNY"]["commission_due"]
    )
