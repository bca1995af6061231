"""A floor's own Asterisk, through ARI (the Asterisk REST Interface): REST requests over httpx, HTTP basic
auth with the ARI user (telephony_key_id / telephony_key_secret), the Stasis application telephony_instance.

ARI has no HTTP callbacks and keeps no call history, so a small companion runs beside the PBX: the bridge
(channels/calls/asterisk_bridge.py, `huikuan calls asterisk-bridge`). It follows the application's events,
rings the debtor once the collector has answered, joins both legs in a bridge, records it (announcing the
recording when asked), builds one CallRecord per finished call, keeps it in its journal until Huikuan has
acknowledged it, and serves that journal for the reconciliation (`calls_since`).

A call's names on the PBX all derive from the platform's call id: bridge `huikuan-{call_id}` (the provider
reference), channels `huikuan-{call_id}-agent` and `huikuan-{call_id}-debtor`, stored recording
`huikuan-{call_id}`. The records travel as JSON {"records": [...]} signed with an HMAC-SHA256 of the body
under telephony_callback_secret (header X-Huikuan-Signature: sha256=<hex>).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import httpx

from huikuan.channels.telephony import CallbackRejected, CallPlaced, CallRecord, CallRequest, TelephonyError

if TYPE_CHECKING:
    from huikuan.config import Settings

TIMEOUT_S = 10.0
SIGNATURE_HEADER = "X-Huikuan-Signature"
PREFIX = "huikuan-"
AGENT_RING_TIMEOUT_S = 30  # how long the collector's extension rings before the call is given up
HUNG_UP_BY = frozenset({"agent", "customer", "system", ""})


def bridge_id(call_id: int) -> str:
    return f"{PREFIX}{call_id}"


def leg_id(bridge: str, leg: str) -> str:
    return f"{bridge}-{leg}"


def parse_leg(channel_id: str) -> tuple[str, str] | None:
    """(bridge id, "agent" or "debtor") of one of our channels; None for any other channel of the PBX."""
    if not channel_id.startswith(PREFIX):
        return None
    bridge, _, leg = channel_id.rpartition("-")
    if leg not in ("agent", "debtor") or not bridge.startswith(PREFIX):
        return None
    return bridge, leg


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _utc(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def record_to_json(record: CallRecord) -> dict[str, Any]:
    return {
        "provider_ref": record.provider_ref,
        "call_id": record.call_id,
        "dialled": record.dialled,
        "started_at": _utc(record.started_at),
        "answered": record.answered,
        "ring_seconds": record.ring_seconds,
        "talk_seconds": record.talk_seconds,
        "hung_up_by": record.hung_up_by,
        "recording_ref": record.recording_ref,
    }


def record_from_json(item: Mapping[str, Any]) -> CallRecord:
    """One record as the bridge writes it; ValueError (or KeyError, TypeError) when it is not one."""
    started = datetime.fromisoformat(str(item["started_at"]).replace("Z", "+00:00"))
    if started.tzinfo is None:
        raise ValueError("started_at without a time zone")
    hung_up_by = str(item.get("hung_up_by") or "")
    if hung_up_by not in HUNG_UP_BY:
        raise ValueError("hung_up_by")
    call_id = item.get("call_id")
    recording = item.get("recording_ref")
    ring, talk = int(item["ring_seconds"]), int(item["talk_seconds"])
    if ring < 0 or talk < 0:
        raise ValueError("negative seconds")
    return CallRecord(
        provider_ref=str(item["provider_ref"]),
        dialled=str(item.get("dialled") or ""),
        started_at=started.astimezone(UTC),
        answered=bool(item["answered"]),
        ring_seconds=ring,
        talk_seconds=talk,
        hung_up_by=hung_up_by,
        recording_ref=str(recording) if recording else None,
        call_id=int(call_id) if call_id is not None else None,
    )


def records_body(records: Iterable[CallRecord]) -> bytes:
    return json.dumps({"records": [record_to_json(r) for r in records]}, ensure_ascii=False).encode()


def records_from_body(body: bytes) -> list[CallRecord]:
    payload = json.loads(body)
    return [record_from_json(item) for item in payload["records"]]


class AriRefused(TelephonyError):
    """The PBX answered, with an HTTP status outside 2xx (kept in `status`)."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class AriClient:
    """ARI's REST side: every answer outside 2xx, and no answer at all, is a TelephonyError in the PBX's
    words (401 for a wrong ARI user or password)."""

    def __init__(self, base_url: str, user: str, password: str, *, timeout_s: float = TIMEOUT_S) -> None:
        self.base_url = base_url.rstrip("/")
        self.http = httpx.Client(base_url=self.base_url, auth=(user, password), timeout=timeout_s)

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            answer = self.http.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise TelephonyError(f"Asterisk not reachable: {str(exc)[:300] or type(exc).__name__}") from None
        if answer.status_code >= 300:
            raise AriRefused(
                f"Asterisk answered {answer.status_code} to {method} {path}: {_reason(answer)}",
                answer.status_code,
            )
        return answer

    def post(self, path: str, params: Mapping[str, str | int], body: Any = None) -> Any:
        answer = self.request("POST", path, params=dict(params), json=body)
        return answer.json() if answer.content else None

    def delete(self, path: str, *, missing_ok: bool = True) -> None:
        """Hang up a channel or shut down a bridge; one already gone (404) is fine."""
        try:
            self.request("DELETE", path)
        except AriRefused as exc:
            if not (missing_ok and exc.status == 404):
                raise

    def close(self) -> None:
        self.http.close()


def _reason(answer: httpx.Response) -> str:
    try:
        return str(answer.json().get("message", ""))[:300]
    except (ValueError, AttributeError):
        return answer.text[:300]


class AsteriskAri:
    """The Telephony of a floor's own Asterisk."""

    def __init__(
        self,
        api_url: str,
        user: str,
        password: str,
        app: str,
        *,
        callback_secret: str,
        bridge_url: str = "",
        caller_id: str = "",
    ) -> None:
        self.ari = AriClient(api_url, user, password)
        self.app = app
        self.callback_secret = callback_secret
        self.bridge_url = bridge_url.rstrip("/")
        self.auth = (user, password)
        self.caller_id = caller_id

    def place_call(self, request: CallRequest) -> CallPlaced:
        """A mixing bridge for the call, then the collector's extension rung into the Stasis application;
        the bridge process dials the debtor once the collector answers (the debtor never waits for a
        collector). The debtor's number, the announcement and the caller id travel in the application's
        arguments, which the StasisStart event hands back."""
        bridge = bridge_id(request.call_id)
        self.ari.post("/bridges", {"type": "mixing", "bridgeId": bridge, "name": bridge})
        args = ",".join(
            [
                "agent",
                str(request.call_id),
                request.to,
                "1" if request.announce_recording else "0",
                request.caller_id or self.caller_id,
            ]
        )
        params: dict[str, str | int] = {
            "endpoint": _endpoint(request.extension),
            "app": self.app,
            "appArgs": args,
            "channelId": leg_id(bridge, "agent"),
            "timeout": AGENT_RING_TIMEOUT_S,
        }
        if self.caller_id:
            params["callerId"] = self.caller_id
        try:
            self.ari.post("/channels", params)
        except TelephonyError:
            self.ari.delete(f"/bridges/{bridge}")
            raise
        return CallPlaced(provider_ref=bridge)

    def calls_since(self, since: datetime) -> Iterable[CallRecord]:
        """The bridge's journal from `since` on (every finished call it saw, acknowledged or not), read
        from its small HTTP endpoint with the ARI user's credentials. No bridge address: nothing to read,
        the bridge's own re-sending is then the only way back."""
        if not self.bridge_url:
            return []
        try:
            answer = httpx.get(
                f"{self.bridge_url}/calls", params={"since": _utc(since)}, auth=self.auth, timeout=TIMEOUT_S
            )
        except httpx.HTTPError as exc:
            raise TelephonyError(
                f"Asterisk bridge not reachable: {str(exc)[:300] or type(exc).__name__}"
            ) from None
        if answer.status_code != 200:
            raise TelephonyError(f"Asterisk bridge answered {answer.status_code}: {answer.text[:300]}")
        try:
            return records_from_body(answer.content)
        except (ValueError, KeyError, TypeError) as exc:
            raise TelephonyError(f"Asterisk bridge sent no call records: {exc}") from None

    def recording(self, recording_ref: str) -> bytes:
        return self.ari.request("GET", f"/recordings/stored/{recording_ref}/file").content

    def callback_records(self, url: str, headers: Mapping[str, str], body: bytes) -> list[CallRecord]:  # noqa: ARG002
        """The records the bridge posted, once their HMAC holds (the URL's secret is checked by the route)."""
        given = {k.lower(): v for k, v in headers.items()}.get(SIGNATURE_HEADER.lower(), "")
        if not self.callback_secret or not hmac.compare_digest(given, sign(self.callback_secret, body)):
            raise CallbackRejected("the call records' signature does not hold")
        try:
            return records_from_body(body)
        except (ValueError, KeyError, TypeError) as exc:
            raise CallbackRejected(f"not call records: {exc}") from None


def _endpoint(extension: str) -> str:
    """The collector's seat as an ARI endpoint: PJSIP/{extension} unless it already names a technology
    (PJSIP/1001, SIP/1001, Local/1001@from-internal)."""
    return extension if "/" in extension else f"PJSIP/{extension}"


def adapter(settings: Settings) -> AsteriskAri:
    return AsteriskAri(
        settings.telephony_api_url or "http://127.0.0.1:8088/ari",
        settings.telephony_key_id,
        settings.telephony_key_secret,
        settings.telephony_instance or "huikuan",
        callback_secret=settings.telephony_callback_secret,
        bridge_url=settings.telephony_bridge_url,
        caller_id=settings.telephony_caller_id,
    )
