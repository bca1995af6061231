"""Calls through Aliyun Cloud Call Center (channels/calls/aliyun_ccc.py) against the local call centre of
bench/call_centre.py, which checks every request's signature as Aliyun does: the collector's agent rung
then the debtor, the call records listed and parsed, the recording's bytes, Aliyun's refusals, and the
webhook push believed only through the floor's secret and CCC's own listing."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from bench.call_centre import INSTANCE, KEY_ID, KEY_SECRET, CallCentre, call_centre

from huikuan.channels.calls.aliyun_ccc import AliyunCallCentre, e164, national
from huikuan.channels.telephony import CallbackRejected, CallRequest, TelephonyError, telephony
from huikuan.config import Settings

SECRET = "floor-callback-secret"
COLLECTOR = "collector1@ccc-huikuan-local"
DEBTOR = "+8613800000001"


def _adapter(centre: CallCentre, **overrides: Any) -> AliyunCallCentre:
    settings: dict[str, Any] = {
        "telephony": "aliyun",
        "telephony_api_url": centre.url,
        "telephony_key_id": KEY_ID,
        "telephony_key_secret": KEY_SECRET,
        "telephony_instance": INSTANCE,
        "telephony_caller_id": "+861012345678",
        "telephony_callback_secret": SECRET,
    }
    found = telephony(Settings(**{**settings, **overrides}))
    assert isinstance(found, AliyunCallCentre)
    return found


def _call(n: int = 1, to: str = DEBTOR, caller_id: str = "") -> CallRequest:
    return CallRequest(call_id=n, extension=COLLECTOR, to=to, announce_recording=True, caller_id=caller_id)


def _an_hour_ago() -> datetime:
    return datetime.now(UTC) - timedelta(hours=1)


@pytest.fixture
def centre() -> Iterator[CallCentre]:
    with call_centre(end_after=None) as running:  # each test ends its calls itself
        yield running


@contextmanager
def _receiver() -> Iterator[tuple[str, list[tuple[str, dict[str, str], bytes]]]]:
    """A stand-in for our callback route: what the call centre pushes, kept as (url, headers, body)."""
    got: list[tuple[str, dict[str, str], bytes]] = []
    arrived = threading.Condition()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            with arrived:
                got.append((base + self.path, dict(self.headers.items()), body))
                arrived.notify_all()
            self.send_response(200)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *_args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"{base}/api/v1/callbacks/calls/aliyun/", got
    finally:
        server.shutdown()
        server.server_close()


def test_a_call_rings_the_collectors_agent_then_dials_the_debtor_from_the_floors_number(
    centre: CallCentre,
) -> None:
    placed = _adapter(centre).place_call(_call())
    call = centre.calls[placed.provider_ref]
    assert placed.provider_ref.startswith("job-")
    assert (call.user_id, call.callee, call.caller) == (COLLECTOR, "13800000001", "01012345678")
    assert centre.refused == []


def test_the_number_the_call_asks_for_wins_over_the_floors(centre: CallCentre) -> None:
    placed = _adapter(centre).place_call(_call(caller_id="+862188889999"))
    assert centre.calls[placed.provider_ref].caller == "02188889999"


def test_an_answered_calls_record_comes_back_with_the_providers_times_and_who_hung_up(
    centre: CallCentre,
) -> None:
    ccc = _adapter(centre)
    placed = ccc.place_call(_call())
    centre.end(placed.provider_ref, answered=True)
    (record,) = ccc.calls_since(_an_hour_ago())
    started = datetime.fromtimestamp(centre.calls[placed.provider_ref].started_ms / 1000, UTC)
    assert record.provider_ref == placed.provider_ref
    assert (record.dialled, record.started_at, record.answered) == (DEBTOR, started, True)
    assert (record.ring_seconds, record.talk_seconds, record.hung_up_by) == (6, 95, "customer")
    assert record.recording_ref == placed.provider_ref


def test_a_call_nobody_answered_is_listed_with_its_ring_time_and_no_recording(centre: CallCentre) -> None:
    ccc = _adapter(centre)
    placed = ccc.place_call(_call())
    centre.end(placed.provider_ref, answered=False)
    (record,) = ccc.calls_since(_an_hour_ago())
    assert (record.answered, record.ring_seconds, record.talk_seconds) == (False, 6, 0)
    assert (record.hung_up_by, record.recording_ref) == ("system", None)


def test_a_call_still_ringing_is_not_listed_yet(centre: CallCentre) -> None:
    ccc = _adapter(centre)
    ccc.place_call(_call())
    assert list(ccc.calls_since(_an_hour_ago())) == []


def test_the_listing_reads_every_page_oldest_first(centre: CallCentre) -> None:
    ccc = _adapter(centre)
    refs = [ccc.place_call(_call(n)).provider_ref for n in range(1, 131)]
    for ref in refs:
        centre.end(ref, answered=True)
    assert [r.provider_ref for r in ccc.calls_since(_an_hour_ago())] == refs


def test_calls_before_the_reconciliations_start_are_left_out(centre: CallCentre) -> None:
    ccc = _adapter(centre)
    placed = ccc.place_call(_call())
    centre.end(placed.provider_ref, answered=True)
    assert list(ccc.calls_since(datetime.now(UTC) + timedelta(minutes=1))) == []


def test_the_recording_is_the_file_the_call_centre_links_to(centre: CallCentre) -> None:
    ccc = _adapter(centre)
    placed = ccc.place_call(_call())
    centre.end(placed.provider_ref, answered=True)
    (record,) = ccc.calls_since(_an_hour_ago())
    assert record.recording_ref is not None
    audio = ccc.recording(record.recording_ref)
    assert audio == centre.wav and audio[:4] == b"RIFF" and audio[8:12] == b"WAVE"


def test_asking_for_the_recording_of_a_call_nobody_answered_fails_in_aliyuns_words(
    centre: CallCentre,
) -> None:
    ccc = _adapter(centre)
    placed = ccc.place_call(_call())
    centre.end(placed.provider_ref, answered=False)
    with pytest.raises(TelephonyError, match="NotExists.Recording"):
        ccc.recording(placed.provider_ref)


def test_a_wrong_secret_is_refused_by_the_signature_check(centre: CallCentre) -> None:
    with pytest.raises(TelephonyError, match="SignatureDoesNotMatch"):
        _adapter(centre, telephony_key_secret="not-the-secret").place_call(_call())
    assert centre.calls == {} and [code for code, _ in centre.refused] == ["SignatureDoesNotMatch"]


def test_an_unknown_access_key_is_refused(centre: CallCentre) -> None:
    with pytest.raises(TelephonyError, match="InvalidAccessKeyId.NotFound"):
        _adapter(centre, telephony_key_id="LTAI-someone-else").calls_since(_an_hour_ago()).__next__()


def test_another_instance_is_refused(centre: CallCentre) -> None:
    with pytest.raises(TelephonyError, match="NotExists.InstanceId"):
        _adapter(centre, telephony_instance="ccc-another").place_call(_call())


def test_a_number_the_call_centre_cannot_dial_is_refused_in_its_words(centre: CallCentre) -> None:
    with pytest.raises(TelephonyError, match="Parameter.Invalid"):
        _adapter(centre).place_call(_call(to="+86123"))


def test_a_call_centre_that_cannot_be_reached_is_a_telephony_error_without_the_number(
    centre: CallCentre,
) -> None:
    ccc = _adapter(centre, telephony_api_url="http://127.0.0.1:9")  # the discard port: nothing listens
    with pytest.raises(TelephonyError, match="not reachable") as refused:
        ccc.place_call(_call())
    assert "13800000001" not in str(refused.value)


def test_the_pushed_event_of_an_ended_call_gives_its_record_from_the_listing() -> None:
    with _receiver() as (route, got), call_centre(end_after=None, callback_url=route + SECRET) as centre:
        ccc = _adapter(centre)
        placed = ccc.place_call(_call())
        centre.end(placed.provider_ref, answered=True)
        (pushed,) = got
        (record,) = ccc.callback_records(*pushed)
    assert json.loads(pushed[2])["ContactId"] == placed.provider_ref
    assert (record.provider_ref, record.answered, record.talk_seconds) == (placed.provider_ref, True, 95)


def test_a_push_to_an_address_without_the_floors_secret_is_rejected(centre: CallCentre) -> None:
    ccc = _adapter(centre)
    placed = ccc.place_call(_call())
    centre.end(placed.provider_ref, answered=True)
    body = json.dumps({"EventName": "CDRReady", "ContactId": placed.provider_ref}).encode()
    with pytest.raises(CallbackRejected):
        ccc.callback_records("https://floor.example/api/v1/callbacks/calls/aliyun/guessed", {}, body)


def test_a_forged_push_naming_a_call_the_call_centre_never_made_is_rejected(centre: CallCentre) -> None:
    ccc = _adapter(centre)
    body = json.dumps({"EventName": "CDRReady", "ContactId": "job-1234567890"}).encode()
    with pytest.raises(CallbackRejected):
        ccc.callback_records(f"https://floor.example/api/v1/callbacks/calls/aliyun/{SECRET}", {}, body)


def test_a_push_that_is_not_json_is_rejected(centre: CallCentre) -> None:
    with pytest.raises(CallbackRejected):
        _adapter(centre).callback_records(f"https://floor.example/cb/{SECRET}", {}, b"<xml/>")


def test_a_floor_without_a_callback_secret_believes_no_push(centre: CallCentre) -> None:
    ccc = _adapter(centre, telephony_callback_secret="")
    with pytest.raises(CallbackRejected):
        ccc.callback_records("https://floor.example/api/v1/callbacks/calls/aliyun/", {}, b"{}")


def test_calls_end_by_themselves_every_fourth_unanswered() -> None:
    with call_centre(end_after=0.0) as centre:
        ccc = _adapter(centre)
        refs = [ccc.place_call(_call(n)).provider_ref for n in range(1, 9)]
        assert centre.wait_ended(8)
        answered = {r.provider_ref: r.answered for r in ccc.calls_since(_an_hour_ago())}
    assert [answered[ref] for ref in refs] == [True, True, True, False, True, True, True, False]


def test_pushes_in_the_drop_window_are_dropped_and_the_records_stay_listed() -> None:
    with (
        _receiver() as (route, got),
        call_centre(end_after=None, callback_url=route + SECRET, drop_after=0.0, drop_for=3600.0) as centre,
    ):
        ccc = _adapter(centre)
        placed = ccc.place_call(_call())
        centre.end(placed.provider_ref, answered=True)
        listed = [r.provider_ref for r in ccc.calls_since(_an_hour_ago())]
    assert (got, centre.dropped, listed) == ([], 1, [placed.provider_ref])


@pytest.mark.parametrize(
    ("number", "ccc_form"),
    [("+8613800000001", "13800000001"), ("+861012345678", "01012345678"), ("+14155550100", "0014155550100")],
)
def test_numbers_go_to_the_call_centre_in_its_form_and_come_back_in_e164(number: str, ccc_form: str) -> None:
    assert national(number) == ccc_form
    assert e164(ccc_form) == number


def test_a_refusal_quotes_the_call_centres_code_and_message(centre: CallCentre) -> None:
    with pytest.raises(TelephonyError) as refused:
        _adapter(centre, telephony_key_secret="not-the-secret").place_call(_call())
    assert str(refused.value) == (
        "aliyun MakeCall refused (400): SignatureDoesNotMatch: "
        "Specified signature does not match our calculation."
    )


def test_a_push_whose_event_is_wrapped_as_a_json_string_still_names_its_call(centre: CallCentre) -> None:
    ccc = _adapter(centre)
    placed = ccc.place_call(_call())
    centre.end(placed.provider_ref, answered=False)
    event = json.dumps({"EventName": "CDRReady", "ContactId": placed.provider_ref})
    body = json.dumps({"topic": "Topic_Webhook", "body": event}).encode()
    url = f"https://floor.example/api/v1/callbacks/calls/aliyun/{SECRET}"
    (record,) = ccc.callback_records(url, {}, body)
    assert (record.provider_ref, record.answered) == (placed.provider_ref, False)


def test_a_push_that_names_no_call_gives_no_records(centre: CallCentre) -> None:
    url = f"https://floor.example/api/v1/callbacks/calls/aliyun/{SECRET}"
    assert _adapter(centre).callback_records(url, {}, b'{"EventName": "Heartbeat"}') == []
