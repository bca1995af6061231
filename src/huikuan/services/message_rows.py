"""The stored rows a message's facts are made of (services/message_facts.py), read for many cases at once:
the open accounts, the latest posted payment, the latest active arrangement and its instalments, the
first pending promise, the messages written and whether anyone talked about the case.

One case's rows are read the same way as a batch's (`case_rows(uow, [case_id])`): a message written for
one case and the plan-dispatch job's batch state the same facts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from huikuan.domain.enums import CONVERSATION_OUTCOMES
from huikuan.storage import tables as t
from huikuan.storage.membership import one_of
from huikuan.storage.uow import UnitOfWork

WRITTEN = ("queued", "sent", "delivered")  # a message reached someone, or will
REMEMBERED = ("payment_confirmation", "arrangement_confirmation", "demand")  # templates whose last matters
_CHUNK = 500


@dataclass
class CaseRows:
    """A case's stored rows, as the message facts need them."""

    accounts: list[Any] = field(default_factory=list)  # the open accounts, by id
    payment: Any = None  # the latest posted payment (amount, currency, paid_at)
    arrangement: Any = None  # the latest active arrangement
    instalments: list[Any] = field(default_factory=list)  # its instalments, by seq
    promise: Any = None  # the first pending promise (by due date, id)
    last: dict[str, datetime] = field(default_factory=dict)  # REMEMBERED template: last written at
    written: bool = False  # a message was written on the case
    talked: bool = False  # a conversation was had about the case


def case_rows(uow: UnitOfWork, case_ids: Iterable[int]) -> dict[int, CaseRows]:
    """Every one of these cases' rows (a case with none has empty rows)."""
    ids = sorted(set(case_ids))
    out = {case_id: CaseRows() for case_id in ids}
    for start in range(0, len(ids), _CHUNK):
        _read(uow, ids[start : start + _CHUNK], out)
    return out


def _read(uow: UnitOfWork, ids: list[int], out: dict[int, CaseRows]) -> None:
    s = uow.session
    a, pay, ar, ins = t.accounts.c, t.payments.c, t.arrangements.c, t.instalments.c
    pr, m, i = t.promises.c, t.messages.c, t.interactions.c
    r: Any
    accounts = select(
        a.case_id,
        a.external_ref,
        a.product,
        a.currency,
        a.principal,
        a.interest,
        a.fees,
        a.balance,
        a.excess_interest,
        a.charge_off_date,
        a.overdue_since,
    ).where(one_of(a.case_id, ids), a.status == "open")
    for r in s.execute(accounts.order_by(a.id)):
        out[r.case_id].accounts.append(r)
    payments = (
        select(a.case_id, pay.amount, pay.currency, pay.paid_at)
        .join(t.accounts, a.id == pay.account_id)
        .where(one_of(a.case_id, ids), pay.status == "posted")
        .order_by(a.case_id, pay.paid_at.desc(), pay.id.desc())
    )
    for r in s.execute(payments):
        if out[r.case_id].payment is None:
            out[r.case_id].payment = r
    arrangements = select(
        ar.case_id, ar.id, ar.kind, ar.total_amount, ar.currency, ar.schedule, ar.created_at, ar.approved_at
    ).where(one_of(ar.case_id, ids), ar.status == "active")
    for r in s.execute(arrangements.order_by(ar.id.desc())):
        if out[r.case_id].arrangement is None:
            out[r.case_id].arrangement = r
    arranged = {rows.arrangement.id: rows for rows in out.values() if rows.arrangement is not None}
    if arranged:
        plan = select(ins.arrangement_id, ins.seq, ins.due_date, ins.amount)
        for r in s.execute(plan.where(one_of(ins.arrangement_id, arranged)).order_by(ins.seq)):
            arranged[r.arrangement_id].instalments.append(r)
    promises = select(pr.case_id, pr.amount, pr.currency, pr.due_date).where(
        one_of(pr.case_id, ids), pr.status == "pending"
    )
    for r in s.execute(promises.order_by(pr.due_date, pr.id)):
        if out[r.case_id].promise is None:
            out[r.case_id].promise = r
    # Every message of the cases, the statuses told apart here: a condition on the status would let the
    # database walk every queued message instead (the outbox the plan-dispatch job is filling, whose
    # statistics are those of before it began: 34 ms a batch on PostgreSQL by 90,000 messages).
    written = select(m.case_id, m.template, m.status, func.max(m.created_at).label("at")).where(
        one_of(m.case_id, ids)
    )
    for r in s.execute(written.group_by(m.case_id, m.template, m.status)):
        if r.status not in WRITTEN:
            continue
        rows = out[r.case_id]
        rows.written = True
        if r.template in REMEMBERED and r.at is not None:
            rows.last[r.template] = max(r.at, rows.last.get(r.template, r.at))
    talks = [o.value for o in CONVERSATION_OUTCOMES]
    talked = select(i.case_id).where(one_of(i.case_id, ids), i.outcome.in_(talks)).distinct()
    for case_id in s.execute(talked).scalars():
        out[case_id].talked = True
