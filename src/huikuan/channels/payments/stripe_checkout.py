"""Stripe Checkout: abroad, a payment link is a Checkout Session whose money lands in the agency's own
(trust) account, and Stripe's signed webhook says that it was paid.

Requests go through the official SDK (`stripe.StripeClient`); webhooks are verified with its
`WebhookSignature` (HMAC-SHA256 of "t.payload" under the endpoint's secret), and the timestamp is held
against the `now` we are given rather than the SDK's own clock, both ways, within Stripe's tolerance.

Amounts are our minor units, which are Stripe's for every currency offered here (zero-decimal ones
included: 1000 JPY is unit_amount 1000). Currencies where the two differ (ISK, which Stripe counts in
hundredths; the three-decimal BHD, JOD, KWD, OMR) are not offered.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import stripe
from stripe.params.checkout import SessionCreateParams

from huikuan.channels.payments.base import (
    Answer,
    BadNotification,
    Ignored,
    Link,
    LinkRequest,
    Paid,
    ProviderError,
)

SECRET_KEY_SETTING = "HUIKUAN_STRIPE_SECRET_KEY"
WEBHOOK_SECRET_SETTING = "HUIKUAN_STRIPE_WEBHOOK_SECRET"
API_BASE_SETTING = "HUIKUAN_STRIPE_API_BASE"  # tests only: the local Stripe server

# Stripe's replay window: a webhook signed further than this from now (either way) is refused.
TOLERANCE_SECONDS = 300
# Stripe accepts a session's expires_at from 30 minutes to 24 hours after its creation; we keep a minute
# clear of each bound for the time the request takes and for clock skew.
SESSION_SHORTEST = timedelta(minutes=30) + timedelta(minutes=1)
SESSION_LONGEST = timedelta(hours=24) - timedelta(minutes=1)
REQUEST_TIMEOUT_SECONDS = 20
NETWORK_RETRIES = 2  # safe: every request carries the idempotency key of its out_trade_no

# Stripe's zero-decimal currencies (docs.stripe.com/currencies#zero-decimal) among those offered.
ZERO_DECIMAL = frozenset({"JPY", "KRW", "VND", "CLP"})
CURRENCIES = frozenset(
    {"USD", "EUR", "GBP", "CAD", "AUD", "NZD", "HKD", "SGD", "CHF", "SEK", "NOK", "DKK", "MXN"} | ZERO_DECIMAL
)

PAID_EVENTS = frozenset({"checkout.session.completed", "checkout.session.async_payment_succeeded"})
# Acknowledged and not posted. charge.refunded and charge.dispute.created are candidates for automatic
# reversals (today a reversal is posted by hand).
IGNORED_EVENTS = {
    "checkout.session.async_payment_failed": "the delayed payment failed",
    "checkout.session.expired": "the checkout session expired unpaid",
    "charge.refunded": "a refund (reverse the payment by hand)",
    "charge.dispute.created": "a chargeback (reverse the payment by hand)",
}


def from_env(env: Mapping[str, str]) -> StripeCheckout | None:
    """The adapter when both the secret key and the webhook's signing secret are set; None otherwise."""
    secret_key = env.get(SECRET_KEY_SETTING, "").strip()
    webhook_secret = env.get(WEBHOOK_SECRET_SETTING, "").strip()
    if not secret_key or not webhook_secret:
        return None
    return StripeCheckout(secret_key, webhook_secret, api_base=env.get(API_BASE_SETTING) or None)


def session_expiry(requested: datetime, now: datetime) -> datetime:
    """The session's expires_at: the one requested, brought within what Stripe accepts."""
    return min(max(requested, now + SESSION_SHORTEST), now + SESSION_LONGEST)


class StripeCheckout:
    """The Stripe provider: Checkout Sessions paid into the agency's account, never a creditor's."""

    def __init__(
        self,
        secret_key: str,
        webhook_secret: str,
        *,
        api_base: str | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.name = "stripe"
        self.currencies = CURRENCIES
        self.service_provider_mode = False
        self._secret_key = secret_key
        self._webhook_secret = webhook_secret
        self._clock = clock
        self._client = stripe.StripeClient(
            secret_key,
            base_addresses={"api": api_base} if api_base else None,
            max_network_retries=NETWORK_RETRIES,
            http_client=stripe.RequestsClient(timeout=REQUEST_TIMEOUT_SECONDS),
        )

    def create_link(self, request: LinkRequest) -> Link:
        currency = request.currency.upper()
        if currency not in self.currencies:
            raise ProviderError(f"Stripe is not offered for {currency}")
        expires_at = session_expiry(request.expires_at, self._clock())
        metadata = {"out_trade_no": request.out_trade_no}
        params: SessionCreateParams = {
            "mode": "payment",
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": currency.lower(),
                        "unit_amount": request.amount,
                        "product_data": {"name": request.subject},
                    },
                }
            ],
            # The debtor pays the amount in the debt's currency; no conversion whose cost the payer bears.
            "adaptive_pricing": {"enabled": False},
            "client_reference_id": request.out_trade_no,
            "metadata": metadata,
            "payment_intent_data": {"metadata": metadata},
            "expires_at": int(expires_at.timestamp()),
            "success_url": request.return_url,
            "cancel_url": request.return_url,
        }
        try:
            session = self._client.v1.checkout.sessions.create(
                params, {"idempotency_key": f"huikuan-link-{request.out_trade_no}"}
            )
        except stripe.StripeError as error:
            raise ProviderError(self._refusal(error)) from error
        if not session.url:
            raise ProviderError(f"Stripe gave no checkout address for session {session.id}")
        return Link(url=session.url, provider_ref=session.id)

    def verify(self, headers: Mapping[str, str], body: bytes, now: datetime) -> Paid | Ignored:
        header = next((value for key, value in headers.items() if key.lower() == "stripe-signature"), "")
        if not header:
            raise BadNotification("no Stripe-Signature header")
        try:
            # No tolerance here: the SDK would hold the timestamp against its own clock.
            stripe.WebhookSignature.verify_header(body, header, self._webhook_secret, tolerance=None)
        except (stripe.SignatureVerificationError, UnicodeDecodeError) as error:
            raise BadNotification("the Stripe signature does not verify") from error
        signed_at = _timestamp(header)
        if abs(now.timestamp() - signed_at) > TOLERANCE_SECONDS:
            raise BadNotification("the Stripe signature's timestamp is outside the replay window")
        try:
            event = json.loads(body)
            return _read(event)
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            raise BadNotification("the Stripe event cannot be read") from error

    def answer(self, ok: bool) -> Answer:
        return Answer(200 if ok else 400, "application/json", json.dumps({"received": ok}).encode())

    def _refusal(self, error: stripe.StripeError) -> str:
        """Stripe's own code and message, for the person who set the link up; never the key."""
        code = error.code or type(error).__name__
        message = (error.user_message or "no message").replace(self._secret_key, "[secret key]")
        return f"Stripe refused ({code}): {message}"


def _timestamp(header: str) -> int:
    """The t= of a Stripe-Signature header that verify_header has accepted (so it has one)."""
    return next(int(part[2:]) for part in header.split(",") if part.startswith("t="))


def _read(event: dict[str, Any]) -> Paid | Ignored:
    event_id, kind = str(event["id"]), str(event["type"])
    if kind not in PAID_EVENTS:
        return Ignored(event_id, IGNORED_EVENTS.get(kind, kind))
    session = event["data"]["object"]
    if session["payment_status"] != "paid":
        # A delayed method (a bank debit): async_payment_succeeded follows when the money is there.
        return Ignored(event_id, "the checkout session is complete, its payment still pending")
    out_trade_no = session.get("client_reference_id") or (session.get("metadata") or {}).get("out_trade_no")
    if not out_trade_no:
        return Ignored(event_id, "a checkout session that is not one of our payment links")
    return Paid(
        event_id=event_id,
        out_trade_no=str(out_trade_no),
        provider_txn_id=str(session.get("payment_intent") or session["id"]),
        amount=int(session["amount_total"]),
        currency=str(session["currency"]).upper(),
        paid_at=datetime.fromtimestamp(int(event["created"]), UTC),
    )
