"""When things can happen on the plan's day: each zone's local hours as UTC instants, and the collectors'
call capacity per UTC hour ("bucket").

Hours of a case are in the party's local time (the `allowed` masks are); capacity is in UTC hours,
because a floor of collectors in one zone calls parties in several. A call column is one UTC hour in
which some collector works; a local hour of a zone falls in at most one column.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import polars as pl

from huikuan.errors import InvalidInput
from huikuan.strategy.frames import F64, I64, Cases

HOUR = 3600
DEFAULT_SHIFT = (9, 21)  # local hours of the floor when collectors carry no shift columns


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInput("time zone {name!r} is not known", name=name) from exc


def local_hour_starts(zone: str, day: date) -> I64:
    """Epoch seconds at which each local hour 0..23 of `day` begins in `zone`."""
    tz = _zone(zone)
    return np.array(
        [int(datetime(day.year, day.month, day.day, h, tzinfo=tz).timestamp()) for h in range(24)],
        dtype=np.int64,
    )


@dataclass(frozen=True)
class Collectors:
    user_id: I64
    languages: list[frozenset[str]]
    skills: list[frozenset[str]]
    minutes: F64
    shift_start: I64  # epoch seconds
    shift_end: I64


@dataclass(frozen=True)
class Grid:
    day: date
    now: int
    zone_names: list[str]  # cases' zones, then the fallback zone for cases without one
    zone_row: I64  # per case: row of `starts` (the fallback row for a null zone)
    starts: I64  # (zones, 24) epoch seconds of each local hour
    columns: I64  # epoch seconds of each call column's UTC hour, ascending
    col_of: I64  # (zones, 24) call column of each local hour, -1 if none or already past
    hour_of_col: I64  # (zones, columns) local hour in each call column, -1 if none
    collectors: Collectors
    call_cap: I64  # (collectors, columns) calls each collector can place in each column
    visit_ok: np.ndarray  # (zones, 24) bool: a field collector's shift holds the whole local hour

    @property
    def n_columns(self) -> int:
        return len(self.columns)


def read_collectors(frame: pl.DataFrame, day: date, params: dict[str, Any], fallback_zone: str) -> Collectors:
    need = ("user_id", "languages", "skills", "minutes")
    missing = [c for c in need if c not in frame.columns]
    if missing:
        raise InvalidInput("collectors: missing column {column}", column=missing[0])
    n = frame.height
    if "shift_start" in frame.columns and "shift_end" in frame.columns:
        start = frame["shift_start"].cast(pl.Datetime("us", "UTC")).dt.epoch("s").to_numpy()
        end = frame["shift_end"].cast(pl.Datetime("us", "UTC")).dt.epoch("s").to_numpy()
        starts = np.asarray(start, dtype=np.int64)
        ends = np.asarray(end, dtype=np.int64)
    else:
        zone = str(params.get("floor_zone", fallback_zone))
        lo, hi = params.get("shift", DEFAULT_SHIFT)
        hours = local_hour_starts(zone, day)
        s = int(hours[int(lo)])
        e = int(hours[int(hi)]) if int(hi) < 24 else int(hours[23]) + HOUR
        starts = np.full(n, s, dtype=np.int64)
        ends = np.full(n, e, dtype=np.int64)
    return Collectors(
        user_id=frame["user_id"].cast(pl.Int64).to_numpy().astype(np.int64),
        languages=[frozenset(x or ()) for x in frame["languages"].to_list()],
        skills=[frozenset(x or ()) for x in frame["skills"].to_list()],
        minutes=frame["minutes"].cast(pl.Float64).fill_null(0.0).to_numpy().astype(np.float64),
        shift_start=starts,
        shift_end=np.maximum(ends, starts),
    )


def fallback_zone(cases: Cases, params: dict[str, Any]) -> str:
    if "default_zone" in params:
        return str(params["default_zone"])
    known = cases.zone[cases.zone >= 0]
    if len(known) == 0:
        return "UTC"
    return cases.zones[int(np.argmax(np.bincount(known)))]


def build_grid(
    cases: Cases,
    collectors_frame: pl.DataFrame,
    day: date,
    now: datetime,
    minutes_per_call: float,
    params: dict[str, Any],
) -> Grid:
    fallback = fallback_zone(cases, params)
    zone_names = [*cases.zones, fallback]
    zone_row = np.where(cases.zone >= 0, cases.zone, len(cases.zones)).astype(np.int64)
    starts = np.stack([local_hour_starts(z, day) for z in zone_names])
    now_s = int(now.astimezone(UTC).timestamp())
    col = read_collectors(collectors_frame, day, params, fallback)

    # Columns: every UTC hour some collector with minutes works in.
    working = col.minutes > 0
    if working.any():
        t0 = int(col.shift_start[working].min()) // HOUR * HOUR
        t1 = -(-int(col.shift_end[working].max()) // HOUR) * HOUR
        buckets = np.arange(t0, max(t1, t0), HOUR, dtype=np.int64)
    else:
        buckets = np.zeros(0, dtype=np.int64)
    # Each collector's minutes spread over the shift, in whole calls per bucket (cumulative floor).
    call_cap = np.zeros((len(col.user_id), len(buckets)), dtype=np.int64)
    if len(buckets):
        lo = np.maximum(buckets[None, :], col.shift_start[:, None])
        hi = np.minimum(buckets[None, :] + HOUR, col.shift_end[:, None])
        overlap = np.clip(hi - lo, 0, None).astype(np.float64)
        length = np.maximum(col.shift_end - col.shift_start, 1).astype(np.float64)
        minutes = col.minutes[:, None] * overlap / length[:, None]
        calls = np.floor(np.cumsum(minutes, axis=1) / max(minutes_per_call, 1e-9) + 1e-9)
        call_cap = np.diff(np.concatenate([np.zeros((len(col.user_id), 1)), calls], axis=1), axis=1).astype(
            np.int64
        )
    keep = call_cap.sum(axis=0) > 0
    columns = buckets[keep]
    call_cap = call_cap[:, keep]

    col_of = np.full(starts.shape, -1, dtype=np.int64)
    hour_of_col = np.full((len(zone_names), len(columns)), -1, dtype=np.int64)
    if len(columns):
        pos = np.searchsorted(columns, starts, side="right") - 1
        inside = (pos >= 0) & (starts < columns[np.clip(pos, 0, None)] + HOUR) & (starts >= now_s)
        col_of = np.where(inside, pos, -1)
        zs, hs = np.nonzero(col_of >= 0)
        hour_of_col[zs, col_of[zs, hs]] = hs
    field = np.array(["field" in sk for sk in col.skills], dtype=bool)
    visit_ok = np.zeros(starts.shape, dtype=bool)
    for j in np.nonzero(field)[0]:
        visit_ok |= (starts >= col.shift_start[j]) & (starts + HOUR <= col.shift_end[j])
    visit_ok &= starts >= now_s
    return Grid(
        day, now_s, zone_names, zone_row, starts, columns, col_of, hour_of_col, col, call_cap, visit_ok
    )


def mask_bit(masks: I64, hours: I64) -> np.ndarray[Any, np.dtype[np.bool_]]:
    """Whether local hour `hours` (broadcast) is set in each mask; False for hours outside 0..23."""
    inside = (hours >= 0) & (hours < 24)
    h = np.clip(hours, 0, 23)
    return np.asarray(inside & (((masks >> h) & 1) == 1), dtype=np.bool_)
