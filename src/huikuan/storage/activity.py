"""The reads behind a creditor's daily activity file: its contacts (interactions), messages sent,
promises made or resolved and payments within one span of time, each as plain rows; the service
(services/activity_files.py) masks and formats them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.engine import Connection

from huikuan.storage import tables as t


def contacts(conn: Connection, creditor_id: int, start: datetime, end: datetime) -> list[Any]:
    i, c, p, u = t.interactions.c, t.cases.c, t.contact_points.c, t.users.c
    return list(
        conn.execute(
            select(i.id, i.at, i.case_id, i.channel, i.direction, i.outcome, p.kind, p.value, u.display_name)
            .join(t.cases, c.id == i.case_id)
            .outerjoin(t.contact_points, p.id == i.contact_point_id)
            .outerjoin(t.users, u.id == i.user_id)
            .where(c.creditor_id == creditor_id, i.at >= start, i.at < end)
            .order_by(i.at, i.id)
        ).all()
    )


def messages(conn: Connection, creditor_id: int, start: datetime, end: datetime) -> list[Any]:
    m, c, u = t.messages.c, t.cases.c, t.users.c
    return list(
        conn.execute(
            select(
                m.id, m.sent_at.label("at"), m.case_id, m.channel, m.status, m.to, m.template, u.display_name
            )
            .join(t.cases, c.id == m.case_id)
            .outerjoin(t.users, u.id == m.user_id)
            .where(c.creditor_id == creditor_id, m.sent_at >= start, m.sent_at < end)
            .order_by(m.sent_at, m.id)
        ).all()
    )


def promises(conn: Connection, creditor_id: int, start: datetime, end: datetime) -> list[Any]:
    """Promises made in the span, and those whose status changed in it (kept, broken...)."""
    pr, c, u = t.promises.c, t.cases.c, t.users.c
    made = and_(pr.created_at >= start, pr.created_at < end)
    changed = and_(pr.resolved_at >= start, pr.resolved_at < end)
    return list(
        conn.execute(
            select(
                pr.id,
                pr.created_at,
                pr.resolved_at,
                pr.case_id,
                pr.amount,
                pr.currency,
                pr.due_date,
                pr.status,
                u.display_name,
            )
            .join(t.cases, c.id == pr.case_id)
            .outerjoin(t.users, u.id == pr.created_by)
            .where(c.creditor_id == creditor_id, or_(made, changed))
            .order_by(pr.id)
        ).all()
    )


def payments(conn: Connection, creditor_id: int, start: datetime, end: datetime) -> list[Any]:
    pa, a = t.payments.c, t.accounts.c
    return list(
        conn.execute(
            select(
                pa.id,
                pa.paid_at.label("at"),
                pa.case_id,
                pa.external_ref,
                pa.amount,
                pa.currency,
                pa.method,
                pa.source,
                pa.status,
                a.external_ref.label("account_ref"),
            )
            .join(t.accounts, a.id == pa.account_id)
            .where(pa.creditor_id == creditor_id, pa.paid_at >= start, pa.paid_at < end)
            .order_by(pa.paid_at, pa.id)
        ).all()
    )


def account_refs(conn: Connection, creditor_id: int, case_ids: set[int]) -> dict[int, str]:
    """Each case's accounts of the creditor, their references joined by ';'."""
    a = t.accounts.c
    refs: dict[int, list[str]] = {}
    ids = sorted(case_ids)
    for start in range(0, len(ids), 1000):
        for case_id, ref in conn.execute(
            select(a.case_id, a.external_ref)
            .where(a.creditor_id == creditor_id, a.case_id.in_(ids[start : start + 1000]))
            .order_by(a.case_id, a.external_ref)
        ).all():
            refs.setdefault(case_id, []).append(ref)
    return {case_id: ";".join(found) for case_id, found in refs.items()}
