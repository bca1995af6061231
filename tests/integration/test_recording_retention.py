"""How long a call's recording is kept: cn's `[obligations.recording] retain_years = 2` from the call, then
the retention job deletes it (audited), even through the debtor's erasure; a pack without that obligation
keeps it as long as the debtor's data and deletes it with them. The subject-access export lists the debtor's
calls and whether each recording is kept, never the audio."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, update
from tests.support.factories import cli_json
from tests.support.floor import Floor, us_case
from tests.support.messaging import use_settings
from tests.support.privacy import close_accounts
from tests.support.recordings import CALLED_AT, WAV, call_row, kept_call

from huikuan.sealing import seal
from huikuan.services.erasure import ErasureCommand, request_erasure
from huikuan.services.recording_retention import recording_years, years_earlier
from huikuan.services.retention import run_retention
from huikuan.services.subject_access import export_subject
from huikuan.storage import tables as t
from huikuan.storage.uow import UnitOfWork

TWO_YEARS_ON = datetime(2028, 12, 1, 2, 0, tzinfo=UTC)  # the instant the cn recording's 2 years end
THE_DAY_BEFORE = TWO_YEARS_ON - timedelta(days=1)


@pytest.fixture
def docs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "docs"
    use_settings(monkeypatch, documents_dir=str(folder))
    return folder


def _retention(engine: Engine, now: datetime, *, dry_run: bool = False) -> dict[str, object]:
    with UnitOfWork(engine) as uow:
        return run_retention(uow, now, dry_run=dry_run).to_dict()


def _deletions(engine: Engine) -> list[tuple[int | None, dict[str, object]]]:
    e = t.audit_events.c
    with engine.connect() as conn:
        return [
            (r.entity_id, r.detail)
            for r in conn.execute(
                select(e.entity_id, e.detail).where(e.action == "call.recording_deleted").order_by(e.id)
            )
        ]


def _files(docs: Path) -> list[Path]:
    return [p for p in docs.rglob("*") if p.is_file()]


def test_the_packs_recording_years_are_read_from_its_obligations() -> None:
    assert recording_years("cn") == 2
    assert recording_years("uk-conc") is None and recording_years("us-reg-f") is None
    assert years_earlier(datetime(2028, 2, 29, 1, tzinfo=UTC), 2) == datetime(2026, 2, 28, 1, tzinfo=UTC)


def test_a_cn_recording_is_deleted_by_the_retention_job_two_years_after_the_call(
    floor: Floor, engine: Engine, docs: Path
) -> None:
    call_id = kept_call(floor.uow, floor.cases[0].id, floor.users["alice"])
    key = str(call_row(engine, call_id)["recording_key"])

    assert _retention(engine, THE_DAY_BEFORE)["recordings_deleted"] == 0
    assert (docs / key).read_bytes() == WAV
    assert _retention(engine, TWO_YEARS_ON, dry_run=True)["recordings_deleted"] == 1
    assert (docs / key).is_file()

    done = _retention(engine, TWO_YEARS_ON)

    assert done["recordings_deleted"] == 1
    assert _files(docs) == []
    row = call_row(engine, call_id)
    assert (row["recording_key"], row["recording_deleted_at"]) == (None, TWO_YEARS_ON)
    assert row["recording_bytes"] == len(WAV) and row["talk_seconds"] == 95  # the call's record stays
    with engine.connect() as conn:
        assert conn.execute(select(t.documents).where(t.documents.c.stored_key == key)).first() is None
    assert _deletions(engine) == [(call_id, {"case_id": floor.cases[0].id, "reason": "retention"})]

    assert _retention(engine, TWO_YEARS_ON + timedelta(days=1))["recordings_deleted"] == 0
    assert len(_deletions(engine)) == 1


def test_the_retention_job_reports_the_recordings_it_deleted(
    db_env: str, floor: Floor, engine: Engine, docs: Path
) -> None:
    kept_call(floor.uow, floor.cases[0].id, floor.users["alice"])
    kept_call(floor.uow, floor.cases[1].id, floor.users["bob"], at=CALLED_AT + timedelta(days=30))

    code, done = cli_json("privacy", "retention", "--now", TWO_YEARS_ON.isoformat())

    assert code == 0 and done["recordings_deleted"] == 1
    assert len(_files(docs)) == 1


def test_an_erased_cn_debtors_recordings_are_kept_until_their_two_years_end(
    floor: Floor, engine: Engine, docs: Path
) -> None:
    case = floor.cases[0]
    call_id = kept_call(floor.uow, case.id, floor.users["alice"])
    with engine.begin() as conn:
        conn.execute(update(t.calls).where(t.calls.c.id == call_id).values(dialled=seal("+8613800000001")))
    close_accounts(engine, case, "recalled")

    with UnitOfWork(engine) as uow:
        request_erasure(
            uow,
            None,
            ErasureCommand(case.debtor_id, "letter of 2027-01-05"),
            now=CALLED_AT + timedelta(days=35),
        )

    row = call_row(engine, call_id)
    assert row["dialled"] is None  # the number dialled is the person's: erased
    assert row["recording_key"] is not None and len(_files(docs)) == 1  # the recording obligation holds it
    assert _deletions(engine) == []

    assert _retention(engine, TWO_YEARS_ON)["recordings_deleted"] == 1
    assert _files(docs) == [] and call_row(engine, call_id)["recording_deleted_at"] == TWO_YEARS_ON


def test_without_a_recording_obligation_a_recording_is_kept_as_long_as_the_debtors_data(
    floor: Floor, engine: Engine, docs: Path
) -> None:
    us = us_case(floor)
    call_id = kept_call(floor.uow, us.id, floor.users["alice"])

    assert _retention(engine, CALLED_AT + timedelta(days=3 * 365))["recordings_deleted"] == 0
    assert call_row(engine, call_id)["recording_key"] is not None

    close_accounts(engine, us, "recalled")
    erased_at = CALLED_AT + timedelta(days=3 * 365 + 1)
    with UnitOfWork(engine) as uow:
        request_erasure(uow, None, ErasureCommand(us.debtor_id, "letter"), now=erased_at)

    row = call_row(engine, call_id)
    assert (row["recording_key"], row["recording_deleted_at"]) == (None, erased_at)
    assert _files(docs) == []
    assert _deletions(engine) == [(call_id, {"case_id": us.id, "reason": "anonymised"})]


def test_the_subject_access_export_lists_the_debtors_calls_without_their_audio(
    floor: Floor, engine: Engine, docs: Path
) -> None:
    case = floor.cases[0]
    kept = kept_call(floor.uow, case.id, floor.users["alice"])
    gone = kept_call(
        floor.uow, case.id, floor.users["alice"], at=CALLED_AT + timedelta(days=1), talk_seconds=40
    )
    deleted_at = datetime(2027, 1, 1, tzinfo=UTC)
    with engine.begin() as conn:
        conn.execute(
            update(t.calls)
            .where(t.calls.c.id == gone)
            .values(recording_key=None, recording_deleted_at=deleted_at)
        )
    kept_call(floor.uow, floor.cases[1].id, floor.users["bob"])  # another debtor's

    with UnitOfWork(engine) as uow:
        export = export_subject(uow, None, case.debtor_id)

    archive = zipfile.ZipFile(io.BytesIO(export.content))
    calls = json.loads(archive.read("subject_access.json"))["calls"]
    assert [(c["id"], c["talk_seconds"], c["recording_kept"], c["recording_deleted_at"]) for c in calls] == [
        (kept, 95, True, None),
        (gone, 40, False, deleted_at.isoformat()),
    ]
    assert calls[0]["started_at"] == CALLED_AT.isoformat() and "recording_key" not in calls[0]
    sheet = archive.read("csv/calls.csv").decode("utf-8-sig").splitlines()
    assert sheet[0].split(",")[-2:] == ["recording_kept", "recording_deleted_at"] and len(sheet) == 3
    assert export.counts["calls"] == 2
    assert all(WAV not in archive.read(name) for name in archive.namelist())
    assert not any(name.endswith((".wav", ".mp3")) for name in archive.namelist())
