"""The day's allocation problem and what any solution of it is: each case takes at most one option (an
action at a time), option k of a case in group g takes usage[g, k, r] units of resource r, resource r has
capacity[r]; a choice's value and usage, and each case's options valued at given resource prices.

strategy/allocate.py prices the resources; strategy/primal.py turns prices into a choice that keeps
every capacity.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from huikuan.strategy.frames import F64, I64

NEG = -np.inf


@dataclass(frozen=True)
class Problem:
    value: F64  # (n, K) value of each option over doing nothing; -inf where it is not available
    group: I64  # (n,) row of usage for each case
    usage: F64  # (G, K, R) resource units each option takes
    capacity: F64  # (R,)
    resources: list[str]

    @property
    def n(self) -> int:
        return int(self.value.shape[0])


@dataclass(frozen=True)
class Allocation:
    choice: I64  # (n,) option column, -1 for none
    prices: F64  # (R,) per unit of each resource
    primal: float  # total value of the choice
    dual: float  # lowest Lagrangian bound found (>= the LP optimum)
    used: F64  # (R,)
    iterations: int

    @property
    def gap(self) -> float:
        if self.dual <= 0:
            return 0.0
        return max(0.0, (self.dual - self.primal) / self.dual)


def reduced(p: Problem, prices: F64) -> F64:
    cost = p.usage @ prices  # (G, K)
    return p.value - cost[p.group]


def top2(r: F64) -> tuple[I64, F64, F64]:
    """Best column (-1 for none), its value (>= 0, none is worth 0), and the second best (>= 0)."""
    n, k = r.shape
    if k == 0:
        return np.full(n, -1, dtype=np.int64), np.zeros(n), np.zeros(n)
    rows = np.arange(n)
    i1 = np.argmax(r, axis=1)
    v1 = r[rows, i1]
    if k > 1:
        r[rows, i1] = NEG  # in place, restored below: r is large and copying it costs more
        v2 = r.max(axis=1)
        r[rows, i1] = v1
    else:
        v2 = np.full(n, NEG)
    take = v1 > 0
    best = np.where(take, i1, -1).astype(np.int64)
    second = np.where(take, np.maximum(v2, 0.0), 0.0)
    return best, np.maximum(v1, 0.0), second


def used_by(p: Problem, choice: I64) -> F64:
    g, k = p.usage.shape[0], p.usage.shape[1]
    on = choice >= 0
    counts = np.bincount(p.group[on] * k + choice[on], minlength=g * k).reshape(g, k).astype(np.float64)
    return np.asarray(np.einsum("gk,gkr->r", counts, p.usage), dtype=np.float64)


def value_of(p: Problem, choice: I64) -> float:
    on = choice >= 0
    return float(p.value[np.nonzero(on)[0], choice[on]].sum())


def groups_of(p: Problem) -> list[I64]:
    return [np.nonzero(p.group == g)[0] for g in range(p.usage.shape[0])]
