"""The daily plan's inputs read from the database in bulk: the CASES, ANSWERS and COLLECTORS frames.

Nothing here walks the portfolio row by row in Python. The database does the joins and the filters,
Polars does the arithmetic:

- cases, debtors, open accounts, promises, payments and contact points come out as narrow result sets
  (one row per case, account or contact point) and are aggregated with Polars;
- the interactions, the one table that grows without bound (10 rows per account and more), come out as
  ONE 64-bit integer per row, packed in SQL (`_Sql.events`): quarter hours before `now`, case id,
  channel, outcome, direction and whether the debtor was the party. A 10,000,000-row history is then an
  80 MB column, unpacked and grouped by Polars, instead of 10,000,000 Python tuples or a GROUP BY that
  SQLite can only do with a temporary B-tree;
- every result set crosses over as text the database joins itself (`group_concat` on SQLite,
  `string_agg` on PostgreSQL: unit and record separators, parsed by Polars as CSV), which costs about
  half of fetching rows (or of COPY) per row, and the history in slices of its primary key, read side by
  side with the other tables on other connections when the caller allows (`parallel`).

Times are kept to the quarter hour, which every time zone's offset is a multiple of: the local hour of
week in ANSWERS is therefore exact, daylight saving included (each event is converted with its own
zone's rules by Polars), and the 30- and 90-day windows are measured to within 15 minutes.

Definitions (the planner's contract is strategy/api.py):
- a call attempt is an outbound call or voicemail; a right-party contact (RPC) is a conversation with
  the debtor: an interaction with no party (the debtor) whose outcome is one of CONVERSATION_OUTCOMES
  other than `third_party` (someone else answered the debtor's number);
- interactions the gate refused (`refused_by_gate`) never happened and count nowhere;
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
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import available_timezones

import polars as pl
from sqlalchemy import Connection, Engine, select

from huikuan.domain.disputes import OPEN_DISPUTE
from huikuan.domain.enums import CONVERSATION_OUTCOMES, Channel, ContactStatus, Outcome
from huikuan.storage import tables as t
from huikuan.strategy.api import ANSWERS_SCHEMA, CASES_SCHEMA, COLLECTORS_SCHEMA, Capacity

Progress = Callable[[str], None]

DEFAULT_MINUTES = 6 * 60
# Field visits one collector with the "field" skill can make in a day.
VISITS_PER_FIELD_COLLECTOR = 8
# Messages and letters a day, as a share of the open cases: an SMS every 5 days per case at most, a letter
# every 50 days; e-mail and WeChat are not limited.
DAILY_SHARES = {"sms": 0.2, "email": 1.0, "wechat": 1.0, "letters": 0.02}
QUARTER = 900  # seconds
QUARTERS_PER_DAY = 96
# The packed event: ((quarters before now) * 2^31 + case id) * 2^10 + channel * 2^7 + outcome * 2^2
# + outbound * 2 + debtor. 21 bits of quarters reach 59 years back (older events count as that old).
_CASE_BITS = 2**31
_LOW_BITS = 2**10
_MAX_AGE = 2**21 - 1

CHANNEL_CODES: dict[str, int] = {c.value: i + 1 for i, c in enumerate(Channel)}
OUTCOME_CODES: dict[str, int] = {o.value: i + 1 for i, o in enumerate(Outcome)}
CALL_CODES = frozenset({CHANNEL_CODES["call"], CHANNEL_CODES["voicemail"]})
MESSAGE_CODES = frozenset(CHANNEL_CODES[c] for c in ("sms", "email", "wechat", "letter"))
RPC_OUTCOMES = frozenset(CONVERSATION_OUTCOMES - {Outcome.THIRD_PARTY})
# Beyond the contract, read by the planner when present (strategy/frames.py OPTIONAL_CASE_COLUMNS): the
# open promise's due date and amount, the days since the last call attempt and the last message/letter,
# and the contacts of the last week.
EXTRA_CASE_COLUMNS = {
    "promise_due": pl.Date,
    "promise_amount": pl.Int64,
    "contacts_7d": pl.Int32,  # outbound contacts of any channel in the last 7 days
    "days_since_message": pl.Int32,
    "days_since_attempt": pl.Int32,
}
UNUSABLE = tuple(
    s.value for s in (ContactStatus.WRONG_PARTY, ContactStatus.DISCONNECTED, ContactStatus.DO_NOT_CONTACT)
)

# Debtor flags, packed into one integer by the cases query.
FLAG_BITS = {
    "cease": 1,
    "disputed": 2,
    "attorney": 4,
    "deceased": 8,
    "hardship": 16,
    "employer_prohibits": 32,
    "opted_out": 64,  # opt_out_channels is not an empty list
    "inconvenient": 128,  # inconvenient_times is not an empty list
    "bankruptcy": 256,
    "held": 512,  # an open hold the gate reads (table holds; a vulnerability is not one)
    "linked": 1024,  # the debtor is linked to a person placed by other creditors too (person_members)
}

# A Chinese address's province, city and district; a US address's "City, ST".
_CN_DISTRICT = (
    r"^((?:[^省市]{2,7}省|[^区]{2,8}自治区)?(?:[^市州盟]{1,8}(?:市|自治州|州|盟))?[^区县旗]{1,8}(?:区|县|旗))"
)
_US_CITY = r",\s*([^,]+,\s*[A-Z]{2})\s+\d{5}"


@dataclass(frozen=True)
class Portfolio:
    """What the plan is made from, read once and shared by the features and the gate."""

    day: date
    now: datetime
    # One row per plannable case: ids, the debtor's facts, the creditor's zone and currency.
    cases: pl.DataFrame
    # One row per interaction of those cases: case_id, age (quarter hours before now), channel and
    # outcome codes (CHANNEL_CODES, OUTCOME_CODES), outbound, debtor (the party was the debtor).
    events: pl.DataFrame
    # The debtors' own phone numbers: debtor_id, value.
    phones: pl.DataFrame
    creditors: dict[int, dict[str, Any]]


def default_capacity(collectors: pl.DataFrame, cases: int) -> Capacity:
    """The day's resources when nothing else is said: the collectors' minutes as read, VISITS_PER_FIELD_
    COLLECTOR visits per collector with the "field" skill, and DAILY_SHARES of the open cases for SMS,
    e-mail, WeChat and letters (the print room and the SMS gateway have budgets too)."""
    field = collectors.filter(pl.col("skills").list.contains("field")).height
    share = {k: int(round(v * cases)) for k, v in DAILY_SHARES.items()}
    return Capacity(
        collectors=collectors,
        visits=field * VISITS_PER_FIELD_COLLECTOR,
        sms=share["sms"],
        email=share["email"],
        wechat=share["wechat"],
        letters=share["letters"],
    )


# --- reading -------------------------------------------------------------------------------------


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
    sql = _Sql(conn.dialect.name, now, creditor_ids)
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


@contextmanager
def small_page_cache(conn: Connection, kib: int = 16_384) -> Iterator[None]:
    """SQLite's page cache held small while tables are scanned once (the engine's connections keep a
    large one for imports, and a scan would fill it for nothing), then put back."""
    if conn.dialect.name != "sqlite":
        yield
        return
    before = conn.exec_driver_sql("PRAGMA cache_size").scalar()
    conn.exec_driver_sql(f"PRAGMA cache_size = -{int(kib)}")
    try:
        yield
    finally:
        conn.exec_driver_sql(f"PRAGMA cache_size = {int(before or -2000)}")


def _event_slice(sql: _Sql, first: int, last: int) -> Callable[[Connection], pl.DataFrame]:
    return lambda conn: fetch_events(conn, sql, first, last)


def _assemble(
    day: date, now: datetime, creditors: dict[int, dict[str, Any]], frames: dict[str, pl.DataFrame]
) -> Portfolio:
    cases = _with_zones(_with_accounts(frames["cases"], frames["accounts"], day), creditors)
    slices = [frame for name, frame in frames.items() if name.startswith("events")]
    packed = pl.concat(slices) if slices else pl.DataFrame(schema=_PACKED)
    # Rows of cases that are not planned (closed, paid) stay: every later use joins on the cases.
    events = _decode(packed)
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


def _decode(packed: pl.DataFrame) -> pl.DataFrame:
    v = pl.col("packed")
    low = v % _LOW_BITS
    high = v // _LOW_BITS
    return packed.select(
        (high % _CASE_BITS).alias("case_id"),
        (high // _CASE_BITS).cast(pl.Int32).alias("age"),
        (low // 128).cast(pl.UInt8).alias("channel"),
        (low // 4 % 32).cast(pl.UInt8).alias("outcome"),
        (low // 2 % 2 == 1).alias("outbound"),
        (low % 2 == 1).alias("debtor"),
    )


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


# --- the frames ----------------------------------------------------------------------------------


def case_features(p: Portfolio) -> pl.DataFrame:
    """The CASES frame (CASES_SCHEMA), one row per plannable case, ordered by case id."""
    month = 30 * QUARTERS_PER_DAY
    e = p.events.filter(pl.col("outcome") != OUTCOME_CODES[Outcome.REFUSED_BY_GATE])
    call = pl.col("channel").is_in(list(CALL_CODES)) & pl.col("outbound")
    rpc = pl.col("debtor") & pl.col("outcome").is_in([OUTCOME_CODES[o] for o in RPC_OUTCOMES])
    message = pl.col("channel").is_in(list(MESSAGE_CODES)) & pl.col("outbound")
    age = pl.col("age")
    never = 2**30  # an age no event has: "none of these", without nulls in the group-by
    # Row-wise flags first, then plain sums and minimums, in one lazy query: the group-by's fast path.
    per_case = (
        e.lazy()
        .select(
            "case_id",
            (call & (age < month)).cast(pl.Int32).alias("attempts_30d"),
            (rpc & (age < month)).cast(pl.Int32).alias("rpc_30d"),
            (pl.col("outbound") & (age < 7 * QUARTERS_PER_DAY)).cast(pl.Int32).alias("contacts_7d"),
            pl.when(rpc).then(age).otherwise(never).alias("rpc_age"),
            pl.when(call).then(age).otherwise(never).alias("attempt_age"),
            pl.when(message).then(age).otherwise(never).alias("message_age"),
        )
        .group_by("case_id")
        .agg(
            pl.col("attempts_30d", "rpc_30d", "contacts_7d").sum(),
            pl.len().cast(pl.Int32).alias("contacts_total"),
            pl.col("rpc_age", "attempt_age", "message_age").min(),
        )
        .with_columns(
            pl.when(pl.col(c) < never).then(pl.col(c)).alias(c)
            for c in ("rpc_age", "attempt_age", "message_age")
        )
        .collect()
    )
    flags = pl.col("flags")
    district = pl.coalesce(
        pl.col("address_text").str.extract(_CN_DISTRICT, 1),
        pl.col("address_text").str.extract(_US_CITY, 1),
        pl.col("address_region"),
    )
    frame = (
        p.cases.join(per_case, on="case_id", how="left")
        .with_columns(
            pl.col("attempts_30d", "rpc_30d", "contacts_total", "contacts_7d").fill_null(0),
            (pl.col("rpc_age") // QUARTERS_PER_DAY).cast(pl.Int32).alias("days_since_contact"),
            (pl.col("attempt_age") // QUARTERS_PER_DAY).cast(pl.Int32).alias("days_since_attempt"),
            (pl.col("message_age") // QUARTERS_PER_DAY).cast(pl.Int32).alias("days_since_message"),
            pl.col("promises_made", "promises_kept", "promises_broken", "payments_90d").fill_null(0),
            pl.col("open_promise").fill_null(False),
            pl.col("paid_90d").fill_null(0),
            (flags & FLAG_BITS["hardship"] > 0).alias("hardship"),
            (flags & FLAG_BITS["disputed"] > 0).alias("disputed"),
            pl.col("has_mobile", "has_email", "has_wechat", "has_address").fill_null(False),
            district.alias("district"),
            pl.col("language").fill_null("zh"),
        )
        .sort("case_id")
    )
    schema = {**CASES_SCHEMA, **EXTRA_CASE_COLUMNS}
    return frame.select([pl.col(name).cast(dtype) for name, dtype in schema.items()])


def answer_features(p: Portfolio) -> pl.DataFrame:
    """The ANSWERS frame: the debtor's call attempts and answers by LOCAL hour of week (0 = Monday 00h).

    Each event's instant (to the quarter hour) is converted with the rules of the case's scheduling
    zone (the debtor's, else the creditor's), so daylight saving is honoured event by event.
    """
    now_quarter = int(p.now.timestamp()) // QUARTER
    rpc = pl.col("outcome").is_in([OUTCOME_CODES[o] for o in RPC_OUTCOMES])
    attempts = p.events.filter(
        pl.col("debtor")
        & pl.col("outbound")
        & pl.col("channel").is_in(list(CALL_CODES))
        & (pl.col("outcome") != OUTCOME_CODES[Outcome.REFUSED_BY_GATE])
    ).select("case_id", "age", rpc.alias("rpc"))
    if attempts.height == 0 or p.cases.height == 0:
        return pl.DataFrame(schema=ANSWERS_SCHEMA)
    # Each (zone, quarter hour) that occurs is converted once, and looked up by position: the quarter
    # hour's rank among those that occur, in the zone's block.
    zones = p.cases.get_column("time_zone").unique().sort().to_list()
    code = pl.col("time_zone").replace_strict(zones, list(range(len(zones))), return_dtype=pl.Int64)
    calls = attempts.join(p.cases.select("case_id", "debtor_id", code.alias("zone")), on="case_id")
    ages = calls.get_column("age").unique().sort()
    table = pl.concat([_hours_of_week(zone, now_quarter, ages) for zone in zones])
    where = calls.get_column("zone") * ages.len() + ages.search_sorted(calls.get_column("age"))
    key = calls.get_column("debtor_id") * 168 + table.gather(where).cast(pl.Int64)
    return (
        pl.DataFrame({"key": key, "rpc": calls.get_column("rpc")})
        .group_by("key")
        .agg(pl.len().cast(pl.Int32).alias("attempts"), pl.col("rpc").sum().cast(pl.Int32).alias("answers"))
        .sort("key")
        .select(
            (pl.col("key") // 168).alias("debtor_id"),
            (pl.col("key") % 168).cast(pl.Int16).alias("hour_of_week"),
            "attempts",
            "answers",
        )
    )


def _hours_of_week(zone: str, now_quarter: int, ages: pl.Series) -> pl.Series:
    """The local hour of week in `zone` of the quarter hour `age` quarters before now's, for each age."""
    instant = pl.from_epoch((now_quarter - ages.cast(pl.Int64)) * QUARTER, time_unit="s")
    when = instant.dt.replace_time_zone("UTC").dt.convert_time_zone(zone)
    return (when.dt.weekday().cast(pl.Int16) - 1) * 24 + when.dt.hour().cast(pl.Int16)


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


# --- SQL -----------------------------------------------------------------------------------------


class _Sql:
    """The queries, written once with the few fragments where SQLite and PostgreSQL differ.

    Every value put into the text is an integer or an instant formatted here, never user input.
    """

    def __init__(self, dialect: str, now: datetime, creditor_ids: Sequence[int] | None) -> None:
        self.pg = dialect == "postgresql"
        self.now = now
        ids = None if creditor_ids is None else ",".join(str(int(i)) for i in creditor_ids)
        self.creditors = None if ids is None else ids or "NULL"

    def ts(self, at: datetime) -> str:
        at = at.astimezone(UTC)
        if self.pg:
            return f"TIMESTAMPTZ '{at.isoformat()}'"
        return f"'{at:%Y-%m-%d %H:%M:%S.%f}'"

    def num(self, expr: str) -> str:
        """A boolean as 0 or 1."""
        return f"CAST({expr} AS INTEGER)" if self.pg else f"({expr})"

    def epoch_seconds(self, col: str) -> str:
        if self.pg:
            return f"CAST(FLOOR(EXTRACT(EPOCH FROM {col})) AS BIGINT)"
        if sqlite3.sqlite_version_info >= (3, 38, 0):
            return f"unixepoch({col})"  # three times cheaper than strftime('%s')
        return f"CAST(strftime('%s', {col}) AS INTEGER)"

    def epoch_days(self, col: str) -> str:
        if self.pg:
            return f"({col} - DATE '1970-01-01')"
        return f"CAST(julianday({col}) - 2440587.5 AS INTEGER)"

    def nonempty_json(self, col: str) -> str:
        text = f"CAST({col} AS TEXT)" if self.pg else col
        return self.num(f"{text} NOT IN ('[]', '')")

    def of_creditors(self, col: str) -> str:
        return "" if self.creditors is None else f" AND {col} IN ({self.creditors})"

    def cases(self) -> str:
        # Disputed: the whole case (the debtor's flag) or one of its accounts, by an open dispute that
        # stops collection; either sends the case to the gate one by one (strategy/gating.py).
        open_disputes = ", ".join(f"'{s.value}'" for s in OPEN_DISPUTE)
        disputed = (
            "(d.disputed OR EXISTS (SELECT 1 FROM disputes x WHERE x.case_id = c.id "
            f"AND x.stops_collection AND x.status IN ({open_disputes})))"
        )
        flags = " + ".join(
            f"{self.num(disputed if name == 'disputed' else 'd.' + name)} * {bit}"
            for name, bit in FLAG_BITS.items()
            if name not in ("opted_out", "inconvenient", "held", "linked")
        )
        held = self.num(
            "EXISTS (SELECT 1 FROM holds h WHERE h.debtor_id = d.id AND h.ended_at IS NULL "
            "AND h.kind <> 'vulnerability')"
        )
        return (
            "SELECT c.id, c.debtor_id, c.creditor_id, c.assigned_user_id, d.language, d.time_zone, "
            f"d.address_country, d.address_region, {flags} + {self.nonempty_json('d.opt_out_channels')} * 64 "
            f"+ {self.nonempty_json('d.inconvenient_times')} * 128 + {held} * 512 "
            "+ CASE WHEN pm.debtor_id IS NULL THEN 0 ELSE 1024 END, c.ability, c.willingness "
            "FROM cases c JOIN debtors d ON d.id = c.debtor_id "
            "LEFT JOIN person_members pm ON pm.debtor_id = d.id "
            f"WHERE c.stage <> 'closed'{self.of_creditors('c.creditor_id')}"
        )

    def accounts(self) -> str:
        return (
            "SELECT a.case_id, a.id, a.balance, "
            f"{self.epoch_days('a.overdue_since')}, a.product, a.currency FROM accounts a "
            "WHERE a.status = 'open' AND a.balance > 0 AND a.case_id IS NOT NULL"
            f"{self.of_creditors('a.creditor_id')}"
        )

    def events(self, first_id: int | None = None, last_id: int | None = None) -> str:
        """One packed integer per interaction up to now (see _CASE_BITS), optionally in an id range."""
        now_quarter = int(self.now.timestamp()) // QUARTER
        channel = " ".join(f"WHEN '{k}' THEN {v}" for k, v in CHANNEL_CODES.items())
        outcome = " ".join(f"WHEN '{k}' THEN {v}" for k, v in OUTCOME_CODES.items())
        least = "LEAST" if self.pg else "MIN"
        age = f"{least}({now_quarter} - {self.epoch_seconds('i.at')} / {QUARTER}, {_MAX_AGE})"
        where = f"i.at <= {self.ts(self.now)}"
        if first_id is not None and last_id is not None:
            where += f" AND i.id BETWEEN {int(first_id)} AND {int(last_id)}"
        where += self._of_creditors("i.case_id")
        outbound = self.num("i.direction = 'outbound'")
        debtor = self.num("i.party_id IS NULL")
        return (
            f"SELECT ({age} * {_CASE_BITS} + i.case_id) * {_LOW_BITS}"
            f" + (CASE i.channel {channel} ELSE 0 END) * 128"
            f" + (CASE i.outcome {outcome} ELSE 0 END) * 4"
            f" + {outbound} * 2 + {debtor} AS packed "
            f"FROM interactions i WHERE {where}"
        )

    def contact_points(self) -> str:
        """The debtors' own contact points: phones with their number, the address with its first words."""
        unusable = ", ".join(f"'{s}'" for s in UNUSABLE)
        usable = self.num(f"cp.status NOT IN ({unusable})")
        return (
            f"SELECT cp.debtor_id, cp.kind, {usable}, "
            "CASE WHEN cp.kind IN ('mobile', 'landline') THEN cp.value "
            f"WHEN cp.kind = 'address' THEN replace(replace(substr(cp.value, 1, 64), {self.char(30)}, ' '), "
            f"{self.char(31)}, ' ') END "
            "FROM contact_points cp WHERE cp.party_id IS NULL"
            f"{self._of_creditors('cp.debtor_id', 'debtors')}"
        )

    def char(self, code: int) -> str:
        return f"chr({code})" if self.pg else f"char({code})"

    def promises(self, day: date) -> str:
        """Each promise: its case, 1 kept / 2 broken or partly kept / 3 pending and not yet due / 0 other,
        its amount and due date (days since 1970-01-01)."""
        day_text = f"DATE '{day.isoformat()}'" if self.pg else f"'{day.isoformat()}'"
        return (
            "SELECT p.case_id, CASE WHEN p.status = 'kept' THEN 1 "
            "WHEN p.status IN ('broken', 'partly_kept') THEN 2 "
            f"WHEN p.status = 'pending' AND p.due_date >= {day_text} THEN 3 ELSE 0 END, "
            f"p.amount, {self.epoch_days('p.due_date')} "
            f"FROM promises p WHERE 1 = 1{self._of_creditors('p.case_id')}"
        )

    def _of_creditors(self, col: str, table: str = "cases") -> str:
        """A filter keeping the rows whose `col` names a case (or debtor) of the chosen creditors."""
        if self.creditors is None:
            return ""
        return f" AND {col} IN (SELECT id FROM {table} WHERE creditor_id IN ({self.creditors}))"

    def payments(self) -> str:
        """Payments of the last 90 days with their case (payments first: there are few of them); a payment
        reversed since counts for nothing."""
        since = datetime.fromtimestamp(self.now.timestamp() - 90 * 86_400, UTC)
        return (
            "SELECT a.case_id, p.amount FROM payments p CROSS JOIN accounts a "
            f"WHERE a.id = p.account_id AND p.paid_at >= {self.ts(since)}"
            f" AND p.paid_at <= {self.ts(self.now)} AND p.status = 'posted'"
            f" AND a.case_id IS NOT NULL{self.of_creditors('p.creditor_id')}"
        )


def fetch(conn: Connection, sql: str, schema: dict[str, Any]) -> pl.DataFrame:
    """A query's rows as a frame: the rows joined into one text by the database (`group_concat` on
    SQLite, `string_agg` on PostgreSQL; unit and record separators), which it builds in C far faster
    than Python takes rows one by one (or than COPY sends them), and which Polars parses as CSV.

    The query returns integers, floats and text only (no booleans, dates or instants), in the order of
    `schema`; an empty text reads as null.
    """
    names = [f"c{i}" for i in range(len(schema))]
    if conn.dialect.name == "postgresql":
        row = " || chr(31) || ".join(f"coalesce(CAST({n} AS TEXT), '')" for n in names)
        joined = f"string_agg({row}, chr(30))"
    else:
        row = " || char(31) || ".join(f"ifnull({n}, '')" for n in names)
        joined = f"group_concat({row}, char(30))"
    text = conn.exec_driver_sql(f"WITH x({', '.join(names)}) AS ({sql}) SELECT {joined} FROM x").scalar()
    return _parse(text, schema)


_PACKED = {"packed": pl.Int64}
# Interactions per text the database builds: a slice of ~20 MB.
EVENTS_PER_TEXT = 1_000_000


def event_slices(conn: Connection, rows: int = 2_500_000) -> list[tuple[int, int]]:
    """Ranges of interaction ids of about `rows` rows each, to be read side by side."""
    # Two sub-queries: SQLite reads a lone MIN or MAX off the primary key, but scans for both at once.
    lo, hi = conn.exec_driver_sql(
        "SELECT (SELECT MIN(id) FROM interactions), (SELECT MAX(id) FROM interactions)"
    ).one()
    if lo is None:
        return []
    return [(start, min(start + rows - 1, int(hi))) for start in range(int(lo), int(hi) + 1, rows)]


def fetch_events(conn: Connection, sql: _Sql, first: int, last: int) -> pl.DataFrame:
    """The packed interactions with ids in [first, last], as texts of EVENTS_PER_TEXT rows joined in the
    database (`group_concat` on SQLite, `string_agg` on PostgreSQL: both cheaper than rows or COPY)."""
    joined = "string_agg(CAST(packed AS TEXT), chr(30))" if sql.pg else "group_concat(packed, char(30))"
    parts = []
    for start in range(first, last + 1, EVENTS_PER_TEXT):
        end = min(start + EVENTS_PER_TEXT - 1, last)
        text = conn.exec_driver_sql(f"SELECT {joined} FROM ({sql.events(start, end)}) AS x").scalar()
        parts.append(_parse(text, _PACKED))
    return pl.concat(parts) if parts else pl.DataFrame(schema=_PACKED)


def _parse(text: str | None, schema: dict[str, Any]) -> pl.DataFrame:
    if not text:
        return pl.DataFrame(schema=schema)
    return pl.read_csv(
        text.encode(), has_header=False, separator="\x1f", eol_char="\x1e", quote_char=None, schema=schema
    )


__all__ = [
    "DAILY_SHARES",
    "DEFAULT_MINUTES",
    "VISITS_PER_FIELD_COLLECTOR",
    "Portfolio",
    "answer_features",
    "case_features",
    "default_capacity",
    "event_slices",
    "fetch",
    "fetch_events",
    "load_collectors",
    "read_portfolio",
]
