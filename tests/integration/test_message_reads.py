"""A case's messages are read by case and status together (index ix_messages_case_status), never through
the status alone: the outbox holds every message ever queued, and a database that keeps no statistics
(SQLite, unless asked) would otherwise walk every queued or every sent message to find one case's.

These are SQLite's choices, made without statistics, so the floor here is on SQLite whichever database
the suite runs on; PostgreSQL chooses by the statistics its autovacuum keeps (with few sent messages the
status is the better way in there, and it takes it)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from tests.support.floor import Floor, build_floor
from tests.support.query_plan import plan_of

from huikuan.services.message_rows import case_rows
from huikuan.storage.engine import make_engine
from huikuan.storage.gate_inputs import contact_rows
from huikuan.storage.migrate import upgrade
from huikuan.storage.uow import UnitOfWork


@pytest.fixture
def sqlite_floor(tmp_path: Path) -> Iterator[Floor]:
    engine = make_engine(f"sqlite:///{tmp_path / 'floor.db'}")
    upgrade(engine)
    with UnitOfWork(engine) as uow:
        yield build_floor(uow)
    engine.dispose()


def test_the_gate_finds_a_debtors_sent_messages_through_their_cases(sqlite_floor: Floor) -> None:
    """Before every contact the gate counts the messages sent to the debtor (storage/gate_inputs.py)."""
    floor = sqlite_floor
    conn = floor.uow.session.connection()
    debtors = [case.debtor_id for case in floor.cases]
    plan = plan_of(conn, "messages", lambda: contact_rows(conn, debtors))
    assert "ix_messages_case_status" in plan and "ix_messages_status" not in plan, plan


def test_a_messages_text_finds_what_was_written_to_its_case_by_case(sqlite_floor: Floor) -> None:
    """What a message's text needs to know of the case's earlier messages (services/message_rows.py)."""
    floor = sqlite_floor
    conn = floor.uow.session.connection()
    cases = [case.id for case in floor.cases]
    plan = plan_of(conn, "messages", lambda: case_rows(floor.uow, cases))
    assert "ix_messages_case_status" in plan and "ix_messages_status" not in plan, plan


def test_whether_a_case_has_had_a_conversation_is_read_from_an_index(floor: Floor) -> None:
    """Asked of every case a message is written for (a first communication carries its disclosures): on
    either database the interactions' index by case answers it; on PostgreSQL from the index alone, which
    carries the outcome, so that the table need not be read once it is vacuumed (here on the suite's own
    database, whose few fresh rows PostgreSQL rather reads from the table)."""
    conn = floor.uow.session.connection()
    cases = [case.id for case in floor.cases]
    plan = plan_of(conn, "interactions", lambda: case_rows(floor.uow, cases))
    assert "ix_interactions_case_at" in plan, plan
    if conn.dialect.name == "postgresql":
        found = "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_interactions_case_at'"
        assert conn.execute(text(found)).scalar_one().endswith("(case_id, at) INCLUDE (outcome)")
