"""TCPA: in us-reg-f an automated text goes only to a number that carries the person's prior express
consent; a collector's own text, a call, and the other packs are not concerned."""

from __future__ import annotations

from typing import Any

import pytest
from tests.unit.compliance.builders import NY_PHONE, body, judge, rules

from huikuan.compliance import parse_request
from huikuan.compliance.contract import decision_to_dict, request_to_dict
from huikuan.compliance.contract_fields import InvalidRequest

RULE = "automated-text-consent"


def _text(*, automated: bool, consent: bool, channel: str = "sms") -> dict[str, Any]:
    # A number the debtor gave: the e-mail and text safe harbour (its own rule) is not in question here.
    party = {
        "id": "P-1",
        "role": "debtor",
        "to": NY_PHONE,
        "express_consent": consent,
        "safe_harbour": "consent",
    }
    return {**body(channel=channel, party=party), "automated": automated}


def test_an_automated_text_to_a_number_without_consent_is_refused_until_the_facts_change() -> None:
    decision = judge(_text(automated=True, consent=False))
    assert rules(decision) == [RULE] and decision.next_allowed_at is None


def test_an_automated_text_to_a_number_with_consent_is_allowed() -> None:
    assert judge(_text(automated=True, consent=True)).allowed


def test_a_collectors_own_text_needs_no_recorded_consent() -> None:
    assert judge(_text(automated=False, consent=False)).allowed


def test_the_rule_is_about_texts_only() -> None:
    assert RULE not in rules(judge(_text(automated=True, consent=False, channel="email")))


@pytest.mark.parametrize("pack", ["cn", "uk-conc"])
def test_the_other_packs_leave_it_off(pack: str) -> None:
    data = _text(automated=True, consent=False)
    data["party"] = {**data["party"], "to": None}
    assert RULE not in rules(judge(data, pack))


def test_a_request_without_the_extensions_keeps_its_decision_id() -> None:
    plain = body(channel="sms")
    with_defaults = {**plain, "automated": False, "party": {**plain["party"], "express_consent": False}}
    assert decision_to_dict(judge(plain))["id"] == decision_to_dict(judge(with_defaults))["id"]
    assert "automated" not in request_to_dict(parse_request(with_defaults))


def test_the_extensions_are_booleans() -> None:
    with pytest.raises(InvalidRequest, match="automated"):
        parse_request({**body(channel="sms"), "automated": "yes"})
