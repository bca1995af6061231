"""The contract between whoever gathers a portfolio's facts (the database, or the simulator) and the planner.

Frames are Polars DataFrames with the columns named here (extra columns are allowed and ignored).
Money is Int64 minor units; instants are UTC-aware `Datetime("us", "UTC")`; hours of week are in the
PARTY's local time, 0 = Monday 00:00-00:59 ... 167 = Sunday 23:00-23:59.

    plan_day(inputs: PlanInputs, strategy: StrategyConfig) -> PlanResult

is the one entry point: `huikuan plan` (services/plan.py) builds PlanInputs from the database, the
simulator builds them from its simulated portfolio, and both call the same function.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import polars as pl

# The COLLECTORS frame's schema is part of this contract; it lives with the portfolio in the domain, for
# the database's reader (storage/portfolio.py) writes it too.
from huikuan.domain.portfolio import COLLECTORS_SCHEMA as COLLECTORS_SCHEMA

# Actions the planner chooses among, one per case per day at most.
ACTIONS = ("call", "sms", "email", "wechat", "letter", "visit", "none")

CASES_SCHEMA = {
    "case_id": pl.Int64,
    "debtor_id": pl.Int64,
    "creditor_id": pl.Int64,
    "currency": pl.Utf8,
    "balance": pl.Int64,  # open balance of the case, minor units
    "dpd": pl.Int32,  # days past due of the oldest open account
    "product": pl.Utf8,  # Product value of the largest account
    "language": pl.Utf8,  # "zh" / "en"
    "time_zone": pl.Utf8,  # the debtor's zone for scheduling (the gate decides legality separately)
    "assigned_user_id": pl.Int64,  # null when unassigned
    "attempts_30d": pl.Int32,  # call attempts in the last 30 days
    "rpc_30d": pl.Int32,  # right-party contacts (conversations with the debtor) in 30 days
    "contacts_total": pl.Int32,  # every recorded interaction ever
    "days_since_contact": pl.Int32,  # since the last right-party contact; null if never
    "promises_made": pl.Int32,
    "promises_kept": pl.Int32,
    "promises_broken": pl.Int32,
    "open_promise": pl.Boolean,  # a pending promise not yet due
    "payments_90d": pl.Int32,
    "paid_90d": pl.Int64,  # minor units paid in the last 90 days
    "hardship": pl.Boolean,
    "disputed": pl.Boolean,
    "has_mobile": pl.Boolean,
    "has_email": pl.Boolean,
    "has_wechat": pl.Boolean,
    "has_address": pl.Boolean,
    "district": pl.Utf8,  # for field-visit grouping; null if unknown
    "ability": pl.Float64,  # collector-entered 0..1, null when not assessed
    "willingness": pl.Float64,  # collector-entered 0..1, null when not assessed
}

# Call attempts and answers by the party's local hour of week, aggregated over the stored history.
ANSWERS_SCHEMA = {"debtor_id": pl.Int64, "hour_of_week": pl.Int16, "attempts": pl.Int32, "answers": pl.Int32}

# For each case and action: may the gate allow it today, and in which local hours (a 24-bit mask of the
# party's local hours of THIS day in which the contact would be allowed; 0 = not today).
# `rule` names the compliance rule that removed the action when mask == 0 (null otherwise).
ALLOWED_SCHEMA = {"case_id": pl.Int64, "action": pl.Utf8, "hour_mask": pl.Int32, "rule": pl.Utf8}

PLAN_SCHEMA = {
    "case_id": pl.Int64,
    "action": pl.Utf8,  # one of ACTIONS
    "slot_start": pl.Datetime("us", "UTC"),  # null for "none" and for letters
    "user_id": pl.Int64,  # collector for calls and visits; null otherwise
    "p_answer": pl.Float64,
    "p_pay": pl.Float64,  # P(payment within 30 days | action)
    "expected_value": pl.Int64,  # expected recovery minus cost, minor units
    "cost": pl.Int64,
    "segment": pl.Utf8,  # able_willing, able_unwilling, unable_willing, unable_unwilling
    "reason": pl.Utf8,  # JSON: segment, scores, expected value, binding constraint, removed alternatives
}


@dataclass(frozen=True)
class Capacity:
    """The day's resources; each one gets one Lagrangian price."""

    collectors: pl.DataFrame  # COLLECTORS_SCHEMA
    visits: int = 0
    sms: int = 0
    email: int = 0
    wechat: int = 0
    letters: int = 0
    minutes_per_call: float = 4.0


@dataclass(frozen=True)
class PlanInputs:
    day: date
    now: datetime  # when the plan is made (UTC)
    cases: pl.DataFrame  # CASES_SCHEMA
    answers: pl.DataFrame  # ANSWERS_SCHEMA
    allowed: pl.DataFrame  # ALLOWED_SCHEMA
    capacity: Capacity
    # Channel costs in minor units of each currency, e.g. {"CNY": {"call": 150, "sms": 5, ...}}.
    costs: dict[str, dict[str, int]] = field(default_factory=dict)


@dataclass(frozen=True)
class StrategyConfig:
    """A named strategy: the planner's own `optimized`, or a rule-of-thumb baseline."""

    name: str = "optimized"
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PlanResult:
    plan: pl.DataFrame  # PLAN_SCHEMA, one row per case (action "none" included)
    prices: dict[str, float]  # the Lagrangian price of each resource at the end
    bound_gap: float | None  # relative gap to the LP bound, when computed
    stats: dict[str, Any] = field(default_factory=dict)
