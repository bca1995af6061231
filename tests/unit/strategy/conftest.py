"""Shared inputs for the planner's tests: a small synthetic portfolio, planned once per strategy."""

from __future__ import annotations

import pytest

from huikuan.strategy import PlanInputs, PlanResult, StrategyConfig, plan_day
from huikuan.strategy.synthetic import inputs


@pytest.fixture(scope="module")
def synthetic_portfolio() -> PlanInputs:
    return inputs(3000, seed=5)


@pytest.fixture(scope="module")
def optimized_plan(synthetic_portfolio: PlanInputs) -> PlanResult:
    return plan_day(synthetic_portfolio, StrategyConfig("optimized"))
