"""An Alipay QR code is ordered from the (local) gateway: signed RSA2 with the app's key, the amount in
yuan, the creditor's app_auth_token in service-provider mode, and Alipay's signed answer verified; a
refusal is a ProviderError that names Alipay's code. Then the payment comes back as a notification."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from tests.support.alipay_server import (
    Gateway,
    Keys,
    alipay_gateway,
    new_keys,
    notification,
    private_pem,
    public_pem,
    rsa_key,
)
from tests.support.server import free_port

from huikuan.channels.payments.alipay import AlipayProvider
from huikuan.channels.payments.base import LinkRequest, Paid, ProviderError

APP_ID = "2021000000000001"
CREDITOR_TOKEN = "202611BB0000000000000000000000000X07"
EXPIRES_AT = datetime(2026, 11, 5, 16, 0, tzinfo=UTC)  # midnight in Beijing
REQUEST = LinkRequest(
    out_trade_no="HK-LINK-1",
    amount=123450,
    currency="CNY",
    subject="Account 1234 — 回款演示服务",
    expires_at=EXPIRES_AT,
    notify_url="https://collect.example.cn/payments/notify/alipay",
    return_url="https://collect.example.cn/pay/done",
)


@pytest.fixture(scope="module")
def keys() -> Keys:
    return new_keys()


@pytest.fixture
def gateway(keys: Keys) -> Gateway:
    return Gateway(app_id=APP_ID, keys=keys, tokens={CREDITOR_TOKEN})


@pytest.fixture
def url(gateway: Gateway) -> Iterator[str]:
    with alipay_gateway(gateway) as served:
        yield served


def provider(keys: Keys, url: str) -> AlipayProvider:
    return AlipayProvider(APP_ID, private_pem(keys.app), public_pem(keys.alipay), url)


def order(gateway: Gateway) -> dict[str, str]:
    (request,) = gateway.requests
    return request


def test_a_link_is_alipays_qr_code_for_the_amount_in_yuan(keys: Keys, gateway: Gateway, url: str) -> None:
    link = provider(keys, url).create_link(REQUEST)

    sent = order(gateway)
    assert (sent["method"], sent["app_id"], sent["sign_type"]) == ("alipay.trade.precreate", APP_ID, "RSA2")
    assert sent["notify_url"] == REQUEST.notify_url
    assert json.loads(sent["biz_content"]) == {
        "out_trade_no": "HK-LINK-1",
        "total_amount": "1234.50",
        "subject": "Account 1234 — 回款演示服务",
        "product_code": "FACE_TO_FACE_PAYMENT",
        "time_expire": "2026-11-06 00:00:00",
    }
    assert link.url == "https://qr.alipay.com/bax00000001"


@pytest.mark.parametrize(
    ("amount", "total_amount"), [(1, "0.01"), (100, "1.00"), (1_000_000_000, "10000000.00")]
)
def test_fen_are_sent_as_yuan_with_two_decimals(
    keys: Keys, gateway: Gateway, url: str, amount: int, total_amount: str
) -> None:
    provider(keys, url).create_link(replace(REQUEST, amount=amount))

    assert json.loads(order(gateway)["biz_content"])["total_amount"] == total_amount


def test_without_a_creditor_merchant_the_order_is_the_agencys_own(
    keys: Keys, gateway: Gateway, url: str
) -> None:
    provider(keys, url).create_link(REQUEST)

    assert "app_auth_token" not in order(gateway)


def test_in_service_provider_mode_the_order_carries_the_creditors_app_auth_token(
    keys: Keys, gateway: Gateway, url: str
) -> None:
    provider(keys, url).create_link(replace(REQUEST, merchant={"app_auth_token": CREDITOR_TOKEN}))

    assert order(gateway)["app_auth_token"] == CREDITOR_TOKEN
    assert gateway.orders["HK-LINK-1"]["app_auth_token"] == CREDITOR_TOKEN


def test_a_creditor_authorisation_alipay_does_not_know_is_refused_with_its_code(keys: Keys, url: str) -> None:
    with pytest.raises(ProviderError, match="20001 aop.invalid-app-auth-token 无效的应用授权令牌"):
        provider(keys, url).create_link(replace(REQUEST, merchant={"app_auth_token": "revoked"}))


def test_a_business_failure_is_a_provider_error_naming_code_and_sub_msg(
    keys: Keys, gateway: Gateway, url: str
) -> None:
    gateway.refuse_next("ACQ.TOTAL_FEE_EXCEED", "订单金额超过限额")

    with pytest.raises(ProviderError, match="40004 ACQ.TOTAL_FEE_EXCEED 订单金额超过限额"):
        provider(keys, url).create_link(REQUEST)


def test_a_request_signed_with_a_key_alipay_does_not_know_is_refused(keys: Keys, url: str) -> None:
    stranger = AlipayProvider(APP_ID, private_pem(rsa_key()), public_pem(keys.alipay), url)

    with pytest.raises(ProviderError, match="40002 isv.invalid-signature"):
        stranger.create_link(REQUEST)


def test_an_answer_not_signed_with_alipays_key_is_refused(keys: Keys) -> None:
    impostor = Gateway(app_id=APP_ID, keys=replace(keys, alipay=rsa_key()))

    with (
        alipay_gateway(impostor) as url,
        pytest.raises(ProviderError, match="not signed with Alipay's public key"),
    ):
        provider(keys, url).create_link(REQUEST)
    assert impostor.orders  # it answered, with a QR code that is not used


def test_an_answer_without_alipays_signature_is_refused(keys: Keys) -> None:
    unsigned = Gateway(app_id=APP_ID, keys=keys, signs=False)

    with alipay_gateway(unsigned) as url, pytest.raises(ProviderError, match="not signed"):
        provider(keys, url).create_link(REQUEST)


def test_a_refusal_quoting_the_signed_request_does_not_repeat_the_creditors_token(
    keys: Keys, url: str
) -> None:
    stranger = AlipayProvider(APP_ID, private_pem(rsa_key()), public_pem(keys.alipay), url)

    with pytest.raises(ProviderError, match="isv.invalid-signature") as refused:
        stranger.create_link(replace(REQUEST, merchant={"app_auth_token": CREDITOR_TOKEN}))
    assert "app_auth_token=[app_auth_token]" in str(refused.value)
    assert CREDITOR_TOKEN not in str(refused.value)


def test_an_unreachable_gateway_is_a_provider_error(keys: Keys) -> None:
    with pytest.raises(ProviderError, match="could not be reached"):
        provider(keys, f"http://127.0.0.1:{free_port()}/gateway.do").create_link(REQUEST)


@pytest.mark.parametrize("changes", [{"currency": "USD"}, {"amount": 0}])
def test_what_alipay_cannot_charge_is_refused_before_any_request(
    keys: Keys, gateway: Gateway, url: str, changes: dict[str, object]
) -> None:
    with pytest.raises(ProviderError):
        provider(keys, url).create_link(replace(REQUEST, **changes))  # type: ignore[arg-type]
    assert gateway.requests == []


def test_the_qr_code_paid_comes_back_as_a_verified_payment_of_the_same_amount(
    keys: Keys, gateway: Gateway, url: str
) -> None:
    alipay = provider(keys, url)
    alipay.create_link(replace(REQUEST, merchant={"app_auth_token": CREDITOR_TOKEN}))
    ordered = gateway.orders["HK-LINK-1"]
    paid_at = EXPIRES_AT - timedelta(hours=2)

    body = notification(
        keys.alipay,
        app_id=APP_ID,
        out_trade_no="HK-LINK-1",
        total_amount=ordered["total_amount"],
        paid_at=paid_at,
    )
    result = alipay.verify(
        {"content-type": "application/x-www-form-urlencoded"}, body, paid_at + timedelta(seconds=3)
    )

    assert isinstance(result, Paid)
    assert (result.out_trade_no, result.amount, result.currency, result.paid_at) == (
        "HK-LINK-1",
        123450,
        "CNY",
        paid_at,
    )
