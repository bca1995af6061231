"""Rules only a change of facts can lift: cease, attorney, dispute, workplace, opt-out, validation."""

from __future__ import annotations

from tests.unit.compliance.builders import body, event, judge, rules

OPEN = "2026-03-04T18:00:00Z"  # 13:00 Eastern, 10:00 Pacific: inside every window of the default debtor


def test_the_default_request_is_allowed_and_its_next_allowed_at_is_now() -> None:
    decision = judge(body(OPEN))
    assert decision.allowed and decision.violations == ()
    assert (
        decision.next_allowed_at is not None
        and decision.next_allowed_at.isoformat() == "2026-03-04T18:00:00+00:00"
    )


def test_cease_gives_no_next_allowed_at() -> None:
    decision = judge(body(OPEN, flags={"cease": True}))
    assert rules(decision) == ["cease"] and decision.next_allowed_at is None


def test_attorney_representation_gives_no_next_allowed_at_but_the_attorney_may_be_contacted() -> None:
    decision = judge(body(OPEN, flags={"attorney": True}))
    assert rules(decision) == ["attorney"] and decision.next_allowed_at is None
    attorney = {"id": "L-1", "role": "attorney", "to": "+12125550199"}
    assert judge(body(OPEN, flags={"attorney": True}, party=attorney)).allowed


def test_dispute_gives_no_next_allowed_at() -> None:
    decision = judge(body(OPEN, flags={"disputed": True}))
    assert rules(decision) == ["dispute"] and decision.next_allowed_at is None


def test_a_deceased_debtor_is_not_contacted() -> None:
    decision = judge(body(OPEN, flags={"deceased": True}))
    assert rules(decision) == ["deceased"] and decision.next_allowed_at is None


def test_a_fact_bound_block_wins_over_a_timed_one() -> None:
    decision = judge(body("2026-03-04T12:00:00Z", flags={"cease": True}))
    assert rules(decision) == ["contact-hours", "cease"] and decision.next_allowed_at is None


def test_workplace_contact_is_refused_where_the_employer_prohibits_it() -> None:
    party = {"id": "P-1", "role": "debtor", "to": "+12125550111", "workplace": True}
    assert rules(judge(body(OPEN, party=party, flags={"employer_prohibits": True}))) == ["workplace"]
    assert judge(body(OPEN, party=party)).allowed


def test_an_opted_out_medium_is_never_used() -> None:
    flags = {"opt_out": ["email", "call"]}
    assert rules(judge(body(OPEN, channel="email", flags=flags))) == ["channel-opt-out"]
    assert rules(judge(body(OPEN, channel="voicemail", flags=flags))) == ["channel-opt-out"]
    assert judge(body(OPEN, channel="sms", flags=flags)).allowed


def test_a_time_barred_debt_may_still_be_contacted() -> None:
    assert judge(body(OPEN, debt={"id": "A-1", "time_barred": True})).allowed


def test_validation_information_overdue_stops_collection() -> None:
    history = [event("2026-02-20T15:00:00Z", "conversation")]
    overdue = judge(body(OPEN, history=history, debt={"id": "A-1", "validation_sent": False}))
    assert rules(overdue) == ["validation-notice"] and overdue.next_allowed_at is None
    assert judge(body(OPEN, history=history, debt={"id": "A-1", "validation_sent": True})).allowed
    assert judge(body(OPEN, history=history, debt={"id": "A-1"})).allowed  # unknown: see docs/compliance.md


def test_validation_information_is_not_overdue_within_five_days() -> None:
    history = [event("2026-03-01T15:00:00Z", "delivered", channel="letter")]
    assert judge(body(OPEN, history=history, debt={"id": "A-1", "validation_sent": False})).allowed


def test_a_busy_signal_is_no_designation_of_an_inconvenient_time() -> None:
    assert judge(body(OPEN, history=[event("2026-03-03T18:00:00Z", "busy")])).allowed


def test_a_designated_inconvenient_time_is_off_limits_in_every_plausible_zone() -> None:
    # 12:00-13:00 designated: 17:00-18:00Z read as Eastern, 20:00-21:00Z read as Pacific.
    decision = judge(body("2026-03-04T17:30:00Z", inconvenient=[("12:00", "13:00")]))
    assert rules(decision) == ["designated-inconvenient-time"]
    assert decision.next_allowed_at is not None
    assert decision.next_allowed_at.isoformat() == "2026-03-04T18:00:00+00:00"
    assert not judge(body("2026-03-04T20:30:00Z", inconvenient=[("12:00", "13:00")])).allowed


def test_one_reply_in_the_same_medium_to_a_contact_the_consumer_started_then() -> None:
    text_in = event("2026-03-04T17:10:00Z", "delivered", channel="sms", direction="inbound")
    span = [("12:00", "13:00")]
    assert judge(body("2026-03-04T17:30:00Z", channel="sms", inconvenient=span, history=[text_in])).allowed
    assert not judge(
        body("2026-03-04T17:30:00Z", channel="call", inconvenient=span, history=[text_in])
    ).allowed
    replied = [text_in, event("2026-03-04T17:20:00Z", "delivered", channel="sms")]
    assert not judge(body("2026-03-04T17:30:00Z", channel="sms", inconvenient=span, history=replied)).allowed


def test_an_inconvenient_span_may_run_past_midnight() -> None:
    # 18:00-09:00 designated: read in both zones, only 09:00 Pacific (17:00Z) to 18:00 Eastern (23:00Z)
    # is left.
    decision = judge(body("2026-03-04T16:00:00Z", inconvenient=[("18:00", "09:00")]))
    assert decision.next_allowed_at is not None
    assert decision.next_allowed_at.isoformat() == "2026-03-04T17:00:00+00:00"
    assert judge(body("2026-03-04T22:59:00Z", inconvenient=[("18:00", "09:00")])).allowed
    assert not judge(body("2026-03-04T23:00:00Z", inconvenient=[("18:00", "09:00")])).allowed
