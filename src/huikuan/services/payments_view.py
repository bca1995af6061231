"""The payments of a case as the viewer sees them: the case page's payments tab and
`GET /api/v1/cases/{id}/payments` read them here.

Each payment with its allocations by account and part (fees, interest, principal), its commission, what
was held, where the money landed (route: the agency's trust account or the creditor's own), who posted it,
its proof, and its reversal with the reason (a payment moved to another case names that case). Newest
first. The case must be one the viewer may see (services/access.py); another's is not found.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, func, select, union_all

from huikuan.errors import NotFound
from huikuan.services.access import Viewer, case_scope, visible_case
from huikuan.storage import tables as t
from huikuan.storage.uow import UnitOfWork

CASE_PAYMENTS_MAX = 500  # a case rarely has more; the newest are shown


def case_payments(uow: UnitOfWork, viewer: Viewer, case_id: int) -> list[dict[str, Any]]:
    """The case's payments, newest first, each with `allocations` and `reversal` (or None)."""
    visible_case(uow, viewer, case_id)
    p, u, d = t.payments.c, t.users.c, t.documents.c
    rows = uow.session.execute(
        select(
            p.id,
            _case_of_payment().label("case_id"),
            p.external_ref,
            p.amount,
            p.currency,
            p.paid_at,
            p.posted_at,
            p.method,
            p.source,
            p.route,
            p.status,
            p.provider,
            p.commission,
            p.held,
            p.note,
            p.document_id,
            p.moved_from_id,
            u.display_name.label("posted_by"),
            d.filename.label("document_name"),
        )
        .join(t.accounts, t.accounts.c.id == p.account_id)
        .outerjoin(t.users, u.id == p.user_id)
        .outerjoin(t.documents, d.id == p.document_id)
        .where(_on_case(case_id))
        .order_by(p.paid_at.desc(), p.id.desc())
        .limit(CASE_PAYMENTS_MAX)
    ).all()
    payments = [dict(r._mapping) for r in rows]
    ids = [r["id"] for r in payments]
    allocations = _allocations(uow, ids)
    reversals = _reversals(uow, ids)
    for row in payments:
        row["allocations"] = allocations.get(row["id"], [])
        row["reversal"] = reversals.get(row["id"])
    return payments


def open_accounts(uow: UnitOfWork, viewer: Viewer, case_id: int) -> list[dict[str, Any]]:
    """The case's open accounts (id, reference, balance, currency), oldest first: what a payment may be
    directed to."""
    visible_case(uow, viewer, case_id)
    a = t.accounts.c
    rows = uow.session.execute(
        select(a.id, a.external_ref, a.balance, a.currency)
        .where(a.case_id == case_id, a.status == "open")
        .order_by(a.overdue_since.is_(None), a.overdue_since, a.id)
    )
    return [dict(r._mapping) for r in rows]


def payment_case(uow: UnitOfWork, viewer: Viewer, payment_id: int) -> int:
    """The case of a payment the viewer may see; NotFound otherwise (its existence is not disclosed)."""
    p = t.payments.c
    found = uow.session.execute(
        select(t.cases.c.id)
        .select_from(t.payments)
        .join(t.accounts, t.accounts.c.id == p.account_id)
        .join(t.cases, t.cases.c.id == _case_of_payment())
        .where(p.id == payment_id, case_scope(viewer))
    ).scalar_one_or_none()
    if found is None:
        raise NotFound("There is no payment {payment_id} that you may see", payment_id=payment_id)
    return int(found)


def _case_of_payment() -> ColumnElement[int]:
    """A payment's case: its own, or (a payment recorded before payments named their case) its account's.
    The query joins `accounts` on the payment's account."""
    return func.coalesce(t.payments.c.case_id, t.accounts.c.case_id)


def _on_case(case_id: int) -> ColumnElement[bool]:
    """The payments of the case: those naming it, and those of its accounts naming no case. Two indexed
    lookups in a union (an OR across the join would read every payment)."""
    p, a = t.payments.c, t.accounts.c
    named = select(p.id).where(p.case_id == case_id)
    by_account = (
        select(p.id).join(t.accounts, a.id == p.account_id).where(p.case_id.is_(None), a.case_id == case_id)
    )
    return p.id.in_(union_all(named, by_account))


def _allocations(uow: UnitOfWork, ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    if not ids:
        return {}
    pa, a = t.payment_allocations.c, t.accounts.c
    out: dict[int, list[dict[str, Any]]] = {}
    rows = uow.session.execute(
        select(
            pa.payment_id,
            pa.account_id,
            a.external_ref.label("account_ref"),
            pa.amount,
            pa.fees,
            pa.interest,
            pa.principal,
            pa.commission,
        )
        .join(t.accounts, a.id == pa.account_id)
        .where(pa.payment_id.in_(ids))
        .order_by(pa.payment_id, pa.account_id)
    )
    for r in rows:
        row = dict(r._mapping)
        out.setdefault(int(row.pop("payment_id")), []).append(row)
    return out


def _reversals(uow: UnitOfWork, ids: list[int]) -> dict[int, dict[str, Any]]:
    if not ids:
        return {}
    r, u, moved = t.payment_reversals.c, t.users.c, t.payments.alias("moved")
    rows = uow.session.execute(
        select(
            r.payment_id,
            r.kind,
            r.reason,
            r.at,
            r.moved_to_id,
            moved.c.case_id.label("moved_to_case_id"),
            u.display_name.label("reversed_by"),
        )
        .outerjoin(t.users, u.id == r.user_id)
        .outerjoin(moved, moved.c.id == r.moved_to_id)
        .where(r.payment_id.in_(ids))
    )
    return {int(row.payment_id): {k: v for k, v in row._mapping.items() if k != "payment_id"} for row in rows}
