"""Calls with recordings for the tests: a fake telephone system that hands out recordings (or fails), and
calls rows made directly, as the call records would leave them (the dialling and its records are tested
elsewhere)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Engine, insert, select

from huikuan.channels.telephony import (
    CallPlaced,
    CallRecord,
    CallRequest,
    Telephony,
    TelephonyError,
)
from huikuan.services.call_recordings import fetch_recordings
from huikuan.storage import tables as t
from huikuan.storage.uow import UnitOfWork

CALLED_AT = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)  # 10:00 in Beijing
# The first bytes of a WAV file, then some sound.
WAV = b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(range(256)) * 4


@dataclass
class FakeTelephony(Telephony):
    """A provider that keeps recordings by reference; those in `failing` fail (TelephonyError)."""

    recordings: dict[str, bytes] = field(default_factory=dict)
    failing: set[str] = field(default_factory=set)
    asked: list[str] = field(default_factory=list)

    def place_call(self, request: CallRequest) -> CallPlaced:
        return CallPlaced(f"fake-{request.call_id}")

    def calls_since(self, since: datetime) -> Iterable[CallRecord]:  # noqa: ARG002
        return []

    def recording(self, recording_ref: str) -> bytes:
        self.asked.append(recording_ref)
        if recording_ref in self.failing or recording_ref not in self.recordings:
            raise TelephonyError("the provider is unavailable")
        return self.recordings[recording_ref]

    def callback_records(self, url: str, headers: Mapping[str, str], body: bytes) -> list[CallRecord]:  # noqa: ARG002
        return []


def add_call(
    uow: UnitOfWork,
    case_id: int,
    user_id: int | None,
    *,
    at: datetime = CALLED_AT,
    ref: str | None = "rec-1",
    talk_seconds: int = 95,
) -> int:
    """A call of `user_id` on the case, ended, its interaction logged, naming the recording `ref`."""
    s = uow.session
    debtor_id = s.execute(select(t.cases.c.debtor_id).where(t.cases.c.id == case_id)).scalar_one()
    interaction_id = s.execute(
        insert(t.interactions)
        .values(
            case_id=case_id,
            debtor_id=debtor_id,
            user_id=user_id,
            at=at,
            channel="call",
            direction="outbound",
            outcome="callback",
            notes="",
            duration_s=talk_seconds,
        )
        .returning(t.interactions.c.id)
    ).scalar_one()
    call_id = s.execute(
        insert(t.calls)
        .values(
            case_id=case_id,
            debtor_id=debtor_id,
            user_id=user_id,
            interaction_id=interaction_id,
            provider="aliyun",
            provider_ref=f"ccc-{interaction_id}",
            mode="click",
            state="ended",
            asked_at=at,
            extension="8001",
            announce_recording=True,
            started_at=at,
            answered=True,
            ring_seconds=8,
            talk_seconds=talk_seconds,
            hung_up_by="customer",
            record_source="callback",
            recorded_at=at,
            recording_ref=ref,
        )
        .returning(t.calls.c.id)
    ).scalar_one()
    uow.commit()
    return int(call_id)


def kept_call(
    uow: UnitOfWork, case_id: int, user_id: int | None, *, at: datetime = CALLED_AT, talk_seconds: int = 95
) -> int:
    """A call whose recording (WAV) is fetched and kept in the document store the settings name."""
    ref = f"rec-case-{case_id}-{at}"
    call_id = add_call(uow, case_id, user_id, at=at, ref=ref, talk_seconds=talk_seconds)
    fetch_recordings(uow, CALLED_AT, FakeTelephony({ref: WAV}))
    return call_id


def call_row(engine: Engine, call_id: int) -> dict[str, object]:
    with engine.connect() as conn:
        return dict(conn.execute(select(t.calls).where(t.calls.c.id == call_id)).one()._mapping)
