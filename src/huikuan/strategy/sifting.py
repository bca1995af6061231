"""The allocation made exact by sifting: the LP of the cases whose choice is in doubt, grown until the rest
agree.

At prices near the optimum most cases' best option is clear by a wide margin; only the cases near a
price's threshold are in doubt. The LP of those cases (the core), with every other case held at its choice
and the capacity it takes set aside, is small; its resource duals are prices for the whole portfolio. A
core case enters with its few best options only. At the LP's prices, a held case that would rather take
another option joins the core, and an option left out of a core case's columns that is worth more than the
case's own dual joins the LP; the LP goes on from its last basis (HiGHS keeps it when rows and columns are
added). When nothing objects, the choice is optimal for the whole LP: every case's option is its best at
the core's prices (complementary slackness). The LP of this problem is integral when the call pools are
nested (one or two languages); otherwise the few fractional cases are rounded, repaired and filled.
"""

from __future__ import annotations

from dataclasses import dataclass

import highspy
import numpy as np

from huikuan.strategy.capacity_problem import Problem, reduced, top2, used_by, value_of
from huikuan.strategy.frames import F64, I64
from huikuan.strategy.highs import quiet
from huikuan.strategy.primal import fill, repair

INF = highspy.kHighsInf
WIDTH = 3  # options a case enters the core with


@dataclass(frozen=True)
class Sifted:
    choice: I64  # (n,) a feasible choice
    prices: F64  # (R,) the core LP's resource duals
    value: float
    exact: bool  # nothing objected: the choice is the LP optimum (up to rounding where it is fractional)
    core: int  # cases in the last LP
    rounds: int


class _CoreLP:
    """The LP of the core cases: one row per resource (its capacity left by the held cases), one row per core
    case (at most one option), one column per (case, option) let in."""

    def __init__(self, p: Problem, left: F64) -> None:
        self.p = p
        self.h = quiet()
        self.h.changeObjectiveSense(highspy.ObjSense.kMaximize)
        n_res = len(p.capacity)
        self._rows(n_res, np.maximum(left, 0.0))
        self.n_rows = n_res
        self.row_of = np.full(p.n, -1, dtype=np.int64)  # each core case's row
        self.has = np.zeros(p.value.shape, dtype=bool)  # (case, option) columns in the LP
        self.col_case: list[I64] = [np.zeros(0, dtype=np.int64)]
        self.col_option: list[I64] = [np.zeros(0, dtype=np.int64)]

    def _rows(self, m: int, upper: F64) -> None:
        empty_i, empty_f = np.zeros(0, dtype=np.int32), np.zeros(0)
        self.h.addRows(m, np.full(m, -INF), upper, 0, empty_i, empty_i, empty_f)

    def capacity(self, left: F64) -> None:
        idx = np.arange(len(left), dtype=np.int32)
        self.h.changeRowsBounds(len(left), idx, np.full(len(left), -INF), np.maximum(left, 0.0))

    def cases(self, cases: I64) -> None:
        """Rows for cases joining the core."""
        self._rows(len(cases), np.ones(len(cases)))
        self.row_of[cases] = self.n_rows + np.arange(len(cases))
        self.n_rows += len(cases)

    def columns(self, rows: I64, cols: I64) -> None:
        """Columns for (case, option) pairs of core cases, each available and not yet in."""
        if len(rows) == 0:
            return
        p = self.p
        use = p.usage[p.group[rows], cols]  # (columns, R)
        per_col = (use != 0).sum(axis=1)
        res_col, res_row = np.nonzero(use)  # row-major: grouped by column already
        starts = (np.cumsum(per_col + 1) - (per_col + 1)).astype(np.int32)
        n_nz = int(per_col.sum()) + len(rows)
        index = np.empty(n_nz, dtype=np.int32)
        values = np.empty(n_nz)
        index[starts] = self.row_of[rows]  # the case's own row first
        values[starts] = 1.0
        within = np.arange(len(res_col)) - np.repeat(np.cumsum(per_col) - per_col, per_col)
        at = starts[res_col] + 1 + within
        index[at] = res_row
        values[at] = use[res_col, res_row]
        n = len(rows)
        self.h.addCols(n, p.value[rows, cols], np.zeros(n), np.ones(n), n_nz, starts, index, values)
        self.has[rows, cols] = True
        self.col_case.append(rows.astype(np.int64))
        self.col_option.append(cols.astype(np.int64))

    def best_columns(self, cases: I64, r: F64) -> None:
        """For cases joining, their WIDTH best available options at reduced values `r`."""
        sub = r[cases]
        width = min(WIDTH, sub.shape[1])
        top = np.argpartition(-sub, width - 1, axis=1)[:, :width]
        rows = np.repeat(cases, width)
        cols = top.ravel()
        keep = np.isfinite(self.p.value[rows, cols])
        self.columns(rows[keep], cols[keep])

    def solve(self) -> tuple[F64, F64, F64]:
        """Column values, resource duals (prices, never negative), each case's row dual (0 off the core)."""
        self.h.run()
        sol = self.h.getSolution()
        n_res = len(self.p.capacity)
        row_dual = np.asarray(sol.row_dual, dtype=np.float64)
        case_dual = np.zeros(self.p.n)
        on = self.row_of >= 0
        case_dual[on] = row_dual[self.row_of[on]]
        return np.asarray(sol.col_value, dtype=np.float64), np.maximum(row_dual[:n_res], 0.0), case_dual


def sift(
    p: Problem, prices: F64, choice: I64, share: float = 0.1, rounds: int = 12, max_core: int = 60_000
) -> Sifted:
    """From prices and a feasible choice, the LP optimum (or the best found within `rounds`, no case joining
    a core that would then pass `max_core` cases).

    The first core is the `share` of cases (at most `max_core`) with the smallest margin between their best
    and second-best priced option, and every case whose choice is not its best at `prices`.
    """
    if p.n == 0 or p.value.shape[1] == 0:
        return Sifted(choice, prices, value_of(p, choice), True, 0, 0)
    r = reduced(p, prices)
    best, v1, v2 = top2(r)
    m = int(min(p.n, max(1, share * p.n), max_core))
    core = np.zeros(p.n, dtype=bool)
    core[np.argpartition(v1 - v2, m - 1)[:m]] = True
    core |= choice != best
    held = np.where(core, -1, choice)
    lp = _CoreLP(p, p.capacity - used_by(p, held))
    joining = np.nonzero(core)[0]
    lp.cases(joining)
    lp.best_columns(joining, r)
    exact = False
    rounds_done = 0
    duals, x = prices, np.zeros(0)
    while rounds_done < rounds:
        rounds_done += 1
        x, duals, case_dual = lp.solve()
        r = reduced(p, duals)
        _, w1, _ = top2(r)
        # Ties are the rule at an optimum (a case on a price's threshold): only a clear gain objects.
        tol = 1e-9 * np.maximum(np.maximum(np.abs(w1), np.abs(case_dual)), 1.0)
        on = held >= 0
        cur = np.zeros(p.n)
        cur[on] = r[np.nonzero(on)[0], held[on]]
        # First the core's own LP: an option left out of a core case that is worth more at these prices
        # than the case's row dual comes in; only then may held cases object (to prices the core agrees on).
        missing = core[:, None] & ~lp.has & (r > case_dual[:, None] + tol[:, None])
        if missing.any():
            lp.columns(*np.nonzero(missing))
            continue
        joining = np.nonzero(~core & (w1 > cur + tol))[0]
        exact = len(joining) == 0
        if exact or core.sum() + len(joining) > max_core:
            break
        core[joining] = True
        held[joining] = -1
        lp.capacity(p.capacity - used_by(p, held))
        lp.cases(joining)
        lp.best_columns(joining, r)
    sifted = held.copy()
    cols_case, cols_option = np.concatenate(lp.col_case), np.concatenate(lp.col_option)
    # Columns added after the last solve have no values yet: their cases take none, then the fill.
    picked = np.concatenate([x, np.zeros(len(cols_case) - len(x))]) > 0.5
    sifted[cols_case[picked]] = cols_option[picked]
    sifted = fill(p, repair(p, duals, sifted))
    value = value_of(p, sifted)
    if value < value_of(p, choice):
        return Sifted(choice, prices, value_of(p, choice), False, int(core.sum()), rounds_done)
    return Sifted(sifted, duals, value, exact, int(core.sum()), rounds_done)
