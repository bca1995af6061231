"""The day's grid: local hours as UTC instants per zone, collectors' calls per UTC hour."""

from __future__ import annotations

from datetime import UTC, date, datetime

import numpy as np

from huikuan.strategy.frames import read_cases
from huikuan.strategy.synthetic import collectors, inputs
from huikuan.strategy.timegrid import build_grid, local_hour_starts, mask_bit


def test_local_hours_are_utc_instants_of_the_zones_own_clock() -> None:
    shanghai = local_hour_starts("Asia/Shanghai", date(2026, 3, 2))
    urumqi = local_hour_starts("Asia/Urumqi", date(2026, 3, 2))
    assert datetime.fromtimestamp(int(shanghai[9]), UTC) == datetime(2026, 3, 2, 1, tzinfo=UTC)
    assert urumqi[9] - shanghai[9] == 2 * 3600


def test_each_collectors_minutes_are_spread_over_their_shift_in_whole_calls() -> None:
    inp = inputs(500, seed=1)
    cases = read_cases(inp.cases, inp.day)
    grid = build_grid(cases, collectors(4, field=1), inp.day, inp.now, 4.0, {})
    assert grid.call_cap.shape[0] == 5
    assert list(grid.call_cap.sum(axis=1)) == [100, 100, 100, 100, 0]
    # An 8-hour shift: 12 or 13 calls an hour, in the shift's hours only.
    early = grid.call_cap[0]
    assert set(early[early > 0]) <= {12, 13} and int((early > 0).sum()) == 8


def test_a_local_hour_maps_to_the_call_column_of_its_utc_hour_and_past_hours_to_none() -> None:
    inp = inputs(500, seed=1, now=datetime(2026, 3, 2, 3, 30, tzinfo=UTC))  # 11:30 in Shanghai
    cases = read_cases(inp.cases, inp.day)
    grid = build_grid(cases, inp.capacity.collectors, inp.day, inp.now, 4.0, {})
    row = grid.zone_names.index("Asia/Shanghai")
    assert grid.col_of[row, 11] == -1  # 11:00 started before the plan was made
    col = grid.col_of[row, 12]
    assert col >= 0 and grid.columns[col] == int(datetime(2026, 3, 2, 4, tzinfo=UTC).timestamp())
    assert grid.hour_of_col[row, col] == 12


def test_mask_bits_are_read_by_local_hour() -> None:
    masks = np.array([1 << 9, (1 << 24) - 1, 0], dtype=np.int64)
    hours = np.array([9, 23, 9], dtype=np.int64)
    assert list(mask_bit(masks, hours)) == [True, True, False]
    assert not mask_bit(np.array([-1], dtype=np.int64), np.array([24], dtype=np.int64))[0]
