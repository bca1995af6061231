"""Which message templates a case can be sent, and which one its state calls for (channels/choice.py)."""

from __future__ import annotations

import pytest

from huikuan.channels.choice import CaseState, choose
from huikuan.channels.render import template_names

UNPAID = CaseState(open_balance=True)


def _choice(channel: str, state: CaseState) -> tuple[tuple[str, ...], str]:
    choice = choose(channel, template_names(channel), state)
    return choice.templates, choice.default


def test_an_unpaid_case_without_an_arrangement_is_offered_reminders_and_the_demand_only() -> None:
    assert _choice("sms", UNPAID) == (("reminder",), "reminder")
    assert _choice("email", UNPAID) == (("reminder",), "reminder")
    assert _choice("letter", UNPAID) == (("demand",), "demand")


def test_a_payment_not_yet_thanked_for_is_what_the_sms_says_next() -> None:
    paid = CaseState(open_balance=True, payment=True, payment_unthanked=True)
    assert _choice("sms", paid) == (("payment_confirmation", "reminder"), "payment_confirmation")
    thanked = CaseState(open_balance=True, payment=True)
    assert _choice("sms", thanked) == (("payment_confirmation", "reminder"), "reminder")


def test_a_pending_promise_calls_for_the_promise_reminder() -> None:
    promised = CaseState(open_balance=True, promise=True)
    assert _choice("sms", promised) == (("promise_reminder", "reminder"), "promise_reminder")
    assert _choice("email", promised) == (("reminder",), "reminder")  # the e-mail reminder states it


def test_an_arrangement_not_yet_confirmed_comes_first_and_then_the_usual_reminder() -> None:
    arranged = CaseState(open_balance=True, arrangement=True, arrangement_unconfirmed=True)
    assert _choice("email", arranged) == (
        ("arrangement_confirmation", "reminder"),
        "arrangement_confirmation",
    )
    assert _choice("letter", arranged)[1] == "arrangement_confirmation"
    confirmed = CaseState(open_balance=True, arrangement=True)
    assert _choice("letter", confirmed) == (("arrangement_confirmation", "demand"), "demand")


def test_a_us_validation_notice_that_was_not_sent_comes_before_anything_else() -> None:
    due = CaseState(open_balance=True, arrangement=True, arrangement_unconfirmed=True, validation_due=True)
    assert _choice("letter", due)[1] == "demand"
    assert _choice("email", due)[1] == "arrangement_confirmation"


def test_a_case_with_nothing_owed_gets_no_reminder_with_an_amount_but_may_be_thanked() -> None:
    settled = CaseState(payment=True, payment_unthanked=True)
    assert _choice("email", settled) == ((), "")
    assert _choice("letter", settled) == ((), "")
    # The SMS reminder only asks to call: it states nothing that could be untrue.
    assert _choice("sms", settled) == (("payment_confirmation", "reminder"), "payment_confirmation")


@pytest.mark.parametrize("channel", ["sms", "email", "letter"])
@pytest.mark.parametrize(
    "state",
    [
        CaseState(),
        UNPAID,
        CaseState(open_balance=True, payment=True, payment_unthanked=True, promise=True),
        CaseState(open_balance=True, arrangement=True, arrangement_unconfirmed=True, validation_due=True),
    ],
)
def test_the_default_is_always_one_of_the_templates_offered(channel: str, state: CaseState) -> None:
    offered, default = _choice(channel, state)
    assert default in offered if offered else default == ""
