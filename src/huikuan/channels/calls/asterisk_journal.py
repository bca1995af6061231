"""The Asterisk bridge's journal (channels/calls/asterisk_bridge.py): every finished call's record, kept in
a SQLite file beside the bridge until Huikuan has acknowledged it, and the calls still in progress, so that
a restart of the bridge loses neither. `Poster` posts what waits, signed; `JournalServer` serves the
journal to the reconciliation (`calls_since` of channels/calls/asterisk_ari.py)."""

from __future__ import annotations

import base64
import hmac
import json
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import structlog

from huikuan.channels.calls.asterisk_ari import (
    SIGNATURE_HEADER,
    record_from_json,
    record_to_json,
    records_body,
    sign,
)
from huikuan.channels.telephony import CallRecord

log = structlog.get_logger(__name__)

POST_BATCH = 100
POST_TIMEOUT_S = 10.0


def instant(value: str) -> datetime:
    """ARI's timestamps: 2026-12-07T09:00:03.000+0000 (and ISO 8601 with a colon)."""
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


class Journal:
    """Every finished call's record, kept until Huikuan has acknowledged it (and after, for the
    reconciliation to read)."""

    def __init__(self, path: Path | str) -> None:
        self.path = str(path)
        with self._db() as db:
            db.execute(
                "create table if not exists call_records (provider_ref text primary key, started_at text"
                " not null, body text not null, acknowledged integer not null default 0)"
            )
            db.execute("create table if not exists calls_in_progress (bridge text primary key, state text)")

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        with closing(sqlite3.connect(self.path, timeout=30)) as db, db:
            yield db

    def put(self, record: CallRecord) -> None:
        body = json.dumps(record_to_json(record), ensure_ascii=False)
        with self._db() as db:
            db.execute(
                "insert or ignore into call_records (provider_ref, started_at, body) values (?, ?, ?)",
                (record.provider_ref, record.started_at.astimezone(UTC).isoformat(), body),
            )

    def unacknowledged(self, limit: int = POST_BATCH) -> list[CallRecord]:
        with self._db() as db:
            rows = db.execute(
                "select body from call_records where acknowledged = 0 order by started_at limit ?", (limit,)
            ).fetchall()
        return [record_from_json(json.loads(body)) for (body,) in rows]

    def acknowledge(self, refs: list[str]) -> None:
        with self._db() as db:
            db.executemany(
                "update call_records set acknowledged = 1 where provider_ref = ?", [(r,) for r in refs]
            )

    def keep_call(self, bridge: str, state: str) -> None:
        with self._db() as db:
            db.execute(
                "insert or replace into calls_in_progress (bridge, state) values (?, ?)", (bridge, state)
            )

    def forget_call(self, bridge: str) -> None:
        with self._db() as db:
            db.execute("delete from calls_in_progress where bridge = ?", (bridge,))

    def calls_in_progress(self) -> dict[str, str]:
        """Each call in progress's state, as the bridge kept it."""
        with self._db() as db:
            rows = db.execute("select bridge, state from calls_in_progress").fetchall()
        return dict(rows)

    def since(self, since: datetime) -> list[CallRecord]:
        with self._db() as db:
            rows = db.execute(
                "select body from call_records where started_at >= ? order by started_at",
                (since.astimezone(UTC).isoformat(),),
            ).fetchall()
        return [record_from_json(json.loads(body)) for (body,) in rows]


class Poster:
    """Posts the journal's unacknowledged records to Huikuan's callback route, signed; whatever was not
    answered 2xx stays for the next try."""

    def __init__(self, journal: Journal, callback_url: str, secret: str, *, retry_s: float = 10.0) -> None:
        self.journal = journal
        self.callback_url = callback_url
        self.secret = secret
        self.retry_s = retry_s
        self.resume_at = 0.0  # after a failed post, the next try waits until then (time.monotonic())

    def flush(self, *, retry_now: bool = False) -> int:
        """Posts what is waiting (after a failure, only once retry_s has passed, unless `retry_now`); how
        many records Huikuan acknowledged."""
        if not retry_now and time.monotonic() < self.resume_at:
            return 0
        sent = 0
        while records := self.journal.unacknowledged():
            body = records_body(records)
            headers = {"Content-Type": "application/json", SIGNATURE_HEADER: sign(self.secret, body)}
            try:
                answer = httpx.post(self.callback_url, content=body, headers=headers, timeout=POST_TIMEOUT_S)
            except httpx.HTTPError as exc:
                log.warning("asterisk_bridge_post_failed", reason=str(exc)[:300])
                self.resume_at = time.monotonic() + self.retry_s
                return sent
            if not answer.is_success:
                log.warning("asterisk_bridge_post_refused", status=answer.status_code)
                self.resume_at = time.monotonic() + self.retry_s
                return sent
            self.journal.acknowledge([r.provider_ref for r in records])
            sent += len(records)
        return sent


class JournalServer:
    """GET /calls?since=<ISO 8601>: the journal's records from then on, as {"records": [...]}, to the ARI
    user only (HTTP basic)."""

    def __init__(self, journal: Journal, host: str, port: int, user: str, password: str) -> None:
        expected = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                if not hmac.compare_digest(self.headers.get("Authorization", ""), expected):
                    self._answer(
                        401, b'{"message": "Authentication required"}', {"WWW-Authenticate": "Basic"}
                    )
                    return
                if parts.path != "/calls":
                    self._answer(404, b'{"message": "Not found"}')
                    return
                try:
                    since = instant(parse_qs(parts.query)["since"][0])
                except (KeyError, ValueError):
                    self._answer(400, b'{"message": "since: an ISO 8601 instant"}')
                    return
                self._answer(200, records_body(journal.since(since)))

            def _answer(self, status: int, body: bytes, extra: dict[str, str] | None = None) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                for key, value in (extra or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002, ARG002
                return

        self.server = ThreadingHTTPServer((host, port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
