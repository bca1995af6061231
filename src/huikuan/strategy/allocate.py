"""The day's treatment choice under capacity: Lagrangian relaxation with one price per resource.

Each case takes at most one option (an action at a time); option k of a case in group g takes
usage[g, k, r] units of resource r; resource r has capacity[r]. With a price on every resource the
problem splits into one tiny choice per case: the option of highest value minus priced usage, or none.

Prices: damped Jacobi market clearing. Given the other prices, the price of resource r that exactly
clears it is the (capacity+1)-th highest "threshold" among the cases that could use it (what taking r
is worth to a case over its best option without r); all prices move toward their clearing values at once,
and the lowest Lagrangian bound seen is kept (it bounds the LP optimum from above). Large problems are
priced on a random sample with scaled capacities, then polished on the whole.

Primal: each case's priced choice, then a repair that evicts the users of an over-full resource who lose
least by moving, and a fill that spends leftover capacity on the best remaining gains. The result never
exceeds a capacity; its value against the bound is the reported gap.
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


def _reduced(p: Problem, prices: F64) -> F64:
    cost = p.usage @ prices  # (G, K)
    return p.value - cost[p.group]


def _top2(r: F64) -> tuple[I64, F64, F64]:
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


def _choose(p: Problem, prices: F64) -> tuple[I64, float]:
    """Each case's priced choice, and the Lagrangian bound at these prices."""
    r = _reduced(p, prices)
    if r.shape[1] == 0:
        return np.full(p.n, -1, dtype=np.int64), float(prices @ p.capacity)
    i1 = np.argmax(r, axis=1)
    v1 = r[np.arange(p.n), i1]
    take = v1 > 0
    return np.where(take, i1, -1).astype(np.int64), float(v1[take].sum() + prices @ p.capacity)


def used_by(p: Problem, choice: I64) -> F64:
    g, k = p.usage.shape[0], p.usage.shape[1]
    on = choice >= 0
    counts = np.bincount(p.group[on] * k + choice[on], minlength=g * k).reshape(g, k).astype(np.float64)
    return np.asarray(np.einsum("gk,gkr->r", counts, p.usage), dtype=np.float64)


def value_of(p: Problem, choice: I64) -> float:
    on = choice >= 0
    return float(p.value[np.nonzero(on)[0], choice[on]].sum())


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
    r = _reduced(p, prices)
    best, v1, v2 = _top2(r)
    return float(v1.sum() + prices @ p.capacity), r, best, v1, v2


def _rank_within(keys: I64, priority: F64) -> I64:
    """Rank of each item within its key, lowest priority value first."""
    order = np.lexsort((priority, keys))
    sorted_keys = keys[order]
    start = np.r_[0, np.nonzero(np.diff(sorted_keys))[0] + 1]
    first = np.repeat(start, np.diff(np.r_[start, len(keys)]))
    rank = np.empty(len(keys), dtype=np.int64)
    rank[order] = np.arange(len(keys)) - first
    return rank


def _groups(p: Problem) -> list[I64]:
    return [np.nonzero(p.group == g)[0] for g in range(p.usage.shape[0])]


def price(
    p: Problem, iterations: int = 20, start: F64 | None = None, tol: float = 1e-6
) -> tuple[F64, float, int]:
    """Damped Jacobi market clearing; returns (the prices of the lowest bound, that bound, iterations)."""
    groups = _groups(p)
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


def repair(p: Problem, prices: F64, choice: I64 | None = None, max_rounds: int = 100) -> I64:
    """A choice that respects every capacity, starting from the priced choice.

    While a resource is over-full, its users who lose least by moving to their next priced option are
    evicted (one resource's users are kept in order of that loss until it is full); a resource that is
    full is closed to newcomers, and the evicted choose again among the options still open.
    """
    r = _reduced(p, prices)
    if choice is None:
        choice, _, _ = _top2(r)
    choice = choice.copy()
    cap = p.capacity + 1e-9
    closed = np.zeros(p.usage.shape[:2], dtype=bool)  # (G, K) options closed to newcomers
    for _ in range(max_rounds):
        used = used_by(p, choice)
        over = np.nonzero(used > cap)[0]
        if len(over) == 0:
            break
        on = choice >= 0
        uses_over = np.zeros(p.n, dtype=bool)
        uses_over[on] = (p.usage[p.group[on], choice[on]][:, over] > 0).any(axis=1)
        cand = np.nonzero(uses_over)[0]
        sub = r[cand].copy()
        cur = sub[np.arange(len(cand)), choice[cand]]
        sub[np.arange(len(cand)), choice[cand]] = NEG
        regret = np.full(p.n, np.inf)
        regret[cand] = cur - np.maximum(sub.max(axis=1, initial=NEG), 0.0)
        evict = np.zeros(p.n, dtype=bool)
        for res in over:
            units = p.usage[p.group[cand], choice[cand], res]
            users = cand[units > 0]
            u = units[units > 0]
            order = np.lexsort((users, -regret[users]))
            fits = np.cumsum(u[order]) <= cap[res]
            evict[users[order[~fits]]] = True
        moved = np.nonzero(evict)[0]
        r[moved, choice[moved]] = NEG  # evicted cases may not return to their option
        choice[moved] = -1
        full = used_by(p, choice) + 1.0 > cap  # one more unit would not fit
        if full.any():
            closed |= (p.usage[:, :, full] > 0).any(axis=2)
        if len(moved):
            sub = r[moved]
            sub[closed[p.group[moved]]] = NEG
            if sub.shape[1]:
                i1 = np.argmax(sub, axis=1)
                v1 = sub[np.arange(len(moved)), i1]
                choice[moved] = np.where(v1 > 0, i1, -1)
    else:  # pragma: no cover - closing full resources makes this unreachable in practice
        raise RuntimeError("repair did not converge")
    return choice


def fill(p: Problem, choice: I64, rounds: int = 3) -> I64:
    """Spend leftover capacity: move cases to better options whose resources still have room."""
    choice = choice.copy()
    g_count, k_count, _ = p.usage.shape
    rows_all = np.arange(p.n)
    for _ in range(rounds):
        left = p.capacity - used_by(p, choice)
        # An option is open when each resource it takes has at least its usage left.
        open_ = np.all((p.usage <= left[None, None, :] + 1e-9) | (p.usage == 0), axis=2)  # (G, K)
        on = choice >= 0
        cur = np.where(on, p.value[rows_all, np.clip(choice, 0, None)], 0.0)
        cand = np.where(open_[p.group], p.value, NEG)
        cand[rows_all[on], choice[on]] = NEG
        target = np.argmax(cand, axis=1) if k_count else np.zeros(p.n, dtype=np.int64)
        gain = cand[rows_all, target] - cur if k_count else np.zeros(p.n)
        movers = np.nonzero(gain > 0)[0]
        if len(movers) == 0:
            break
        moved_any = False
        order = movers[np.argsort(-gain[movers], kind="stable")]
        # Column by column, best gains first: take as many as the column's resources still hold.
        for g in range(g_count):
            for k in range(k_count):
                sel = order[(p.group[order] == g) & (target[order] == k)]
                if len(sel) == 0:
                    continue
                need = p.usage[g, k]
                take = need > 0
                room = np.floor((left[take] + 1e-9) / need[take]).min() if take.any() else len(sel)
                n_take = int(min(room, len(sel)))
                if n_take <= 0:
                    continue
                chosen = sel[:n_take]
                # Their old options free their resources for the next round.
                old = choice[chosen]
                was = old >= 0
                if was.any():
                    left += np.bincount(old[was], minlength=k_count).astype(np.float64) @ p.usage[g]
                choice[chosen] = k
                left -= n_take * need
                moved_any = True
        if not moved_any:
            break
    return choice


def exchange(p: Problem, choice: I64, rounds: int = 2) -> I64:
    """Pairwise swaps on full options: a case outside takes the place of one inside when it gains more than
    the other loses by moving to its best option with room (or to none). Only cases of the same group swap,
    so every resource's usage stays the same except where a displaced case moves to an option with room."""
    choice = choice.copy()
    g_count, k_count, _ = p.usage.shape
    groups = _groups(p)
    left = p.capacity - used_by(p, choice)
    for _ in range(rounds):
        swapped = 0
        for g in range(g_count):
            rows = groups[g]
            if len(rows) == 0:
                continue
            val = p.value[rows]
            idx = np.arange(len(rows))
            for k in range(k_count):
                need = p.usage[g, k]
                if np.all((need == 0) | (need <= left + 1e-9)):
                    continue  # not full: fill() handles it
                cur_choice = choice[rows]
                inside = cur_choice == k
                if not inside.any():
                    continue
                cur = np.where(cur_choice >= 0, val[idx, np.clip(cur_choice, 0, None)], 0.0)
                ins = np.nonzero(inside)[0]
                alt_k, alt_v = _best_open(p.usage[g], left, k, val[ins])
                loss = cur[ins] - alt_v
                gain_all = val[:, k] - cur
                # Only a case to which option k is worth something may take it (never one worth less than
                # doing nothing, however much the displaced case gains elsewhere).
                outs = np.nonzero(~inside & (val[:, k] > 0) & (gain_all > loss.min() + 1e-9))[0]
                if len(outs) == 0:
                    continue
                outs, gain, by_loss, m = _pairs(outs, gain_all[outs], loss, len(ins))
                # Displaced cases take their open option while it has room, in pair order; a pair whose
                # displaced case finds no room is swapped only if moving it to none still gains.
                ins_m = by_loss[:m]
                a = np.where(alt_v[ins_m] > 0, alt_k[ins_m], -1)
                room = _room(p.usage[g], left)
                has_alt = np.nonzero(a >= 0)[0]
                if len(has_alt):
                    rank = _rank_within(a[has_alt], has_alt.astype(np.float64))
                    a[has_alt[rank >= room[a[has_alt]]]] = -1
                real_loss = cur[ins[ins_m]] - np.where(a >= 0, alt_v[ins_m], 0.0)
                ok = gain[:m] > real_loss + 1e-9
                if not ok.any():
                    continue
                moved_in = rows[outs[:m][ok]]
                moved_out = rows[ins[ins_m][ok]]
                old = choice[moved_in]
                new = a[ok]
                left -= np.bincount(new[new >= 0], minlength=k_count).astype(np.float64) @ p.usage[g]
                left += np.bincount(old[old >= 0], minlength=k_count).astype(np.float64) @ p.usage[g]
                choice[moved_out] = new
                choice[moved_in] = k
                swapped += int(ok.sum())
        if swapped == 0:
            break
    return choice


def _best_open(usage: F64, left: F64, k: int, val: F64) -> tuple[I64, F64]:
    """For each row of `val`, its best option other than `k` among those with room left, and that
    option's value (at least 0, the value of none)."""
    k_count = usage.shape[0]
    open_ = np.all((usage <= left[None, :] + 1e-9) | (usage == 0), axis=1)  # (K,)
    open_[k] = False
    alt_val = np.where(open_[None, :], val, NEG)
    alt_k = np.argmax(alt_val, axis=1) if k_count else np.zeros(len(val), dtype=np.int64)
    alt_v = np.maximum(alt_val[np.arange(len(val)), alt_k], 0.0)
    return alt_k, alt_v


def _pairs(outs: I64, gain: F64, loss: F64, n_ins: int) -> tuple[I64, F64, I64, int]:
    """The swaps to try: the outside cases by falling gain and the inside ones by rising loss, paired in
    that order; and how many leading pairs gain more than they lose."""
    m = min(n_ins, len(outs))
    if len(outs) > m:
        top = np.argpartition(-gain, m - 1)[:m]
        outs, gain = outs[top], gain[top]
    order = np.argsort(-gain, kind="stable")
    outs, gain = outs[order][:m], gain[order][:m]
    by_loss = np.argsort(loss, kind="stable")[:m]
    # Gains fall and losses rise along the pairs, so the profitable swaps are a prefix.
    return outs, gain, by_loss, int(np.sum(gain > loss[by_loss] + 1e-9))


def _room(usage: F64, left: F64) -> F64:
    """(K,) how many more each option of the group still takes."""
    room: F64 = np.floor(
        np.min(np.where(usage > 0, left[None, :] / np.where(usage > 0, usage, 1), np.inf), axis=1) + 1e-9
    )
    return room


def solve(
    p: Problem,
    iterations: int | None = None,
    polish_iterations: int | None = None,
    sample: int = 50_000,
    seed: int = 0,
    tol: float = 1e-3,
) -> Allocation:
    """Prices, a feasible choice, and the bound; large problems are priced on a sample first.

    Without explicit iteration counts, a small problem (where iterations are cheap) gets more of them:
    Jacobi 60,000 / n and polish 200,000 / n case-iterations, within 8..30 and 25..80 (a sample counts
    as 4,000 cases).
    """
    if p.n > sample:
        rng = np.random.default_rng(seed)
        rows = np.sort(rng.choice(p.n, size=sample, replace=False))
        q = Problem(p.value[rows], p.group[rows], p.usage, p.capacity * (sample / p.n), p.resources)
    else:
        q = p
    # A sample is priced once for a large portfolio, so it can afford the iterations of a mid-sized one.
    size = max(q.n, 1) if q is p else 4_000
    jacobi = iterations if iterations is not None else int(np.clip(60_000 // size, 8, 30))
    polishing = polish_iterations if polish_iterations is not None else int(np.clip(200_000 // size, 25, 80))
    prices, bound, done = price(q, jacobi)
    prices, bound, choice, _ = polish(q, prices, bound, polishing, tol=tol)
    if q is not p:
        # The sample's prices on the whole portfolio: its own bound, a repaired choice, then swaps.
        bound = _choose(p, prices)[1]
        choice = fill(p, repair(p, prices), rounds=2)
        choice = fill(p, exchange(p, choice), rounds=2)
    return Allocation(choice, prices, value_of(p, choice), bound, used_by(p, choice), done + polishing)
