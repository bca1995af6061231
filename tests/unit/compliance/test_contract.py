"""The decision contract: field paths in errors, the decision JSON and its stable id."""

from __future__ import annotations

import copy
import hashlib
import json
import math
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.unit.compliance.builders import body, event, judge
from tests.unit.compliance.strategies import requests

from huikuan.compliance import (
    InvalidRequest,
    Request,
    available_packs,
    decide,
    decision_to_dict,
    load_pack,
    parse_request,
    request_to_dict,
)
from huikuan.compliance.contract import event_text, event_to_dict
from huikuan.compliance.model import Channel, Direction, EventOutcome, HistoryEvent, Role
from huikuan.errors import HuikuanError


def broken(path: str, value: Any) -> dict[str, Any]:
    data = body(history=[event("2026-03-01T16:00:00Z")])
    target: Any = data
    keys = path.split(".")
    for key in keys[:-1]:
        target = target[int(key)] if key.isdigit() else target[key]
    target[keys[-1]] = value
    return data


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        ("debtor.flags.cease", "yes", "debtor.flags.cease: expected a boolean"),
        ("channel", "fax", "channel: expected one of call, voicemail, sms, email, letter, visit, wechat"),
        ("purpose", None, "purpose: required"),
        ("at", "2026-03-02 15:15", "at: expected an ISO-8601 date and time with a UTC offset"),
        ("at", "2026-03-02T15:15:00", "at: expected an ISO-8601 date and time with a UTC offset"),
        ("party.role", "neighbour", "party.role: expected one of debtor, guarantor"),
        ("debtor.time_zone", "Mars/Olympus", "debtor.time_zone: expected an IANA time zone name"),
        (
            "debtor.inconvenient_times",
            [{"start": "25:00", "end": "01:00"}],
            "debtor.inconvenient_times[0].start: expected a local time of day as HH:MM",
        ),
        ("history.0.outcome", "hung_up", "history[0].outcome: expected one of no_answer"),
        ("debtor.flags.ceased", True, "debtor.flags.ceased: unknown field"),
        ("debtor.phones", "+12125550100", "debtor.phones: expected a list"),
        ("debt", "A-1", "debt: expected an object"),
    ],
)
def test_an_invalid_request_names_the_field(path: str, value: Any, message: str) -> None:
    with pytest.raises(InvalidRequest) as caught:
        parse_request(broken(path, value))
    assert str(caught.value).startswith(message)
    assert isinstance(caught.value, HuikuanError)


def test_a_request_that_is_not_an_object_is_invalid() -> None:
    with pytest.raises(InvalidRequest, match="^request: expected an object"):
        parse_request([])


def test_the_decision_json_has_exactly_the_contract_fields_and_an_id() -> None:
    out = decision_to_dict(judge(body("2026-03-04T15:15:00Z")))
    assert list(out) == ["allowed", "violations", "next_allowed_at", "pack", "pack_version", "id"]
    assert out["allowed"] is False
    assert out["violations"][0]["rule"] == "contact-hours" and set(out["violations"][0]) == {
        "rule",
        "message",
    }
    assert out["next_allowed_at"] == "2026-03-04T16:00:00Z"
    assert (out["pack"], out["pack_version"]) == ("us-reg-f", "2026-11")
    assert len(out["id"]) == 32 and int(out["id"], 16) >= 0


def test_the_id_is_stable_and_changes_with_the_request() -> None:
    data = body("2026-03-04T15:15:00Z")
    first = decision_to_dict(judge(data))["id"]
    assert decision_to_dict(judge(copy.deepcopy(data)))["id"] == first
    data["debt"]["id"] = "A-2"
    assert decision_to_dict(judge(data))["id"] != first


def test_the_id_ignores_the_spelling_of_an_instant() -> None:
    utc = body("2026-03-04T15:15:00Z")
    offset = body("2026-03-04T10:15:00-05:00")
    assert decision_to_dict(judge(utc))["id"] == decision_to_dict(judge(offset))["id"]


def test_history_after_the_requested_instant_is_ignored() -> None:
    later = [event("2026-03-05T16:00:00Z", "conversation")]
    assert judge(body("2026-03-04T18:00:00Z", history=later)).allowed


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(requests(), st.sampled_from(available_packs()))
def test_the_id_is_the_digest_of_the_canonical_json_of_the_decisions_material(
    request: Request, pack_name: str
) -> None:
    """compliance.md's definition, written the plain way: the SHA-256 (first 32 hex digits) of the JSON
    (keys sorted, no spaces) of the decision, the request without its history, the pack's fingerprint and
    the party's events up to the instant, each event's sorted-key JSON in order."""
    decision = decide(request, request.history, load_pack(pack_name))
    out = decision_to_dict(decision)
    assert decision.basis is not None
    at = request.at.timestamp()
    mine = [
        event_to_dict(e)
        for e in request.history
        if e.party_id == request.party.id and math.ceil(e.at.timestamp()) <= math.ceil(at)
    ]
    material = {
        "decision": {k: v for k, v in out.items() if k != "id"},
        "request": request_to_dict(request, with_history=False),
        "history": sorted(mine, key=lambda e: json.dumps(e, sort_keys=True)),
        "pack_fingerprint": decision.basis.pack_fingerprint,
    }
    text = json.dumps(material, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert out["id"] == hashlib.sha256(text.encode()).hexdigest()[:32]


@pytest.mark.parametrize("party_id", ["D1", 'P"1\\', "当事人-1"])
@pytest.mark.parametrize("debts", [(), ("A-1",), ("A-2", 'A"3')])
def test_an_events_canonical_text_is_its_json_with_sorted_keys_and_no_spaces(
    party_id: str, debts: tuple[str, ...]
) -> None:
    for role in (None, Role.GUARANTOR):
        happened = HistoryEvent(
            at=datetime(2026, 12, 7, 8, 30, tzinfo=timezone(timedelta(hours=8))),
            channel=Channel.SMS,
            direction=Direction.OUTBOUND,
            party_id=party_id,
            outcome=EventOutcome.DELIVERED,
            party_role=role,
            debt_ids=debts,
        )
        expected = json.dumps(
            event_to_dict(happened), sort_keys=True, separators=(",", ":"), ensure_ascii=False
        )
        assert event_text(happened) == expected
