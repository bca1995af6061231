"""What the local SMS provider servers share (aliyun_sms_server.py, tencent_sms_server.py,
twilio_server.py): a threaded HTTP server on loopback that counts each message it accepts per our message
id, and can be told to throttle the next requests, to fail as in an outage (every request answered with
the provider's 5xx), or to go down altogether (connections refused) and come back."""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.support.server import free_port


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


class LocalProvider:
    """The server's state; subclasses implement `handle` for their provider's API."""

    name = "provider"

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.accepted: list[Accepted] = []
        self.refused: list[tuple[str, str]] = []  # (code, reason) of each refusal, signatures included
        self.behaviour = Behaviour()
        self.port = free_port()
        self.server: ThreadingHTTPServer | None = None
        self.thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

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

    def handle(self, request: BaseHTTPRequestHandler, body: bytes) -> tuple[int, dict[str, str], bytes]:
        raise NotImplementedError

    # --- running --------------------------------------------------------------------------------------

    def start(self) -> None:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"  # one request per connection: `stop` cuts every client off

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                status, headers, data = provider.handle(self, body)
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *_args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        """Down: the port refuses connections until `start` again (same port, same counts)."""
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def __enter__(self) -> LocalProvider:
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()
