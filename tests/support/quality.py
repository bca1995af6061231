"""Calls for the quality-review tests, written straight into the `calls` table as the provider's call
record would leave them (answered, talk time, the collector whose seat rang, the interaction it counts as),
and the complaint, dispute or hold that may follow one. Week 2026-W47 runs from Monday 2026-11-16 to
Sunday 2026-11-22 (Shanghai); the sample of it is drawn on SAMPLED_AT, in the next week."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import insert
from tests.support.floor import FloorCase

from huikuan.storage import tables as t
from huikuan.storage.uow import UnitOfWork

WEEK = "2026-W47"
MONDAY = datetime(2026, 11, 16, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
SAMPLED_AT = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)


def add_call(
    uow: UnitOfWork,
    case: FloorCase,
    user_id: int,
    at: datetime,
    *,
    talk_seconds: int = 120,
    answered: bool = True,
    outcome: str = "promise",
    recording: bool = True,
) -> int:
    """An ended call of the collector on the case at `at`, with its interaction; the call's id."""
    s = uow.session
    interaction = s.execute(
        insert(t.interactions)
        .values(
            case_id=case.id,
            debtor_id=case.debtor_id,
            user_id=user_id,
            at=at,
            channel="call",
            direction="outbound",
            outcome=outcome if answered else "no_answer",
            notes="",
            duration_s=talk_seconds if answered else 0,
        )
        .returning(t.interactions.c.id)
    ).scalar_one()
    return int(
        s.execute(
            insert(t.calls)
            .values(
                case_id=case.id,
                debtor_id=case.debtor_id,
                contact_point_id=case.mobile_id,
                user_id=user_id,
                interaction_id=interaction,
                provider="asterisk",
                provider_ref=f"ref-{interaction}",
                mode="click",
                state="ended",
                asked_at=at,
                extension="8001",
                announce_recording=False,
                started_at=at,
                answered=answered,
                ring_seconds=5,
                talk_seconds=talk_seconds if answered else 0,
                recording_key=f"recordings/{interaction}.wav" if recording and answered else None,
            )
            .returning(t.calls.c.id)
        ).scalar_one()
    )


def add_complaint(uow: UnitOfWork, case: FloorCase, at: datetime) -> None:
    uow.session.execute(
        insert(t.complaints).values(
            debtor_id=case.debtor_id,
            case_id=case.id,
            channel="call",
            category="conduct",
            regulator="none",
            regulator_ref="",
            status="received",
            due_on=date(2026, 12, 31),
            received_at=at,
            notes="",
        )
    )


def add_dispute(uow: UnitOfWork, case: FloorCase, at: datetime) -> None:
    uow.session.execute(
        insert(t.disputes).values(
            debtor_id=case.debtor_id,
            case_id=case.id,
            via="contact",
            written=False,
            status="open",
            stops_collection=False,
            opened_at=at,
            notes="",
        )
    )


def add_cease(uow: UnitOfWork, case: FloorCase, at: datetime) -> None:
    uow.session.execute(
        insert(t.holds).values(debtor_id=case.debtor_id, kind="cease", started_at=at, source="debtor")
    )


def week_calls(uow: UnitOfWork, case: FloorCase, user_id: int, count: int, *, first: int = 0) -> list[int]:
    """`count` plain calls of the collector in week W47, an hour apart from Monday 10:00 (+ `first` h)."""
    return [add_call(uow, case, user_id, MONDAY + timedelta(hours=first + k)) for k in range(count)]
