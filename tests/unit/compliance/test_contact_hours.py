"""contact-hours: 08:00-21:00 at the consumer's location, in every plausible zone, across DST."""

from __future__ import annotations

from tests.unit.compliance.builders import LONDON_PHONE, NY_PHONE, SHANGHAI_PHONE, body, iso, judge, rules

NY_ONLY = {"country": "US", "region": "NY"}
LONDON = {"country": "GB", "region": None}


def test_eastern_area_code_with_pacific_address_allows_only_11_to_21_eastern() -> None:
    # Official commentary 6(b)(1)(i)-1: both locations are plausible, so only 11:00-21:00 Eastern
    # (08:00-18:00 Pacific) is convenient in both. 2026-03-04 is in standard time: EST = UTC-5.
    before = judge(body("2026-03-04T15:59:00Z"))
    assert rules(before) == ["contact-hours"]
    assert before.next_allowed_at is not None and iso(before.next_allowed_at) == "2026-03-04T16:00:00Z"
    assert judge(body("2026-03-04T16:00:00Z")).allowed
    assert judge(body("2026-03-05T02:00:00Z")).allowed  # 21:00 Eastern is the last allowed minute
    late = judge(body("2026-03-05T02:01:00Z"))
    assert not late.allowed and late.next_allowed_at is not None
    assert iso(late.next_allowed_at) == "2026-03-05T16:00:00Z"


def test_the_message_names_the_zone_where_the_time_is_outside_the_window() -> None:
    decision = judge(body("2026-03-04T15:15:00Z"))
    assert decision.violations[0].message == "outside 08:00-21:00 local time (07:15 in America/Los_Angeles)"


def test_spring_forward_in_new_york_opens_at_08_00_daylight_time() -> None:
    # 2026-03-08 02:00 EST becomes 03:00 EDT: 21:30 EST on the 7th waits for 08:00 EDT = 12:00Z.
    decision = judge(body("2026-03-08T02:30:00Z", address=NY_ONLY))
    assert decision.next_allowed_at is not None
    assert iso(decision.next_allowed_at) == "2026-03-08T12:00:00Z"
    assert not judge(body("2026-03-08T11:59:00Z", address=NY_ONLY)).allowed
    assert judge(body("2026-03-09T00:59:00Z", address=NY_ONLY)).allowed  # 20:59 EDT
    assert not judge(body("2026-03-09T01:01:00Z", address=NY_ONLY)).allowed


def test_fall_back_in_new_york_opens_at_08_00_standard_time() -> None:
    # 2026-11-01 02:00 EDT becomes 01:00 EST: 21:30 EDT on the 31st waits for 08:00 EST = 13:00Z.
    decision = judge(body("2026-11-01T01:30:00Z", address=NY_ONLY))
    assert decision.next_allowed_at is not None
    assert iso(decision.next_allowed_at) == "2026-11-01T13:00:00Z"
    assert not judge(body("2026-11-01T12:30:00Z", address=NY_ONLY)).allowed


def test_spring_forward_in_london_opens_at_08_00_british_summer_time() -> None:
    request = body(
        "2026-03-28T21:30:00Z",
        phones=[LONDON_PHONE],
        address=LONDON,
        party={"id": "P-1", "role": "debtor", "to": LONDON_PHONE},
    )
    decision = judge(request, "uk-conc")
    assert decision.next_allowed_at is not None
    assert iso(decision.next_allowed_at) == "2026-03-29T07:00:00Z"
    request["at"] = "2026-03-29T20:00:00Z"  # 21:00 BST
    assert judge(request, "uk-conc").allowed
    request["at"] = "2026-03-29T20:01:00Z"
    assert not judge(request, "uk-conc").allowed


def test_fall_back_in_london_opens_at_08_00_greenwich_mean_time() -> None:
    request = body(
        "2026-10-24T20:30:00Z",
        phones=[LONDON_PHONE],
        address=LONDON,
        party={"id": "P-1", "role": "debtor", "to": LONDON_PHONE},
    )
    decision = judge(request, "uk-conc")
    assert decision.next_allowed_at is not None
    assert iso(decision.next_allowed_at) == "2026-10-25T08:00:00Z"


def test_with_no_location_fact_every_us_zone_counts() -> None:
    # Hawaii opens last (08:00 HST = 18:00Z), New York closes first (21:00 EST = 02:00Z).
    request = body("2026-03-04T17:59:00Z", phones=[], address={}, party={"id": "P-1", "role": "debtor"})
    decision = judge(request)
    assert decision.next_allowed_at is not None
    assert iso(decision.next_allowed_at) == "2026-03-04T18:00:00Z"


def test_an_explicit_time_zone_adds_to_the_other_facts() -> None:
    request = body("2026-03-04T13:30:00Z", address=NY_ONLY, time_zone="America/Chicago")
    decision = judge(request)  # 07:30 in Chicago although 08:30 in New York
    assert decision.next_allowed_at is not None
    assert iso(decision.next_allowed_at) == "2026-03-04T14:00:00Z"


def test_a_xinjiang_address_honours_both_beijing_and_xinjiang_time() -> None:
    request = body(
        "2026-03-04T01:00:00Z",
        phones=[SHANGHAI_PHONE],
        address={"country": "CN", "region": "XJ"},
        party={"id": "P-1", "role": "debtor", "to": SHANGHAI_PHONE},
    )
    decision = judge(request, "cn")  # 09:00 Beijing is 07:00 in Urumqi (UTC+6)
    assert decision.next_allowed_at is not None
    assert iso(decision.next_allowed_at) == "2026-03-04T02:00:00Z"


def test_a_third_partys_own_number_sets_their_hours() -> None:
    party = {"id": "P-7", "role": "family", "to": SHANGHAI_PHONE, "phones": [SHANGHAI_PHONE]}
    decision = judge(body("2026-03-04T01:00:00Z", purpose="locate", party=party))
    assert decision.allowed  # 09:00 in Shanghai; the debtor's New York hours do not apply


def test_no_time_convenient_in_every_zone_gives_no_next_instant() -> None:
    # UTC+0, UTC+8 and UTC-8: three 13-hour windows with no common hour.
    request = body("2026-03-04T12:00:00Z", phones=[LONDON_PHONE, SHANGHAI_PHONE, NY_PHONE])
    request["debtor"]["time_zone"] = "America/Los_Angeles"
    decision = judge(request)
    assert rules(decision) == ["contact-hours"] and decision.next_allowed_at is None
