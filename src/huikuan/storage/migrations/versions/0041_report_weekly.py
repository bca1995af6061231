"""the reports' counters rolled up by week

Revision ID: 0041
Revises: 0040
Create Date: 2026-12-07 08:00:00

Issue 16: a report over a long period (90 days by week) summed every report_daily row of its days, three
times over; report_weekly holds the same counters by week (its Monday) with the same keys, kept by the
`reports` job, so such a report reads its whole weeks there and only its edge days from report_daily.
Filled here from the days already counted.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

import sqlalchemy as sa
from alembic import op

revision: str = "0041"
down_revision: str | None = "0040"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
KEYS = ("creditor_id", "team_id", "user_id", "channel", "currency", "product", "segment")
COUNTS = (
    "attempts",
    "contacts",
    "rpcs",
    "conversations",
    "promises_made",
    "promises_due",
    "promises_kept",
    "promises_partly_kept",
    "promises_broken",
    "payments",
    "paid_off",
    "disputes",
    "complaints",
    "planned",
    "planned_made",
    "refusals",
)
AMOUNTS = ("promised_amount", "kept_amount", "collected", "reversed")


def upgrade() -> None:
    op.create_table(
        "report_weekly",
        sa.Column("week", sa.Date(), nullable=False),
        sa.Column("creditor_id", ID, nullable=False),
        sa.Column("team_id", ID, nullable=True),
        sa.Column("user_id", ID, nullable=True),
        sa.Column("channel", sa.String(length=12), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("product", sa.String(length=20), nullable=False, server_default=""),
        sa.Column("segment", sa.String(length=40), nullable=False, server_default=""),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in COUNTS),
        *(sa.Column(name, sa.BigInteger(), nullable=False) for name in AMOUNTS),
    )
    op.create_index("ix_report_weekly_week_creditor", "report_weekly", ["week", "creditor_id"])
    op.create_index("ix_report_weekly_creditor_week", "report_weekly", ["creditor_id", "week"])
    conn = op.get_bind()
    days = conn.execute(sa.text("SELECT DISTINCT day FROM report_daily")).scalars()
    mondays = {_day(d) - timedelta(days=_day(d).weekday()) for d in days}
    keys = ", ".join(KEYS)
    sums = ", ".join(f"SUM({name})" for name in COUNTS + AMOUNTS)
    fill = sa.text(
        f"INSERT INTO report_weekly (week, {keys}, {', '.join(COUNTS + AMOUNTS)}) "
        f"SELECT :week, {keys}, {sums} FROM report_daily WHERE day >= :week AND day <= :sunday "
        f"GROUP BY {keys}"
    ).bindparams(sa.bindparam("week", type_=sa.Date()), sa.bindparam("sunday", type_=sa.Date()))
    for monday in sorted(mondays):
        conn.execute(fill, {"week": monday, "sunday": monday + timedelta(days=6)})


def downgrade() -> None:
    op.drop_index("ix_report_weekly_creditor_week", table_name="report_weekly")
    op.drop_index("ix_report_weekly_week_creditor", table_name="report_weekly")
    op.drop_table("report_weekly")


def _day(value: object) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))
