"""Twilio SMS (abroad) through Twilio's library: Messages.create with the message's own text.

Twilio sends free text, so no approved template is needed; the sender is a Twilio number or a Messaging
Service (HUIKUAN_TWILIO_FROM: +1... or MG...). The answer's sid (SM...) is our provider reference, quoted
by the status callback. Twilio's errors (twilio.com/docs/api/errors) decide what happens:
- HTTP 429 (error 20429, too many requests), 5xx, and no connection are transient: tried again later;
- every other 4xx (21211 invalid 'To' number, 21610 the recipient replied STOP, 21408 region not enabled,
  20003 authentication ...) refuses the message for good, in Twilio's words.
"""

from __future__ import annotations

import requests
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from huikuan.channels.base import DefinitiveFailure, InvalidRecipient, Outgoing, Receipt, TransientFailure
from huikuan.channels.sms.invalid import invalid_on_send
from huikuan.channels.sms.limits import TokenBucket

PROVIDER = "twilio"
TIMEOUT_S = 10.0
TRANSIENT_CODES = frozenset({20429, 20500, 20503})


class TwilioSms:
    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        sender: str,
        *,
        endpoint: str | None = None,
        status_callback: str | None = None,
        bucket: TokenBucket | None = None,
    ) -> None:
        self.client = Client(account_sid, auth_token, http_client=TwilioHttpClient(timeout=TIMEOUT_S))
        if endpoint:  # another address for the REST API (a local server); Twilio's own otherwise
            self.client.api.base_url = endpoint.rstrip("/")
        self.sender = sender
        self.status_callback = status_callback
        self.bucket = bucket

    def send(self, message: Outgoing) -> Receipt:
        extra: dict[str, str] = {}
        if self.sender.startswith("MG"):
            extra["messaging_service_sid"] = self.sender
        else:
            extra["from_"] = self.sender
        if self.status_callback:
            extra["status_callback"] = self.status_callback
        if self.bucket is not None:
            self.bucket.take()
        try:
            sent = self.client.messages.create(to=message.to, body=message.body, **extra)
        except TwilioRestException as exc:
            reason = f"{exc.code}: {exc.msg}"[:300]
            if exc.status >= 500 or exc.status == 429 or exc.code in TRANSIENT_CODES:
                raise TransientFailure(
                    "SMS provider answered {status}: {reason}", status=exc.status, reason=reason
                ) from None
            refusal = InvalidRecipient if invalid_on_send(PROVIDER, str(exc.code)) else DefinitiveFailure
            raise refusal(
                "SMS provider refused the message ({status}): {reason}", status=exc.status, reason=reason
            ) from None
        except (requests.RequestException, OSError) as exc:
            raise TransientFailure(
                "SMS provider not reachable: {reason}", reason=str(exc)[:300] or type(exc).__name__
            ) from None
        return Receipt(provider_ref=sent.sid)
