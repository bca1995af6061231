"""A tiny local SMS provider for the floor benchmark: what HUIKUAN_SMS_URL points at.

It takes what the product's SMS channel posts (src/huikuan/channels/sms/transport.py): a POST of JSON
{"to", "text", "reference"}, maybe with "Authorization: Bearer ...", to any path; and answers as a
provider that accepts everything: 200 {"id": "sms-<n>"}. GET (any path) answers {"received": n}, a
count to check that the outbox job did send. Listens on 127.0.0.1 only.

    .venv/bin/python bench/sms_provider.py --port 8399
    HUIKUAN_SMS_URL=http://127.0.0.1:8399/sms .venv/bin/huikuan serve ...

Stops on SIGTERM or Ctrl-C, and by itself after --max-seconds (default 6 hours), so it never lingers.

It also plays the provider's other half, a debtor's reply: `reply` posts it to Huikuan's generic SMS
webhook (POST /api/v1/inbound/sms with the provider's token, HUIKUAN_SMS_TOKEN), as a provider would:

    .venv/bin/python bench/sms_provider.py reply --from +8613800138000 --text TD  # to :8000
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MAX_BODY = 1_000_000


class Provider:
    """Counts what it receives; thread-safe (the server answers each request on its own thread)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.received = 0
        self.bad = 0
        self.recipients: list[str] = []  # each message's "to", in the order received

    def accept(self, to: str = "") -> int:
        with self.lock:
            self.received += 1
            self.recipients.append(to)
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
            n = provider.accept(str(payload.get("to")))
            if verbose:
                print(f"sms {n} to {payload.get('to')} ref {payload.get('reference')}", flush=True)
            self._answer(200, {"id": f"sms-{n}"})

        def do_GET(self) -> None:
            self._answer(200, {"received": provider.received, "refused": provider.bad})

        def log_message(self, *_args: Any) -> None:
            return

    return Handler


def reply(argv: list[str]) -> int:
    """A debtor's reply posted to the server's generic SMS webhook; prints its answer."""
    parser = argparse.ArgumentParser(prog="sms_provider.py reply", description=reply.__doc__)
    parser.add_argument("--server", default="http://127.0.0.1:8000", help="Huikuan's address")
    parser.add_argument(
        "--from", dest="sender", required=True, help="the debtor's number, e.g. +8613800138000"
    )
    parser.add_argument("--text", required=True, help="what the debtor wrote (TD opts the number out)")
    parser.add_argument("--to", default="10690000", help="our number")
    parser.add_argument("--token", default=os.environ.get("HUIKUAN_SMS_TOKEN", ""), help="HUIKUAN_SMS_TOKEN")
    args = parser.parse_args(argv)
    body = json.dumps({"from": args.sender, "to": args.to, "text": args.text}).encode()
    request = urllib.request.Request(
        args.server.rstrip("/") + "/api/v1/inbound/sms",
        data=body,
        method="POST",
        headers={"content-type": "application/json", "authorization": f"Bearer {args.token}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 (an http(s) address given)
            print(answer.read().decode(), flush=True)
    except urllib.error.HTTPError as refused:  # 401 no token, 403 another one
        print(f"{refused.code}: {refused.read().decode()}", file=sys.stderr, flush=True)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["reply"]:
        return reply(argv[1:])
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
