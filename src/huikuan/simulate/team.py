"""The simulated floor's team for a day: phone collectors in early and late shifts, then field collectors,
with their languages, skills, daily minutes and shift instants."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import polars as pl

from huikuan.simulate.scenario import Scenario
from huikuan.strategy.api import COLLECTORS_SCHEMA
from huikuan.strategy.frames import schema
from huikuan.strategy.timegrid import local_hour_starts


@dataclass
class Team:
    frame: pl.DataFrame  # COLLECTORS_SCHEMA + shift_start / shift_end for the day
    user_id: np.ndarray
    languages: list[frozenset[str]]
    skills: list[frozenset[str]]
    minutes: np.ndarray
    shift_start: np.ndarray  # epoch seconds
    shift_end: np.ndarray


def build_team(sc: Scenario, languages: list[str], day: date) -> Team:
    """Phone collectors in alternating early and late shifts, then field collectors."""
    zone = sc.s("scenario.floor_zone")
    hours = local_hour_starts(zone, day)
    n = sc.i("team.collectors")
    first, second = languages[0], (languages[1] if len(languages) > 1 else languages[0])
    bi, only2 = sc.i("team.bilingual"), sc.i("team.second_language_only")
    n_hard, n_senior = sc.i("team.hardship"), sc.i("team.senior")
    length = sc.i("team.shift_hours") * 3600
    rows: list[tuple[Any, ...]] = []
    for j in range(n):
        langs = [first, second] if j < bi else ([second] if j < bi + only2 else [first])
        skills: list[str] = []
        # Skills spread over both shifts: hardship on the first collectors after the language ones.
        k = (j - bi - only2) % max(n, 1)
        if k < n_hard:
            skills.append("hardship")
        elif k < n_hard + n_senior:
            skills.append("senior")
        start_hour = sc.i("team.early_shift") if j % 2 == 0 else sc.i("team.late_shift")
        start = int(hours[min(start_hour, 23)])
        rows.append((100 + j, sorted(set(langs)), skills, sc.i("team.minutes"), start, start + length))
    for j in range(sc.i("team.field")):
        start = int(hours[min(sc.i("team.early_shift"), 23)])
        rows.append((900 + j, [first], ["field"], 0, start, start + length))
    columns = pl.Schema({**schema(COLLECTORS_SCHEMA), "shift_start": pl.Int64(), "shift_end": pl.Int64()})
    frame = pl.DataFrame(rows, schema=columns, orient="row").with_columns(
        (pl.col("shift_start") * 1_000_000).cast(pl.Datetime("us", "UTC")),
        (pl.col("shift_end") * 1_000_000).cast(pl.Datetime("us", "UTC")),
    )
    return Team(
        frame=frame,
        user_id=np.array([r[0] for r in rows], dtype=np.int64),
        languages=[frozenset(r[1]) for r in rows],
        skills=[frozenset(r[2]) for r in rows],
        minutes=np.array([r[3] for r in rows], dtype=np.float64),
        shift_start=np.array([r[4] for r in rows], dtype=np.int64),
        shift_end=np.array([r[5] for r in rows], dtype=np.int64),
    )
