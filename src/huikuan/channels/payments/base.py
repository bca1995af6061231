"""What every payment provider adapter offers: a link for an amount, and a verified notification.

An adapter is configured from the environment (`from_env(env)` in its module gives None when it is not
configured, so it is never offered). Money is minor units beside its currency.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol


class ProviderError(Exception):
    """The provider refused or could not be reached; the message says which and why (never a secret)."""


class BadNotification(Exception):
    """A notification whose signature, timestamp or content does not verify: it is refused, and nothing
    is posted."""


@dataclass(frozen=True)
class LinkRequest:
    out_trade_no: str  # ours, unique; the provider's notification names it
    amount: int
    currency: str
    subject: str  # shown to the payer, e.g. "Account 1234 — Huikuan Demo Services"
    expires_at: datetime
    notify_url: str  # where the provider posts its notification
    return_url: str  # where the payer's browser goes after paying (where the provider supports it)
    # The creditor's own merchant in a provider's service-provider mode (cn: Alipay `app_auth_token`,
    # WeChat Pay `sub_mchid`); empty when the money lands in the agency's own (trust) account.
    merchant: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Link:
    url: str  # what the payer opens or the QR code holds (a cashier page, a weixin:// code URL)
    provider_ref: str = ""  # the provider's own id of the order or session, if it gives one


@dataclass(frozen=True)
class Paid:
    """A verified notification that money was paid."""

    event_id: str  # unique per provider: a replay carries the same one
    out_trade_no: str
    provider_txn_id: str  # the provider's transaction number (becomes the payment's reference)
    amount: int
    currency: str
    paid_at: datetime


@dataclass(frozen=True)
class Ignored:
    """A verified notification that is not a payment (a refund, a closed order): acknowledged, nothing
    posted."""

    event_id: str
    what: str


@dataclass(frozen=True)
class Answer:
    """What the provider expects back so that it stops retrying."""

    status: int
    content_type: str
    body: bytes


class Provider(Protocol):
    name: str  # alipay, wechatpay, stripe
    currencies: frozenset[str]  # what it can charge in
    service_provider_mode: bool  # it can pay into a creditor's own merchant account

    def create_link(self, request: LinkRequest) -> Link: ...

    def verify(self, headers: Mapping[str, str], body: bytes, now: datetime) -> Paid | Ignored:
        """Verifies the notification (signature, and where the provider signs one, a timestamp within
        its tolerance) and reads it; BadNotification otherwise."""
        ...

    def answer(self, ok: bool) -> Answer: ...
