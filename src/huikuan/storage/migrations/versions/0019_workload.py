"""workload

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 10:15:00

Workload (issue 15): each case's open balance kept on the case, collectors' absences, and what the
queues sort and filter by.

The case keeps its open accounts' number, summed balance, currency and oldest overdue date
(cases.open_accounts, open_balance, open_currency, open_overdue_since), so that "my work today" and
"next case" read one row per case instead of adding up every account. Triggers on `accounts` keep them:
whatever writes an account (an import, a payment, a reversal, an adjustment, a recall, a job, a test),
the case's figures are computed again from its accounts in the same transaction. PostgreSQL uses
statement triggers with transition tables (one set-based UPDATE per statement, so a bulk import pays
once); SQLite row triggers.

The case also keeps its latest daily-plan row's day, whether that row plans an action, its slot and its
expected value negated (cases.plan_day, plan_live, plan_slot, plan_rank), kept by triggers on
`plan_rows`, so that an index (ix_cases_plan) gives "my work today" and "next case" in the plan's order
instead of every case of the scope being joined to its plan row and sorted. The debtors who block the
queue (cease, dispute, deceased) are a partial index (ix_debtors_blocked), so that the true count of a
queue reads `cases` alone.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OPEN = "FROM accounts a WHERE a.case_id = cases.id AND a.status = 'open'"
RECOMPUTE = (
    "open_accounts = (SELECT COUNT(*) " + _OPEN + "), "
    "open_balance = (SELECT COALESCE(SUM(a.balance), 0) " + _OPEN + "), "
    "open_currency = (SELECT MIN(a.currency) " + _OPEN + "), "
    "open_overdue_since = (SELECT MIN(a.overdue_since) " + _OPEN + ")"
)
_WATCHED = ("balance", "status", "case_id", "currency", "overdue_since")

SQLITE_TRIGGERS = (
    # An insert adds to the figures without reading `accounts`: a bulk load builds that table's indexes
    # only after its rows are in (storage/bulk.py), and a lookup per row would read the whole table.
    "CREATE TRIGGER accounts_open_after_insert AFTER INSERT ON accounts "
    "WHEN NEW.case_id IS NOT NULL AND NEW.status = 'open' BEGIN UPDATE cases SET "
    "open_accounts = open_accounts + 1, open_balance = open_balance + NEW.balance, "
    "open_currency = MIN(COALESCE(open_currency, NEW.currency), NEW.currency), "
    "open_overdue_since = MIN(COALESCE(open_overdue_since, NEW.overdue_since), "
    "COALESCE(NEW.overdue_since, open_overdue_since)) WHERE id = NEW.case_id; END",
    f"CREATE TRIGGER accounts_open_after_update AFTER UPDATE OF {', '.join(_WATCHED)} ON accounts "
    "WHEN " + " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in _WATCHED) + " "
    f"BEGIN UPDATE cases SET {RECOMPUTE} WHERE id IN (OLD.case_id, NEW.case_id); END",
    "CREATE TRIGGER accounts_open_after_delete AFTER DELETE ON accounts WHEN OLD.case_id IS NOT NULL "
    f"BEGIN UPDATE cases SET {RECOMPUTE} WHERE id = OLD.case_id; END",
)

# One grouped pass over the accounts of the cases changed (a hash join when many changed, the index
# when few), so that a bulk load, whose indexes are built after its rows, pays once.
_PG_REFRESH = """
UPDATE cases c SET open_accounts = COALESCE(s.n, 0), open_balance = COALESCE(s.balance, 0),
       open_currency = s.currency, open_overdue_since = s.overdue_since
FROM (SELECT DISTINCT case_id FROM {changed} AS ch WHERE case_id IS NOT NULL) AS ids
LEFT JOIN (
    SELECT a.case_id, COUNT(*) AS n, SUM(a.balance) AS balance, MIN(a.currency) AS currency,
           MIN(a.overdue_since) AS overdue_since
    FROM accounts a
    WHERE a.status = 'open' AND a.case_id IN (SELECT case_id FROM {changed} AS ch2)
    GROUP BY a.case_id
) AS s ON s.case_id = ids.case_id
WHERE c.id = ids.case_id;
"""
_PG_UPDATED = (
    "(SELECT o.case_id FROM old_rows o JOIN new_rows n ON n.id = o.id WHERE "
    + " OR ".join(f"o.{c} IS DISTINCT FROM n.{c}" for c in _WATCHED)
    + " UNION SELECT n.case_id FROM old_rows o JOIN new_rows n ON n.id = o.id WHERE "
    + " OR ".join(f"o.{c} IS DISTINCT FROM n.{c}" for c in _WATCHED)
    + ")"
)
POSTGRES_FUNCTION = (
    "CREATE OR REPLACE FUNCTION cases_open_refresh() RETURNS trigger LANGUAGE plpgsql AS $$\n"
    "BEGIN\n"
    "IF TG_OP = 'INSERT' THEN" + _PG_REFRESH.format(changed="new_rows") + "\n"
    "ELSIF TG_OP = 'DELETE' THEN" + _PG_REFRESH.format(changed="old_rows") + "\n"
    "ELSE" + _PG_REFRESH.format(changed=_PG_UPDATED) + "\n"
    "END IF;\nRETURN NULL;\nEND $$"
)
POSTGRES_TRIGGERS = (
    "CREATE TRIGGER accounts_open_after_insert AFTER INSERT ON accounts REFERENCING NEW TABLE AS new_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION cases_open_refresh()",
    "CREATE TRIGGER accounts_open_after_update AFTER UPDATE ON accounts "
    "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION cases_open_refresh()",
    "CREATE TRIGGER accounts_open_after_delete AFTER DELETE ON accounts REFERENCING OLD TABLE AS old_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION cases_open_refresh()",
)
_TRIGGER_NAMES = ("accounts_open_after_insert", "accounts_open_after_update", "accounts_open_after_delete")

# The latest plan row of the case (the plan's order, services/queue_order.py); none: all NULL.
_PLAN_LATEST = (
    "SELECT p.plan_date, p.action <> 'none', p.slot_start, -p.expected_value FROM plan_rows p "
    "WHERE p.case_id = cases.id ORDER BY p.plan_date DESC LIMIT 1"
)
_PLAN_KEYS = "(plan_day, plan_live, plan_slot, plan_rank)"
_PLAN_WATCHED = ("plan_date", "case_id", "action", "slot_start", "expected_value")
SQLITE_PLAN_TRIGGERS = (
    # An insert reads no plan row (a bulk load builds plan_rows' indexes after its rows are in): a row of
    # a later or the same day replaces the kept one.
    "CREATE TRIGGER plan_rows_keep_after_insert AFTER INSERT ON plan_rows BEGIN UPDATE cases SET "
    "plan_day = NEW.plan_date, plan_live = NEW.action <> 'none', plan_slot = NEW.slot_start, "
    "plan_rank = -NEW.expected_value "
    "WHERE id = NEW.case_id AND (plan_day IS NULL OR plan_day <= NEW.plan_date); END",
    f"CREATE TRIGGER plan_rows_keep_after_update AFTER UPDATE OF {', '.join(_PLAN_WATCHED)} ON plan_rows "
    f"BEGIN UPDATE cases SET {_PLAN_KEYS} = ({_PLAN_LATEST}) WHERE id IN (OLD.case_id, NEW.case_id); END",
    # Only the kept row's deletion changes anything (dropping older days' rows does not).
    "CREATE TRIGGER plan_rows_keep_after_delete AFTER DELETE ON plan_rows BEGIN "
    f"UPDATE cases SET {_PLAN_KEYS} = ({_PLAN_LATEST}) "
    "WHERE id = OLD.case_id AND plan_day = OLD.plan_date; END",
)
_PG_PLAN_RECOMPUTE = """
UPDATE cases c SET plan_day = s.plan_date, plan_live = s.action <> 'none', plan_slot = s.slot_start,
       plan_rank = -s.expected_value
FROM (SELECT ids.case_id, p.plan_date, p.action, p.slot_start, p.expected_value
      FROM (SELECT DISTINCT case_id FROM {changed} AS ch) AS ids
      LEFT JOIN LATERAL (SELECT * FROM plan_rows p WHERE p.case_id = ids.case_id
                         ORDER BY p.plan_date DESC LIMIT 1) AS p ON true) AS s
WHERE c.id = s.case_id;
"""
_PG_PLAN_INSERTED = """
UPDATE cases c SET plan_day = n.plan_date, plan_live = n.action <> 'none', plan_slot = n.slot_start,
       plan_rank = -n.expected_value
FROM (SELECT DISTINCT ON (case_id) case_id, plan_date, action, slot_start, expected_value
      FROM new_rows ORDER BY case_id, plan_date DESC) AS n
WHERE c.id = n.case_id AND (c.plan_day IS NULL OR c.plan_day <= n.plan_date);
"""
POSTGRES_PLAN_FUNCTION = (
    "CREATE OR REPLACE FUNCTION cases_plan_refresh() RETURNS trigger LANGUAGE plpgsql AS $$\n"
    "BEGIN\n"
    "IF TG_OP = 'INSERT' THEN" + _PG_PLAN_INSERTED + "\n"
    "ELSIF TG_OP = 'DELETE' THEN" + _PG_PLAN_RECOMPUTE.format(changed="old_rows") + "\n"
    "ELSE"
    + _PG_PLAN_RECOMPUTE.format(changed="(SELECT case_id FROM old_rows UNION SELECT case_id FROM new_rows)")
    + "\n"
    "END IF;\nRETURN NULL;\nEND $$"
)
POSTGRES_PLAN_TRIGGERS = (
    "CREATE TRIGGER plan_rows_keep_after_insert AFTER INSERT ON plan_rows "
    "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION cases_plan_refresh()",
    "CREATE TRIGGER plan_rows_keep_after_update AFTER UPDATE ON plan_rows "
    "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION cases_plan_refresh()",
    "CREATE TRIGGER plan_rows_keep_after_delete AFTER DELETE ON plan_rows "
    "REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION cases_plan_refresh()",
)
_PLAN_TRIGGER_NAMES = (
    "plan_rows_keep_after_insert",
    "plan_rows_keep_after_update",
    "plan_rows_keep_after_delete",
)
BLOCKED = "cease OR disputed OR deceased"
SQLITE_BLOCKED = "cease = 1 OR disputed = 1 OR deceased = 1"  # as SQLAlchemy writes the test there


def _plan_keys_upgrade(sqlite: bool) -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("plan_day", sa.Date(), nullable=True))
        batch.add_column(sa.Column("plan_live", sa.Boolean(), nullable=True))
        batch.add_column(sa.Column("plan_slot", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("plan_rank", sa.BigInteger(), nullable=True))
    if sqlite:
        op.execute(f"UPDATE cases SET {_PLAN_KEYS} = ({_PLAN_LATEST})")  # the backfill
    else:
        op.execute(_PG_PLAN_RECOMPUTE.format(changed="(SELECT id AS case_id FROM cases)"))
        op.execute(POSTGRES_PLAN_FUNCTION)
    for statement in SQLITE_PLAN_TRIGGERS if sqlite else POSTGRES_PLAN_TRIGGERS:
        op.execute(statement)
    op.create_index("ix_cases_plan", "cases", ["plan_day", "plan_live", "plan_slot", "plan_rank"])
    op.create_index(
        "ix_debtors_blocked",
        "debtors",
        ["id"],
        sqlite_where=sa.text(SQLITE_BLOCKED),
        postgresql_where=sa.text(BLOCKED),
    )


def _plan_keys_downgrade(sqlite: bool) -> None:
    op.drop_index("ix_debtors_blocked", table_name="debtors")
    op.drop_index("ix_cases_plan", table_name="cases")
    for name in _PLAN_TRIGGER_NAMES:
        op.execute(f"DROP TRIGGER IF EXISTS {name}" + ("" if sqlite else " ON plan_rows"))
    if not sqlite:
        op.execute("DROP FUNCTION IF EXISTS cases_plan_refresh()")
    with op.batch_alter_table("cases") as batch:
        for name in ("plan_rank", "plan_slot", "plan_live", "plan_day"):
            batch.drop_column(name)


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("open_accounts", sa.Integer(), server_default="0", nullable=False))
        batch.add_column(sa.Column("open_balance", sa.BigInteger(), server_default="0", nullable=False))
        batch.add_column(sa.Column("open_currency", sa.String(length=3), nullable=True))
        batch.add_column(sa.Column("open_overdue_since", sa.Date(), nullable=True))
    op.execute(f"UPDATE cases SET {RECOMPUTE}")  # the backfill
    sqlite = op.get_bind().dialect.name == "sqlite"
    if not sqlite:
        op.execute(POSTGRES_FUNCTION)
    for statement in SQLITE_TRIGGERS if sqlite else POSTGRES_TRIGGERS:
        op.execute(statement)
    op.create_table(
        "absences",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("user_id", Id, nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("set_by", Id, nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("ends_on >= starts_on", name=op.f("ck_absences_days_in_order")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_absences_user_id_users")),
        sa.ForeignKeyConstraint(["set_by"], ["users.id"], name=op.f("fk_absences_set_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_absences")),
    )
    op.create_index("ix_absences_user_id", "absences", ["user_id", "starts_on"], unique=False)
    _plan_keys_upgrade(sqlite)


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for name in _TRIGGER_NAMES:  # first: SQLite rebuilds `cases` below, which the triggers name
        op.execute(f"DROP TRIGGER IF EXISTS {name}" + ("" if sqlite else " ON accounts"))
    _plan_keys_downgrade(sqlite)
    op.drop_index("ix_absences_user_id", table_name="absences")
    op.drop_table("absences")
    if not sqlite:
        op.execute("DROP FUNCTION IF EXISTS cases_open_refresh()")
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("open_overdue_since")
        batch.drop_column("open_currency")
        batch.drop_column("open_balance")
        batch.drop_column("open_accounts")
