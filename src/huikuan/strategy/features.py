"""The daily plan's CASES and ANSWERS frames, computed from the portfolio (domain/portfolio.py's Portfolio,
read in bulk by storage/portfolio.py and handed over by services/plan.py), and the day's default capacity.

Pure: frames in, frames out. The history arrives as one row per interaction with coded channel and
outcome (CHANNEL_CODES, OUTCOME_CODES) and its age in quarter hours before `now`, so that the local hour of
week in ANSWERS is exact (each event is converted with its own zone's rules by Polars) and the 30- and
90-day windows are measured to within 15 minutes.

Definitions (the planner's contract is strategy/api.py; what the reader computes, such as balances and
promises, is defined in storage/portfolio.py):
- a call attempt is an outbound call or voicemail; a right-party contact (RPC) is a conversation with
  the debtor: an interaction with no party (the debtor) whose outcome is one of CONVERSATION_OUTCOMES
  other than `third_party` (someone else answered the debtor's number);
- interactions the gate refused (`refused_by_gate`) never happened and count nowhere.
"""

from __future__ import annotations

import polars as pl

from huikuan.domain.enums import CONVERSATION_OUTCOMES, Outcome
from huikuan.domain.portfolio import (
    CHANNEL_CODES,
    FLAG_BITS,
    OUTCOME_CODES,
    QUARTER,
    QUARTERS_PER_DAY,
    Portfolio,
)
from huikuan.strategy.api import ANSWERS_SCHEMA, CASES_SCHEMA, Capacity

# Field visits one collector with the "field" skill can make in a day.
VISITS_PER_FIELD_COLLECTOR = 8
# Messages and letters a day, as a share of the open cases: an SMS every 5 days per case at most, a letter
# every 50 days; e-mail and WeChat are not limited.
DAILY_SHARES = {"sms": 0.2, "email": 1.0, "wechat": 1.0, "letters": 0.02}
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

# A Chinese address's province, city and district; a US address's "City, ST".
_CN_DISTRICT = (
    r"^((?:[^省市]{2,7}省|[^区]{2,8}自治区)?(?:[^市州盟]{1,8}(?:市|自治州|州|盟))?[^区县旗]{1,8}(?:区|县|旗))"
)
_US_CITY = r",\s*([^,]+,\s*[A-Z]{2})\s+\d{5}"


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


__all__ = [
    "CALL_CODES",
    "DAILY_SHARES",
    "VISITS_PER_FIELD_COLLECTOR",
    "answer_features",
    "case_features",
    "default_capacity",
]
