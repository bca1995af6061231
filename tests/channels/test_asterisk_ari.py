"""A floor's own Asterisk through ARI: the adapter places the call, the bridge beside the PBX follows the
events to a CallRecord, journals it and posts it signed until Huikuan acknowledges it; the reconciliation
reads the journal. Everything against the local ARI stand-in (tests/support/ari_server.py)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from tests.support.ari_server import PASSWORD, START, USER, LocalAri, local_ari, wav
from tests.support.server import free_port

from huikuan.channels.calls.asterisk_ari import AsteriskAri, sign
from huikuan.channels.calls.asterisk_bridge import Bridge, BridgeConfig
from huikuan.channels.calls.asterisk_journal import Journal, JournalServer
from huikuan.channels.telephony import CallbackRejected, CallRecord, CallRequest, TelephonyError, telephony
from huikuan.config import Settings

SECRET = "callback-secret"
DEBTOR = "+8613800000000"
CALLER_ID = "+861012345678"


@dataclass
class Receiver:
    """Huikuan's callback route as the bridge sees it: what it was posted, and how many posts to lose."""

    posts: list[tuple[str, dict[str, str], bytes]] = field(default_factory=list)
    lose: int = 0
    url: str = ""


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            if state.lose > 0:
                state.lose -= 1
                self.send_response(503)
            else:
                state.posts.append((self.path, dict(self.headers.items()), body))
                self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002, ARG002
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/api/v1/callbacks/calls/asterisk/{SECRET}"
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def ari() -> Iterator[LocalAri]:
    with local_ari() as server:
        yield server


@pytest.fixture
def bridge(ari: LocalAri, receiver: Receiver, tmp_path: Path) -> Iterator[Bridge]:
    running = Bridge(
        BridgeConfig(ari.url, USER, PASSWORD, "huikuan", receiver.url, SECRET, tmp_path / "journal.sqlite")
    )
    running.connect(wait_s=0.2)
    yield running
    running.close()


@pytest.fixture
def journal_server(bridge: Bridge) -> Iterator[str]:
    server = JournalServer(bridge.journal, "127.0.0.1", 0, USER, PASSWORD)
    server.start()
    yield f"http://127.0.0.1:{server.port}"
    server.stop()


def phone(ari: LocalAri, *, password: str = PASSWORD, bridge_url: str = "") -> AsteriskAri:
    return AsteriskAri(
        ari.url, USER, password, "huikuan", callback_secret=SECRET, bridge_url=bridge_url, caller_id=CALLER_ID
    )


def call(call_id: int = 7, *, announce: bool = True) -> CallRequest:
    return CallRequest(call_id=call_id, extension="8001", to=DEBTOR, announce_recording=announce)


def until(bridge: Bridge, done: Callable[[], bool]) -> None:
    """Lets the bridge follow the events until `done`; a call that never ends fails the test."""
    for _ in range(300):
        if done():
            return
        bridge.step()
    raise AssertionError("the call never ended")


def journalled(bridge: Bridge, count: int = 1) -> Callable[[], bool]:
    return lambda: len(bridge.journal.since(START - timedelta(days=1))) >= count


def posted(receiver: Receiver, adapter: AsteriskAri) -> list[CallRecord]:
    return [r for url, headers, body in receiver.posts for r in adapter.callback_records(url, headers, body)]


def test_placing_a_call_makes_a_bridge_and_rings_the_collectors_extension_into_the_application(
    ari: LocalAri,
) -> None:
    placed = phone(ari).place_call(call(7))

    assert placed.provider_ref == "huikuan-7"
    assert ari.asked("POST", "/bridges") == [{"type": "mixing", "bridgeId": "huikuan-7", "name": "huikuan-7"}]
    assert ari.asked("POST", "/channels") == [
        {
            "endpoint": "PJSIP/8001",
            "app": "huikuan",
            "appArgs": f"agent,7,{DEBTOR},1,{CALLER_ID}",
            "channelId": "huikuan-7-agent",
            "timeout": "30",
            "callerId": CALLER_ID,
        }
    ]


def test_an_answered_call_is_bridged_recorded_announced_and_its_record_posted_signed(
    ari: LocalAri, bridge: Bridge, receiver: Receiver
) -> None:
    adapter = phone(ari)
    adapter.place_call(call(7, announce=True))
    until(bridge, lambda: bool(receiver.posts))

    debtor_leg = ari.asked("POST", "/channels")[1]
    assert debtor_leg["endpoint"] == f"PJSIP/{DEBTOR}@huikuan-trunk"
    assert debtor_leg["channelId"] == "huikuan-7-debtor"
    assert debtor_leg["callerId"] == CALLER_ID
    assert ari.asked("POST", "/bridges/huikuan-7/addChannel") == [
        {"channel": "huikuan-7-agent"},
        {"channel": "huikuan-7-debtor"},
    ]
    assert ari.asked("POST", "/bridges/huikuan-7/record")[0]["name"] == "huikuan-7"
    assert ari.asked("POST", "/bridges/huikuan-7/play") == [{"media": "sound:huikuan-recording-notice"}]
    assert ari.asked("DELETE", "/bridges/huikuan-7") == [{}]
    assert posted(receiver, adapter) == [
        CallRecord(
            provider_ref="huikuan-7",
            dialled=DEBTOR,
            started_at=START,
            answered=True,
            ring_seconds=5,
            talk_seconds=42,
            hung_up_by="customer",
            recording_ref="huikuan-7",
            call_id=7,
        )
    ]
    assert adapter.recording("huikuan-7") == wav(42)


def test_the_recording_notice_is_played_only_when_asked(ari: LocalAri, bridge: Bridge) -> None:
    phone(ari).place_call(call(8, announce=False))
    until(bridge, journalled(bridge))

    assert ari.asked("POST", "/bridges/huikuan-8/record") != []
    assert ari.asked("POST", "/bridges/huikuan-8/play") == []


def test_the_collector_hanging_up_first_is_recorded_as_the_agents(
    ari: LocalAri, bridge: Bridge, receiver: Receiver
) -> None:
    ari.script.hangs_up = "agent"
    adapter = phone(ari)
    adapter.place_call(call(9))
    until(bridge, lambda: bool(receiver.posts))

    (record,) = posted(receiver, adapter)
    assert (record.answered, record.talk_seconds, record.hung_up_by) == (True, 42, "agent")


@pytest.mark.parametrize(("cause", "hung_up_by"), [(19, "system"), (17, "customer")])
def test_a_debtor_who_does_not_answer_records_an_unanswered_call_without_a_recording(
    ari: LocalAri, bridge: Bridge, receiver: Receiver, cause: int, hung_up_by: str
) -> None:
    ari.script.debtor_answers, ari.script.debtor_cause = False, cause
    adapter = phone(ari)
    adapter.place_call(call(10))
    until(bridge, lambda: bool(receiver.posts))

    (record,) = posted(receiver, adapter)
    assert record == CallRecord(
        provider_ref="huikuan-10",
        dialled=DEBTOR,
        started_at=START,
        answered=False,
        ring_seconds=5,
        talk_seconds=0,
        hung_up_by=hung_up_by,
        recording_ref=None,
        call_id=10,
    )
    assert ari.asked("POST", "/bridges/huikuan-10/record") == []
    assert ari.asked("DELETE", "/channels/huikuan-10-agent") == [{}]


def test_a_collector_who_does_not_answer_never_rings_the_debtor(
    ari: LocalAri, bridge: Bridge, receiver: Receiver
) -> None:
    ari.script.agent_answers = False
    adapter = phone(ari)
    adapter.place_call(call(11))
    until(bridge, lambda: bool(receiver.posts))

    (record,) = posted(receiver, adapter)
    assert (record.answered, record.dialled, record.ring_seconds, record.hung_up_by) == (
        False,
        "",
        0,
        "system",
    )
    assert len(ari.asked("POST", "/channels")) == 1


def test_a_forged_or_altered_post_is_rejected(ari: LocalAri, bridge: Bridge, receiver: Receiver) -> None:
    adapter = phone(ari)
    adapter.place_call(call(12))
    until(bridge, lambda: bool(receiver.posts))
    url, headers, body = receiver.posts[0]

    with pytest.raises(CallbackRejected):
        adapter.callback_records(url, {**headers, "X-Huikuan-Signature": sign("guessed", body)}, body)
    with pytest.raises(CallbackRejected):
        adapter.callback_records(url, headers, body.replace(b'"talk_seconds": 42', b'"talk_seconds": 4'))
    with pytest.raises(CallbackRejected):
        adapter.callback_records(url, {"Content-Type": "application/json"}, body)
    with pytest.raises(CallbackRejected):
        adapter.callback_records(url, {"X-Huikuan-Signature": sign(SECRET, b"[]")}, b"[]")


def test_a_lost_post_is_read_by_the_reconciliation_and_sent_again_until_acknowledged(
    ari: LocalAri, bridge: Bridge, receiver: Receiver, journal_server: str
) -> None:
    receiver.lose = 1
    bridge.poster.retry_s = 3600  # the bridge's own next try is far off: the reconciliation comes first
    adapter = phone(ari, bridge_url=journal_server)
    adapter.place_call(call(13))
    until(bridge, journalled(bridge))

    assert receiver.posts == []
    assert [r.provider_ref for r in bridge.journal.unacknowledged()] == ["huikuan-13"]
    (reconciled,) = adapter.calls_since(START - timedelta(minutes=5))
    assert (reconciled.call_id, reconciled.talk_seconds) == (13, 42)
    assert list(adapter.calls_since(START + timedelta(minutes=5))) == []

    assert bridge.poster.flush() == 0  # not straight after a failure: the next try waits retry_s
    assert bridge.poster.flush(retry_now=True) == 1
    assert posted(receiver, adapter) == [reconciled]
    assert bridge.journal.unacknowledged() == []
    assert bridge.poster.flush(retry_now=True) == 0


def test_the_journal_keeps_what_was_not_acknowledged_across_a_restart(tmp_path: Path) -> None:
    record = CallRecord("huikuan-1", DEBTOR, START, True, 3, 20, "agent", "huikuan-1", 1)
    Journal(tmp_path / "j.sqlite").put(record)

    reopened = Journal(tmp_path / "j.sqlite")
    reopened.put(record)  # the same call again is the same record
    assert reopened.unacknowledged() == [record]
    reopened.acknowledge(["huikuan-1"])
    assert Journal(tmp_path / "j.sqlite").unacknowledged() == []


def test_wrong_credentials_are_a_telephony_error(ari: LocalAri, tmp_path: Path, journal_server: str) -> None:
    wrong = phone(ari, password="guessed", bridge_url=journal_server)

    with pytest.raises(TelephonyError, match="401"):
        wrong.place_call(call(14))
    with pytest.raises(TelephonyError, match="401"):
        wrong.recording("huikuan-14")
    with pytest.raises(TelephonyError, match="401"):
        wrong.calls_since(START)
    stranger = Bridge(
        BridgeConfig(
            ari.url, USER, "guessed", "huikuan", "http://127.0.0.1:9/", SECRET, tmp_path / "j.sqlite"
        )
    )
    with pytest.raises(TelephonyError):
        stranger.connect()
    assert ari.asked("POST", "/bridges") == []


def test_a_seat_the_pbx_does_not_know_is_a_telephony_error_and_leaves_no_bridge(ari: LocalAri) -> None:
    ari.script.unknown = ("PJSIP/8001",)

    with pytest.raises(TelephonyError, match="Endpoint not found"):
        phone(ari).place_call(call(18))
    assert ari.asked("DELETE", "/bridges/huikuan-18") == [{}]
    assert ari.bridges == {}


def test_a_recording_the_pbx_does_not_have_is_a_telephony_error(ari: LocalAri) -> None:
    with pytest.raises(TelephonyError, match="404"):
        phone(ari).recording("huikuan-404")


def test_an_asterisk_floor_gets_the_ari_adapter(ari: LocalAri) -> None:
    settings = Settings(
        telephony="asterisk",
        telephony_api_url=ari.url,
        telephony_key_id=USER,
        telephony_key_secret=PASSWORD,
        telephony_instance="huikuan",
        telephony_callback_secret=SECRET,
    )
    adapter = telephony(settings)

    assert isinstance(adapter, AsteriskAri)
    assert adapter.place_call(call(15)).provider_ref == "huikuan-15"


@pytest.mark.slow  # a process of its own, which imports the whole command line
def test_the_bridge_command_beside_the_pbx_posts_records_and_serves_its_journal(
    ari: LocalAri, receiver: Receiver, tmp_path: Path
) -> None:
    port = free_port()
    environment = {
        **os.environ,
        "HUIKUAN_TELEPHONY": "asterisk",
        "HUIKUAN_TELEPHONY_API_URL": ari.url,
        "HUIKUAN_TELEPHONY_KEY_ID": USER,
        "HUIKUAN_TELEPHONY_KEY_SECRET": PASSWORD,
        "HUIKUAN_TELEPHONY_INSTANCE": "huikuan",
        "HUIKUAN_TELEPHONY_CALLBACK_SECRET": SECRET,
    }
    command = [sys.executable, "-c", "from huikuan.cli import app; app()", "calls", "asterisk-bridge"]
    options = ["--journal", str(tmp_path / "journal.sqlite"), "--listen", f"127.0.0.1:{port}"]
    process = subprocess.Popen([*command, *options, "--callback-url", receiver.url], env=environment)
    try:
        wait_for(lambda: bool(ari.queues) or process.poll() is not None)
        adapter = phone(ari, bridge_url=f"http://127.0.0.1:{port}")
        adapter.place_call(call(16))
        wait_for(lambda: bool(receiver.posts) or process.poll() is not None)

        (record,) = posted(receiver, adapter)
        assert (record.call_id, record.answered, record.talk_seconds) == (16, True, 42)
        assert list(adapter.calls_since(START)) == [record]
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0


def wait_for(done: Callable[[], bool]) -> None:
    for _ in range(600):
        if done():
            return
        time.sleep(0.05)
    raise AssertionError("the bridge never got there")


def test_a_call_whose_end_the_bridge_missed_while_away_is_closed_when_it_comes_back(
    ari: LocalAri, receiver: Receiver, tmp_path: Path
) -> None:
    journal = tmp_path / "journal.sqlite"
    config = BridgeConfig(ari.url, USER, PASSWORD, "huikuan", receiver.url, SECRET, journal)
    first = Bridge(config)
    first.connect(wait_s=0.2)
    adapter = phone(ari)
    adapter.place_call(call(17, announce=False))
    until(first, lambda: ari.asked("POST", "/bridges/huikuan-17/record") != [])
    first.close()  # the bridge stops while they talk; the debtor's hang-up goes unheard

    second = Bridge(config)
    second.connect(wait_s=0.2, now=START + timedelta(seconds=60))
    until(second, lambda: bool(receiver.posts))
    second.close()

    (record,) = posted(receiver, adapter)
    assert (record.call_id, record.dialled, record.answered) == (17, DEBTOR, True)
    assert (record.ring_seconds, record.talk_seconds, record.hung_up_by) == (5, 60 - 3 - 5, "customer")
    assert ari.asked("DELETE", "/channels/huikuan-17-agent") == [{}]
    assert second.journal.calls_in_progress() == {}
