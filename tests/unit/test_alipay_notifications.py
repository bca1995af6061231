"""Alipay's asynchronous notification: verified (RSA2 with Alipay's public key, our app, in time) and read
as a payment in fen at its UTC time, or acknowledged and not posted; anything else refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from tests.support.alipay_server import (
    Keys,
    new_keys,
    notification,
    private_pem,
    public_pem,
    rsa_key,
    tampered,
)

from huikuan.channels.payments import registry
from huikuan.channels.payments.alipay import PRODUCTION_GATEWAY, AlipayProvider, fen, from_env, yuan
from huikuan.channels.payments.base import BadNotification, Ignored, Paid, ProviderError

APP_ID = "2021000000000001"
PAID_AT = datetime(2026, 11, 5, 10, 0, tzinfo=UTC)  # 18:00 in Beijing
NOW = PAID_AT + timedelta(seconds=5)


@pytest.fixture(scope="module")
def keys() -> Keys:
    return new_keys()


@pytest.fixture(scope="module")
def alipay(keys: Keys) -> AlipayProvider:
    # Verification never reaches the gateway.
    return AlipayProvider(
        APP_ID, private_pem(keys.app), public_pem(keys.alipay), "http://127.0.0.1:9/gateway.do"
    )


def paid(keys: Keys, **fields: str) -> bytes:
    values = {"out_trade_no": "HK-LINK-1", "total_amount": "1234.50", **fields}
    return notification(keys.alipay, app_id=APP_ID, paid_at=PAID_AT, **values)


def test_a_paid_notification_is_a_payment_in_fen_at_its_utc_time(alipay: AlipayProvider, keys: Keys) -> None:
    body = paid(keys, trade_no="2026110522001400000000000042", notify_id="N-42")

    assert alipay.verify({}, body, NOW) == Paid(
        event_id="N-42",
        out_trade_no="HK-LINK-1",
        provider_txn_id="2026110522001400000000000042",
        amount=123450,
        currency="CNY",
        paid_at=PAID_AT,
    )


def test_a_finished_trade_is_a_payment_too(alipay: AlipayProvider, keys: Keys) -> None:
    result = alipay.verify({}, paid(keys, trade_status="TRADE_FINISHED"), NOW)

    assert isinstance(result, Paid)
    assert result.amount == 123450


@pytest.mark.parametrize("status", ["WAIT_BUYER_PAY", "TRADE_CLOSED"])
def test_a_trade_not_paid_is_acknowledged_and_not_posted(
    alipay: AlipayProvider, keys: Keys, status: str
) -> None:
    result = alipay.verify({}, paid(keys, trade_status=status, notify_id="N-7"), NOW)

    assert result == Ignored(event_id="N-7", what=f"trade_status {status}")


def test_a_partial_refund_notified_while_the_trade_stays_successful_is_not_a_second_payment(
    alipay: AlipayProvider, keys: Keys
) -> None:
    body = paid(keys, refund_fee="100.00", gmt_refund="2026-11-06 09:00:00.123", out_biz_no="R1")

    assert alipay.verify({}, body, NOW) == Ignored(event_id="2026110500222100000000000001", what="refund")


def test_an_amount_changed_after_alipay_signed_is_refused(alipay: AlipayProvider, keys: Keys) -> None:
    body = tampered(paid(keys), total_amount="123450.00")

    with pytest.raises(BadNotification, match="signature"):
        alipay.verify({}, body, NOW)


def test_a_notification_signed_with_another_key_than_alipays_is_refused(alipay: AlipayProvider) -> None:
    forged = notification(
        rsa_key(), app_id=APP_ID, out_trade_no="HK-LINK-1", total_amount="1.00", paid_at=PAID_AT
    )

    with pytest.raises(BadNotification, match="signature"):
        alipay.verify({}, forged, NOW)


def test_a_notification_for_another_app_is_refused_though_alipay_signed_it(
    alipay: AlipayProvider, keys: Keys
) -> None:
    body = notification(
        keys.alipay, app_id="2021999999999999", out_trade_no="X", total_amount="1.00", paid_at=PAID_AT
    )

    with pytest.raises(BadNotification, match="app"):
        alipay.verify({}, body, NOW)


@pytest.mark.parametrize(
    "changes",
    [{"sign": ""}, {"sign_type": "RSA"}, {"sign": "bm90IGEgc2lnbmF0dXJl"}, {"sign": "%%% not base64"}],
)
def test_a_notification_without_a_valid_rsa2_signature_is_refused(
    alipay: AlipayProvider, keys: Keys, changes: dict[str, str]
) -> None:
    with pytest.raises(BadNotification):
        alipay.verify({}, tampered(paid(keys), **changes), NOW)


def test_a_notification_replayed_after_alipay_stopped_retrying_is_refused(
    alipay: AlipayProvider, keys: Keys
) -> None:
    body = paid(keys)

    assert isinstance(alipay.verify({}, body, PAID_AT + timedelta(hours=25)), Paid)
    with pytest.raises(BadNotification, match="out of time"):
        alipay.verify({}, body, PAID_AT + timedelta(days=3))


@pytest.mark.parametrize("body", [b"", b"\xff\xfe", b"not a form", b'{"trade_status": "TRADE_SUCCESS"}'])
def test_a_body_that_is_not_alipays_form_is_refused(alipay: AlipayProvider, body: bytes) -> None:
    with pytest.raises(BadNotification):
        alipay.verify({}, body, NOW)


def test_a_signed_notification_missing_what_a_payment_needs_is_refused(
    alipay: AlipayProvider, keys: Keys
) -> None:
    with pytest.raises(BadNotification, match="gmt_payment"):
        alipay.verify({}, paid(keys, gmt_payment=""), NOW)


def test_amounts_are_read_as_decimals_never_floats() -> None:
    assert fen("0.29") == 29  # int(0.29 * 100) would be 28
    assert fen("1234.5") == 123450
    assert fen("100") == 10000
    for bad in ("1.234", "-1.00", "1e3", "NaN", " 1.00", "1,00", "１.00"):
        with pytest.raises(BadNotification):
            fen(bad)


def test_amounts_are_sent_in_yuan_with_two_decimals() -> None:
    assert [yuan(1), yuan(100), yuan(123450), yuan(10_000_000_000)] == [
        "0.01",
        "1.00",
        "1234.50",
        "100000000.00",
    ]


def test_alipay_stops_retrying_on_success_and_retries_on_failure(alipay: AlipayProvider) -> None:
    assert (alipay.answer(True).status, alipay.answer(True).body) == (200, b"success")
    assert alipay.answer(False).body == b"failure"
    assert alipay.answer(True).content_type == "text/plain"


def test_alipay_is_not_offered_until_its_app_and_both_keys_are_set(keys: Keys, tmp_path: Path) -> None:
    settings = {"HUIKUAN_ALIPAY_APP_ID": APP_ID, **keys.write(tmp_path)}

    assert from_env({}) is None
    for left_out in settings:
        assert from_env({k: v for k, v in settings.items() if k != left_out}) is None
    assert "alipay" not in registry.configured({})
    offered = registry.configured(settings)["alipay"]
    assert (offered.name, offered.currencies, offered.service_provider_mode) == ("alipay", {"CNY"}, True)


def test_alipay_is_reached_at_its_production_gateway_unless_another_is_set(
    keys: Keys, tmp_path: Path
) -> None:
    settings = {"HUIKUAN_ALIPAY_APP_ID": APP_ID, **keys.write(tmp_path)}

    assert from_env(settings)._client._gateway == PRODUCTION_GATEWAY  # type: ignore[union-attr]
    local = from_env({**settings, "HUIKUAN_ALIPAY_GATEWAY": "http://127.0.0.1:1/gateway.do"})
    assert local._client._gateway == "http://127.0.0.1:1/gateway.do"  # type: ignore[union-attr]


def test_a_key_file_that_cannot_be_read_stops_the_start_with_its_setting_named(
    keys: Keys, tmp_path: Path
) -> None:
    settings = {"HUIKUAN_ALIPAY_APP_ID": APP_ID, **keys.write(tmp_path)}
    (tmp_path / "garbage.pem").write_text("not a key")

    with pytest.raises(ProviderError, match="HUIKUAN_ALIPAY_PUBLIC_KEY_FILE"):
        from_env({**settings, "HUIKUAN_ALIPAY_PUBLIC_KEY_FILE": str(tmp_path / "missing.pem")})
    with pytest.raises(ProviderError, match="keys"):
        from_env({**settings, "HUIKUAN_ALIPAY_PRIVATE_KEY_FILE": str(tmp_path / "garbage.pem")})
