"""Who places each call and visit: language first, then the case's own collector, then skill, then load.

Calls arrive with their hour column already chosen (the allocation priced each hour). Column by column,
in time order:

1. a call stays with the case's assigned collector when that collector speaks its language, works in
   that hour and has a call left in it (the most valuable calls first);
2. calls whose segment asks for a skill (hardship plans, senior collectors) go to collectors who have it;
3. the rest go, language by language (scarcest first), to the least-loaded collectors who speak it,
   single-language collectors before multilingual ones (who are kept for the languages only they cover).

Load is the share of a collector's day already given out, so the day's calls spread evenly. A call no
collector can take (capacity is checked per hour and language, so this is rare) is returned as -1.
Visits go to field collectors, grouped by district, in equal shares.
"""

from __future__ import annotations

import numpy as np

from huikuan.strategy.frames import F64, I64, B, rank_within
from huikuan.strategy.timegrid import Collectors


def _spread(n_calls: int, eligible: I64, cap: I64, load: F64, daily: F64, tier: I64) -> I64:
    """Collectors for n_calls calls: the eligible collectors' free call slots, lowest tier and load first."""
    if n_calls == 0 or len(eligible) == 0:
        return np.zeros(0, dtype=np.int64)
    c = cap[eligible]
    owners = np.repeat(eligible, c)
    if len(owners) == 0:
        return owners
    offsets = np.arange(len(owners)) - np.repeat(np.cumsum(c) - c, c)
    share = (load[owners] + offsets + 1) / np.maximum(daily[owners], 1.0)
    order = np.lexsort((owners, share, tier[owners]))
    return owners[order[:n_calls]]


def collector_index(collectors: Collectors, user_ids: I64) -> I64:
    """Index of each user id among the collectors; -1 where it is not one of them (or is -1)."""
    order = np.argsort(collectors.user_id, kind="stable")
    ids = collectors.user_id[order]
    pos = np.clip(np.searchsorted(ids, user_ids), 0, max(len(ids) - 1, 0))
    found = (len(ids) > 0) & (ids[pos] == user_ids) if len(ids) else np.zeros(len(user_ids), dtype=bool)
    return np.where(found, order[pos] if len(ids) else -1, -1).astype(np.int64)


def assign_calls(
    col: I64,
    language: I64,
    languages: list[str],
    assigned: I64,
    skill: I64,
    skills: list[str],
    priority: F64,
    collectors: Collectors,
    call_cap: I64,
) -> I64:
    """The collector (index into collectors) of each call; -1 where none can take it.

    col: each call's hour column; language: index into languages (-1: unknown); skill: index into skills
    (-1: none wanted); assigned: the case's collector's user id (-1 if none); priority: the call's value
    (who keeps a collector when one cannot take every call).
    """
    m = len(col)
    out = np.full(m, -1, dtype=np.int64)
    if m == 0 or call_cap.size == 0:
        return out
    n_col = len(collectors.user_id)
    cap = call_cap.copy()
    daily = cap.sum(axis=1).astype(np.float64)
    load = np.zeros(n_col)
    own = collector_index(collectors, assigned)
    speaks, has_skill = _abilities(collectors, languages, skills)
    tier = np.array([len(s) for s in collectors.languages], dtype=np.int64)
    known = language >= 0
    lang = np.clip(language, 0, None)
    own_ok = (own >= 0) & known & speaks[np.clip(own, 0, None), lang] if len(languages) else own < -1
    by_col = np.argsort(col, kind="stable")
    bounds = np.r_[0, np.nonzero(np.diff(col[by_col]))[0] + 1, m]
    for b in range(len(bounds) - 1):
        in_k = by_col[bounds[b] : bounds[b + 1]]
        k = int(col[in_k[0]])
        c = cap[:, k]
        # 1. the case's own collector.
        _keep_own(in_k[own_ok[in_k] & (c[own[in_k]] > 0)], own, priority, c, load, out)
        # 2. skills, 3. everyone else: language by language, the scarcest first.
        for wanted in [*range(len(skills)), -1]:
            free = in_k[(out[in_k] < 0) & known[in_k]]
            if wanted >= 0:
                free = free[skill[free] == wanted]
            if len(free) == 0:
                continue
            has = has_skill[:, wanted] if wanted >= 0 else np.ones(n_col, dtype=bool)
            present = np.unique(lang[free])
            supply = {int(li): int(c[speaks[:, li] & has].sum()) for li in present}
            for li in sorted(supply, key=lambda x: supply[x]):
                calls = free[lang[free] == li]
                calls = calls[np.argsort(-priority[calls], kind="stable")]
                eligible = np.nonzero(speaks[:, li] & has & (c > 0))[0]
                who = _spread(len(calls), eligible, c, load, daily, tier)
                out[calls[: len(who)]] = who
                np.subtract.at(c, who, 1)
                np.add.at(load, who, 1)
        cap[:, k] = c
    return out


def _abilities(collectors: Collectors, languages: list[str], skills: list[str]) -> tuple[B, B]:
    """Per collector, whether they speak each of `languages` and have each of `skills`."""
    n_col = len(collectors.user_id)
    speaks = np.array([[lang in s for lang in languages] for s in collectors.languages], dtype=bool).reshape(
        n_col, len(languages)
    )
    has_skill = np.array([[sk in s for sk in skills] for s in collectors.skills], dtype=bool).reshape(
        n_col, len(skills)
    )
    return speaks, has_skill


def _keep_own(keep: I64, own: I64, priority: F64, c: I64, load: F64, out: I64) -> None:
    """Gives the calls `keep` to their case's own collector while the hour's capacity `c` lasts, the most
    valuable first; counts them into `c`, `load` and `out`."""
    if len(keep):
        rank = rank_within(own[keep], -priority[keep])  # best priority first
        kept = keep[rank < c[own[keep]]]
        out[kept] = own[kept]
        np.subtract.at(c, own[kept], 1)
        np.add.at(load, own[kept], 1)


def assign_visits(district: list[str | None], priority: F64, collectors: Collectors) -> I64:
    """Field collectors for visits, in equal shares, each share a run of districts; -1 without any."""
    field = np.array([j for j, s in enumerate(collectors.skills) if "field" in s], dtype=np.int64)
    m = len(district)
    out = np.full(m, -1, dtype=np.int64)
    if m == 0 or len(field) == 0:
        return out
    names = np.array([d or "" for d in district], dtype=object)
    order = np.lexsort((-priority, names.astype(str)))
    for chunk, j in zip(np.array_split(order, len(field)), field, strict=True):
        out[chunk] = j
    return out
