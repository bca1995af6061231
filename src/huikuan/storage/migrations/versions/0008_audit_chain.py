"""audit chain

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-10 09:00:00

The audit log becomes an append-only hash chain (storage/audit.py): each row gets its place (`seq`), the
previous row's hash and its own; `audit_head` holds the end of the chain. The rows already written are
chained in id order, then triggers refuse UPDATE and DELETE on `audit_events` (TRUNCATE, a table-level
statement, is not a row event). A later migration that rebuilds `audit_events` on SQLite (a batch
"move and copy") drops its triggers with the old table and must create them again.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from huikuan.storage.audit import GENESIS, row_hash
from huikuan.storage.types import UTCDateTime

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REFUSAL = "audit_events is append-only: its rows cannot be changed or deleted"

SQLITE_TRIGGERS = (
    "CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events "
    f"BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END",
    "CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events "
    f"BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END",
)
POSTGRES_TRIGGERS = (
    "CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS "
    f"$$ BEGIN RAISE EXCEPTION '{REFUSAL}' USING ERRCODE = 'insufficient_privilege'; END $$",
    "CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events "
    "FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()",
)

_events = sa.table(
    "audit_events",
    sa.column("id", sa.BigInteger),
    sa.column("at", UTCDateTime),
    sa.column("user_id", sa.BigInteger),
    sa.column("action", sa.String),
    sa.column("entity", sa.String),
    sa.column("entity_id", sa.BigInteger),
    sa.column("detail", sa.JSON),
    sa.column("seq", sa.BigInteger),
    sa.column("prev_hash", sa.String),
    sa.column("row_hash", sa.String),
)


def upgrade() -> None:
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("seq", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("row_hash", sa.String(length=64), nullable=True))
        batch_op.create_index(
            "ix_audit_events_user_entity", ["user_id", "entity", "entity_id", "at"], unique=False
        )
        batch_op.create_index("ux_audit_events_seq", ["seq"], unique=True)
    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("last_hash", sa.String(length=64), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_audit_head_one_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_head")),
    )
    seq, last = _chain_existing_rows(op.get_bind())
    with op.batch_alter_table("audit_events", schema=None) as batch_op:  # every row is chained now
        for name in ("seq", "prev_hash", "row_hash"):
            batch_op.alter_column(name, nullable=False)
    op.execute(
        sa.text("INSERT INTO audit_head (id, seq, last_hash) VALUES (1, :seq, :last)").bindparams(
            seq=seq, last=last
        )
    )
    triggers = SQLITE_TRIGGERS if op.get_bind().dialect.name == "sqlite" else POSTGRES_TRIGGERS
    for statement in triggers:
        op.execute(statement)


def _chain_existing_rows(conn: Any) -> tuple[int, str]:
    """Chains the rows written before this migration, in id order; the end of the chain."""
    e = _events.c
    seq, prev, after = 0, GENESIS, 0
    while True:
        rows = conn.execute(
            sa.select(e.id, e.at, e.user_id, e.action, e.entity, e.entity_id, e.detail)
            .where(e.id > after)
            .order_by(e.id)
            .limit(1000)
        ).all()
        if not rows:
            return seq, prev
        chained = []
        for r in rows:
            seq += 1
            fields = {
                "at": r.at,
                "user_id": r.user_id,
                "action": r.action,
                "entity": r.entity,
                "entity_id": r.entity_id,
                "detail": r.detail,
            }
            digest = row_hash(seq=seq, prev_hash=prev, **fields)
            chained.append({"row_id": r.id, "s": seq, "p": prev, "h": digest})
            prev = digest
        conn.execute(
            sa.update(_events)
            .where(e.id == sa.bindparam("row_id"))
            .values(seq=sa.bindparam("s"), prev_hash=sa.bindparam("p"), row_hash=sa.bindparam("h")),
            chained,
        )
        after = rows[-1].id


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_delete")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_events_append_only ON audit_events")
        op.execute("DROP FUNCTION IF EXISTS audit_events_append_only()")
    op.drop_table("audit_head")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index("ux_audit_events_seq")
        batch_op.drop_index("ix_audit_events_user_entity")
        batch_op.drop_column("row_hash")
        batch_op.drop_column("prev_hash")
        batch_op.drop_column("seq")
