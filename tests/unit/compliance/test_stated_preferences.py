"""What the debtor states binds every pack: inconvenient times (with days of the week), an inconvenient
workplace and channel opt-outs refuse in cn, uk-conc and us-reg-f alike; no creditor may switch them off."""

from __future__ import annotations

from typing import Any

import pytest
from tests.unit.compliance.builders import LONDON_PHONE, SHANGHAI_PHONE, body, judge, rules

from huikuan.compliance import load_pack, parse_request
from huikuan.compliance.contract import debtor_to_dict
from huikuan.compliance.contract_fields import InvalidRequest
from huikuan.compliance.contract_parse import parse_debtor
from huikuan.compliance.pack_params import PackLoosening

# Per pack: the debtor's phone and address, and a Wednesday instant at local midday inside contact hours,
# and the same time of day on the Saturday after.
PACKS: dict[str, dict[str, Any]] = {
    "cn": {
        "phones": [SHANGHAI_PHONE],
        "address": {"country": "CN"},
        "wednesday": "2026-03-04T04:00:00Z",
        "saturday": "2026-03-07T04:00:00Z",
    },
    "uk-conc": {
        "phones": [LONDON_PHONE],
        "address": {"country": "GB"},
        "wednesday": "2026-03-04T12:00:00Z",
        "saturday": "2026-03-07T12:00:00Z",
    },
    "us-reg-f": {
        "phones": None,
        "address": None,
        "wednesday": "2026-03-04T18:00:00Z",
        "saturday": "2026-03-07T18:00:00Z",
    },
}
WORK_HOURS = {"start": "09:00", "end": "18:00", "days": [1, 2, 3, 4, 5]}


def _body(pack: str, when: str, **kw: Any) -> dict[str, Any]:
    p = PACKS[pack]
    to = (p["phones"] or ["+12125550100"])[0]
    data = body(
        p[when],
        phones=p["phones"],
        address=p["address"],
        party={"id": "P-1", "role": "debtor", "to": to, **kw.pop("party", {})},
        **kw,
    )
    return data


def _with_times(data: dict[str, Any], *spans: dict[str, Any]) -> dict[str, Any]:
    data["debtor"]["inconvenient_times"] = list(spans)
    return data


@pytest.mark.parametrize("pack", sorted(PACKS))
def test_the_pack_is_open_at_the_instants_these_tests_ask_about(pack: str) -> None:
    assert judge(_body(pack, "wednesday"), pack).allowed
    assert judge(_body(pack, "saturday"), pack).allowed


@pytest.mark.parametrize("pack", sorted(PACKS))
def test_not_during_work_hours_refuses_a_weekday_call_in_every_pack(pack: str) -> None:
    decision = judge(_with_times(_body(pack, "wednesday"), WORK_HOURS), pack)
    assert rules(decision) == ["designated-inconvenient-time"]
    assert decision.next_allowed_at is not None
    assert "Mon,Tue,Wed,Thu,Fri 09:00-18:00" in decision.violations[0].message


@pytest.mark.parametrize("pack", sorted(PACKS))
def test_work_hours_on_weekdays_leave_the_weekend_open_in_every_pack(pack: str) -> None:
    assert judge(_with_times(_body(pack, "saturday"), WORK_HOURS), pack).allowed


@pytest.mark.parametrize("pack", sorted(PACKS))
def test_a_whole_day_named_by_its_weekday_is_refused_in_every_pack(pack: str) -> None:
    saturday = {"start": "00:00", "end": "00:00", "days": [6]}
    decision = judge(_with_times(_body(pack, "saturday"), saturday), pack)
    assert rules(decision) == ["designated-inconvenient-time"]
    assert judge(_with_times(_body(pack, "wednesday"), saturday), pack).allowed


def test_a_span_past_midnight_holds_into_the_next_day_only_after_its_own_days() -> None:
    # Friday 22:00 to 10:00: Saturday 09:00 Eastern is inside it, Thursday 09:00 is not (it starts Fridays).
    late = {"start": "22:00", "end": "10:00", "days": [5]}
    saturday_morning = body("2026-03-07T14:00:00Z", address={"country": "US", "region": "NY"})
    thursday_morning = body("2026-03-05T14:00:00Z", address={"country": "US", "region": "NY"})
    decision = judge(_with_times(saturday_morning, late))
    assert rules(decision) == ["designated-inconvenient-time"]
    assert decision.next_allowed_at is not None and decision.next_allowed_at.isoformat().startswith(
        "2026-03-07T15:00"
    )
    assert judge(_with_times(thursday_morning, late)).allowed


@pytest.mark.parametrize("pack", sorted(PACKS))
def test_a_stated_inconvenient_workplace_refuses_contact_at_work_in_every_pack(pack: str) -> None:
    at_work = _body(pack, "wednesday", party={"workplace": True})
    assert judge(at_work, pack).allowed
    at_work["debtor"]["inconvenient_places"] = ["workplace"]
    decision = judge(at_work, pack)
    assert rules(decision) == ["workplace"] and decision.next_allowed_at is None
    at_home = _body(pack, "wednesday")
    at_home["debtor"]["inconvenient_places"] = ["workplace"]
    assert judge(at_home, pack).allowed


@pytest.mark.parametrize("pack", sorted(PACKS))
def test_an_sms_opt_out_refuses_an_sms_in_every_pack_and_leaves_calls(pack: str) -> None:
    sms = _body(pack, "wednesday", channel="sms", flags={"opt_out": ["sms"]}, party={"safe_harbour": "used"})
    assert rules(judge(sms, pack)) == ["channel-opt-out"]
    assert judge(_body(pack, "wednesday", flags={"opt_out": ["sms"]}), pack).allowed


@pytest.mark.parametrize("pack", sorted(PACKS))
@pytest.mark.parametrize("rule", ["designated-inconvenient-time", "workplace", "channel-opt-out"])
def test_no_creditor_may_switch_off_what_the_debtor_states(pack: str, rule: str) -> None:
    assert load_pack(pack).enabled(rule)
    with pytest.raises(PackLoosening):
        load_pack(pack).tightened({"rules": {rule: {"enabled": False}}})


def test_days_and_places_round_trip_through_the_contract() -> None:
    data = _with_times(body(), WORK_HOURS, {"start": "00:00", "end": "00:00", "days": [7]})
    data["debtor"]["inconvenient_places"] = ["workplace"]
    facts = parse_request(data).debtor
    assert parse_debtor(debtor_to_dict(facts)) == facts
    assert debtor_to_dict(facts)["inconvenient_times"][0]["days"] == [1, 2, 3, 4, 5]


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [
        ("inconvenient_times", [{"start": "09:00", "end": "18:00", "days": [8]}], "ISO weekday"),
        ("inconvenient_places", ["garden"], "expected one of workplace"),
    ],
)
def test_a_bad_weekday_or_place_is_refused_by_name(field: str, value: Any, problem: str) -> None:
    data = body()
    data["debtor"][field] = value
    with pytest.raises(InvalidRequest, match=problem):
        parse_request(data)
