"""The `expert` baseline (strategy/expert.py): a skilled supervisor's rules, within the same gate and
capacities as every strategy."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import polars as pl
import pytest

from huikuan.strategy import StrategyConfig, plan_day
from huikuan.strategy.expert import ACTIONS, Settings, choose, wanted
from huikuan.strategy.frames import read_cases
from huikuan.strategy.pipeline import prepare
from huikuan.strategy.synthetic import inputs


def test_the_rules_remind_before_a_promise_falls_due_leave_it_alone_before_write_to_the_unreachable() -> None:
    inp = inputs(10, seed=1)
    day = inp.day
    frame = inp.cases.with_columns(
        open_promise=pl.Series([True, True, False, False, False, False, False, False, False, False]),
        promise_due=pl.Series([day, day + timedelta(days=10), *[None] * 8], dtype=pl.Date),
        attempts_30d=pl.Series([0, 0, 8, 0, 0, 2, 0, 0, 0, 0]),
        rpc_30d=pl.Series([0, 0, 0, 0, 0, 1, 0, 0, 0, 0]),
        has_mobile=pl.Series([True, True, True, False, True, True, True, True, True, True]),
        has_address=pl.Series([True] * 10),
        dpd=pl.Series([90, 90, 90, 90, 10, 90, 10, 90, 90, 90], dtype=inp.cases["dpd"].dtype),
        days_since_message=pl.Series([30, 30, 30, 30, 30, 30, 1, 30, 30, 30], dtype=pl.Int32),
    )
    cases = read_cases(frame, day)
    actions, priority = wanted(cases)
    assert actions[:7] == ["sms", "none", "letter", "letter", "sms", "call", "call"]
    # 0: due today, reminded (first of all); 1: promise further off; 2: 8 attempts, never reached;
    # 3: no mobile; 4: early stage; 5: reached before; 6: early stage but messaged yesterday: called.
    assert np.isinf(priority[0]) and not np.isinf(priority[1:]).any()


def test_priority_is_balance_times_the_share_of_promises_kept() -> None:
    inp = inputs(3, seed=1)
    frame = inp.cases.with_columns(
        balance=pl.Series([100_000, 100_000, 100_000], dtype=inp.cases["balance"].dtype),
        promises_made=pl.Series([4, 4, 0], dtype=inp.cases["promises_made"].dtype),
        promises_kept=pl.Series([4, 0, 0], dtype=inp.cases["promises_kept"].dtype),
        attempts_30d=pl.Series([0, 0, 0]),
        rpc_30d=pl.Series([0, 0, 0]),
        payments_90d=pl.Series([0, 0, 0], dtype=inp.cases["payments_90d"].dtype),
        open_promise=pl.Series([False] * 3),
    )
    _actions, priority = wanted(read_cases(frame, inp.day))
    assert priority[0] > priority[2] > priority[1]  # kept every promise > no record > broke them all


def test_it_plans_within_the_capacities_and_only_its_own_actions() -> None:
    inp = inputs(3000, seed=4)
    plan = plan_day(inp, StrategyConfig("expert")).plan
    counts = dict(plan.group_by("action").len().rows())
    assert set(counts) <= {"call", "sms", "letter", "none"}
    calls = counts.get("call", 0)
    assert 0 < calls <= inp.capacity.collectors["minutes"].sum() // inp.capacity.minutes_per_call
    assert counts.get("sms", 0) <= inp.capacity.sms and counts.get("letter", 0) <= inp.capacity.letters


def test_each_case_is_called_in_its_best_answered_hour_that_has_a_collector_for_it() -> None:
    # Fewer cases than any hour of one collector holds calls: an hour is closed to a case only when no
    # collector who speaks its language works then.
    inp = inputs(12, seed=2)
    day = prepare(inp, {})
    opts = day.options(ACTIONS)
    p, n_calls = opts.problem, opts.n_calls
    choice = choose(opts, day.cases, day.curves.today, day.grid)
    hours = day.grid.hour_of_col[day.grid.zone_row]
    called = [i for i in range(day.cases.n) if 0 <= choice[i] < n_calls]
    assert called
    for i in called:
        staffed = [
            c
            for c in range(n_calls)
            if np.isfinite(p.value[i, c]) and np.all(p.usage[p.group[i], c] <= p.capacity)
        ]
        best = max(day.curves.today[i, hours[i, c]] for c in staffed)
        assert day.curves.today[i, hours[i, choice[i]]] == best, int(day.cases.case_id[i])


def test_its_settings_move_the_rules_and_an_unknown_one_is_refused() -> None:
    inp = inputs(4, seed=1)
    day = inp.day
    frame = inp.cases.with_columns(
        open_promise=pl.Series([True, False, False, False]),
        promise_due=pl.Series([day + timedelta(days=2), None, None, None], dtype=pl.Date),
        attempts_30d=pl.Series([0, 0, 4, 0]),
        rpc_30d=pl.Series([0, 0, 0, 0]),
        has_mobile=pl.Series([True] * 4),
        has_address=pl.Series([True] * 4),
        dpd=pl.Series([90, 40, 90, 90], dtype=inp.cases["dpd"].dtype),
        days_since_message=pl.Series([30, 30, 30, 30], dtype=pl.Int32),
    )
    cases = read_cases(frame, day)
    assert wanted(cases)[0] == ["none", "sms", "call", "call"]  # the defaults
    moved = Settings.of({"expert": {"reminder_days": 2, "early_dpd": 30, "unreachable_attempts": 4}})
    assert wanted(cases, moved)[0] == ["sms", "call", "letter", "call"]
    with pytest.raises(ValueError, match="unknown setting 'early'"):
        Settings.of({"expert": {"early": 10}})
    many = inputs(300, seed=3)

    def texts(params: dict[str, object]) -> int:
        return int((plan_day(many, StrategyConfig("expert", params)).plan["action"] == "sms").sum())

    assert texts({}) > texts({"expert": {"early_dpd": 0}})  # SMS first no more; reminders only
