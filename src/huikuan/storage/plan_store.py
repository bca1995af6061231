"""The daily plan's storage: a day's rows replaced, and the cases' next actions, in set-based writes.

A plan is written in parts, each in its own short transaction that the caller commits (so a large plan
never holds SQLite's write lock, or PostgreSQL's locks, for long): `prepare_plan` checks it and computes
everything once; `store_plan_part` replaces the day's rows of a slice of cases (bulk insert, COPY on
PostgreSQL) and updates those `cases` from a temporary table with one `UPDATE ... FROM` (PostgreSQL;
SQLite 3.33 and later; older SQLite sets the columns from sub-selects); `drop_older_rows` then removes,
in slices too, the rows of an earlier run for cases this run did not plan.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import polars as pl
from sqlalchemy import Column, Connection, Integer, MetaData, String, Table, select, text

from huikuan.errors import InvalidInput
from huikuan.storage import tables as t
from huikuan.storage.bulk import allocate_ids, insert_frame
from huikuan.storage.tables import Id
from huikuan.storage.types import UTCDateTime
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

# The temporary table the case update reads; its own metadata, so migrations never see it.
_updates = Table(
    "plan_case_updates",
    MetaData(),
    Column("id", Id, primary_key=True),
    Column("channel", String(12)),
    Column("goal", String(200)),
    Column("due", UTCDateTime),
    Column("user_id", Id),
    Column("segment", String(40)),
    Column("priority", Integer),
    prefixes=["TEMPORARY"],
    postgresql_on_commit="DROP",
)


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


@dataclass(frozen=True)
class StoredPart:
    rows: int
    replaced: int
    cases_updated: int
    first_id: int | None


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


def store_plan_part(conn: Connection, day: date, rows: pl.DataFrame, updates: pl.DataFrame) -> StoredPart:
    """Within the caller's transaction, replaces the day's plan of these cases with `rows` and sets the
    cases' next actions: each case moves from its old plan to its new one at once."""
    if conn.dialect.name == "postgresql":
        # Many megabytes of WAL for a large plan: the commit need not wait for them to reach the disk. A
        # crash may lose the parts not yet written; rerunning the plan writes them.
        conn.execute(text("SET LOCAL synchronous_commit TO OFF"))
    p = t.plan_rows.c
    case_ids = [int(i) for i in rows.get_column("case_id")]
    replaced = conn.execute(t.plan_rows.delete().where(p.plan_date == day, p.case_id.in_(case_ids))).rowcount
    ids = allocate_ids(conn, t.plan_rows, rows.height)
    insert_frame(conn, t.plan_rows, rows.with_columns(ids).select([c.name for c in t.plan_rows.columns]))
    updated = _update_cases(conn, updates)
    first = int(ids[0]) if ids.len() else None
    return StoredPart(rows=rows.height, replaced=int(replaced or 0), cases_updated=updated, first_id=first)


def drop_older_rows(
    conn: Connection, day: date, before_id: int | None, creditor_ids: Sequence[int] | None, limit: int
) -> int:
    """Deletes up to `limit` of the day's rows (of the given creditors, or all) written before the row
    `before_id` (None: all of them): the cases an earlier run planned that this one did not."""
    p = t.plan_rows.c
    chosen = select(p.id).where(p.plan_date == day)
    if before_id is not None:
        chosen = chosen.where(p.id < before_id)
    if creditor_ids is not None:
        planned = select(t.cases.c.id).where(t.cases.c.creditor_id.in_([int(i) for i in creditor_ids]))
        chosen = chosen.where(p.case_id.in_(planned))
    ids = [int(i) for i in conn.execute(chosen.limit(limit)).scalars()]
    if not ids:
        return 0
    return int(conn.execute(t.plan_rows.delete().where(p.id.in_(ids))).rowcount or 0)


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


def _update_cases(conn: Connection, updates: pl.DataFrame) -> int:
    if updates.height == 0:
        return 0
    pg = conn.dialect.name == "postgresql"
    if not pg:
        conn.execute(text("DROP TABLE IF EXISTS temp.plan_case_updates"))
    _updates.create(conn)
    insert_frame(conn, _updates, updates)
    sets = {
        "next_action_channel": "u.channel",
        "next_action_goal": "u.goal",
        "next_action_due_at": "u.due",
        "assigned_user_id": "COALESCE(u.user_id, cases.assigned_user_id)",
        "segment": "u.segment",
        "priority": "u.priority",
    }
    # Rows that would not change are left alone: every changed row moves two index entries.
    differs = " IS DISTINCT FROM " if pg else " IS NOT "
    changed = " OR ".join(f"cases.{col}{differs}{expr}" for col, expr in sets.items())
    if pg or sqlite3.sqlite_version_info >= (3, 33, 0):
        assignments = ", ".join(f"{col} = {expr}" for col, expr in sets.items())
        sql = (
            f"UPDATE cases SET {assignments} FROM plan_case_updates AS u "
            f"WHERE cases.id = u.id AND ({changed})"
        )
    else:
        columns = ", ".join(sets)
        values = ", ".join(sets.values())
        sql = (
            f"UPDATE cases SET ({columns}) = "
            f"(SELECT {values} FROM plan_case_updates AS u WHERE u.id = cases.id) "
            "WHERE id IN (SELECT id FROM plan_case_updates)"
        )
    count = conn.execute(text(sql)).rowcount
    if not pg:
        conn.execute(text("DROP TABLE temp.plan_case_updates"))
    return int(count or 0)


def plan_row(conn: Connection, case_id: int, day: date | None = None) -> dict[str, Any] | None:
    """A case's plan row for `day`, else its latest, with the case's debtor, creditor and collector."""
    p, c, d, cr, u = t.plan_rows.c, t.cases.c, t.debtors.c, t.creditors.c, t.users.c
    query = (
        select(
            p.plan_date,
            p.strategy,
            p.case_id,
            p.action,
            p.slot_start,
            p.user_id,
            p.p_answer,
            p.p_pay,
            p.expected_value,
            p.cost,
            p.segment,
            p.reason,
            p.created_at,
            c.debtor_id,
            d.name.label("debtor_name"),
            d.time_zone.label("debtor_time_zone"),
            cr.code.label("creditor"),
            cr.currency,
            cr.time_zone.label("creditor_time_zone"),
            u.username,
            u.display_name,
        )
        .select_from(
            t.plan_rows.join(t.cases, c.id == p.case_id)
            .join(t.debtors, d.id == c.debtor_id)
            .join(t.creditors, cr.id == c.creditor_id)
            .outerjoin(t.users, u.id == p.user_id)
        )
        .where(p.case_id == case_id)
        .order_by(p.plan_date.desc())
        .limit(1)
    )
    if day is not None:
        query = query.where(p.plan_date == day)
    row = conn.execute(query).first()
    if row is None:
        return None
    data = dict(row._mapping)
    reason = data["reason"]
    if isinstance(reason, str):
        try:
            reason = json.loads(reason)
        except ValueError:
            reason = {"text": reason}
    data["reason"] = reason if isinstance(reason, dict) else {"value": reason}
    return data


__all__ = ["GOALS", "PreparedPlan", "drop_older_rows", "plan_row", "prepare_plan", "store_plan_part"]
