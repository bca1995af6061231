"""The daily plan's storage: a day's rows replaced, and the cases' next actions, in set-based writes.

A plan is written in parts, each in its own short transaction that the caller commits, so a large plan
never holds SQLite's write lock (or PostgreSQL's locks) for long. The caller (services/plan_rows.py)
checks the plan and computes every value once; `store_plan_part` replaces the day's rows of a slice of
cases (bulk insert, COPY on PostgreSQL) and updates those `cases` from a temporary table with one
`UPDATE ... FROM` (PostgreSQL; SQLite 3.33 and later; older SQLite sets the columns from sub-selects);
`drop_older_rows` then removes, in slices too, the rows of an earlier run for cases this run did not plan.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import polars as pl
from sqlalchemy import Column, Connection, Integer, MetaData, String, Table, select, text

from huikuan.storage import tables as t
from huikuan.storage.bulk import allocate_ids, insert_frame
from huikuan.storage.tables import Id
from huikuan.storage.types import UTCDateTime

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
class StoredPart:
    rows: int
    replaced: int
    cases_updated: int
    first_id: int | None


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


__all__ = ["drop_older_rows", "plan_row", "store_plan_part"]
