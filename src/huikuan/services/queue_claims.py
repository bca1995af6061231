"""Claiming from the collector's queue (services/queue.py lists it).

`next_case` hands the first unclaimed case of "my work today", in queue order, to the collector, holding
it for a time to live (30 minutes by default; the case page extends it with `touch_claim`). Two collectors
never hold the same case: PostgreSQL picks the row with `SELECT ... FOR UPDATE SKIP LOCKED`, and on every
database the claim itself is a conditional UPDATE that must change exactly one row. A claim that has
expired may be taken by anyone; the `claims` job (`expire_claims`) clears expired claims.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, or_, select, update

from huikuan.errors import Forbidden
from huikuan.services.access import Viewer, require_writer, visible_case
from huikuan.services.queue_order import Clock, clock_at, ordered
from huikuan.storage import tables as t
from huikuan.storage.engine import is_sqlite
from huikuan.storage.uow import UnitOfWork

CLAIM_TTL = timedelta(minutes=30)
_CANDIDATE_BATCH = 20
_MAX_ROUNDS = 50


def _claim_free(now: datetime) -> ColumnElement[bool]:
    """No one holds the case: never claimed, or the claim has expired (a claim without expiry has too)."""
    c = t.cases.c
    return or_(c.claimed_by.is_(None), c.claim_expires_at.is_(None), c.claim_expires_at < now)


def next_case(
    uow: UnitOfWork,
    viewer: Viewer,
    *,
    now: datetime | None = None,
    ttl: timedelta = CLAIM_TTL,
    skip: frozenset[int] = frozenset(),
) -> int | None:
    """Claims the first free case of "my work today" for the viewer and returns its id (None: nothing due).

    The viewer's previous claim is released first; the case just released comes last in the order, so
    "next" moves on unless nothing else is due; the cases in `skip` are never taken (the power dialler's
    passed-over cases). Ends any transaction the caller had open (reads only), so that the claim sees the
    latest state and, on SQLite, takes the write lock as its first step.
    """
    require_writer(viewer)
    clock = clock_at(now)
    uow.commit()
    c = t.cases.c
    released = set(
        uow.session.execute(
            update(t.cases)
            .where(c.claimed_by == viewer.user_id)
            .values(claimed_by=None, claim_expires_at=None)
            .returning(c.id)
        ).scalars()
    )
    pick = _pick_postgres if not is_sqlite(uow.engine) else _pick_sqlite
    for avoid in (released | skip, set(skip)) if released else (set(skip),):
        found = pick(uow, viewer, clock, avoid, ttl)
        if found is not None:
            uow.commit()
            return found
    uow.commit()
    return None


def _claim(uow: UnitOfWork, viewer: Viewer, case_id: int, clock: Clock, ttl: timedelta) -> bool:
    """The claim itself: changes the row only if it is still free; True when it did."""
    c = t.cases.c
    result = uow.session.execute(
        update(t.cases)
        .where(c.id == case_id, _claim_free(clock.now))
        .values(claimed_by=viewer.user_id, claim_expires_at=clock.now + ttl)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


def _free_candidates(uow: UnitOfWork, viewer: Viewer, clock: Clock, avoid: set[int]) -> list[Select[Any]]:
    """The free cases of "my work today" in queue order, as parts read one after the other."""
    c = t.cases.c
    free = [_claim_free(clock.now), *([c.id.not_in(avoid)] if avoid else [])]
    return [part.where(*free) for part in ordered(uow, viewer, clock, [c.id], due_only=True)]


def _pick_postgres(
    uow: UnitOfWork, viewer: Viewer, clock: Clock, avoid: set[int], ttl: timedelta
) -> int | None:
    for part in _free_candidates(uow, viewer, clock, avoid):
        query = part.limit(1).with_for_update(skip_locked=True, of=t.cases)
        for _round in range(_MAX_ROUNDS):
            case_id = uow.session.execute(query).scalar()
            if case_id is None:
                break
            if _claim(uow, viewer, case_id, clock, ttl):
                return int(case_id)
    return None


def _pick_sqlite(
    uow: UnitOfWork, viewer: Viewer, clock: Clock, avoid: set[int], ttl: timedelta
) -> int | None:
    # The release above took SQLite's write lock, so no one claims in between; the conditional UPDATE
    # is what guarantees it all the same.
    tried: set[int] = set()
    for part in _free_candidates(uow, viewer, clock, avoid):
        for _round in range(_MAX_ROUNDS):
            query = (part.where(t.cases.c.id.not_in(tried)) if tried else part).limit(_CANDIDATE_BATCH)
            batch = list(uow.session.execute(query).scalars())
            if not batch:
                break
            for case_id in batch:
                if _claim(uow, viewer, case_id, clock, ttl):
                    return int(case_id)
                tried.add(case_id)
    return None


def touch_claim(
    uow: UnitOfWork, viewer: Viewer, case_id: int, now: datetime | None = None, *, ttl: timedelta = CLAIM_TTL
) -> bool:
    """Keeps the viewer's own unexpired claim on the case alive; False if it holds none.

    A page view must not write unless it has to: the claim is extended by the time to live only once
    less than half of it is left, in a short write transaction of its own."""
    instant = (now or datetime.now(UTC)).astimezone(UTC)
    c = t.cases.c
    held = uow.session.execute(
        select(c.claim_expires_at).where(c.id == case_id, c.claimed_by == viewer.user_id)
    ).scalar()
    if held is None or held < instant:
        return False
    if held - instant > ttl / 2:
        return True
    uow.begin_write()
    result = uow.session.execute(
        update(t.cases)
        .where(c.id == case_id, c.claimed_by == viewer.user_id, c.claim_expires_at >= instant)
        .values(claim_expires_at=instant + ttl)
        .execution_options(synchronize_session=False)
    )
    uow.commit()
    return bool(getattr(result, "rowcount", 0) == 1)


def release_case(uow: UnitOfWork, viewer: Viewer, case_id: int) -> bool:
    """Gives the case back to the queue. A collector releases its own claim; a supervisor anyone's.

    Returns False when no one held it."""
    row = visible_case(uow, viewer, case_id, write=True)
    if row.claimed_by is None:
        return False
    if row.claimed_by != viewer.user_id and not viewer.supervises:
        raise Forbidden("Case {case_id} is held by someone else", case_id=case_id)
    c = t.cases.c
    uow.commit()  # end the read; the UPDATE below changes the case only if the same holder still has it
    result = uow.session.execute(
        update(t.cases)
        .where(c.id == case_id, c.claimed_by == row.claimed_by)
        .values(claimed_by=None, claim_expires_at=None)
        .execution_options(synchronize_session=False)
    )
    uow.commit()
    return bool(getattr(result, "rowcount", 0) == 1)


def expire_claims(uow: UnitOfWork, now: datetime) -> dict[str, int]:
    """Job: clears every claim whose time has passed, so the team view shows who really holds what."""
    c = t.cases.c
    result = uow.session.execute(
        update(t.cases)
        .where(c.claimed_by.is_not(None), or_(c.claim_expires_at.is_(None), c.claim_expires_at < now))
        .values(claimed_by=None, claim_expires_at=None)
        .execution_options(synchronize_session=False)
    )
    uow.commit()
    return {"expired": int(getattr(result, "rowcount", 0))}
