"""An offer awaiting approval and a sent letter with its PDF on a case, written straight to the database:
what the approval queue and the letter download need to have something to answer about."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, insert

from huikuan.storage import tables as t

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)


def offer_and_letter(engine: Engine, case_id: int, proposer: int, letters: Path) -> tuple[int, int]:
    """Adds both to the case; returns (arrangement id, message id). The PDF is written under `letters`."""
    schedule = [{"seq": 1, "due_date": "2026-12-01", "amount": 100_000}]
    with engine.begin() as conn:
        arrangement = conn.execute(
            insert(t.arrangements)
            .values(
                case_id=case_id,
                kind="settlement",
                total_amount=100_000,
                currency="CNY",
                schedule=schedule,
                discount_bp=9000,
                status="awaiting_approval",
                proposed_by=proposer,
                balance_at_offer=1_000_000,
                created_at=NOW,
            )
            .returning(t.arrangements.c.id)
        ).scalar_one()
        document = f"letter-{case_id}.pdf"
        (letters / document).write_bytes(b"%PDF-1.4\n")
        message = conn.execute(
            insert(t.messages)
            .values(
                case_id=case_id,
                channel="letter",
                to="北京市",
                body="...",
                template="demand",
                status="sent",
                created_at=NOW,
                sent_at=NOW,
                document=document,
            )
            .returning(t.messages.c.id)
        ).scalar_one()
    return int(arrangement), int(message)
