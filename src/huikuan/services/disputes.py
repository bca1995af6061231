"""The dispute loop: opened → verification requested → verification received → resolved or upheld.

A dispute names one account of a case, or (no account) every account of it. While it is not closed and
its pack says it stops collection (domain/disputes.py, decided when it is opened), the gate refuses
collection of what it names: the account's Debt.disputed, or for the whole case the debtor's flag
(debtors.disputed, which stays equal to "an open dispute of a whole case exists"). Every change is made
inside `changing_facts`, so the gate's history knows when collection stopped and resumed, and audited.

Opening, listing and reading disputes live here; moving one a step (and telling the debtor when it is
resolved) is services/dispute_steps.py.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, exists, insert, select, update

from huikuan.domain.disputes import (
    OPEN_DISPUTE,
    DisputeStatus,
    DisputeVia,
    dispute_deadline,
    stops_collection,
)
from huikuan.domain.enums import CaseStage
from huikuan.errors import InvalidInput, NotFound
from huikuan.services.access import Viewer, case_scope, case_to_work, visible_case
from huikuan.services.clock import floor_today
from huikuan.services.fact_history import changing_facts
from huikuan.services.paging import Paging, paging
from huikuan.storage import audit
from huikuan.storage import tables as t
from huikuan.storage.gate_inputs import disputed_accounts
from huikuan.storage.uow import UnitOfWork

_OPEN = [s.value for s in OPEN_DISPUTE]


def open_dispute(
    uow: UnitOfWork,
    viewer: Viewer,
    case_id: int,
    *,
    via: str,
    written: bool,
    account_id: int | None = None,
    notes: str = "",
    at: datetime | None = None,
) -> int:
    """Opens a dispute of one account of the case (or of all, without `account_id`); its id."""
    case = case_to_work(uow, viewer, case_id)
    new_id = insert_dispute(
        uow, case, user_id=viewer.user_id, via=via, written=written, account_id=account_id, notes=notes, at=at
    )
    uow.commit()
    return new_id


def insert_dispute(
    uow: UnitOfWork,
    case: Any,
    *,
    user_id: int | None,
    via: str,
    written: bool,
    account_id: int | None,
    notes: str = "",
    at: datetime | None = None,
) -> int:
    """open_dispute for a case row the caller may already write to (a contact's outcome, an import)."""
    try:
        way = DisputeVia(via)
    except ValueError:
        raise InvalidInput(
            "{field}: {value} is not one of {allowed}", field="via", value=via, allowed=names_of(DisputeVia)
        ) from None
    when = (at or datetime.now(UTC)).astimezone(UTC)
    day = floor_today(when)
    if account_id is not None and not _of_case(uow, case.id, account_id):
        raise NotFound("no account {account} in this case", account=account_id)
    pack = _pack(uow, case.creditor_id)
    stops = stops_collection(
        pack, written=written, opened_on=day, validation_ends_on=_validation_end(uow, case.id, account_id)
    )
    with changing_facts(uow, [case.debtor_id], user_id=user_id, reason="dispute.opened", at=when):
        new_id = int(
            uow.session.execute(
                insert(t.disputes)
                .values(
                    debtor_id=case.debtor_id,
                    case_id=case.id,
                    account_id=account_id,
                    via=way.value,
                    written=written,
                    status=DisputeStatus.OPEN.value,
                    stops_collection=stops,
                    deadline=dispute_deadline(pack, day),
                    opened_at=when,
                    opened_by=user_id,
                    notes=notes.strip()[:2000],
                )
                .returning(t.disputes.c.id)
            ).scalar_one()
        )
        sync_dispute_flags(uow, case.debtor_id, case.id)
    audit.record(
        uow.session,
        at=when,
        user_id=user_id,
        action="dispute.opened",
        entity="case",
        entity_id=case.id,
        detail={"dispute_id": new_id, "account_id": account_id, "via": way.value, "stops_collection": stops},
    )
    return new_id


def dispute_row(uow: UnitOfWork, viewer: Viewer, dispute_id: int) -> dict[str, Any]:
    row = visible_dispute(uow, viewer, dispute_id)
    return _as_dict(row, floor_today())


def case_disputes(uow: UnitOfWork, viewer: Viewer, case_id: int) -> list[dict[str, Any]]:
    """Every dispute of a case the viewer sees, newest first."""
    visible_case(uow, viewer, case_id)
    rows = uow.session.execute(
        select(t.disputes).where(t.disputes.c.case_id == case_id).order_by(t.disputes.c.opened_at.desc())
    ).all()
    today = floor_today()
    return [_as_dict(r, today) for r in rows]


def case_accounts(uow: UnitOfWork, case_id: int) -> list[dict[str, Any]]:
    """The case's accounts (id, external reference, status) for choosing which one a dispute names; the
    caller has checked the case."""
    a = t.accounts.c
    rows = uow.session.execute(
        select(a.id, a.external_ref, a.status, a.balance, a.currency)
        .where(a.case_id == case_id)
        .order_by(a.id)
    )
    return [dict(r._mapping) for r in rows]


def open_disputes_for(db: UnitOfWork | Connection, debtor_id: int) -> list[dict[str, Any]]:
    """The debtor's disputes that are not closed, oldest first (for GET /api/v1/debtors/{id}); the
    caller has checked that the debtor is visible."""
    conn = db.session.connection() if isinstance(db, UnitOfWork) else db
    x = t.disputes.c
    rows = conn.execute(
        select(t.disputes).where(x.debtor_id == debtor_id, x.status.in_(_OPEN)).order_by(x.opened_at)
    ).all()
    today = floor_today()
    return [_as_dict(r, today) for r in rows]


def dispute_list(
    uow: UnitOfWork, viewer: Viewer, *, page: int = 1, per_page: int = 50, state: str = "open"
) -> tuple[list[dict[str, Any]], Paging]:
    """Disputes of the cases the viewer sees: open ones (oldest first) or closed ones (latest first)."""
    x, c = t.disputes.c, t.cases.c
    closed = state == "closed"
    query = (
        select(t.disputes, t.debtors.c.name.label("debtor_name"), c.creditor_id)
        .join(t.cases, c.id == x.case_id)
        .join(t.debtors, t.debtors.c.id == x.debtor_id)
        .where(case_scope(viewer), x.status.not_in(_OPEN) if closed else x.status.in_(_OPEN))
        .order_by(x.closed_at.desc() if closed else x.opened_at, x.id)
    )
    pages = paging(uow, query, page, per_page, most=200)
    rows = uow.session.execute(query.limit(pages.per_page).offset(pages.offset)).all()
    today = floor_today()
    return [{**_as_dict(r, today), "debtor_name": r.debtor_name} for r in rows], pages


def disputes_of_contact(uow: UnitOfWork, case: Any, user_id: int | None, at: datetime) -> int:
    """A contact whose outcome is a dispute opens one of the whole case, as said (not in writing); an
    open dispute of the whole case already there is kept instead."""
    x = t.disputes.c
    found = uow.session.execute(
        select(x.id).where(x.case_id == case.id, x.account_id.is_(None), x.status.in_(_OPEN)).limit(1)
    ).scalar()
    if found is not None:
        return int(found)
    return insert_dispute(
        uow, case, user_id=user_id, via=DisputeVia.CONTACT.value, written=False, account_id=None, at=at
    )


# --- helpers ---------------------------------------------------------------------------------------


def sync_dispute_flags(uow: UnitOfWork, debtor_id: int, case_id: int) -> None:
    """debtors.disputed = an open dispute of a whole case that stops collection. The case's stage is
    "dispute" (out of the queue) while nothing of it may be collected: the whole case disputed, or every
    open account; back to "contacting" after."""
    x = t.disputes.c
    whole = exists().where(
        x.debtor_id == debtor_id, x.account_id.is_(None), x.stops_collection.is_(True), x.status.in_(_OPEN)
    )
    uow.session.execute(update(t.debtors).where(t.debtors.c.id == debtor_id).values(disputed=whole))
    conn = uow.session.connection()
    a, c = t.accounts.c, t.cases.c
    accounts = set(conn.execute(select(a.id).where(a.case_id == case_id, a.status == "open")).scalars())
    disputed = disputed_accounts(conn, [debtor_id]).get(debtor_id, frozenset())
    stopped = bool(conn.execute(select(t.debtors.c.disputed).where(t.debtors.c.id == debtor_id)).scalar())
    if stopped or (accounts and accounts <= disputed):
        uow.session.execute(
            update(t.cases).where(c.id == case_id, c.stage != CaseStage.CLOSED.value).values(stage="dispute")
        )
    else:
        uow.session.execute(
            update(t.cases)
            .where(c.id == case_id, c.stage == CaseStage.DISPUTE.value)
            .values(stage=CaseStage.CONTACTING.value)
        )


def visible_dispute(uow: UnitOfWork, viewer: Viewer, dispute_id: int) -> Any:
    x, c = t.disputes.c, t.cases.c
    row = uow.session.execute(
        select(t.disputes).join(t.cases, c.id == x.case_id).where(x.id == dispute_id, case_scope(viewer))
    ).one_or_none()
    if row is None:
        raise NotFound("There is no dispute {dispute_id} that you may see", dispute_id=dispute_id)
    return row


def _of_case(uow: UnitOfWork, case_id: int, account_id: int) -> bool:
    a = t.accounts.c
    return (
        uow.session.execute(select(a.id).where(a.id == account_id, a.case_id == case_id)).first() is not None
    )


def _pack(uow: UnitOfWork, creditor_id: int) -> str:
    return str(
        uow.session.execute(select(t.creditors.c.pack).where(t.creditors.c.id == creditor_id)).scalar_one()
    )


def _validation_end(uow: UnitOfWork, case_id: int, account_id: int | None) -> date | None:
    """The end of the validation period of the disputed account (of the whole case: the latest of its
    accounts), as recorded when the notice was mailed (services/notices.py); None (unknown) for an
    account whose notice has not been mailed."""
    a = t.accounts.c
    query = select(a.validation_period_end).where(a.case_id == case_id)
    if account_id is not None:
        query = query.where(a.id == account_id)
    values: list[date | None] = list(uow.session.execute(query).scalars())
    known = [v for v in values if v is not None]
    if not known or len(known) < len(values):
        return None  # some notice not mailed: the period has not even begun
    return max(known)


def names_of(kind: Any) -> str:
    return ", ".join(m.value for m in kind)


def _as_dict(row: Any, today: date) -> dict[str, Any]:
    open_ = row.status in _OPEN
    return {
        "id": row.id,
        "case_id": row.case_id,
        "debtor_id": row.debtor_id,
        "account_id": row.account_id,
        "via": row.via,
        "written": bool(row.written),
        "status": row.status,
        "stops_collection": bool(row.stops_collection),
        "deadline": row.deadline,
        "overdue": bool(open_ and row.deadline is not None and row.deadline < today),
        "age_days": (today - floor_today(row.opened_at)).days,
        "opened_at": row.opened_at,
        "opened_by": row.opened_by,
        "requested_at": row.requested_at,
        "received_at": row.received_at,
        "closed_at": row.closed_at,
        "closed_by": row.closed_by,
        "told": row.told,
        "notes": row.notes,
    }
