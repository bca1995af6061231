"""plan_day: one row per case, only actions the gate's frame allows, inside its hours, within capacity."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import numpy as np
import polars as pl
import pytest

from huikuan.errors import InvalidInput
from huikuan.strategy import PLAN_SCHEMA, PlanInputs, PlanResult, StrategyConfig, plan_day
from huikuan.strategy.strategies import BASELINES, REGISTRY
from huikuan.strategy.synthetic import inputs


def _local_hour(slot: datetime, zone: str) -> int:
    return slot.astimezone(ZoneInfo(zone)).hour


def _joined(plan: pl.DataFrame, inp: PlanInputs) -> pl.DataFrame:
    return plan.join(inp.cases.select("case_id", "time_zone", "language"), on="case_id").join(
        inp.allowed, on=["case_id", "action"], how="left"
    )


def test_the_plan_has_one_row_per_case_with_the_contract_schema(
    synthetic_portfolio: PlanInputs, optimized_plan: PlanResult
) -> None:
    plan = optimized_plan.plan
    assert dict(plan.schema) == PLAN_SCHEMA
    assert plan.height == synthetic_portfolio.cases.height
    assert plan["case_id"].n_unique() == plan.height
    assert set(plan["action"].unique()) <= {"call", "sms", "email", "wechat", "letter", "visit", "none"}


@pytest.mark.parametrize("strategy", list(REGISTRY))
def test_every_planned_action_is_allowed_and_every_slot_lies_in_an_allowed_hour(
    synthetic_portfolio: PlanInputs, strategy: str
) -> None:
    plan = plan_day(synthetic_portfolio, StrategyConfig(strategy)).plan.filter(pl.col("action") != "none")
    rows = _joined(plan, synthetic_portfolio)
    assert rows["hour_mask"].null_count() == 0
    assert (rows["hour_mask"] != 0).all()
    for action, slot, zone, mask in rows.select("action", "slot_start", "time_zone", "hour_mask").iter_rows():
        if action == "letter":
            assert slot is None
            continue
        hour = _local_hour(slot, zone)
        assert mask >> hour & 1, f"{action} at {slot} ({zone} hour {hour}) outside mask {mask:024b}"
        assert slot >= synthetic_portfolio.now


def test_a_case_with_no_allowed_action_gets_none_with_the_blocking_rule_in_its_reason(
    synthetic_portfolio: PlanInputs, optimized_plan: PlanResult
) -> None:
    blocked = synthetic_portfolio.allowed.group_by("case_id").agg(
        pl.col("hour_mask").max().alias("m"), pl.col("rule").first()
    )
    blocked = blocked.filter(pl.col("m") == 0)
    assert blocked.height > 0
    rows = optimized_plan.plan.join(blocked, on="case_id")
    assert (rows["action"] == "none").all()
    for reason, rule in rows.select("reason", "rule").iter_rows():
        removed = json.loads(reason)["removed"]
        assert {r["action"] for r in removed} >= {"call", "sms", "letter"}
        assert rule in {r["rule"] for r in removed}


def test_every_reason_names_the_segment_scores_value_and_binding_constraint(
    optimized_plan: PlanResult,
) -> None:
    calls = optimized_plan.plan.filter(pl.col("action") == "call").head(50)
    for row in calls.iter_rows(named=True):
        reason = json.loads(row["reason"])
        assert reason["segment"] == row["segment"]
        assert reason["expected_value"] == row["expected_value"]
        assert set(reason["scores"]) >= {"ability", "willingness", "p_answer", "p_pay", "p_pay_none"}
        assert reason["path"] in {"remind", "persuade", "hardship_plan", "low_touch"}
        assert "binding" in reason and "alternative" in reason


def test_the_plan_never_exceeds_any_capacity(
    synthetic_portfolio: PlanInputs, optimized_plan: PlanResult
) -> None:
    cap = synthetic_portfolio.capacity
    counts = optimized_plan.plan["action"].value_counts()
    got = dict(zip(counts["action"], counts["count"], strict=True))
    assert got.get("sms", 0) <= cap.sms and got.get("email", 0) <= cap.email
    assert got.get("wechat", 0) <= cap.wechat and got.get("letter", 0) <= cap.letters
    assert got.get("visit", 0) <= cap.visits
    collectors = cap.collectors.with_columns(
        pl.col("shift_start").dt.epoch("s").alias("s"), pl.col("shift_end").dt.epoch("s").alias("e")
    )
    calls = optimized_plan.plan.filter(pl.col("action") == "call").with_columns(
        pl.col("slot_start").dt.epoch("s").alias("t")
    )
    per_hour = calls.group_by("user_id", (pl.col("t") // 3600).alias("h")).len()
    for user, minutes, start, end in collectors.select("user_id", "minutes", "s", "e").iter_rows():
        mine = per_hour.filter(pl.col("user_id") == user)
        daily = int(mine["len"].sum()) if mine.height else 0
        assert daily <= minutes // cap.minutes_per_call
        if mine.height:
            # Calls only in the collector's working hours, about evenly through the shift.
            assert (mine["h"] * 3600 >= start // 3600 * 3600).all() and (mine["h"] * 3600 < end).all()
            assert mine["len"].max() <= np.ceil(minutes / cap.minutes_per_call / ((end - start) / 3600)) + 1


def test_calls_go_to_collectors_who_speak_the_debtors_language(
    synthetic_portfolio: PlanInputs, optimized_plan: PlanResult
) -> None:
    speaks = {
        u: set(langs)
        for u, langs in synthetic_portfolio.capacity.collectors.select("user_id", "languages").iter_rows()
    }
    calls = _joined(optimized_plan.plan.filter(pl.col("action") == "call"), synthetic_portfolio)
    assert calls.height > 0
    for user, language in calls.select("user_id", "language").iter_rows():
        assert language in speaks[user]


def test_the_lagrangian_plan_reports_its_bound_gap_and_a_price_per_resource(
    optimized_plan: PlanResult,
) -> None:
    assert optimized_plan.bound_gap is not None and 0 <= optimized_plan.bound_gap < 0.05
    assert "sms" in optimized_plan.prices and any(k.startswith("calls:") for k in optimized_plan.prices)
    assert all(v >= 0 for v in optimized_plan.prices.values())


def test_the_exact_check_reports_the_gap_to_the_highs_lp() -> None:
    result = plan_day(inputs(800, seed=3), StrategyConfig("optimized", {"exact": "lp"}))
    exact = result.stats["exact"]
    assert exact["status"] == "Optimal"
    assert 0 <= exact["gap"] <= 0.02


@pytest.mark.parametrize("strategy", BASELINES)
def test_baselines_only_call_and_use_the_same_call_capacity(
    synthetic_portfolio: PlanInputs, optimized_plan: PlanResult, strategy: str
) -> None:
    plan = plan_day(synthetic_portfolio, StrategyConfig(strategy)).plan
    assert set(plan["action"].unique()) <= {"call", "none"}
    calls = int((plan["action"] == "call").sum())
    capacity = int(
        synthetic_portfolio.capacity.collectors["minutes"].sum()
        // synthetic_portfolio.capacity.minutes_per_call
    )
    assert calls <= capacity
    assert calls >= 0.9 * capacity  # a dial list uses its day


def test_balance_first_calls_the_largest_balances() -> None:
    inp = inputs(3000, seed=9)
    plan = plan_day(inp, StrategyConfig("balance-first")).plan.join(
        inp.cases.select("case_id", "balance"), on="case_id"
    )
    called = plan.filter(pl.col("action") == "call")["balance"]
    skipped = plan.filter(pl.col("action") == "none")["balance"]
    assert called.median() > 3 * skipped.median()


def test_round_robin_continues_the_next_day_where_it_stopped() -> None:
    # Without days_since_attempt the list rotates by a day's capacity; skipped cases make a small overlap.
    a = inputs(3000, seed=2)
    b = inputs(3000, seed=2, day=a.day.replace(day=a.day.day + 1), now=a.now.replace(day=a.now.day + 1))
    first = set(plan_day(a, StrategyConfig("round-robin")).plan.filter(pl.col("action") == "call")["case_id"])
    second = set(
        plan_day(b, StrategyConfig("round-robin")).plan.filter(pl.col("action") == "call")["case_id"]
    )
    assert len(first & second) < 0.15 * len(first)


def test_an_unknown_strategy_is_refused_with_its_name(synthetic_portfolio: PlanInputs) -> None:
    with pytest.raises(InvalidInput, match="'cleverest'"):
        plan_day(synthetic_portfolio, StrategyConfig("cleverest"))


def test_a_cases_frame_without_a_contract_column_is_refused_naming_it(
    synthetic_portfolio: PlanInputs,
) -> None:
    from dataclasses import replace

    with pytest.raises(InvalidInput, match="dpd"):
        plan_day(
            replace(synthetic_portfolio, cases=synthetic_portfolio.cases.drop("dpd")),
            StrategyConfig("optimized"),
        )


def test_an_empty_portfolio_gives_an_empty_plan() -> None:
    from dataclasses import replace

    inp = inputs(50, seed=1)
    empty = replace(inp, cases=inp.cases.clear(), allowed=inp.allowed.clear(), answers=inp.answers.clear())
    result = plan_day(empty, StrategyConfig("optimized"))
    assert result.plan.height == 0 and dict(result.plan.schema) == PLAN_SCHEMA


def test_a_plan_made_after_the_morning_never_schedules_in_the_past() -> None:
    inp = inputs(1500, seed=4, now=datetime(2026, 3, 2, 8, 30, tzinfo=UTC))  # 16:30 in Shanghai
    plan = plan_day(inp, StrategyConfig("optimized")).plan.filter(pl.col("slot_start").is_not_null())
    assert plan.height > 0
    assert (plan["slot_start"] >= inp.now).all()


def test_round_robin_calls_the_least_recently_called_first() -> None:
    from dataclasses import replace

    inp = inputs(3000, seed=2)
    since = np.where(np.arange(inp.cases.height) < 1000, 30, 1)
    cases = inp.cases.with_columns(pl.Series("days_since_attempt", since, dtype=pl.Int32))
    plan = plan_day(replace(inp, cases=cases), StrategyConfig("round-robin")).plan
    called = plan.join(cases.select("case_id", "days_since_attempt"), on="case_id").filter(
        pl.col("action") == "call"
    )
    assert (called["days_since_attempt"] == 30).all()
