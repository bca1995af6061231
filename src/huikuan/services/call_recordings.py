"""Call recordings fetched from the floor's telephone system and kept in the document store.

The `call-recordings` job takes the calls whose record named a recording (`calls.recording_ref`, set by
the call's record) and that are not kept yet (`recording_key` empty, never deleted), oldest first, at most
BATCH a run; it asks the provider for each one's bytes (`Telephony.recording`) and keeps them in the
document store (storage/document_store.py: the file system or an S3-compatible bucket,
HUIKUAN_DOCUMENT_STORE) under a key of its own, with a `documents` row written by creditor_files'
`write_document` (kind "recording", entity "call", no case: the documents' download route never serves it;
only services/recording_playback.py does). Then the call gets its key, size
and fetch time.

A provider or store that fails leaves the call as it was: the next run asks again (nothing is lost). A call
is marked kept by a conditional UPDATE (`recording_key IS NULL`), so a recording is kept once even if two
runs fetched it at once; the loser's copy is deleted. Without a telephone system the job does nothing.
"""

from __future__ import annotations

import logging
from contextlib import suppress
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update

from huikuan.channels.telephony import Telephony, TelephonyError, telephony
from huikuan.config import get_settings
from huikuan.errors import HuikuanError
from huikuan.logs import safe_message
from huikuan.services.creditor_files import NewDocument, write_document
from huikuan.storage import tables as t
from huikuan.storage.document_store import Store, store_for
from huikuan.storage.uow import UnitOfWork

log = logging.getLogger(__name__)

BATCH = 100  # recordings fetched per run; the rest wait for the next (the job runs every few minutes)
KIND = "recording"
ENTITY = "call"
# The audio types a provider gives, each with how its bytes begin (a type we do not know is kept as bytes).
AUDIO_TYPES: tuple[tuple[bytes, int, str, str], ...] = (
    (b"RIFF", 0, "audio/wav", "wav"),
    (b"ID3", 0, "audio/mpeg", "mp3"),
    (b"\xff\xfb", 0, "audio/mpeg", "mp3"),
    (b"\xff\xf3", 0, "audio/mpeg", "mp3"),
    (b"\xff\xf2", 0, "audio/mpeg", "mp3"),
    (b"OggS", 0, "audio/ogg", "ogg"),
    (b"ftyp", 4, "audio/mp4", "m4a"),
)
UNKNOWN_TYPE = ("application/octet-stream", "bin")


@dataclass
class FetchRun:
    """What a run of the job did."""

    fetched: int = 0  # recordings kept now
    bytes: int = 0  # their size in all
    failed: int = 0  # the provider or the store failed: asked again next run
    waiting: int = 0  # recordings still to fetch after this run

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def audio_type(data: bytes) -> tuple[str, str]:
    """The content type and file extension of a recording's bytes."""
    for magic, offset, content_type, extension in AUDIO_TYPES:
        if data[offset : offset + len(magic)] == magic:
            return content_type, extension
    return UNKNOWN_TYPE


def to_fetch(uow: UnitOfWork, limit: int | None = None) -> list[Any]:
    """The calls whose recording is named and not kept yet, oldest first."""
    c = t.calls.c
    query = (
        select(c.id, c.case_id, c.recording_ref)
        .where(c.recording_ref.is_not(None), c.recording_key.is_(None), c.recording_deleted_at.is_(None))
        .order_by(func.coalesce(c.started_at, c.asked_at), c.id)
    )
    if limit is not None:
        query = query.limit(limit)
    return list(uow.session.execute(query).all())


def fetch_recordings(
    uow: UnitOfWork,
    now: datetime,
    phone: Telephony | None,
    *,
    store: Store | None = None,
    batch: int = BATCH,
) -> FetchRun:
    """Fetches and keeps up to `batch` recordings not kept yet (see the module's docstring), committing
    each one; with no telephone system, does nothing."""
    run = FetchRun()
    if phone is None:
        return run
    chosen = store or store_for()
    for call in to_fetch(uow, batch):
        uow.rollback()  # no read transaction held open while the provider answers
        size = _fetch_one(uow, now, phone, chosen, call)
        if size is None:
            run.failed += 1
        elif size:
            run.fetched += 1
            run.bytes += size
    uow.rollback()
    run.waiting = len(to_fetch(uow))
    uow.rollback()  # no read left open: the caller's next write starts from a fresh snapshot
    return run


def _fetch_one(uow: UnitOfWork, now: datetime, phone: Telephony, store: Store, call: Any) -> int | None:
    """Keeps one call's recording: its size, 0 when another run kept it first, None when it failed."""
    try:
        data = phone.recording(call.recording_ref)
    except TelephonyError as exc:
        log.warning("recording of call %s not fetched: %s", call.id, safe_message(exc))
        return None
    if not data:
        log.warning("recording of call %s not fetched: the provider gave no bytes", call.id)
        return None
    try:
        key = _keep(uow, now, store, call, data)
    except HuikuanError as exc:  # the store refused the file: nothing was kept
        uow.rollback()
        log.warning("recording of call %s not kept: %s", call.id, safe_message(exc))
        return None
    kept = False
    try:
        if _mark_kept(uow, now, call, key, len(data)):
            uow.commit()
            kept = True
    finally:
        if not kept:  # another run kept it first, or the database failed: no row names the file
            uow.rollback()
            with suppress(HuikuanError):
                store.delete(key)
    return len(data) if kept else 0


def _keep(uow: UnitOfWork, now: datetime, store: Store, call: Any, data: bytes) -> str:
    """The bytes in the store and their documents row (the call's; no case), in a transaction begun for
    writing; the key they are kept under."""
    uow.begin_write()
    content_type, extension = audio_type(data)
    new = NewDocument(KIND, f"call-{call.id}.{extension}", content_type, data, ENTITY, call.id, now)
    document_id = write_document(uow, store, new, prefix="recordings/")
    d = t.documents.c
    return str(uow.session.execute(select(d.stored_key).where(d.id == document_id)).scalar_one())


def _mark_kept(uow: UnitOfWork, now: datetime, call: Any, key: str, size: int) -> bool:
    """Names the kept file on the call, unless another run named one first."""
    c = t.calls.c
    claimed: Any = uow.session.execute(
        update(t.calls)
        .where(c.id == call.id, c.recording_key.is_(None), c.recording_deleted_at.is_(None))
        .values(recording_key=key, recording_bytes=size, recording_fetched_at=now)
    )
    return bool(claimed.rowcount == 1)


def call_recordings_job(uow: UnitOfWork, now: datetime) -> dict[str, Any]:
    """The `call-recordings` job (services/jobs.py)."""
    return fetch_recordings(uow, now, telephony(get_settings())).to_dict()


__all__ = ["BATCH", "FetchRun", "audio_type", "call_recordings_job", "fetch_recordings", "to_fetch"]
