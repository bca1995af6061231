"""The decision contract: field paths in errors, the decision JSON and its stable id."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from tests.unit.compliance.builders import body, event, judge

from huikuan.compliance import InvalidRequest, decision_to_dict, parse_request
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
