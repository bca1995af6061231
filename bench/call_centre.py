"""A local Aliyun Cloud Call Center (CCC, API 2020-07-01): what HUIKUAN_TELEPHONY_API_URL points at when
HUIKUAN_TELEPHONY=aliyun. The tests start it on a thread (`call_centre()`); `make run` starts it as the
demo's call centre; the telephony benchmark drives it with --drop-callbacks-after/--drop-callbacks-for.

    .venv/bin/python bench/call_centre.py --port 8397 --callback-url http://127.0.0.1:8000/api/v1/callbacks/calls/aliyun/SECRET

Every request is checked as Aliyun checks it (the ACS3-HMAC-SHA256 scheme, bench/acs3.py, written from
Aliyun's description of it, not from the SDK): a wrong key is HTTP 404 InvalidAccessKeyId.NotFound, a
wrong signature HTTP 400 SignatureDoesNotMatch, an unknown instance HTTP 404 NotExists.InstanceId.

The actions (x-acs-action, version 2020-07-01), their parameters in the query or a form body:
- MakeCall(InstanceId, UserId, DeviceId, Callee, Caller?): "rings" the agent, then the callee (logged with
  --verbose), answers Data.CallContext.JobId; after --end-after seconds the call ends with a deterministic
  outcome: every --no-answer-every'th call (counting from 1) is not answered (DialingTime = --ring-seconds,
  ContactDisposition NoAnswer, released by the system), every other is answered after --ring-seconds and
  lasts --talk-seconds (the customer hangs up), its recording ready.
- ListCallDetailRecords(InstanceId, StartTime, EndTime, PageNumber, PageSize, ContactId?): the ended
  calls that started in [StartTime, EndTime] (Unix ms), ascending, paged (TotalCount on the first page).
- GetMonoRecording(InstanceId, ContactId): Data.FileUrl, a link to GET /recordings/<ContactId>.wav with
  an expiring token; the file is a short generated WAV (8 kHz, 16-bit mono tone).

When a call ends its record is pushed, as CCC's webhook subscription pushes call events, to --callback-url
(a JSON event {"EventName": "CDRReady", "InstanceId", "ContactId", "EventTime"}); a push made between
--drop-callbacks-after and that plus --drop-callbacks-for seconds after the start is dropped (counted,
never sent): the record stays in the listing for the reconciliation to find. GET /_stats answers what
was placed, ended, pushed and dropped. Listens on 127.0.0.1 only; stops on SIGTERM or Ctrl-C and by itself
after --max-seconds (default 6 hours).
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import io
import itertools
import json
import math
import re
import signal
import struct
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
import wave
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script: the checkout, for bench.acs3

from bench.acs3 import Acs3  # noqa: E402 (once the checkout is on the path, for a script run)

KEY_ID = "LTAI5tLocalCallCentre"
KEY_SECRET = "local-call-centre-secret"
INSTANCE = "ccc-huikuan-local"
VERSION = "2020-07-01"
URL_SECONDS_DEFAULT = 3600

Answer = tuple[int, dict[str, str], bytes]


def tone_wav(seconds: float = 1.0, hertz: int = 440, rate: int = 8000) -> bytes:
    """A short tone as a WAV file: what every recording of this call centre sounds like."""
    frames = b"".join(
        struct.pack("<h", int(8000 * math.sin(2 * math.pi * hertz * n / rate)))
        for n in range(int(seconds * rate))
    )
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(frames)
    return out.getvalue()


@dataclass
class Call:
    contact_id: str
    user_id: str
    caller: str
    callee: str
    started_ms: int
    answered: bool = False
    ended: bool = False
    ring_seconds: int = 0
    talk_seconds: int = 0
    release_initiator: str = ""

    def record(self, instance: str) -> dict[str, Any]:
        """The call as ListCallDetailRecords lists it."""
        established = self.started_ms + self.ring_seconds * 1000 if self.answered else None
        released = self.started_ms + (self.ring_seconds + self.talk_seconds) * 1000
        return {
            "ContactId": self.contact_id,
            "InstanceId": instance,
            "ContactType": "Outbound",
            "AgentIds": self.user_id,
            "CallingNumber": self.caller,
            "CalledNumber": self.callee,
            "StartTime": self.started_ms,
            "EstablishedTime": established,
            "ReleaseTime": released,
            "DialingTime": self.ring_seconds,
            "RingTime": 1,
            "TalkTime": self.talk_seconds,
            "CallDuration": str(self.talk_seconds),
            "ContactDisposition": "Success" if self.answered else "NoAnswer",
            "ReleaseInitiator": self.release_initiator,
            "RecordingReady": self.answered,
            "RecordingDuration": self.talk_seconds if self.answered else 0,
        }


@dataclass
class CallCentre:
    key_id: str = KEY_ID
    key_secret: str = KEY_SECRET
    instance: str = INSTANCE
    callback_url: str = ""
    # seconds from MakeCall until the call has ended and its record is out (None: only when `end` is called)
    end_after: float | None = 2.0
    ring_seconds: int = 6
    talk_seconds: int = 95
    no_answer_every: int = 4  # every n-th call is not answered (0: every call is answered)
    drop_after: float | None = None  # seconds after the start when callbacks begin to be dropped
    drop_for: float = 0.0
    verbose: bool = False
    url: str = ""
    started: float = field(default_factory=time.monotonic)
    lock: threading.RLock = field(default_factory=threading.RLock)
    changed: threading.Condition = field(init=False)
    signature: Acs3 = field(init=False)
    calls: dict[str, Call] = field(default_factory=dict)
    placed: int = 0
    pushed: int = 0
    dropped: int = 0
    push_failed: int = 0
    refused: list[tuple[str, str]] = field(default_factory=list)
    wav: bytes = field(default_factory=tone_wav)
    # job ids from the clock, so that a restarted call centre never reuses one a floor has stored
    _jobs: Iterator[int] = field(default_factory=lambda: itertools.count(int(time.time() * 1000) * 1000))

    def __post_init__(self) -> None:
        self.changed = threading.Condition(self.lock)
        self.signature = Acs3(self.key_id, self.key_secret)

    # --- the signature --------------------------------------------------------------------------------

    def verify(self, method: str, path: str, headers: dict[str, str], body: bytes) -> str | None:
        """The signature error code, or None when the request is signed as Aliyun requires."""
        return self.signature.refusal(method, path, headers, body)

    # --- answering ------------------------------------------------------------------------------------

    def _json(self, status: int, body: dict[str, Any]) -> Answer:
        body.setdefault("RequestId", str(uuid.uuid4()).upper())
        body.setdefault("HttpStatusCode", status)
        return status, {"content-type": "application/json;charset=utf-8"}, json.dumps(body).encode()

    def _refuse(self, status: int, code: str, message: str) -> Answer:
        with self.lock:
            self.refused.append((code, message))
        if self.verbose:
            print(f"call centre refused: {code}: {message}", flush=True)
        return self._json(status, {"Code": code, "Message": message})

    def post(self, path: str, headers: dict[str, str], body: bytes) -> Answer:
        problem = self.verify("POST", path, headers, body)
        if problem == "InvalidAccessKeyId.NotFound":
            return self._refuse(404, problem, "Specified access key is not found.")
        if problem is not None:
            return self._refuse(400, problem, "Specified signature does not match our calculation.")
        if headers.get("x-acs-version") != VERSION:
            return self._refuse(400, "InvalidVersion", "Specified parameter Version is not valid.")
        params = dict(parse_qsl(urlsplit(path).query, keep_blank_values=True))
        if body and "x-www-form-urlencoded" in headers.get("content-type", ""):
            params.update(parse_qsl(body.decode(), keep_blank_values=True))
        if params.get("InstanceId") != self.instance:
            return self._refuse(404, "NotExists.InstanceId", "The specified instance does not exist.")
        action = headers.get("x-acs-action", "")
        if action == "MakeCall":
            return self.make_call(params)
        if action == "ListCallDetailRecords":
            return self.list_records(params)
        if action == "GetMonoRecording":
            return self.mono_recording(params)
        return self._refuse(404, "InvalidAction.NotFound", "Specified api is not found.")

    def make_call(self, params: dict[str, str]) -> Answer:
        for name in ("UserId", "DeviceId", "Callee"):
            if not params.get(name):
                return self._refuse(
                    400, "Parameter.Blank", f"The parameter {name} must not be null or empty."
                )
        if not re.fullmatch(r"1[3-9]\d{9}|0\d{9,11}|00\d{6,15}", params["Callee"]):
            return self._refuse(400, "Parameter.Invalid", "The parameter Callee is invalid.")
        with self.lock:
            self.placed += 1
            n = self.placed
            call = Call(
                contact_id=f"job-{next(self._jobs)}",
                user_id=params["UserId"],
                caller=params.get("Caller", ""),
                callee=params["Callee"],
                started_ms=int(time.time() * 1000),
            )
            self.calls[call.contact_id] = call
        if self.verbose:
            print(f"call {call.contact_id}: ringing agent {call.user_id}, then {call.callee}", flush=True)
        if self.end_after is not None:
            unanswered = self.no_answer_every > 0 and n % self.no_answer_every == 0
            timer = threading.Timer(self.end_after, self.end, args=(call.contact_id, not unanswered))
            timer.daemon = True
            timer.start()
        context = {
            "CallType": "OUTBOUND",
            "InstanceId": self.instance,
            "JobId": call.contact_id,
            "ChannelContexts": [
                {"ChannelId": f"ch-{call.contact_id}-a", "UserId": call.user_id, "ChannelState": "DIALING"},
                {
                    "ChannelId": f"ch-{call.contact_id}-c",
                    "Destination": call.callee,
                    "ChannelState": "DIALING",
                },
            ],
        }
        user = {"UserId": call.user_id, "DeviceId": params["DeviceId"], "UserState": "OUTBOUND_CALLING"}
        return self._json(
            200, {"Code": "OK", "Data": {"ContextId": n, "CallContext": context, "UserContext": user}}
        )

    def end(self, contact_id: str, answered: bool) -> None:
        """The call ends: its record is listed from now on and pushed (unless callbacks are being dropped)."""
        with self.changed:
            call = self.calls[contact_id]
            call.answered, call.ended, call.ring_seconds = answered, True, self.ring_seconds
            call.talk_seconds = self.talk_seconds if answered else 0
            call.release_initiator = "customer" if answered else "system"
            self.changed.notify_all()
        if self.verbose:
            outcome = f"answered, {call.talk_seconds} s" if answered else "no answer"
            print(f"call {contact_id}: ended ({outcome})", flush=True)
        self.push(call)

    def wait_ended(self, count: int, timeout: float = 30.0) -> bool:
        """Whether `count` calls have ended, waiting up to `timeout` seconds for them."""
        with self.changed:
            return self.changed.wait_for(lambda: sum(c.ended for c in self.calls.values()) >= count, timeout)

    def dropping(self) -> bool:
        if self.drop_after is None:
            return False
        since = time.monotonic() - self.started
        return self.drop_after <= since < self.drop_after + self.drop_for

    def push(self, call: Call) -> None:
        if not self.callback_url:
            return
        if self.dropping():
            with self.lock:
                self.dropped += 1
            return
        event = {
            "EventName": "CDRReady",
            "InstanceId": self.instance,
            "ContactId": call.contact_id,
            "EventTime": int(time.time() * 1000),
        }
        request = urllib.request.Request(
            self.callback_url,
            data=json.dumps(event).encode(),
            method="POST",
            headers={"content-type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=10):  # noqa: S310 (an http(s) address given)
                pass
            with self.lock:
                self.pushed += 1
        except (urllib.error.URLError, OSError) as exc:
            with self.lock:
                self.push_failed += 1
            if self.verbose:
                print(f"call {call.contact_id}: push failed ({exc})", flush=True)

    def list_records(self, params: dict[str, str]) -> Answer:
        try:
            page = int(params.get("PageNumber", "0"))
            size = int(params.get("PageSize", "0"))
            start = int(params.get("StartTime") or 0)
            end = int(params.get("EndTime") or time.time() * 1000)
        except ValueError:
            return self._refuse(400, "Parameter.Invalid", "The parameter PageNumber or PageSize is invalid.")
        if not (1 <= page <= 100 and 1 <= size <= 100):
            return self._refuse(400, "Parameter.Invalid", "PageNumber and PageSize must be within 1-100.")
        with self.lock:
            ended = [c for c in self.calls.values() if c.ended and start <= c.started_ms <= end]
        if params.get("ContactId"):
            ended = [c for c in ended if c.contact_id == params["ContactId"]]
        ended.sort(key=lambda c: (c.started_ms, c.contact_id), reverse=params.get("SortOrder") == "DESC")
        chunk = ended[(page - 1) * size : page * size]
        data = {
            "PageNumber": page,
            "PageSize": size,
            "TotalCount": len(ended) if page == 1 else 0,  # as CCC: counted on the first page only
            "List": [c.record(self.instance) for c in chunk],
        }
        return self._json(200, {"Code": "OK", "Data": data})

    def _token(self, contact_id: str, expires: int) -> str:
        return hmac.new(
            self.key_secret.encode(), f"{contact_id}:{expires}".encode(), hashlib.sha256
        ).hexdigest()

    def mono_recording(self, params: dict[str, str]) -> Answer:
        with self.lock:
            call = self.calls.get(params.get("ContactId", ""))
        if call is None or not call.answered:
            return self._refuse(404, "NotExists.Recording", "The recording of the call does not exist.")
        expires = int(time.time()) + int(params.get("ExpireSeconds") or URL_SECONDS_DEFAULT)
        token = self._token(call.contact_id, expires)
        url = f"{self.url}/recordings/{call.contact_id}.wav?Expires={expires}&Signature={token}"
        data = {"FileName": f"{call.contact_id}.wav", "FileUrl": url, "Duration": call.talk_seconds}
        return self._json(200, {"Code": "OK", "Data": data})

    def get(self, path: str) -> Answer:
        parts = urlsplit(path)
        if parts.path == "/_stats":
            with self.lock:
                stats = {
                    "placed": self.placed,
                    "ended": sum(c.ended for c in self.calls.values()),
                    "pushed": self.pushed,
                    "dropped": self.dropped,
                    "push_failed": self.push_failed,
                    "refused": len(self.refused),
                }
            return 200, {"content-type": "application/json"}, json.dumps(stats).encode()
        found = re.fullmatch(r"/recordings/(job-\d+)\.wav", parts.path)
        query = dict(parse_qsl(parts.query))
        if found:
            contact_id = found.group(1)
            try:
                expires = int(query.get("Expires", "0"))
            except ValueError:
                expires = 0
            good = hmac.compare_digest(self._token(contact_id, expires), query.get("Signature", ""))
            if good and expires >= time.time() and contact_id in self.calls:
                return 200, {"content-type": "audio/wav"}, self.wav
            return 403, {"content-type": "text/plain"}, b"AccessDenied"
        return 404, {"content-type": "text/plain"}, b"NotFound"


@contextmanager
def call_centre(port: int = 0, **options: Any) -> Iterator[CallCentre]:
    """The call centre on 127.0.0.1 (`port` 0: a free one) on its own thread, until the block ends."""
    centre = CallCentre(**options)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"

        def _send(self, answer: Answer) -> None:
            status, headers, data = answer
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            headers = {k.lower(): v for k, v in self.headers.items()}
            self._send(centre.post(self.path, headers, body))

        def do_GET(self) -> None:
            self._send(centre.get(self.path))

        def log_message(self, *_args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    centre.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield centre
    finally:
        server.shutdown()
        server.server_close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--port", type=int, required=True, help="port on 127.0.0.1")
    parser.add_argument("--key-id", default=KEY_ID, help="the AccessKey id it accepts")
    parser.add_argument(
        "--key-secret", default=KEY_SECRET, help="the AccessKey secret requests are signed with"
    )
    parser.add_argument("--instance", default=INSTANCE, help="the CCC instance id it answers for")
    parser.add_argument("--callback-url", default="", help="where each ended call's event is pushed")
    parser.add_argument("--end-after", type=float, default=2.0, help="seconds until a placed call has ended")
    parser.add_argument("--ring-seconds", type=int, default=6, help="how long the debtor's phone rings")
    parser.add_argument("--talk-seconds", type=int, default=95, help="how long an answered call lasts")
    parser.add_argument(
        "--no-answer-every", type=int, default=4, help="every n-th call is not answered (0: none)"
    )
    parser.add_argument("--drop-callbacks-after", type=float, default=None, help="seconds after the start")
    parser.add_argument("--drop-callbacks-for", type=float, default=0.0, help="seconds callbacks are dropped")
    parser.add_argument("--max-seconds", type=float, default=6 * 3600, help="stop by itself after this long")
    parser.add_argument("--verbose", action="store_true", help="print each call and refusal")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)

    stopping: list[int] = []

    def _stop(signum: int, _frame: Any) -> None:
        stopping.append(signum)  # the main loop looks every 0.2 s

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    options = {
        "key_id": args.key_id,
        "key_secret": args.key_secret,
        "instance": args.instance,
        "callback_url": args.callback_url,
        "end_after": args.end_after,
        "ring_seconds": args.ring_seconds,
        "talk_seconds": args.talk_seconds,
        "no_answer_every": args.no_answer_every,
        "drop_after": args.drop_callbacks_after,
        "drop_for": args.drop_callbacks_for,
        "verbose": args.verbose,
    }
    with call_centre(args.port, **options) as centre:
        print(f"call centre (Aliyun CCC) listening on {centre.url}, instance {centre.instance}", flush=True)
        deadline = time.monotonic() + args.max_seconds
        while not stopping and time.monotonic() < deadline:
            time.sleep(0.2)
        print(
            f"call centre stopped: {centre.placed} placed, {centre.pushed} pushed, {centre.dropped} dropped",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
