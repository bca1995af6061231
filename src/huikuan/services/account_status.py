"""The placement's life: an account recalled or closed by its creditor, written off or returned by a
supervisor, leaves collection at once, its history kept.

`end_accounts` is the one place such a change is made (a recall file, the case page, the API): each open
account named gets its new status, the reason and the day; the change is kept in account_changes (the
case's timeline shows it) and audited. Then, in the same transaction, for each case touched: queued
messages are cancelled (they were written with the old accounts); and when no open account remains, the
case is closed, its next action cleared, its claim released, its pending promises cancelled and its plan
rows from today on removed, so it leaves every queue and plan the same minute.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from huikuan.domain.enums import AccountStatus, CaseStage
from huikuan.errors import InvalidInput, NotFound
from huikuan.services.access import Viewer, require_supervisor, visible_case
from huikuan.services.clock import floor_today
from huikuan.services.outbox_job import ACCOUNT_ENDED_ERROR
from huikuan.storage import audit
from huikuan.storage import tables as t
from huikuan.storage.uow import UnitOfWork

# What a person may do from the case page or the API; recall and close come from the creditor's files.
BY_SUPERVISOR = {"write_off": AccountStatus.WRITTEN_OFF.value, "return": AccountStatus.RETURNED.value}
REASON_MAX = 200
_NO_NEXT_ACTION = {
    "next_action_channel": None,
    "next_action_goal": None,
    "next_action_note": None,
    "next_action_due_at": None,
}


@dataclass(frozen=True)
class Ended:
    accounts: tuple[int, ...]  # the accounts changed (open before)
    closed_cases: tuple[int, ...]
    messages_cancelled: int
    plan_rows_removed: int


def end_accounts(
    conn: Connection,
    account_ids: Sequence[int],
    *,
    to_status: str,
    reason: str,
    at: datetime,
    user_id: int | None,
    batch_id: int | None = None,
) -> Ended:
    """Ends these accounts (those still open) with `to_status` and `reason`; see the module docstring."""
    a = t.accounts.c
    rows = conn.execute(
        select(a.id, a.case_id, a.status).where(a.id.in_(sorted(set(account_ids))), a.status == "open")
    ).all()
    if not rows:
        return Ended((), (), 0, 0)
    today = floor_today(at)
    ids = [r.id for r in rows]
    conn.execute(
        update(t.accounts)
        .where(a.id.in_(ids))
        .values(status=to_status, status_reason=reason, closed_on=today)
    )
    conn.execute(
        insert(t.account_changes),
        [
            {
                "account_id": r.id,
                "case_id": r.case_id,
                "at": at,
                "user_id": user_id,
                "from_status": r.status,
                "to_status": to_status,
                "reason": reason,
                "batch_id": batch_id,
            }
            for r in rows
        ],
    )
    for r in rows:
        audit.record(
            conn,
            at=at,
            user_id=user_id,
            action=f"account.{to_status}",
            entity="account",
            entity_id=r.id,
            detail={"case_id": r.case_id, "from": r.status, "batch_id": batch_id},
        )
    cases = sorted({r.case_id for r in rows if r.case_id is not None})
    cancelled = _cancel_queued(conn, cases)
    closed = [c for c in cases if not _has_open(conn, c)]
    removed = _close_cases(conn, closed, at, user_id) if closed else 0
    return Ended(tuple(ids), tuple(closed), cancelled, removed)


def _has_open(conn: Connection, case_id: int) -> bool:
    a = t.accounts.c
    return (
        conn.execute(select(a.id).where(a.case_id == case_id, a.status == "open").limit(1)).scalar()
        is not None
    )


def _cancel_queued(conn: Connection, case_ids: Sequence[int]) -> int:
    if not case_ids:
        return 0
    m = t.messages.c
    done = conn.execute(
        update(t.messages)
        .where(m.case_id.in_(case_ids), m.status == "queued")
        .values(status="cancelled", error=ACCOUNT_ENDED_ERROR, claimed_until=None)
    )
    return int(getattr(done, "rowcount", 0) or 0)


def _close_cases(conn: Connection, case_ids: Sequence[int], at: datetime, user_id: int | None) -> int:
    c, p, pl = t.cases.c, t.promises.c, t.plan_rows.c
    conn.execute(
        update(t.cases)
        .where(c.id.in_(case_ids))
        .values(stage=CaseStage.CLOSED.value, claimed_by=None, claim_expires_at=None, **_NO_NEXT_ACTION)
    )
    conn.execute(
        update(t.promises).where(p.case_id.in_(case_ids), p.status == "pending").values(status="cancelled")
    )
    removed = conn.execute(
        delete(t.plan_rows).where(pl.case_id.in_(case_ids), pl.plan_date >= floor_today(at))
    )
    for case_id in case_ids:
        audit.record(
            conn,
            at=at,
            user_id=user_id,
            action="case.closed",
            entity="case",
            entity_id=case_id,
            detail={"why": "no_open_account"},
        )
    return int(getattr(removed, "rowcount", 0) or 0)


def end_by_supervisor(
    uow: UnitOfWork,
    viewer: Viewer,
    case_id: int,
    *,
    action: str,
    reason: str,
    account_ids: Sequence[int] | None = None,
    now: datetime | None = None,
) -> Ended:
    """Writes off or returns a case's open accounts (all, or those named) with a reason; supervisors only."""
    require_supervisor(viewer)  # refused before anything about the case is looked up
    visible_case(uow, viewer, case_id, write=True)
    if action not in BY_SUPERVISOR:
        raise InvalidInput("action: {value} is not one of write_off, return", value=action)
    text = " ".join(reason.split())
    if not text:
        raise InvalidInput("reason: say why the accounts leave collection")
    if len(text) > REASON_MAX:
        raise InvalidInput("reason: at most {n} characters", n=REASON_MAX)
    a = t.accounts.c
    uow.begin_write()
    conn = uow.session.connection()
    open_ids = [
        int(x) for x in conn.execute(select(a.id).where(a.case_id == case_id, a.status == "open")).scalars()
    ]
    wanted = open_ids if not account_ids else [int(x) for x in account_ids]
    strangers = sorted(set(wanted) - set(open_ids))
    if strangers:
        raise NotFound("no open account {account_id} on this case", account_id=strangers[0])
    if not wanted:
        raise InvalidInput("case {case_id} has no open account", case_id=case_id)
    done = end_accounts(
        conn,
        wanted,
        to_status=BY_SUPERVISOR[action],
        reason=text,
        at=(now or datetime.now(UTC)).astimezone(UTC),
        user_id=viewer.user_id,
    )
    uow.commit()
    return done


def changes(conn: Connection, case_id: int) -> list[dict[str, Any]]:
    """The case's account status changes, oldest first (for the timeline and the case page)."""
    ch, a, u = t.account_changes.c, t.accounts.c, t.users.c
    rows = conn.execute(
        select(
            ch.id, ch.at, ch.from_status, ch.to_status, ch.reason, ch.batch_id, a.external_ref, u.display_name
        )
        .join(t.accounts, a.id == ch.account_id)
        .outerjoin(t.users, u.id == ch.user_id)
        .where(ch.case_id == case_id)
        .order_by(ch.at, ch.id)
    ).all()
    return [dict(r._mapping) for r in rows]


__all__ = ["BY_SUPERVISOR", "Ended", "changes", "end_accounts", "end_by_supervisor"]
