"""What a day's plan writes, worked out before anything is written: the planner's frame checked, the plan
rows, and each planned case's next action (its goal's code), collector, segment and
priority. storage/plan_store.py then writes them in parts."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import polars as pl

from huikuan.domain.days import day_start
from huikuan.domain.goals import SEGMENT_GOALS, Goal
from huikuan.errors import InvalidInput
from huikuan.services.clock import floor_zone
from huikuan.strategy.api import ACTIONS, PLAN_SCHEMA


@dataclass(frozen=True)
class PreparedPlan:
    """A checked plan, ready to be written in parts: its rows (without ids) and the cases' updates."""

    rows: pl.DataFrame
    updates: pl.DataFrame

    @property
    def height(self) -> int:
        return self.rows.height

    def parts(self, size: int) -> Iterator[tuple[pl.DataFrame, pl.DataFrame]]:
        """The plan in slices of at most `size` cases: each slice's rows and its cases' updates."""
        for offset in range(0, self.rows.height, size):
            rows = self.rows.slice(offset, size)
            ids = rows.select("case_id")
            yield rows, self.updates.join(ids, left_on="id", right_on="case_id", how="semi")


def prepare_plan(
    day: date, strategy: str, plan: pl.DataFrame, cases: pl.DataFrame, created_at: datetime
) -> PreparedPlan:
    """Checks `plan` (PLAN_SCHEMA, one row per case of `cases`, which needs case_id) and
    computes what is written: the plan rows, and each case's next action and priority (ranked over the
    whole day, so that writing in parts changes nothing)."""
    frame = _checked(plan, cases)
    rows = frame.with_columns(
        pl.lit(day, dtype=pl.Date).alias("plan_date"),
        (pl.col("arm") if "arm" in frame.columns else pl.lit(strategy)).alias("strategy"),
        pl.lit(created_at).dt.convert_time_zone("UTC").alias("created_at"),
        pl.col("reason").fill_null("{}"),
        pl.col("expected_value").fill_null(0),
        pl.col("cost").fill_null(0),
    )
    return PreparedPlan(rows=rows, updates=_case_updates(frame, day_start(day, floor_zone())))


def _checked(plan: pl.DataFrame, cases: pl.DataFrame) -> pl.DataFrame:
    missing = [c for c in PLAN_SCHEMA if c not in plan.columns]
    if missing:
        raise InvalidInput("plan: missing column {column}", column=missing[0])
    schema: dict[str, Any] = PLAN_SCHEMA
    # A champion/challenger plan names each row's strategy in `arm`.
    arm = [pl.col("arm").cast(pl.Utf8)] if "arm" in plan.columns else []
    frame = plan.select([pl.col(k).cast(v) for k, v in schema.items()] + arm)
    if frame.get_column("case_id").null_count() or frame.get_column("case_id").n_unique() != frame.height:
        raise InvalidInput("plan.case_id: one row per case is expected")
    unknown = frame.filter(~pl.col("action").is_in(list(ACTIONS)))
    if unknown.height:
        raise InvalidInput("plan.action: unknown action {action!r}", action=unknown.get_column("action")[0])
    stray = frame.join(cases.select("case_id"), on="case_id", how="anti")
    if stray.height:
        raise InvalidInput(
            "plan.case_id: case {case_id} was not planned", case_id=stray.get_column("case_id")[0]
        )
    return frame


def _goal_expr() -> pl.Expr:
    """The goal of a planned contact: its segment's (a code of domain/goals.py)."""
    by_segment = {segment: goal.value for segment, goal in SEGMENT_GOALS.items()}
    return pl.col("segment").replace_strict(by_segment, default=Goal.FOLLOW_UP.value, return_dtype=pl.Utf8)


def _case_updates(frame: pl.DataFrame, day_begins: datetime) -> pl.DataFrame:
    """Each planned case's next action, collector, segment and priority. A next action is complete: a
    contact without a slot of its own (a letter, a message) is due when the floor's day begins."""
    contact = pl.col("action") != "none"
    # Priority: the expected value's percentile among the day's contacts, 100 the best; 0 for no action.
    ranked = frame.with_columns(
        pl.col("expected_value").fill_null(0).rank("average").over(contact).alias("_rank"),
        contact.sum().alias("_contacts"),
    )
    return ranked.select(
        pl.col("case_id").alias("id"),
        pl.when(contact).then(pl.col("action")).alias("channel"),
        pl.when(contact).then(_goal_expr()).alias("goal"),
        pl.when(contact)
        .then(pl.coalesce(pl.col("slot_start"), pl.lit(day_begins).dt.convert_time_zone("UTC")))
        .alias("due"),
        pl.col("user_id"),
        pl.col("segment"),
        pl.when(contact)
        .then((pl.col("_rank") / pl.col("_contacts") * 100).ceil().clip(1, 100))
        .otherwise(0)
        .cast(pl.Int32)
        .alias("priority"),
    )
