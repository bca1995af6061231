"""The allocation problem solved exactly by HiGHS, as an LP (its relaxation) or a MIP, for small instances.

    maximise   sum_ik value[i,k] x[i,k]
    subject to sum_k x[i,k] <= 1                                   for each case i
               sum_ik usage[group[i], k, r] x[i,k] <= capacity[r]   for each resource r
               0 <= x <= 1  (integer in the MIP)

It checks the Lagrangian: the LP optimum bounds every feasible choice, so (LP - Lagrangian) / LP is the
Lagrangian's optimality gap. Variables grow as cases x options, so keep this to a few thousand cases.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import highspy
import numpy as np

from huikuan.strategy.capacity_problem import Allocation, Problem
from huikuan.strategy.frames import F64, I64
from huikuan.strategy.highs import quiet

MAX_VARIABLES = 2_000_000


@dataclass(frozen=True)
class ExactResult:
    value: float
    choice: I64  # (n,) for the MIP; the largest x per case for the LP
    status: str
    seconds: float
    mip: bool
    mip_gap: float | None = None


def solve_exact(p: Problem, mip: bool = False, time_limit: float = 120.0) -> ExactResult:
    rows, cols = np.nonzero(np.isfinite(p.value))
    n_var = len(rows)
    if n_var > MAX_VARIABLES:
        raise ValueError(f"{n_var} variables is too many for the exact check (at most {MAX_VARIABLES})")
    n_res = len(p.capacity)
    # Column-wise matrix: each variable sits in its case's row and in each resource row it uses.
    use = p.usage[p.group[rows], cols]  # (n_var, R)
    res_rows, res_vars = np.nonzero(use.T)  # sorted by resource, not by variable
    order = np.lexsort((res_rows, res_vars))
    entry_var = np.concatenate([np.arange(n_var), res_vars[order]])
    entry_row = np.concatenate([rows, p.n + res_rows[order]])
    entry_val = np.concatenate([np.ones(n_var), use[res_vars[order], res_rows[order]]])
    by_var = np.argsort(entry_var, kind="stable")
    index = entry_row[by_var].astype(np.int32)
    values = entry_val[by_var].astype(np.float64)
    starts = np.searchsorted(entry_var[by_var], np.arange(n_var + 1)).astype(np.int32)

    h = quiet()
    h.setOptionValue("time_limit", float(time_limit))
    lp = highspy.HighsLp()
    lp.num_col_ = n_var
    lp.num_row_ = p.n + n_res
    lp.sense_ = highspy.ObjSense.kMaximize
    lp.col_cost_ = p.value[rows, cols].astype(np.float64)
    lp.col_lower_ = np.zeros(n_var)
    lp.col_upper_ = np.ones(n_var)
    lp.row_lower_ = np.full(p.n + n_res, -highspy.kHighsInf)
    lp.row_upper_ = np.concatenate([np.ones(p.n), p.capacity.astype(np.float64)])
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = starts
    lp.a_matrix_.index_ = index
    lp.a_matrix_.value_ = values
    lp.a_matrix_.num_col_ = n_var
    lp.a_matrix_.num_row_ = p.n + n_res
    if mip:
        lp.integrality_ = [highspy.HighsVarType.kInteger] * n_var
    t0 = time.perf_counter()
    h.passModel(lp)
    h.run()
    seconds = time.perf_counter() - t0
    status = h.modelStatusToString(h.getModelStatus())
    x = np.asarray(h.getSolution().col_value, dtype=np.float64)
    value = float(h.getInfo().objective_function_value) if n_var else 0.0
    choice = np.full(p.n, -1, dtype=np.int64)
    if n_var:
        best = np.zeros(p.n)
        order_x = np.argsort(x, kind="stable")
        pick = x[order_x] > 0.5
        choice[rows[order_x][pick]] = cols[order_x][pick]
        best[rows[order_x]] = x[order_x]
    mip_gap = float(h.getInfo().mip_gap) if mip and n_var else None
    return ExactResult(value, choice, status, seconds, mip, mip_gap)


def gap(allocation: Allocation, exact: ExactResult) -> float:
    """Relative shortfall of the Lagrangian's feasible value against the exact optimum."""
    if exact.value <= 0:
        return 0.0
    return max(0.0, (exact.value - allocation.primal) / exact.value)


def random_problem(n: int, seed: int, columns: int = 12, languages: int = 2, tight: float = 0.3) -> Problem:
    """A random instance shaped like a day's plan: call hours for a few language pools, and channels.

    Used by the tests and the benchmark; values are right-skewed like balances times probabilities.
    """
    rng = np.random.default_rng(seed)
    channels = 5  # visit, sms, email, wechat, letter
    k = columns + channels
    balance = rng.lognormal(9.0, 1.0, n)
    reach = rng.beta(2, 6, (n, 1)) * (0.6 + 0.8 * rng.random((1, columns)))
    call = balance[:, None] * reach * 0.12 - 720
    chan = balance[:, None] * rng.beta(1, 20, (n, channels)) * 0.3 - np.array([21600, 4, 1, 2, 500])
    value: F64 = np.concatenate([call, chan], axis=1)
    value[rng.random((n, k)) < 0.15] = -np.inf
    shares = [1.0] if languages == 1 else [0.9] + [0.1 / (languages - 1)] * (languages - 1)
    group = rng.choice(languages, size=n, p=shares).astype(np.int64)
    subsets = list(range(1, 1 << languages))
    n_res = len(subsets) * columns + channels
    usage = np.zeros((languages, k, n_res))
    for g in range(languages):
        for si, s in enumerate(subsets):
            if s >> g & 1:
                for c in range(columns):
                    usage[g, c, si * columns + c] = 1.0
        for ch in range(channels):
            usage[g, columns + ch, len(subsets) * columns + ch] = 1.0
    per_hour = np.zeros(len(subsets) * columns)
    pool = rng.integers(1, 4, languages).astype(np.float64)  # collectors per language
    for si, s in enumerate(subsets):
        staff = sum(pool[g] for g in range(languages) if s >> g & 1)
        per_hour[si * columns : (si + 1) * columns] = np.round(staff * n * tight / columns / pool.sum())
    capacity = np.concatenate([per_hour, np.round(np.array([0.005, 0.2, 0.1, 0.1, 0.02]) * n)])
    names = [f"calls:{s}@{c}" for s in subsets for c in range(columns)] + [
        "visits",
        "sms",
        "email",
        "wechat",
        "letters",
    ]
    return Problem(value, group, usage, capacity, names)
