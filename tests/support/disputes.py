"""A dispute, a complaint and a verification document on a case, written straight to the database (and
the document's file into a file store): what the routes of disputes and documents need to answer about."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import Engine, insert, select

from huikuan.storage import tables as t
from huikuan.storage.document_store import FileStore

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\n%%EOF\n"


def dispute_complaint_and_document(engine: Engine, case_id: int, store: Path) -> tuple[int, int, int]:
    """Adds an open dispute (of every account, not stopping collection, so the gate is unchanged), a
    received complaint and a verification PDF of the dispute; returns their ids."""
    with engine.begin() as conn:
        debtor = conn.execute(select(t.cases.c.debtor_id).where(t.cases.c.id == case_id)).scalar_one()
        dispute = conn.execute(
            insert(t.disputes)
            .values(
                debtor_id=debtor,
                case_id=case_id,
                via="contact",
                written=False,
                status="open",
                stops_collection=False,
                deadline=date(2026, 12, 20),
                opened_at=NOW,
                notes="",
            )
            .returning(t.disputes.c.id)
        ).scalar_one()
        complaint = conn.execute(
            insert(t.complaints)
            .values(
                debtor_id=debtor,
                case_id=case_id,
                channel="call",
                category="conduct",
                regulator="none",
                regulator_ref="",
                status="received",
                due_on=date(2026, 12, 5),
                received_at=NOW,
                notes="",
            )
            .returning(t.complaints.c.id)
        ).scalar_one()
        key = f"2026/11/case-{case_id}"
        FileStore(store).put(key, PDF)
        document = conn.execute(
            insert(t.documents)
            .values(
                kind="verification",
                filename=f"verification-{case_id}.pdf",
                content_type="application/pdf",
                size=len(PDF),
                sha256=hashlib.sha256(PDF).hexdigest(),
                store="fs",
                stored_key=key,
                entity="dispute",
                entity_id=dispute,
                case_id=case_id,
                created_at=NOW,
            )
            .returning(t.documents.c.id)
        ).scalar_one()
    return int(dispute), int(complaint), int(document)
