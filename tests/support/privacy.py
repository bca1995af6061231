"""A floor case with a whole history for the privacy tests: a contact with notes, a promise, an offer with
its reasons, an SMS and a letter (its PDF on disk), a next action's note and an audit event, each carrying
a word of the person's own (`tag`) so that a test can tell whose data it is looking at; and the ways its
accounts close."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert, select, update
from tests.support.floor import FloorCase
from tests.support.payments import import_csv

from huikuan.storage import tables as t
from huikuan.storage.audit import record
from huikuan.storage.uow import UnitOfWork

AT = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)


@dataclass(frozen=True)
class History:
    case: FloorCase
    tag: str  # a word written into every free text of this person
    interaction_id: int
    promise_id: int
    arrangement_id: int
    sms_id: int
    letter_id: int
    letter: Path
    audit_id: int


def give_history(engine: Engine, case: FloorCase, letters: Path, tag: str) -> History:
    """Writes the history (and the letter's PDF under `letters`) of a floor case."""
    with engine.begin() as conn:

        def add(table: Any, **values: Any) -> int:
            return int(conn.execute(insert(table).values(**values).returning(table.c.id)).scalar_one())

        interaction = add(
            t.interactions,
            case_id=case.id,
            debtor_id=case.debtor_id,
            contact_point_id=case.mobile_id,
            at=AT,
            channel="call",
            direction="outbound",
            outcome="promise",
            goal="agree_payment",
            goal_note=f"goal note {tag}",
            goal_met=True,
            notes=f"said {tag} will pay on Friday",
            duration_s=180,
            decision_id=f"dec-{tag}",
        )
        promise = add(
            t.promises,
            case_id=case.id,
            amount=50_000,
            currency="CNY",
            due_date=date(2026, 11, 27),
            created_at=AT,
            interaction_id=interaction,
        )
        arrangement = add(
            t.arrangements,
            case_id=case.id,
            kind="instalment",
            total_amount=100_000,
            currency="CNY",
            schedule=[{"seq": 1, "due_date": "2026-12-01", "amount": 100_000}],
            status="rejected",
            reason=f"{tag} lost the job",
            balance_at_offer=100_000,
            created_at=AT,
            decided_at=AT,
            decision_note=f"{tag} can pay more",
        )
        sms = add(
            t.messages,
            case_id=case.id,
            channel="sms",
            to=f"+86 sms {tag}",
            body=f"Dear {tag}, a reminder",
            template="reminder",
            status="delivered",
            created_at=AT,
            sent_at=AT,
            contact_point_id=case.mobile_id,
            provider_ref=f"sms-{tag}",
        )
        document = f"2026-11/{tag}.pdf"
        letter = add(
            t.messages,
            case_id=case.id,
            channel="letter",
            to=f"{tag} street 1",
            subject=f"About {tag}",
            body=f"Dear {tag}, a letter",
            template="demand",
            status="sent",
            created_at=AT,
            sent_at=AT,
            contact_point_id=case.address_id,
            document=document,
        )
        conn.execute(
            update(t.cases).where(t.cases.c.id == case.id).values(next_action_note=f"call {tag} at noon")
        )
        audit = record(
            conn,
            at=AT,
            user_id=None,
            action="reveal.contact_point",
            entity="contact_point",
            entity_id=case.mobile_id,
            detail={"case_id": case.id, "kind": "mobile", "party_id": None},
        )
    path = letters / document
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"%PDF-1.4\n% letter to " + tag.encode() + b"\n")
    return History(case, tag, interaction, promise, arrangement, sms, letter, path, audit)


def pay_in_full(uow: UnitOfWork, tmp: Path, creditor: str, case: FloorCase, day: date) -> None:
    """The case's accounts paid in full on `day`, through the payment import (last payment date, status)."""
    a = t.accounts.c
    rows = uow.session.execute(select(a.id, a.external_ref, a.balance).where(a.id.in_(case.account_ids)))
    lines = [
        (
            f"PAY-{row.id}-{day:%Y%m%d}",
            row.external_ref,
            f"{row.balance // 100}.{row.balance % 100:02d}",
            day.isoformat(),
        )
        for row in rows
    ]
    uow.commit()
    report = import_csv(uow, tmp, creditor, lines)
    assert not report.errors, report.errors


def close_accounts(engine: Engine, case: FloorCase, status: str) -> None:
    """The case's accounts closed without a payment (recalled by the creditor, closed)."""
    with engine.begin() as conn:
        conn.execute(update(t.accounts).where(t.accounts.c.id.in_(case.account_ids)).values(status=status))


def row(engine: Engine, table: Any, row_id: int) -> Any:
    with engine.connect() as conn:
        return conn.execute(select(table).where(table.c.id == row_id)).one()


def rows(engine: Engine, table: Any, where: Any) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(select(table).where(where).order_by(*table.primary_key.columns)))
