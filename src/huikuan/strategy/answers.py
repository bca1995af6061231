"""P(the party answers | a call at local hour h of the plan's day): Beta-binomial estimates, shrunk in levels.

    portfolio rate  p      = (A + k_rate * prior) / (N + k_rate)
    hour of day     P_t    = (A_t + k_hod * p) / (N_t + k_hod)                 t = hour of day (0..23)
    hour of week    P_h    = (A_h + k_how * P_t(h)) / (N_h + k_how)            h = hour of week (0..167)
    debtor scale    s_d    = (A_d + k_debtor) / (E_d + k_debtor)               E = attempts x P_h (expected)
    debtor x hour   s_dt   = (A_dt + k_debtor_hour * s_d) / (E_dt + k_debtor_hour)
    cell            p_dh   = (a_dh + k_cell * P_h * s_dt) / (n_dh + k_cell)

Each line is the posterior mean of a Beta (or Gamma, for the ratios) whose prior mean is the line above
and whose weight is k pseudo-attempts (or pseudo-answers). A debtor with no history gets exactly the
portfolio's curve; their own attempts pull each estimate toward their observed rate, first through their
overall scale, then through their hour-of-day pattern (shared across weekdays), then cell by cell.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl
from numpy.typing import NDArray

from huikuan.strategy.frames import F64, I64


@dataclass(frozen=True)
class AnswerPriors:
    # With no data at all: the low end of the 20-26% right-party-contact rate of early-stage calling
    # (calibration.md, contact-centre surveys); the data replace it within a few hundred attempts.
    rate: float = 0.20
    k_rate: float = 50.0
    k_hour_of_day: float = 200.0
    k_hour_of_week: float = 200.0
    k_debtor: float = 2.0
    k_debtor_hour: float = 1.5
    k_cell: float = 3.0
    floor: float = 0.002
    ceiling: float = 0.95


@dataclass(frozen=True)
class AnswerCurves:
    portfolio_week: F64  # (168,) P_h
    portfolio_day: F64  # (24,) P_t
    rate: float
    today: NDArray[np.float32]  # (n, 24) per case, local hours of the plan's day


def estimate(
    answers: pl.DataFrame, debtor_id: I64, weekday: int, priors: AnswerPriors | None = None
) -> AnswerCurves:
    """Curves for each case's debtor on a day whose local weekday is `weekday` (0 = Monday)."""
    pri = priors or AnswerPriors()
    a = answers.select(
        pl.col("debtor_id").cast(pl.Int64),
        pl.col("hour_of_week").cast(pl.Int64),
        pl.col("attempts").cast(pl.Float64).fill_null(0.0),
        pl.col("answers").cast(pl.Float64).fill_null(0.0),
    ).filter((pl.col("hour_of_week") >= 0) & (pl.col("hour_of_week") < 168) & (pl.col("attempts") > 0))
    a = a.with_columns(pl.min_horizontal("answers", "attempts").alias("answers"))

    how = a["hour_of_week"].to_numpy()
    n_h = np.bincount(how, weights=a["attempts"].to_numpy(), minlength=168)
    a_h = np.bincount(how, weights=a["answers"].to_numpy(), minlength=168)
    rate = (a_h.sum() + pri.k_rate * pri.rate) / (n_h.sum() + pri.k_rate)
    n_t = n_h.reshape(7, 24).sum(axis=0)
    a_t = a_h.reshape(7, 24).sum(axis=0)
    p_t = (a_t + pri.k_hour_of_day * rate) / (n_t + pri.k_hour_of_day)
    p_h = (a_h + pri.k_hour_of_week * np.tile(p_t, 7)) / (n_h + pri.k_hour_of_week)

    today_hours = np.arange(24) + 24 * weekday
    base = p_h[today_hours]  # (24,)
    n = len(debtor_id)
    if n == 0:
        return AnswerCurves(p_h, p_t, float(rate), np.zeros((0, 24), dtype=np.float32))

    # Each answers row's debtor among the cases' unique debtors (a case per debtor is usual: then the
    # rows are the cases' own and no gather is needed at the end).
    order = np.argsort(debtor_id, kind="stable")
    sorted_ids = debtor_id[order]
    unique_ids = bool(n < 2 or np.all(sorted_ids[1:] != sorted_ids[:-1]))
    if unique_ids:
        m, keys = n, debtor_id
    else:
        keys, inverse = np.unique(debtor_id, return_inverse=True)
        m = len(keys)
    index = pl.DataFrame({"debtor_id": keys, "_u": np.arange(m, dtype=np.int64)})
    mine = a.join(index, on="debtor_id").with_columns(
        (pl.col("attempts") * pl.lit(pl.Series(p_h)).gather(pl.col("hour_of_week"))).alias("_e"),
        (pl.col("hour_of_week") % 24).alias("_t"),
        (pl.col("hour_of_week") // 24 == weekday).alias("_today"),
    )
    out = np.empty((m, 24), dtype=np.float32)
    if mine.height == 0:
        out[:] = base[None, :]
    else:
        _shrunk(mine, base, m, pri, out)
    if not unique_ids:
        out = out[inverse]
    np.clip(out, pri.floor, pri.ceiling, out=out)
    return AnswerCurves(p_h, p_t, float(rate), out)


def _shrunk(mine: pl.DataFrame, base: F64, m: int, pri: AnswerPriors, out: NDArray[np.float32]) -> None:
    """Writes into `out` each debtor's curve: the base curve scaled by the debtor's own answers, then per
    hour of the day by the debtor's answers in it, each shrunk toward the level above."""
    per_debtor = mine.group_by("_u").agg(pl.col("answers").sum(), pl.col("_e").sum())
    s_d = np.ones(m)
    du = per_debtor["_u"].to_numpy()
    s_d[du] = (per_debtor["answers"].to_numpy() + pri.k_debtor) / (per_debtor["_e"].to_numpy() + pri.k_debtor)
    # Without data in an hour of the day, s_dt = s_d: the debtor's overall scale.
    np.multiply(base[None, :].astype(np.float32), s_d[:, None].astype(np.float32), out=out)
    pairs = mine.group_by("_u", "_t").agg(
        pl.col("answers").sum().alias("a"),
        pl.col("_e").sum().alias("e"),
        pl.col("attempts").filter(pl.col("_today")).sum().alias("n_cell"),
        pl.col("answers").filter(pl.col("_today")).sum().alias("a_cell"),
    )
    pu = pairs["_u"].to_numpy()
    pt = pairs["_t"].to_numpy()
    s_dt = (pairs["a"].to_numpy() + pri.k_debtor_hour * s_d[pu]) / (pairs["e"].to_numpy() + pri.k_debtor_hour)
    prior = np.clip(base[pt] * s_dt, pri.floor, pri.ceiling)
    cell = (pairs["a_cell"].to_numpy() + pri.k_cell * prior) / (pairs["n_cell"].to_numpy() + pri.k_cell)
    out[pu, pt] = cell
