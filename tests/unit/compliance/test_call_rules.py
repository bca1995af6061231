"""call-frequency, post-conversation and the daily cap: counting calls the way the sources do."""

from __future__ import annotations

from tests.unit.compliance.builders import SHANGHAI_PHONE, body, calls, event, iso, judge, rules

NY = {"country": "US", "region": "NY"}
SHANGHAI = {"country": "CN", "region": "SH"}


def cn_body(when: str, history: list[dict[str, object]]) -> dict[str, object]:
    return body(
        when,
        phones=[SHANGHAI_PHONE],
        address=SHANGHAI,
        history=history,
        party={"id": "P-1", "role": "debtor", "to": SHANGHAI_PHONE},
    )


def test_an_eighth_call_within_seven_days_is_refused_until_the_first_drops_out() -> None:
    # Seven unanswered calls on 2 to 8 February (10:00 EST); the eighth on the 8th must wait until the
    # 2nd leaves the seven-day window: 9 February, at 08:00 local.
    decision = judge(body("2026-02-08T20:00:00Z", address=NY, history=calls("2026-02-02T15:00:00", 7)))
    assert rules(decision) == ["call-frequency"]
    assert decision.next_allowed_at is not None
    assert iso(decision.next_allowed_at) == "2026-02-09T13:00:00Z"


def test_six_calls_leave_room_for_a_seventh() -> None:
    assert judge(body("2026-02-08T20:00:00Z", address=NY, history=calls("2026-02-03T15:00:00", 6))).allowed


def test_calls_not_connected_to_the_dialled_number_do_not_count() -> None:
    history = calls("2026-02-02T15:00:00", 7)
    history[3]["outcome"] = "not_connected"
    assert judge(body("2026-02-08T20:00:00Z", address=NY, history=history)).allowed


def test_answered_and_voicemail_calls_count() -> None:
    history = calls("2026-02-02T15:00:00", 7)
    history[0]["outcome"] = "voicemail"
    history[1]["outcome"] = "busy"
    assert rules(judge(body("2026-02-08T20:00:00Z", address=NY, history=history))) == ["call-frequency"]


def test_calls_within_seven_days_after_consent_do_not_count() -> None:
    # Consent on 1 February covers calls placed on 1-7 February: only the call of the 8th counts.
    history = [
        event("2026-02-01T15:00:00Z", "consent", direction="inbound"),
        *calls("2026-02-02T15:00:00", 7),
    ]
    assert judge(body("2026-02-08T20:00:00Z", address=NY, history=history)).allowed


def test_a_call_within_seven_days_after_consent_is_itself_excluded() -> None:
    history = [
        *calls("2026-02-02T15:00:00", 7),
        event("2026-02-08T16:00:00Z", "consent", direction="inbound"),
    ]
    assert judge(body("2026-02-08T20:00:00Z", address=NY, history=history)).allowed


def test_calls_to_every_number_of_the_person_count_together() -> None:
    history = calls("2026-02-02T15:00:00", 7)
    request = body(
        "2026-02-08T20:00:00Z",
        address=NY,
        history=history,
        phones=["+12125550100", "+13155550100"],
        party={"id": "P-1", "role": "debtor", "to": "+13155550100"},
    )
    assert rules(judge(request)) == ["call-frequency"]


def test_calls_about_another_debt_do_not_count_but_calls_of_unknown_debt_do() -> None:
    other = calls("2026-02-02T15:00:00", 7, debts=["A-2"])
    assert judge(body("2026-02-08T20:00:00Z", address=NY, history=other)).allowed
    unknown = calls("2026-02-02T15:00:00", 7, debts=[])
    assert rules(judge(body("2026-02-08T20:00:00Z", address=NY, history=unknown))) == ["call-frequency"]


def test_a_letter_is_not_a_call() -> None:
    request = body(
        "2026-02-08T20:00:00Z", channel="letter", address=NY, history=calls("2026-02-02T15:00:00", 7)
    )
    assert judge(request).allowed


def test_a_conversation_blocks_calls_for_seven_days_counting_its_date_as_day_one() -> None:
    history = [event("2026-02-10T15:00:00Z", "conversation")]
    decision = judge(body("2026-02-16T20:00:00Z", address=NY, history=history))
    assert rules(decision) == ["post-conversation"]
    assert decision.violations[0].message == "a conversation on 2026-02-10 blocks calls until 2026-02-17"
    assert decision.next_allowed_at is not None
    assert iso(decision.next_allowed_at) == "2026-02-17T13:00:00Z"


def test_the_conversation_date_is_the_consumers_local_date() -> None:
    # 23:30 EST on 10 February is already the 11th in UTC; the quiet period still ends with the 16th.
    history = [event("2026-02-11T04:30:00Z", "conversation")]
    decision = judge(body("2026-02-16T20:00:00Z", address=NY, history=history))
    assert decision.next_allowed_at is not None
    assert iso(decision.next_allowed_at) == "2026-02-17T13:00:00Z"


def test_an_inbound_conversation_blocks_calls_too() -> None:
    history = [event("2026-02-10T15:00:00Z", "conversation", direction="inbound")]
    assert rules(judge(body("2026-02-12T20:00:00Z", address=NY, history=history))) == ["post-conversation"]


def test_a_conversation_about_several_debts_blocks_calls_about_each() -> None:
    history = [event("2026-02-10T15:00:00Z", "conversation", debts=["A-1", "A-2"])]
    for debt in ("A-1", "A-2"):
        request = body("2026-02-12T20:00:00Z", address=NY, history=history, debt={"id": debt})
        assert rules(judge(request)) == ["post-conversation"]
    assert judge(body("2026-02-12T20:00:00Z", address=NY, history=history, debt={"id": "A-3"})).allowed


def test_a_conversation_does_not_stop_letters_or_emails() -> None:
    history = [event("2026-02-10T15:00:00Z", "conversation")]
    assert judge(body("2026-02-12T20:00:00Z", channel="email", address=NY, history=history)).allowed


def test_the_daily_cap_counts_connected_calls_and_resets_at_shanghai_midnight() -> None:
    # Three conversations on 2 March, Beijing time: the fourth call waits for 3 March 08:00 (00:00Z).
    history = [event(f"2026-03-02T0{h}:00:00Z", "conversation", debts=[]) for h in (1, 2, 3)]
    decision = judge(cn_body("2026-03-02T06:00:00Z", history), "cn")
    assert rules(decision) == ["daily-call-cap"]
    assert decision.next_allowed_at is not None
    assert iso(decision.next_allowed_at) == "2026-03-03T00:00:00Z"


def test_a_call_just_before_local_midnight_counts_for_the_day_before() -> None:
    # 15:30Z on 1 March is 23:30 on the 1st in Shanghai; 16:30Z is 00:30 on the 2nd.
    before = [event("2026-03-01T15:30:00Z", "conversation")] + [
        event(f"2026-03-02T0{h}:00:00Z", "conversation") for h in (1, 2)
    ]
    assert judge(cn_body("2026-03-02T06:00:00Z", before), "cn").allowed
    after = [event("2026-03-01T16:30:00Z", "conversation")] + [
        event(f"2026-03-02T0{h}:00:00Z", "conversation") for h in (1, 2)
    ]
    assert rules(judge(cn_body("2026-03-02T06:00:00Z", after), "cn")) == ["daily-call-cap"]


def test_unanswered_calls_do_not_reach_the_daily_cap() -> None:
    history = [event(f"2026-03-02T0{h}:00:00Z", "no_answer") for h in range(1, 6)]
    assert judge(cn_body("2026-03-02T06:00:00Z", history), "cn").allowed
