"""WeChat Pay (API v3) against a local WeChat Pay on loopback (tests/support/wechatpay_server.py): a Native
QR-code order into the agency's merchant or a creditor's sub-merchant, and notifications accepted only when
signed, fresh and decryptable. No database: the adapter is a pure channel."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from tests.support.server import free_port
from tests.support.wechatpay_server import (
    Merchant,
    Platform,
    WeChatPayServer,
    new_key,
    notification,
    paid_resource,
    pem_private,
    pem_public,
    running,
)

from huikuan.channels.payments import registry
from huikuan.channels.payments.base import BadNotification, Ignored, LinkRequest, Paid, ProviderError
from huikuan.channels.payments.wechatpay import WeChatPayProvider, from_env
from huikuan.errors import InvalidInput

NOW = datetime(2026, 12, 6, 7, 31, tzinfo=UTC)
STAMP = int(NOW.timestamp())
CREDITOR_SUB_MCHID = "1900000110"


@pytest.fixture(scope="module")
def merchant() -> Merchant:
    return Merchant()


@pytest.fixture(scope="module")
def platform() -> Platform:
    return Platform()


def settings(
    merchant: Merchant, tmp_path: Path, gateway: str, public_key: str | None = None
) -> dict[str, str]:
    """The HUIKUAN_WECHATPAY_* variables of a deployment; with `public_key` (PEM), the WeChat Pay public
    key replaces the platform certificates."""
    key_file = tmp_path / "apiclient_key.pem"
    key_file.write_text(pem_private(merchant.key))
    env = {
        "HUIKUAN_WECHATPAY_MCHID": merchant.mchid,
        "HUIKUAN_WECHATPAY_APPID": merchant.appid,
        "HUIKUAN_WECHATPAY_PRIVATE_KEY_FILE": str(key_file),
        "HUIKUAN_WECHATPAY_CERT_SERIAL_NO": merchant.serial_no,
        "HUIKUAN_WECHATPAY_APIV3_KEY": merchant.apiv3_key,
        "HUIKUAN_WECHATPAY_GATEWAY": gateway,
    }
    if public_key is not None:
        public_file = tmp_path / "pub_key.pem"
        public_file.write_text(public_key)
        env["HUIKUAN_WECHATPAY_PUBLIC_KEY_FILE"] = str(public_file)
        env["HUIKUAN_WECHATPAY_PUBLIC_KEY_ID"] = Platform.public_key_id
    return env


@pytest.fixture(params=["certificate", "public_key"])
def wechat(
    request: pytest.FixtureRequest, merchant: Merchant, platform: Platform, tmp_path: Path
) -> Iterator[tuple[WeChatPayServer, WeChatPayProvider]]:
    """The local WeChat Pay and the adapter configured for it, trusting either the platform certificate
    (downloaded from /v3/certificates) or the WeChat Pay public key."""
    with running(merchant, platform, signs_as=request.param) as server:
        public_key = pem_public(platform.key) if request.param == "public_key" else None
        provider = from_env(settings(merchant, tmp_path, server.url, public_key))
        assert provider is not None
        yield server, provider


def link_request(**changes: object) -> LinkRequest:
    values: dict[str, object] = {
        "out_trade_no": "HK20261206000017",
        "amount": 12345,
        "currency": "CNY",
        "subject": "Account 1234 — Huikuan Demo Services",
        "expires_at": datetime(2026, 12, 6, 18, 0, tzinfo=UTC),
        "notify_url": "https://huikuan.example/pay/notify/wechatpay",
        "return_url": "https://huikuan.example/pay/done",
    }
    values.update(changes)
    return LinkRequest(**values)  # type: ignore[arg-type]


# --- the link --------------------------------------------------------------------------------------------


def test_without_a_sub_merchant_the_link_is_a_native_order_of_the_agencys_own_merchant(
    wechat: tuple[WeChatPayServer, WeChatPayProvider], merchant: Merchant
) -> None:
    server, provider = wechat
    link = provider.create_link(link_request())
    assert link.url.startswith("weixin://wxpay/bizpayurl?pr=")
    ((path, order),) = server.orders
    assert path == "/v3/pay/transactions/native"
    assert order == {
        "notify_url": "https://huikuan.example/pay/notify/wechatpay",
        "description": "Account 1234 — Huikuan Demo Services",
        "out_trade_no": "HK20261206000017",
        "amount": {"total": 12345, "currency": "CNY"},
        "time_expire": "2026-12-07T02:00:00+08:00",
        "appid": merchant.appid,
        "mchid": merchant.mchid,
    }


def test_the_platform_certificate_comes_from_the_configured_gateway_once(
    merchant: Merchant, platform: Platform, tmp_path: Path
) -> None:
    with running(merchant, platform) as server:
        provider = from_env(settings(merchant, tmp_path, server.url))
        assert provider is not None
        provider.create_link(link_request())
        provider.create_link(link_request(out_trade_no="HK20261206000018"))
        assert server.certificate_downloads == 1


def test_platform_certificates_kept_in_the_cert_dir_are_not_downloaded_again(
    merchant: Merchant, platform: Platform, tmp_path: Path
) -> None:
    env = settings(merchant, tmp_path, "") | {"HUIKUAN_WECHATPAY_CERT_DIR": str(tmp_path / "certs")}
    with running(merchant, platform) as server:
        for out_trade_no in ("HK20261206000017", "HK20261206000018"):
            provider = from_env(env | {"HUIKUAN_WECHATPAY_GATEWAY": server.url})
            assert provider is not None
            provider.create_link(link_request(out_trade_no=out_trade_no))
        assert server.certificate_downloads == 1
    assert [p.name for p in (tmp_path / "certs").iterdir()] == [f"{platform.serial_no}.pem"]


def test_with_the_creditors_sub_merchant_the_money_goes_to_it_through_the_partner_endpoint(
    wechat: tuple[WeChatPayServer, WeChatPayProvider], merchant: Merchant
) -> None:
    server, provider = wechat
    provider.create_link(link_request(merchant={"sub_mchid": CREDITOR_SUB_MCHID}))
    ((path, order),) = server.orders
    assert path == "/v3/pay/partner/transactions/native"
    assert (order["sp_mchid"], order["sp_appid"], order["sub_mchid"]) == (
        merchant.mchid,
        merchant.appid,
        CREDITOR_SUB_MCHID,
    )
    assert "mchid" not in order and order["amount"] == {"total": 12345, "currency": "CNY"}


def test_a_refused_order_is_a_provider_error_with_wechat_pays_code_and_message(
    wechat: tuple[WeChatPayServer, WeChatPayProvider],
) -> None:
    server, provider = wechat
    server.refuse = (403, "NOAUTH", "商户无此接口权限")
    with pytest.raises(ProviderError, match="NOAUTH 商户无此接口权限"):
        provider.create_link(link_request())
    server.refuse = None
    with pytest.raises(ProviderError, match="PARAM_ERROR amount.total must be a positive number"):
        provider.create_link(link_request(amount=0))
    assert server.orders == []


def test_a_currency_other_than_the_yuan_is_refused_before_asking(
    wechat: tuple[WeChatPayServer, WeChatPayProvider],
) -> None:
    server, provider = wechat
    with pytest.raises(ProviderError, match="CNY, not USD"):
        provider.create_link(link_request(currency="USD"))
    assert server.orders == []


def test_an_answer_not_signed_by_wechat_pay_is_refused(
    merchant: Merchant, platform: Platform, tmp_path: Path
) -> None:
    with running(merchant, platform, signs_as="public_key") as server:
        provider = from_env(settings(merchant, tmp_path, server.url, pem_public(new_key())))
        assert provider is not None
        with pytest.raises(ProviderError, match="failed to verify the signature"):
            provider.create_link(link_request())


def test_an_unreachable_wechat_pay_is_a_provider_error(
    merchant: Merchant, platform: Platform, tmp_path: Path
) -> None:
    gateway = f"http://127.0.0.1:{free_port()}"
    provider = from_env(settings(merchant, tmp_path, gateway, pem_public(platform.key)))
    assert provider is not None
    with pytest.raises(ProviderError, match="could not be reached"):
        provider.create_link(link_request())


# --- the notification ------------------------------------------------------------------------------------


def test_a_signed_fresh_decryptable_payment_notification_is_paid(
    wechat: tuple[WeChatPayServer, WeChatPayProvider], merchant: Merchant
) -> None:
    server, provider = wechat
    resource = paid_resource(merchant, "HK20261206000017", 12345, transaction_id="4200000000202612060001")
    headers, body = notification(server, resource, timestamp=STAMP - 60)
    assert provider.verify(headers, body, NOW) == Paid(
        event_id="EV-2018-06-08-0001",
        out_trade_no="HK20261206000017",
        provider_txn_id="4200000000202612060001",
        amount=12345,
        currency="CNY",
        paid_at=datetime(2026, 12, 6, 7, 30, tzinfo=UTC),
    )


def test_a_partner_notification_for_the_creditors_sub_merchant_is_paid_at_the_full_amount(
    wechat: tuple[WeChatPayServer, WeChatPayProvider], merchant: Merchant
) -> None:
    server, provider = wechat
    resource = paid_resource(merchant, "HK20261206000017", 12345)
    del resource["mchid"], resource["appid"]
    resource |= {"sp_mchid": merchant.mchid, "sp_appid": merchant.appid, "sub_mchid": CREDITOR_SUB_MCHID}
    # A WeChat coupon paid 5 yuan: the debt is still paid by the order's total.
    resource["amount"]["payer_total"] = 11845
    headers, body = notification(server, resource, timestamp=STAMP)
    lowercase = {name.lower(): value for name, value in headers.items()}  # as some web servers give them
    paid = provider.verify(lowercase, body, NOW)
    assert isinstance(paid, Paid) and paid.amount == 12345


@pytest.mark.parametrize("age", [timedelta(minutes=5, seconds=1), -timedelta(minutes=5, seconds=1)])
def test_a_notification_signed_more_than_five_minutes_from_now_is_refused_as_a_replay(
    wechat: tuple[WeChatPayServer, WeChatPayProvider], merchant: Merchant, age: timedelta
) -> None:
    server, provider = wechat
    headers, body = notification(
        server, paid_resource(merchant, "HK1", 100), timestamp=int((NOW - age).timestamp())
    )
    with pytest.raises(BadNotification, match="five-minute window"):
        provider.verify(headers, body, NOW)


def test_a_notification_signed_by_another_key_is_refused(
    wechat: tuple[WeChatPayServer, WeChatPayProvider], merchant: Merchant
) -> None:
    server, provider = wechat
    headers, body = notification(
        server, paid_resource(merchant, "HK1", 100), timestamp=STAMP, signed_by=new_key()
    )
    with pytest.raises(BadNotification, match="does not verify"):
        provider.verify(headers, body, NOW)


def test_a_notification_changed_after_signing_is_refused(
    wechat: tuple[WeChatPayServer, WeChatPayProvider], merchant: Merchant
) -> None:
    server, provider = wechat
    headers, body = notification(server, paid_resource(merchant, "HK1", 100), timestamp=STAMP, tamper="body")
    with pytest.raises(BadNotification, match="does not verify"):
        provider.verify(headers, body, NOW)


@pytest.mark.parametrize("variant", ["another APIv3 key", "tampered ciphertext"])
def test_a_signed_notification_whose_resource_does_not_decrypt_is_refused(
    wechat: tuple[WeChatPayServer, WeChatPayProvider], merchant: Merchant, variant: str
) -> None:
    server, provider = wechat
    resource = paid_resource(merchant, "HK1", 100)
    if variant == "another APIv3 key":
        headers, body = notification(server, resource, timestamp=STAMP, apiv3_key="0" * 32)
    else:
        headers, body = notification(server, resource, timestamp=STAMP, tamper="ciphertext")
    with pytest.raises(BadNotification, match="encrypted resource does not verify"):
        provider.verify(headers, body, NOW)


def test_a_notification_without_wechat_pays_headers_is_refused(
    wechat: tuple[WeChatPayServer, WeChatPayProvider], merchant: Merchant
) -> None:
    server, provider = wechat
    headers, body = notification(server, paid_resource(merchant, "HK1", 100), timestamp=STAMP)
    with pytest.raises(BadNotification):
        provider.verify({"Wechatpay-Timestamp": headers["Wechatpay-Timestamp"]}, body, NOW)


def test_a_payment_to_another_merchant_is_refused(
    wechat: tuple[WeChatPayServer, WeChatPayProvider], merchant: Merchant
) -> None:
    server, provider = wechat
    resource = paid_resource(merchant, "HK1", 100, mchid="1900009999")
    headers, body = notification(server, resource, timestamp=STAMP)
    with pytest.raises(BadNotification, match="another merchant"):
        provider.verify(headers, body, NOW)


def test_a_verified_notification_that_is_not_a_payment_is_ignored(
    wechat: tuple[WeChatPayServer, WeChatPayProvider], merchant: Merchant
) -> None:
    server, provider = wechat
    refund = {"mchid": merchant.mchid, "out_trade_no": "HK1", "refund_status": "SUCCESS"}
    headers, body = notification(
        server, refund, timestamp=STAMP, event_type="REFUND.SUCCESS", notification_id="EV-9"
    )
    assert provider.verify(headers, body, NOW) == Ignored(event_id="EV-9", what="REFUND.SUCCESS")


def test_wechat_pay_is_answered_200_with_no_body_or_500_with_a_fail_code(
    wechat: tuple[WeChatPayServer, WeChatPayProvider],
) -> None:
    _server, provider = wechat
    accepted, refused = provider.answer(True), provider.answer(False)
    assert (accepted.status, accepted.body) == (200, b"")
    assert refused.status == 500 and json.loads(refused.body) == {"code": "FAIL", "message": "not accepted"}


# --- the settings ----------------------------------------------------------------------------------------


def test_wechat_pay_is_offered_only_when_configured(merchant: Merchant, tmp_path: Path) -> None:
    env = settings(merchant, tmp_path, "http://127.0.0.1:9")
    assert "wechatpay" in registry.configured(env)
    assert from_env({}) is None
    for name in [n for n in env if n != "HUIKUAN_WECHATPAY_GATEWAY"]:
        assert from_env({k: v for k, v in env.items() if k != name}) is None, name
        assert "wechatpay" not in registry.configured({k: v for k, v in env.items() if k != name})


def test_a_half_configured_public_key_or_a_short_apiv3_key_is_a_settings_error(
    merchant: Merchant, platform: Platform, tmp_path: Path
) -> None:
    env = settings(merchant, tmp_path, "http://127.0.0.1:9", pem_public(platform.key))
    del env["HUIKUAN_WECHATPAY_PUBLIC_KEY_ID"]
    with pytest.raises(InvalidInput, match="go together"):
        from_env(env)
    with pytest.raises(InvalidInput, match="32 characters"):
        from_env(
            settings(merchant, tmp_path, "http://127.0.0.1:9") | {"HUIKUAN_WECHATPAY_APIV3_KEY": "short"}
        )
