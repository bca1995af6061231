"""The `call-recordings` job: each call whose record named a recording has it fetched from the telephone
system once and kept in the document store; a provider or a store that fails loses nothing and the next
run fetches it; a floor without a telephone system fetches nothing."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from tests.support.factories import cli_json
from tests.support.floor import Floor
from tests.support.messaging import use_settings
from tests.support.query_plan import plan_of
from tests.support.recordings import CALLED_AT, WAV, FakeTelephony, add_call, call_row

from huikuan.errors import StoreFailed
from huikuan.services import call_recordings, jobs
from huikuan.services.call_recordings import audio_type, fetch_recordings
from huikuan.storage import tables as t
from huikuan.storage.document_store import FileStore

NOW = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
MP3 = b"ID3\x04\x00" + b"\x00" * 300


@pytest.fixture
def docs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "docs"
    use_settings(monkeypatch, documents_dir=str(folder))
    return folder


def _document(engine: Engine, key: str) -> dict[str, object]:
    with engine.connect() as conn:
        return dict(conn.execute(select(t.documents).where(t.documents.c.stored_key == key)).one()._mapping)


def test_a_calls_recording_is_fetched_and_kept_in_the_document_store(
    floor: Floor, engine: Engine, docs: Path
) -> None:
    call_id = add_call(floor.uow, floor.cases[0].id, floor.users["alice"], ref="rec-1")
    phone = FakeTelephony({"rec-1": WAV})

    run = fetch_recordings(floor.uow, NOW, phone)

    assert run.to_dict() == {"fetched": 1, "bytes": len(WAV), "failed": 0, "waiting": 0}
    row = call_row(engine, call_id)
    assert (row["recording_bytes"], row["recording_fetched_at"]) == (len(WAV), NOW)
    key = str(row["recording_key"])
    assert key.startswith("recordings/2026/12/") and (docs / key).read_bytes() == WAV
    document = _document(engine, key)
    assert document["kind"] == "recording" and document["content_type"] == "audio/wav"
    assert (document["entity"], document["entity_id"], document["case_id"]) == ("call", call_id, None)
    assert document["sha256"] == hashlib.sha256(WAV).hexdigest() and document["store"] == "fs"


def test_a_recording_already_kept_is_never_fetched_again(floor: Floor, engine: Engine, docs: Path) -> None:
    call_id = add_call(floor.uow, floor.cases[0].id, floor.users["alice"], ref="rec-1")
    phone = FakeTelephony({"rec-1": WAV})
    fetch_recordings(floor.uow, NOW, phone)
    key = call_row(engine, call_id)["recording_key"]

    again = fetch_recordings(floor.uow, NOW + timedelta(minutes=5), phone)

    assert again.to_dict() == {"fetched": 0, "bytes": 0, "failed": 0, "waiting": 0}
    assert phone.asked == ["rec-1"]
    assert call_row(engine, call_id)["recording_key"] == key
    assert len([p for p in docs.rglob("*") if p.is_file()]) == 1


def test_a_provider_that_fails_loses_nothing_and_the_next_run_fetches_the_recording(
    floor: Floor, engine: Engine, docs: Path
) -> None:
    first = add_call(floor.uow, floor.cases[0].id, floor.users["alice"], ref="rec-1")
    second = add_call(floor.uow, floor.cases[1].id, floor.users["bob"], ref="rec-2")
    phone = FakeTelephony({"rec-1": WAV, "rec-2": MP3}, failing={"rec-1"})

    run = fetch_recordings(floor.uow, NOW, phone)

    assert (run.fetched, run.failed, run.waiting) == (1, 1, 1)
    assert call_row(engine, first)["recording_key"] is None
    assert call_row(engine, second)["recording_key"] is not None

    phone.failing.clear()
    later = fetch_recordings(floor.uow, NOW + timedelta(minutes=5), phone)

    assert (later.fetched, later.failed, later.waiting) == (1, 0, 0)
    assert (docs / str(call_row(engine, first)["recording_key"])).read_bytes() == WAV
    assert _document(engine, str(call_row(engine, second)["recording_key"]))["content_type"] == "audio/mpeg"


class BrokenStore(FileStore):
    """A store that refuses every file, as an S3 service that is down."""

    def put(self, key: str, data: bytes) -> None:  # noqa: ARG002
        raise StoreFailed("document store: the S3 store at {where} could not keep the file", where="here")


def test_a_store_that_fails_leaves_the_call_for_the_next_run(
    floor: Floor, engine: Engine, docs: Path
) -> None:
    call_id = add_call(floor.uow, floor.cases[0].id, floor.users["alice"], ref="rec-1")
    phone = FakeTelephony({"rec-1": WAV})

    run = fetch_recordings(floor.uow, NOW, phone, store=BrokenStore(docs))

    assert (run.fetched, run.failed, run.waiting) == (0, 1, 1)
    assert call_row(engine, call_id)["recording_key"] is None
    assert fetch_recordings(floor.uow, NOW, phone).fetched == 1


def test_the_oldest_recordings_are_fetched_first_a_batch_at_a_time(
    floor: Floor, engine: Engine, docs: Path
) -> None:
    calls = [
        add_call(
            floor.uow,
            floor.cases[0].id,
            floor.users["alice"],
            ref=f"rec-{n}",
            at=CALLED_AT - timedelta(hours=n),
        )
        for n in range(3)
    ]
    phone = FakeTelephony({f"rec-{n}": WAV for n in range(3)})

    run = fetch_recordings(floor.uow, NOW, phone, batch=2)

    assert (run.fetched, run.waiting) == (2, 1)
    assert phone.asked == ["rec-2", "rec-1"]
    assert call_row(engine, calls[0])["recording_key"] is None


def test_calls_without_a_recording_or_whose_recording_was_deleted_are_not_fetched(
    floor: Floor, engine: Engine, docs: Path
) -> None:
    add_call(floor.uow, floor.cases[0].id, floor.users["alice"], ref=None)
    gone = add_call(floor.uow, floor.cases[1].id, floor.users["bob"], ref="rec-2")
    floor.uow.session.execute(
        t.calls.update().where(t.calls.c.id == gone).values(recording_deleted_at=NOW - timedelta(days=1))
    )
    floor.uow.commit()
    phone = FakeTelephony({"rec-2": WAV})

    assert fetch_recordings(floor.uow, NOW, phone).to_dict()["fetched"] == 0
    assert phone.asked == []


def test_without_a_telephone_system_the_job_does_nothing(db_env: str, floor: Floor, engine: Engine) -> None:
    call_id = add_call(floor.uow, floor.cases[0].id, floor.users["alice"], ref="rec-1")

    code, done = cli_json("jobs", "run", "--only", "call-recordings")

    assert code == 0
    assert done == {"call-recordings": {"fetched": 0, "bytes": 0, "failed": 0, "waiting": 0}}
    assert call_row(engine, call_id)["recording_key"] is None


def test_the_job_fetches_through_the_floors_telephone_system_and_reports_its_counts(
    db_env: str, floor: Floor, engine: Engine, docs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_call(floor.uow, floor.cases[0].id, floor.users["alice"], ref="rec-1")
    add_call(floor.uow, floor.cases[1].id, floor.users["bob"], ref="rec-2")
    phone = FakeTelephony({"rec-1": WAV}, failing={"rec-2"})
    monkeypatch.setattr(call_recordings, "telephony", lambda settings: phone)  # noqa: ARG005

    code, done = cli_json("jobs", "run", "--only", "call-recordings")

    assert code == 0
    assert done == {"call-recordings": {"fetched": 1, "bytes": len(WAV), "failed": 1, "waiting": 1}}
    assert jobs.REGISTRY["call-recordings"].interval == timedelta(minutes=5)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (WAV, ("audio/wav", "wav")),
        (MP3, ("audio/mpeg", "mp3")),
        (b"\xff\xfb\x90\x00", ("audio/mpeg", "mp3")),
        (b"OggS\x00", ("audio/ogg", "ogg")),
        (b"\x00\x00\x00\x20ftypM4A ", ("audio/mp4", "m4a")),
        (b"something else", ("application/octet-stream", "bin")),
    ],
)
def test_a_recordings_type_is_read_from_its_bytes(data: bytes, expected: tuple[str, str]) -> None:
    assert audio_type(data) == expected


def test_the_recordings_to_fetch_are_read_through_their_index(floor: Floor) -> None:
    """Every 5 minutes: the few calls whose recording is still to fetch, never a scan of every call."""
    conn = floor.uow.session.connection()
    plan = plan_of(conn, "calls", lambda: call_recordings.to_fetch(floor.uow, limit=10))
    assert "ix_calls_recording_due" in plan, plan
