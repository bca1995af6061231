"""The reads behind one floor day's counters (docs/reports.md): each function counts one kind of record
in the day's window [start, end) (UTC) and returns `Counted` rows keyed by creditor, collector, channel,
currency, product and segment.

Who a record counts for: a contact, a promise or a refusal is its author's; a payment, a reversal, a
paid-off account, a dispute, a complaint and a plan row without a collector are the case's collector's at
the time of counting. A payment or a paid-off account has its account's product; what happens to a case
(a contact, a promise, a plan row, a dispute, ...) the product of the case's first account (lowest id);
the segment is the case's ("" where none).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, and_, case, exists, func, literal, select

from huikuan.domain.enums import CONVERSATION_OUTCOMES, Outcome, Role
from huikuan.domain.reports import logged_in_seconds
from huikuan.storage import tables as t

REFUSED = Outcome.REFUSED_BY_GATE.value
CONVERSATIONS = sorted(o.value for o in CONVERSATION_OUTCOMES)
RIGHT_PARTY = sorted(o.value for o in CONVERSATION_OUTCOMES if o is not Outcome.THIRD_PARTY)
NO_CHANNEL = ""


@dataclass(frozen=True)
class Counted:
    creditor_id: int
    user_id: int | None
    channel: str
    currency: str
    values: dict[str, int] = field(default_factory=dict)
    product: str = ""
    segment: str = ""


def _case_product(case_id: Any) -> Any:
    """The product of the case's first account (lowest id)."""
    a = t.accounts.c
    first = select(a.product).where(a.case_id == case_id).order_by(a.id).limit(1).scalar_subquery()
    return func.coalesce(first, literal("")).label("product")


def _segment(segment: Any) -> Any:
    return func.coalesce(segment, literal("")).label("segment")


def _when(condition: Any) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _rows(conn: Connection, query: Any, names: tuple[str, ...]) -> Iterator[Counted]:
    for row in conn.execute(query):
        values = {name: int(getattr(row, name) or 0) for name in names}
        yield Counted(
            row.creditor_id,
            row.user_id,
            row.channel or NO_CHANNEL,
            row.currency,
            values,
            row.product or "",
            row.segment or "",
        )


def contacts(conn: Connection, start: datetime, end: datetime) -> Iterator[Counted]:
    """Attempts, contacts, right-party contacts (outbound) and right-party conversations (both ways)."""
    i, c, cr = t.interactions.c, t.cases.c, t.creditors.c
    out = and_(i.direction == "outbound", i.outcome != REFUSED)
    product, segment = _case_product(c.id), _segment(c.segment)
    query = (
        select(
            c.creditor_id,
            i.user_id,
            i.channel,
            cr.currency,
            product,
            segment,
            _when(out).label("attempts"),
            _when(and_(out, i.outcome.in_(CONVERSATIONS))).label("contacts"),
            _when(and_(out, i.outcome.in_(RIGHT_PARTY))).label("rpcs"),
            _when(i.outcome.in_(RIGHT_PARTY)).label("conversations"),
        )
        .select_from(t.interactions.join(t.cases).join(t.creditors, cr.id == c.creditor_id))
        .where(i.at >= start, i.at < end)
        .group_by(c.creditor_id, i.user_id, i.channel, cr.currency, product, segment)
    )
    return _rows(conn, query, ("attempts", "contacts", "rpcs", "conversations"))


def _promises(*columns: Any) -> Any:
    p, c, i = t.promises.c, t.cases.c, t.interactions.c
    channel = func.coalesce(i.channel, literal(NO_CHANNEL)).label("channel")
    frm = t.promises.join(t.cases, c.id == p.case_id).outerjoin(t.interactions, i.id == p.interaction_id)
    product, segment = _case_product(c.id), _segment(c.segment)
    group = (c.creditor_id, p.created_by, channel, p.currency, product, segment)
    query = select(
        c.creditor_id, p.created_by.label("user_id"), channel, p.currency, product, segment, *columns
    )
    return query.select_from(frm), group


def promises(conn: Connection, start: datetime, end: datetime, day: date) -> Iterator[Counted]:
    """Promises made in the window, due on the day, and resolved (kept, partly kept, broken) in it."""
    p = t.promises.c
    made, group = _promises(func.count().label("promises_made"), func.sum(p.amount).label("promised_amount"))
    yield from _rows(
        conn,
        made.where(p.created_at >= start, p.created_at < end).group_by(*group),
        ("promises_made", "promised_amount"),
    )
    due, group = _promises(func.count().label("promises_due"))
    yield from _rows(
        conn, due.where(p.due_date == day, p.status != "cancelled").group_by(*group), ("promises_due",)
    )
    names = ("promises_kept", "promises_partly_kept", "promises_broken", "kept_amount")
    resolved, group = _promises(
        _when(p.status == "kept").label("promises_kept"),
        _when(p.status == "partly_kept").label("promises_partly_kept"),
        _when(p.status == "broken").label("promises_broken"),
        func.sum(case((p.status.in_(("kept", "partly_kept")), p.paid_amount), else_=0)).label("kept_amount"),
    )
    query = resolved.where(
        p.resolved_at >= start, p.resolved_at < end, p.status.in_(("kept", "partly_kept", "broken"))
    )
    yield from _rows(conn, query.group_by(*group), names)


def _last_touch(case_id: Any, paid_at: Any) -> Any:
    """The channel of the case's last contact (not one the gate refused) at or before a payment."""
    i = t.interactions.c
    return (
        select(i.channel)
        .where(i.case_id == case_id, i.at <= paid_at, i.outcome != REFUSED)
        .order_by(i.at.desc(), i.id.desc())
        .limit(1)
        .scalar_subquery()
    )


def payments(conn: Connection, start: datetime, end: datetime) -> Iterator[Counted]:
    """Payments received in the window (whatever became of them since) and payments reversed in it, on
    the channel of the case's last contact before the payment."""
    pay, a, c, r = t.payments.c, t.accounts.c, t.cases.c, t.payment_reversals.c
    frm = t.payments.join(t.accounts, a.id == pay.account_id).outerjoin(t.cases, c.id == a.case_id)
    cols = (
        pay.creditor_id,
        c.assigned_user_id,
        pay.currency,
        pay.amount,
        _last_touch(a.case_id, pay.paid_at),
        a.product,
        c.segment,
    )
    received = select(*cols).select_from(frm).where(pay.paid_at >= start, pay.paid_at < end)
    reversed_ = (
        select(*cols)
        .select_from(frm.join(t.payment_reversals, r.payment_id == pay.id))
        .where(r.at >= start, r.at < end)
    )
    for query, count, amount in ((received, "payments", "collected"), (reversed_, None, "reversed")):
        for creditor_id, user_id, currency, value, channel, product, segment in conn.execute(query):
            values = {amount: int(value), **({count: 1} if count else {})}
            yield Counted(
                creditor_id, user_id, channel or NO_CHANNEL, currency, values, product, segment or ""
            )


def case_events(conn: Connection, start: datetime, end: datetime, day: date) -> Iterator[Counted]:
    """Accounts paid off on the day (paid or settled, last paid that day), disputes opened and complaints
    received in the window, each counted for the case's collector."""
    a, c, d, k, cr = t.accounts.c, t.cases.c, t.disputes.c, t.complaints.c, t.creditors.c
    segment = _segment(c.segment)
    paid_off = (
        select(
            a.creditor_id,
            c.assigned_user_id.label("user_id"),
            a.currency,
            a.product,
            segment,
            func.count().label("paid_off"),
        )
        .select_from(t.accounts.outerjoin(t.cases, c.id == a.case_id))
        .where(a.status.in_(("paid", "settled")), a.last_payment_date == day)
        .group_by(a.creditor_id, c.assigned_user_id, a.currency, a.product, segment)
    )
    for row in conn.execute(paid_off):
        yield Counted(
            row.creditor_id,
            row.user_id,
            NO_CHANNEL,
            row.currency,
            {"paid_off": row.paid_off},
            row.product,
            row.segment,
        )
    product = _case_product(c.id)
    for table, at, name in (
        (t.disputes, d.opened_at, "disputes"),
        (t.complaints, k.received_at, "complaints"),
    ):
        query = (
            select(
                c.creditor_id,
                c.assigned_user_id.label("user_id"),
                cr.currency,
                product,
                segment,
                func.count().label(name),
            )
            .select_from(
                table.join(t.cases, c.id == table.c.case_id).join(t.creditors, cr.id == c.creditor_id)
            )
            .where(at >= start, at < end)
            .group_by(c.creditor_id, c.assigned_user_id, cr.currency, product, segment)
        )
        for row in conn.execute(query):
            values = {name: getattr(row, name)}
            yield Counted(
                row.creditor_id, row.user_id, NO_CHANNEL, row.currency, values, row.product, row.segment
            )


def plan(conn: Connection, start: datetime, end: datetime, day: date) -> Iterator[Counted]:
    """The day's planned actions, and how many of their cases had an outbound contact that day (by
    anyone, on any channel), counted for the plan row's collector or else the case's."""
    pr, c, cr, i = t.plan_rows.c, t.cases.c, t.creditors.c, t.interactions.c
    user = func.coalesce(pr.user_id, c.assigned_user_id).label("user_id")
    product, segment = _case_product(c.id), _segment(c.segment)
    made = exists().where(
        i.case_id == pr.case_id, i.at >= start, i.at < end, i.direction == "outbound", i.outcome != REFUSED
    )
    query = (
        select(
            c.creditor_id,
            user,
            pr.action.label("channel"),
            cr.currency,
            product,
            segment,
            func.count().label("planned"),
            _when(made).label("planned_made"),
        )
        .select_from(t.plan_rows.join(t.cases, c.id == pr.case_id).join(t.creditors, cr.id == c.creditor_id))
        .where(pr.plan_date == day, pr.action != "none")
        .group_by(c.creditor_id, user, pr.action, cr.currency, product, segment)
    )
    return _rows(conn, query, ("planned", "planned_made"))


def refusals(conn: Connection, start: datetime, end: datetime) -> Iterator[tuple[Counted, tuple[str, ...]]]:
    """The gate's refusals of contacts in the window: each counted once (`refusals`), with its rules."""
    e, c, cr = t.audit_events.c, t.cases.c, t.creditors.c
    query = (
        select(c.creditor_id, e.user_id, cr.currency, _case_product(c.id), _segment(c.segment), e.detail)
        .select_from(
            t.audit_events.join(t.cases, and_(e.entity == "case", c.id == e.entity_id)).join(
                t.creditors, cr.id == c.creditor_id
            )
        )
        .where(e.action == "contact.refused", e.at >= start, e.at < end)
    )
    for creditor_id, user_id, currency, product, segment, detail in conn.execute(query):
        channel = str((detail or {}).get("channel") or NO_CHANNEL)
        rules = tuple(str(rule) for rule in (detail or {}).get("rules") or ()) or ("unknown",)
        yield Counted(creditor_id, user_id, channel, currency, {"refusals": 1}, product, segment), rules


def logged_in(conn: Connection, start: datetime, end: datetime) -> list[dict[str, Any]]:
    """Each collector's logged-in seconds within [start, end): its sessions (login to last activity) that
    overlap the window, two at once counted once; with the collector's team now."""
    s, u = t.user_sessions.c, t.users.c
    query = (
        select(s.user_id, u.team_id, s.created_at, s.last_seen_at)
        .join(t.users, u.id == s.user_id)
        .where(u.role == Role.COLLECTOR.value, s.created_at < end, s.last_seen_at > start)
    )
    spans: dict[tuple[int, int | None], list[tuple[datetime, datetime]]] = {}
    for user_id, team_id, began, last in conn.execute(query):
        spans.setdefault((user_id, team_id), []).append((began, last))
    rows = []
    for (user_id, team_id), theirs in sorted(spans.items(), key=lambda item: item[0][0]):
        seconds = logged_in_seconds(theirs, start, end)
        if seconds:
            rows.append({"team_id": team_id, "user_id": user_id, "seconds": seconds})
    return rows
