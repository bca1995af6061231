"""A payment provider of our own for the tests of links and notifications: the Provider protocol
(channels/payments/base.py) with an HMAC-SHA256 signature over `timestamp.body`, the way Stripe signs.

`install(monkeypatch)` registers it in channels/payments/registry.FACTORIES as "fake", configured by
FAKE_PAY_SECRET; `notice(...)` gives the headers and body of a notification it signs; `payment_link`
writes a link directly, for the routes that name one.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert

from huikuan.channels.payments import registry
from huikuan.channels.payments.base import (
    Answer,
    BadNotification,
    Ignored,
    Link,
    LinkRequest,
    Paid,
    ProviderError,
)
from huikuan.storage import tables as t
from huikuan.storage.uow import UnitOfWork

NAME = "fake"
SECRET = "fake-pay-test-secret"
TOLERANCE_S = 300
SIGNATURE = "x-fake-signature"
TIMESTAMP = "x-fake-timestamp"


def sign(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


@dataclass
class FakeProvider:
    secret: str = SECRET
    currencies: frozenset[str] = frozenset({"CNY", "USD"})
    service_provider_mode: bool = True
    refuse: str = ""  # set: create_link fails with this reason
    name: str = NAME
    requests: list[LinkRequest] = field(default_factory=list)

    def create_link(self, request: LinkRequest) -> Link:
        if self.refuse:
            raise ProviderError(self.refuse)
        self.requests.append(request)
        return Link(
            f"https://pay.fake.test/c/{request.out_trade_no}", provider_ref=f"FK-{len(self.requests)}"
        )

    def verify(self, headers: Mapping[str, str], body: bytes, now: datetime) -> Paid | Ignored:
        lower = {k.lower(): v for k, v in headers.items()}
        try:
            timestamp = int(lower[TIMESTAMP])
            given = lower[SIGNATURE]
        except (KeyError, ValueError):
            raise BadNotification("no signature") from None
        if not hmac.compare_digest(given, sign(self.secret, timestamp, body)):
            raise BadNotification("the signature does not match")
        if abs(now.timestamp() - timestamp) > TOLERANCE_S:
            raise BadNotification("the timestamp is outside the tolerance")
        data = json.loads(body)
        if data["type"] != "paid":
            return Ignored(data["event_id"], data["type"])
        return Paid(
            event_id=data["event_id"],
            out_trade_no=data["out_trade_no"],
            provider_txn_id=data["txn"],
            amount=int(data["amount"]),
            currency=data["currency"],
            paid_at=datetime.fromisoformat(data["paid_at"]),
        )

    def answer(self, ok: bool) -> Answer:
        return Answer(200, "text/plain", b"success" if ok else b"fail")


def install(monkeypatch: pytest.MonkeyPatch, provider: FakeProvider | None = None) -> FakeProvider:
    """Registers the fake provider under its name, configured while FAKE_PAY_SECRET is set (as an adapter's
    from_env); the same instance every time."""
    fake = provider or FakeProvider()
    monkeypatch.setitem(
        registry.FACTORIES, fake.name, lambda env: fake if env.get("FAKE_PAY_SECRET") else None
    )
    monkeypatch.setenv("FAKE_PAY_SECRET", fake.secret)
    return fake


def notice(
    out_trade_no: str,
    amount: int,
    *,
    event_id: str = "evt-1",
    txn: str = "T-1",
    currency: str = "CNY",
    kind: str = "paid",
    at: datetime,
    secret: str = SECRET,
) -> tuple[dict[str, str], bytes]:
    """A notification as the provider signs it at `at`: headers and body."""
    body = json.dumps(
        {
            "event_id": event_id,
            "type": kind,
            "out_trade_no": out_trade_no,
            "txn": txn,
            "amount": amount,
            "currency": currency,
            "paid_at": at.astimezone(UTC).isoformat(),
        }
    ).encode()
    stamp = int(at.timestamp())
    return {
        TIMESTAMP: str(stamp),
        SIGNATURE: sign(secret, stamp, body),
        "content-type": "application/json",
    }, body


def payment_link(uow: UnitOfWork, case_id: int, at: datetime = datetime(2026, 11, 20, tzinfo=UTC)) -> int:
    """A link on the case as the fake provider made it, written directly: its id (for the routes that
    name a link, without a provider configured)."""
    link_id = uow.session.execute(
        insert(t.payment_links)
        .values(
            case_id=case_id,
            provider=NAME,
            route="creditor",
            out_trade_no=f"HK{case_id:024x}",
            amount=10_000,
            currency="CNY",
            status="open",
            url=f"https://pay.fake.test/c/{case_id}",
            created_at=at,
            expires_at=at + timedelta(hours=24),
        )
        .returning(t.payment_links.c.id)
    ).scalar_one()
    uow.commit()
    return int(link_id)
