"""The steps every strategy shares: read the inputs and score the cases (prepare), then turn a choice of
option per case into the plan frame with collectors, slots and reasons (finish)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

from huikuan.strategy import answers, segments
from huikuan.strategy.api import PLAN_SCHEMA, PlanInputs, PlanResult
from huikuan.strategy.capacity_problem import Problem
from huikuan.strategy.explain import reasons
from huikuan.strategy.frames import F64, I64, Allowed, Cases, read_allowed, read_cases, schema
from huikuan.strategy.options import Options, build
from huikuan.strategy.payment import OUTCOMES_SCHEMA, PaymentModel, PaymentPrior, Scores, prior_scores
from huikuan.strategy.schedule import assign_calls, assign_visits
from huikuan.strategy.segments import PATHS, SEGMENTS, Segments
from huikuan.strategy.timegrid import Grid, build_grid

SKILLS = ("hardship", "senior")


@dataclass
class Day:
    inputs: PlanInputs
    params: dict[str, Any]
    cases: Cases
    allowed: Allowed
    grid: Grid
    curves: answers.AnswerCurves
    seg: Segments
    scores: Scores
    model: PaymentModel | None
    timings: dict[str, float] = field(default_factory=dict)

    def options(self, actions: tuple[str, ...], contact_policy: tuple[int, int] | None = None) -> Options:
        t0 = time.perf_counter()
        inp = self.inputs
        opts = build(
            self.cases,
            self.seg,
            self.scores,
            self.curves.today,
            self.grid,
            self.allowed,
            inp.capacity,
            inp.costs,
            actions,
            self.model,
            contact_policy,
        )
        self.timings["options"] = time.perf_counter() - t0
        return opts


def _model(params: dict[str, Any]) -> PaymentModel | None:
    given = params.get("payment_model")
    if isinstance(given, PaymentModel):
        return given
    outcomes = params.get("outcomes")
    if isinstance(outcomes, pl.DataFrame) and outcomes.height:
        missing = [c for c in OUTCOMES_SCHEMA if c not in outcomes.columns]
        if not missing:
            return PaymentModel.fit(outcomes, int(params.get("min_examples", 2000)))
    return None


def prepare(inputs: PlanInputs, params: dict[str, Any]) -> Day:
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    cases = read_cases(inputs.cases, inputs.day)
    allowed = read_allowed(inputs.allowed, cases.case_id)
    grid = build_grid(
        cases, inputs.capacity.collectors, inputs.day, inputs.now, inputs.capacity.minutes_per_call, params
    )
    timings["read"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    curves = answers.estimate(
        inputs.answers,
        cases.debtor_id,
        inputs.day.weekday(),
        params.get("answer_priors")
        if isinstance(params.get("answer_priors"), answers.AnswerPriors)
        else None,
    )
    timings["answers"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    seg = segments.estimate(cases)
    prior = params.get("payment_prior")
    scores = prior_scores(cases, seg, prior if isinstance(prior, PaymentPrior) else None)
    model = _model(params)
    timings["scores"] = time.perf_counter() - t0
    return Day(inputs, params, cases, allowed, grid, curves, seg, scores, model, timings)


def _visit_rounds(day: Day, rows: I64, who: I64, hour: I64) -> I64:
    """Each field collector's visits in turn through the shift, a visit every shift / visits-per-collector
    hours, each at the first allowed hour at or after its turn; -1 for a visit that no longer fits."""
    grid = day.grid
    col = grid.collectors
    field = max(int(sum("field" in s for s in col.skills)), 1)
    per = max(day.inputs.capacity.visits // field, 1)
    mask = day.allowed.masks.get("visit", np.zeros(day.cases.n, dtype=np.int64))
    out = np.full(len(rows), -1, dtype=np.int64)
    for j in np.unique(who[who >= 0]):
        mine = np.nonzero(who == j)[0]
        mine = mine[np.argsort(hour[mine], kind="stable")]
        step = max((int(col.shift_end[j]) - int(col.shift_start[j])) // per, 1)
        turn = max(int(col.shift_start[j]), grid.now)
        for k in mine:
            i = int(rows[k])
            starts = grid.starts[grid.zone_row[i]]
            ok = (
                ((mask[i] >> np.arange(24)) & 1 == 1) & (starts >= turn) & (starts + 3600 <= col.shift_end[j])
            )
            if not ok.any():
                continue
            h = int(np.argmax(ok))
            out[k] = h
            turn = int(starts[h]) + step
    return out


def _binding(p: Problem, prices: F64) -> tuple[I64, F64]:
    """(G, K): the resource whose price weighs most on each option, and that weight (0: none binds)."""
    if p.usage.shape[2] == 0:
        g, k = p.usage.shape[:2]
        return np.full((g, k), -1, dtype=np.int64), np.zeros((g, k))
    weight = p.usage * prices[None, None, :]
    res = np.argmax(weight, axis=2)
    w = np.take_along_axis(weight, res[:, :, None], axis=2)[:, :, 0]
    return np.where(w > 0, res, -1), w


def finish(
    day: Day,
    opts: Options,
    choice: I64,
    prices: F64,
    strategy: str,
    bound_gap: float | None,
    stats: dict[str, Any],
) -> PlanResult:
    # Long because it turns the solver's choice into the plan in one pass over shared per-case arrays
    # (who, hour, slot, probability, value, reason) ending in one frame; split, each step takes them all.
    t0 = time.perf_counter()
    cases, grid, p = day.cases, day.grid, opts.problem
    n = cases.n
    choice = choice.copy()
    rows = np.arange(n)
    zr = grid.zone_row
    kinds = np.asarray([*opts.kinds, "none"], dtype=object)
    note: list[str | None] = [None] * n

    # Collectors for calls, hour column by hour column.
    user = np.full(n, -1, dtype=np.int64)
    calls = np.nonzero((choice >= 0) & (choice < opts.n_calls))[0]
    seg = day.seg.segment
    if len(calls):
        skill = np.full(n, -1, dtype=np.int64)
        skill[seg == segments.UNABLE_WILLING] = SKILLS.index("hardship")
        big = cases.balance >= np.quantile(cases.balance[calls], 0.75)
        skill[(seg == segments.ABLE_UNWILLING) & big] = SKILLS.index("senior")
        who = assign_calls(
            choice[calls],
            cases.language[calls].astype(np.int64),
            cases.languages,
            cases.assigned[calls],
            skill[calls],
            list(SKILLS),
            p.value[calls, choice[calls]],
            grid.collectors,
            grid.call_cap,
        )
        placed = who >= 0
        user[calls[placed]] = grid.collectors.user_id[who[placed]]
        for i in calls[~placed]:
            note[i] = "no collector could take the call in its hour"
        choice[calls[~placed]] = -1
    if "visit" in opts.kinds:
        kv = opts.kinds.index("visit")
        visits = np.nonzero(choice == kv)[0]
        if len(visits):
            who = assign_visits([cases.district[i] for i in visits], p.value[visits, kv], grid.collectors)
            hours = _visit_rounds(day, visits, who, opts.channel_hour["visit"][visits])
            ok = (who >= 0) & (hours >= 0)
            user[visits[ok]] = grid.collectors.user_id[who[ok]]
            opts.channel_hour["visit"][visits] = hours
            choice[visits[~ok]] = -1
            for i in visits[~ok]:
                note[i] = "no field collector could fit the visit into the day"

    action = kinds[np.where(choice >= 0, choice, len(opts.kinds))]
    hour = np.full(n, -1, dtype=np.int64)
    is_call = (choice >= 0) & (choice < opts.n_calls)
    hour[is_call] = grid.hour_of_col[zr[is_call], choice[is_call]]
    for ch, hours in opts.channel_hour.items():
        sel = action == ch
        hour[sel] = hours[sel]
    p_answer = np.full(n, np.nan)
    has_hour = hour >= 0
    p_answer[has_hour] = day.curves.today[rows[has_hour], hour[has_hour]]
    p_answer[action == "visit"] = day.scores.visit_found
    p_answer[action == "letter"] = np.nan
    slot = np.where(has_hour & (action != "letter"), grid.starts[zr, np.clip(hour, 0, 23)], -1)

    p_pay = opts.p_none.copy()
    p_prior = opts.prior("none", np.zeros(n), rows)
    cost = np.zeros(n)
    for a in set(opts.kinds):
        sel = np.nonzero(action == a)[0]
        if len(sel) == 0:
            continue
        pa = np.nan_to_num(p_answer[sel])
        p_pay[sel] = opts.probabilities(a, pa, sel)
        p_prior[sel] = opts.prior(a, pa, sel)
        cost[sel] = opts.cost[a][sel]
    ev = np.round(p_pay * opts.amount - cost).astype(np.int64)
    on = choice >= 0
    uplift = np.zeros(n)
    uplift[on] = p.value[rows[on], choice[on]]

    # Why: the binding resource and the best option not taken.
    res_of, weight = _binding(p, prices)
    target = choice.copy()
    if p.value.shape[1]:
        best_any = np.argmax(p.value, axis=1)  # unavailable options are -inf
        has_value = p.value[rows, best_any] > 0
        target = np.where(on, choice, np.where(has_value, best_any, -1))
        masked = p.value - (p.usage @ prices)[p.group]  # a fresh array: masked in place
        masked[rows[on], choice[on]] = -np.inf
        alt = np.argmax(masked, axis=1)
        alt_ok = np.isfinite(masked[rows, alt])
        del masked
    else:
        alt = np.zeros(n, dtype=np.int64)
        alt_ok = np.zeros(n, dtype=bool)
    bind_idx = (
        np.where(target >= 0, res_of[p.group, np.clip(target, 0, None)], -1) if p.value.shape[1] else target
    )
    price = (
        np.where(bind_idx >= 0, weight[p.group, np.clip(target, 0, None)], 0.0) if p.value.shape[1] else 0.0
    )
    names = pl.Series([*p.resources, None], dtype=pl.Utf8)
    binding = names.gather(np.where(bind_idx >= 0, bind_idx, len(p.resources)))
    kinds_or_null = pl.Series([*opts.kinds, None], dtype=pl.Utf8)
    alternative = kinds_or_null.gather(np.where(alt_ok, alt, len(opts.kinds)))
    alt_uplift = np.where(alt_ok, p.value[rows, alt] if p.value.shape[1] else 0.0, 0.0)

    seg_names = [SEGMENTS[i] for i in seg]
    reason = reasons(
        strategy,
        seg_names,
        [PATHS[s][0] for s in seg_names],
        day.seg.assessed,
        {
            "ability": day.seg.ability,
            "willingness": day.seg.willingness,
            "p_answer": p_answer,
            "p_pay": p_pay,
            "p_pay_none": opts.p_none,
            "p_pay_prior": p_prior,
        },
        ev,
        uplift,
        binding,
        np.asarray(price, dtype=np.float64) * np.ones(n),
        alternative,
        alt_uplift,
        opts.removed,
        note,
    )
    slot_us = np.where(slot >= 0, slot * 1_000_000, 0)
    plan = pl.DataFrame(
        {
            "case_id": cases.case_id,
            "action": pl.Series(list(action), dtype=pl.Utf8),
            "slot_start": pl.Series(slot_us, dtype=pl.Int64),
            "_has_slot": slot >= 0,
            "user_id": pl.Series(user, dtype=pl.Int64),
            "p_answer": pl.Series(p_answer, dtype=pl.Float64).fill_nan(None),
            "p_pay": pl.Series(p_pay, dtype=pl.Float64),
            "expected_value": ev,
            "cost": pl.Series(np.round(cost).astype(np.int64)),
            "segment": pl.Series(seg_names, dtype=pl.Utf8),
            "reason": reason,
        }
    ).select(
        pl.col("case_id"),
        pl.col("action"),
        pl.when(pl.col("_has_slot"))
        .then(pl.col("slot_start"))
        .otherwise(None)
        .cast(pl.Datetime("us", "UTC"))
        .alias("slot_start"),
        pl.when(pl.col("user_id") >= 0).then(pl.col("user_id")).otherwise(None).alias("user_id"),
        pl.col("p_answer"),
        pl.col("p_pay"),
        pl.col("expected_value"),
        pl.col("cost"),
        pl.col("segment"),
        pl.col("reason"),
    )
    plan = plan.cast(schema(PLAN_SCHEMA))
    day.timings["finish"] = time.perf_counter() - t0
    counts = dict(zip(*np.unique(action.astype(str), return_counts=True), strict=True))
    price_of = {name: float(v) for name, v in zip(p.resources, prices, strict=True)}
    # Call resources are priced per call; the contract reports a price per collector-minute.
    mpc = max(day.inputs.capacity.minutes_per_call, 1e-9)
    price_of = {k: (v / mpc if k.startswith("calls:") else v) for k, v in price_of.items()}
    out_stats = {
        **stats,
        "actions": {str(k): int(v) for k, v in counts.items()},
        "timings": dict(day.timings),
        "cases": n,
        "model": "trained" if day.model is not None else "prior",
        "answer_rate": day.curves.rate,
    }
    return PlanResult(plan, price_of, bound_gap, out_stats)
