"""The day's treatment choice under capacity: resource prices, then the LP of the cases in doubt.

Each case takes at most one option (an action at a time); option k of a case in group g takes
usage[g, k, r] units of resource r; resource r has capacity[r]. With a price on every resource the
problem splits into one tiny choice per case: the option of highest value minus priced usage, or none.

Prices: damped Jacobi market clearing. Given the other prices, the price of resource r that exactly
clears it is the (capacity+1)-th highest "threshold" among the cases that could use it (what taking r
is worth to a case over its best option without r); all prices move toward their clearing values at once,
and the lowest Lagrangian bound seen is kept (it bounds the LP optimum from above); then subgradient steps.
A few rounds of each are enough to tell the cases whose choice is clear from those in doubt: sifting
(strategy/sifting.py) solves the LP of the latter and makes the choice and the prices exact. Large problems
are priced so on a random sample with scaled capacities, and the sample's prices applied to the whole.

Primal (strategy/primal.py): each case's priced choice, repaired to keep every capacity, then filled and
improved by exchanges; its value against the bound is the reported gap. The problem itself is
strategy/capacity_problem.py.
"""

from __future__ import annotations

import numpy as np

from huikuan.strategy.capacity_problem import Allocation, Problem, groups_of, reduced, top2, used_by, value_of
from huikuan.strategy.frames import F64, I64
from huikuan.strategy.primal import exchange, fill, repair
from huikuan.strategy.sifting import sift


def _choose(p: Problem, prices: F64) -> tuple[I64, float]:
    """Each case's priced choice, and the Lagrangian bound at these prices."""
    r = reduced(p, prices)
    if r.shape[1] == 0:
        return np.full(p.n, -1, dtype=np.int64), float(prices @ p.capacity)
    i1 = np.argmax(r, axis=1)
    v1 = r[np.arange(p.n), i1]
    take = v1 > 0
    return np.where(take, i1, -1).astype(np.int64), float(v1[take].sum() + prices @ p.capacity)


def _clearing(p: Problem, r: F64, best: I64, v1: F64, v2: F64, prices: F64, groups: list[I64]) -> F64:
    """For each resource, the price that clears it given the others' prices."""
    n_res = len(p.capacity)
    out = np.zeros(n_res)
    g_count, k_count = p.usage.shape[0], p.usage.shape[1]
    parts: list[list[F64]] = [[] for _ in range(n_res)]
    for g in range(g_count):
        rows = groups[g]
        if len(rows) == 0:
            continue
        # Threshold of each (case, column): its reduced value over the best option without that column.
        sub_best = best[rows]
        for k in range(k_count):
            uses = np.nonzero(p.usage[g, k] > 0)[0]
            if len(uses) == 0:
                continue
            excl = np.where(sub_best == k, v2[rows], v1[rows])
            over = r[rows, k] - excl
            over = over[np.isfinite(over)]
            for res in uses:
                u = p.usage[g, k, res]
                t = (over + prices[res] * u) / u
                parts[res].append(t[t > 0])
    for r_i in range(n_res):
        if not parts[r_i]:
            continue
        t_all = np.concatenate(parts[r_i])
        units = int(np.floor(p.capacity[r_i] + 1e-9))
        if len(t_all) > units:
            out[r_i] = float(np.partition(t_all, len(t_all) - units - 1)[len(t_all) - units - 1])
    return out


def _dual(p: Problem, prices: F64) -> tuple[float, F64, I64, F64, F64]:
    r = reduced(p, prices)
    best, v1, v2 = top2(r)
    return float(v1.sum() + prices @ p.capacity), r, best, v1, v2


def price(
    p: Problem, iterations: int = 20, start: F64 | None = None, tol: float = 1e-6
) -> tuple[F64, float, int]:
    """Damped Jacobi market clearing; returns (the prices of the lowest bound, that bound, iterations)."""
    groups = groups_of(p)
    prices = np.zeros(len(p.capacity)) if start is None else start.copy()
    best_bound, r, best, v1, v2 = _dual(p, prices)
    best_prices = prices.copy()
    step = 0.7
    done = 0
    for it in range(iterations):
        done = it + 1
        target = _clearing(p, r, best, v1, v2, prices, groups)
        prices = np.maximum((1 - step) * prices + step * target, 0.0)
        bound, r, best, v1, v2 = _dual(p, prices)
        if bound < best_bound:
            best_bound, best_prices = bound, prices.copy()
        else:
            step = max(step * 0.7, 0.05)
        if np.abs(target - prices).max() <= tol * max(float(np.abs(prices).max()), 1.0):
            break
    return best_prices, best_bound, done


def polish(
    p: Problem, prices: F64, bound: float, iterations: int = 40, every: int = 10, tol: float = 1e-3
) -> tuple[F64, float, I64, float]:
    """Subgradient steps with Polyak's step size toward the best feasible value found so far.

    Coordinate-wise clearing stalls where prices of substitutes (neighbouring hours) must move together;
    the subgradient (capacity minus usage) moves them jointly. Stops when the bound is within `tol` of
    the best feasible value. Returns prices, bound, choice, its value.
    """
    best_prices = prices.copy()
    choice = fill(p, repair(p, prices))
    lower = value_of(p, choice)
    for it in range(iterations):
        best, b = _choose(p, prices)
        if b < bound:
            bound, best_prices = b, prices.copy()
        if bound - lower <= tol * max(abs(bound), 1.0):
            break
        g = p.capacity - used_by(p, best)
        norm = float(g @ g)
        if norm == 0:
            break
        prices = np.maximum(prices - (b - lower) / norm * g, 0.0)
        if (it + 1) % every == 0:
            trial = fill(p, repair(p, prices))
            v = value_of(p, trial)
            if v > lower:
                lower, choice = v, trial
    if not np.array_equal(best_prices, prices):
        trial = fill(p, repair(p, best_prices))
        v = value_of(p, trial)
        if v > lower:
            lower, choice = v, trial
    better = fill(p, exchange(p, choice))
    v = value_of(p, better)
    if v > lower:
        lower, choice = v, better
    return best_prices, bound, choice, lower


def solve(
    p: Problem,
    iterations: int | None = None,
    polish_iterations: int | None = None,
    sample: int = 20_000,
    seed: int = 0,
    tol: float = 1e-3,
) -> Allocation:
    """Prices, a feasible choice, and the bound.

    The prices of a few rounds of clearing and subgradient steps (Jacobi 8 and polish 25 unless given)
    choose the cases in doubt; the LP of those cases, grown by sifting (strategy/sifting.py), makes the
    choice and the prices exact. A problem larger than `sample` cases is priced so on a random sample of
    that many (capacities scaled), and the sample's prices are then applied to the whole portfolio: its own
    bound, a repaired choice, then swaps.
    """
    if p.n > sample:
        rng = np.random.default_rng(seed)
        rows = np.sort(rng.choice(p.n, size=sample, replace=False))
        q = Problem(p.value[rows], p.group[rows], p.usage, p.capacity * (sample / p.n), p.resources)
    else:
        q = p
    jacobi = 8 if iterations is None else iterations
    polishing = 25 if polish_iterations is None else polish_iterations
    prices, bound, done = price(q, jacobi)
    prices, bound, choice, _ = polish(q, prices, bound, polishing, tol=tol)
    sifted = sift(q, prices, choice)
    prices, choice = sifted.prices, sifted.choice
    if q is p:
        bound = min(bound, _choose(p, prices)[1])
    else:
        bound = _choose(p, prices)[1]
        choice = fill(p, repair(p, prices), rounds=2)
        choice = fill(p, exchange(p, choice), rounds=2)
    return Allocation(
        choice, prices, value_of(p, choice), bound, used_by(p, choice), done + polishing + sifted.rounds
    )
