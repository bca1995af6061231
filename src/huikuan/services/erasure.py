"""Erasure requests: a data subject asks for its personal data to be erased (UK GDPR art. 17, PIPL art. 47).

An administrator records the request (who, when, the reason given), from the command line or the API. A
debtor who has no open account (with any creditor) is anonymised at once (services/anonymise.py) and
the request is done. Otherwise the request waits, `held_because` = `open_account`: the debt is being
collected under a contract (UK GDPR art. 6(1)(b) and art. 17(3)(e); PIPL art. 13(2)), and the retention
job (services/retention.py) applies it as soon as the last account closes.

Audited: `privacy.erasure_requested` (the request's id and status: the reason stays in its own table) and
`privacy.anonymised`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select

from huikuan.errors import InvalidInput, NotFound
from huikuan.services.access import Viewer, require_admin
from huikuan.services.anonymise import anonymise, close_requests, open_account_holders
from huikuan.storage import tables as t
from huikuan.storage.audit import record
from huikuan.storage.uow import UnitOfWork

HELD_OPEN_ACCOUNT = "open_account"
STATUSES = ("pending", "done")
MAX_REASON = 2000
MAX_LISTED = 1000


@dataclass(frozen=True)
class ErasureCommand:
    debtor_id: int
    reason: str  # what the person asked, and how (e.g. "letter of 2026-12-01"), never a copy of its data


@dataclass(frozen=True)
class ErasureRequest:
    id: int
    debtor_id: int
    requested_at: datetime
    requested_by: int | None
    reason: str
    status: str
    held_because: str | None
    applied_at: datetime | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "debtor_id": self.debtor_id,
            "requested_at": self.requested_at.isoformat(),
            "requested_by": self.requested_by,
            "reason": self.reason,
            "status": self.status,
            "held_because": self.held_because,
            "applied_at": self.applied_at.isoformat() if self.applied_at else None,
        }


@dataclass(frozen=True)
class PendingApplied:
    requests: int
    debtor_ids: list[int]


def request_erasure(
    uow: UnitOfWork, viewer: Viewer | None, command: ErasureCommand, *, now: datetime | None = None
) -> ErasureRequest:
    """Records the request and anonymises the debtor at once if it has no open account; else the request
    waits for the retention job. `viewer` None: the command line without a named user. A unit of work made
    for writing (an API write, the command line's). Commits."""
    if viewer is not None:
        require_admin(viewer)
    reason = command.reason.strip()
    if not reason:
        raise InvalidInput("reason: say what the person asked and how")
    if len(reason) > MAX_REASON:
        raise InvalidInput("reason: at most {count} characters", count=MAX_REASON)
    now = (now or datetime.now(UTC)).astimezone(UTC)
    d = t.debtors.c
    if uow.session.execute(select(d.id).where(d.id == command.debtor_id)).first() is None:
        raise NotFound("There is no debtor {debtor_id}", debtor_id=command.debtor_id)
    user_id = viewer.user_id if viewer is not None else None
    held = command.debtor_id in open_account_holders(uow, [command.debtor_id])
    request_id = uow.session.execute(
        insert(t.erasure_requests)
        .values(
            debtor_id=command.debtor_id,
            requested_at=now,
            requested_by=user_id,
            reason=reason,
            status="pending",
            held_because=HELD_OPEN_ACCOUNT if held else None,
        )
        .returning(t.erasure_requests.c.id)
    ).scalar_one()
    record(
        uow.session,
        at=now,
        user_id=user_id,
        action="privacy.erasure_requested",
        entity="debtor",
        entity_id=command.debtor_id,
        detail={"erasure_request": int(request_id), "held_because": HELD_OPEN_ACCOUNT if held else None},
    )
    if not held:
        anonymise(uow, [command.debtor_id], now, trigger="erasure", user_id=user_id)
        close_requests(uow, [command.debtor_id], now)  # a debtor anonymised before: done all the same
    uow.commit()
    return _get(uow, int(request_id))


def apply_pending_erasures(uow: UnitOfWork, now: datetime, *, dry_run: bool = False) -> PendingApplied:
    """The retention job's first step: the pending requests whose debtor no longer has an open account
    are applied (or, with dry_run, counted). Does not commit."""
    e = t.erasure_requests.c
    pending = list(
        uow.session.execute(select(e.id, e.debtor_id).where(e.status == "pending").order_by(e.id)).all()
    )
    debtors = sorted({int(r.debtor_id) for r in pending})
    held = open_account_holders(uow, debtors)
    ready = [d for d in debtors if d not in held]
    requests = sum(1 for r in pending if r.debtor_id not in held)
    if not dry_run and ready:
        anonymise(uow, ready, now, trigger="erasure")
        close_requests(uow, ready, now)
    return PendingApplied(requests, ready)


def list_erasure_requests(
    uow: UnitOfWork, viewer: Viewer | None, *, status: str | None = None, limit: int = MAX_LISTED
) -> list[ErasureRequest]:
    """The erasure requests, newest first (at most `limit`, up to 1000), of one status or all."""
    if viewer is not None:
        require_admin(viewer)
    if status is not None and status not in STATUSES:
        raise InvalidInput("status: {status} is not one of pending, done", status=status)
    e = t.erasure_requests.c
    query = select(t.erasure_requests).order_by(e.id.desc()).limit(max(1, min(limit, MAX_LISTED)))
    if status is not None:
        query = query.where(e.status == status)
    return [_request(row) for row in uow.session.execute(query)]


def _get(uow: UnitOfWork, request_id: int) -> ErasureRequest:
    row = uow.session.execute(select(t.erasure_requests).where(t.erasure_requests.c.id == request_id)).one()
    return _request(row)


def _request(row: Any) -> ErasureRequest:
    return ErasureRequest(
        id=int(row.id),
        debtor_id=int(row.debtor_id),
        requested_at=row.requested_at,
        requested_by=row.requested_by,
        reason=row.reason,
        status=row.status,
        held_because=row.held_because,
        applied_at=row.applied_at,
    )


__all__ = [
    "ErasureCommand",
    "ErasureRequest",
    "PendingApplied",
    "apply_pending_erasures",
    "list_erasure_requests",
    "request_erasure",
]
