"""A dispute of one debt (debt.disputed) stops collection of that debt only, and round-trips through the
decision contract."""

from __future__ import annotations

from tests.unit.compliance.builders import body, judge, rules

from huikuan.compliance import parse_request
from huikuan.compliance.contract import request_to_dict

OPEN = "2026-03-04T18:00:00Z"


def test_a_disputed_debt_is_refused_with_no_next_allowed_at() -> None:
    decision = judge(body(OPEN, debt={"id": "A-1", "disputed": True}))
    assert rules(decision) == ["dispute"] and decision.next_allowed_at is None


def test_another_debt_of_the_same_debtor_is_allowed() -> None:
    assert judge(body(OPEN, debt={"id": "A-2", "disputed": False})).allowed


def test_the_debtors_attorney_may_still_be_contacted_about_a_disputed_debt() -> None:
    attorney = {"id": "L-1", "role": "attorney", "to": "+12125550199"}
    assert judge(body(OPEN, debt={"id": "A-1", "disputed": True}, party=attorney)).allowed


def test_debt_disputed_round_trips_through_the_contract() -> None:
    request = parse_request(body(OPEN, debt={"id": "A-1", "disputed": True}))
    assert request.debt.disputed
    assert request_to_dict(request)["debt"]["disputed"] is True
    assert parse_request(request_to_dict(request)).debt == request.debt
