"""P(the party answers | a call at local hour h of the plan's day): Beta-binomial estimates, shrunk in levels.

    portfolio rate  p      = (A + k_rate * prior) / (N + k_rate)
    hour of day     P_t    = (A_t + k_hod * p) / (N_t + k_hod)                 t = hour of day (0..23)
    hour of week    P_h    = (A_h + k_how * P_t(h)) / (N_h + k_how)            h = hour of week (0..167)
    debtor scale    s_d    = (A_d + k_debtor) / (E_d + k_debtor)               E = attempts x P_h, expected answers
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
    today: F64  # (n, 24) per case, local hours of the plan's day


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
        return AnswerCurves(p_h, p_t, float(rate), np.zeros((0, 24)))

    # The unique debtors of the cases, and each case's row among them.
    uniq, inverse = np.unique(debtor_id, return_inverse=True)
    m = len(uniq)
    mine = a.join(pl.DataFrame({"debtor_id": uniq, "_u": np.arange(m, dtype=np.int64)}), on="debtor_id")
    if mine.height == 0:
        cell = np.broadcast_to(base, (m, 24))
    else:
        u = mine["_u"].to_numpy()
        h = mine["hour_of_week"].to_numpy()
        att = mine["attempts"].to_numpy()
        ans = mine["answers"].to_numpy()
        expected = att * p_h[h]
        a_d = np.bincount(u, weights=ans, minlength=m)
        e_d = np.bincount(u, weights=expected, minlength=m)
        s_d = (a_d + pri.k_debtor) / (e_d + pri.k_debtor)
        t = h % 24
        flat = u * 24 + t
        a_dt = np.bincount(flat, weights=ans, minlength=m * 24).reshape(m, 24)
        e_dt = np.bincount(flat, weights=expected, minlength=m * 24).reshape(m, 24)
        s_dt = (a_dt + pri.k_debtor_hour * s_d[:, None]) / (e_dt + pri.k_debtor_hour)
        today = h // 24 == weekday
        n_cell = np.zeros((m, 24))
        a_cell = np.zeros((m, 24))
        np.add.at(n_cell, (u[today], t[today]), att[today])
        np.add.at(a_cell, (u[today], t[today]), ans[today])
        prior = np.clip(base[None, :] * s_dt, pri.floor, pri.ceiling)
        cell = (a_cell + pri.k_cell * prior) / (n_cell + pri.k_cell)
    out = np.clip(np.asarray(cell)[inverse], pri.floor, pri.ceiling)
    return AnswerCurves(p_h, p_t, float(rate), out)
