"""third-party-disclosure and third-party-repeat: who may be asked what, and how often."""

from __future__ import annotations

from tests.unit.compliance.builders import SHANGHAI_PHONE, body, event, judge, rules

OPEN = "2026-03-04T18:00:00Z"
CN_OPEN = "2026-03-04T03:00:00Z"  # 11:00 in Shanghai
SISTER = {"id": "P-9", "role": "family", "to": "+12125550123"}


def cn(
    party: dict[str, object], purpose: str = "collect", history: list[dict[str, object]] | None = None
) -> dict:
    return body(
        CN_OPEN,
        purpose=purpose,
        party=party,
        phones=[SHANGHAI_PHONE],
        address={"country": "CN"},
        history=history,
    )


def test_a_family_member_may_not_be_asked_to_pay() -> None:
    decision = judge(body(OPEN, party=SISTER))
    assert rules(decision) == ["third-party-disclosure"] and decision.next_allowed_at is None


def test_a_family_member_may_be_asked_where_the_debtor_is() -> None:
    assert judge(body(OPEN, purpose="locate", party=SISTER)).allowed


def test_a_third_party_is_asked_once_only() -> None:
    asked = [event("2026-02-20T18:00:00Z", "conversation", party_id="P-9", role="family")]
    decision = judge(body(OPEN, purpose="locate", party=SISTER, history=asked))
    assert rules(decision) == ["third-party-repeat"] and decision.next_allowed_at is None


def test_an_unanswered_attempt_is_not_a_communication_with_the_third_party() -> None:
    tried = [event("2026-03-01T18:00:00Z", "no_answer", party_id="P-9", role="family")]
    assert judge(body(OPEN, purpose="locate", party=SISTER, history=tried)).allowed


def test_a_third_party_who_asks_to_be_called_back_may_be_contacted_again() -> None:
    asked = [event("2026-02-20T18:00:00Z", "conversation", party_id="P-9", role="family")]
    party = {**SISTER, "recontact": "requested"}
    assert judge(body(OPEN, purpose="locate", party=party, history=asked)).allowed


def test_a_letter_to_a_third_party_is_for_location_only() -> None:
    letter = {"id": "P-9", "role": "family", "to": "12 Main St"}
    assert rules(judge(body(OPEN, channel="letter", party=letter))) == ["third-party-disclosure"]
    assert judge(body(OPEN, channel="letter", purpose="locate", party=letter)).allowed


def test_in_china_a_guarantor_may_be_asked_to_pay() -> None:
    guarantor = {"id": "G-1", "role": "guarantor", "to": "+8613900139000"}
    assert judge(cn(guarantor), "cn").allowed


def test_in_china_an_emergency_contact_may_only_help_reach_the_debtor() -> None:
    contact = {"id": "E-1", "role": "emergency_contact", "to": "+8613900139001"}
    assert rules(judge(cn(contact), "cn")) == ["third-party-disclosure"]
    assert judge(cn(contact, purpose="locate"), "cn").allowed


def test_in_china_people_from_the_address_book_are_not_contacted() -> None:
    friend = {"id": "F-1", "role": "friend", "to": "+8613900139002"}
    decision = judge(cn(friend, purpose="locate"), "cn")
    assert rules(decision) == ["third-party-disclosure"] and decision.next_allowed_at is None


def test_in_the_us_a_guarantor_is_a_consumer_who_may_be_asked_to_pay() -> None:
    guarantor = {"id": "G-1", "role": "guarantor", "to": "+12125550124"}
    assert judge(body(OPEN, party=guarantor)).allowed
