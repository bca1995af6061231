"""What every channel shares: the message handed to a transport, its receipt, and the two ways to fail.

A transport sends one message and returns a Receipt, or raises:
- TransientFailure: try again later (a timeout, a refused connection, a provider's 5xx);
- DefinitiveFailure: the provider answered that it will not deliver this message; trying again would get
  the same answer, so the message fails with the provider's own words.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from huikuan.errors import HuikuanError


@dataclass(frozen=True)
class Outgoing:
    """One queued message, as a transport needs it."""

    id: int
    channel: str
    to: str  # a phone number, an e-mail address, or a postal address
    subject: str
    body: str
    locale: str
    recipient_name: str
    reference: str  # our reference for the case, quoted by the debtor
    now: datetime  # the instant of sending (a letter's date and folder)
    # Files sent with it, (file name, content type, bytes): e-mail only (a creditor's monthly report).
    attachments: tuple[tuple[str, str, bytes], ...] = ()
    # What a provider that sends only approved templates (Aliyun, Tencent Cloud SMS) needs; a transport
    # that sends the text as it is ignores them. The creditor's code, our template key (reminder ...),
    # the values its variables may take (name, reference, phone), and the creditor's approved code for
    # that template at the configured provider, None when it has none.
    creditor_code: str | None = None
    template: str | None = None
    params: tuple[tuple[str, str], ...] = ()
    provider_template: ProviderTemplate | None = None


@dataclass(frozen=True)
class ProviderTemplate:
    """A template approved at an SMS provider for one creditor: its code there, the signature (签名) it
    is sent under, and the names of its variables in the provider's order."""

    code: str
    sign_name: str
    params: tuple[str, ...] = ()


@dataclass(frozen=True)
class Receipt:
    provider_ref: str | None = None  # the provider's id for the message (SMTP Message-ID, SMS id)
    document: str | None = None  # a letter's PDF, relative to the letters directory


class Transport(Protocol):
    def send(self, message: Outgoing) -> Receipt: ...


class TransientFailure(HuikuanError):
    """The message could not be handed over now; it is tried again later."""


class DefinitiveFailure(HuikuanError):
    """The provider refused the message for good; the reason is the provider's own."""


class InvalidRecipient(DefinitiveFailure):
    """The provider refused the message because the number does not exist or cannot receive it
    (channels/sms/invalid.py): the contact points with that number are marked invalid."""
