"""The daily plan's portfolio read from the database in bulk (domain/portfolio.py's Portfolio, from which
strategy/features.py computes the CASES and ANSWERS frames), and the COLLECTORS frame.

Nothing here walks the portfolio row by row in Python. The database does the joins and the filters,
Polars does the arithmetic:

- cases, debtors, open accounts, promises, payments and contact points come out as narrow result sets
  (one row per case, account or contact point) and are aggregated with Polars;
- the interactions come out as one packed integer per row, and every result set as one text the
  database joins itself (storage/portfolio_queries.py), the history in slices of its primary key, read
  side by side with the other tables on other connections when the caller allows (`parallel`).

Times are kept to the quarter hour, which every time zone's offset is a multiple of: the local hour of
week in ANSWERS is therefore exact, daylight saving included (each event is converted with its own
zone's rules by Polars), and the 30- and 90-day windows are measured to within 15 minutes.

Definitions of what is read here (the rest are in strategy/features.py, the planner's contract is
strategy/api.py):
- `promises_kept` counts kept promises; `promises_broken` broken and partly kept ones (the promise was
  for the whole amount); `open_promise` is a pending promise due on or after the plan day;
- a case's balance is the sum of its open accounts in the currency of its largest account; `dpd` counts
  from the oldest open account's `overdue_since` to the plan day; `product` is the largest account's;
- `ability` and `willingness` are the collector's assessment (cases.ability / cases.willingness, 0..1),
  null where the case has not been assessed (the planner then estimates them: strategy/segments.py);
- a collector's `minutes` default to DEFAULT_MINUTES (6 hours of talk time in an 8-hour shift).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import available_timezones

import polars as pl
from sqlalchemy import Connection, Engine, select

from huikuan.domain.portfolio import COLLECTORS_SCHEMA, DEFAULT_MINUTES, Portfolio
from huikuan.storage import tables as t
from huikuan.storage.portfolio_queries import (
    PortfolioSql,
    decode_events,
    event_slices,
    fetch,
    fetch_events,
    small_page_cache,
)

_CASES = {
    "case_id": pl.Int64,
    "debtor_id": pl.Int64,
    "creditor_id": pl.Int64,
    "assigned_user_id": pl.Int64,
    "language": pl.Utf8,
    "debtor_zone": pl.Utf8,
    "address_country": pl.Utf8,
    "address_region": pl.Utf8,
    "flags": pl.Int64,
    "ability": pl.Float64,
    "willingness": pl.Float64,
}
_ACCOUNTS = {
    "case_id": pl.Int64,
    "account_id": pl.Int64,
    "balance": pl.Int64,
    "overdue_day": pl.Int64,
    "product": pl.Utf8,
    "currency": pl.Utf8,
}
_POINTS = {"debtor_id": pl.Int64, "kind": pl.Utf8, "usable": pl.Int8, "value": pl.Utf8}
_PROMISES = {"case_id": pl.Int64, "state": pl.Int8, "amount": pl.Int64, "due_day": pl.Int32}
_PAYMENTS = {"case_id": pl.Int64, "amount": pl.Int64}


def read_portfolio(
    conn: Connection,
    day: date,
    now: datetime,
    creditor_ids: Sequence[int] | None = None,
    *,
    parallel: bool = False,
) -> Portfolio:
    """The plannable cases (not closed, with an open balance) and what the plan reads about them.

    With `parallel`, the result sets are read on other connections of the same engine, several at a
    time (both databases do that work outside Python's lock, and so does Polars); those connections see
    only what is committed, so a caller with uncommitted writes of its own leaves `parallel` off.
    """
    if now.tzinfo is None:
        raise ValueError("now must be an aware instant")
    now = now.astimezone(UTC)
    sql = PortfolioSql(conn.dialect.name, now, creditor_ids)
    # The history first, in slices of its primary key that can be read side by side.
    jobs: dict[str, Callable[[Connection], pl.DataFrame]] = {
        f"events{i}": _event_slice(sql, first, last) for i, (first, last) in enumerate(event_slices(conn))
    }
    jobs |= {
        "points": lambda c: fetch(c, sql.contact_points(), _POINTS),
        "cases": lambda c: fetch(c, sql.cases(), _CASES),
        "accounts": lambda c: fetch(c, sql.accounts(), _ACCOUNTS),
        "promises": lambda c: fetch(c, sql.promises(day), _PROMISES),
        "payments": lambda c: fetch(c, sql.payments(), _PAYMENTS),
    }
    creditors = _creditors(conn, creditor_ids)
    if parallel and _shareable(conn):
        with ThreadPoolExecutor(max_workers=PARALLEL_READS) as pool:
            futures = {name: pool.submit(_apart, conn.engine, job) for name, job in jobs.items()}
            frames = {name: future.result() for name, future in futures.items()}
    else:
        with small_page_cache(conn):
            frames = {name: job(conn) for name, job in jobs.items()}
    return _assemble(day, now, creditors, frames)


# Result sets read at once with `parallel`: the history alone takes as long as the rest together.
PARALLEL_READS = 3


def _shareable(conn: Connection) -> bool:
    """Whether another connection of the engine sees the same database (not an in-memory SQLite)."""
    name = conn.engine.url.database
    if conn.dialect.name != "sqlite":
        return True
    return bool(name) and name != ":memory:" and "mode=memory" not in str(name)


def _apart(engine: Engine, job: Callable[[Connection], pl.DataFrame]) -> pl.DataFrame:
    with engine.connect() as side, small_page_cache(side):
        return job(side)


def _event_slice(sql: PortfolioSql, first: int, last: int) -> Callable[[Connection], pl.DataFrame]:
    return lambda conn: fetch_events(conn, sql, first, last)


def _assemble(
    day: date, now: datetime, creditors: dict[int, dict[str, Any]], frames: dict[str, pl.DataFrame]
) -> Portfolio:
    cases = _with_zones(_with_accounts(frames["cases"], frames["accounts"], day), creditors)
    slices = [frame for name, frame in frames.items() if name.startswith("events")]
    # Rows of cases that are not planned (closed, paid) stay: every later use joins on the cases.
    events = decode_events(slices)
    points = frames["points"]
    phones = points.filter(pl.col("kind").is_in(["mobile", "landline"])).select("debtor_id", "value")
    state = pl.col("state")
    promises = (
        frames["promises"]
        .sort("due_day")
        .group_by("case_id")
        .agg(
            pl.len().cast(pl.Int32).alias("promises_made"),
            (state == 1).sum().cast(pl.Int32).alias("promises_kept"),
            (state == 2).sum().cast(pl.Int32).alias("promises_broken"),
            (state == 3).any().alias("open_promise"),
            pl.col("due_day").filter(state == 3).first().alias("promise_due"),
            pl.col("amount").filter(state == 3).first().alias("promise_amount"),
        )
        .with_columns(pl.col("promise_due").cast(pl.Date))
    )
    payments = (
        frames["payments"]
        .group_by("case_id")
        .agg(pl.len().cast(pl.Int32).alias("payments_90d"), pl.col("amount").sum().alias("paid_90d"))
    )
    cases = (
        cases.join(_contact_features(points), on="debtor_id", how="left")
        .join(promises, on="case_id", how="left")
        .join(payments, on="case_id", how="left")
    )
    return Portfolio(day, now, cases, events, phones, creditors)


def _creditors(conn: Connection, creditor_ids: Sequence[int] | None) -> dict[int, dict[str, Any]]:
    c = t.creditors.c
    query = select(c.id, c.code, c.pack, c.pack_overrides, c.time_zone, c.currency, c.region)
    if creditor_ids is not None:
        query = query.where(c.id.in_([int(i) for i in creditor_ids]))
    return {row.id: dict(row._mapping) for row in conn.execute(query)}


def _with_accounts(cases: pl.DataFrame, accounts: pl.DataFrame, day: date) -> pl.DataFrame:
    """Balance, days past due, product and currency per case, from its open accounts (in one group-by;
    a case whose accounts are in several currencies sums only those in its largest account's)."""
    largest = pl.col("balance").arg_max()
    per_case = accounts.group_by("case_id").agg(
        pl.col("product").get(largest),
        pl.col("currency").get(largest),
        pl.col("account_id").min().alias("first_account"),
        pl.col("balance").sum(),
        pl.col("overdue_day").min(),
        pl.col("currency").n_unique().alias("currencies"),
    )
    mixed = per_case.filter(pl.col("currencies") > 1)
    if mixed.height:
        in_main = (
            accounts.join(mixed.select("case_id", pl.col("currency").alias("main")), on="case_id")
            .filter(pl.col("currency") == pl.col("main"))
            .group_by("case_id")
            .agg(pl.col("balance").sum().alias("in_main"))
        )
        per_case = (
            per_case.join(in_main, on="case_id", how="left")
            .with_columns(pl.coalesce("in_main", "balance").alias("balance"))
            .drop("in_main")
        )
    day_number = (day - date(1970, 1, 1)).days
    dpd = (pl.lit(day_number) - pl.col("overdue_day")).clip(lower_bound=0).fill_null(0).cast(pl.Int32)
    return cases.join(
        per_case.filter(pl.col("balance") > 0).select(
            "case_id", "product", "currency", "first_account", "balance", dpd.alias("dpd")
        ),
        on="case_id",
    )


def _valid_zones(zones: Sequence[str | None]) -> dict[str, str]:
    known = available_timezones()
    return {z: z for z in zones if z and z in known}


def _with_zones(cases: pl.DataFrame, creditors: dict[int, dict[str, Any]]) -> pl.DataFrame:
    """`time_zone` schedules the case: the debtor's zone if it is a real one, else the creditor's."""
    valid = _valid_zones(cases.get_column("debtor_zone").unique().to_list())
    own = pl.col("debtor_zone").replace_strict(valid, default=None, return_dtype=pl.Utf8)
    creditor_zone = pl.col("creditor_id").replace_strict(
        {i: c["time_zone"] for i, c in creditors.items()}, default="UTC", return_dtype=pl.Utf8
    )
    return cases.with_columns(own.alias("debtor_zone"), pl.coalesce(own, creditor_zone).alias("time_zone"))


def _contact_features(points: pl.DataFrame) -> pl.DataFrame:
    """Per debtor: a usable contact point of each kind, and the text of one address (the first in
    text order, so that the choice does not depend on the order rows come in)."""
    usable = pl.col("usable") == 1
    kind = pl.col("kind")
    return (
        points.lazy()
        .select(
            "debtor_id",
            *[((kind == k) & usable).alias(f"has_{k}") for k in ("mobile", "email", "wechat", "address")],
            pl.when(kind == "address").then(pl.col("value")).alias("address_text"),
        )
        .group_by("debtor_id")
        .agg(pl.col("^has_.*$").max(), pl.col("address_text").min())
        .collect()
    )


def load_collectors(conn: Connection, minutes: int = DEFAULT_MINUTES) -> pl.DataFrame:
    """The COLLECTORS frame: active users with the collector role, each with `minutes` of calls."""
    u = t.users.c
    rows = conn.execute(
        select(u.id, u.languages, u.skills).where(u.role == "collector", u.active.is_(True)).order_by(u.id)
    ).all()
    return pl.DataFrame(
        {
            "user_id": [r.id for r in rows],
            "languages": [_strings(r.languages) for r in rows],
            "skills": [_strings(r.skills) for r in rows],
            "minutes": [minutes] * len(rows),
        },
        schema=_any(COLLECTORS_SCHEMA),
    )


def _any(schema: dict[str, Any]) -> dict[str, Any]:
    return schema


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        value = json.loads(value)
    return [str(v) for v in value] if isinstance(value, list) else []


__all__ = ["PARALLEL_READS", "load_collectors", "read_portfolio"]
