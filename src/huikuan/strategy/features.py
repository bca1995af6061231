"""The daily plan's inputs read from the database in bulk: the CASES, ANSWERS and COLLECTORS frames.

Nothing here walks the portfolio row by row in Python. The database does the joins and the filters,
Polars does the arithmetic:

- cases, debtors, open accounts, promises, payments and contact points come out as narrow result sets
  (one row per case, account or contact point) and are aggregated with Polars;
- the interactions, the one table that grows without bound (10 rows per account and more), come out as
  ONE 64-bit integer per row, packed in SQL (see `_EVENT_SQL`): quarter hours before `now`, case id,
  channel, outcome, direction and whether the debtor was the party. A 10,000,000-row history is then an
  80 MB column, unpacked and grouped by Polars, instead of 10,000,000 Python tuples or a GROUP BY that
  SQLite can only do with a temporary B-tree. PostgreSQL streams every result set with COPY.

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
- `ability` and `willingness` are collector assessments the schema does not store yet: always null;
- a collector's `minutes` default to DEFAULT_MINUTES (6 hours of talk time in an 8-hour shift).
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

import polars as pl
from sqlalchemy import Connection, select

from huikuan.domain.enums import CONVERSATION_OUTCOMES, Channel, ContactStatus, Outcome
from huikuan.storage import tables as t
from huikuan.strategy.api import ANSWERS_SCHEMA, CASES_SCHEMA, COLLECTORS_SCHEMA, Capacity, PlanInputs

Progress = Callable[[str], None]

DEFAULT_MINUTES = 6 * 60
# Field visits one collector with the "field" skill can make in a day.
VISITS_PER_FIELD_COLLECTOR = 8
# Channel costs in minor units (calibration.md: SMS 0.004-0.008 USD, a letter 0.65-0.80 USD all in,
# 0.20-0.30 USD per collector-minute, a field visit a parameter at 30 USD). CNY: local rates.
DEFAULT_COSTS: dict[str, dict[str, int]] = {
    "USD": {"call": 100, "sms": 1, "email": 0, "wechat": 0, "letter": 75, "visit": 3000, "none": 0},
    "CNY": {"call": 300, "sms": 5, "email": 1, "wechat": 1, "letter": 500, "visit": 10000, "none": 0},
}

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
RPC_OUTCOMES = frozenset(CONVERSATION_OUTCOMES - {Outcome.THIRD_PARTY})
UNUSABLE = (ContactStatus.WRONG_PARTY.value, ContactStatus.DISCONNECTED.value, ContactStatus.DO_NOT_CONTACT.value)

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
}

# A Chinese address's province, city and district; a US address's "City, ST".
_CN_DISTRICT = r"^((?:[^省市]{2,7}省|[^区]{2,8}自治区)?(?:[^市州盟]{1,8}(?:市|自治州|州|盟))?[^区县旗]{1,8}(?:区|县|旗))"
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


def load_plan_inputs(
    conn: Connection,
    day: date,
    now: datetime,
    creditor_ids: Sequence[int] | None = None,
    *,
    minutes: int = DEFAULT_MINUTES,
    progress: Progress | None = None,
) -> PlanInputs:
    """Everything plan_day needs for `day`, as known at `now`: features, the gate's hours, capacity."""
    from huikuan.strategy.gating import allowed_frame

    say = progress or (lambda _stage: None)
    say("features")
    portfolio = read_portfolio(conn, day, now, creditor_ids)
    cases = case_features(portfolio)
    answers = answer_features(portfolio)
    collectors = load_collectors(conn, minutes)
    say("gate")
    allowed = allowed_frame(conn, portfolio)
    return PlanInputs(
        day=day,
        now=now,
        cases=cases,
        answers=answers,
        allowed=allowed,
        capacity=default_capacity(collectors, cases.height),
        costs=default_costs(cases),
    )


def default_capacity(collectors: pl.DataFrame, cases: int) -> Capacity:
    """Collectors' minutes as read; visits by field collectors; messages and letters not limited."""
    field = collectors.filter(pl.col("skills").list.contains("field")).height
    return Capacity(
        collectors=collectors,
        visits=field * VISITS_PER_FIELD_COLLECTOR,
        sms=cases,
        email=cases,
        wechat=cases,
        letters=cases,
    )


def default_costs(cases: pl.DataFrame) -> dict[str, dict[str, int]]:
    currencies = cases.get_column("currency").unique().drop_nulls().to_list() if cases.height else []
    return {c: dict(DEFAULT_COSTS.get(c, DEFAULT_COSTS["USD"])) for c in sorted(currencies)}


# --- reading -------------------------------------------------------------------------------------


def read_portfolio(
    conn: Connection, day: date, now: datetime, creditor_ids: Sequence[int] | None = None
) -> Portfolio:
    """The plannable cases (not closed, with an open balance) and what the plan reads about them."""
    if now.tzinfo is None:
        raise ValueError("now must be an aware instant")
    now = now.astimezone(UTC)
    sql = _Sql(conn.dialect.name, now, creditor_ids)
    creditors = _creditors(conn, creditor_ids)
    cases = fetch(conn, sql.cases(), {
        "case_id": pl.Int64, "debtor_id": pl.Int64, "creditor_id": pl.Int64, "assigned_user_id": pl.Int64,
        "language": pl.Utf8, "debtor_zone": pl.Utf8, "address_country": pl.Utf8, "address_region": pl.Utf8,
        "flags": pl.Int64,
    })
    accounts = fetch(conn, sql.accounts(), {
        "case_id": pl.Int64, "account_id": pl.Int64, "balance": pl.Int64, "overdue_day": pl.Int64,
        "product": pl.Utf8, "currency": pl.Utf8,
    })
    cases = _with_accounts(cases, accounts, day)
    cases = _with_zones(cases, creditors)
    events = _decode(fetch(conn, sql.events(), {"packed": pl.Int64})).join(
        cases.select("case_id"), on="case_id", how="semi"
    )
    phones = fetch(conn, sql.phones(), {"debtor_id": pl.Int64, "value": pl.Utf8}).join(
        cases.select("debtor_id"), on="debtor_id", how="semi"
    )
    contact = fetch(conn, sql.contact_points(), {
        "debtor_id": pl.Int64, "kind": pl.Utf8, "usable": pl.Int64, "address": pl.Utf8,
    })
    promises = fetch(conn, sql.promises(day), {
        "case_id": pl.Int64, "promises_made": pl.Int32, "promises_kept": pl.Int32,
        "promises_broken": pl.Int32, "open_promise": pl.Int32,
    })
    payments = fetch(conn, sql.payments(), {"case_id": pl.Int64, "payments_90d": pl.Int32, "paid_90d": pl.Int64})
    cases = (
        cases.join(_contact_features(contact), on="debtor_id", how="left")
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
    largest = accounts.sort(["balance", "account_id"], descending=[True, False]).group_by("case_id").agg(
        pl.col("product").first(), pl.col("currency").first(), pl.col("account_id").min().alias("first_account")
    )
    day_number = (day - date(1970, 1, 1)).days
    totals = (
        accounts.join(largest.select("case_id", pl.col("currency").alias("main")), on="case_id")
        .filter(pl.col("currency") == pl.col("main"))
        .group_by("case_id")
        .agg(pl.col("balance").sum(), pl.col("overdue_day").min())
        .with_columns(
            (pl.lit(day_number) - pl.col("overdue_day")).clip(lower_bound=0).fill_null(0).cast(pl.Int32).alias("dpd")
        )
    )
    return cases.join(largest, on="case_id").join(totals.drop("overdue_day"), on="case_id").filter(
        pl.col("balance") > 0
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
    usable = pl.col("usable") == 1

    def has(*kinds: str) -> pl.Expr:
        return (pl.col("kind").is_in(kinds) & usable).any()

    address = pl.col("address").filter(pl.col("kind") == "address").first()
    return points.group_by("debtor_id").agg(
        has("mobile").alias("has_mobile"),
        has("email").alias("has_email"),
        has("wechat").alias("has_wechat"),
        has("address").alias("has_address"),
        address.alias("address_text"),
    )


# --- the frames ----------------------------------------------------------------------------------


def case_features(p: Portfolio) -> pl.DataFrame:
    """The CASES frame (CASES_SCHEMA), one row per plannable case, ordered by case id."""
    month = 30 * QUARTERS_PER_DAY
    e = p.events.filter(pl.col("outcome") != OUTCOME_CODES[Outcome.REFUSED_BY_GATE])
    call = pl.col("channel").is_in(list(CALL_CODES)) & pl.col("outbound")
    rpc = pl.col("debtor") & pl.col("outcome").is_in([OUTCOME_CODES[o] for o in RPC_OUTCOMES])
    per_case = e.group_by("case_id").agg(
        (call & (pl.col("age") < month)).sum().cast(pl.Int32).alias("attempts_30d"),
        (rpc & (pl.col("age") < month)).sum().cast(pl.Int32).alias("rpc_30d"),
        pl.len().cast(pl.Int32).alias("contacts_total"),
        pl.col("age").filter(rpc).min().alias("rpc_age"),
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
            pl.col("attempts_30d", "rpc_30d", "contacts_total").fill_null(0),
            (pl.col("rpc_age") // QUARTERS_PER_DAY).cast(pl.Int32).alias("days_since_contact"),
            pl.col("promises_made", "promises_kept", "promises_broken", "payments_90d").fill_null(0),
            (pl.col("open_promise").fill_null(0) > 0).alias("open_promise"),
            pl.col("paid_90d").fill_null(0),
            (flags & FLAG_BITS["hardship"] > 0).alias("hardship"),
            (flags & FLAG_BITS["disputed"] > 0).alias("disputed"),
            pl.col("has_mobile", "has_email", "has_wechat", "has_address").fill_null(False),
            district.alias("district"),
            pl.lit(None, dtype=pl.Float64).alias("ability"),
            pl.lit(None, dtype=pl.Float64).alias("willingness"),
            pl.col("language").fill_null("zh"),
        )
        .sort("case_id")
    )
    return frame.select([pl.col(name).cast(dtype) for name, dtype in CASES_SCHEMA.items()])


def answer_features(p: Portfolio) -> pl.DataFrame:
    """The ANSWERS frame: the debtor's call attempts and answers by LOCAL hour of week (0 = Monday 00h).

    Each event's instant (to the quarter hour) is converted with the rules of the case's scheduling
    zone (the debtor's, else the creditor's), so daylight saving is honoured event by event.
    """
    now_quarter = int(p.now.timestamp()) // QUARTER
    attempts = p.events.filter(
        pl.col("debtor")
        & pl.col("outbound")
        & pl.col("channel").is_in(list(CALL_CODES))
        & (pl.col("outcome") != OUTCOME_CODES[Outcome.REFUSED_BY_GATE])
    ).join(p.cases.select("case_id", "debtor_id", "time_zone"), on="case_id")
    stamps = attempts.select("time_zone", "age").unique()
    local = []
    for (zone,), part in stamps.partition_by("time_zone", as_dict=True).items():
        instant = pl.from_epoch((pl.lit(now_quarter) - pl.col("age")).cast(pl.Int64) * QUARTER, time_unit="s")
        when = instant.dt.replace_time_zone("UTC").dt.convert_time_zone(str(zone))
        local.append(part.with_columns(
            ((when.dt.weekday().cast(pl.Int16) - 1) * 24 + when.dt.hour().cast(pl.Int16)).alias("hour_of_week")
        ))
    if not local:
        return pl.DataFrame(schema=ANSWERS_SCHEMA)
    hours = pl.concat(local)
    rpc = pl.col("outcome").is_in([OUTCOME_CODES[o] for o in RPC_OUTCOMES])
    return (
        attempts.join(hours, on=["time_zone", "age"])
        .group_by("debtor_id", "hour_of_week")
        .agg(pl.len().cast(pl.Int32).alias("attempts"), rpc.sum().cast(pl.Int32).alias("answers"))
        .sort("debtor_id", "hour_of_week")
        .select([pl.col(name).cast(dtype) for name, dtype in ANSWERS_SCHEMA.items()])
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
        schema=COLLECTORS_SCHEMA,
    )


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
        self.creditors = None if creditor_ids is None else ",".join(str(int(i)) for i in creditor_ids) or "NULL"

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
        flags = " + ".join(
            f"{self.num('d.' + name)} * {bit}"
            for name, bit in FLAG_BITS.items()
            if name not in ("opted_out", "inconvenient")
        )
        return (
            "SELECT c.id, c.debtor_id, c.creditor_id, c.assigned_user_id, d.language, d.time_zone, "
            f"d.address_country, d.address_region, {flags} + {self.nonempty_json('d.opt_out_channels')} * 64 "
            f"+ {self.nonempty_json('d.inconvenient_times')} * 128 "
            "FROM cases c JOIN debtors d ON d.id = c.debtor_id "
            f"WHERE c.stage <> 'closed'{self.of_creditors('c.creditor_id')}"
        )

    def accounts(self) -> str:
        return (
            "SELECT a.case_id, a.id, a.balance, "
            f"{self.epoch_days('a.overdue_since')}, a.product, a.currency FROM accounts a "
            "WHERE a.status = 'open' AND a.balance > 0 AND a.case_id IS NOT NULL"
            f"{self.of_creditors('a.creditor_id')}"
        )

    def events(self) -> str:
        now_quarter = int(self.now.timestamp()) // QUARTER
        channel = " ".join(f"WHEN '{k}' THEN {v}" for k, v in CHANNEL_CODES.items())
        outcome = " ".join(f"WHEN '{k}' THEN {v}" for k, v in OUTCOME_CODES.items())
        least = "LEAST" if self.pg else "MIN"
        age = f"{least}({now_quarter} - {self.epoch_seconds('i.at')} / {QUARTER}, {_MAX_AGE})"
        where = f"i.at <= {self.ts(self.now)}"
        if self.creditors is not None:
            where += f" AND i.case_id IN (SELECT id FROM cases WHERE creditor_id IN ({self.creditors}))"
        outbound = self.num("i.direction = 'outbound'")
        debtor = self.num("i.party_id IS NULL")
        return (
            f"SELECT ({age} * {_CASE_BITS} + i.case_id) * {_LOW_BITS}"
            f" + (CASE i.channel {channel} ELSE 0 END) * 128"
            f" + (CASE i.outcome {outcome} ELSE 0 END) * 4"
            f" + {outbound} * 2 + {debtor} "
            f"FROM interactions i WHERE {where}"
        )

    def _debtors_of_creditors(self, col: str) -> str:
        if self.creditors is None:
            return ""
        return f" AND {col} IN (SELECT id FROM debtors WHERE creditor_id IN ({self.creditors}))"

    def phones(self) -> str:
        return (
            "SELECT cp.debtor_id, cp.value FROM contact_points cp "
            "WHERE cp.party_id IS NULL AND cp.kind IN ('mobile', 'landline')"
            f"{self._debtors_of_creditors('cp.debtor_id')}"
        )

    def contact_points(self) -> str:
        unusable = ", ".join(f"'{s}'" for s in UNUSABLE)
        usable = self.num(f"cp.status NOT IN ({unusable})")
        return (
            f"SELECT cp.debtor_id, cp.kind, {usable}, "
            "CASE WHEN cp.kind = 'address' THEN substr(cp.value, 1, 64) END "
            "FROM contact_points cp WHERE cp.party_id IS NULL AND cp.kind IN ('mobile', 'email', 'wechat', 'address')"
            f"{self._debtors_of_creditors('cp.debtor_id')}"
        )

    def promises(self, day: date) -> str:
        day_text = f"DATE '{day.isoformat()}'" if self.pg else f"'{day.isoformat()}'"
        return (
            "SELECT p.case_id, COUNT(*), "
            "SUM(CASE WHEN p.status = 'kept' THEN 1 ELSE 0 END), "
            "SUM(CASE WHEN p.status IN ('broken', 'partly_kept') THEN 1 ELSE 0 END), "
            f"MAX(CASE WHEN p.status = 'pending' AND p.due_date >= {day_text} THEN 1 ELSE 0 END) "
            "FROM promises p JOIN cases c ON c.id = p.case_id "
            f"WHERE c.stage <> 'closed'{self.of_creditors('c.creditor_id')} GROUP BY p.case_id"
        )

    def payments(self) -> str:
        since = self.now.timestamp() - 90 * 86_400
        return (
            "SELECT a.case_id, COUNT(*), SUM(p.amount) FROM payments p JOIN accounts a ON a.id = p.account_id "
            f"WHERE p.paid_at >= {self.ts(datetime.fromtimestamp(since, UTC))} AND p.paid_at <= {self.ts(self.now)}"
            f" AND a.case_id IS NOT NULL{self.of_creditors('p.creditor_id')} GROUP BY a.case_id"
        )


def fetch(conn: Connection, sql: str, schema: dict[str, Any]) -> pl.DataFrame:
    """A query's rows as a frame, through the driver: COPY on PostgreSQL, plain fetches on SQLite.

    The query must return only integers, floats and text (no booleans, dates or instants), in the
    order of `schema`.
    """
    driver: Any = conn.connection.driver_connection
    cursor = driver.cursor()
    try:
        if conn.dialect.name == "postgresql":
            buffer = io.BytesIO()
            with cursor.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)") as copy:
                while data := copy.read():
                    buffer.write(data)
            if buffer.tell() == 0:
                return pl.DataFrame(schema=schema)
            buffer.seek(0)
            return pl.read_csv(buffer, has_header=False, new_columns=list(schema), schema=schema)
        cursor.execute(sql)
        parts = []
        while rows := cursor.fetchmany(200_000):
            parts.append(pl.DataFrame(rows, schema=schema, orient="row"))
        return pl.concat(parts) if parts else pl.DataFrame(schema=schema)
    finally:
        cursor.close()


__all__ = [
    "DEFAULT_COSTS",
    "DEFAULT_MINUTES",
    "Portfolio",
    "answer_features",
    "case_features",
    "default_capacity",
    "fetch",
    "load_collectors",
    "load_plan_inputs",
    "read_portfolio",
]
