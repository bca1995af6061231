"""Stripe, against a local Stripe on loopback: a payment link is a Checkout Session for the exact amount,
paid into the agency's account, and only a webhook Stripe signed within the last five minutes posts a
payment."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI, Request, Response
from tests.support.server import running
from tests.support.stripe_server import (
    StripeServer,
    deliver,
    event,
    new_secret_key,
    new_webhook_secret,
    signature_header,
    stripe_server,
)

from huikuan.channels.payments import registry
from huikuan.channels.payments.base import BadNotification, Ignored, LinkRequest, Paid, ProviderError
from huikuan.channels.payments.stripe_checkout import (
    StripeCheckout,
    from_env,
    session_expiry,
)
from huikuan.domain.money import exponent

NOW = datetime(2026, 12, 6, 8, 0, tzinfo=UTC)
# docs.stripe.com/currencies#zero-decimal
STRIPE_ZERO_DECIMAL = {"BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "UGX", "VND",
                       "VUV", "XAF", "XOF", "XPF"}  # fmt: skip

WEBHOOK_SECRET = new_webhook_secret()


@pytest.fixture
def secret_key() -> str:
    return new_secret_key()


@pytest.fixture
def server(secret_key: str) -> Iterator[StripeServer]:
    with stripe_server(secret_key) as local:
        yield local


@pytest.fixture
def stripe(server: StripeServer, secret_key: str) -> StripeCheckout:
    provider = from_env(
        {
            "HUIKUAN_STRIPE_SECRET_KEY": secret_key,
            "HUIKUAN_STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "HUIKUAN_STRIPE_API_BASE": server.url,
        }
    )
    assert provider is not None
    return provider


def _request(out_trade_no: str = "PL-1", amount: int = 12345, currency: str = "USD") -> LinkRequest:
    return LinkRequest(
        out_trade_no=out_trade_no,
        amount=amount,
        currency=currency,
        subject="Account 1234 — Huikuan Demo Services",
        expires_at=datetime.now(UTC) + timedelta(hours=2),
        notify_url="https://collect.example/api/v1/payments/notify/stripe",
        return_url="https://collect.example/pay/done",
    )


def _signed(body: bytes, at: datetime = NOW, secret: str = WEBHOOK_SECRET) -> dict[str, str]:
    return {"Stripe-Signature": signature_header(body, secret, int(at.timestamp()))}


# Configuration


def test_stripe_is_not_offered_without_both_its_secret_key_and_its_webhook_secret() -> None:
    assert from_env({}) is None
    assert from_env({"HUIKUAN_STRIPE_SECRET_KEY": "sk_test_x"}) is None
    assert from_env({"HUIKUAN_STRIPE_WEBHOOK_SECRET": "whsec_x"}) is None
    assert registry.configured({}) == {}


def test_configured_stripe_pays_into_the_agency_account_never_a_creditors() -> None:
    env = {"HUIKUAN_STRIPE_SECRET_KEY": "sk_test_x", "HUIKUAN_STRIPE_WEBHOOK_SECRET": "whsec_x"}
    provider = registry.configured(env)["stripe"]
    assert provider.name == "stripe"
    assert provider.service_provider_mode is False
    assert {"USD", "GBP", "EUR", "CAD", "AUD", "HKD", "SGD", "JPY"} <= provider.currencies


def test_every_currency_offered_counts_its_minor_units_as_stripe_does() -> None:
    provider = from_env(
        {"HUIKUAN_STRIPE_SECRET_KEY": "sk_test_x", "HUIKUAN_STRIPE_WEBHOOK_SECRET": "whsec_x"}
    )
    assert provider is not None
    differing = {c for c in provider.currencies if exponent(c) != (0 if c in STRIPE_ZERO_DECIMAL else 2)}
    assert differing == set()


# Payment links


def test_a_link_is_a_checkout_session_for_the_exact_amount_naming_our_reference(
    stripe: StripeCheckout, server: StripeServer, secret_key: str
) -> None:
    link = stripe.create_link(_request("PL-7", 12345, "USD"))

    sent = server.requests[-1]
    assert sent["mode"] == "payment"
    assert sent["line_items"] == [
        {
            "quantity": "1",
            "price_data": {
                "currency": "usd",
                "unit_amount": "12345",
                "product_data": {"name": "Account 1234 — Huikuan Demo Services"},
            },
        }
    ]
    assert sent["adaptive_pricing"] == {"enabled": "false"}
    assert sent["client_reference_id"] == "PL-7"
    assert sent["metadata"] == {"out_trade_no": "PL-7"}
    assert sent["payment_intent_data"] == {"metadata": {"out_trade_no": "PL-7"}}
    assert sent["success_url"] == sent["cancel_url"] == "https://collect.example/pay/done"
    assert server.headers[-1]["authorization"] == "Bearer " + secret_key
    session = server.sessions[link.provider_ref]
    assert link.url == session["url"]
    assert (session["amount_total"], session["currency"]) == (12345, "usd")


def test_a_zero_decimal_currency_is_sent_in_its_whole_units() -> None:
    with stripe_server(key := new_secret_key()) as server:
        provider = StripeCheckout(key, WEBHOOK_SECRET, api_base=server.url)
        provider.create_link(_request(amount=5000, currency="JPY"))
        price = server.requests[-1]["line_items"][0]["price_data"]
    assert (price["currency"], price["unit_amount"]) == ("jpy", "5000")


def test_a_link_asked_again_for_the_same_reference_is_the_same_session(
    stripe: StripeCheckout, server: StripeServer
) -> None:
    request = _request("PL-9")
    assert stripe.create_link(request) == stripe.create_link(request)
    assert len(server.sessions) == 1
    assert server.headers[-1]["idempotency-key"] == "huikuan-link-PL-9"


def test_the_expiry_is_brought_within_the_30_minutes_to_24_hours_stripe_accepts() -> None:
    assert session_expiry(NOW + timedelta(minutes=5), NOW) == NOW + timedelta(minutes=31)
    assert session_expiry(NOW + timedelta(hours=2), NOW) == NOW + timedelta(hours=2)
    assert session_expiry(NOW + timedelta(days=7), NOW) == NOW + timedelta(hours=23, minutes=59)


def test_a_link_meant_to_last_a_week_is_created_for_a_day(
    stripe: StripeCheckout, server: StripeServer
) -> None:
    link = stripe.create_link(replace(_request(), expires_at=datetime.now(UTC) + timedelta(days=7)))
    session = server.sessions[link.provider_ref]
    assert session["expires_at"] - session["created"] <= 24 * 3600


def test_stripes_refusal_is_a_provider_error_with_its_code_and_message(stripe: StripeCheckout) -> None:
    with pytest.raises(ProviderError, match=r"amount_too_small.*minimum charge for usd"):
        stripe.create_link(_request(amount=10, currency="USD"))


def test_a_wrong_secret_key_is_a_provider_error_that_does_not_show_the_key(server: StripeServer) -> None:
    wrong = new_secret_key()
    provider = StripeCheckout(wrong, WEBHOOK_SECRET, api_base=server.url)
    with pytest.raises(ProviderError, match="Invalid API Key") as refused:
        provider.create_link(_request())
    assert wrong not in str(refused.value)
    assert server.sessions == {}


def test_a_currency_stripe_is_not_offered_for_is_refused_before_asking(
    stripe: StripeCheckout, server: StripeServer
) -> None:
    with pytest.raises(ProviderError, match="ISK"):
        stripe.create_link(_request(currency="ISK"))
    assert server.requests == []


# Webhooks


def test_a_paid_checkout_session_signed_by_stripe_is_a_payment(
    stripe: StripeCheckout, server: StripeServer
) -> None:
    link = stripe.create_link(_request("PL-3", 4200, "GBP"))
    body = server.paid_event(link.provider_ref, created=int(NOW.timestamp()) - 2)
    sent = json.loads(body)

    paid = stripe.verify(_signed(body), body, NOW)

    assert paid == Paid(
        event_id=sent["id"],
        out_trade_no="PL-3",
        provider_txn_id=sent["data"]["object"]["payment_intent"],
        amount=4200,
        currency="GBP",
        paid_at=NOW - timedelta(seconds=2),
    )


def test_a_delayed_payment_is_paid_when_stripe_says_it_succeeded(
    stripe: StripeCheckout, server: StripeServer
) -> None:
    link = stripe.create_link(_request("PL-4"))
    pending = json.loads(server.paid_event(link.provider_ref, int(NOW.timestamp())))
    pending["data"]["object"]["payment_status"] = "unpaid"
    completed = json.dumps(pending).encode()
    succeeded = server.paid_event(
        link.provider_ref, int(NOW.timestamp()), "checkout.session.async_payment_succeeded"
    )

    assert isinstance(stripe.verify(_signed(completed), completed, NOW), Ignored)
    paid = stripe.verify(_signed(succeeded), succeeded, NOW)
    assert isinstance(paid, Paid)
    assert (paid.out_trade_no, paid.amount) == ("PL-4", 12345)


@pytest.mark.parametrize(
    ("kind", "what"),
    [
        ("charge.refunded", "a refund (reverse the payment by hand)"),
        ("charge.dispute.created", "a chargeback (reverse the payment by hand)"),
        ("checkout.session.expired", "the checkout session expired unpaid"),
        ("customer.created", "customer.created"),
    ],
)
def test_another_event_is_acknowledged_and_posts_nothing(
    stripe: StripeCheckout, kind: str, what: str
) -> None:
    body = event(kind, {"id": "ch_test_1", "object": "charge"}, int(NOW.timestamp()))
    assert stripe.verify(_signed(body), body, NOW) == Ignored(json.loads(body)["id"], what)


def test_a_session_that_is_not_one_of_our_links_is_acknowledged_and_posts_nothing(
    stripe: StripeCheckout, server: StripeServer
) -> None:
    link = stripe.create_link(_request())
    theirs = json.loads(server.paid_event(link.provider_ref, int(NOW.timestamp())))
    theirs["data"]["object"].update(client_reference_id=None, metadata={})
    body = json.dumps(theirs).encode()
    assert isinstance(stripe.verify(_signed(body), body, NOW), Ignored)


def _paid_body(stripe: StripeCheckout, server: StripeServer) -> bytes:
    link = stripe.create_link(_request())
    return server.paid_event(link.provider_ref, int(NOW.timestamp()))


def test_a_webhook_signed_with_another_secret_is_refused(
    stripe: StripeCheckout, server: StripeServer
) -> None:
    body = _paid_body(stripe, server)
    with pytest.raises(BadNotification):
        stripe.verify(_signed(body, secret=new_webhook_secret()), body, NOW)


def test_a_webhook_changed_after_signing_is_refused(stripe: StripeCheckout, server: StripeServer) -> None:
    body = _paid_body(stripe, server)
    headers = _signed(body)
    tampered = body.replace(b'"amount_total": 12345', b'"amount_total": 99999')
    assert tampered != body
    with pytest.raises(BadNotification):
        stripe.verify(headers, tampered, NOW)


def test_a_webhook_without_a_signature_is_refused(stripe: StripeCheckout, server: StripeServer) -> None:
    body = _paid_body(stripe, server)
    with pytest.raises(BadNotification):
        stripe.verify({}, body, NOW)
    with pytest.raises(BadNotification):
        stripe.verify({"Stripe-Signature": f"t={int(NOW.timestamp())}"}, body, NOW)


def test_a_webhook_signed_more_than_five_minutes_from_now_is_refused_as_a_replay(
    stripe: StripeCheckout, server: StripeServer
) -> None:
    body = _paid_body(stripe, server)
    assert isinstance(stripe.verify(_signed(body, NOW - timedelta(seconds=299)), body, NOW), Paid)
    with pytest.raises(BadNotification, match="replay"):
        stripe.verify(_signed(body, NOW - timedelta(seconds=301)), body, NOW)
    with pytest.raises(BadNotification, match="replay"):
        stripe.verify(_signed(body, NOW + timedelta(seconds=301)), body, NOW)


def test_a_signed_body_that_is_not_an_event_is_refused(stripe: StripeCheckout) -> None:
    body = b'{"object": "event"}'
    with pytest.raises(BadNotification):
        stripe.verify(_signed(body), body, NOW)


def test_a_webhook_delivered_over_http_is_verified_from_the_headers_the_web_server_hands_over(
    stripe: StripeCheckout, server: StripeServer
) -> None:
    received: list[Paid | Ignored] = []
    app = FastAPI()

    @app.post("/notify")
    async def notify(request: Request) -> Response:
        try:
            received.append(stripe.verify(dict(request.headers), await request.body(), NOW))
        except BadNotification:
            answer = stripe.answer(False)
        else:
            answer = stripe.answer(True)
        return Response(answer.body, answer.status, media_type=answer.content_type)

    body = _paid_body(stripe, server)
    with running(app) as base:
        refused = deliver(f"{base}/notify", body, new_webhook_secret(), int(NOW.timestamp()))
        accepted = deliver(f"{base}/notify", body, WEBHOOK_SECRET, int(NOW.timestamp()))

    assert (refused.status_code, refused.json()) == (400, {"received": False})
    assert (accepted.status_code, accepted.json()) == (200, {"received": True})
    assert [type(r) for r in received] == [Paid]


def test_stripe_is_answered_in_json() -> None:
    provider = StripeCheckout("sk_test_x", "whsec_x")
    ok, refused = provider.answer(True), provider.answer(False)
    assert (ok.status, ok.content_type, json.loads(ok.body)) == (200, "application/json", {"received": True})
    assert (refused.status, json.loads(refused.body)) == (400, {"received": False})
