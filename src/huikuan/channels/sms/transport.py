"""SMS through the provider's HTTP API: POST JSON {"to", "text", "reference"} with a Bearer token.

- 2xx with JSON {"id": ...}: handed over; the id is the provider reference (delivery callbacks quote it);
- 408, 429, 5xx, a timeout or no connection: transient, tried again later;
- any other 4xx: the provider refuses this message; its own error text is kept. With {"code":
  "invalid_number"} the number does not exist or cannot take a text: its contact points are marked invalid.
"""

from __future__ import annotations

from typing import Any

import httpx

from huikuan.channels.base import DefinitiveFailure, InvalidRecipient, Outgoing, Receipt, TransientFailure
from huikuan.channels.sms.invalid import invalid_on_send

TIMEOUT_S = 10.0
_RETRY_STATUSES = frozenset({408, 429})
_client: httpx.Client | None = None


def _shared() -> httpx.Client:
    """One client per process, its connections and TLS set-up reused: a new client per message spent
    some 50 ms on TLS set-up alone (bench/sms_send_bench.py)."""
    global _client
    if _client is None:
        _client = httpx.Client()
    return _client


class SmsTransport:
    def __init__(self, url: str, token: str | None, *, timeout: float = TIMEOUT_S) -> None:
        self.url = url
        self.token = token
        self.timeout = timeout

    def send(self, message: Outgoing) -> Receipt:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        payload = {"to": message.to, "text": message.body, "reference": str(message.id)}
        try:
            response = _shared().post(self.url, json=payload, headers=headers, timeout=self.timeout)
        except httpx.HTTPError as exc:
            raise TransientFailure(
                "SMS provider not reachable: {reason}", reason=str(exc) or type(exc).__name__
            ) from None
        status = response.status_code
        if 200 <= status < 300:
            ref = _json(response).get("id")
            return Receipt(provider_ref=None if ref is None else str(ref))
        reason = provider_error(response)
        if status >= 500 or status in _RETRY_STATUSES:
            raise TransientFailure("SMS provider answered {status}: {reason}", status=status, reason=reason)
        refusal = (
            InvalidRecipient if invalid_on_send("generic", _json(response).get("code")) else DefinitiveFailure
        )
        raise refusal("SMS provider refused the message ({status}): {reason}", status=status, reason=reason)


def provider_error(response: httpx.Response) -> str:
    """The provider's own words: a JSON error/message/detail field, else the body's first 300 characters."""
    body = _json(response)
    for key in ("error", "message", "detail", "msg"):
        value = body.get(key)
        if isinstance(value, dict):
            value = value.get("message") or value.get("msg")
        if value:
            return str(value)[:300]
    return response.text.strip()[:300] or response.reason_phrase


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
