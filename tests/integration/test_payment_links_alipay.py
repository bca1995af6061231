"""A worked example with a real adapter: a BANK debtor who promised 3,000.00 pays the Alipay QR code a
collector made on the case page's API. The order goes to the (local) Alipay gateway with BANK's own
app_auth_token (the money lands in BANK's merchant, not the agency's); Alipay's RSA2-signed notification
to /api/v1/payments/notify/alipay posts the payment, keeps the promise and balances the ledger."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select
from tests.support.alipay_server import Gateway, Keys, alipay_gateway, new_keys, notification
from tests.support.floor import Floor
from tests.support.messaging import use_settings
from tests.support.web import Browser, login_client

from huikuan.services.ledger import check_ledger
from huikuan.services.payment_merchants import set_merchant
from huikuan.storage import tables as t
from huikuan.web.app import create_app

APP_ID = "2021000000000001"
BANK_TOKEN = "202611BB0000000000000000000000000X07"


@pytest.fixture
def keys() -> Keys:
    return new_keys()


@pytest.fixture
def gateway(keys: Keys) -> Gateway:
    return Gateway(app_id=APP_ID, keys=keys, tokens={BANK_TOKEN})


@pytest.fixture
def alipay(
    floor: Floor, keys: Keys, gateway: Gateway, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Gateway]:
    with alipay_gateway(gateway) as url:
        for name, value in {
            **keys.write(tmp_path),
            "HUIKUAN_ALIPAY_APP_ID": APP_ID,
            "HUIKUAN_ALIPAY_GATEWAY": url,
        }.items():
            monkeypatch.setenv(name, value)
        use_settings(monkeypatch, public_url="https://collect.example.cn")
        set_merchant(floor.uow, None, "BANK", "alipay", {"app_auth_token": BANK_TOKEN})
        yield gateway


def test_a_promise_paid_by_alipay_qr_code_is_kept_and_in_the_ledger(
    floor: Floor, alipay: Gateway, keys: Keys, db_env: str
) -> None:
    case = floor.cases[0]
    now = datetime.now(UTC)
    floor.uow.session.execute(
        insert(t.promises).values(
            case_id=case.id,
            amount=300_000,
            currency="CNY",
            due_date=now.date() + timedelta(days=3),
            created_at=now - timedelta(hours=1),
            status="pending",
        )
    )
    floor.uow.commit()
    app = create_app(db_env)
    alice = login_client(app, "alice")
    offered = alice.get(f"/api/v1/cases/{case.id}/payment-links").json()["offered"]
    assert "alipay" in offered
    made = alice.post(
        f"/api/v1/cases/{case.id}/payment-links", json={"provider": "alipay", "amount": "3000.00"}
    )
    assert made.status_code == 201, made.text
    link = made.json()
    (order,) = alipay.requests
    assert order["app_auth_token"] == BANK_TOKEN  # into BANK's own merchant
    assert order["notify_url"] == "https://collect.example.cn/api/v1/payments/notify/alipay"

    body = notification(
        keys.alipay,
        app_id=APP_ID,
        out_trade_no=link["out_trade_no"],
        total_amount="3000.00",
        paid_at=datetime.now(UTC),
    )
    form = {"content-type": "application/x-www-form-urlencoded; charset=utf-8"}
    answer = Browser(app).post("/api/v1/payments/notify/alipay", content=body, headers=form)
    assert (answer.status_code, answer.text) == (200, "success")
    again = Browser(app).post("/api/v1/payments/notify/alipay", content=body, headers=form)
    assert (again.status_code, again.text) == (200, "success")

    payment = floor.uow.session.execute(select(t.payments)).one()
    assert (payment.amount, payment.method, payment.provider, payment.route) == (
        300_000,
        "alipay",
        "alipay",
        "creditor",
    )
    assert payment.external_ref == "alipay:2026110522001400000000000001"
    assert floor.uow.session.execute(select(t.promises.c.status)).scalar_one() == "kept"
    assert floor.uow.session.execute(select(func.count()).select_from(t.payments)).scalar_one() == 1
    listed = alice.get(f"/api/v1/cases/{case.id}/payment-links").json()["links"]
    assert [(x["status"], x["payment_id"]) for x in listed] == [("paid", payment.id)]
    assert check_ledger(floor.uow).ok
