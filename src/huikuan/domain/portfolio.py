"""The portfolio as the daily plan reads it: the bundle of frames that storage/portfolio.py reads in bulk
and a service hands to the pure planner (strategy/features.py) and gate (strategy/gating.py), with the
codes its columns are written in and the schema of the COLLECTORS frame.

They live here, below both, because the reader writes them and the planner reads them; this is the one
module of the domain that uses Polars (the planner's frames are Polars frames).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import polars as pl

from huikuan.domain.enums import Channel, Outcome

QUARTER = 900  # seconds
QUARTERS_PER_DAY = 96

CHANNEL_CODES: dict[str, int] = {c.value: i + 1 for i, c in enumerate(Channel)}
OUTCOME_CODES: dict[str, int] = {o.value: i + 1 for i, o in enumerate(Outcome)}

# Debtor flags, packed into one integer by the cases query.
FLAG_BITS = {
    "cease": 1,
    "disputed": 2,
    "attorney": 4,
    "deceased": 8,
    "hardship": 16,
    "employer_prohibits": 32,
    "opted_out": 64,  # opt_out_channels is not an empty list
    "inconvenient": 128,  # inconvenient_times is not an empty list
    "bankruptcy": 256,
    "held": 512,  # an open hold the gate reads (table holds; a vulnerability is not one)
    "linked": 1024,  # the debtor is linked to a person placed by other creditors too (person_members)
}

# A collector's call minutes when nothing else is said: 6 hours of talk time in an 8-hour shift.
DEFAULT_MINUTES = 6 * 60

COLLECTORS_SCHEMA = {
    "user_id": pl.Int64,
    "languages": pl.List(pl.Utf8),
    "skills": pl.List(pl.Utf8),  # e.g. "field", "senior", "hardship"
    "minutes": pl.Int32,  # call minutes available today
}


@dataclass(frozen=True)
class Portfolio:
    """What the plan is made from, read once and shared by the features and the gate."""

    day: date
    now: datetime
    # One row per plannable case: ids, the debtor's facts, the creditor's zone and currency.
    cases: pl.DataFrame
    # One row per interaction of those cases: case_id, age (quarter hours before now), channel and
    # outcome codes (CHANNEL_CODES, OUTCOME_CODES), outbound, debtor (the party was the debtor).
    events: pl.DataFrame
    # The debtors' own phone numbers: debtor_id, value.
    phones: pl.DataFrame
    creditors: dict[int, dict[str, Any]]


__all__ = [
    "CHANNEL_CODES",
    "COLLECTORS_SCHEMA",
    "DEFAULT_MINUTES",
    "FLAG_BITS",
    "OUTCOME_CODES",
    "QUARTER",
    "QUARTERS_PER_DAY",
    "Portfolio",
]
