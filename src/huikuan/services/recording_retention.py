"""How long a call's recording is kept, and its deletion: by the retention job, and when its debtor is
anonymised.

A pack that requires calls to be recorded says for how long (`[obligations.recording] retain_years`: cn,
2 years, the CBA guideline's record of every collection call): a recording is kept that many years from the
call (its start, else the moment it was placed) and then deleted, whatever else is kept of the debtor;
being a record the agency must keep, it is also kept through the debtor's erasure or anonymisation until
those years end (a legal obligation: PIPL art. 13(1)(3), UK GDPR art. 17(3)(b)). A pack without that
obligation (uk-conc, us-reg-f today) keeps a recording as long as the debtor's personal data: it is
deleted when the debtor is anonymised (after the pack's `[obligations.retention]`, or at an erasure
request).

Deleting removes the bytes from the document store and their `documents` row, clears `recording_key` and
sets `recording_deleted_at`; audited (`call.recording_deleted`, with the reason). A store that fails leaves
the recording for the next run of the retention job. The provider's own copy follows the provider's
settings (docs/telephony.md).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, delete, func, select, update

from huikuan.compliance import load_pack
from huikuan.errors import HuikuanError
from huikuan.storage import tables as t
from huikuan.storage.audit import record
from huikuan.storage.document_store import store_named
from huikuan.storage.uow import UnitOfWork

RETENTION = "retention"  # the pack's years have passed
ANONYMISED = "anonymised"  # the debtor was anonymised, and the pack sets no years of its own


@dataclass(frozen=True)
class DueRecording:
    call_id: int
    case_id: int
    key: str
    reason: str


def recording_years(pack: str) -> int | None:
    """The pack's `[obligations.recording] retain_years`, or None when the pack sets none."""
    table = load_pack(pack).obligations.get("recording")
    years = table.get("retain_years") if isinstance(table, Mapping) else None
    if isinstance(years, bool) or not isinstance(years, int) or years < 1:
        return None
    return years


def years_earlier(now: datetime, years: int) -> datetime:
    """The same instant `years` earlier (29 February becomes the 28th)."""
    try:
        return now.replace(year=now.year - years)
    except ValueError:
        return now.replace(year=now.year - years, day=28)


def due_recordings(
    uow: UnitOfWork, now: datetime, debtor_ids: Sequence[int] | None = None
) -> list[DueRecording]:
    """The kept recordings whose time is up (see the module's docstring), of these debtors only when
    given, oldest first."""
    c, k, d = t.calls.c, t.cases.c, t.debtors.c
    due: list[DueRecording] = []
    for creditor_id, pack in uow.session.execute(select(t.creditors.c.id, t.creditors.c.pack)):
        years = recording_years(pack)
        when: ColumnElement[bool]
        if years is None:
            reason, when = ANONYMISED, d.anonymised_at.is_not(None)
        else:
            reason, when = RETENTION, func.coalesce(c.started_at, c.asked_at) <= years_earlier(now, years)
        query = (
            select(c.id, c.case_id, c.recording_key)
            .join(t.cases, k.id == c.case_id)
            .join(t.debtors, d.id == c.debtor_id)
            .where(
                k.creditor_id == creditor_id, c.recording_key.is_not(None), c.recording_deleted_at.is_(None)
            )
            .where(when)
            .order_by(func.coalesce(c.started_at, c.asked_at), c.id)
        )
        if debtor_ids is not None:
            query = query.where(c.debtor_id.in_(list(debtor_ids)))
        due += [
            DueRecording(int(r.id), int(r.case_id), str(r.recording_key), reason)
            for r in uow.session.execute(query)
        ]
    return due


def delete_recordings(
    uow: UnitOfWork, due: Sequence[DueRecording], now: datetime, *, user_id: int | None = None
) -> tuple[int, int]:
    """Deletes each recording from its store and marks its call (see the module's docstring); how many
    were deleted and how many the store failed to delete. The caller commits."""
    c, d = t.calls.c, t.documents.c
    deleted = failed = 0
    for item in due:
        store = uow.session.execute(select(d.store).where(d.stored_key == item.key)).scalar()
        if store is not None:
            try:
                store_named(str(store)).delete(item.key)
            except HuikuanError:
                failed += 1
                continue
        uow.session.execute(delete(t.documents).where(d.stored_key == item.key))
        uow.session.execute(
            update(t.calls).where(c.id == item.call_id).values(recording_key=None, recording_deleted_at=now)
        )
        record(
            uow.session,
            at=now,
            user_id=user_id,
            action="call.recording_deleted",
            entity="call",
            entity_id=item.call_id,
            detail={"case_id": item.case_id, "reason": item.reason},
        )
        deleted += 1
    return deleted, failed


def sweep_recordings(uow: UnitOfWork, now: datetime, *, dry_run: bool = False) -> int:
    """The retention job's step: deletes every recording whose time is up (with dry_run: counts them).
    The caller commits."""
    due = due_recordings(uow, now)
    if dry_run:
        return len(due)
    return delete_recordings(uow, due, now)[0]


def forget_calls(uow: UnitOfWork, debtor_ids: Sequence[int], now: datetime, *, user_id: int | None) -> None:
    """At a debtor's anonymisation: the number each call dialled is erased, and the recordings no pack
    obligation holds are deleted (those it holds stay until their years end). The caller commits."""
    uow.session.execute(update(t.calls).where(t.calls.c.debtor_id.in_(list(debtor_ids))).values(dialled=None))
    # A store that fails to delete one: the retention job deletes it on its next run.
    delete_recordings(uow, due_recordings(uow, now, debtor_ids), now, user_id=user_id)


def recording_rows(uow: UnitOfWork, debtor_id: int) -> list[dict[str, Any]]:
    """The debtor's calls for its subject-access export: when, how long, and whether a recording is kept
    (never the audio)."""
    c = t.calls.c
    rows = uow.session.execute(
        select(
            c.id,
            c.case_id,
            c.user_id,
            c.interaction_id,
            c.asked_at,
            c.started_at,
            c.answered,
            c.ring_seconds,
            c.talk_seconds,
            c.hung_up_by,
            c.recording_key,
            c.recording_deleted_at,
        )
        .where(c.debtor_id == debtor_id)
        .order_by(c.id)
    )
    out = []
    for r in rows:
        row = dict(r._mapping)
        row["recording_kept"] = row.pop("recording_key") is not None
        out.append(row)
    return out


CALL_EXPORT_COLUMNS = (
    "id",
    "case_id",
    "user_id",
    "interaction_id",
    "asked_at",
    "started_at",
    "answered",
    "ring_seconds",
    "talk_seconds",
    "hung_up_by",
    "recording_kept",
    "recording_deleted_at",
)


__all__ = [
    "ANONYMISED",
    "CALL_EXPORT_COLUMNS",
    "RETENTION",
    "DueRecording",
    "delete_recordings",
    "due_recordings",
    "forget_calls",
    "recording_rows",
    "recording_years",
    "sweep_recordings",
    "years_earlier",
]
