"""Aliyun Cloud Call Center (云呼叫中心, CCC API 2020-07-01) through Aliyun's SDK, which signs each request
(ACS3-HMAC-SHA256, the same scheme as Aliyun SMS).

- A call: MakeCall from the collector's agent (UserId = the user's phone_extension, e.g.
  `collector1@ccc-floor`): CCC rings the agent's workbench or phone, then dials the debtor (Callee) from the
  floor's outbound number (Caller, telephony_caller_id, or the agent's own when unset). The answer's
  CallContext.JobId is the call's id, quoted as ContactId by every record and recording.
- Records: ListCallDetailRecords over a time range (Unix milliseconds), 100 a page, ascending by start, for
  the reconciliation; the same listing filtered by ContactId for one call.
- A recording: GetMonoRecording answers a short-lived FileUrl, downloaded here.
- Callbacks: CCC's message subscription (console, or UpdateSubscription) pushes call events to a webhook
  (ProducerId PID_Webhook, Topic_Webhook, AccessPoint = our URL). CCC documents no signature on that
  push, so the URL carries the floor's secret (telephony_callback_secret), checked here in constant time,
  and the body is never believed: only the ContactIds it names are read, and each call's record is then
  fetched from CCC's signed API. A forged push can at most make us ask CCC about a call; it cannot
  invent one.

Errors: CCC answers HTTP 200 with Code "OK", or an HTTP error with Code and Message (Parameter.Invalid,
NotExists.UserId, Forbidden.NoPermission, SignatureDoesNotMatch ...); each is a TelephonyError quoting
them, as is a network fault (its class only: the SDK's text quotes the URL with the debtor's number).
"""

from __future__ import annotations

import hmac
import json
import re
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from alibabacloud_ccc20200701.client import Client
from alibabacloud_ccc20200701.models import (
    GetMonoRecordingRequest,
    ListCallDetailRecordsRequest,
    MakeCallRequest,
)
from alibabacloud_tea_openapi.utils_models import Config
from darabonba.exceptions import ResponseException, UnretryableException
from darabonba.runtime import RuntimeOptions

from huikuan.channels.telephony import CallbackRejected, CallPlaced, CallRecord, CallRequest, TelephonyError

if TYPE_CHECKING:
    from huikuan.config import Settings

ENDPOINT = "ccc.cn-shanghai.aliyuncs.com"
TIMEOUT_MS = 10_000
PAGE_SIZE = 100  # CCC's largest page
MAX_PAGES = 100  # CCC pages 1..100: a range with more calls is split in two (see calls_since)
DEVICE_ID = "huikuan"  # MakeCall requires one and ignores it
RING_TIMEOUT_SECONDS = 60  # CCC hangs up an unanswered call after this (30..300)
RECORDING_URL_SECONDS = 300  # how long GetMonoRecording's FileUrl stays valid
MAX_RECORDING_BYTES = 200_000_000
CALLBACK_LOOKBACK_MS = 7 * 24 * 3600 * 1000  # a pushed call is looked up among the last week's
MAX_CALLS_PER_PUSH = 100  # each named call costs a request to CCC: a push naming more is not CCC's
HUNG_UP_BY = {"agent": "agent", "customer": "customer"}


def national(number: str) -> str:
    """CCC's form of a number: a mainland mobile as its 11 digits, a mainland fixed line with its trunk 0
    and area code, any other with 00 and its country code."""
    if number.startswith("+86"):
        rest = number[3:]
        return rest if re.fullmatch(r"1\d{10}", rest) else "0" + rest
    return "00" + number[1:] if number.startswith("+") else number


def e164(number: str) -> str:
    """A number as CCC reports it, back in E.164 (mainland mobiles and fixed lines alike)."""
    digits = number.strip()
    if digits.startswith("+"):
        return digits
    if digits.startswith("00"):
        return "+" + digits[2:]
    if digits.startswith("0"):  # a mainland fixed line with its area code: 010 1234 5678
        return "+86" + digits[1:]
    return "+86" + digits if digits else ""


def _utc(millis: Any) -> datetime | None:
    return datetime.fromtimestamp(int(millis) / 1000, UTC) if millis else None


def _seconds(value: Any) -> int:
    try:
        return max(0, int(value or 0))
    except (TypeError, ValueError):
        return 0


def record_of(item: Any) -> CallRecord:
    """One CCC call detail record (ListCallDetailRecords' Data.List[n]) as the seam's CallRecord.

    An outbound call's customer side rings for DialingTime (RingTime is the agent's own ring); it was
    answered when it has an EstablishedTime, and TalkTime is then its length."""
    established = _utc(item.established_time)
    started = _utc(item.start_time) or established or datetime.now(UTC)
    answered = established is not None
    ring = _seconds(item.dialing_time) or _seconds(item.ring_time)
    return CallRecord(
        provider_ref=item.contact_id or "",
        dialled=e164(item.called_number or ""),
        started_at=started,
        answered=answered,
        ring_seconds=ring,
        talk_seconds=_seconds(item.talk_time) if answered else 0,
        hung_up_by=HUNG_UP_BY.get(
            (item.release_initiator or "").lower(), "system" if item.release_initiator else ""
        ),
        recording_ref=item.contact_id if item.recording_ready else None,
    )


def _contact_ids(payload: Any) -> Iterator[str]:
    """Every ContactId (or JobId) named anywhere in a pushed event, whatever its envelope."""
    if isinstance(payload, Mapping):
        for key, value in payload.items():
            if key in {"ContactId", "contactId", "JobId", "jobId"} and isinstance(value, str) and value:
                yield value
            else:
                yield from _contact_ids(value)
    elif isinstance(payload, list):
        for value in payload:
            yield from _contact_ids(value)
    elif isinstance(payload, str) and payload[:1] in "{[":
        try:  # MQ-style envelopes carry the event as a JSON string
            yield from _contact_ids(json.loads(payload))
        except ValueError:
            return


class AliyunCallCentre:
    def __init__(
        self,
        key_id: str,
        key_secret: str,
        instance: str,
        *,
        caller_id: str = "",
        callback_secret: str = "",
        endpoint: str | None = None,
    ) -> None:
        config = Config(access_key_id=key_id, access_key_secret=key_secret, endpoint=ENDPOINT)
        if endpoint:  # another address: http://host:port (the local stand-in) or a regional host name
            parts = urlsplit(endpoint if "//" in endpoint else f"https://{endpoint}")
            config.endpoint = parts.netloc
            config.protocol = parts.scheme
        config.read_timeout = config.connect_timeout = TIMEOUT_MS
        self.client = Client(config)
        self.instance = instance
        self.caller_id = caller_id
        self.callback_secret = callback_secret

    # --- calls ----------------------------------------------------------------------------------------

    def place_call(self, request: CallRequest) -> CallPlaced:
        ask = MakeCallRequest(
            instance_id=self.instance,
            user_id=request.extension,
            device_id=DEVICE_ID,
            callee=national(request.to),
            timeout_seconds=RING_TIMEOUT_SECONDS,
        )
        caller = request.caller_id or self.caller_id
        if caller:
            ask.caller = national(caller)
        body = self._call("MakeCall", lambda: self.client.make_call_with_options(ask, RuntimeOptions()))
        context = body.data.call_context if body.data is not None else None
        job_id = context.job_id if context is not None else None
        if not job_id:
            raise TelephonyError("aliyun MakeCall answered without a JobId")
        return CallPlaced(provider_ref=job_id)

    def calls_since(self, since: datetime) -> Iterator[CallRecord]:
        """Every outbound call that started from `since` until now, oldest first."""
        yield from self._listing(int(since.timestamp() * 1000), int(datetime.now(UTC).timestamp() * 1000))

    def _listing(self, start_ms: int, end_ms: int, contact_id: str | None = None) -> Iterator[CallRecord]:
        page = 1
        while True:
            ask = ListCallDetailRecordsRequest(
                instance_id=self.instance,
                start_time=start_ms,
                end_time=end_ms,
                contact_type="Outbound",
                page_number=page,
                page_size=PAGE_SIZE,
                order_by_field="startTime",
                sort_order="ASC",
            )
            if contact_id:
                ask.contact_id = contact_id
            body = self._call(
                "ListCallDetailRecords",
                lambda ask=ask: self.client.list_call_detail_records_with_options(ask, RuntimeOptions()),
            )
            items = list(body.data.list or []) if body.data is not None else []
            for item in items:
                yield record_of(item)
            if len(items) < PAGE_SIZE:
                return
            if page == MAX_PAGES:  # CCC pages no further: go on from the last call's start
                last = max(int(i.start_time or 0) for i in items)
                if last <= start_ms:
                    raise TelephonyError(
                        "aliyun ListCallDetailRecords: more calls in one millisecond than CCC pages"
                    )
                start_ms, page = last, 1  # the call at `last` is listed again: the caller's upsert absorbs it
                continue
            page += 1

    def recording(self, recording_ref: str) -> bytes:
        ask = GetMonoRecordingRequest(
            instance_id=self.instance, contact_id=recording_ref, expire_seconds=RECORDING_URL_SECONDS
        )
        body = self._call(
            "GetMonoRecording", lambda: self.client.get_mono_recording_with_options(ask, RuntimeOptions())
        )
        url = body.data.file_url if body.data is not None else None
        if not url or urlsplit(url).scheme not in {"http", "https"}:
            raise TelephonyError(f"aliyun GetMonoRecording gave no recording for {recording_ref}")
        try:
            with urllib.request.urlopen(url, timeout=TIMEOUT_MS / 1000) as answer:  # noqa: S310 (http(s) only)
                data: bytes = answer.read(MAX_RECORDING_BYTES + 1)
        except urllib.error.HTTPError as refused:
            raise TelephonyError(f"aliyun recording download refused: HTTP {refused.code}") from None
        except OSError as exc:
            raise TelephonyError(f"aliyun recording not reachable: {type(exc).__name__}") from None
        if len(data) > MAX_RECORDING_BYTES:
            raise TelephonyError(
                f"aliyun recording of {recording_ref} is larger than {MAX_RECORDING_BYTES} bytes"
            )
        return data

    # --- the webhook push -----------------------------------------------------------------------------

    def callback_records(self, url: str, headers: Mapping[str, str], body: bytes) -> list[CallRecord]:
        del headers  # CCC signs nothing in its push: the secret is in the URL
        segment = unquote(urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1])
        if not self.callback_secret or not hmac.compare_digest(
            segment.encode(), self.callback_secret.encode()
        ):
            raise CallbackRejected("the callback's address does not carry the floor's secret")
        try:
            payload = json.loads(body or b"null")
        except ValueError:
            raise CallbackRejected("the callback's body is not JSON") from None
        named = list(dict.fromkeys(_contact_ids(payload)))
        if len(named) > MAX_CALLS_PER_PUSH:
            raise CallbackRejected("the callback names more calls than one push carries")
        records: list[CallRecord] = []
        for contact_id in named:
            # The record comes from CCC's signed API, never from the push itself.
            now_ms = int(datetime.now(UTC).timestamp() * 1000)
            found = list(self._listing(now_ms - CALLBACK_LOOKBACK_MS, now_ms, contact_id))
            records.extend(r for r in found if r.provider_ref == contact_id)
        if named and not records:
            raise CallbackRejected("the callback names no ended call the call centre knows")
        return records

    # --- errors ---------------------------------------------------------------------------------------

    def _call(self, action: str, send: Any) -> Any:
        try:
            body = send().body
        except ResponseException as exc:
            code = str(getattr(exc, "code", "") or "")
            status = int(getattr(exc, "status_code", 0) or 0)
            data = getattr(exc, "data", None)
            said = data.get("Message") if isinstance(data, dict) else None  # CCC's words, not the SDK's
            message = str(said or getattr(exc, "message", "") or exc)
            raise TelephonyError(f"aliyun {action} refused ({status}): {code}: {message}"[:400]) from None
        except (UnretryableException, OSError) as exc:
            inner = getattr(exc, "inner_exception", None) or exc
            raise TelephonyError(f"aliyun {action} not reachable: {type(inner).__name__}") from None
        if (body.code or "OK") != "OK":
            raise TelephonyError(f"aliyun {action} refused: {body.code}: {body.message or ''}"[:400])
        return body


def adapter(settings: Settings) -> AliyunCallCentre:
    return AliyunCallCentre(
        settings.telephony_key_id,
        settings.telephony_key_secret,
        settings.telephony_instance,
        caller_id=settings.telephony_caller_id,
        callback_secret=settings.telephony_callback_secret,
        endpoint=settings.telephony_api_url or None,
    )
