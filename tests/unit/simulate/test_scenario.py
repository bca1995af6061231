"""Scenarios: defaults for every key; an unknown key or a value out of range is refused by name."""

from __future__ import annotations

from pathlib import Path

import pytest

from huikuan.errors import HuikuanError
from huikuan.simulate.scenario import ScenarioError, from_dict, load, markdown_table
from huikuan.simulate.scenario_spec import SPEC

SCENARIOS = Path(__file__).resolve().parents[3] / "src" / "huikuan" / "simulate" / "scenarios"


def test_without_a_file_the_default_scenario_is_ten_thousand_debtors_on_the_cn_pack() -> None:
    sc = load(None)
    assert sc.i("scenario.debtors") == 10_000
    assert sc.s("scenario.pack") == "cn"
    assert sc.f("behaviour.promise_given_rpc") == 0.35
    assert sc.f("behaviour.promise_kept") == 0.6


def test_a_file_sets_only_the_keys_it_names(tmp_path: Path) -> None:
    f = tmp_path / "small.toml"
    f.write_text("[scenario]\ndebtors = 500\n\n[behaviour]\npromise_kept = 0.5\n", encoding="utf-8")
    sc = load(f)
    assert sc.i("scenario.debtors") == 500 and sc.f("behaviour.promise_kept") == 0.5
    assert sc.i("team.collectors") == 12


@pytest.mark.parametrize(
    ("data", "named"),
    [
        ({"behaviour": {"promise_kept_rate": 0.5}}, "behaviour.promise_kept_rate: unknown key"),
        ({"bahaviour": {"promise_kept": 0.5}}, "bahaviour: unknown section"),
        ({"portfolio": {"stages": {"early": 0.5, "middle": 0.5}}}, "portfolio.stages.middle: unknown key"),
    ],
)
def test_an_unknown_key_is_refused_naming_it(data: dict[str, object], named: str) -> None:
    with pytest.raises(ScenarioError, match=named):
        from_dict(data)


@pytest.mark.parametrize(
    ("data", "named"),
    [
        ({"behaviour": {"promise_given_rpc": 1.5}}, r"behaviour.promise_given_rpc: 1.5 is out of range 0..1"),
        ({"scenario": {"debtors": 0}}, r"scenario.debtors: 0 is out of range"),
        ({"debtors": {"answer_rate": {"early": 2.0}}}, r"debtors.answer_rate.early: 2.0 is out of range"),
        ({"team": {"minutes": 2000}}, r"team.minutes: 2000 is out of range"),
        ({"portfolio": {"languages": {"zh": 0.5, "en": 0.2}}}, r"portfolio.languages: shares sum to 0.700"),
        ({"scenario": {"debtors": 10.5}}, r"scenario.debtors: expected a whole number"),
        ({"scenario": {"pack": "eu"}}, r"scenario.pack: unknown pack 'eu'"),
        ({"portfolio": {"zones": {"Mars/Olympus": 1.0}}}, r"portfolio.zones.Mars/Olympus: unknown time zone"),
    ],
)
def test_a_value_out_of_range_or_of_the_wrong_kind_is_refused_naming_it(
    data: dict[str, object], named: str
) -> None:
    with pytest.raises(ScenarioError, match=named):
        from_dict(data)


def test_a_scenario_error_is_a_huikuan_error_and_a_bad_file_names_itself(tmp_path: Path) -> None:
    f = tmp_path / "bad.toml"
    f.write_text("[scenario\n", encoding="utf-8")
    with pytest.raises(HuikuanError, match="bad.toml: not valid TOML"):
        load(f)
    with pytest.raises(ScenarioError, match="cannot read"):
        load(tmp_path / "missing.toml")


def test_the_us_scenario_file_loads_with_the_us_pack() -> None:
    sc = load(SCENARIOS / "us-reg-f.toml")
    assert sc.s("scenario.pack") == "us-reg-f" and sc.s("scenario.currency") == "USD"
    assert all(z.startswith("America/") for z in sc.table("portfolio.zones"))


def test_the_documented_table_lists_every_key() -> None:
    table = markdown_table()
    for section, keys in SPEC.items():
        for key in keys:
            assert f"`{section}.{key}`" in table
