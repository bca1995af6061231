"""Taking a particular case to work on it: a collector opens a case from a list (the pool, the team's
cases) and takes it, as "next case" takes the first one due. One case is held at a time: taking a case
gives back the one held before. A case someone else holds stays theirs until their claim lapses; a
case assigned to a colleague is theirs to work (services/access.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import or_, update

from huikuan.errors import Forbidden
from huikuan.services.access import Viewer, may_take, trained_for_vulnerability, visible_case, why_not_work
from huikuan.services.holds import is_vulnerable
from huikuan.services.queue_claims import CLAIM_TTL
from huikuan.storage import tables as t
from huikuan.storage.uow import UnitOfWork


def take_case(
    uow: UnitOfWork, viewer: Viewer, case_id: int, *, now: datetime | None = None, ttl: timedelta = CLAIM_TTL
) -> bool:
    """Claims the case for the viewer if no one else holds it; True when the viewer holds it now.

    A collector takes a case of the pool or its own; a case assigned to a colleague is moved by a
    supervisor (Forbidden, naming the colleague)."""
    case = visible_case(uow, viewer, case_id, write=True)
    instant = (now or datetime.now(UTC)).astimezone(UTC)
    if not trained_for_vulnerability(viewer) and is_vulnerable(uow.session.connection(), case_id):
        raise Forbidden("This debtor is vulnerable: the case goes to a collector trained for it")
    if not may_take(viewer, case.assigned_user_id, None):  # who holds it now, the UPDATE below decides
        refused = why_not_work(uow, viewer, case, instant)
        if refused is not None:
            raise refused
    uow.begin_write()  # ends the read: the conditional UPDATE below decides
    c = t.cases.c
    uow.session.execute(
        update(t.cases)
        .where(c.claimed_by == viewer.user_id, c.id != case_id)
        .values(claimed_by=None, claim_expires_at=None)
        .execution_options(synchronize_session=False)
    )
    free_or_mine = or_(
        c.claimed_by.is_(None),
        c.claimed_by == viewer.user_id,
        c.claim_expires_at.is_(None),
        c.claim_expires_at < instant,
    )
    result = uow.session.execute(
        update(t.cases)
        .where(c.id == case_id, free_or_mine)
        .values(claimed_by=viewer.user_id, claim_expires_at=instant + ttl)
        .execution_options(synchronize_session=False)
    )
    uow.commit()
    return bool(getattr(result, "rowcount", 0) == 1)
