"""Downloading a letter's PDF: who may, and the audit of every download.

A letter's PDF holds the debtor's full name and postal address and the debt. Those who send or check
letters may download it: the collectors who may see the case, supervisors and administrators. A
creditor's read-only viewer may not (the creditor holds its own records, and the portfolio needs no
letter); it is refused before anything about the letter is looked up. Every download is kept in the
audit log as `letter.downloaded` (who, which letter and case, when), in a short write transaction of its
own after the reads.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from huikuan.config import get_settings
from huikuan.domain.enums import Role
from huikuan.errors import Forbidden, NotFound
from huikuan.services.access import Viewer, case_scope
from huikuan.storage import tables as t
from huikuan.storage.audit import record
from huikuan.storage.uow import UnitOfWork

LETTER_ROLES = frozenset({Role.COLLECTOR, Role.SUPERVISOR, Role.ADMIN})


def may_download_letters(viewer: Viewer) -> bool:
    """Whether the viewer's role may download letters at all (the case's scope still applies)."""
    return viewer.role in LETTER_ROLES


def letter_document(uow: UnitOfWork, viewer: Viewer, message_id: int, *, now: datetime | None = None) -> Path:
    """The letter's PDF, if the viewer may download letters and see its case; the download is audited."""
    if not may_download_letters(viewer):
        raise Forbidden("Only those who send or check letters may download them")
    m = t.messages.c
    row = uow.session.execute(
        select(m.case_id, m.document)
        .join(t.cases, t.cases.c.id == m.case_id)
        .where(m.id == message_id, case_scope(viewer))
    ).one_or_none()
    if row is None or not row.document:
        raise NotFound("There is no letter {message_id} that you may see", message_id=message_id)
    root = Path(get_settings().letters_dir).resolve()
    path = (root / str(row.document)).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        raise NotFound("The letter's file {document} is missing", document=row.document)
    uow.begin_write()
    record(
        uow.session,
        at=(now or datetime.now(UTC)).astimezone(UTC),
        user_id=viewer.user_id,
        action="letter.downloaded",
        entity="message",
        entity_id=message_id,
        detail={"case_id": row.case_id},
    )
    uow.commit()
    return path


__all__ = ["LETTER_ROLES", "letter_document", "may_download_letters"]
