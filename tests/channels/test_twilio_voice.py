"""Twilio Voice against a local Twilio (tests/support/twilio_voice_server.py): a call rings the collector's
seat first and dials the debtor from the TwiML, with the recording notice when the pack asks for it; the
status callback is believed only with Twilio's signature over the very URL and form; the call list and the
recordings come back with the account's credentials, and Twilio's refusals in its own words."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlencode

import pytest
from tests.support.server import free_port
from tests.support.twilio_voice_server import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    NUMBER,
    Outcome,
    TwilioVoiceServer,
    media,
)

from huikuan.channels.calls import twilio_voice
from huikuan.channels.telephony import CallbackRejected, CallRecord, CallRequest, TelephonyError, telephony
from huikuan.config import Settings

CALLBACK = "https://floor.example.com/api/v1/callbacks/calls/twilio/s3cret"
SEAT = "+15005550001"
DEBTOR = "+14155550123"


@pytest.fixture
def server() -> Iterator[TwilioVoiceServer]:
    with TwilioVoiceServer() as running:
        yield running


def _settings(server: TwilioVoiceServer, **values: Any) -> Settings:
    given: dict[str, Any] = {
        "telephony_notice_url": server.notice_url,
        "telephony": "twilio",
        "telephony_api_url": server.url,
        "telephony_key_id": ACCOUNT_SID,
        "telephony_key_secret": AUTH_TOKEN,
        "telephony_instance": NUMBER,
        "telephony_caller_id": "+15005550009",
        "public_url": "https://floor.example.com/",
        "telephony_callback_secret": "s3cret",
        **values,
    }
    return Settings(**given)


@pytest.fixture
def voice(server: TwilioVoiceServer) -> twilio_voice.TwilioVoice:
    adapter = telephony(_settings(server))
    assert isinstance(adapter, twilio_voice.TwilioVoice)
    return adapter


def _call(voice: twilio_voice.TwilioVoice, *, announce: bool = True, seat: str = SEAT) -> str:
    return voice.place_call(
        CallRequest(call_id=7, extension=seat, to=DEBTOR, announce_recording=announce)
    ).provider_ref


def _signed(server: TwilioVoiceServer, sid: str, url: str = CALLBACK) -> tuple[dict[str, str], bytes]:
    form = server.status_form(sid)
    return server.headers_for(url, form), urlencode(form).encode()


# --- placing ----------------------------------------------------------------------------------------------


def test_a_call_rings_the_collectors_seat_then_says_the_notice_and_dials_the_debtor(
    server: TwilioVoiceServer, voice: twilio_voice.TwilioVoice
) -> None:
    sid = _call(voice, announce=True)
    placed = server.calls[sid]
    assert (placed.form["To"], placed.form["From"]) == (SEAT, NUMBER)
    assert placed.notice == twilio_voice.NOTICE and placed.debtor == DEBTOR
    assert placed.caller_id == "+15005550009"  # the number the debtor sees
    assert (placed.form["Record"], placed.form["RecordingChannels"]) == ("true", "dual")
    assert (placed.form["StatusCallback"], placed.form["StatusCallbackEvent"]) == (CALLBACK, "completed")
    # The debtor's number is only in the TwiML, never in an address.
    assert [k for k, v in placed.form.items() if DEBTOR in v] == ["Twiml"]
    assert placed.form["Twiml"].index("<Say") < placed.form["Twiml"].index("<Dial")


def test_the_debtor_hears_the_recording_notice_on_answering_before_being_bridged(
    server: TwilioVoiceServer, voice: twilio_voice.TwilioVoice
) -> None:
    sid = _call(voice, announce=True)
    assert server.calls[sid].notice_url == server.notice_url
    server.finish(sid)
    child = server.calls[sid].child
    assert child is not None and server.calls[sid].debtor_heard == "This call is recorded."
    (fetched,) = server.bins_fetched  # signed by Twilio, and quoting the debtor's leg, not their number
    assert f"CallSid={child.sid}" in fetched and DEBTOR.lstrip("+") not in fetched


def test_a_call_that_must_announce_the_recording_is_refused_without_the_notices_address(
    server: TwilioVoiceServer,
) -> None:
    voice = twilio_voice.adapter(_settings(server, telephony_notice_url=""))
    with pytest.raises(TelephonyError, match="would not hear the recording notice"):
        _call(voice, announce=True)
    assert server.calls == {}
    sid = _call(voice, announce=False)  # where the pack does not ask for it, the call goes
    assert server.calls[sid].debtor == DEBTOR


def test_where_the_pack_does_not_ask_for_the_notice_the_debtor_is_dialled_straight_away(
    server: TwilioVoiceServer, voice: twilio_voice.TwilioVoice
) -> None:
    sid = _call(voice, announce=False)
    assert server.calls[sid].notice is None and server.calls[sid].notice_url is None
    server.finish(sid)
    assert server.calls[sid].debtor_heard is None and server.bins_fetched == []


def test_a_seat_on_sip_is_rung_at_its_sip_address(
    server: TwilioVoiceServer, voice: twilio_voice.TwilioVoice
) -> None:
    sid = _call(voice, seat="sip:alice@floor.sip.twilio.com")
    assert server.calls[sid].form["To"] == "sip:alice@floor.sip.twilio.com"


def test_the_debtors_number_is_escaped_in_the_twiml() -> None:
    request = CallRequest(call_id=1, extension=SEAT, to="+1</Number><Say>x", announce_recording=False)
    assert "<Number>+1&lt;/Number&gt;&lt;Say&gt;x</Number>" in twilio_voice.twiml(request, NUMBER)


def test_wrong_credentials_are_twilios_authentication_error(server: TwilioVoiceServer) -> None:
    voice = twilio_voice.adapter(_settings(server, telephony_key_secret="not-the-token"))
    with pytest.raises(TelephonyError, match="401: 20003 .*Authenticate"):
        _call(voice)
    with pytest.raises(TelephonyError, match="20003"):
        list(voice.calls_since(server.clock - timedelta(hours=1)))
    with pytest.raises(TelephonyError, match="20003"):
        voice.recording("RE" + "0" * 32)
    assert server.calls == {} and [code for code, _ in server.refused] == [20003, 20003, 20003]


def test_twilios_refusal_of_the_call_is_reported_in_its_words(server: TwilioVoiceServer) -> None:
    voice = twilio_voice.adapter(_settings(server, telephony_instance="+15005550000"))
    with pytest.raises(TelephonyError, match="21210 .*From. phone number not verified"):
        _call(voice)


def test_twilio_out_of_reach_is_a_telephony_error(server: TwilioVoiceServer) -> None:
    voice = twilio_voice.adapter(_settings(server, telephony_api_url=f"http://127.0.0.1:{free_port()}"))
    with pytest.raises(TelephonyError, match="not reachable"):
        _call(voice)


# --- the status callback ----------------------------------------------------------------------------------


def test_a_signed_status_callback_becomes_the_calls_record(
    server: TwilioVoiceServer, voice: twilio_voice.TwilioVoice
) -> None:
    sid = _call(voice)
    begun = server.clock
    server.finish(sid, Outcome(seat_ring_s=3, notice_s=2, debtor="completed", debtor_ring_s=6, talk_s=42))
    headers, body = _signed(server, sid)
    (record,) = voice.callback_records(CALLBACK, headers, body)
    assert record == CallRecord(
        provider_ref=sid,
        dialled=DEBTOR,
        started_at=begun + timedelta(seconds=5),  # the debtor's phone rings after the seat and the notice
        answered=True,
        ring_seconds=6,
        talk_seconds=42,
        hung_up_by="",
        recording_ref=server.calls[sid].recording_sid,
    )
    assert record.recording_ref is not None


def test_a_debtor_who_does_not_answer_is_a_call_answered_by_nobody(
    server: TwilioVoiceServer, voice: twilio_voice.TwilioVoice
) -> None:
    sid = _call(voice)
    server.finish(sid, Outcome(debtor="no-answer", debtor_ring_s=30))
    (record,) = voice.callback_records(CALLBACK, *_signed(server, sid))
    assert (record.dialled, record.answered, record.ring_seconds, record.talk_seconds) == (
        DEBTOR,
        False,
        30,
        0,
    )
    assert record.hung_up_by == "system"


def test_a_collector_who_hangs_up_while_the_debtor_rings_hung_up(
    server: TwilioVoiceServer, voice: twilio_voice.TwilioVoice
) -> None:
    sid = _call(voice)
    server.finish(sid, Outcome(debtor="canceled", debtor_ring_s=4))
    (record,) = voice.callback_records(CALLBACK, *_signed(server, sid))
    assert (record.answered, record.ring_seconds, record.hung_up_by) == (False, 4, "agent")


def test_when_the_seat_does_not_answer_the_debtor_is_never_dialled(
    server: TwilioVoiceServer, voice: twilio_voice.TwilioVoice
) -> None:
    sid = _call(voice)
    server.finish(sid, Outcome(seat_answers=False))
    (record,) = voice.callback_records(CALLBACK, *_signed(server, sid))
    assert (record.dialled, record.answered, record.talk_seconds, record.recording_ref) == (
        "",
        False,
        0,
        None,
    )


def test_a_callback_that_does_not_name_the_recording_finds_it_in_the_calls_recordings(
    server: TwilioVoiceServer, voice: twilio_voice.TwilioVoice
) -> None:
    sid = _call(voice)
    server.finish(sid)
    form = {k: v for k, v in server.status_form(sid).items() if not k.startswith("Recording")}
    headers = server.headers_for(CALLBACK, form)
    (record,) = voice.callback_records(CALLBACK, headers, urlencode(form).encode())
    assert record.recording_ref == server.calls[sid].recording_sid is not None


def test_a_callback_signed_with_another_token_is_rejected(
    server: TwilioVoiceServer, voice: twilio_voice.TwilioVoice
) -> None:
    sid = _call(voice)
    server.finish(sid)
    form = server.status_form(sid)
    with pytest.raises(CallbackRejected):
        voice.callback_records(
            CALLBACK, server.headers_for(CALLBACK, form, "forged"), urlencode(form).encode()
        )


def test_a_callback_altered_after_signing_is_rejected(
    server: TwilioVoiceServer, voice: twilio_voice.TwilioVoice
) -> None:
    sid = _call(voice)
    server.finish(sid)
    form = server.status_form(sid)
    headers = server.headers_for(CALLBACK, form)
    altered = {**form, "CallDuration": "1"}
    with pytest.raises(CallbackRejected):
        voice.callback_records(CALLBACK, headers, urlencode(altered).encode())


def test_a_callback_signed_for_another_address_is_rejected(
    server: TwilioVoiceServer, voice: twilio_voice.TwilioVoice
) -> None:
    sid = _call(voice)
    server.finish(sid)
    headers, body = _signed(server, sid, url="https://elsewhere.example.com/hook")
    with pytest.raises(CallbackRejected):
        voice.callback_records(CALLBACK, headers, body)


def test_a_callback_without_a_signature_is_rejected(
    server: TwilioVoiceServer, voice: twilio_voice.TwilioVoice
) -> None:
    sid = _call(voice)
    server.finish(sid)
    _, body = _signed(server, sid)
    with pytest.raises(CallbackRejected):
        voice.callback_records(CALLBACK, {}, body)


def test_a_signed_callback_for_another_account_is_rejected(
    server: TwilioVoiceServer, voice: twilio_voice.TwilioVoice
) -> None:
    sid = _call(voice)
    server.finish(sid)
    form = {**server.status_form(sid), "AccountSid": "AC" + "9" * 32}
    with pytest.raises(CallbackRejected):
        voice.callback_records(CALLBACK, server.headers_for(CALLBACK, form), urlencode(form).encode())


def test_a_signed_callback_for_a_call_not_yet_over_says_nothing(
    server: TwilioVoiceServer, voice: twilio_voice.TwilioVoice
) -> None:
    sid = _call(voice)
    form = {**server.status_form(sid), "CallStatus": "ringing"}
    assert (
        voice.callback_records(CALLBACK, server.headers_for(CALLBACK, form), urlencode(form).encode()) == []
    )


def test_a_callback_ahead_of_twilios_own_call_resource_waits_for_the_reconciliation(
    server: TwilioVoiceServer, voice: twilio_voice.TwilioVoice
) -> None:
    sid = _call(voice)  # Twilio still shows it queued
    form = {**server.status_form(sid), "CallStatus": "completed"}
    assert (
        voice.callback_records(CALLBACK, server.headers_for(CALLBACK, form), urlencode(form).encode()) == []
    )


class FloorReceiver:
    """The floor's callback address over HTTP: each post handed to the adapter as the route would."""

    def __init__(self) -> None:
        self.port = free_port()
        self.received: list[list[CallRecord]] = []
        self.voice: twilio_voice.TwilioVoice | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"{self.base}/api/v1/callbacks/calls/twilio/s3cret"


@pytest.fixture
def floor() -> Iterator[FloorReceiver]:
    state = FloorReceiver()

    class Floor(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            assert state.voice is not None
            state.received.append(state.voice.callback_records(state.url, dict(self.headers.items()), body))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *_args: Any) -> None:
            return

    running = ThreadingHTTPServer(("127.0.0.1", state.port), Floor)
    threading.Thread(target=running.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    yield state
    running.shutdown()
    running.server_close()


def test_the_callback_twilio_posts_to_the_floor_is_believed(
    server: TwilioVoiceServer, floor: FloorReceiver
) -> None:
    """The server posts the signed callback over HTTP to the address it was given, as Twilio would."""
    floor.voice = voice = twilio_voice.adapter(_settings(server, public_url=floor.base))
    sid = _call(voice)
    server.finish(sid)
    assert server.post_status(sid) == 204
    assert [[r.provider_ref for r in records] for records in floor.received] == [[sid]]
    assert floor.received[0][0].answered and floor.received[0][0].talk_seconds == 42


def test_the_local_twilio_can_play_calls_out_by_itself_and_lose_their_callbacks(
    server: TwilioVoiceServer, floor: FloorReceiver
) -> None:
    """What a benchmark needs: calls that finish on their own, and callbacks lost for a while."""
    floor.voice = voice = twilio_voice.adapter(_settings(server, public_url=floor.base))
    since = server.clock
    server.autorun = Outcome(talk_s=30)
    first = _call(voice)
    server.settle()
    server.drop_callbacks = True
    lost = _call(voice)
    server.settle()
    posted = [sid for sid, status in server.posted if status == 204]
    assert posted == [first] and [records[0].provider_ref for records in floor.received] == [first]
    # The reconciliation finds the call whose callback was lost.
    assert {r.provider_ref for r in voice.calls_since(since)} == {first, lost}


# --- the call list and recordings -------------------------------------------------------------------------


def test_the_call_list_since_a_time_gives_every_finished_call_page_by_page(
    server: TwilioVoiceServer, voice: twilio_voice.TwilioVoice, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(twilio_voice, "PAGE_SIZE", 2)  # several pages for a few calls
    before = _call(voice)
    server.finish(before)
    since = server.clock + timedelta(minutes=5)
    server.clock = since
    talked, unanswered, unanswered_seat, ongoing = (_call(voice) for _ in range(4))
    server.finish(talked, Outcome(talk_s=90))
    server.finish(unanswered, Outcome(debtor="busy"))
    server.finish(unanswered_seat, Outcome(seat_answers=False))
    records = {r.provider_ref: r for r in voice.calls_since(since)}
    assert set(records) == {talked, unanswered, unanswered_seat}  # not the earlier one, nor the one not over
    assert ongoing in server.calls
    assert (records[talked].answered, records[talked].talk_seconds) == (True, 90)
    assert records[talked].recording_ref == server.calls[talked].recording_sid
    assert (records[unanswered].answered, records[unanswered].dialled) == (False, DEBTOR)
    assert records[unanswered_seat].dialled == ""
    assert all(r.started_at >= since and r.started_at.tzinfo == UTC for r in records.values())


def test_the_call_list_after_the_callbacks_agrees_with_them(
    server: TwilioVoiceServer, voice: twilio_voice.TwilioVoice
) -> None:
    since = server.clock
    sid = _call(voice)
    server.finish(sid)
    (from_callback,) = voice.callback_records(CALLBACK, *_signed(server, sid))
    assert list(voice.calls_since(since)) == [from_callback]


def test_a_recording_is_fetched_as_wav_with_the_accounts_credentials(
    server: TwilioVoiceServer, voice: twilio_voice.TwilioVoice
) -> None:
    sid = _call(voice)
    server.finish(sid)
    recording = server.calls[sid].recording_sid
    assert recording is not None
    audio = voice.recording(recording)
    assert audio == media(recording) and audio[:4] == b"RIFF" and audio[8:12] == b"WAVE"


def test_an_unknown_recording_is_twilios_not_found(voice: twilio_voice.TwilioVoice) -> None:
    with pytest.raises(TelephonyError, match="404: 20404"):
        voice.recording("RE" + "f" * 32)
    with pytest.raises(TelephonyError, match="not a recording sid"):
        voice.recording("../Calls")


def test_without_a_public_address_no_callback_is_asked_for(server: TwilioVoiceServer) -> None:
    voice = twilio_voice.adapter(_settings(server, public_url=""))
    sid = _call(voice)
    assert "StatusCallback" not in server.calls[sid].form


def test_the_clock_of_the_records_is_utc() -> None:
    assert twilio_voice._time("Mon, 01 Jun 2026 22:00:00 +0800") == datetime(2026, 6, 1, 14, 0, tzinfo=UTC)
