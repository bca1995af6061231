"""Named strategies: the planner's own `optimized`, and rule-of-thumb baselines with the same capacity.

Baselines do what a floor without a planner does: call (only call), down a list sorted by one key,
from the start of the shift on, at the collectors' pace, never beyond capacity and never outside the
hours the gate allows. They get the same collectors, the same assignment (language, own collector,
load) and the same gate as `optimized`.

    optimized       every action, Lagrangian allocation under all capacities, best hours by answer curve
    optimized-calls the same, calls only (to tell the calls' share of the gain from the channels')
    balance-first   largest balance first
    oldest-first    most days past due first
    round-robin     the whole portfolio in turn: each day continues where the previous day stopped
    expert          a skilled supervisor's rules without an optimiser: calls in each debtor's best hour,
                    SMS reminders and early-stage SMS, letters to the unreachable (strategy/expert.py)
    idle            no contact at all (a reference: what the portfolio pays by itself)
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from huikuan.errors import InvalidInput
from huikuan.strategy import exact, expert
from huikuan.strategy.allocate import solve
from huikuan.strategy.api import ACTIONS, PlanInputs, PlanResult
from huikuan.strategy.capacity_problem import Problem
from huikuan.strategy.frames import I64
from huikuan.strategy.pipeline import Day, finish, prepare

Planner = Callable[[PlanInputs, dict[str, Any]], PlanResult]
ALL_ACTIONS = tuple(a for a in ACTIONS if a != "none")
# The optimized planner's own contact-frequency policy: at most this many contacts in 7 days before a
# message (params["max_messages_7d"]) and before a call (params["max_contacts_7d"]); None switches it off.
MAX_MESSAGES_7D = 2
MAX_CONTACTS_7D = 3


@dataclass(frozen=True)
class Strategy:
    name: str
    description: str
    actions: tuple[str, ...]  # what it may plan (the simulator asks the gate only about these)
    plan: Planner


def _optimized(actions: tuple[str, ...]) -> Planner:
    def plan(inputs: PlanInputs, params: dict[str, Any]) -> PlanResult:
        name = str(params.get("name", "optimized"))
        day = prepare(inputs, params)
        messages = params.get("max_messages_7d", MAX_MESSAGES_7D)
        contacts = params.get("max_contacts_7d", MAX_CONTACTS_7D)
        policy = None if messages is None or contacts is None else (int(messages), int(contacts))
        opts = day.options(tuple(params.get("actions", actions)), policy)
        t0 = time.perf_counter()
        alloc = solve(
            opts.problem,
            iterations=None if params.get("iterations") is None else int(params["iterations"]),
            polish_iterations=None
            if params.get("polish_iterations") is None
            else int(params["polish_iterations"]),
            sample=int(params.get("sample", 20_000)),
            seed=int(params.get("seed", 0)),
        )
        day.timings["allocate"] = time.perf_counter() - t0
        stats: dict[str, Any] = {
            "primal": alloc.primal,
            "dual_bound": alloc.dual,
            "iterations": alloc.iterations,
            "resources": len(opts.problem.resources),
        }
        check = params.get("exact")
        if check in ("lp", "mip"):
            result = exact.solve_exact(opts.problem, mip=check == "mip")
            stats["exact"] = {
                "kind": check,
                "value": result.value,
                "gap": exact.gap(alloc, result),
                "seconds": result.seconds,
                "status": result.status,
            }
        return finish(day, opts, alloc.choice, alloc.prices, name, alloc.gap, stats)

    return plan


def dial_list(p: Problem, order: I64, n_calls: int) -> I64:
    """Cases in list order take the earliest call column they may be called in that still has room."""
    choice = np.full(p.n, -1, dtype=np.int64)
    left = p.capacity.copy()
    rank = np.full(p.n, np.iinfo(np.int64).max, dtype=np.int64)
    rank[order] = np.arange(len(order))
    listed = np.zeros(p.n, dtype=bool)
    listed[order] = True
    for k in range(n_calls):
        cand = np.nonzero(listed & (choice < 0) & np.isfinite(p.value[:, k]))[0]
        cand = cand[np.argsort(rank[cand], kind="stable")]
        while len(cand):
            use = p.usage[p.group[cand], k]  # (m, R)
            taken = np.cumsum(use, axis=0)
            fits = np.all(taken <= left[None, :] + 1e-9, axis=1)
            stop = len(cand) if fits.all() else int(np.argmin(fits))
            take = cand[:stop]
            choice[take] = k
            left -= use[:stop].sum(axis=0)
            if stop == len(cand):
                break
            # A resource is full: the groups that need it wait for a later hour; the others go on.
            full = left < 1 - 1e-9
            blocked = np.asarray((p.usage[:, k, :][:, full] > 0).any(axis=1), dtype=bool)  # (G,)
            rest = cand[stop:]
            cand = rest[~blocked[p.group[rest]]]
    return choice


def _baseline(name: str, key: Callable[[Day], I64]) -> Planner:
    def plan(inputs: PlanInputs, params: dict[str, Any]) -> PlanResult:
        day = prepare(inputs, params)
        opts = day.options(("call",))
        t0 = time.perf_counter()
        order = key(day)
        choice = dial_list(opts.problem, order, opts.n_calls)
        day.timings["allocate"] = time.perf_counter() - t0
        prices = np.zeros(len(opts.problem.resources))
        return finish(day, opts, choice, prices, name, None, {"resources": len(opts.problem.resources)})

    return plan


def _idle(inputs: PlanInputs, params: dict[str, Any]) -> PlanResult:
    day = prepare(inputs, params)
    opts = day.options(())
    return finish(day, opts, np.full(day.cases.n, -1, dtype=np.int64), np.zeros(0), "idle", None, {})


def _by_balance(day: Day) -> I64:
    c = day.cases
    return np.lexsort((c.case_id, -c.balance)).astype(np.int64)


def _by_age(day: Day) -> I64:
    c = day.cases
    return np.lexsort((c.case_id, -c.dpd)).astype(np.int64)


def _rotation(day: Day) -> I64:
    """The least recently called first (never called before all), then by id from where the previous day's
    list stopped: without days_since_attempt, the rotation alone (the day's capacity times its number)."""
    c = day.cases
    if c.n == 0:
        return np.zeros(0, dtype=np.int64)
    by_id = np.argsort(c.case_id, kind="stable").astype(np.int64)
    per_day = max(int(day.grid.call_cap.sum()), 1)
    start = (day.inputs.day.toordinal() * per_day) % c.n
    position = np.empty(c.n, dtype=np.int64)
    position[np.roll(by_id, -start)] = np.arange(c.n)
    since = np.where(np.isnan(c.days_since_attempt), np.inf, c.days_since_attempt)
    return np.lexsort((position, -since)).astype(np.int64)


REGISTRY: dict[str, Strategy] = {
    s.name: s
    for s in (
        Strategy(
            "optimized",
            "Lagrangian allocation of every action under every capacity",
            ALL_ACTIONS,
            _optimized(ALL_ACTIONS),
        ),
        Strategy(
            "optimized-calls", "the optimized planner restricted to calls", ("call",), _optimized(("call",))
        ),
        Strategy(
            "balance-first",
            "calls, largest balance first",
            ("call",),
            _baseline("balance-first", _by_balance),
        ),
        Strategy(
            "oldest-first", "calls, most days past due first", ("call",), _baseline("oldest-first", _by_age)
        ),
        Strategy(
            "round-robin", "calls, the portfolio in turn", ("call",), _baseline("round-robin", _rotation)
        ),
        Strategy(
            "expert",
            "a skilled supervisor's rules: best hours, reminders, early SMS, letters to the unreachable",
            expert.ACTIONS,
            expert.plan,
        ),
        Strategy("idle", "no contact (reference)", (), _idle),
    )
}
BASELINES = ("balance-first", "oldest-first", "round-robin")  # the rule-of-thumb ones: calls only
STRONG_BASELINE = "expert"


def get(name: str) -> Strategy:
    try:
        return REGISTRY[name]
    except KeyError:
        raise InvalidInput(
            "strategy: unknown strategy {name!r} (known: {known})", name=name, known=", ".join(REGISTRY)
        ) from None
