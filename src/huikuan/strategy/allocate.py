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
    i1 = np.argmax(r, axis=1)
    v1 = r[np.arange(n), i1]
    if k > 1:
        masked = r.copy()
        masked[np.arange(n), i1] = NEG
        v2 = masked.max(axis=1)
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
    return np.einsum("gk,gkr->r", counts, p.usage)


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
    for res in range(n_res):
        if not parts[res]:
            continue
        t_all = np.concatenate(parts[res])
        cap = int(np.floor(p.capacity[res] + 1e-9))
        if len(t_all) > cap:
            out[res] = float(np.partition(t_all, len(t_all) - cap - 1)[len(t_all) - cap - 1])
    return out


def _dual(p: Problem, prices: F64) -> tuple[float, F64, I64, F64, F64]:
    r = _reduced(p, prices)
    best, v1, v2 = _top2(r)
    return float(v1.sum() + prices @ p.capacity), r, best, v1, v2


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
    p: Problem, prices: F64, bound: float, iterations: int = 80, every: int = 10
) -> tuple[F64, float, I64, float]:
    """Subgradient steps with Polyak's step size toward the best feasible value found so far.

    Coordinate-wise clearing stalls where prices of substitutes (neighbouring hours) must move together;
    the subgradient (capacity minus usage) moves them jointly. Returns prices, bound, choice, its value.
    """
    best_prices = prices.copy()
    choice = fill(p, repair(p, prices))
    lower = value_of(p, choice)
    for it in range(iterations):
        b, r, best, _, _ = _dual(p, prices)
        if b < bound:
            bound, best_prices = b, prices.copy()
        g = p.capacity - used_by(p, best)
        norm = float(g @ g)
        if norm == 0 or b - lower <= 1e-9 * max(abs(b), 1.0):
            break
        prices = np.maximum(prices - (b - lower) / norm * g, 0.0)
        if (it + 1) % every == 0:
            trial = fill(p, repair(p, prices))
            v = value_of(p, trial)
            if v > lower:
                lower, choice = v, trial
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
    """A choice that respects every capacity, starting from the priced choice."""
    r = _reduced(p, prices)
    k_count = p.value.shape[1]
    if choice is None:
        choice, _, _ = _top2(r)
    choice = choice.copy()
    cap = p.capacity + 1e-9
    rows_all = np.arange(p.n)
    for _ in range(max_rounds):
        used = used_by(p, choice)
        over = np.nonzero(used > cap)[0]
        if len(over) == 0:
            break
        evict = np.zeros(p.n, dtype=bool)
        on = choice >= 0
        cur = np.where(on, r[rows_all, np.clip(choice, 0, None)], 0.0)
        alt = r.copy()
        alt[rows_all[on], choice[on]] = NEG
        regret = cur - np.maximum(alt.max(axis=1, initial=NEG), 0.0)
        for res in over:
            u = p.usage[p.group, np.clip(choice, 0, None), res] * on  # units each case takes of res
            users = np.nonzero(u > 0)[0]
            order = users[np.lexsort((users, -regret[users]))]
            fits = np.cumsum(u[order]) <= cap[res]
            evict[order[~fits]] = True
        # Evicted cases may not return to their column; full resources are closed to newcomers.
        r[rows_all[evict], choice[evict]] = NEG
        choice[evict] = -1
        used = used_by(p, choice)
        full = used + 1.0 > cap  # one more unit would not fit
        if full.any():
            closed = (p.usage[:, :, full] > 0).any(axis=2)  # (G, K)
            blocked = closed[p.group]  # (n, K)
            blocked[rows_all[choice >= 0], choice[choice >= 0]] = False
            r[blocked] = NEG
        moved = np.nonzero(evict)[0]
        if len(moved):
            sub = r[moved]
            i1 = np.argmax(sub, axis=1) if k_count else np.zeros(len(moved), dtype=np.int64)
            v1 = sub[np.arange(len(moved)), i1] if k_count else np.zeros(len(moved))
            choice[moved] = np.where(v1 > 0, i1, -1)
    else:  # pragma: no cover - the closing of full resources makes this unreachable in practice
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


def exchange(p: Problem, choice: I64, rounds: int = 3) -> I64:
    """Pairwise swaps on full options: a case outside takes the place of one inside when it gains more than
    the other loses by moving to its best option with room (or to none). Only cases of the same group swap,
    so every resource's usage stays the same except where a displaced case moves to an option with room."""
    choice = choice.copy()
    g_count, k_count, _ = p.usage.shape
    groups = _groups(p)
    for _ in range(rounds):
        swapped = 0
        for g in range(g_count):
            rows = groups[g]
            if len(rows) == 0:
                continue
            for k in range(k_count):
                left = p.capacity - used_by(p, choice)
                need = p.usage[g, k]
                if np.all((need == 0) | (need <= left + 1e-9)):
                    continue  # not full: fill() handles it
                val = p.value[rows]
                cur_choice = choice[rows]
                cur = np.where(cur_choice >= 0, val[np.arange(len(rows)), np.clip(cur_choice, 0, None)], 0.0)
                inside = cur_choice == k
                if not inside.any():
                    continue
                open_ = np.all((p.usage[g] <= left[None, :] + 1e-9) | (p.usage[g] == 0), axis=1)  # (K,)
                open_[k] = False
                alt_val = np.where(open_[None, :], val, NEG)
                alt_k = np.argmax(alt_val, axis=1) if k_count else np.zeros(len(rows), dtype=np.int64)
                alt_v = alt_val[np.arange(len(rows)), alt_k]
                to_none = alt_v <= 0
                ins = np.nonzero(inside)[0]
                loss = cur[ins] - np.where(to_none[ins], 0.0, alt_v[ins])
                outs = np.nonzero(~inside & np.isfinite(val[:, k]))[0]
                gain = val[outs, k] - cur[outs]
                ins = ins[np.argsort(loss, kind="stable")]
                loss = np.sort(loss, kind="stable")
                order = np.argsort(-gain, kind="stable")
                outs, gain = outs[order], gain[order]
                m = min(len(ins), len(outs))
                # Gains fall and losses rise along the pairs, so the profitable swaps are a prefix.
                m = int(np.sum(gain[:m] > loss[:m] + 1e-9))
                if m == 0:
                    continue
                # Displaced cases take their open option one at a time while it has room; a pair whose
                # displaced case would find no room is not swapped unless none still leaves a gain.
                for j in range(m):
                    a = -1 if to_none[ins[j]] else int(alt_k[ins[j]])
                    if a >= 0 and np.any((p.usage[g, a] > 0) & (p.usage[g, a] > left + 1e-9)):
                        a = -1
                    real_loss = cur[ins[j]] - (alt_v[ins[j]] if a >= 0 else 0.0)
                    if gain[j] <= real_loss + 1e-9:
                        continue
                    if a >= 0:
                        left -= p.usage[g, a]
                    old = choice[rows[outs[j]]]
                    if old >= 0:
                        left += p.usage[g, old]
                    choice[rows[ins[j]]] = a
                    choice[rows[outs[j]]] = k
                    swapped += 1
        if swapped == 0:
            break
    return choice


def solve(
    p: Problem, iterations: int = 20, polish_iterations: int = 80, sample: int = 200_000, seed: int = 0
) -> Allocation:
    """Prices, a feasible choice, and the bound; large problems are priced on a sample first."""
    if p.n > sample:
        rng = np.random.default_rng(seed)
        rows = np.sort(rng.choice(p.n, size=sample, replace=False))
        q = Problem(p.value[rows], p.group[rows], p.usage, p.capacity * (sample / p.n), p.resources)
    else:
        q = p
    prices, bound, done = price(q, iterations)
    prices, bound, choice, _ = polish(q, prices, bound, polish_iterations)
    if q is not p:
        # The sample's prices on the whole portfolio: a few more steps there, then its own bound.
        prices, bound, choice, _ = polish(p, prices, _dual(p, prices)[0], 4, every=2)
    return Allocation(choice, prices, value_of(p, choice), bound, used_by(p, choice), done + polish_iterations)
