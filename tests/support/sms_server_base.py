"""What the local SMS provider servers share (aliyun_sms_server.py, tencent_sms_server.py,
twilio_server.py): a threaded HTTP server on loopback (tests/support/local_http.py) that counts each
message it accepts per our message id, and can be told to throttle the next requests, to fail as in an
outage (every request answered with the provider's 5xx), or to go down altogether (connections refused)
and come back."""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.support.local_http import Answer, LocalHttp


@dataclass
class Behaviour:
    """How the server answers: `throttle` requests are throttled next; after `outage_after` accepted
    messages every request gets the provider's outage answer (None: never)."""

    throttle: int = 0
    outage_after: int | None = None


@dataclass
class Accepted:
    to: str
    ref: str  # the provider's id for the message
    ours: str  # our message id, as the provider was given it
    text: str  # the text or the template code and its values
    fields: dict[str, Any] = field(default_factory=dict)


class LocalProvider(LocalHttp):
    """The server's state; subclasses implement `handle` for their provider's API (POST only)."""

    name = "provider"

    def __init__(self) -> None:
        super().__init__()
        self.lock = threading.Lock()
        self.accepted: list[Accepted] = []
        self.refused: list[tuple[str, str]] = []  # (code, reason) of each refusal, signatures included
        self.behaviour = Behaviour()

    def sent_per_message(self) -> Counter[str]:
        """How many times each of our message ids was accepted: exactly once each, or a message went twice."""
        with self.lock:
            return Counter(a.ours for a in self.accepted)

    def take_throttle(self) -> bool:
        with self.lock:
            if self.behaviour.throttle > 0:
                self.behaviour.throttle -= 1
                return True
            return False

    def in_outage(self) -> bool:
        with self.lock:
            after = self.behaviour.outage_after
            return after is not None and len(self.accepted) >= after

    def accept(self, item: Accepted) -> None:
        with self.lock:
            self.accepted.append(item)

    def refuse(self, code: str, reason: str) -> None:
        with self.lock:
            self.refused.append((code, reason))

    def serve(self, method: str, request: BaseHTTPRequestHandler, body: bytes) -> Answer:
        if method != "POST":
            return 405, {"allow": "POST"}, b""
        return self.handle(request, body)

    def handle(self, request: BaseHTTPRequestHandler, body: bytes) -> Answer:
        raise NotImplementedError
