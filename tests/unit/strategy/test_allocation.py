"""Treatment choice under capacity: the allocation never exceeds a capacity and reaches the LP optimum."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from huikuan.strategy import StrategyConfig, plan_day
from huikuan.strategy.allocate import solve
from huikuan.strategy.capacity_problem import Problem, used_by
from huikuan.strategy.exact import gap, random_problem, solve_exact
from huikuan.strategy.synthetic import inputs


@settings(max_examples=25, deadline=None)
# A swap once let a case take an option worth less than nothing because the case it displaced gained more.
@example(n=225, seed=4095, languages=3, tight=0.25)
@given(
    n=st.integers(1, 400),
    seed=st.integers(0, 10_000),
    languages=st.integers(1, 3),
    tight=st.floats(0.01, 2.0),
)
def test_the_lagrangian_allocation_never_exceeds_any_capacity(
    n: int, seed: int, languages: int, tight: float
) -> None:
    p = random_problem(n, seed, columns=6, languages=languages, tight=tight)
    got = solve(p)
    assert np.all(used_by(p, got.choice) <= p.capacity + 1e-9)
    chosen = got.choice >= 0
    # Only options that exist are chosen, and never one worth less than doing nothing.
    assert np.all(np.isfinite(p.value[np.nonzero(chosen)[0], got.choice[chosen]]))
    assert np.all(p.value[np.nonzero(chosen)[0], got.choice[chosen]] > 0)


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("languages", [1, 2])
def test_with_nested_call_pools_the_allocation_is_the_highs_lp_optimum(seed: int, languages: int) -> None:
    # One or two languages make the call pools nested, so the LP is integral and sifting reaches it.
    p = random_problem(1500, seed, languages=languages)
    got = solve(p)
    lp = solve_exact(p)
    assert lp.status == "Optimal"
    g = gap(got, lp)
    assert g <= 1e-6, f"seed {seed}: allocation {got.primal:.0f}, LP {lp.value:.0f}, gap {g:.6%}"
    # The Lagrangian bound is an upper bound on the LP optimum, which bounds every feasible choice.
    assert got.dual >= lp.value - 1e-6 * abs(lp.value)
    assert got.primal <= lp.value + 1e-6 * abs(lp.value)


@pytest.mark.parametrize("seed", range(4))
def test_with_three_languages_the_allocation_is_within_a_tenth_of_a_percent_of_the_lp(seed: int) -> None:
    # Three pools overlap without nesting: the LP may be fractional, and its few split cases are rounded.
    p = random_problem(1500, seed, languages=3)
    got = solve(p)
    lp = solve_exact(p)
    assert gap(got, lp) <= 0.001


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_a_synthetic_days_plan_is_within_a_tenth_of_a_percent_of_the_lp(seed: int) -> None:
    # The benchmark's check (docs/benchmarks-strategy.md): 2,000 cases, the optimized strategy.
    result = plan_day(inputs(2000, seed), StrategyConfig("optimized", {"exact": "lp", "seed": seed}))
    assert result.stats["exact"]["gap"] <= 0.001


def test_the_mip_optimum_of_a_small_instance_matches_its_lp_and_the_lagrangian_comes_close() -> None:
    p = random_problem(200, 11)
    lp, mip = solve_exact(p), solve_exact(p, mip=True)
    assert mip.value <= lp.value + 1e-6
    assert gap(solve(p), mip) <= 0.02


def test_a_case_alone_with_one_unit_of_capacity_takes_its_best_option() -> None:
    value = np.array([[5.0, 9.0, -np.inf], [1.0, 2.0, 3.0]])
    usage = np.zeros((1, 3, 3))
    for k in range(3):
        usage[0, k, k] = 1.0
    p = Problem(value, np.zeros(2, dtype=np.int64), usage, np.array([1.0, 1.0, 0.0]), ["a", "b", "c"])
    got = solve(p)
    assert list(got.choice) == [1, 0]  # the second case cannot have c (no capacity) and b is taken
    assert got.primal == pytest.approx(10.0)


def test_large_problems_are_priced_on_a_sample_and_still_respect_every_capacity() -> None:
    p = random_problem(30_000, 5)
    got = solve(p, sample=5_000)
    assert np.all(used_by(p, got.choice) <= p.capacity + 1e-9)
    assert got.gap < 0.03
