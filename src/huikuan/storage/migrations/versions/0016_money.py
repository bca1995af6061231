"""money

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 07:30:00

The money (issue 14): payments the agency receives beside those the creditor reports, their allocations by
part, reversals, a double-entry journal that is never updated or deleted (triggers refuse both), a
creditor's versioned money terms, payment links, provider notifications taken, and frozen statements.
The journal opens with what is there already: each creditor's accounts at their placed balance (today's
balance plus what imported payments paid), then each imported payment as a direct payment.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


@contextmanager
def _allocations_kept() -> Iterator[None]:
    """SQLite recreates `payments` to change its keys: dropping the old table deletes its rows first, and
    their allocations with them (ON DELETE CASCADE). Keep a copy of the allocations and put it back."""
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        op.execute("CREATE TEMP TABLE kept_allocations AS SELECT * FROM payment_allocations")
    yield
    if sqlite:
        op.execute("DELETE FROM payment_allocations")
        op.execute("INSERT INTO payment_allocations SELECT * FROM kept_allocations")
        op.execute("DROP TABLE kept_allocations")


def upgrade() -> None:
    op.create_table(
        "money_terms",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("creditor_id", Id, nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("terms", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", Id, nullable=True),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name=op.f("fk_money_terms_created_by_users")),
        sa.ForeignKeyConstraint(
            ["creditor_id"], ["creditors.id"], name=op.f("fk_money_terms_creditor_id_creditors")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_money_terms")),
        sa.UniqueConstraint("creditor_id", "starts_on", name=op.f("uq_money_terms_creditor_id")),
    )
    op.create_table(
        "ledger_entries",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("creditor_id", Id, nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("payment_id", Id, nullable=True),
        sa.Column("reverses_id", Id, nullable=True),
        sa.Column("user_id", Id, nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["creditor_id"], ["creditors.id"], name=op.f("fk_ledger_entries_creditor_id_creditors")
        ),
        sa.ForeignKeyConstraint(
            ["payment_id"], ["payments.id"], name=op.f("fk_ledger_entries_payment_id_payments")
        ),
        sa.ForeignKeyConstraint(
            ["reverses_id"], ["ledger_entries.id"], name=op.f("fk_ledger_entries_reverses_id_ledger_entries")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_ledger_entries_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_entries")),
        sa.UniqueConstraint("id", "currency", name="id_currency"),
        sa.UniqueConstraint("reverses_id", name=op.f("uq_ledger_entries_reverses_id")),
    )
    with op.batch_alter_table("ledger_entries", schema=None) as batch_op:
        batch_op.create_index("ix_ledger_entries_creditor_at", ["creditor_id", "at"], unique=False)
        batch_op.create_index("ix_ledger_entries_payment", ["payment_id"], unique=False)

    op.create_table(
        "payment_links",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("case_id", Id, nullable=False),
        sa.Column("arrangement_id", Id, nullable=True),
        sa.Column("provider", sa.String(length=12), nullable=False),
        sa.Column("route", sa.String(length=10), nullable=False),
        sa.Column("out_trade_no", sa.String(length=64), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", Id, nullable=True),
        sa.Column("payment_id", Id, nullable=True),
        sa.CheckConstraint("amount > 0", name=op.f("ck_payment_links_amount_positive")),
        sa.ForeignKeyConstraint(
            ["arrangement_id"], ["arrangements.id"], name=op.f("fk_payment_links_arrangement_id_arrangements")
        ),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_payment_links_case_id_cases")),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name=op.f("fk_payment_links_created_by_users")),
        sa.ForeignKeyConstraint(
            ["payment_id"], ["payments.id"], name=op.f("fk_payment_links_payment_id_payments")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_links")),
        sa.UniqueConstraint("out_trade_no", name=op.f("uq_payment_links_out_trade_no")),
    )
    with op.batch_alter_table("payment_links", schema=None) as batch_op:
        batch_op.create_index("ix_payment_links_case", ["case_id"], unique=False)

    op.create_table(
        "provider_events",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("provider", sa.String(length=12), nullable=False),
        sa.Column("event_id", sa.String(length=128), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("payment_id", Id, nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["payment_id"], ["payments.id"], name=op.f("fk_provider_events_payment_id_payments")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_provider_events")),
        sa.UniqueConstraint("provider", "event_id", name=op.f("uq_provider_events_provider")),
    )
    op.create_table(
        "ledger_lines",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("entry_id", Id, nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("debit_book", sa.String(length=16), nullable=False),
        sa.Column("debit_ref", Id, nullable=False),
        sa.Column("credit_book", sa.String(length=16), nullable=False),
        sa.Column("credit_ref", Id, nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("amount > 0", name=op.f("ck_ledger_lines_amount_positive")),
        sa.CheckConstraint(
            "debit_book <> credit_book OR debit_ref <> credit_ref", name=op.f("ck_ledger_lines_two_sides")
        ),
        sa.ForeignKeyConstraint(
            ["entry_id", "currency"], ["ledger_entries.id", "ledger_entries.currency"], name="entry_currency"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_lines")),
    )
    with op.batch_alter_table("ledger_lines", schema=None) as batch_op:
        batch_op.create_index("ix_ledger_lines_credit", ["credit_book", "credit_ref"], unique=False)
        batch_op.create_index("ix_ledger_lines_debit", ["debit_book", "debit_ref"], unique=False)
        batch_op.create_index("ix_ledger_lines_entry", ["entry_id"], unique=False)

    op.create_table(
        "payment_reversals",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("payment_id", Id, nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_id", Id, nullable=True),
        sa.Column("entry_id", Id, nullable=False),
        sa.Column("moved_to_id", Id, nullable=True),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["ledger_entries.id"], name=op.f("fk_payment_reversals_entry_id_ledger_entries")
        ),
        sa.ForeignKeyConstraint(
            ["moved_to_id"], ["payments.id"], name=op.f("fk_payment_reversals_moved_to_id_payments")
        ),
        sa.ForeignKeyConstraint(
            ["payment_id"], ["payments.id"], name=op.f("fk_payment_reversals_payment_id_payments")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_payment_reversals_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_reversals")),
        sa.UniqueConstraint("payment_id", name=op.f("uq_payment_reversals_payment_id")),
    )
    op.create_table(
        "statements",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("creditor_id", Id, nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("remittance", sa.String(length=8), nullable=False),
        sa.Column("totals", sa.JSON(), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("issued_by", Id, nullable=True),
        sa.Column("entry_id", Id, nullable=True),
        sa.ForeignKeyConstraint(
            ["creditor_id"], ["creditors.id"], name=op.f("fk_statements_creditor_id_creditors")
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["ledger_entries.id"], name=op.f("fk_statements_entry_id_ledger_entries")
        ),
        sa.ForeignKeyConstraint(["issued_by"], ["users.id"], name=op.f("fk_statements_issued_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_statements")),
        sa.UniqueConstraint("creditor_id", "period", name=op.f("uq_statements_creditor_id")),
    )
    op.create_table(
        "statement_entries",
        sa.Column("statement_id", Id, nullable=False),
        sa.Column("entry_id", Id, nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["ledger_entries.id"], name=op.f("fk_statement_entries_entry_id_ledger_entries")
        ),
        sa.ForeignKeyConstraint(
            ["statement_id"], ["statements.id"], name=op.f("fk_statement_entries_statement_id_statements")
        ),
        sa.UniqueConstraint("entry_id", name=op.f("uq_statement_entries_entry_id")),
    )
    with op.batch_alter_table("statement_entries", schema=None) as batch_op:
        batch_op.create_index("ix_statement_entries_statement", ["statement_id"], unique=False)

    with op.batch_alter_table("payment_allocations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("fees", sa.BigInteger(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("interest", sa.BigInteger(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("principal", sa.BigInteger(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("commission", sa.BigInteger(), nullable=False, server_default="0"))
    op.execute("UPDATE payment_allocations SET principal = amount")
    with op.batch_alter_table("payment_allocations", schema=None) as batch_op:
        batch_op.create_check_constraint("parts_add_up", "amount = fees + interest + principal")

    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("placed_on", sa.Date(), nullable=True))
    op.execute("UPDATE accounts SET placed_on = CURRENT_DATE")
    with _allocations_kept(), op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("case_id", Id, nullable=True))
        batch_op.add_column(sa.Column("source", sa.String(length=8), nullable=False, server_default="direct"))
        batch_op.add_column(
            sa.Column("route", sa.String(length=10), nullable=False, server_default="creditor")
        )
        batch_op.add_column(
            sa.Column("status", sa.String(length=10), nullable=False, server_default="posted")
        )
        batch_op.add_column(sa.Column("provider", sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column("commission", sa.BigInteger(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("held", sa.BigInteger(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("posted_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("user_id", Id, nullable=True))
        batch_op.add_column(sa.Column("document_id", Id, nullable=True))
        batch_op.add_column(sa.Column("moved_from_id", Id, nullable=True))
        batch_op.add_column(sa.Column("note", sa.Text(), nullable=False, server_default=""))
        batch_op.create_index("ix_payments_case", ["case_id"], unique=False)
        batch_op.create_index("ix_payments_creditor_paid_at", ["creditor_id", "paid_at"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_payments_document_id_documents"), "documents", ["document_id"], ["id"]
        )
        batch_op.create_foreign_key(batch_op.f("fk_payments_user_id_users"), "users", ["user_id"], ["id"])
        batch_op.create_foreign_key(
            batch_op.f("fk_payments_moved_from_id_payments"), "payments", ["moved_from_id"], ["id"]
        )
        batch_op.create_foreign_key(batch_op.f("fk_payments_case_id_cases"), "cases", ["case_id"], ["id"])

    op.execute(
        "UPDATE payments SET case_id = (SELECT a.case_id FROM accounts a WHERE a.id = payments.account_id),"
        " posted_at = paid_at"
    )
    _append_only()
    _open_the_journal()


APPEND_ONLY = ("ledger_entries", "ledger_lines", "statement_entries")


def _append_only() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
            " RAISE EXCEPTION '% is append-only: write a new entry instead', TG_TABLE_NAME; END $$"
        )
        for table in APPEND_ONLY:
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}"
                " FOR EACH ROW EXECUTE FUNCTION append_only()"
            )
        return
    for table in APPEND_ONLY:
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{event.lower()} BEFORE {event} ON {table} BEGIN"
                f" SELECT RAISE(ABORT, '{table} is append-only: write a new entry instead'); END"
            )


_PLACED = (
    "a.balance + COALESCE((SELECT SUM(pa.amount) FROM payment_allocations pa WHERE pa.account_id = a.id), 0)"
)


def _open_the_journal() -> None:
    """One placement entry per creditor and currency (a line per account at its placed balance), then one
    entry per imported payment: portfolio -> receivable per allocation, what no account took held."""
    bind = op.get_bind()
    groups = bind.execute(sa.text("SELECT DISTINCT creditor_id, currency FROM accounts")).all()
    for creditor_id, currency in groups:
        entry = bind.execute(
            sa.text(
                "INSERT INTO ledger_entries (kind, creditor_id, currency, at, posted_at, reason)"
                " VALUES ('placement', :c, :cur, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 'opening balances')"
                " RETURNING id"
            ),
            {"c": creditor_id, "cur": currency},
        ).scalar_one()
        bind.execute(
            sa.text(
                "INSERT INTO ledger_lines (entry_id, currency, debit_book, debit_ref, credit_book, credit_ref,"
                f" amount) SELECT :e, a.currency, 'receivable', a.id, 'portfolio', a.creditor_id, {_PLACED}"
                f" FROM accounts a WHERE a.creditor_id = :c AND a.currency = :cur AND {_PLACED} > 0"
            ),
            {"e": entry, "c": creditor_id, "cur": currency},
        )
    payments = bind.execute(
        sa.text("SELECT id, creditor_id, currency, paid_at, amount, account_id FROM payments ORDER BY id")
    ).all()
    for p in payments:
        entry = bind.execute(
            sa.text(
                "INSERT INTO ledger_entries (kind, creditor_id, currency, at, posted_at, payment_id, reason)"
                " VALUES ('payment', :c, :cur, :at, CURRENT_TIMESTAMP, :p, 'imported') RETURNING id"
            ),
            {"c": p.creditor_id, "cur": p.currency, "at": p.paid_at, "p": p.id},
        ).scalar_one()
        bind.execute(
            sa.text(
                "INSERT INTO ledger_lines (entry_id, currency, debit_book, debit_ref, credit_book, credit_ref,"
                " amount) SELECT :e, :cur, 'portfolio', :c, 'receivable', pa.account_id, pa.amount"
                " FROM payment_allocations pa WHERE pa.payment_id = :p"
            ),
            {"e": entry, "cur": p.currency, "c": p.creditor_id, "p": p.id},
        )
        applied = bind.execute(
            sa.text("SELECT COALESCE(SUM(amount), 0) FROM payment_allocations WHERE payment_id = :p"),
            {"p": p.id},
        ).scalar_one()
        held = p.amount - applied
        if held > 0:
            bind.execute(
                sa.text(
                    "INSERT INTO ledger_lines (entry_id, currency, debit_book, debit_ref, credit_book,"
                    " credit_ref, amount) VALUES (:e, :cur, 'direct', :c, 'held', :a, :n)"
                ),
                {"e": entry, "cur": p.currency, "c": p.creditor_id, "a": p.account_id, "n": held},
            )
            bind.execute(sa.text("UPDATE payments SET held = :n WHERE id = :p"), {"n": held, "p": p.id})


def downgrade() -> None:
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_column("placed_on")
    if op.get_bind().dialect.name == "postgresql":
        for table in APPEND_ONLY:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        op.execute("DROP FUNCTION IF EXISTS append_only()")
    with op.batch_alter_table("payment_allocations", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_payment_allocations_parts_add_up"), type_="check")
    with _allocations_kept(), op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_payments_case_id_cases"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_payments_moved_from_id_payments"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_payments_user_id_users"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_payments_document_id_documents"), type_="foreignkey")
        batch_op.drop_index("ix_payments_creditor_paid_at")
        batch_op.drop_index("ix_payments_case")
        batch_op.drop_column("note")
        batch_op.drop_column("moved_from_id")
        batch_op.drop_column("document_id")
        batch_op.drop_column("user_id")
        batch_op.drop_column("posted_at")
        batch_op.drop_column("held")
        batch_op.drop_column("commission")
        batch_op.drop_column("provider")
        batch_op.drop_column("status")
        batch_op.drop_column("route")
        batch_op.drop_column("source")
        batch_op.drop_column("case_id")

    with op.batch_alter_table("payment_allocations", schema=None) as batch_op:
        batch_op.drop_column("commission")
        batch_op.drop_column("principal")
        batch_op.drop_column("interest")
        batch_op.drop_column("fees")

    with op.batch_alter_table("statement_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_statement_entries_statement")

    op.drop_table("statement_entries")
    op.drop_table("statements")
    op.drop_table("payment_reversals")
    with op.batch_alter_table("ledger_lines", schema=None) as batch_op:
        batch_op.drop_index("ix_ledger_lines_entry")
        batch_op.drop_index("ix_ledger_lines_debit")
        batch_op.drop_index("ix_ledger_lines_credit")

    op.drop_table("ledger_lines")
    op.drop_table("provider_events")
    with op.batch_alter_table("payment_links", schema=None) as batch_op:
        batch_op.drop_index("ix_payment_links_case")

    op.drop_table("payment_links")
    with op.batch_alter_table("ledger_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_ledger_entries_payment")
        batch_op.drop_index("ix_ledger_entries_creditor_at")

    op.drop_table("ledger_entries")
    op.drop_table("money_terms")
