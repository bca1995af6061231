"""Short simulations: deterministic per seed, no contact made in breach, the optimized plan ahead."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from huikuan.simulate import from_dict, load, run
from huikuan.strategy.strategies import BASELINES, STRONG_BASELINE

SMALL: dict[str, Any] = {
    "scenario": {"debtors": 1500, "refit_every": 7},
    "team": {
        "collectors": 2,
        "bilingual": 1,
        "hardship": 1,
        "senior": 0,
        "field": 1,
        "sms": 150,
        "email": 75,
        "wechat": 120,
        "letters": 9,
    },
}
US = Path(__file__).resolve().parents[3] / "src" / "huikuan" / "simulate" / "scenarios" / "us-reg-f.toml"


def _small(**over: Any) -> Any:
    data = {k: dict(v) for k, v in SMALL.items()}
    for key, value in over.items():
        section, name = key.split("__")
        data.setdefault(section, {})[name] = value
    return from_dict(data)


def test_a_short_simulation_is_the_same_for_the_same_seed_and_differs_for_another() -> None:
    sc = _small(scenario__debtors=600)
    a, b, c = (run(sc, "optimized", 6, seed).data for seed in (3, 3, 4))
    for r in (a, b, c):
        r.pop("seconds")
        r.pop("series")
    assert a == b
    assert a["recovered"] != c["recovered"]


@pytest.mark.parametrize("strategy", ["optimized", *BASELINES, STRONG_BASELINE])
def test_no_contact_is_ever_made_in_breach_and_the_plan_keeps_to_the_allowed_frame(strategy: str) -> None:
    r = run(_small(scenario__debtors=600), strategy, 6, 1).data
    assert r["violations"] == 0
    assert r["plan_outside_allowed"] == 0
    assert r["audited_contacts"] > 0
    for key in (
        "recovered",
        "cost",
        "contacts",
        "right_party_contacts",
        "promises",
        "promises_kept",
        "complaints",
    ):
        assert key in r


@pytest.mark.slow
def test_the_optimized_strategy_recovers_more_than_every_baseline_on_a_small_scenario() -> None:
    sc = _small()
    got = {s: run(sc, s, 14, 2).data["recovered"] for s in ("optimized", *BASELINES)}
    best = max(got[s] for s in BASELINES)
    assert got["optimized"] > best, got


def test_the_us_scenario_runs_under_regulation_f_across_a_daylight_saving_change_without_a_violation() -> (
    None
):
    sc = load(US)
    data = sc.as_dict()
    data["scenario"]["debtors"] = 600
    data["team"].update({"collectors": 2, "bilingual": 1, "sms": 60, "email": 60, "letters": 6})
    data["scenario"].pop("start")
    r = run(from_dict(data), "optimized", 9, 1).data
    assert r["pack"] == "us-reg-f" and r["currency"] == "USD"
    assert r["violations"] == 0 and r["calls"] > 0
    # 2026-03-08 (day 7) has 23 hours in the US: slots and checks still fall in the allowed hours.
    assert r["plan_outside_allowed"] == 0 and r["refused_by_gate"] == 0


def test_a_contact_the_gate_refuses_at_its_instant_is_not_made_and_counts_as_avoided(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A stale allowed frame that allows every hour: the plan sends messages at 07:00, before the cn
    # pack's 08:00; the gate, asked again at the instant, refuses them, and they are not made.
    from huikuan.simulate.gatekeeper import Gatekeeper

    real = Gatekeeper.allowed

    def everything(self: Gatekeeper, *args: Any, **kwargs: Any) -> Any:
        import polars as pl

        frame = real(self, *args, **kwargs)
        return frame.with_columns(
            pl.lit((1 << 24) - 1, dtype=pl.Int32).alias("hour_mask"), pl.lit(None).cast(pl.Utf8).alias("rule")
        )

    monkeypatch.setattr(Gatekeeper, "allowed", everything)
    r = run(_small(scenario__debtors=400), "optimized", 2, 1).data
    assert r["refused_by_gate"] > 0
    assert r["violations"] == 0
    assert r["contacts"] + r["refused_by_gate"] + r["not_reached"] >= r["messages"]


def test_a_strategys_own_settings_reach_its_plans() -> None:
    sc = _small(scenario__debtors=300)
    default = run(sc, "expert", 3, 5).data
    no_early_sms = run(sc, "expert", 3, 5, params={"expert": {"early_dpd": 0}}).data
    assert no_early_sms["messages"] < default["messages"]
