"""Test doubles for the outbox: a real SMS provider over HTTP and a real SMTP server, both on loopback,
and the settings that point the channels at them."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from tests.support.server import free_port

from huikuan import config
from huikuan.config import Settings

AGENCY_PHONE = "400-800-1234"


def use_settings(monkeypatch: pytest.MonkeyPatch, **values: str) -> None:
    """Sets HUIKUAN_* variables for the code that reads get_settings() (the message texts)."""
    monkeypatch.setenv("HUIKUAN_AGENCY_PHONE", AGENCY_PHONE)
    for name, value in values.items():
        monkeypatch.setenv(f"HUIKUAN_{name.upper()}", value)
    config.get_settings.cache_clear()


def channel_settings(tmp_path: Path, **values: Any) -> Settings:
    """Settings for dispatch_due: no SMTP server and no SMS provider unless given; letters under tmp."""
    base: dict[str, Any] = {"smtp_host": "", "sms_url": None, "letters_dir": str(tmp_path / "letters")}
    return Settings(**{**base, **values})


@dataclass
class SmsProvider:
    """An SMS provider's HTTP API: records every request, answers from `replies` (status, body) in turn,
    then 200 {"id": "sms-<n>"}."""

    replies: list[tuple[int, Any]] = field(default_factory=list)
    received: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    url: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, payload: dict[str, Any], headers: dict[str, str]) -> tuple[int, Any]:
        with self.lock:
            self.received.append(payload)
            self.headers.append(headers)
            if self.replies:
                return self.replies.pop(0)
            return 200, {"id": f"sms-{len(self.received)}"}


@contextmanager
def sms_provider(replies: list[tuple[int, Any]] | None = None) -> Iterator[SmsProvider]:
    provider = SmsProvider(list(replies or []))

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("content-length", 0))
            payload = json.loads(self.rfile.read(length) or b"{}")
            status, body = provider.answer(payload, dict(self.headers))
            data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("content-type", "text/plain" if isinstance(body, str) else "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *_args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    provider.url = f"http://127.0.0.1:{server.server_address[1]}/sms"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield provider
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class Mailbox:
    messages: list[bytes] = field(default_factory=list)
    recipients: list[list[str]] = field(default_factory=list)
    refuse: str | None = None  # an SMTP reply to RCPT TO, e.g. "550 5.1.1 no such user"

    async def handle_RCPT(
        self, _server: Any, _session: Any, envelope: Any, address: str, _options: Any
    ) -> str:
        if self.refuse:
            return self.refuse
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
        self.messages.append(envelope.original_content or envelope.content)
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 Message accepted for delivery"


@contextmanager
def smtp_server(refuse: str | None = None) -> Iterator[tuple[Mailbox, int]]:
    box = Mailbox(refuse=refuse)
    port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield box, port
    finally:
        controller.stop()
