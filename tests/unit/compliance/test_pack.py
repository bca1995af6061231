"""Packs: versioned data with sources, which a creditor may tighten and never loosen."""

from __future__ import annotations

import tomllib
from importlib import resources

import pytest
from tests.unit.compliance.builders import SHANGHAI_PHONE, body, event, iso, judge, rules

from huikuan.compliance import PackError, PackLoosening, available_packs, load_pack
from huikuan.compliance.pack import pack_from_dict
from huikuan.compliance.pack_params import RULE_IDS
from huikuan.errors import HuikuanError

TIGHT = {
    "rules": {
        "contact-hours": {"start": "09:00", "end": "20:00"},
        "daily-call-cap": {"enabled": True, "max_connected": 2},
    }
}


def test_three_packs_of_version_2026_11_are_available() -> None:
    assert available_packs() == ("cn", "uk-conc", "us-reg-f")
    assert {load_pack(name).version for name in available_packs()} == {"2026-11"}


@pytest.mark.parametrize("name", ["cn", "uk-conc", "us-reg-f"])
def test_every_rule_of_every_pack_names_its_source(name: str) -> None:
    pack = load_pack(name)
    assert set(pack.rules) == set(RULE_IDS)
    assert all(rule.source for rule in pack.rules.values())


def test_unknown_pack_is_an_error_naming_the_pack() -> None:
    with pytest.raises(PackError, match="unknown pack 'xx'"):
        load_pack("xx")


def test_a_creditor_tightens_hours_to_09_20_and_calls_to_2_a_day() -> None:
    pack = load_pack("us-reg-f").tightened(TIGHT)
    assert pack.settings.hours_start == 9 * 3600 and pack.settings.hours_end == 20 * 3600
    assert pack.settings.daily_cap == 2 and pack.enabled("daily-call-cap")
    assert pack.fingerprint != load_pack("us-reg-f").fingerprint
    assert pack.version == "2026-11"


def test_a_tightened_chinese_pack_refuses_a_third_connected_call_and_waits_for_09_00() -> None:
    from huikuan.compliance import decide, parse_request

    tight = load_pack("cn").tightened(TIGHT)
    history = [event(f"2026-03-02T0{h}:00:00Z", "conversation") for h in (1, 2)]
    data = body(
        "2026-03-02T06:00:00Z",
        phones=[SHANGHAI_PHONE],
        address={"country": "CN", "region": "GD"},
        party={"id": "P-1", "role": "debtor", "to": SHANGHAI_PHONE},
        history=history,
    )
    assert judge(data, "cn").allowed
    request = parse_request(data)
    decision = decide(request, request.history, tight)
    assert rules(decision) == ["daily-call-cap"]
    assert decision.next_allowed_at is not None
    assert iso(decision.next_allowed_at) == "2026-03-03T01:00:00Z"  # 09:00 in Shanghai


@pytest.mark.parametrize(
    ("overrides", "parameter"),
    [
        ({"contact-hours": {"end": "22:00"}}, "contact-hours.end"),
        ({"contact-hours": {"start": "07:30"}}, "contact-hours.start"),
        ({"call-frequency": {"max_calls": 8}}, "call-frequency.max_calls"),
        ({"call-frequency": {"window_days": 6}}, "call-frequency.window_days"),
        ({"post-conversation": {"days": 5}}, "post-conversation.days"),
        ({"cease": {"enabled": False}}, "cease.enabled"),
        (
            {"third-party-disclosure": {"locate_roles": ["friend", "attorney"]}},
            "third-party-disclosure.locate_roles",
        ),
    ],
)
def test_loosening_a_us_pack_is_refused_naming_the_parameter(overrides: dict, parameter: str) -> None:
    with pytest.raises(PackLoosening, match=rf"^{parameter}: .*only tighten"):
        load_pack("us-reg-f").tightened({"rules": overrides})


@pytest.mark.parametrize("cap", [4, 0])
def test_raising_or_switching_off_the_chinese_daily_cap_is_refused(cap: int) -> None:
    with pytest.raises(PackLoosening, match="daily-call-cap.max_connected"):
        load_pack("cn").tightened({"rules": {"daily-call-cap": {"max_connected": cap}}})


def test_loosening_is_a_huikuan_error() -> None:
    assert issubclass(PackLoosening, HuikuanError)


def test_a_rule_the_pack_leaves_off_may_be_switched_on_with_any_numbers() -> None:
    pack = load_pack("cn").tightened(
        {"rules": {"cease": {"enabled": True}, "call-frequency": {"enabled": True}}}
    )
    assert pack.enabled("cease") and pack.enabled("call-frequency")


def test_unknown_rules_and_parameters_are_errors() -> None:
    with pytest.raises(PackError, match="no-calls: unknown rule"):
        load_pack("us-reg-f").tightened({"rules": {"no-calls": {"enabled": True}}})
    with pytest.raises(PackError, match="contact-hours.begin: unknown parameter"):
        load_pack("us-reg-f").tightened({"rules": {"contact-hours": {"begin": "09:00"}}})
    with pytest.raises(PackError, match="contact-hours.start: expected a time"):
        load_pack("us-reg-f").tightened({"rules": {"contact-hours": {"start": "9am"}}})


@pytest.mark.parametrize(("name", "years", "minimum"), [("cn", 5, 2), ("us-reg-f", 5, 3), ("uk-conc", 6, 3)])
def test_every_pack_says_how_long_personal_data_is_kept_and_why(name: str, years: int, minimum: int) -> None:
    retention = load_pack(name).retention
    assert (retention.years, retention.min_years) == (years, minimum)
    assert retention.source


def test_a_pack_that_does_not_say_how_long_data_is_kept_is_refused() -> None:
    text = resources.files("huikuan.compliance").joinpath("packs/cn.toml").read_text("utf-8")
    data = tomllib.loads(text)
    del data["obligations"]["retention"]
    with pytest.raises(PackError, match="obligations.retention: missing"):
        pack_from_dict(data)
    data["obligations"]["retention"] = {"years": 1, "min_years": 2, "source": "x"}
    with pytest.raises(PackError, match="min_years is more than years"):
        pack_from_dict(data)
