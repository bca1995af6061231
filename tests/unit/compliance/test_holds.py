"""Holds: hardship, bankruptcy, breathing-space, deceased, cease and attorney, read with their ends."""

from __future__ import annotations

import pytest
from tests.unit.compliance.builders import LONDON_PHONE, NY_PHONE, SHANGHAI_PHONE, at, body, judge, rules

from huikuan.compliance import parse_request, request_to_dict

OPEN = "2026-03-04T18:00:00Z"  # 13:00 in New York
UNTIL = "2026-03-10T18:00:00Z"
WHERE = {
    "us-reg-f": ("2026-03-04T18:00:00Z", NY_PHONE, "US"),
    "cn": ("2026-03-04T03:00:00Z", SHANGHAI_PHONE, "CN"),
    "uk-conc": ("2026-03-04T12:00:00Z", LONDON_PHONE, "GB"),
}


def in_pack(pack: str, flags: dict[str, object], party: dict[str, object] | None = None) -> dict:
    when, phone, country = WHERE[pack]
    who = party or {"id": "P-1", "role": "debtor", "to": phone}
    return body(when, party=who, phones=[phone], address={"country": country}, flags=flags)


def test_a_hardship_pause_refuses_until_its_end_and_names_it() -> None:
    decision = judge(body(OPEN, flags={"holds": [{"kind": "hardship", "until": UNTIL}]}))
    assert rules(decision) == ["hardship"]
    assert decision.next_allowed_at == at(UNTIL)


def test_a_hold_whose_end_has_passed_no_longer_refuses() -> None:
    flags = {"holds": [{"kind": "hardship", "until": "2026-03-01T00:00:00Z"}]}
    assert judge(body(OPEN, flags=flags)).allowed


def test_a_hold_with_no_end_refuses_until_it_is_ended() -> None:
    decision = judge(body(OPEN, flags={"cease": True, "holds": [{"kind": "cease", "until": None}]}))
    assert rules(decision) == ["cease"] and decision.next_allowed_at is None


def test_the_next_allowed_instant_is_the_latest_end_of_the_blocking_holds() -> None:
    later = "2026-03-12T18:00:00Z"
    flags = {"holds": [{"kind": "hardship", "until": UNTIL}, {"kind": "attorney", "until": later}]}
    decision = judge(body(OPEN, flags=flags))
    assert rules(decision) == ["hardship", "attorney"] and decision.next_allowed_at == at(later)


@pytest.mark.parametrize("pack", sorted(WHERE))
def test_bankruptcy_stops_collection_in_every_pack(pack: str) -> None:
    decision = judge(in_pack(pack, {"bankruptcy": True}), pack)
    assert rules(decision) == ["bankruptcy"] and decision.next_allowed_at is None


@pytest.mark.parametrize("pack", sorted(WHERE))
def test_bankruptcy_leaves_the_attorney_reachable(pack: str) -> None:
    lawyer = {"id": "P-5", "role": "attorney", "to": WHERE[pack][1]}
    assert judge(in_pack(pack, {"bankruptcy": True}, lawyer), pack).allowed


def test_a_breathing_space_moratorium_refuses_in_the_uk_until_it_ends() -> None:
    until = "2026-05-03T12:00:00Z"
    decision = judge(in_pack("uk-conc", {"holds": [{"kind": "breathing-space", "until": until}]}), "uk-conc")
    assert rules(decision) == ["breathing-space"] and decision.next_allowed_at == at(until)


@pytest.mark.parametrize("pack", ["cn", "us-reg-f"])
def test_a_breathing_space_is_law_only_in_the_uk(pack: str) -> None:
    assert judge(in_pack(pack, {"holds": [{"kind": "breathing-space", "until": None}]}), pack).allowed


def test_an_attorney_hold_refuses_the_debtor_and_lets_the_attorney_be_contacted() -> None:
    flags = {"attorney": True, "holds": [{"kind": "attorney", "until": None}]}
    assert rules(judge(body(OPEN, flags=flags))) == ["attorney"]
    lawyer = {"id": "P-5", "role": "attorney", "to": "+12125550177"}
    assert judge(body(OPEN, party=lawyer, flags=flags)).allowed


@pytest.mark.parametrize(("pack", "representative"), [("us-reg-f", "executor"), ("cn", "heir")])
def test_after_a_death_the_estate_is_asked_and_not_the_debtor(pack: str, representative: str) -> None:
    flags = {"deceased": True, "holds": [{"kind": "deceased", "until": None}]}
    assert rules(judge(in_pack(pack, flags), pack)) == ["deceased"]
    party = {"id": "P-6", "role": representative, "to": WHERE[pack][1]}
    assert judge(in_pack(pack, flags, party), pack).allowed


def test_after_a_death_a_family_member_is_not_asked_even_where_the_debtor_is() -> None:
    sister = {"id": "P-9", "role": "family", "to": "+12125550123"}
    request = body(OPEN, purpose="locate", party=sister, flags={"deceased": True})
    assert "deceased" in rules(judge(request))


def test_holds_and_bankruptcy_survive_the_contract_round_trip() -> None:
    flags = {"bankruptcy": True, "holds": [{"kind": "hardship", "until": UNTIL}, {"kind": "cease"}]}
    request = parse_request(body(OPEN, flags=flags))
    again = parse_request(request_to_dict(request))
    assert again == request
    assert request_to_dict(again)["debtor"]["flags"]["holds"] == [
        {"kind": "cease", "until": None},
        {"kind": "hardship", "until": "2026-03-10T18:00:00Z"},
    ]
