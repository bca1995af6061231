"""What a day's plan writes, worked out before anything is written: the planner's frame checked, the plan
rows, and each planned case's next action (its goal in the debtor's language), collector, segment and
priority. storage/plan_store.py then writes them in parts."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import polars as pl

from huikuan.errors import InvalidInput
from huikuan.strategy.api import ACTIONS, PLAN_SCHEMA

# What the collector is to achieve, by segment, in the debtor's language; the planner's reason may name
# its own goal ("goal"), which then wins.
GOALS: dict[str, dict[str, str]] = {
    "able_willing": {"en": "agree the date and amount of payment", "zh": "确认还款意愿，约定还款时间和金额"},
    "able_unwilling": {"en": "press for payment: the debtor is able to pay", "zh": "督促还款（有还款能力）"},
    "unable_willing": {"en": "offer an instalment arrangement", "zh": "协商分期还款方案"},
    "unable_unwilling": {"en": "assess the ability to pay", "zh": "核实还款能力与困难情况"},
}
DEFAULT_GOAL = {"en": "follow up", "zh": "跟进"}


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
    """Checks `plan` (PLAN_SCHEMA, one row per case of `cases`, which needs case_id and language) and
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
    with_language = frame.join(cases.select("case_id", "language"), on="case_id", how="left")
    return PreparedPlan(rows=rows, updates=_case_updates(with_language))


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
    """The goal: the planner's own, else the segment's in the debtor's language."""
    language = (
        pl.when(pl.col("language").fill_null("zh").str.starts_with("zh"))
        .then(pl.lit("zh"))
        .otherwise(pl.lit("en"))
    )
    by_segment = pl.lit(None, dtype=pl.Utf8)
    for segment, words in GOALS.items():
        by_segment = (
            pl.when((pl.col("segment") == segment) & (language == "zh"))
            .then(pl.lit(words["zh"]))
            .when(pl.col("segment") == segment)
            .then(pl.lit(words["en"]))
            .otherwise(by_segment)
        )
    default = pl.when(language == "zh").then(pl.lit(DEFAULT_GOAL["zh"])).otherwise(pl.lit(DEFAULT_GOAL["en"]))
    own = pl.col("reason").str.json_path_match("$.goal")
    return pl.coalesce(own, by_segment, default).str.slice(0, 200)


def _case_updates(frame: pl.DataFrame) -> pl.DataFrame:
    """Each planned case's next action, collector, segment and priority."""
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
        pl.when(contact).then(pl.col("slot_start")).alias("due"),
        pl.col("user_id"),
        pl.col("segment"),
        pl.when(contact)
        .then((pl.col("_rank") / pl.col("_contacts") * 100).ceil().clip(1, 100))
        .otherwise(0)
        .cast(pl.Int32)
        .alias("priority"),
    )
