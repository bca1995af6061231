"""A feasible choice from resource prices: each case's priced choice, then a repair that evicts the users
of an over-full resource who lose least by moving, a fill that spends leftover capacity on the best
remaining gains, and an exchange that swaps a case out for better ones where a resource is full. The
result never exceeds a capacity."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from huikuan.strategy.capacity_problem import (
    NEG,
    Problem,
    groups_of,
    reduced,
    top2,
    used_by,
)
from huikuan.strategy.frames import F64, I64, rank_within


def repair(p: Problem, prices: F64, choice: I64 | None = None, max_rounds: int = 100) -> I64:
    """A choice that respects every capacity, starting from the priced choice.

    While a resource is over-full, its users who lose least by moving to their next priced option are
    evicted (one resource's users are kept in order of that loss until it is full); a resource that is
    full is closed to newcomers, and the evicted choose again among the options still open.
    """
    r = reduced(p, prices)
    if choice is None:
        choice, _, _ = top2(r)
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
    groups = groups_of(p)
    for _ in range(rounds):
        left = p.capacity - used_by(p, choice)
        # An option is open when each resource it takes has at least its usage left.
        open_ = np.all((p.usage <= left[None, None, :] + 1e-9) | (p.usage == 0), axis=2)  # (G, K)
        target, gain = _best_open_moves(p, choice, open_, groups)
        movers = np.nonzero(gain > 0)[0]
        if len(movers) == 0:
            break
        moved_any = False
        order = movers[np.argsort(-gain[movers], kind="stable")]
        # The movers by (group, target option), best gains first within each (a stable sort keeps them so).
        key = p.group[order] * k_count + target[order]
        by_key = np.argsort(key, kind="stable")
        order, key = order[by_key], key[by_key]
        bounds = np.searchsorted(key, np.arange(g_count * k_count + 1))
        # Column by column, best gains first: take as many as the column's resources still hold.
        for g in range(g_count):
            for k in range(k_count):
                sel = order[bounds[g * k_count + k] : bounds[g * k_count + k + 1]]
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


def _best_open_moves(
    p: Problem, choice: I64, open_: npt.NDArray[np.bool_], groups: list[I64]
) -> tuple[I64, F64]:
    """Each case's best open option other than its own (-1 where none), and what moving there gains over
    its current option (-inf where it has no open option). Only the open columns are read: when capacity is
    nearly spent they are few."""
    target = np.full(p.n, -1, dtype=np.int64)
    gain = np.full(p.n, NEG)
    for g, rows in enumerate(groups):
        cols = np.nonzero(open_[g])[0]
        if len(cols) == 0 or len(rows) == 0:
            continue
        sub = p.value[np.ix_(rows, cols)]
        own = choice[rows]
        position = np.full(p.value.shape[1], -1, dtype=np.int64)
        position[cols] = np.arange(len(cols))
        at = np.where(own >= 0, position[np.clip(own, 0, None)], -1)
        inside = np.nonzero(at >= 0)[0]
        sub[inside, at[inside]] = NEG  # a case does not move to the option it has
        best = np.argmax(sub, axis=1)
        cur = np.where(own >= 0, p.value[rows, np.clip(own, 0, None)], 0.0)
        target[rows] = cols[best]
        gain[rows] = sub[np.arange(len(rows)), best] - cur
    return target, gain


def exchange(p: Problem, choice: I64, rounds: int = 2) -> I64:
    """Pairwise swaps on full options: a case outside takes the place of one inside when it gains more than
    the other loses by moving to its best option with room (or to none). Only cases of the same group swap,
    so every resource's usage stays the same except where a displaced case moves to an option with room."""
    choice = choice.copy()
    g_count, k_count, _ = p.usage.shape
    groups = groups_of(p)
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
                    rank = rank_within(a[has_alt], has_alt.astype(np.float64))
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
