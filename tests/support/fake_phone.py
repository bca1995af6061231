"""A telephone system of our own for the tests of click-to-call: the Telephony protocol
(channels/telephony.py) that records every call it is asked to place, can refuse them, and hands back the
call records it is told to (from `calls_since`, or from a callback whose header carries SECRET).

`install(monkeypatch, phone)` makes it the floor's telephone system: HUIKUAN_TELEPHONY=aliyun (the kind a
callback names) with this module as that kind's adapter, so the routes and the job take it exactly as
they take a real one (channels/telephony.telephony).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest
from sqlalchemy import update
from tests.support.floor import Floor

from huikuan import config
from huikuan.channels import telephony as seam
from huikuan.channels.telephony import (
    CallbackRejected,
    CallPlaced,
    CallRecord,
    CallRequest,
    TelephonyError,
)
from huikuan.storage import tables as t

KIND = "aliyun"  # the floor's HUIKUAN_TELEPHONY while the fake is installed
CALLBACK_SECRET = "calls-callback-secret"  # the path's secret
SIGNATURE = "x-fake-phone-signature"  # the provider's own check, done by the adapter
SIGNED = "signed-by-the-fake-phone"


@dataclass
class FakePhone:
    refuse: str = ""  # set: place_call raises TelephonyError with these words
    placed: list[CallRequest] = field(default_factory=list)
    records: list[CallRecord] = field(default_factory=list)  # what calls_since lists
    asked_since: list[datetime] = field(default_factory=list)

    def place_call(self, request: CallRequest) -> CallPlaced:
        if self.refuse:
            raise TelephonyError(self.refuse)
        self.placed.append(request)
        return CallPlaced(provider_ref=f"FAKE-{request.call_id}")

    def calls_since(self, since: datetime) -> Iterable[CallRecord]:
        self.asked_since.append(since)
        return [r for r in self.records if r.started_at >= since]

    def recording(self, recording_ref: str) -> bytes:
        return f"RIFF{recording_ref}".encode()

    def callback_records(self, url: str, headers: Mapping[str, str], body: bytes) -> list[CallRecord]:
        del url
        if headers.get(SIGNATURE) != SIGNED:
            raise CallbackRejected("the signature does not verify")
        try:
            items = json.loads(body)
        except ValueError:
            raise CallbackRejected("the body is not JSON") from None
        return [
            CallRecord(
                provider_ref=item["ref"],
                dialled=item.get("dialled", ""),
                started_at=datetime.fromisoformat(item["started_at"]),
                answered=bool(item["answered"]),
                ring_seconds=int(item.get("ring", 0)),
                talk_seconds=int(item.get("talk", 0)),
                hung_up_by=item.get("hung_up_by", ""),
                recording_ref=item.get("recording"),
                call_id=item.get("call_id"),
            )
            for item in items
        ]


def record_of(
    request: CallRequest,
    started_at: datetime,
    *,
    answered: bool = True,
    talk: int = 95,
    ring: int = 7,
) -> CallRecord:
    """The record the fake's provider keeps of a call it placed."""
    return CallRecord(
        provider_ref=f"FAKE-{request.call_id}",
        dialled=request.to,
        started_at=started_at.astimezone(UTC),
        answered=answered,
        ring_seconds=ring,
        talk_seconds=talk if answered else 0,
        hung_up_by="customer" if answered else "system",
        recording_ref=f"rec-{request.call_id}" if answered else None,
        call_id=request.call_id,
    )


def callback_body(records: Iterable[CallRecord]) -> bytes:
    """The body of a callback carrying these records, as the fake's adapter reads it."""
    return json.dumps(
        [
            {
                "ref": r.provider_ref,
                "dialled": r.dialled,
                "started_at": r.started_at.isoformat(),
                "answered": r.answered,
                "ring": r.ring_seconds,
                "talk": r.talk_seconds,
                "hung_up_by": r.hung_up_by,
                "recording": r.recording_ref,
                "call_id": r.call_id,
            }
            for r in records
        ]
    ).encode()


_IN_USE: dict[str, FakePhone] = {}


def adapter(settings: config.Settings) -> FakePhone:
    """The adapter of the kind the fake stands for (channels/telephony.ADAPTERS names this module)."""
    del settings
    return _IN_USE["phone"]


def install(monkeypatch: pytest.MonkeyPatch, phone: FakePhone | None = None) -> FakePhone:
    """Makes `phone` (a new FakePhone by default) the floor's telephone system."""
    phone = phone or FakePhone()
    monkeypatch.setitem(_IN_USE, "phone", phone)
    monkeypatch.setitem(seam.ADAPTERS, KIND, __name__)
    monkeypatch.setenv("HUIKUAN_TELEPHONY", KIND)
    monkeypatch.setenv("HUIKUAN_TELEPHONY_CALLBACK_SECRET", CALLBACK_SECRET)
    monkeypatch.setenv("HUIKUAN_TELEPHONY_CALLER_ID", "+861012345678")
    config.get_settings.cache_clear()
    return phone


def seat(floor: Floor, username: str = "alice", extension: str = "8001") -> None:
    """Gives the floor's user a seat (phone extension) for the calls to ring first."""
    floor.uow.session.execute(
        update(t.users).where(t.users.c.id == floor.users[username]).values(phone_extension=extension)
    )
    floor.uow.commit()
