"""A local Twilio Voice for tests and benchmarks: the Calls and Recordings resources as documented, their
HTTP Basic authentication checked as Twilio checks it, answers and errors in Twilio's shape, and the
status callback signed as Twilio signs it.

The REST API (twilio.com/docs/voice/api/call-resource, /docs/voice/api/recording), under
/2010-04-01/Accounts/{AccountSid}/, Basic authentication with the Account SID and Auth Token (401, error
20003, otherwise):
- POST Calls.json: To, From (the account's number: 21210 otherwise), Twiml (parsed: the <Say> notice and
  the <Dial><Number> dialled; 12100 when it is not TwiML), Timeout, Record, RecordingChannels,
  StatusCallback, StatusCallbackEvent; 201 with the call (sid CA..., status "queued").
- GET Calls.json: filters ParentCallSid, StartTime, StartTime> / StartTime>= (a date YYYY-MM-DD or a
  time YYYY-MM-DDTHH:MM:SSZ), paged by Page and PageSize with next_page_uri, most recent first.
- GET Calls/{CallSid}.json: one call.
- GET Recordings.json: filters CallSid, DateCreated> / DateCreated>=, paged likewise.
- GET Recordings/{RecordingSid}.wav: the media (a short WAV whose frames spell the sid); .json its
  metadata; 404 (error 20404) for an unknown one.

The floor's recording notice is a TwiML Bin here as at Twilio: GET /twiml/{Sid} answers its TwiML to a
request signed by Twilio (403 otherwise); `notice_url` is its address.

What a call then does is decided by the test: `finish(sid, Outcome(...))` plays both legs out on the
server's clock (the seat answers or not, the notice, the debtor's ringing, answer and talk), creating the
child leg of the <Dial> and the recording, and fetching the <Number url> the debtor hears on answering,
and `post_status(sid)` posts the parent's `completed` status callback to its StatusCallback, signed
(X-Twilio-Signature: Base64 HMAC-SHA1 under the Auth Token of the URL followed by each parameter's name
and value, sorted by name; twilio.com/docs/usage/webhooks/webhooks-security), computed here independently
of the twilio library. With `autorun` set, every new call is finished and its callback posted at once,
from a thread (`drop_callbacks` loses them, as when the callbacks of one minute are lost).
"""

from __future__ import annotations

import base64
import hmac
import io
import itertools
import json
import re
import threading
import urllib.error
import urllib.request
import wave
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, parse_qsl, urlencode, urlsplit

from tests.support.local_http import Answer, LocalHttp
from tests.support.twilio_server import signature

ACCOUNT_SID = "AC" + "0" * 31 + "2"
AUTH_TOKEN = "local-test-twilio-voice-auth-token"
NUMBER = "+15005550006"  # the account's Twilio number, calls come from it
NOTICE_BIN = "EH" + "0" * 31 + "1"
NOTICE_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response><Say>This call is recorded.</Say></Response>'
_BASE = re.compile(r"^/2010-04-01/Accounts/(AC[0-9a-f]{32})/(.+)$")
_sids = itertools.count(1)


def _sid(prefix: str) -> str:
    return f"{prefix}{next(_sids):032x}"


def rfc2822(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).strftime("%a, %d %b %Y %H:%M:%S +0000") if moment else None


def media(recording_sid: str) -> bytes:
    """The recording's WAV: 8 kHz mono, its frames the sid's bytes (so each recording is told apart)."""
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(1)
        w.setframerate(8000)
        w.writeframes(recording_sid.encode() * 4)
    return out.getvalue()


@dataclass(frozen=True)
class Outcome:
    """How a call plays out, in seconds on the server's clock."""

    seat_answers: bool = True
    seat_ring_s: int = 3
    notice_s: int = 2  # the <Say> notice, when the TwiML has one
    debtor: str = "completed"  # the debtor's leg: completed (answered), no-answer, busy, failed, canceled
    debtor_ring_s: int = 6
    talk_s: int = 42


@dataclass
class Leg:
    sid: str
    to: str
    sender: str
    parent_sid: str | None
    created: datetime
    status: str = "queued"
    start: datetime | None = None
    end: datetime | None = None
    duration_s: int | None = None

    def json(self) -> dict[str, Any]:
        return {
            "sid": self.sid,
            "account_sid": ACCOUNT_SID,
            "parent_call_sid": self.parent_sid,
            "to": self.to,
            "to_formatted": self.to,
            "from": self.sender,
            "from_formatted": self.sender,
            "status": self.status,
            "direction": "outbound-dial" if self.parent_sid else "outbound-api",
            "start_time": rfc2822(self.start),
            "end_time": rfc2822(self.end),
            "duration": None if self.duration_s is None else str(self.duration_s),
            "date_created": rfc2822(self.created),
            "date_updated": rfc2822(self.end or self.created),
            "answered_by": None,
            "caller_name": None,
            "forwarded_from": None,
            "group_sid": None,
            "phone_number_sid": None,
            "price": None,
            "price_unit": "USD",
            "queue_time": "0",
            "trunk_sid": None,
            "annotation": None,
            "api_version": "2010-04-01",
            "uri": f"/2010-04-01/Accounts/{ACCOUNT_SID}/Calls/{self.sid}.json",
            "subresource_uris": {
                "recordings": f"/2010-04-01/Accounts/{ACCOUNT_SID}/Calls/{self.sid}/Recordings.json"
            },
        }


@dataclass
class Placed:
    """A call as the floor placed it: the parent leg, the form it was created with and its TwiML read."""

    leg: Leg
    form: dict[str, str]
    notice: str | None  # the <Say> text, if the TwiML has one
    debtor: str  # the <Dial><Number>'s number
    caller_id: str  # the <Dial callerId>
    notice_url: str | None = None  # the <Number url>: TwiML played to the debtor when they answer
    debtor_heard: str | None = None  # what that TwiML said to the debtor
    child: Leg | None = None
    recording_sid: str | None = None
    recording_duration_s: int = 0


class TwilioVoiceServer(LocalHttp):
    def __init__(self) -> None:
        super().__init__()
        self.lock = threading.Lock()
        self.clock = datetime(2026, 6, 1, 14, 0, tzinfo=UTC)  # moves on with each call played out
        self.calls: dict[str, Placed] = {}  # parent sid -> the call
        self.refused: list[tuple[int, str]] = []  # (code, message) of each refusal
        self.posted: list[tuple[str, int]] = []  # (parent sid, HTTP status) of each callback posted
        self.autorun: Outcome | None = None
        self.drop_callbacks = False
        self.playing: list[threading.Thread] = []  # the threads of `autorun`
        # TwiML Bins (twilio.com/docs/serverless/twiml-bins): Twilio-hosted TwiML, answered only to
        # requests signed by Twilio; the floor's recording notice is one.
        self.bins = {NOTICE_BIN: NOTICE_TWIML}
        self.bins_fetched: list[str] = []  # the full URL of each request a bin answered

    @property
    def notice_url(self) -> str:
        """The recording notice's TwiML Bin, as the floor sets it in HUIKUAN_TELEPHONY_NOTICE_URL."""
        return f"{self.url}/twiml/{NOTICE_BIN}"

    # --- the REST API ---------------------------------------------------------------------------------

    def _json(self, status: int, payload: Any) -> tuple[int, dict[str, str], bytes]:
        return status, {"content-type": "application/json"}, json.dumps(payload).encode()

    def _error(self, status: int, code: int, message: str) -> tuple[int, dict[str, str], bytes]:
        with self.lock:
            self.refused.append((code, message))
        return self._json(
            status,
            {
                "code": code,
                "message": message,
                "more_info": f"https://www.twilio.com/docs/errors/{code}",
                "status": status,
            },
        )

    def serve(self, method: str, request: BaseHTTPRequestHandler, body: bytes) -> Answer:
        return self.handle(method, request.path, request.headers, body)

    def handle(
        self, method: str, target: str, headers: Any, body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        parts = urlsplit(target)
        if method == "GET" and (twiml_bin := re.fullmatch(r"/twiml/(EH[0-9a-f]{32})", parts.path)):
            return self._bin(twiml_bin.group(1), self.url + target, headers)
        found = _BASE.match(parts.path)
        if not found:
            return self._error(404, 20404, "The requested resource was not found")
        given = headers.get("Authorization", "")
        expected = "Basic " + base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
        if found.group(1) != ACCOUNT_SID or not hmac.compare_digest(given, expected):
            return self._error(401, 20003, "Authenticate")
        resource = found.group(2)
        query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        if method == "POST" and resource == "Calls.json":
            return self._create(dict(parse_qsl(body.decode(), keep_blank_values=True)))
        if method == "GET" and resource == "Calls.json":
            return self._list_calls(query)
        if method == "GET" and (m := re.fullmatch(r"Calls/(CA[0-9a-f]{32})\.json", resource)):
            leg = self._leg(m.group(1))
            if leg is None:
                return self._error(404, 20404, f"The requested resource {parts.path} was not found")
            return self._json(200, leg.json())
        if method == "GET" and resource == "Recordings.json":
            return self._list_recordings(query)
        if method == "GET" and (m := re.fullmatch(r"Recordings/(RE[0-9a-f]{32})\.(wav|json)", resource)):
            return self._recording(m.group(1), m.group(2), parts.path)
        return self._error(404, 20404, f"The requested resource {parts.path} was not found")

    def _bin(self, sid: str, url: str, headers: Any) -> tuple[int, dict[str, str], bytes]:
        if not hmac.compare_digest(headers.get("X-Twilio-Signature", ""), signature(AUTH_TOKEN, url, {})):
            return self._error(403, 20003, "Request signature does not match")
        with self.lock:
            self.bins_fetched.append(url)
        if sid not in self.bins:
            return self._error(404, 20404, "The requested resource was not found")
        return 200, {"content-type": "text/xml"}, self.bins[sid].encode()

    def _create(self, form: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        if not form.get("To"):
            return self._error(400, 21201, "No 'To' number is specified")
        if form.get("From") != NUMBER:
            return self._error(400, 21210, "'From' phone number not verified")
        try:
            root = ET.fromstring(form.get("Twiml", ""))
            number = root.find("./Dial/Number")
            if root.tag != "Response" or number is None or not (number.text or "").strip():
                raise ValueError("no number to dial")
        except (ET.ParseError, ValueError):
            return self._error(400, 12100, "Document parse failure")
        say = root.find("./Say")
        dial = root.find("./Dial")
        with self.lock:
            leg = Leg(_sid("CA"), form["To"], form["From"], None, self.clock)
            placed = Placed(
                leg=leg,
                form=form,
                notice=say.text if say is not None else None,
                debtor=(number.text or "").strip(),
                caller_id=dial.get("callerId", "") if dial is not None else "",
                notice_url=number.get("url"),
            )
            self.calls[leg.sid] = placed
            autorun = self.autorun
        if autorun is not None:
            thread = threading.Thread(target=self._autorun, args=(leg.sid, autorun), daemon=True)
            with self.lock:
                self.playing.append(thread)
            thread.start()
        return self._json(201, leg.json())

    def settle(self) -> None:
        """Waits until every call played out by `autorun` is over and its callback posted (or dropped)."""
        while True:
            with self.lock:
                playing, self.playing = self.playing, []
            if not playing:
                return
            for thread in playing:
                thread.join()

    def _autorun(self, sid: str, outcome: Outcome) -> None:
        self.finish(sid, outcome)
        self.post_status(sid)

    def _leg(self, sid: str) -> Leg | None:
        with self.lock:
            for placed in self.calls.values():
                if placed.leg.sid == sid:
                    return placed.leg
                if placed.child is not None and placed.child.sid == sid:
                    return placed.child
        return None

    def _page(self, key: str, items: list[dict[str, Any]], resource: str, query: dict[str, str]) -> Any:
        size = max(1, min(int(query.get("PageSize") or 50), 1000))
        page = max(0, int(query.get("Page") or 0))
        chunk = items[page * size : (page + 1) * size]
        base = f"/2010-04-01/Accounts/{ACCOUNT_SID}/{resource}"
        filters = {k: v for k, v in query.items() if k not in ("Page", "PageSize", "PageToken")}

        def uri(n: int) -> str:
            return base + "?" + urlencode({**filters, "PageSize": size, "Page": n, "PageToken": f"PT{n}"})

        more = (page + 1) * size < len(items)
        return self._json(
            200,
            {
                key: chunk,
                "page": page,
                "page_size": size,
                "start": page * size,
                "end": page * size + max(len(chunk) - 1, 0),
                "uri": uri(page),
                "first_page_uri": uri(0),
                "next_page_uri": uri(page + 1) if more else None,
                "previous_page_uri": uri(page - 1) if page else None,
            },
        )

    def _list_calls(self, query: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        with self.lock:
            legs = [p.leg for p in self.calls.values()] + [p.child for p in self.calls.values() if p.child]
        if query.get("ParentCallSid"):
            legs = [leg for leg in legs if leg.parent_sid == query["ParentCallSid"]]
        for name, keep in (("StartTime>", _on_or_after), ("StartTime>=", _on_or_after), ("StartTime", _on)):
            if query.get(name):
                legs = [leg for leg in legs if leg.start is not None and keep(leg.start, query[name])]
        legs.sort(key=lambda leg: (leg.created, leg.sid), reverse=True)
        return self._page("calls", [leg.json() for leg in legs], "Calls.json", query)

    def _recording_json(self, placed: Placed) -> dict[str, Any]:
        sid = placed.recording_sid
        return {
            "sid": sid,
            "account_sid": ACCOUNT_SID,
            "call_sid": placed.leg.sid,
            "conference_sid": None,
            "channels": 2 if placed.form.get("RecordingChannels") == "dual" else 1,
            "duration": str(placed.recording_duration_s),
            "status": "completed",
            "source": "OutboundAPI",
            "date_created": rfc2822(placed.leg.start),
            "date_updated": rfc2822(placed.leg.end),
            "start_time": rfc2822(placed.leg.start),
            "api_version": "2010-04-01",
            "uri": f"/2010-04-01/Accounts/{ACCOUNT_SID}/Recordings/{sid}.json",
        }

    def _list_recordings(self, query: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        with self.lock:
            placed = [p for p in self.calls.values() if p.recording_sid]
        if query.get("CallSid"):
            placed = [p for p in placed if p.leg.sid == query["CallSid"]]
        for name in ("DateCreated>", "DateCreated>="):
            if query.get(name):
                placed = [
                    p for p in placed if p.leg.start is not None and _on_or_after(p.leg.start, query[name])
                ]
        placed.sort(key=lambda p: (p.leg.created, p.leg.sid), reverse=True)
        return self._page("recordings", [self._recording_json(p) for p in placed], "Recordings.json", query)

    def _recording(self, sid: str, kind: str, path: str) -> tuple[int, dict[str, str], bytes]:
        with self.lock:
            placed = next((p for p in self.calls.values() if p.recording_sid == sid), None)
        if placed is None:
            return self._error(404, 20404, f"The requested resource {path} was not found")
        if kind == "json":
            return self._json(200, self._recording_json(placed))
        return 200, {"content-type": "audio/x-wav"}, media(sid)

    # --- how a call plays out -------------------------------------------------------------------------

    def finish(self, sid: str, outcome: Outcome = Outcome()) -> None:
        """Plays the call out from the server's clock, then moves the clock past its end. A debtor who
        answers first hears the <Number url>'s TwiML (fetched with GET, signed, as Twilio does)."""
        self._play_out(sid, outcome)
        placed = self.calls[sid]
        if placed.child is not None and placed.child.status == "completed" and placed.notice_url:
            heard = self._fetch_notice(placed.notice_url, placed.child)
            with self.lock:
                placed.debtor_heard = heard

    def _fetch_notice(self, url: str, child: Leg) -> str | None:
        query = urlencode({"AccountSid": ACCOUNT_SID, "CallSid": child.sid, "CallStatus": "in-progress"})
        full = url + ("&" if "?" in url else "?") + query
        request = urllib.request.Request(
            full, headers={"X-Twilio-Signature": signature(AUTH_TOKEN, full, {})}
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                root = ET.fromstring(answer.read())
        except (OSError, ET.ParseError):
            return None
        return " ".join((say.text or "").strip() for say in root.iter("Say")) or None

    def _play_out(self, sid: str, outcome: Outcome) -> None:
        with self.lock:
            placed = self.calls[sid]
            leg = placed.leg
            begun = self.clock
            leg.start = begun
            if not outcome.seat_answers:
                leg.status, leg.end, leg.duration_s = (
                    "no-answer",
                    begun + timedelta(seconds=outcome.seat_ring_s),
                    0,
                )
                self.clock = leg.end + timedelta(seconds=1)
                return
            answered_at = begun + timedelta(seconds=outcome.seat_ring_s)
            dialled_at = answered_at + timedelta(seconds=outcome.notice_s if placed.notice else 0)
            talk = outcome.talk_s if outcome.debtor == "completed" else 0
            child = Leg(_sid("CA"), placed.debtor, placed.caller_id or NUMBER, sid, dialled_at)
            child.start = dialled_at
            child.end = dialled_at + timedelta(seconds=outcome.debtor_ring_s + talk)
            child.status = outcome.debtor
            child.duration_s = talk
            placed.child = child
            leg.status, leg.end = "completed", child.end
            leg.duration_s = int((child.end - answered_at).total_seconds())
            if placed.form.get("Record", "").lower() == "true":
                placed.recording_sid = _sid("RE")
                placed.recording_duration_s = leg.duration_s
            self.clock = child.end + timedelta(seconds=1)

    def status_form(self, sid: str) -> dict[str, str]:
        """The parent's `completed` status callback, as Twilio posts it."""
        with self.lock:
            placed = self.calls[sid]
            leg = placed.leg
            form = {
                "AccountSid": ACCOUNT_SID,
                "ApiVersion": "2010-04-01",
                "CallSid": leg.sid,
                "CallStatus": leg.status,
                "Called": leg.to,
                "Caller": leg.sender,
                "Direction": "outbound-api",
                "From": leg.sender,
                "To": leg.to,
                "CallDuration": str(leg.duration_s or 0),
                "Duration": str(-(-(leg.duration_s or 0) // 60)),
                "Timestamp": rfc2822(leg.end or self.clock) or "",
                "CallbackSource": "call-progress-events",
                "SequenceNumber": "0",
            }
            if placed.recording_sid:
                form["RecordingSid"] = placed.recording_sid
                form["RecordingUrl"] = (
                    f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Recordings/{placed.recording_sid}"
                )
                form["RecordingDuration"] = str(placed.recording_duration_s)
        return form

    def post_status(self, sid: str) -> int | None:
        """Posts the signed status callback to the call's StatusCallback; its HTTP status (None: dropped,
        or no callback asked for)."""
        url = self.calls[sid].form.get("StatusCallback")
        if not url or self.drop_callbacks:
            return None
        form = self.status_form(sid)
        request = urllib.request.Request(
            url,
            data=urlencode(form).encode(),
            headers={"X-Twilio-Signature": signature(AUTH_TOKEN, url, form)},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                status = int(answer.status)
        except urllib.error.HTTPError as exc:
            status = exc.code
        with self.lock:
            self.posted.append((sid, status))
        return status

    @staticmethod
    def headers_for(url: str, form: dict[str, str], token: str = AUTH_TOKEN) -> dict[str, str]:
        return {"X-Twilio-Signature": signature(token, url, form)}


def _when(text: str) -> datetime | str:
    """A filter's value: a time (YYYY-MM-DDTHH:MM:SSZ) or a date (YYYY-MM-DD, compared by date)."""
    try:
        return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:
        return text[:10]


def _on_or_after(moment: datetime, text: str) -> bool:
    bound = _when(text)
    return moment >= bound if isinstance(bound, datetime) else moment.date().isoformat() >= bound


def _on(moment: datetime, text: str) -> bool:
    return moment.date().isoformat() == text[:10]
