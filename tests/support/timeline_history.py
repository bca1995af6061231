"""A case history of every kind the timeline shows, for the timeline's tests (integration and browser)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import insert, select
from tests.support.floor import MORNING, Floor

from huikuan.errors import ComplianceRefused
from huikuan.services.contacts import record_contact
from huikuan.services.outbox_delivery import HOLD_ERROR
from huikuan.storage import tables as t

NIGHT = datetime(2026, 11, 19, 19, 0, tzinfo=UTC)  # 03:00 in Beijing: outside the contact hours


def timeline_history(floor: Floor) -> dict[str, int]:
    """On alice's case: a call with a note, a visit, the debtor calling in, a promise, an arrangement, a
    payment, a reminder SMS, a letter, an SMS held back by the debtor's dispute, a plan row and a call at
    night the gate refused. The ids by name."""
    case = floor.cases[0]
    alice = floor.users["alice"]
    s = floor.uow.session
    day = MORNING - timedelta(days=3)

    def add(table: Any, **values: Any) -> int:
        return int(s.execute(insert(table).values(**values)).inserted_primary_key[0])

    contact = {"case_id": case.id, "debtor_id": case.debtor_id, "contact_point_id": case.mobile_id}
    ids = {
        "call": add(
            t.interactions,
            **contact,
            user_id=alice,
            at=day,
            channel="call",
            direction="outbound",
            outcome="promise",
            notes="Says the Salary comes on Friday",
            duration_s=120,
        ),
        "visit": add(
            t.interactions,
            **contact,
            user_id=alice,
            at=day + timedelta(hours=1),
            channel="visit",
            direction="outbound",
            outcome="no_answer",
        ),
        "inbound": add(
            t.interactions,
            **contact,
            at=day + timedelta(hours=2),
            channel="call",
            direction="inbound",
            outcome="callback",
        ),
        "promise": add(
            t.promises,
            case_id=case.id,
            amount=300_000,
            currency="CNY",
            due_date=date(2026, 11, 25),
            created_at=day + timedelta(hours=3),
            created_by=alice,
        ),
        "arrangement": add(
            t.arrangements,
            case_id=case.id,
            kind="settlement",
            total_amount=900_000,
            currency="CNY",
            discount_bp=1000,
            status="proposed",
            proposed_by=alice,
            reason="lost her job in October",
            created_at=day + timedelta(hours=4),
        ),
        "payment": add(
            t.payments,
            creditor_id=s.scalar(select(t.cases.c.creditor_id).where(t.cases.c.id == case.id)),
            external_ref="PAY-T1",
            account_id=case.account_ids[0],
            amount=100_000,
            currency="CNY",
            paid_at=day + timedelta(hours=5),
        ),
        "sms": add(
            t.messages,
            case_id=case.id,
            channel="sms",
            to="+8613800000001",
            body="还款提醒",
            template="reminder_sms",
            status="delivered",
            created_at=day + timedelta(hours=6),
        ),
        "letter": add(
            t.messages,
            case_id=case.id,
            channel="letter",
            to="北京市",
            body="催收函",
            status="sent",
            user_id=alice,
            created_at=day + timedelta(hours=7),
        ),
        "held": add(
            t.messages,
            case_id=case.id,
            channel="sms",
            to="+8613800000001",
            body="还款提醒",
            status="refused",
            error=HOLD_ERROR,
            created_at=day + timedelta(hours=8),
        ),
        "plan": add(
            t.plan_rows,
            plan_date=date(2026, 11, 19),
            strategy="greedy",
            case_id=case.id,
            action="call",
            user_id=alice,
            p_pay=0.4,
            created_at=day + timedelta(hours=9),
        ),
    }
    floor.uow.commit()
    try:
        record_contact(
            floor.uow,
            case.id,
            channel="call",
            outcome="no_answer",
            user_id=alice,
            at=NIGHT,
            contact_point_id=case.mobile_id,
        )
    except ComplianceRefused:
        pass  # kept as an audit event: the timeline's gate refusal
    else:
        raise AssertionError("the gate let a call at night through")
    ids["refusal"] = int(
        s.scalar(select(t.audit_events.c.id).where(t.audit_events.c.action == "contact.refused")) or 0
    )
    return ids
