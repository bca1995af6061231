"""When things happen within the simulated day: the local hour of an instant in its zone, and the queue
that gives each collector's calls or visits their instants within the shift."""

from __future__ import annotations

import numpy as np


def local_hour(table: np.ndarray, zone_of: np.ndarray, at: np.ndarray) -> np.ndarray:
    """The local hour (0..23) of each instant in its zone's day; -1 before the day, 24 after it."""
    starts = table[zone_of]  # (m, 24)
    hour = (starts <= at[:, None]).sum(axis=1) - 1
    after = at >= starts[:, 23] + 3600
    return np.where(after, 24, hour).astype(np.int64)


def queue(
    slot: np.ndarray,
    col: np.ndarray,
    start: np.ndarray,
    end: np.ndarray,
    limit: np.ndarray,
    step: int,
    duration: int | None = None,
) -> np.ndarray:
    """When each job is done by its worker: in slot order, one every `step` seconds, from the later of
    its slot and the worker's last job; -1 where it would not end (`duration`) within the worker's
    shift, or beyond the worker's daily limit."""
    out = np.full(len(slot), -1, dtype=np.int64)
    if len(slot) == 0:
        return out
    order = np.lexsort((slot, col))
    c, s = col[order], slot[order]
    first = np.r_[0, np.nonzero(np.diff(c))[0] + 1]
    k = np.arange(len(c)) - np.repeat(first, np.diff(np.r_[first, len(c)]))
    base = int(start.min())
    s = np.maximum(s, start[c]) - base
    group = np.cumsum(np.r_[1, np.diff(c) != 0]) - 1
    big = 10**9
    adj = s - k * step + group * big
    t = np.maximum.accumulate(adj) - group * big + k * step + base
    fits = (t + (step if duration is None else duration) <= end[c]) & (k < limit[c])
    out[order[fits]] = t[fits]
    return out
