"""A tiny local SMS provider for the floor benchmark: what HUIKUAN_SMS_URL points at.

It takes what the product's SMS channel posts (src/huikuan/channels/sms/transport.py): a POST of JSON
{"to", "text", "reference"}, maybe with "Authorization: Bearer ...", to any path; and answers as a
provider that accepts everything: 200 {"id": "sms-<n>"}. GET (any path) answers {"received": n}, a
count to check that the outbox job did send. Listens on 127.0.0.1 only.

    .venv/bin/python bench/sms_provider.py --port 8399
    HUIKUAN_SMS_URL=http://127.0.0.1:8399/sms .venv/bin/huikuan serve ...

Stops on SIGTERM or Ctrl-C, and by itself after --max-seconds (default 6 hours), so it never lingers.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MAX_BODY = 1_000_000


class Provider:
    """Counts what it receives; thread-safe (the server answers each request on its own thread)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.received = 0
        self.bad = 0

    def accept(self) -> int:
        with self.lock:
            self.received += 1
            return self.received

    def refuse(self) -> None:
        with self.lock:
            self.bad += 1


def make_handler(provider: Provider, verbose: bool) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _answer(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            if length > MAX_BODY:
                provider.refuse()
                self._answer(413, {"error": "message too large"})
                return
            raw = self.rfile.read(length) if length else b""
            try:
                payload = json.loads(raw or b"{}")
            except ValueError:
                payload = None
            if not isinstance(payload, dict) or not payload.get("to"):
                provider.refuse()
                self._answer(400, {"error": "expected JSON with to, text and reference"})
                return
            n = provider.accept()
            if verbose:
                print(f"sms {n} to {payload.get('to')} ref {payload.get('reference')}", flush=True)
            self._answer(200, {"id": f"sms-{n}"})

        def do_GET(self) -> None:
            self._answer(200, {"received": provider.received, "refused": provider.bad})

        def log_message(self, *_args: Any) -> None:
            return

    return Handler


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--port", type=int, required=True, help="port on 127.0.0.1")
    parser.add_argument("--max-seconds", type=float, default=6 * 3600, help="stop by itself after this long")
    parser.add_argument("--verbose", action="store_true", help="print each message received")
    args = parser.parse_args(argv)

    provider = Provider()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), make_handler(provider, args.verbose))
    server.daemon_threads = True
    stopping: list[int] = []

    def _stop(signum: int, _frame: Any) -> None:
        stopping.append(signum)  # no lock taken in a signal handler: the main loop looks every 0.2 s

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    print(f"sms provider listening on http://127.0.0.1:{args.port}/sms", flush=True)
    deadline = time.monotonic() + args.max_seconds
    try:
        while not stopping and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        server.shutdown()
        server.server_close()
        print(f"sms provider stopped: {provider.received} received, {provider.bad} refused", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
