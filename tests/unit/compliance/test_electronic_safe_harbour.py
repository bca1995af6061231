"""12 CFR 1006.6(d)(4): in us-reg-f an e-mail or a text to the consumer goes only to an address or number
the consumer used to write to the collector, one the consumer consented to, or one the creditor provided;
never to a work e-mail address the creditor provided. The other packs leave the rule off."""

from __future__ import annotations

from typing import Any

import pytest
from tests.unit.compliance.builders import NY_PHONE, body, judge, rules

from huikuan.compliance import parse_request
from huikuan.compliance.contract import decision_to_dict, request_to_dict
from huikuan.compliance.contract_fields import InvalidRequest

RULE = "electronic-safe-harbour"
EMAIL = "li.lei@example.com"


def _message(channel: str, harbour: str | None, **party: Any) -> dict[str, Any]:
    to = EMAIL if channel == "email" else NY_PHONE
    extra = {} if harbour is None else {"safe_harbour": harbour}
    return body(channel=channel, party={"id": "P-1", "role": "debtor", "to": to, **extra, **party})


@pytest.mark.parametrize("channel", ["email", "sms"])
def test_an_address_with_no_qualifying_source_is_refused_until_the_facts_change(channel: str) -> None:
    decision = judge(_message(channel, None))
    assert rules(decision) == [RULE] and decision.next_allowed_at is None


@pytest.mark.parametrize("channel", ["email", "sms"])
@pytest.mark.parametrize("harbour", ["used", "consent", "creditor"])
def test_an_address_the_consumer_used_or_gave_or_the_creditor_provided_is_allowed(
    channel: str, harbour: str
) -> None:
    assert judge(_message(channel, harbour)).allowed


def test_a_work_email_the_creditor_provided_is_refused_but_not_one_the_consumer_used() -> None:
    assert rules(judge(_message("email", "creditor", workplace=True))) == [RULE]
    assert judge(_message("email", "used", workplace=True)).allowed
    assert judge(_message("email", "consent", workplace=True)).allowed


def test_calls_letters_and_a_question_without_an_address_are_not_its_concern() -> None:
    assert RULE not in rules(judge(body(channel="call")))
    assert RULE not in rules(judge(body(channel="letter")))
    no_address = _message("email", None)
    no_address["party"]["to"] = None
    assert RULE not in rules(judge(no_address))


def test_a_collectors_own_email_is_held_to_it_too() -> None:
    data = {**_message("email", None), "automated": False}
    assert rules(judge(data)) == [RULE]


@pytest.mark.parametrize("pack", ["cn", "uk-conc"])
@pytest.mark.parametrize("channel", ["email", "sms"])
def test_the_other_packs_leave_it_off(pack: str, channel: str) -> None:
    assert RULE not in rules(judge(_message(channel, None), pack))


def test_a_request_without_the_fact_keeps_its_decision_id() -> None:
    plain = _message("email", None)
    unset = {**plain, "party": {**plain["party"], "safe_harbour": None}}
    assert decision_to_dict(judge(plain))["id"] == decision_to_dict(judge(unset))["id"]
    assert "safe_harbour" not in request_to_dict(parse_request(unset))["party"]
    assert request_to_dict(parse_request(_message("email", "used")))["party"]["safe_harbour"] == "used"


def test_the_fact_is_one_of_the_named_reasons() -> None:
    with pytest.raises(InvalidRequest, match="safe_harbour"):
        parse_request(_message("email", "found_online"))
