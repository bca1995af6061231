"""a case's messages found by case and status together; a case's conversations from an index alone

Revision ID: 0044
Revises: 0043
Create Date: 2026-12-07 21:00:00

Issue 17: the reads of a case's messages in some states (what the gate counts as contacts: the sent and
delivered messages; what a message's text needs: those queued, sent or delivered) had an index on the
case and one on the status. SQLite, which keeps no statistics unless asked, chose the status: every
queued message per batch of the plan-dispatch job (40 ms a batch by the end of 200,000, the job's time
growing with the outbox), and every sent message before each contact a collector makes (170 ms with
180,000 sent). One index on (case, status) serves both; it also serves every read of a case's messages,
so the index on the case alone goes.

And whether a case has had a conversation (asked before each message is written: a first communication
carries its disclosures) read every interaction of the case from the table: on PostgreSQL the index of
a case's interactions by time now carries their outcome (INCLUDE), and the question is answered from the
index alone (20 ms against 3 ms for a batch of 500 cases at 90,000 accounts). SQLite has no INCLUDE.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0044"
down_revision: str | None = "0043"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_messages_case_status", "messages", ["case_id", "status"])
    op.drop_index("ix_messages_case", table_name="messages")
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_interactions_case_at", table_name="interactions")
        op.create_index(
            "ix_interactions_case_at", "interactions", ["case_id", "at"], postgresql_include=["outcome"]
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_interactions_case_at", table_name="interactions")
        op.create_index("ix_interactions_case_at", "interactions", ["case_id", "at"])
    op.create_index("ix_messages_case", "messages", ["case_id"])
    op.drop_index("ix_messages_case_status", table_name="messages")
