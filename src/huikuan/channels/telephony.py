"""The seam a telephone system plugs into: a cloud call centre's click-to-call, Twilio Voice, or a floor's
own PBX (Asterisk's ARI), one adapter each under channels/calls/ (`telephony(settings)` picks the floor's);
a floor without one records its calls by hand.

The shape follows what every such system offers:
- `place_call`: ring the collector's extension first, then bridge to the debtor. The caller has already
  asked the gate at this instant; the adapter is only handed the number to dial, which never reaches the
  collector's screen.
- call records come back (a callback, or `calls_since` for the reconciliation that fills lost callbacks):
  answered or not, ring and talk time, who hung up, the number actually dialled.
- `recording`: the bytes of a call's recording, fetched once and stored by the floor.
- `callback_records`: the call records in one of the provider's callbacks, once its signature is checked
  (`CallbackRejected` when it does not hold).

A call's record becomes the interaction; its duration is the provider's, not a timer on the page.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from importlib import import_module
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from huikuan.config import Settings


@dataclass(frozen=True)
class CallRequest:
    """One call to place: the platform's id for it, the collector's extension and the debtor's number."""

    call_id: int
    extension: str  # the collector's seat: an extension, a SIP user, or a phone number
    to: str  # the debtor's number in E.164, never shown to the collector
    announce_recording: bool  # play the recording notice at the start (the pack says so)
    caller_id: str = ""  # the number the debtor sees, when the provider lets the floor choose it


@dataclass(frozen=True)
class CallPlaced:
    provider_ref: str  # the provider's id for the call: its records and recording quote it


@dataclass(frozen=True)
class CallRecord:
    """What the provider reports about a finished call."""

    provider_ref: str
    dialled: str  # the number actually dialled
    started_at: datetime  # UTC
    answered: bool
    ring_seconds: int
    talk_seconds: int
    hung_up_by: str  # "agent", "customer", "system" or "" when the provider does not say
    recording_ref: str | None = None
    call_id: int | None = None  # the platform's id for the call, where the provider echoes it back


class CallbackRejected(Exception):
    """A callback whose signature (or shape) does not hold: answered 403 and never believed."""


class TelephonyError(Exception):
    """The provider refused or could not be reached; the message says which, in the provider's words."""


class Telephony(Protocol):
    """One adapter per kind of telephone system (docs/channels.md, "Telephony")."""

    def place_call(self, request: CallRequest) -> CallPlaced: ...

    def calls_since(self, since: datetime) -> Iterable[CallRecord]: ...

    def recording(self, recording_ref: str) -> bytes: ...

    def callback_records(self, url: str, headers: Mapping[str, str], body: bytes) -> list[CallRecord]: ...


# The adapter of each kind: a module of channels/calls with a function `adapter(settings) -> Telephony`.
ADAPTERS = {
    "aliyun": "huikuan.channels.calls.aliyun_ccc",
    "twilio": "huikuan.channels.calls.twilio_voice",
    "asterisk": "huikuan.channels.calls.asterisk_ari",
}


def telephony(settings: Settings) -> Telephony | None:
    """The floor's telephone system, or None where calls are dialled elsewhere and recorded by hand."""
    if not settings.telephony:
        return None
    adapter: Telephony = import_module(ADAPTERS[settings.telephony]).adapter(settings)
    return adapter
