"""Strategy: features, scores, segments, treatment choice under capacity, scheduling and assignment.

    plan_day(inputs: PlanInputs, strategy: StrategyConfig) -> PlanResult

is the one entry point (see api.py for the contract); `strategies.REGISTRY` names the strategies.
"""

from huikuan.strategy.api import (
    ACTIONS,
    ALLOWED_SCHEMA,
    ANSWERS_SCHEMA,
    CASES_SCHEMA,
    COLLECTORS_SCHEMA,
    PLAN_SCHEMA,
    Capacity,
    PlanInputs,
    PlanResult,
    StrategyConfig,
)
from huikuan.strategy.planner import plan_day

__all__ = [
    "ACTIONS",
    "ALLOWED_SCHEMA",
    "ANSWERS_SCHEMA",
    "CASES_SCHEMA",
    "COLLECTORS_SCHEMA",
    "PLAN_SCHEMA",
    "Capacity",
    "PlanInputs",
    "PlanResult",
    "StrategyConfig",
    "plan_day",
]
