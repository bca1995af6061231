"""Written acknowledgments of a debt: the debtor signed a letter or form admitting the debt. Under uk-conc
it restarts the limitation period (Limitation Act 1980 ss. 29-30); it is recorded in every pack (the
limitation of the others ignores it). Recording one recomputes the case's limitation dates inside
`changing_facts`, so the gate's `time_barred` follows at once and the change is kept in the fact history.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime

from sqlalchemy import insert, select

from huikuan.errors import InvalidInput, NotFound
from huikuan.services import notices
from huikuan.services.access import Viewer, visible_case
from huikuan.services.clock import floor_today
from huikuan.services.fact_history import changing_facts
from huikuan.storage import audit
from huikuan.storage import tables as t
from huikuan.storage.uow import UnitOfWork

NOTE_MAX = 200


def record_acknowledgment(
    uow: UnitOfWork,
    viewer: Viewer,
    case_id: int,
    *,
    on: date,
    note: str = "",
    account_ids: Sequence[int] | None = None,
    now: datetime | None = None,
) -> list[int]:
    """Records that the debtor acknowledged in writing, on `on`, the case's open accounts (all, or those
    named); the accounts recorded. Not for a read-only viewer."""
    case = visible_case(uow, viewer, case_id, write=True)
    when = (now or datetime.now(UTC)).astimezone(UTC)
    if on > floor_today(when):
        raise InvalidInput("on: an acknowledgment cannot be dated in the future")
    text = " ".join(note.split())
    if len(text) > NOTE_MAX:
        raise InvalidInput("note: at most {n} characters", n=NOTE_MAX)
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
    with changing_facts(
        uow, [case.debtor_id], user_id=viewer.user_id, reason="limitation.acknowledged", at=when
    ):
        conn.execute(
            insert(t.acknowledgments),
            [
                {
                    "account_id": acc,
                    "acknowledged_on": on,
                    "recorded_at": when,
                    "user_id": viewer.user_id,
                    "note": text,
                }
                for acc in wanted
            ],
        )
        notices.refresh_limitation(conn, wanted)
    for acc in wanted:
        audit.record(
            conn,
            at=when,
            user_id=viewer.user_id,
            action="account.acknowledged",
            entity="account",
            entity_id=acc,
            detail={"case_id": case_id},
        )
    uow.commit()
    return wanted


__all__ = ["record_acknowledgment"]
