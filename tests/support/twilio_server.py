"""A local Twilio for tests: the Messages resource as documented, its HTTP Basic authentication checked
as Twilio checks it, its answers and error codes in Twilio's shape, and the status callback and incoming
message webhook signed as Twilio signs them.

POST /2010-04-01/Accounts/{AccountSid}/Messages.json (twilio.com/docs/messaging/api/message-resource):
a form with To, From or MessagingServiceSid, Body, StatusCallback; Basic authentication with the Account SID
and the Auth Token (401, error 20003, otherwise). 201 with the message (sid SM..., status "queued"), or an
error {"code", "message", "more_info", "status"}: 21211 invalid 'To' number (400), 21610 the recipient
replied STOP (400), 21602 a body is required (400), 20429 too many requests (429), 20503 service
unavailable (503, an outage).

Callbacks are signed (twilio.com/docs/usage/webhooks/webhooks-security): X-Twilio-Signature is the
Base64 HMAC-SHA1, under the Auth Token, of the full URL followed by every POST parameter's name and value,
sorted by name. `signature` computes it here independently of the twilio library.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import re
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qsl

from tests.support.sms_server_base import Accepted, LocalProvider

ACCOUNT_SID = "AC" + "0" * 31 + "1"
AUTH_TOKEN = "local-test-twilio-auth-token"
SENDER = "+15005550006"
_PATH = re.compile(r"^/2010-04-01/Accounts/(AC[0-9a-f]{32})/Messages\.json$")
_sids = itertools.count(1)


def signature(token: str, url: str, params: dict[str, str]) -> str:
    text = url + "".join(k + params[k] for k in sorted(params))
    return base64.b64encode(hmac.new(token.encode(), text.encode(), hashlib.sha1).digest()).decode()


class TwilioServer(LocalProvider):
    name = "twilio"

    def __init__(self, opted_out: frozenset[str] = frozenset()) -> None:
        super().__init__()
        self.opted_out = opted_out  # numbers that replied STOP to the sender
        self.callbacks: dict[str, str] = {}  # message sid -> its StatusCallback URL

    def _error(self, status: int, code: int, message: str) -> tuple[int, dict[str, str], bytes]:
        self.refuse(str(code), message)
        body = {
            "code": code,
            "message": message,
            "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status,
        }
        return status, {"content-type": "application/json"}, json.dumps(body).encode()

    def handle(self, request: BaseHTTPRequestHandler, body: bytes) -> tuple[int, dict[str, str], bytes]:
        if self.in_outage():
            return self._error(503, 20503, "Service unavailable")
        found = _PATH.match(request.path)
        if not found:
            return self._error(404, 20404, "The requested resource was not found")
        given = request.headers.get("Authorization", "")
        expected = "Basic " + base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
        if found.group(1) != ACCOUNT_SID or not hmac.compare_digest(given, expected):
            return self._error(401, 20003, "Authenticate")
        form = dict(parse_qsl(body.decode(), keep_blank_values=True))
        if self.take_throttle():
            return self._error(429, 20429, "Too Many Requests")
        to = form.get("To", "")
        if not re.fullmatch(r"\+[1-9]\d{7,14}", to):
            return self._error(400, 21211, f"Invalid 'To' Phone Number: {to[:4]}...")
        if to in self.opted_out:
            return self._error(400, 21610, "Attempt to send to unsubscribed recipient")
        if not form.get("Body"):
            return self._error(400, 21602, "Message body is required.")
        sender = form.get("From") or form.get("MessagingServiceSid")
        if not sender:
            return self._error(400, 21603, "The source 'from' phone number is required to send an SMS")
        sid = f"SM{next(_sids):032x}"
        if form.get("StatusCallback"):
            with self.lock:
                self.callbacks[sid] = form["StatusCallback"]
        self.accept(Accepted(to, sid, sid, form["Body"], form))
        now = datetime.now(UTC).strftime("%a, %d %b %Y %H:%M:%S +0000")
        message = {
            "sid": sid,
            "account_sid": ACCOUNT_SID,
            "to": to,
            "from": form.get("From"),
            "messaging_service_sid": form.get("MessagingServiceSid"),
            "body": form["Body"],
            "status": "queued",
            "num_segments": "1",
            "direction": "outbound-api",
            "api_version": "2010-04-01",
            "date_created": now,
            "date_updated": now,
            "date_sent": None,
            "error_code": None,
            "error_message": None,
            "price": None,
            "price_unit": "USD",
            "uri": f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{sid}.json",
            "subresource_uris": {"media": f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{sid}/Media.json"},
        }
        return 201, {"content-type": "application/json"}, json.dumps(message).encode()

    # --- what Twilio posts back -----------------------------------------------------------------------

    @staticmethod
    def status(item: Accepted, status: str = "delivered", error_code: str | None = None) -> dict[str, str]:
        """The StatusCallback form for a message."""
        form = {
            "AccountSid": ACCOUNT_SID,
            "ApiVersion": "2010-04-01",
            "From": SENDER,
            "MessageSid": item.ref,
            "MessageStatus": status,
            "SmsSid": item.ref,
            "SmsStatus": status,
            "To": item.to,
        }
        if error_code:
            form["ErrorCode"] = error_code
        return form

    @staticmethod
    def incoming(sender: str, text: str) -> dict[str, str]:
        """The incoming message webhook's form (a reply to our number)."""
        return {
            "AccountSid": ACCOUNT_SID,
            "ApiVersion": "2010-04-01",
            "Body": text,
            "From": sender,
            "MessageSid": f"SM{next(_sids):032x}",
            "NumMedia": "0",
            "NumSegments": "1",
            "SmsMessageSid": "",
            "SmsStatus": "received",
            "To": SENDER,
        }

    @staticmethod
    def headers_for(url: str, form: dict[str, str], token: str = AUTH_TOKEN) -> dict[str, str]:
        return {"X-Twilio-Signature": signature(token, url, form)}
