"""The complaints register: received → acknowledged → answered → closed, each step with its instant and
who took it, and the final answer due by the pack's deadline (domain/disputes.py: cn 15 days, CFPB 15
days, UK 8 weeks under DISP 1.6.2R) counted from the floor's day of receipt.

A complaint that is not closed flags its case to supervisors: a badge on the case header and on the
supervisor's list (`open_complaint_cases`). The overdue list puts first the open complaints whose due day
has passed. Every change is audited (ids and codes only: what the complaint says stays in its notes).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import case, insert, select, update

from huikuan.domain.disputes import (
    COMPLAINT_STEPS,
    OPEN_COMPLAINT,
    ComplaintCategory,
    ComplaintChannel,
    ComplaintStatus,
    Regulator,
    complaint_due,
)
from huikuan.errors import Conflict, InvalidInput, NotFound
from huikuan.services.access import Viewer, case_scope, case_to_work, visible_case
from huikuan.services.clock import floor_today
from huikuan.services.paging import Paging, paging
from huikuan.storage import audit
from huikuan.storage import tables as t
from huikuan.storage.uow import UnitOfWork

_OPEN = [s.value for s in OPEN_COMPLAINT]
_STAMPS = {
    ComplaintStatus.ACKNOWLEDGED: ("acknowledged_at", "acknowledged_by"),
    ComplaintStatus.ANSWERED: ("answered_at", "answered_by"),
    ComplaintStatus.CLOSED: ("closed_at", "closed_by"),
}


def record_complaint(
    uow: UnitOfWork,
    viewer: Viewer,
    case_id: int,
    *,
    channel: str,
    category: str,
    regulator: str = "none",
    regulator_ref: str = "",
    notes: str = "",
    at: datetime | None = None,
) -> int:
    """Registers a complaint received about a case; its id. Its due day follows from the pack."""
    c = case_to_work(uow, viewer, case_id)
    way = _member(ComplaintChannel, channel, "channel")
    kind = _member(ComplaintCategory, category, "category")
    body = _member(Regulator, regulator, "regulator")
    when = (at or datetime.now(UTC)).astimezone(UTC)
    pack = str(
        uow.session.execute(select(t.creditors.c.pack).where(t.creditors.c.id == c.creditor_id)).scalar_one()
    )
    new_id = int(
        uow.session.execute(
            insert(t.complaints)
            .values(
                debtor_id=c.debtor_id,
                case_id=case_id,
                channel=way.value,
                category=kind.value,
                regulator=body.value,
                regulator_ref=regulator_ref.strip()[:60],
                status=ComplaintStatus.RECEIVED.value,
                due_on=complaint_due(pack, floor_today(when)),
                received_at=when,
                received_by=viewer.user_id,
                notes=notes.strip()[:4000],
            )
            .returning(t.complaints.c.id)
        ).scalar_one()
    )
    audit.record(
        uow.session,
        at=when,
        user_id=viewer.user_id,
        action="complaint.received",
        entity="case",
        entity_id=case_id,
        detail={"complaint_id": new_id, "category": kind.value, "regulator": body.value},
    )
    uow.commit()
    return new_id


def advance_complaint(
    uow: UnitOfWork,
    viewer: Viewer,
    complaint_id: int,
    *,
    to: str,
    notes: str = "",
    at: datetime | None = None,
) -> dict[str, Any]:
    """Moves a complaint one step (COMPLAINT_STEPS); returns it as `complaint_row` gives it."""
    row = _visible(uow, viewer, complaint_id)
    case_to_work(uow, viewer, row.case_id)
    step = _member(ComplaintStatus, to, "to")
    now = ComplaintStatus(row.status)
    if step not in COMPLAINT_STEPS[now]:
        raise Conflict("a complaint that is {status} cannot become {step}", status=now.value, step=step.value)
    when = (at or datetime.now(UTC)).astimezone(UTC)
    stamp, who = _STAMPS[step]
    values: dict[str, Any] = {"status": step.value, stamp: when, who: viewer.user_id}
    if notes.strip():
        values["notes"] = ((row.notes + "\n") if row.notes else "") + notes.strip()[:4000]
    uow.session.execute(update(t.complaints).where(t.complaints.c.id == complaint_id).values(**values))
    audit.record(
        uow.session,
        at=when,
        user_id=viewer.user_id,
        action=f"complaint.{step.value}",
        entity="case",
        entity_id=row.case_id,
        detail={"complaint_id": complaint_id},
    )
    uow.commit()
    return complaint_row(uow, viewer, complaint_id)


def complaint_row(uow: UnitOfWork, viewer: Viewer, complaint_id: int) -> dict[str, Any]:
    return _as_dict(_visible(uow, viewer, complaint_id), floor_today())


def case_complaints(uow: UnitOfWork, viewer: Viewer, case_id: int) -> list[dict[str, Any]]:
    visible_case(uow, viewer, case_id)
    x = t.complaints.c
    rows = uow.session.execute(
        select(t.complaints).where(x.case_id == case_id).order_by(x.received_at.desc())
    )
    today = floor_today()
    return [_as_dict(r, today) for r in rows]


def complaint_list(
    uow: UnitOfWork,
    viewer: Viewer,
    *,
    page: int = 1,
    per_page: int = 50,
    state: str = "open",
    today: date | None = None,
) -> tuple[list[dict[str, Any]], Paging]:
    """Complaints of the cases the viewer sees: the open ones with the overdue first (earliest due day
    first), or the closed ones (latest first), or only the overdue ones (`state="overdue"`)."""
    x, c = t.complaints.c, t.cases.c
    day = today or floor_today()
    query = (
        select(t.complaints, t.debtors.c.name.label("debtor_name"))
        .join(t.cases, c.id == x.case_id)
        .join(t.debtors, t.debtors.c.id == x.debtor_id)
        .where(case_scope(viewer))
    )
    if state == "closed":
        query = query.where(x.status.not_in(_OPEN)).order_by(x.closed_at.desc(), x.id)
    else:
        query = query.where(x.status.in_(_OPEN))
        if state == "overdue":
            query = query.where(x.due_on < day)
        query = query.order_by(case((x.due_on < day, 0), else_=1), x.due_on, x.id)
    pages = paging(uow, query, page, per_page, most=200)
    rows = uow.session.execute(query.limit(pages.per_page).offset(pages.offset)).all()
    return [{**_as_dict(r, day), "debtor_name": r.debtor_name} for r in rows], pages


def has_open_complaint(uow: UnitOfWork, case_id: int) -> bool:
    x = t.complaints.c
    found = uow.session.execute(
        select(x.id).where(x.case_id == case_id, x.status.in_(_OPEN)).limit(1)
    ).first()
    return found is not None


def open_complaint_cases(uow: UnitOfWork, case_ids: list[int]) -> set[int]:
    """Which of these cases have a complaint that is not closed (the supervisor's badge)."""
    if not case_ids:
        return set()
    x = t.complaints.c
    rows = uow.session.execute(
        select(x.case_id).where(x.case_id.in_(case_ids), x.status.in_(_OPEN)).distinct()
    )
    return {int(r.case_id) for r in rows}


def _visible(uow: UnitOfWork, viewer: Viewer, complaint_id: int) -> Any:
    x, c = t.complaints.c, t.cases.c
    row = uow.session.execute(
        select(t.complaints).join(t.cases, c.id == x.case_id).where(x.id == complaint_id, case_scope(viewer))
    ).one_or_none()
    if row is None:
        raise NotFound("There is no complaint {complaint_id} that you may see", complaint_id=complaint_id)
    return row


def _member(kind: Any, value: str, field: str) -> Any:
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(m.value for m in kind)
        raise InvalidInput(
            "{field}: {value} is not one of {allowed}", field=field, value=value, allowed=allowed
        ) from None


def _as_dict(row: Any, today: date) -> dict[str, Any]:
    open_ = row.status in _OPEN
    return {
        "id": row.id,
        "case_id": row.case_id,
        "debtor_id": row.debtor_id,
        "channel": row.channel,
        "category": row.category,
        "regulator": row.regulator,
        "regulator_ref": row.regulator_ref,
        "status": row.status,
        "due_on": row.due_on,
        "overdue": bool(open_ and row.due_on < today),
        "age_days": (today - floor_today(row.received_at)).days,
        "received_at": row.received_at,
        "acknowledged_at": row.acknowledged_at,
        "answered_at": row.answered_at,
        "closed_at": row.closed_at,
        "notes": row.notes,
    }
