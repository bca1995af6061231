"""Plausible zones from phones, addresses and stated zones; local-clock arithmetic across DST."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from huikuan.compliance.clock import DAY, zone_clock
from huikuan.compliance.location import phone_zones, plausible_zones
from huikuan.compliance.model import Address


def test_a_new_york_number_with_a_california_address_is_in_two_zones() -> None:
    zones = plausible_zones(("+12125550100",), Address("US", "CA"), None, "US")
    assert zones == ("America/Los_Angeles", "America/New_York")


def test_a_state_split_between_zones_counts_both() -> None:
    assert plausible_zones((), Address("US", "TX"), None, "US") == ("America/Chicago", "America/Denver")


def test_a_state_may_be_written_out() -> None:
    assert plausible_zones((), Address("US", "California"), None, "US") == ("America/Los_Angeles",)


def test_an_unknown_state_counts_the_whole_country() -> None:
    assert len(plausible_zones((), Address("US", "ZZ"), None, "US")) == 7


def test_chinese_addresses_are_beijing_time_and_xinjiang_adds_urumqi() -> None:
    assert plausible_zones((), Address("CN", "GD"), None, "CN") == ("Asia/Shanghai",)
    assert plausible_zones((), Address("CN", "CN-XJ"), None, "CN") == ("Asia/Shanghai", "Asia/Urumqi")


def test_a_toll_free_number_says_only_its_country() -> None:
    assert len(phone_zones("+18005550100", "US")) == 7


def test_a_national_number_is_read_in_the_packs_country() -> None:
    assert phone_zones("(212) 555-0100", "US") == ("America/New_York",)
    assert phone_zones("138 0013 8000", "CN") == ("Asia/Shanghai",)


def test_what_is_no_number_gives_the_whole_country() -> None:
    assert phone_zones("call me maybe", "US") == ()
    assert len(plausible_zones(("call me maybe",), Address("US", "NY"), None, "US")) == 7


def test_no_facts_at_all_gives_the_packs_country() -> None:
    assert plausible_zones((), None, None, "GB") == ("Europe/London",)


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(
        [
            "America/New_York",
            "Europe/London",
            "Australia/Lord_Howe",
            "America/Santiago",
            "Asia/Kolkata",
            "Pacific/Chatham",
            "America/Havana",
            "Asia/Shanghai",
        ]
    ),
    st.integers(0, 4 * 365 * DAY),
)
def test_the_zone_clock_agrees_with_zoneinfo(name: str, offset: int) -> None:
    u = int(datetime(2025, 1, 1, tzinfo=UTC).timestamp()) + offset
    clock = zone_clock(name)
    local = datetime.fromtimestamp(u, ZoneInfo(name))
    expected = local.utcoffset()
    assert expected is not None and clock.offset(u) == int(expected.total_seconds())
    day = clock.day(u)
    assert (datetime(1970, 1, 1) + timedelta(days=day)).date() == local.date()
    start = clock.midnight(day)
    assert start <= u and clock.day(start) == day and clock.day(start - 1) < day
