"""`huikuan simulate --sweep FILE`: strategies × paired seeds × worlds (the base scenario with keys set or
scaled), each strategy's lift in what was recovered after the learning days over the baseline's on the
same seed, with a 95% interval (Student's t); and the world whose answering hours are mirrored."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from huikuan.cli.simulate import app
from huikuan.simulate.population import WORK_HOURS, generate, mirrored_hours
from huikuan.simulate.scenario import ScenarioError, from_dict
from huikuan.simulate.sweep import interval, parse_sweep, run_sweep
from huikuan.simulate.world import run

SMALL_TEAM = {"collectors": 1, "bilingual": 1, "hardship": 1, "senior": 0, "field": 0}
HEAD: dict[str, Any] = {
    "strategies": ["optimized"],
    "baseline": "expert",
    "seeds": 2,
    "days": 4,
    "learning_days": 1,
}
TINY: dict[str, Any] = {"sweep": HEAD, "base": {"scenario": {"debtors": 60}, "team": SMALL_TEAM}}


def test_the_interval_is_students_t_over_the_paired_lifts() -> None:
    mean, low, high = interval((0.1, 0.2, 0.3))
    half = 4.302652729911275 * 0.1 / math.sqrt(3)  # t(0.975, 2 degrees of freedom) x sd / sqrt(n)
    assert mean == pytest.approx(0.2)
    assert low == pytest.approx(0.2 - half) and high == pytest.approx(0.2 + half)
    assert all(math.isnan(x) for x in interval((0.1,)))  # one seed: no interval
    assert all(math.isnan(x) for x in interval((0.1, math.nan)))  # a baseline that recovered nothing


def test_variants_set_or_scale_keys_of_the_base_scenario() -> None:
    sweep = parse_sweep(
        {
            **TINY,
            "variants": {
                "default": {},
                "hours": {"set": {"debtors.hours_inverted": True}},
                "quiet": {"scale": {"behaviour.nudge": 0.5, "behaviour.promise_kept": 0.5}},
            },
        }
    )
    default, hours, quiet = (sweep.variants[v] for v in ("default", "hours", "quiet"))
    assert default.i("scenario.debtors") == 60 and default.i("team.collectors") == 1  # the base's keys
    assert hours.b("debtors.hours_inverted") and not default.b("debtors.hours_inverted")
    prior = from_dict({}).table("behaviour.nudge")
    assert quiet.table("behaviour.nudge") == {k: pytest.approx(v / 2) for k, v in prior.items()}
    assert quiet.f("behaviour.promise_kept") == pytest.approx(0.3)
    assert quiet.i("scenario.debtors") == 60
    assert len(sweep.runs) == 3 * 2 * 2  # variants x (baseline + strategy) x seeds


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"sweep": {**HEAD, "baseline": "nope"}}, "unknown strategy 'nope'"),
        ({"sweep": {**HEAD, "strategies": ["expert"]}}, "other than the baseline"),
        ({"sweep": {**HEAD, "seeds": [3, 3]}}, "at least 2 different seeds"),
        ({"sweep": {**HEAD, "learning_days": 4}}, "fewer than sweep.days"),
        ({"sweep": {**HEAD, "runs": 3}}, "sweep.runs: unknown key"),
        ({"variants": {"x": {"set": {"behaviour.nope": 1}}}}, "variants.x: behaviour.nope: unknown key"),
        ({"variants": {"x": {"scale": {"behaviour.promise_kept": 2}}}}, "out of range"),
        ({"variants": {"x": {"scale": {"scenario.pack": 2}}}}, "only numbers and tables"),
        ({"variants": {"x": {"add": {}}}}, "a table of `set` and `scale`"),
    ],
)
def test_a_sweep_that_cannot_run_as_written_is_refused_with_the_key_at_fault(
    change: dict[str, object], message: str
) -> None:
    with pytest.raises(ScenarioError, match=message):
        parse_sweep({**TINY, **change})


def test_each_lift_is_the_strategys_recovery_after_learning_over_the_baselines_on_the_same_seed() -> None:
    sweep = parse_sweep(
        {**TINY, "variants": {"default": {}, "hours": {"set": {"debtors.hours_inverted": True}}}}
    )
    outcome = run_sweep(sweep)
    # Every run as it would run alone, counted from the first day after learning.
    for (variant, strategy, seed), recovered in outcome.recovered.items():
        alone = run(sweep.variants[variant], strategy, sweep.days, seed).data["series"]["recovered"]
        assert recovered == sum(round(x * 100) for x in alone[sweep.learning_days :])
    lifts = {(x.variant, x.strategy): x for x in outcome.lifts()}
    assert set(lifts) == {("default", "optimized"), ("hours", "optimized")}
    lift = lifts[("default", "optimized")]
    r = outcome.recovered
    assert lift.per_seed == tuple(
        r[("default", "optimized", s)] / r[("default", "expert", s)] - 1 for s in sweep.seeds
    )
    assert lift.low <= lift.mean <= lift.high
    assert sum(outcome.violations.values()) == 0


def test_the_sweep_prints_each_worlds_lift_and_its_interval(tmp_path: Path) -> None:
    f = tmp_path / "sweep.toml"
    f.write_text(
        "[sweep]\nstrategies = ['optimized']\nseeds = 2\ndays = 3\nlearning_days = 1\n"
        "[base.scenario]\ndebtors = 40\n[base.team]\ncollectors = 1\nbilingual = 1\nhardship = 1\n"
        "senior = 0\nfield = 0\n[variants.default]\n[variants.promises_halved]\n"
        "scale = { 'behaviour.promise_kept' = 0.5 }\n",
        encoding="utf-8",
    )
    shown = CliRunner().invoke(app, ["--sweep", str(f), "--workers", "1"])
    assert shown.exit_code == 0, shown.output
    assert "lift in recovered over expert" in shown.stdout and "promises_halved" in shown.stdout
    data = json.loads(CliRunner().invoke(app, ["--sweep", str(f), "--workers", "2", "--json"]).stdout)
    assert [(x["variant"], len(x["per_seed"])) for x in data["lifts"]] == [
        ("default", 2),
        ("promises_halved", 2),
    ]
    bad = CliRunner().invoke(app, ["--sweep", str(tmp_path / "missing.toml")])
    assert bad.exit_code == 2 and "cannot read" in bad.output


def test_mirrored_hours_swap_the_working_hours_end_for_end_and_keep_the_rest() -> None:
    curve = np.arange(24, dtype=np.float64)[None, :]
    mirrored = mirrored_hours(curve)[0]
    assert list(mirrored[WORK_HOURS]) == list(range(20, 8, -1))
    assert list(mirrored[:9]) == list(range(9)) and list(mirrored[21:]) == [21, 22, 23]


def test_a_world_with_inverted_hours_has_the_same_debtors_answering_at_mirrored_hours() -> None:
    plain = generate(from_dict({"scenario": {"debtors": 50}}), 7)
    inverted = generate(from_dict({"scenario": {"debtors": 50}, "debtors": {"hours_inverted": True}}), 7)
    assert np.array_equal(inverted.hour_curve, mirrored_hours(plain.hour_curve))
    assert np.array_equal(inverted.balance, plain.balance)
    evening, morning = slice(18, 20), slice(9, 11)
    assert plain.hour_curve[:, evening].mean() > plain.hour_curve[:, morning].mean()
    assert inverted.hour_curve[:, evening].mean() < inverted.hour_curve[:, morning].mean()
