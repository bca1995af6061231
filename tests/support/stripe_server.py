"""A local Stripe for tests: the Checkout Sessions endpoint as documented, and webhooks signed as Stripe signs
them.

The server answers POST /v1/checkout/sessions (docs.stripe.com/api/checkout/sessions/create): a
form-encoded body in bracket notation (line_items[0][price_data][unit_amount]=...), the secret key as a
Bearer token (401 otherwise), Idempotency-Key honoured (the same key and body give the same session back,
another body under the same key is refused), validation errors in Stripe's error shape
({"error": {"type", "code", "param", "message"}}). A session it creates can then be paid: `paid_event`
gives the checkout.session.completed event Stripe would send, `signature_header` signs it
(docs.stripe.com/webhooks#verify-manually) independently of the SDK under test, and `deliver` posts it to a
webhook endpoint (ours, /api/v1/payments/notify/stripe) as Stripe does.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

import httpx

# Stripe's minimum charge per currency, in minor units (docs.stripe.com/currencies#minimum-and-maximum-
# charge-amounts); a currency not listed here is not one this server charges in.
MINIMUM_CHARGE = {
    "usd": 50,
    "eur": 50,
    "gbp": 30,
    "cad": 50,
    "aud": 50,
    "nzd": 50,
    "hkd": 400,
    "sgd": 50,
    "chf": 50,
    "sek": 300,
    "nok": 300,
    "dkk": 250,
    "mxn": 1000,
    "jpy": 50,
    "krw": 500,
    "vnd": 10000,
    "clp": 500,
}
SESSION_SHORTEST_SECONDS = 30 * 60
SESSION_LONGEST_SECONDS = 24 * 3600

_ids = itertools.count(1)


def new_secret_key() -> str:
    return "sk_test_" + secrets.token_hex(12)


def new_webhook_secret() -> str:
    return "whsec_" + secrets.token_hex(16)


class StripeRefusal(Exception):
    def __init__(
        self, status: int, kind: str, message: str, code: str | None = None, param: str | None = None
    ):
        super().__init__(message)
        self.status = status
        self.body = {"error": {"type": kind, "message": message, "code": code, "param": param}}


def nested(form: list[tuple[str, str]]) -> dict[str, Any]:
    """A bracket-notation form as Stripe reads it: a[b][0][c]=v gives {"a": {"b": [{"c": "v"}]}}."""
    root: dict[str, Any] = {}
    for key, value in form:
        head, _, rest = key.partition("[")
        path = [head, *(rest.rstrip("]").split("][") if rest else [])]
        node = root
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = value
    return _lists(root)


def _lists(node: Any) -> Any:
    if not isinstance(node, dict):
        return node
    if node and all(key.isdigit() for key in node):
        return [_lists(node[key]) for key in sorted(node, key=int)]
    return {key: _lists(value) for key, value in node.items()}


def _integer(value: Any, param: str) -> int:
    if not isinstance(value, str) or not value.lstrip("-").isdigit():
        raise StripeRefusal(
            400,
            "invalid_request_error",
            f"Invalid integer: {value}",
            "parameter_invalid_integer",
            param,
        )
    return int(value)


def _required(params: dict[str, Any], name: str, param: str) -> Any:
    if name not in params or params[name] in ("", None):
        raise StripeRefusal(
            400,
            "invalid_request_error",
            f"Missing required param: {param}.",
            "parameter_missing",
            param,
        )
    return params[name]


@dataclass
class StripeServer:
    """The sessions created and the requests received (their params nested, their headers)."""

    secret_key: str
    url: str = ""
    sessions: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    by_idempotency_key: dict[str, tuple[list[tuple[str, str]], dict[str, Any]]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def handle(self, path: str, headers: dict[str, str], body: str) -> tuple[int, dict[str, Any]]:
        form = parse_qsl(body, keep_blank_values=True)
        with self.lock:
            self.requests.append(nested(form))
            self.headers.append(headers)
            try:
                if headers.get("authorization") != "Bearer " + self.secret_key:
                    given = headers.get("authorization", "").removeprefix("Bearer ")
                    raise StripeRefusal(
                        401, "invalid_request_error", f"Invalid API Key provided: {_masked(given)}"
                    )
                if path != "/v1/checkout/sessions":
                    raise StripeRefusal(
                        404, "invalid_request_error", f"Unrecognized request URL (POST: {path})."
                    )
                key = headers.get("idempotency-key")
                if key and key in self.by_idempotency_key:
                    earlier, session = self.by_idempotency_key[key]
                    if earlier != form:
                        raise StripeRefusal(
                            400,
                            "idempotency_error",
                            "Keys for idempotent requests can only be "
                            "used with the same parameters they were first used with.",
                        )
                    return 200, session
                session = self._create(nested(form))
                if key:
                    self.by_idempotency_key[key] = (form, session)
                return 200, session
            except StripeRefusal as refusal:
                return refusal.status, refusal.body

    def _create(self, params: dict[str, Any]) -> dict[str, Any]:
        if _required(params, "mode", "mode") != "payment":
            raise StripeRefusal(
                400,
                "invalid_request_error",
                "Only mode=payment is served here.",
                "parameter_invalid_string",
                "mode",
            )
        items = _required(params, "line_items", "line_items")
        if not isinstance(items, list) or len(items) != 1:
            raise StripeRefusal(
                400,
                "invalid_request_error",
                "Exactly one line item is served here.",
                "parameter_invalid_array",
                "line_items",
            )
        item = items[0]
        price = _required(item, "price_data", "line_items[0][price_data]")
        currency = _required(price, "currency", "line_items[0][price_data][currency]")
        if currency not in MINIMUM_CHARGE:
            raise StripeRefusal(
                400,
                "invalid_request_error",
                f"Invalid currency: {currency}.",
                "parameter_invalid_string",
                "line_items[0][price_data][currency]",
            )
        unit = _integer(
            _required(price, "unit_amount", "line_items[0][price_data][unit_amount]"),
            "line_items[0][price_data][unit_amount]",
        )
        _required(
            _required(price, "product_data", "line_items[0][price_data][product_data]"),
            "name",
            "line_items[0][price_data][product_data][name]",
        )
        quantity = _integer(item.get("quantity", "1"), "line_items[0][quantity]")
        total = unit * quantity
        if total < MINIMUM_CHARGE[currency]:
            raise StripeRefusal(
                400,
                "invalid_request_error",
                "The Checkout Session's total amount due must "
                f"add up to at least the minimum charge for {currency}.",
                "amount_too_small",
                "line_items[0][price_data][unit_amount]",
            )
        created = int(time.time())
        expires_at = _integer(params.get("expires_at", str(created + SESSION_LONGEST_SECONDS)), "expires_at")
        if not created + SESSION_SHORTEST_SECONDS <= expires_at <= created + SESSION_LONGEST_SECONDS:
            raise StripeRefusal(
                400,
                "invalid_request_error",
                "The `expires_at` timestamp must be between "
                "30 minutes and 24 hours from Checkout Session creation.",
                "parameter_invalid_integer",
                "expires_at",
            )
        session_id = f"cs_test_{next(_ids):06d}{secrets.token_hex(8)}"
        session = {
            "id": session_id,
            "object": "checkout.session",
            "mode": "payment",
            "status": "open",
            "payment_status": "unpaid",
            "amount_subtotal": total,
            "amount_total": total,
            "currency": currency,
            "adaptive_pricing": {"enabled": params.get("adaptive_pricing", {}).get("enabled") != "false"},
            "client_reference_id": params.get("client_reference_id"),
            "metadata": params.get("metadata", {}),
            "payment_intent": None,
            "created": created,
            "expires_at": expires_at,
            "success_url": params.get("success_url"),
            "cancel_url": params.get("cancel_url"),
            "livemode": False,
            "url": f"{self.url}/c/pay/{session_id}",
        }
        self.sessions[session_id] = session
        return session

    def paid_event(self, session_id: str, created: int, kind: str = "checkout.session.completed") -> bytes:
        """The event Stripe sends once the session is paid (by card: payment_status paid at once)."""
        session = {
            **self.sessions[session_id],
            "status": "complete",
            "payment_status": "paid",
            "payment_intent": "pi_test_" + secrets.token_hex(8),
        }
        return event(kind, session, created)


def event(kind: str, obj: dict[str, Any], created: int) -> bytes:
    """A webhook body: a snapshot event (docs.stripe.com/api/events/object)."""
    body = {
        "id": "evt_test_" + secrets.token_hex(10),
        "object": "event",
        "api_version": "2026-10-28.endive",
        "created": created,
        "livemode": False,
        "pending_webhooks": 1,
        "type": kind,
        "data": {"object": obj},
    }
    return json.dumps(body, indent=2).encode()


def signature_header(payload: bytes, secret: str, timestamp: int) -> str:
    """Stripe-Signature as Stripe computes it: t=<unix time>,v1=<hex HMAC-SHA256 of "t.payload">."""
    signed = str(timestamp).encode() + b"." + payload
    return f"t={timestamp},v1={hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()}"


def deliver(url: str, payload: bytes, secret: str, timestamp: int) -> httpx.Response:
    """Posts a webhook to an endpoint the way Stripe delivers it (JSON body, Stripe-Signature header)."""
    headers = {
        "content-type": "application/json; charset=utf-8",
        "stripe-signature": signature_header(payload, secret, timestamp),
    }
    return httpx.post(url, content=payload, headers=headers)


def _masked(key: str) -> str:
    return key[:8] + "*" * max(len(key) - 12, 0) + key[-4:]


@contextmanager
def stripe_server(secret_key: str) -> Iterator[StripeServer]:
    """Serves a local Stripe on a free port of 127.0.0.1 until the block ends."""
    stripe = StripeServer(secret_key)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("content-length", 0))
            headers = {key.lower(): value for key, value in self.headers.items()}
            status, body = stripe.handle(self.path, headers, self.rfile.read(length).decode())
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("request-id", "req_test_" + secrets.token_hex(6))
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *_args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    stripe.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield stripe
    finally:
        server.shutdown()
        server.server_close()
