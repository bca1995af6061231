"""The reports' own tables (docs/reports.md), kept by the `reports` job (services/reports.py) from the
raw records and never edited by hand: the daily counters, the gate's refusals by rule, and each account's
state at each month-end. Ids are plain columns, not foreign keys: these rows are figures, and a figure
outlives nothing it counts (it is recomputed, never cascaded).
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Date, ForeignKey, Index, Integer, String, Table, UniqueConstraint

from huikuan.domain.reports import AMOUNTS, COUNTS
from huikuan.storage.tables.base import Id, metadata
from huikuan.storage.types import UTCDateTime


def _counters(name: str, period: str) -> Table:
    """A table of the counters of domain/reports.py (counts and minor units) per `period` (its first day),
    creditor, team, collector (null: no one, e.g. a job or an import), channel ("" where an event has
    none), currency, product and segment (of the account, or of the case's first account; "" where none)."""
    return Table(
        name,
        metadata,
        Column(period, Date, nullable=False),
        Column("creditor_id", Id, nullable=False),
        Column("team_id", Id),
        Column("user_id", Id),
        Column("channel", String(12), nullable=False),
        Column("currency", String(3), nullable=False),
        Column("product", String(20), nullable=False, default="", server_default=""),
        Column("segment", String(40), nullable=False, default="", server_default=""),
        *(Column(counter, Integer, nullable=False, default=0) for counter in COUNTS),
        *(Column(amount, BigInteger, nullable=False, default=0) for amount in AMOUNTS),
        Index(f"ix_{name}_{period}_creditor", period, "creditor_id"),
        Index(f"ix_{name}_creditor_{period}", "creditor_id", period),
    )


# One row per floor day and scope: what the reports read.
report_daily = _counters("report_daily", "day")

# report_daily rolled up by week (its Monday), the same keys and counters: a report over a long period
# reads its whole weeks here, seven times fewer rows, and only its first and last days from report_daily.
# Kept by the `reports` job with the days it recomputes (storage/report_store.py `roll_week`).
report_weekly = _counters("report_weekly", "week")


# Each collector's logged-in time per floor day (the union of its browser sessions, each from login to
# its last activity, within the day), with the collector's team when counted: the hours the reports' per
# collector-hour figures divide by.
report_hours = Table(
    "report_hours",
    metadata,
    Column("day", Date, nullable=False),
    Column("team_id", Id),
    Column("user_id", Id, nullable=False),
    Column("seconds", Integer, nullable=False),
    Index("ix_report_hours_day", "day"),
)


# The gate's refusals of contacts (audit `contact.refused`), one row per day, scope and rule named.
report_refusals = Table(
    "report_refusals",
    metadata,
    Column("day", Date, nullable=False),
    Column("creditor_id", Id, nullable=False),
    Column("team_id", Id),
    Column("user_id", Id),
    Column("channel", String(12), nullable=False),
    Column("rule", String(80), nullable=False),
    Column("refusals", Integer, nullable=False),
    Index("ix_report_refusals_creditor_day", "creditor_id", "day"),
)


# Champion against challenger by calendar month (services/strategy_compare.py), kept by the `reports` job:
# one row per month (its first day), creditor, team, collector, segment, product ("" where none), currency
# and strategy. A case counts once in a month, for the strategy and the collector of its latest plan row
# in the month (the case's collector where the row names none), with what its posted payments paid in the
# month and whether a promise was made for it in the month; plan_rows counts each plan row for its own
# collector. The sum of the squares of what each case paid (for the variance) may pass 2**63: it is kept
# as high * 2**32 + low, each part summed on its own.
report_strategies = Table(
    "report_strategies",
    metadata,
    Column("month", Date, nullable=False),
    Column("creditor_id", Id, nullable=False),
    Column("team_id", Id),
    Column("user_id", Id),
    Column("segment", String(40), nullable=False),
    Column("product", String(20), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("strategy", String(40), nullable=False),
    Column("cases", Integer, nullable=False),
    Column("plan_rows", Integer, nullable=False),
    Column("collected", BigInteger, nullable=False),
    Column("collected_squares_high", BigInteger, nullable=False),
    Column("collected_squares_low", BigInteger, nullable=False),
    Column("promised", Integer, nullable=False),
    Column("paid", Integer, nullable=False),
    Index("ix_report_strategies_month_creditor", "month", "creditor_id"),
)


# Each account's state when the job first ran after a month ended (month_end: that month's last floor
# day): balance and days-past-due bucket, status, holder (the case's collector), what was placed and what
# had been collected by then, so roll rates and liquidation curves can be read for any month since.
account_month_ends = Table(
    "account_month_ends",
    metadata,
    Column("month_end", Date, nullable=False),
    Column("account_id", Id, nullable=False),
    Column("creditor_id", Id, nullable=False),
    Column("holder_id", Id),
    Column("currency", String(3), nullable=False),
    Column("product", String(20), nullable=False),
    Column("segment", String(40)),
    Column("placed_month", Date),  # the first day of the month it was placed; null: not known
    Column("placed", BigInteger, nullable=False),  # its balance at the snapshot plus what payments took
    Column("collected", BigInteger, nullable=False),  # what its posted payments paid off by then
    Column("balance", BigInteger, nullable=False),
    Column("dpd_bucket", String(12), nullable=False),
    Column("status", String(12), nullable=False),
    UniqueConstraint("month_end", "account_id"),
    Index("ix_account_month_ends_creditor", "creditor_id", "month_end"),
)


# What a unit of work costs, set by an administrator: per attempt on a channel, or per collector-hour
# (channel "hour"), in minor units of a currency, in force from a floor day until the next row's day.
channel_costs = Table(
    "channel_costs",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("channel", String(12), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("effective_from", Date, nullable=False),
    Column("unit_cost_minor", BigInteger, nullable=False),
    Column("set_by", Id),
    Column("set_at", UTCDateTime, nullable=False),
    UniqueConstraint("channel", "currency", "effective_from"),
)


# Each monthly report's sending to each recipient: tried how often, and when it was handed over (null:
# not yet; the `monthly-reports` job tries again on its next run, and never once it is sent).
monthly_report_sends = Table(
    "monthly_report_sends",
    metadata,
    Column("creditor_id", Id, ForeignKey("creditors.id", ondelete="CASCADE"), primary_key=True),
    Column("month", String(7), primary_key=True),
    Column("email", String(254), primary_key=True),
    Column("attempts", Integer, nullable=False),
    Column("last_attempt_at", UTCDateTime, nullable=False),
    Column("sent_at", UTCDateTime),
)


# The creditor portal's figures at a glance (services/portal.py), kept whole by each run of the `reports`
# job with the portal's own definitions, so the landing page reads a few dozen rows instead of every
# account. placed_month: months since year 0 of the placement day (year * 12 + month - 1; null: placed
# before the day was recorded).
portfolio_months = Table(
    "portfolio_months",
    metadata,
    Column("creditor_id", Id, nullable=False),
    Column("placed_month", Integer),
    Column("currency", String(3), nullable=False),
    Column("accounts", Integer, nullable=False),
    Column("placed", BigInteger, nullable=False),  # principal + interest + fees as placed
    Column("open_accounts", Integer, nullable=False),
    Column("open_balance", BigInteger, nullable=False),
    Index("ix_portfolio_months_creditor", "creditor_id"),
)

# The posted payments by the account's placement month, months since placement (the payment's UTC month
# against the placement month) and currency.
portfolio_paid = Table(
    "portfolio_paid",
    metadata,
    Column("creditor_id", Id, nullable=False),
    Column("placed_month", Integer),
    Column("age", Integer),
    Column("currency", String(3), nullable=False),
    Column("amount", BigInteger, nullable=False),
    Index("ix_portfolio_paid_creditor", "creditor_id"),
)

# When the two tables above were last kept (one row; none: never, and the portal counts live).
portfolio_taken = Table(
    "portfolio_taken",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("taken_at", UTCDateTime, nullable=False),
)

# The creditor's pending and broken promises by due day and currency: how many, and what is left of them
# (amount less paid), so the portal's promise figures (pending, due in the next days, broken this month)
# read a few hundred rows.
portfolio_promises = Table(
    "portfolio_promises",
    metadata,
    Column("creditor_id", Id, nullable=False),
    Column("status", String(12), nullable=False),
    Column("due_date", Date, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("promises", Integer, nullable=False),
    Column("amount_left", BigInteger, nullable=False),
    Index("ix_portfolio_promises_creditor", "creditor_id"),
)
