"""The single entry point: plan_day(inputs, strategy) -> PlanResult."""

from __future__ import annotations

import time

from huikuan.strategy.api import PlanInputs, PlanResult, StrategyConfig
from huikuan.strategy.strategies import get


def plan_day(inputs: PlanInputs, strategy: StrategyConfig) -> PlanResult:
    """The day's plan: one row per case (action "none" included), under the strategy's rules.

    Raises InvalidInput for an unknown strategy or a frame that lacks a contract column.
    """
    t0 = time.perf_counter()
    result = get(strategy.name).plan(inputs, {"name": strategy.name, **strategy.params})
    result.stats["seconds"] = time.perf_counter() - t0
    result.stats["strategy"] = strategy.name
    return result
