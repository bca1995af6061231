"""Twilio Voice (floors abroad): click-to-call through Twilio's Calls resource, call records from its
status callback and its Calls list, recordings from its Recordings resource.

A call is two legs (twilio.com/docs/voice/api/call-resource, /docs/voice/twiml/dial):
- the *parent* leg, created by `Calls.create` from the floor's Twilio number (telephony_instance) to the
  collector's seat (a phone number or a sip: address). Its inline TwiML (`Twiml`, never a URL, so the
  debtor's number is only ever in the request to Twilio) says the recording notice to the seat when the
  pack asks for it, then `<Dial>`s the debtor. A `<Say>` before the `<Dial>` is heard by the seat alone, so
  the debtor hears the notice from `<Number url>` (telephony_notice_url: TwiML, e.g. a TwiML Bin, that
  Twilio plays to the debtor on answering, before bridging); a call that must announce the recording is
  refused while that address is not set. `Record=true` with dual channels records the parent leg from
  the seat's answer; its sid is the provider_ref every record and recording quotes.
- the *child* leg Twilio creates for the `<Dial>` (parent_call_sid = the parent's sid): the debtor's
  number as dialled, whether they answered, and for how long.

The status callback is asked for the parent's `completed` event only and posted to
{public_url}/api/v1/callbacks/calls/twilio/{telephony_callback_secret}. It is believed only when its
X-Twilio-Signature verifies (twilio.com/docs/usage/webhooks/webhooks-security: HMAC-SHA1 under the Auth
Token of the full URL followed by each POST parameter's name and value, sorted by name), checked with
the library's RequestValidator. The form speaks of the parent leg only (and its RecordingSid), so the
record is completed from the Calls resource (the parent and its child leg): the callback and the
reconciliation's `calls_since` then build a record in the same way, from the same facts.

What Twilio does not report, and is approximated (docs/telephony.md, "Twilio Voice"):
- ring time: Twilio gives a leg's start and end time and its `duration` in whole seconds from the
  answer; the debtor's ring time is the child leg's (end - start) - duration, to the second;
- who hung up: Twilio's Calls resource does not say (Voice Insights does, as a paid add-on). Only the
  unanswered endings tell: the seat hung up while the debtor's phone rang (the child leg "canceled":
  "agent"), nobody answered before the timeout ("no-answer": "system"), or the seat never answered;
  an answered call's `hung_up_by` is "".
- the platform's call id is not echoed: Twilio keeps no field of ours on a call, so a record is matched
  by the parent's sid that `place_call` returned.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any, NoReturn
from urllib.parse import parse_qsl
from xml.sax.saxutils import escape, quoteattr

import requests
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from huikuan.channels.telephony import CallbackRejected, CallPlaced, CallRecord, CallRequest, TelephonyError

if TYPE_CHECKING:
    from huikuan.config import Settings

PROVIDER = "twilio"
API_URL = "https://api.twilio.com"
TIMEOUT_S = 10.0
SEAT_RING_S = 30  # how long the collector's seat rings before Twilio gives up (Calls.create Timeout)
DEBTOR_RING_S = 30  # how long the debtor's phone rings (<Dial timeout>)
PAGE_SIZE = 100
# The notice said before the debtor is dialled (in the voice Twilio's <Say> uses for the language).
NOTICE = "This call is recorded."
NOTICE_LANGUAGE = "en-US"
FINISHED = frozenset({"completed", "busy", "no-answer", "failed", "canceled"})
# How an unanswered leg ended, as far as it tells who ended it (the module docstring).
_DEBTOR_LEG_ENDED = {"canceled": "agent", "no-answer": "system", "failed": "system", "busy": "customer"}
_SEAT_LEG_ENDED = {"no-answer": "system", "failed": "system", "busy": "agent", "canceled": "system"}
_RECORDING_SID = re.compile(r"^RE[0-9a-fA-F]{32}$")
_CALL_SID = re.compile(r"^CA[0-9a-fA-F]{32}$")


@dataclass(frozen=True)
class Leg:
    """What the Calls resource says of one leg (a parent or a child)."""

    sid: str
    parent_sid: str | None
    to: str
    sender: str
    status: str
    start_time: datetime | None
    end_time: datetime | None
    duration_s: int
    created: datetime | None


def twiml(request: CallRequest, caller_id: str, notice_url: str = "") -> str:
    """The parent leg's instructions: the notice to the seat (when the pack asks for it), then the debtor,
    who hears the notice from `notice_url` when they answer, before the two are bridged."""
    parts = ["<Response>"]
    number = ""
    if request.announce_recording:
        parts.append(f"<Say language={quoteattr(NOTICE_LANGUAGE)}>{escape(NOTICE)}</Say>")
        number = f' url={quoteattr(notice_url)} method="GET"'
    caller = f" callerId={quoteattr(caller_id)}" if caller_id else ""
    dial = f'<Dial timeout="{DEBTOR_RING_S}"{caller}><Number{number}>{escape(request.to)}</Number></Dial>'
    parts.append(dial)
    parts.append("</Response>")
    return "".join(parts)


class TwilioVoice:
    """The Telephony adapter for Twilio Voice (channels/telephony.py)."""

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        number: str,
        *,
        caller_id: str = "",
        endpoint: str = "",
        status_callback: str = "",
        notice_url: str = "",
    ) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.number = number
        self.caller_id = caller_id
        self.endpoint = (endpoint or API_URL).rstrip("/")
        self.status_callback = status_callback
        self.notice_url = notice_url
        self.client = Client(account_sid, auth_token, http_client=TwilioHttpClient(timeout=TIMEOUT_S))
        self.client.api.base_url = self.endpoint  # another address for the REST API: a local server

    # --- placing --------------------------------------------------------------------------------------

    def place_call(self, request: CallRequest) -> CallPlaced:
        if not request.extension:
            raise TelephonyError("Twilio: the collector has no seat (phone number or sip: address) to ring")
        if request.announce_recording and not self.notice_url:
            raise TelephonyError(
                "Twilio: the debtor would not hear the recording notice"
                " (HUIKUAN_TELEPHONY_NOTICE_URL is not set)"
            )
        extra: dict[str, Any] = {}
        if self.status_callback:
            extra["status_callback"] = self.status_callback
            extra["status_callback_event"] = ["completed"]
            extra["status_callback_method"] = "POST"
        try:
            call = self.client.calls.create(
                to=request.extension,
                from_=self.number,
                twiml=twiml(request, request.caller_id or self.caller_id or self.number, self.notice_url),
                timeout=SEAT_RING_S,
                record=True,
                recording_channels="dual",
                **extra,
            )
        except (TwilioException, requests.RequestException, OSError) as exc:
            _refused(exc)
        return CallPlaced(provider_ref=str(call.sid))

    # --- records --------------------------------------------------------------------------------------

    def calls_since(self, since: datetime) -> Iterable[CallRecord]:
        """Every finished call placed from the floor's number that started at or after `since` (UTC),
        with its debtor's leg and recording; a call still ringing or talking waits for the next run."""
        since = since.astimezone(UTC)
        parents: list[Leg] = []
        children: dict[str, Leg] = {}
        for leg in self._legs(since):
            if leg.parent_sid:
                children.setdefault(leg.parent_sid, leg)
            elif leg.sender == self.number and leg.status in FINISHED and _began(leg, since) >= since:
                parents.append(leg)
        recordings = self._recordings(since) if parents else {}
        return [_record(p, children.get(p.sid), recordings.get(p.sid)) for p in parents]

    def callback_records(self, url: str, headers: Mapping[str, str], body: bytes) -> list[CallRecord]:
        form = self._verified(url, headers, body)
        sid = form.get("CallSid", "")
        if not _CALL_SID.match(sid):
            raise CallbackRejected("Twilio status callback without a call sid")
        if form.get("ParentCallSid") or form.get("CallStatus") not in FINISHED:
            return []  # only the parent's completion is asked for; anything else changes nothing
        recording = form.get("RecordingSid", "")
        try:
            parent = _leg(self.client.calls(sid).fetch())
            if parent.status not in FINISHED:
                return []  # Twilio's resource not yet caught up with its callback: the reconciliation will
            child = next((_leg(c) for c in self.client.calls.stream(parent_call_sid=sid, limit=1)), None)
            if not _RECORDING_SID.match(recording) and parent.duration_s > 0:
                # Not in the form (Twilio names it there only for Record=true): the call's own list.
                found = next(iter(self.client.recordings.stream(call_sid=sid, limit=1)), None)
                recording = str(found.sid) if found is not None and found.sid else ""
        except (TwilioException, requests.RequestException, OSError) as exc:
            _refused(exc)
        return [_record(parent, child, recording if _RECORDING_SID.match(recording) else None)]

    def _verified(self, url: str, headers: Mapping[str, str], body: bytes) -> dict[str, str]:
        signature = next((v for k, v in headers.items() if k.lower() == "x-twilio-signature"), "")
        try:
            form = dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=bool(body)))
        except (UnicodeDecodeError, ValueError):
            raise CallbackRejected("Twilio status callback is not a form") from None
        if not signature or not RequestValidator(self.auth_token).validate(url, form, signature):
            raise CallbackRejected("Twilio status callback's signature does not verify")
        if form.get("AccountSid") != self.account_sid:
            raise CallbackRejected("Twilio status callback for another account")
        return form

    def _legs(self, since: datetime) -> Iterator[Leg]:
        try:
            for call in self.client.calls.stream(start_time_after=since, page_size=PAGE_SIZE):
                yield _leg(call)
        except (TwilioException, requests.RequestException, OSError) as exc:
            _refused(exc)

    def _recordings(self, since: datetime) -> dict[str, str]:
        """The recording of each call since then: call sid -> recording sid (the first, if several)."""
        found: dict[str, str] = {}
        try:
            for rec in self.client.recordings.stream(date_created_after=since, page_size=PAGE_SIZE):
                if rec.call_sid and rec.sid:
                    found.setdefault(str(rec.call_sid), str(rec.sid))
        except (TwilioException, requests.RequestException, OSError) as exc:
            _refused(exc)
        return found

    # --- recordings -----------------------------------------------------------------------------------

    def recording(self, recording_ref: str) -> bytes:
        """The recording's media as WAV (twilio.com/docs/voice/api/recording: the resource's URL with
        .wav), fetched with the account's credentials. Twilio answers 404 while it is still processing
        the file just after the call: fetch it again later."""
        if not _RECORDING_SID.match(recording_ref):
            raise TelephonyError(f"Twilio: {recording_ref[:40]!r} is not a recording sid")
        url = f"{self.endpoint}/2010-04-01/Accounts/{self.account_sid}/Recordings/{recording_ref}.wav"
        try:
            answer = requests.get(url, auth=(self.account_sid, self.auth_token), timeout=TIMEOUT_S)
        except (requests.RequestException, OSError) as exc:
            _refused(exc)
        if answer.status_code != 200:
            raise TelephonyError(_describe(answer.status_code, answer.text))
        return answer.content


# --- Twilio's words ---------------------------------------------------------------------------------------


def _describe(status: int, text: str) -> str:
    """Twilio's error body {"code", "message", "more_info", "status"} in one line."""
    try:
        payload = json.loads(text)
        code, message = payload.get("code"), payload.get("message")
    except (ValueError, AttributeError):
        code, message = None, text[:200]
    return f"Twilio answered {status}: {code} {message}" if code else f"Twilio answered {status}: {message}"


def _refused(exc: BaseException) -> NoReturn:
    if isinstance(exc, TwilioRestException):
        raise TelephonyError(f"Twilio answered {exc.status}: {exc.code} {exc.msg}"[:300]) from None
    if isinstance(exc, TwilioException) and len(exc.args) > 1 and hasattr(exc.args[1], "status_code"):
        response = exc.args[1]  # a later page of a list: the library keeps Twilio's answer
        raise TelephonyError(_describe(response.status_code, response.text)[:300]) from None
    reason = str(exc)[:300] or type(exc).__name__
    raise TelephonyError(f"Twilio not reachable: {reason}") from None


# --- records ----------------------------------------------------------------------------------------------


def _time(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, str) and value:
        try:
            return parsedate_to_datetime(value).astimezone(UTC)
        except (TypeError, ValueError):
            return None
    return None


def _began(leg: Leg, default: datetime) -> datetime:
    return leg.start_time or leg.created or default


def _leg(call: Any) -> Leg:
    try:
        duration = int(call.duration or 0)
    except (TypeError, ValueError):
        duration = 0
    return Leg(
        sid=str(call.sid),
        parent_sid=call.parent_call_sid or None,
        to=str(call.to or ""),
        sender=str(call._from or ""),
        status=str(call.status or ""),
        start_time=_time(call.start_time),
        end_time=_time(call.end_time),
        duration_s=max(duration, 0),
        created=_time(call.date_created),
    )


def _record(parent: Leg, child: Leg | None, recording_sid: str | None) -> CallRecord:
    """One call's record from its two legs: the debtor's leg says whether they answered and for how long;
    without one, the seat never answered and the debtor was never dialled (`dialled` is "")."""
    if child is None:
        started = parent.start_time or parent.created or datetime.now(UTC)
        return CallRecord(
            provider_ref=parent.sid,
            dialled="",
            started_at=started,
            answered=False,
            ring_seconds=0,
            talk_seconds=0,
            hung_up_by=_SEAT_LEG_ENDED.get(parent.status, ""),
            recording_ref=recording_sid,
        )
    answered = child.status == "completed"
    talk = child.duration_s if answered else 0
    started = child.start_time or child.created or parent.start_time or datetime.now(UTC)
    ring = 0
    if child.end_time is not None and child.end_time >= started:
        ring = max(int(round((child.end_time - started).total_seconds())) - talk, 0)
    return CallRecord(
        provider_ref=parent.sid,
        dialled=child.to,
        started_at=started,
        answered=answered,
        ring_seconds=ring,
        talk_seconds=talk,
        hung_up_by="" if answered else _DEBTOR_LEG_ENDED.get(child.status, ""),
        recording_ref=recording_sid,
    )


def callback_url(settings: Settings) -> str:
    """Where Twilio posts the status callback; "" when the floor has no public address or secret (the
    reconciliation then finds every record)."""
    if not (settings.public_url and settings.telephony_callback_secret):
        return ""
    base = settings.public_url.rstrip("/")
    return f"{base}/api/v1/callbacks/calls/{PROVIDER}/{settings.telephony_callback_secret}"


def adapter(settings: Settings) -> TwilioVoice:
    return TwilioVoice(
        settings.telephony_key_id,
        settings.telephony_key_secret,
        settings.telephony_instance,
        caller_id=settings.telephony_caller_id,
        endpoint=settings.telephony_api_url,
        status_callback=callback_url(settings),
        notice_url=settings.telephony_notice_url,
    )
