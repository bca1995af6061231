"""The bridge that runs beside a floor's Asterisk (`huikuan calls asterisk-bridge`): ARI keeps no call
history and posts nothing, so this process follows the Stasis application's events over ARI's WebSocket,
drives each call placed by channels/calls/asterisk_ari.py, and brings its record back to Huikuan.

One call's life, as the events tell it:
- the collector's leg `huikuan-{id}-agent` answers: StasisStart (its arguments carry the debtor's number,
  the announcement flag and the caller id); it joins the bridge `huikuan-{id}` and hears ringing while the
  debtor's leg `huikuan-{id}-debtor` is dialled (`--dial`, PJSIP/{number}@huikuan-trunk by default);
- the debtor answers: StasisStart; the leg joins the bridge, the bridge is recorded (stored recording
  `huikuan-{id}`) and, when asked, the recording notice is played to both;
- either leg goes (ChannelDestroyed, with its hang-up cause): the other is hung up, the bridge shut down,
  and once both are gone the call's CallRecord is written to the journal.

Times come from the events' own timestamps and the channels' creation times, the PBX's clock.

The journal (channels/calls/asterisk_journal.py, a SQLite file beside the bridge) keeps every record;
one is posted, signed, to Huikuan's callback route until Huikuan answers 2xx, then marked acknowledged and
never posted again. The journal is also served (`--listen`) as GET /calls?since=..., behind the ARI user's
credentials, for the reconciliation's `calls_since`: a callback lost on the way is filled from there or by
the next re-send. Calls in progress are journalled too, so a restart of the bridge loses none of them.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import structlog
import websocket

from huikuan.channels.calls.asterisk_ari import (
    AriClient,
    leg_id,
    parse_leg,
)
from huikuan.channels.calls.asterisk_journal import POST_TIMEOUT_S, Journal, Poster, instant
from huikuan.channels.telephony import CallRecord, TelephonyError

log = structlog.get_logger(__name__)

DEFAULT_DIAL = "PJSIP/{number}@huikuan-trunk"
RECORDING_NOTICE = "sound:huikuan-recording-notice"
DEBTOR_RING_TIMEOUT_S = 40
BUSY_CAUSES = frozenset({17, 21})  # user busy, call rejected: the debtor refused the call


@dataclass
class _Call:
    bridge: str
    call_id: int | None
    started_at: datetime | None = None
    dialled: str = ""
    announce: bool = False
    caller_id: str = ""
    debtor_dialled_at: datetime | None = None
    answered_at: datetime | None = None
    ended_at: datetime | None = None
    first_gone: str = ""  # the leg that went first
    debtor_cause: int = 0
    agent_answered: bool = False
    agent_gone: bool = False
    debtor_gone: bool = False
    debtor_dialled: bool = False
    recording: str | None = None

    def dumps(self) -> str:
        return json.dumps(
            {k: v.isoformat() if isinstance(v, datetime) else v for k, v in asdict(self).items()}
        )

    @classmethod
    def loads(cls, text: str) -> _Call:
        values = json.loads(text)
        for key in ("started_at", "debtor_dialled_at", "answered_at", "ended_at"):
            if values.get(key):
                values[key] = datetime.fromisoformat(values[key])
        return cls(**values)

    def record(self) -> CallRecord:
        ended = self.ended_at or self.started_at or datetime.now(UTC)
        started = self.started_at or ended
        answered = self.answered_at is not None
        ring_from = self.debtor_dialled_at
        ring_to = self.answered_at or ended
        ring = int((ring_to - ring_from).total_seconds()) if ring_from else 0
        talk = int((ended - self.answered_at).total_seconds()) if self.answered_at else 0
        if answered:
            hung_up_by = "customer" if self.first_gone == "debtor" else "agent"
        elif self.first_gone == "agent" and self.agent_answered:
            hung_up_by = "agent"  # the collector gave up while the debtor's phone rang
        elif self.debtor_cause in BUSY_CAUSES:
            hung_up_by = "customer"
        else:
            hung_up_by = "system"
        return CallRecord(
            provider_ref=self.bridge,
            dialled=self.dialled,
            started_at=started,
            answered=answered,
            ring_seconds=max(ring, 0),
            talk_seconds=max(talk, 0),
            hung_up_by=hung_up_by,
            recording_ref=self.recording,
            call_id=self.call_id,
        )


class CallTracker:
    """Turns the application's events into requests to the PBX and, at each call's end, its CallRecord."""

    def __init__(
        self, ari: AriClient, app: str, *, dial: str = DEFAULT_DIAL, journal: Journal | None = None
    ) -> None:
        self.ari = ari
        self.app = app
        self.dial = dial
        self.journal = journal  # where calls in progress are kept, to outlive a restart of the bridge
        kept = journal.calls_in_progress() if journal else {}
        self.calls: dict[str, _Call] = {bridge: _Call.loads(state) for bridge, state in kept.items()}

    def handle(self, event: dict[str, Any]) -> CallRecord | None:
        record = self._handle(event)
        leg = parse_leg(str((event.get("channel") or {}).get("id", "")))
        if self.journal is not None and leg is not None:
            call = self.calls.get(leg[0])
            if call is not None:
                self.journal.keep_call(call.bridge, call.dumps())
            else:
                self.journal.forget_call(leg[0])
        return record

    def recover(self, at: datetime) -> list[CallRecord]:
        """After the bridge was away: every leg of a call in progress that the PBX no longer has went
        while nobody listened, so it is taken as gone `at` (the moment the bridge came back); calls whose
        legs are all gone end here."""
        records = []
        for call in list(self.calls.values()):
            for side in ("agent", "debtor"):
                gone = call.agent_gone if side == "agent" else call.debtor_gone or not call.debtor_dialled
                if gone or call.bridge not in self.calls or self._exists(leg_id(call.bridge, side)):
                    continue
                record = self._gone(call, side, 0, at)
                if record is not None:
                    records.append(record)
                    if self.journal is not None:
                        self.journal.forget_call(record.provider_ref)
            if self.journal is not None and call.bridge in self.calls:
                self.journal.keep_call(call.bridge, call.dumps())
        return records

    def _exists(self, channel: str) -> bool:
        try:
            self.ari.request("GET", f"/channels/{channel}")
        except TelephonyError as exc:
            if " 404 " in str(exc):
                return False
            raise
        return True

    def _handle(self, event: dict[str, Any]) -> CallRecord | None:
        channel = event.get("channel") or {}
        leg = parse_leg(str(channel.get("id", "")))
        if leg is None:
            return None
        bridge, side = leg
        call = self.calls.get(bridge)
        if call is None:
            call_id = bridge.removeprefix("huikuan-")
            call = self.calls[bridge] = _Call(bridge, int(call_id) if call_id.isdigit() else None)
        created = channel.get("creationtime")
        if side == "agent" and created and call.started_at is None:
            call.started_at = instant(created)
        if side == "debtor" and created and call.debtor_dialled_at is None:
            call.debtor_dialled_at = instant(created)
        at = instant(event["timestamp"]) if event.get("timestamp") else datetime.now(UTC)
        kind = event.get("type")
        try:
            if kind == "StasisStart" and side == "agent":
                self._agent_answered(call, event.get("args") or [], at)
            elif kind == "StasisStart" and side == "debtor":
                self._debtor_answered(call, at)
            elif kind == "ChannelDestroyed":
                return self._gone(call, side, int(event.get("cause") or 0), at)
        except TelephonyError as exc:
            log.warning("asterisk_bridge_request_failed", bridge=bridge, reason=str(exc))
            self._hang_up(call)
        return None

    def _agent_answered(self, call: _Call, args: list[str], at: datetime) -> None:
        _, _, number, announce, caller_id = (list(args) + [""] * 5)[:5]
        call.agent_answered = True
        call.dialled, call.announce, call.caller_id = number, announce == "1", caller_id
        agent = leg_id(call.bridge, "agent")
        self.ari.post(f"/bridges/{call.bridge}/addChannel", {"channel": agent})
        self.ari.post(f"/channels/{agent}/ring", {})
        params: dict[str, str | int] = {
            "endpoint": self.dial.format(number=number),
            "app": self.app,
            "appArgs": f"debtor,{call.call_id}",
            "channelId": leg_id(call.bridge, "debtor"),
            "timeout": DEBTOR_RING_TIMEOUT_S,
        }
        if caller_id:
            params["callerId"] = caller_id
        self.ari.post("/channels", params)
        call.debtor_dialled = True
        call.debtor_dialled_at = at

    def _debtor_answered(self, call: _Call, at: datetime) -> None:
        call.answered_at = at
        self.ari.post(f"/bridges/{call.bridge}/addChannel", {"channel": leg_id(call.bridge, "debtor")})
        self.ari.delete(f"/channels/{leg_id(call.bridge, 'agent')}/ring")
        # Recording starts before the notice, so that the recording itself shows the notice was given.
        self.ari.post(
            f"/bridges/{call.bridge}/record",
            {"name": call.bridge, "format": "wav", "ifExists": "overwrite", "beep": "false"},
        )
        call.recording = call.bridge
        if call.announce:
            self.ari.post(f"/bridges/{call.bridge}/play", {"media": RECORDING_NOTICE})

    def _gone(self, call: _Call, side: str, cause: int, at: datetime) -> CallRecord | None:
        if side == "agent":
            call.agent_gone = True
        else:
            call.debtor_gone = True
            call.debtor_cause = cause
        if not call.first_gone:
            call.first_gone, call.ended_at = side, at
            self._hang_up(call)
        if call.agent_gone and (call.debtor_gone or not call.debtor_dialled):
            del self.calls[call.bridge]
            self.ari.delete(f"/bridges/{call.bridge}")
            return call.record()
        return None

    def _hang_up(self, call: _Call) -> None:
        legs = [("agent", call.agent_gone), ("debtor", call.debtor_gone or not call.debtor_dialled)]
        for side, gone in legs:
            if not gone:
                try:
                    self.ari.delete(f"/channels/{leg_id(call.bridge, side)}")
                except TelephonyError as exc:
                    log.warning("asterisk_bridge_hangup_failed", bridge=call.bridge, reason=str(exc))


@dataclass(frozen=True)
class BridgeConfig:
    ari_url: str  # http://pbx:8088/ari
    user: str
    password: str
    app: str
    callback_url: str  # {public_url}/api/v1/callbacks/calls/asterisk/{secret}
    callback_secret: str
    journal: Path
    dial: str = DEFAULT_DIAL


class Bridge:
    """The process: ARI's event stream in, requests to the PBX and signed records to Huikuan out."""

    def __init__(self, config: BridgeConfig) -> None:
        self.config = config
        self.ari = AriClient(config.ari_url, config.user, config.password)
        self.journal = Journal(config.journal)
        self.tracker = CallTracker(self.ari, config.app, dial=config.dial, journal=self.journal)
        self.poster = Poster(self.journal, config.callback_url, config.callback_secret)
        self.ws: websocket.WebSocket | None = None

    def events_url(self) -> str:
        parts = urlsplit(self.config.ari_url.rstrip("/"))
        scheme = "wss" if parts.scheme == "https" else "ws"
        query = urlencode({"app": self.config.app, "subscribeAll": "false"})
        return f"{scheme}://{parts.netloc}{parts.path}/events?{query}"

    def connect(self, wait_s: float = 0.5, *, now: datetime | None = None) -> None:
        """Opens the event stream (the Stasis application exists on the PBX while it is open), then ends
        the calls in progress whose legs went while the bridge was away."""
        token = base64.b64encode(f"{self.config.user}:{self.config.password}".encode()).decode()
        try:
            self.ws = websocket.create_connection(
                self.events_url(), header=[f"Authorization: Basic {token}"], timeout=POST_TIMEOUT_S
            )
        except (websocket.WebSocketException, OSError) as exc:
            raise TelephonyError(
                f"Asterisk events not reachable: {str(exc)[:300] or type(exc).__name__}"
            ) from None
        self.ws.settimeout(wait_s)
        for record in self.tracker.recover(now or datetime.now(UTC)):
            self.journal.put(record)
        self.poster.flush(retry_now=True)

    def step(self) -> CallRecord | None:
        """Handles the next event, if one comes within the wait; a finished call is journalled and posted."""
        if self.ws is None:
            self.connect()
        assert self.ws is not None
        try:
            raw = self.ws.recv()
        except websocket.WebSocketTimeoutException:
            self.poster.flush()
            return None
        except (websocket.WebSocketException, OSError):
            self.close()
            raise
        if not raw:
            return None
        record = self.tracker.handle(json.loads(raw))
        if record is not None:
            self.journal.put(record)
            self.poster.flush(retry_now=True)
        return record

    def run(self, stop: Callable[[], bool], *, retry_s: float = 5.0) -> None:
        """Until `stop()`: follows the events, reconnecting after a drop, and re-sends what waits."""
        while not stop():
            try:
                self.step()
            except (TelephonyError, websocket.WebSocketException, OSError) as exc:
                log.warning("asterisk_bridge_disconnected", reason=str(exc)[:300])
                self.poster.flush()
                time.sleep(retry_s)

    def close(self) -> None:
        if self.ws is not None:
            self.ws.close()
            self.ws = None
