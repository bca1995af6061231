"""Synthetic PlanInputs of any size, for tests and benchmarks (not a model of any real portfolio).

Masks are built as the cn pack would allow (08:00-21:00 local, fewer hours where a Xinjiang address makes
two zones plausible), with a few cases blocked by a named rule; answer histories are random.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import numpy as np
import polars as pl

from huikuan.strategy.api import (
    ALLOWED_SCHEMA,
    ANSWERS_SCHEMA,
    CASES_SCHEMA,
    COLLECTORS_SCHEMA,
    Capacity,
    PlanInputs,
)
from huikuan.strategy.frames import schema

DAY = date(2026, 3, 2)  # a Monday
NOW = datetime(2026, 3, 1, 23, 0, tzinfo=UTC)  # 07:00 in Shanghai
PRODUCTS = ("credit_card", "consumer_loan", "microloan")
CHANNELS = ("call", "sms", "email", "wechat", "letter", "visit")


def hours_mask(first: int, last: int) -> int:
    """Mask of local hours first..last inclusive."""
    return sum(1 << h for h in range(first, last + 1))


def collectors(
    n: int = 12, bilingual: int = 1, english: int = 0, field: int = 2, minutes: int = 400, day: date = DAY
) -> pl.DataFrame:
    """Phone collectors in two shifts (09-17 and 13-21 Shanghai time) and field collectors."""
    rows = []
    for j in range(n):
        langs = ["zh", "en"] if j < bilingual else (["en"] if j < bilingual + english else ["zh"])
        skills = ["hardship"] if j % 6 == 2 else (["senior"] if j % 6 == 4 else [])
        early = j % 2 == 0
        start = datetime(day.year, day.month, day.day, 1 if early else 5, tzinfo=UTC)  # 09:00 / 13:00 +08
        end = datetime(day.year, day.month, day.day, 9 if early else 13, tzinfo=UTC)
        rows.append((100 + j, langs, skills, minutes, start, end))
    for j in range(field):
        start = datetime(day.year, day.month, day.day, 1, tzinfo=UTC)
        end = datetime(day.year, day.month, day.day, 10, tzinfo=UTC)
        rows.append((900 + j, ["zh"], ["field"], 0, start, end))
    frame = pl.DataFrame(
        rows,
        schema=pl.Schema(
            {
                **schema(COLLECTORS_SCHEMA),
                "shift_start": pl.Datetime("us", "UTC"),
                "shift_end": pl.Datetime("us", "UTC"),
            }
        ),
        orient="row",
    )
    return frame


def inputs(
    n: int,
    seed: int = 0,
    n_collectors: int | None = None,
    history: float = 3.0,
    day: date = DAY,
    now: datetime = NOW,
) -> PlanInputs:
    # Long because it draws one synthetic portfolio from one random generator: the order of the draws fixes
    # every seed's data (tests and benchmarks rely on it), so a split would only scatter that sequence.
    rng = np.random.default_rng(seed)
    ids = np.arange(1, n + 1, dtype=np.int64)
    xinjiang = rng.random(n) < 0.05
    stage = rng.random(n)
    dpd = np.where(
        stage < 0.3,
        rng.integers(1, 31, n),
        np.where(stage < 0.7, rng.integers(31, 91, n), rng.integers(91, 721, n)),
    )
    assessed = rng.random(n) < 0.3
    open_promise = rng.random(n) < 0.05
    cases = (
        pl.DataFrame(
            {
                "case_id": ids,
                "debtor_id": ids + 1_000_000,
                "creditor_id": np.ones(n, dtype=np.int64),
                "currency": ["CNY"] * n,
                "balance": np.round(rng.lognormal(np.log(8000_00), 0.9, n)).astype(np.int64),
                "dpd": dpd.astype(np.int32),
                "product": rng.choice(PRODUCTS, n),
                "language": np.where(rng.random(n) < 0.95, "zh", "en"),
                "time_zone": np.where(xinjiang & (rng.random(n) < 0.5), "Asia/Urumqi", "Asia/Shanghai"),
                "assigned_user_id": np.where(rng.random(n) < 0.7, 100 + rng.integers(0, 12, n), -1),
                "attempts_30d": rng.poisson(2, n).astype(np.int32),
                "rpc_30d": rng.poisson(0.4, n).astype(np.int32),
                "contacts_total": rng.poisson(6, n).astype(np.int32),
                "days_since_contact": np.where(rng.random(n) < 0.6, rng.integers(0, 60, n), -1).astype(
                    np.int32
                ),
                "promises_made": rng.poisson(0.5, n).astype(np.int32),
                "promises_kept": rng.poisson(0.25, n).astype(np.int32),
                "promises_broken": rng.poisson(0.2, n).astype(np.int32),
                "open_promise": open_promise,
                "payments_90d": rng.poisson(0.3, n).astype(np.int32),
                "paid_90d": (rng.poisson(0.3, n) * 50000).astype(np.int64),
                "hardship": rng.random(n) < 0.05,
                "disputed": rng.random(n) < 0.01,
                "has_mobile": rng.random(n) < 0.95,
                "has_email": rng.random(n) < 0.3,
                "has_wechat": rng.random(n) < 0.6,
                "has_address": rng.random(n) < 0.85,
                "district": rng.choice([f"D{i:02d}" for i in range(20)], n),
                "ability": np.where(assessed, rng.random(n), np.nan),
                "willingness": np.where(assessed, rng.random(n), np.nan),
            }
        )
        .with_columns(
            pl.when(pl.col("assigned_user_id") >= 0).then(pl.col("assigned_user_id")).otherwise(None),
            pl.when(pl.col("days_since_contact") >= 0).then(pl.col("days_since_contact")).otherwise(None),
            pl.col("ability").fill_nan(None),
            pl.col("willingness").fill_nan(None),
        )
        .cast(schema(CASES_SCHEMA))
    )

    full = hours_mask(8, 20)  # 08:00-20:59 are whole hours inside 08:00-21:00
    narrow = hours_mask(10, 20)
    base = np.where(xinjiang, narrow, full)
    disputed = cases["disputed"].to_numpy()
    blocked = rng.random(n) < 0.02
    frames = []
    for ch in CHANNELS:
        mask = np.where(disputed | blocked, 0, base)
        rule = pl.Series(np.where(disputed, "dispute", np.where(blocked, "contact-hours", ""))).replace(
            "", None
        )
        frames.append(pl.DataFrame({"case_id": ids, "action": [ch] * n, "hour_mask": mask, "rule": rule}))
    allowed = pl.concat(frames).cast(schema(ALLOWED_SCHEMA))

    k = int(n * history)
    debtor = rng.integers(0, n, k) + 1_000_001
    how = rng.integers(0, 7, k) * 24 + rng.integers(8, 21, k)
    att = rng.integers(1, 4, k)
    rate = 0.1 + 0.2 * ((how % 24) >= 17)
    answers = (
        pl.DataFrame(
            {"debtor_id": debtor, "hour_of_week": how, "attempts": att, "answers": rng.binomial(att, rate)}
        )
        .group_by("debtor_id", "hour_of_week")
        .agg(pl.col("attempts").sum(), pl.col("answers").sum())
        .cast(schema(ANSWERS_SCHEMA))
    )
    team = n_collectors if n_collectors is not None else max(2, n // 800)
    cap = Capacity(
        collectors=collectors(team, bilingual=max(1, team // 12), field=max(1, team // 6), day=day),
        visits=max(1, n // 1000),
        sms=n // 5,
        email=n // 10,
        wechat=n // 7,
        letters=n // 100,
        minutes_per_call=4.0,
    )
    return PlanInputs(day=day, now=now, cases=cases, answers=answers, allowed=allowed, capacity=cap)
