"""The simulated portfolio's state, one array per fact over the debtors, and the planner's input frames
(cases and answer history) read from it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import polars as pl

from huikuan.simulate.population import Population
from huikuan.strategy.api import ANSWERS_SCHEMA, CASES_SCHEMA
from huikuan.strategy.frames import schema

NEVER = -10_000


@dataclass
class State:
    n: int
    balance: np.ndarray
    dpd: np.ndarray
    disputed_until: np.ndarray
    complaints: np.ndarray
    promise_open: np.ndarray
    promise_amount: np.ndarray
    promise_due: np.ndarray
    promise_keep: np.ndarray
    promise_plan_left: np.ndarray
    promise_reminded: np.ndarray
    promises_made: np.ndarray
    promises_kept: np.ndarray
    promises_broken: np.ndarray
    last_rpc: np.ndarray
    last_refusal: np.ndarray
    last_attempt: np.ndarray
    last_message: np.ndarray
    last_letter: np.ndarray
    contacts_total: np.ndarray
    attempts30: np.ndarray  # (30, n)
    rpc30: np.ndarray
    contacts7: np.ndarray  # (7, n)
    reads7: np.ndarray
    paid90: np.ndarray  # (90, n) amounts
    assessed_ability: np.ndarray
    assessed_willingness: np.ndarray
    hardship: np.ndarray
    scheduled_day: np.ndarray
    scheduled_amount: np.ndarray
    att_how: np.ndarray  # (n, 168)
    ans_how: np.ndarray
    assigned: np.ndarray

    @classmethod
    def new(cls, pop: Population) -> State:
        n = pop.n
        z = np.zeros(n, dtype=np.int64)
        return cls(
            n=n,
            balance=pop.balance.copy(),
            dpd=pop.dpd.copy(),
            disputed_until=np.full(n, NEVER),
            complaints=z.copy(),
            promise_open=np.zeros(n, dtype=bool),
            promise_amount=z.copy(),
            promise_due=np.full(n, NEVER),
            promise_keep=np.zeros(n),
            promise_plan_left=z.copy(),
            promise_reminded=np.zeros(n, dtype=bool),
            promises_made=z.copy(),
            promises_kept=z.copy(),
            promises_broken=z.copy(),
            last_rpc=np.full(n, NEVER),
            last_refusal=np.full(n, NEVER),
            last_attempt=np.full(n, NEVER),
            last_message=np.full(n, NEVER),
            last_letter=np.full(n, NEVER),
            contacts_total=z.copy(),
            attempts30=np.zeros((30, n), dtype=np.int16),
            rpc30=np.zeros((30, n), dtype=np.int16),
            contacts7=np.zeros((7, n), dtype=np.int16),
            reads7=np.zeros((7, n), dtype=np.int16),
            paid90=np.zeros((90, n), dtype=np.int64),
            assessed_ability=np.full(n, np.nan),
            assessed_willingness=np.full(n, np.nan),
            hardship=np.zeros(n, dtype=bool),
            scheduled_day=np.full(n, NEVER),
            scheduled_amount=z.copy(),
            att_how=np.zeros((n, 168), dtype=np.int32),
            ans_how=np.zeros((n, 168), dtype=np.int32),
            assigned=np.full(n, -1, dtype=np.int64),
        )


def days_since(d: int, last: np.ndarray) -> pl.Series:
    out = d - last
    return pl.Series(np.where(last > NEVER, out, -1)).cast(pl.Int32).replace(-1, None)


def cases_frame(
    state: State, pop: Population, currency: str, d: int, day: date, rows: np.ndarray
) -> pl.DataFrame:
    """The planner's cases frame (CASES_SCHEMA and the promise and recency columns) for the open rows."""
    s = state
    attempts = s.attempts30.sum(axis=0)
    rpc = s.rpc30.sum(axis=0)
    paid = s.paid90.sum(axis=0)
    payments = (s.paid90 > 0).sum(axis=0)
    due = np.where(s.promise_open, s.promise_due - d, 0)
    frame = pl.DataFrame(
        {
            "case_id": pop.case_id[rows],
            "debtor_id": pop.case_id[rows],
            "creditor_id": np.ones(len(rows), dtype=np.int64),
            "currency": [currency] * len(rows),
            "balance": s.balance[rows],
            "dpd": s.dpd[rows],
            "product": np.asarray(pop.products)[pop.product[rows]],
            "language": np.asarray(pop.languages)[pop.language[rows]],
            "time_zone": np.asarray(pop.zones)[pop.zone[rows]],
            "assigned_user_id": pl.Series(s.assigned[rows]).replace(-1, None),
            "attempts_30d": attempts[rows],
            "rpc_30d": rpc[rows],
            "contacts_total": s.contacts_total[rows],
            "days_since_contact": days_since(d, s.last_rpc[rows]),
            "promises_made": s.promises_made[rows],
            "promises_kept": s.promises_kept[rows],
            "promises_broken": s.promises_broken[rows],
            "open_promise": s.promise_open[rows],
            "payments_90d": payments[rows],
            "paid_90d": paid[rows],
            "hardship": s.hardship[rows],
            "disputed": s.disputed_until[rows] > d,
            "has_mobile": pop.has_mobile[rows],
            "has_email": pop.has_email[rows],
            "has_wechat": pop.has_wechat[rows],
            "has_address": pop.has_address[rows],
            "district": np.asarray(pop.district)[rows],
            "ability": pl.Series(s.assessed_ability[rows]).fill_nan(None),
            "willingness": pl.Series(s.assessed_willingness[rows]).fill_nan(None),
        }
    ).cast(schema(CASES_SCHEMA))
    extra = pl.DataFrame(
        {
            "promise_due": pl.Series([day + timedelta(days=int(x)) for x in due[rows]], dtype=pl.Date),
            "promise_amount": s.promise_amount[rows],
            "days_since_message": days_since(d, np.maximum(s.last_message, s.last_letter)[rows]),
            "days_since_attempt": days_since(d, s.last_attempt[rows]),
            "contacts_7d": s.contacts7.sum(axis=0)[rows].astype(np.int32),
        }
    ).with_columns(
        pl.when(pl.Series(s.promise_open[rows])).then(pl.col("promise_due")).otherwise(None),
        pl.when(pl.Series(s.promise_open[rows])).then(pl.col("promise_amount")).otherwise(None),
    )
    return pl.concat([frame, extra], how="horizontal")


def answers_frame(state: State, pop: Population) -> pl.DataFrame:
    """The answer history by hour of week (ANSWERS_SCHEMA) of every debtor called so far."""
    s = state
    i, h = np.nonzero(s.att_how)
    return pl.DataFrame(
        {
            "debtor_id": pop.case_id[i],
            "hour_of_week": h,
            "attempts": s.att_how[i, h],
            "answers": s.ans_how[i, h],
        }
    ).cast(schema(ANSWERS_SCHEMA))
