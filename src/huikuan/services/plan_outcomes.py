"""What the daily plans did: each planned case followed to whether it paid within 30 days (the payment
model's training rows, `stored_outcomes`), and each strategy's recoveries with their confidence interval
(`strategy_results`, `huikuan plan results`: champion against challenger)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import polars as pl
from sqlalchemy import Connection, func, select

from huikuan.domain.days import day_start
from huikuan.services.clock import floor_zone
from huikuan.storage import tables as t
from huikuan.storage.bulk import read_frame
from huikuan.storage.uow import UnitOfWork
from huikuan.strategy.champion import report
from huikuan.strategy.payment import OUTCOMES_SCHEMA

# Outcomes older than this are not read: the floor and its debtors change.
OUTCOME_WINDOW_DAYS = 180
OUTCOME_SAMPLE = 30_000


def stored_outcomes(uow: UnitOfWork, day: date) -> pl.DataFrame:
    """What earlier plans did and whether the case paid within 30 days after (OUTCOMES_SCHEMA), a payment
    counting on the floor's day it was made.

    Only plan days at least 30 days before `day` count (their outcome is known); a random sample keeps
    the read small. The planner trains its payment model on these when there are enough of them, and
    keeps its documented prior otherwise (docs/planning.md).
    """
    a, pay = t.accounts.c, t.payments.c
    conn = uow.session.connection()
    plans = _sampled_plans(conn, day)
    schema: Any = OUTCOMES_SCHEMA
    if plans.height == 0:
        return pl.DataFrame(schema=schema)
    ids = plans["case_id"].unique().to_list()
    overdue = read_frame(
        conn,
        select(a.case_id, func.min(a.overdue_since)).where(a.case_id.in_(ids)).group_by(a.case_id),
        {"case_id": pl.Int64, "overdue_since": pl.Date},
    )
    paid = read_frame(
        conn,
        select(a.case_id, pay.paid_at)
        .join(t.payments, pay.account_id == a.id)
        .where(a.case_id.in_(ids), pay.status == "posted"),  # a payment reversed since paid nothing
        {"case_id": pl.Int64, "paid_at": pl.Datetime("us", "UTC")},
    ).with_columns(pl.col("paid_at").dt.convert_time_zone(floor_zone()).dt.date().alias("paid_on"))
    hits = _paid_within_30_days(plans, paid)
    return (
        plans.join(overdue, on="case_id", how="left")
        .join(hits, on=["case_id", "plan_date"], how="left")
        .select(
            "case_id",
            "action",
            "p_prior",
            ((pl.col("plan_date") - pl.col("overdue_since")).dt.total_days().fill_null(0).clip(0))
            .cast(pl.Int32)
            .alias("dpd"),
            "segment",
            pl.col("paid_30d").fill_null(False),
        )
        .cast(schema)
    )


def _sampled_plans(conn: Connection, day: date) -> pl.DataFrame:
    """A random sample of the plan rows of days whose 30 days after are over by `day`."""
    p = t.plan_rows.c
    return read_frame(
        conn,
        select(p.case_id, p.action, p.p_pay, p.segment, p.plan_date)
        .where(
            p.plan_date <= day - timedelta(days=30), p.plan_date > day - timedelta(days=OUTCOME_WINDOW_DAYS)
        )
        .order_by(func.random())
        .limit(OUTCOME_SAMPLE),
        {
            "case_id": pl.Int64,
            "action": pl.Utf8,
            "p_prior": pl.Float64,
            "segment": pl.Utf8,
            "plan_date": pl.Date,
        },
    )


def _paid_within_30_days(plans: pl.DataFrame, paid: pl.DataFrame) -> pl.DataFrame:
    """The (case, plan day) pairs followed by a payment within 30 days, marked paid_30d."""
    return (
        plans.join(paid, on="case_id")
        .filter(
            (pl.col("paid_on") >= pl.col("plan_date"))
            & (pl.col("paid_on") < pl.col("plan_date") + pl.duration(days=30))
        )
        .select("case_id", "plan_date")
        .unique()
        .with_columns(pl.lit(True).alias("paid_30d"))
    )


def strategy_results(uow: UnitOfWork, since: date, until: date, level: float = 0.95) -> list[dict[str, Any]]:
    """Each strategy's results over the floor's days [since, until]: the cases it planned (a case counts
    for the strategy of its latest plan row in the window), what they paid in the window, and the mean
    recovered per case with its confidence interval (normal approximation), per currency."""
    p, a, pay = t.plan_rows.c, t.accounts.c, t.payments.c
    planned = read_frame(
        uow.session.connection(),
        select(p.case_id, p.strategy, p.plan_date).where(p.plan_date >= since, p.plan_date <= until),
        {"case_id": pl.Int64, "strategy": pl.Utf8, "plan_date": pl.Date},
    )
    arms = planned.sort("plan_date").group_by("case_id").agg(pl.col("strategy").last().alias("arm"))
    start, end = day_start(since, floor_zone()), day_start(until + timedelta(days=1), floor_zone())
    paid = read_frame(
        uow.session.connection(),
        select(a.case_id, a.currency, pay.amount)
        .join(t.payments, pay.account_id == a.id)
        .where(pay.paid_at >= start, pay.paid_at < end, pay.status == "posted"),
        {"case_id": pl.Int64, "currency": pl.Utf8, "amount": pl.Int64},
    )
    currency = read_frame(
        uow.session.connection(),
        select(a.case_id, a.currency).where(a.case_id.in_(select(p.case_id).where(p.plan_date >= since))),
        {"case_id": pl.Int64, "currency": pl.Utf8},
    ).unique("case_id", keep="first")
    per_case = (
        arms.join(currency, on="case_id", how="left")
        .join(
            paid.group_by("case_id").agg(pl.col("amount").sum().alias("recovered")), on="case_id", how="left"
        )
        .with_columns(pl.col("recovered").fill_null(0))
    )
    out: list[dict[str, Any]] = []
    for (cur,), part in per_case.partition_by("currency", as_dict=True).items():
        for row in report(part.select("arm", "recovered"), level).iter_rows(named=True):
            out.append({**row, "currency": cur, "level": level})
    return out
